"""Entry point of the agent's app: ``assist-agent`` (the window) and ``assist-agent --headless``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assist_agent.config import Settings
from assist_net.driver import EXIT_ERROR, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assist-agent",
        description="Help a customer: create a code, see their screen, draw on it, guide them.",
    )
    p.add_argument(
        "--relay", metavar="URL", help="relay address: wss://host:port, or just the host name"
    )
    p.add_argument(
        "--token",
        metavar="TOKEN",
        help="your agent token, or - to read it from standard input (remembered after the "
        "first sign-in). Prefer --token-file, - or ASSIST_AGENT_TOKEN: other users of this "
        "computer can see command lines",
    )
    p.add_argument(
        "--token-file", type=Path, metavar="FILE", help="read your agent token from this file"
    )
    t = p.add_argument_group("connection security")
    t.add_argument(
        "--ca-file",
        metavar="FILE.pem",
        help="also trust this certificate authority (your organisation's own CA)",
    )
    t.add_argument(
        "--pin",
        metavar="sha256/BASE64",
        help="only accept a relay whose public key has this SHA-256 (ask your admin)",
    )
    t.add_argument(
        "--insecure",
        action="store_true",
        help="allow ws:// (no encryption) to a relay that is not on this computer; "
        "the window shows a warning",
    )
    p.add_argument("--lang", choices=("ko", "en"), help="language (default: system locale)")
    p.add_argument(
        "--new-session",
        action="store_true",
        help="start a session as soon as you are signed in, and print its code on stdout "
        "(code: NNN-NNN-NNN)",
    )
    h = p.add_argument_group("headless mode (automation, tests, benchmarks)")
    h.add_argument("--headless", action="store_true", help="run one session without a window")
    h.add_argument(
        "--duration", type=float, metavar="SECONDS", help="end the session this long after pairing"
    )
    h.add_argument(
        "--save-frame", type=Path, metavar="FILE.png", help="write the last full screen as a PNG"
    )
    h.add_argument("--stats", type=Path, metavar="FILE.json", help="write frame statistics")
    h.add_argument(
        "--draw-test",
        action="store_true",
        help="send an arrow, a step marker and a chat line after the first frame",
    )
    h.add_argument(
        "--probe",
        type=_rect,
        metavar="X,Y,W,H",
        help="note in --stats when this rectangle of the screen changes (benchmarks)",
    )
    c = p.add_argument_group("headless remote control (the customer is asked first)")
    c.add_argument("--control", metavar="REASON", help="ask the customer for control")
    c.add_argument(
        "--control-click",
        type=_point,
        metavar="X,Y",
        action="append",
        default=[],
        help="once granted, click here (screen pixels; repeatable)",
    )
    c.add_argument("--control-type", metavar="TEXT", default="", help="once granted, type this")
    c.add_argument(
        "--control-burst", type=int, default=0, metavar="N", help="then send N keys 5 ms apart"
    )
    c.add_argument(
        "--control-rtt",
        type=int,
        default=0,
        metavar="N",
        help="then type N keys, each after --probe showed the last (benchmarks)",
    )
    f = p.add_argument_group("headless files (the customer is asked for each)")
    f.add_argument("--send-file", type=Path, metavar="PATH", help="offer the customer this file")
    f.add_argument(
        "--files-dir", type=Path, metavar="DIR", help="accept files the customer sends, here"
    )
    d = p.add_argument_group("headless help desk (customers who asked from the app)")
    d.add_argument(
        "--take-next",
        action="store_true",
        help="take the customer waiting longest in my queues instead of making a code",
    )
    d.add_argument("--take", metavar="TICKET", help="take this waiting customer")
    r = p.add_argument_group("headless rooms (a colleague joins the session)")
    r.add_argument(
        "--invite",
        metavar="NAME",
        action="append",
        default=[],
        help="once the customer shares, ask this colleague in to help (repeatable)",
    )
    r.add_argument("--handover", metavar="NAME", help="once the customer shares, hand over")
    r.add_argument("--reason", default="", help="why (the customer's prompt shows it)")
    r.add_argument("--note", default="", help="hand-over note for the colleague")
    r.add_argument(
        "--leave-after",
        type=float,
        metavar="SECONDS",
        default=2.0,
        help="after a hand-over the customer approved, leave this much later (default 2)",
    )
    r.add_argument(
        "--wait-invite",
        type=float,
        metavar="SECONDS",
        help="sign in at the desk, accept the first invitation within this long, and "
        "run that session instead of making a code",
    )
    return p


def _point(text: str) -> tuple[int, int]:
    try:
        x, y = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not X,Y in pixels") from None
    if x < 0 or y < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: X and Y must be 0 or more")
    return x, y


def _rect(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not X,Y,W,H in pixels") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: X and Y must be 0 or more, W and H above 0")
    return x, y, w, h


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    headless_only = [
        name
        for name, value in (
            ("--duration", args.duration),
            ("--save-frame", args.save_frame),
            ("--stats", args.stats),
            ("--draw-test", args.draw_test or None),
            ("--probe", args.probe),
            ("--control", args.control),
            ("--send-file", args.send_file),
            ("--files-dir", args.files_dir),
        )
        if value is not None
    ]
    if headless_only and not args.headless:
        parser.error(f"{', '.join(headless_only)} only work with --headless")
    if args.duration is not None and args.duration < 0:
        parser.error("--duration must be zero or more seconds")

    from assist_agent import config, logs

    try:
        logs.setup()
    except OSError:
        pass  # no writable data folder: run without a log file
    try:
        token = _read_token(args)
    except OSError as exc:
        print(f"assist-agent: cannot read the token: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    settings = config.resolve(
        args.relay,
        token,
        args.lang,
        ca_file=args.ca_file,
        pin=args.pin,
        insecure=args.insecure,
    )
    if args.headless:
        return _headless(settings, args)
    from assist_agent.gui import run_gui

    return run_gui(settings, new_session=args.new_session)


def _read_token(args: argparse.Namespace) -> str | None:
    """The token from --token-file, standard input (--token -) or --token itself."""
    if args.token_file is not None:
        return args.token_file.read_text(encoding="utf-8").strip() or None
    if args.token == "-":
        return sys.stdin.readline().strip() or None
    if args.token and not args.headless:  # headless stderr is one line: the outcome
        print(
            "assist-agent: note: a token given with --token can be seen by other users of "
            "this computer; use --token-file, --token - or ASSIST_AGENT_TOKEN instead.",
            file=sys.stderr,
        )
    token: str | None = args.token
    return token


def _headless(settings: Settings, args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication

    from assist_agent import headless
    from assist_ui import i18n
    from assist_ui.collector import GuiThreadCollector

    app = QCoreApplication.instance() or QCoreApplication(["assist-agent"])
    GuiThreadCollector(app)  # Qt objects are finalized on this thread only
    i18n.install(app, settings.lang or "en")
    if not settings.token:
        print(
            "assist-agent: no agent token: use --token-file FILE, --token - (standard "
            "input) or set ASSIST_AGENT_TOKEN.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return headless.run(
            app,
            settings,
            duration=args.duration,
            save_frame=args.save_frame,
            stats_path=args.stats,
            draw_test=args.draw_test,
            probe=args.probe,
            room=headless.RoomPlan(
                tuple(args.invite), args.handover, args.reason, args.note, args.leave_after
            ),
            wait_invite_s=args.wait_invite,
            take=args.take if args.take else ("" if args.take_next else None),
            control=(
                headless.ControlPlan(
                    args.control,
                    tuple(args.control_click),
                    args.control_type.replace("\\n", "\n"),
                    args.control_burst,
                    args.control_rtt,
                )
                if args.control is not None
                else None
            ),
            send_file=args.send_file,
            files_dir=args.files_dir,
        )
    except Exception as exc:  # noqa: BLE001 - one line for people, the traceback to the log
        logging.getLogger("assist_agent").exception("headless run failed")
        print(
            f"assist-agent: unexpected error ({type(exc).__name__}); see the log.", file=sys.stderr
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
