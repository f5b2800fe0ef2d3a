"""Entry point of the customer's app: ``assist-client``.

::

    assist-client [--relay URL] [--code CODE] [--lang ko|en] [--trust-org "NAME=FINGERPRINT"]
    assist-client [assist://help?relay=...&org=...&fp=...]     (a support link)
    assist-client --register-link-handler   (make such links open the app)
    assist-client --headless --relay URL --code CODE --consent [--monitor N] [--duration S]
    assist-client --headless --relay URL --trust-org "NAME=FP" --get-help --queue ID \\
        --name NAME --description TEXT [--contact C] [--attach-system] --consent
                  [--helpers refuse|allow] [--remove-helpers-after S]
                  [--control refuse|allow] [--files refuse|accept] [--files-dir DIR]
                  [--send-file PATH]

With windows (the default) it asks for the code, asks for consent, shows the
sharing bar, the agent's marks and the guidance panel. ``--headless`` runs the
same session without windows (see :mod:`assist_client.headless`). Anything
unexpected becomes one sentence for the person and a traceback in the log file
(``client.log`` in the user's data folder).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assist_client import config
from assist_net.driver import EXIT_ERROR, EXIT_USAGE
from assist_net.target import INSECURE_WARNING, RelayTarget, TargetLike
from common.codes import SessionCode
from common.help import HelpRequest
from common.identity import Trust

log = logging.getLogger("assist_client")

EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assist-client",
        description="Share your screen with a support agent who gave you a code.",
        epilog=(
            "While sharing, Ctrl+Alt+Shift+S stops sharing at once (on X11 from any window; "
            "elsewhere while an Assist window is active). Exit codes in headless mode: 0 ended "
            "normally, 2 usage error or no consent, 3 code did not match or refused, "
            "4 relay unreachable, 5 ended on an error, 6 the agent's identity was refused "
            "(nothing was shared)."
        ),
    )
    p.add_argument(
        "--relay", metavar="URL", help="relay address: wss://host:port, or just the host name"
    )
    p.add_argument(
        "--ca-file",
        metavar="FILE.pem",
        help="also trust this certificate authority (the support desk's own CA)",
    )
    p.add_argument(
        "--pin",
        metavar="sha256/BASE64",
        help="only accept a relay whose public key has this SHA-256",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow ws:// (no encryption) to a relay that is not on this computer; "
        "a warning stays visible",
    )
    p.add_argument(
        "link",
        nargs="?",
        metavar="SUPPORT_LINK",
        help="a support link from your organisation's web page (assist://help?...)",
    )
    p.add_argument(
        "--trust-org",
        action="append",
        default=[],
        metavar='"NAME=FINGERPRINT"',
        help="show this organisation's agents as verified (and refuse impostors using its "
        "name); the fingerprint is 30 digits; may be repeated",
    )
    p.add_argument("--code", help="the code the agent gave you, e.g. 482-519-309")
    p.add_argument("--lang", choices=("ko", "en"), help="language (default: system locale)")
    p.add_argument("--headless", action="store_true", help="run without windows (automation)")
    p.add_argument(
        "--consent",
        action="store_true",
        help="headless: I agree to share my screen with the agent who gave me this code",
    )
    p.add_argument(
        "--monitor", type=int, metavar="N", help="headless: monitor to share, 1 = the first"
    )
    p.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="headless: end the session after this many seconds of sharing",
    )
    p.add_argument(
        "--helpers",
        choices=("refuse", "allow"),
        default="refuse",
        help="headless: my answer when the agent asks a colleague in (default: refuse)",
    )
    p.add_argument(
        "--control",
        choices=("refuse", "allow"),
        default="refuse",
        help="headless: my answer when a member asks to control this computer (default: refuse)",
    )
    p.add_argument(
        "--files",
        choices=("refuse", "accept"),
        default="refuse",
        help="headless: my answer when a member offers me a file (default: refuse)",
    )
    p.add_argument(
        "--files-dir", type=Path, metavar="DIR", help="headless: save accepted files here"
    )
    p.add_argument(
        "--send-file", type=Path, metavar="PATH", help="headless: send this file to the agent"
    )
    p.add_argument(
        "--remove-helpers-after",
        type=float,
        metavar="SECONDS",
        help="headless: take every helper out again this long after allowing them",
    )
    g = p.add_argument_group("headless Get help (ask the desk instead of typing a code)")
    g.add_argument("--get-help", action="store_true", help="ask for help from the queue")
    g.add_argument("--org", metavar="NAME", help="which pinned organisation (if several)")
    g.add_argument("--queue", metavar="ID", help="the queue's id, e.g. internet")
    g.add_argument("--name", help="your name, as the agent will see it")
    g.add_argument("--contact", default="", help="a phone number or e-mail for a callback")
    g.add_argument("--description", help="what you need help with, in a sentence")
    g.add_argument(
        "--attach-system",
        action="store_true",
        help="also send the system, app version and screens (off unless given)",
    )
    p.add_argument(
        "--register-link-handler",
        action="store_true",
        help="make assist://help?... support links open this app (this user's desktop)",
    )
    p.add_argument("--verbose", action="store_true", help="log more detail to the log file")
    return p


def _usage(parser: argparse.ArgumentParser, text: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"assist-client: {text}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def _say(sentence: str) -> int:
    """A mistake in what the person gave (not in how they called us): just the sentence."""
    print(f"assist-client: {sentence}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log_path = config.setup_logging(args.verbose)
    if args.register_link_handler:
        return _register_link_handler()
    from common.identity import parse_support_link

    link_pin = None
    try:
        if args.link:
            link_relay, link_pin = parse_support_link(args.link)
            args.relay = args.relay or link_relay
        trust = config.trust(args.trust_org, link_pin)
    except ValueError as exc:
        return _say(f"{exc}.")
    target = config.relay_target(
        args.relay, ca_file=args.ca_file, pin=args.pin, insecure=args.insecure
    )
    try:
        if args.headless:
            return _headless(parser, args, target, trust)
        from assist_client.app import run_app

        return run_app(target, args.code, args.lang, trust=trust, get_help=link_pin is not None)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - a person reads a sentence, the log keeps the traceback
        log.exception("unexpected error")
        where = f" Details are in {log_path}." if log_path else ""
        print(
            "Assist ran into an unexpected problem and had to stop. Please start it again." + where,
            file=sys.stderr,
            flush=True,
        )
        return EXIT_ERROR


def _register_link_handler() -> int:
    from assist_client.link_handler import register

    try:
        written = register()
    except NotImplementedError as exc:
        return _say(f"{exc}.")
    except OSError as exc:
        return _say(f"could not register for support links: {exc}.")
    print("Support links (assist://help?...) now open Assist. Written:")
    for path in written:
        print(f"  {path}")
    return 0


def _headless(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    target: TargetLike,
    trust: Trust,
) -> int:
    from common.codes import parse_code
    from common.errors import CodeError, RelayAddressError

    if isinstance(target, RelayAddressError):
        return _say(str(target))
    request = None
    if args.get_help:
        made = _help_request(args, trust)
        if isinstance(made, str):
            return _usage(parser, made)
        request = made
    elif not args.code:
        return _usage(
            parser, "--headless needs --code (the code the agent gave you) or --get-help."
        )
    if not args.consent:
        return _usage(
            parser,
            "refusing to share the screen without --consent. Add --consent only if you "
            "contacted this support desk yourself and agree to share your screen.",
        )
    if args.duration is not None and args.duration <= 0:
        return _usage(parser, "--duration must be a positive number of seconds.")
    if request is not None:
        start: SessionCode | HelpRequest = request
    else:
        try:
            start = parse_code(args.code)
        except CodeError as err:
            return _say(str(err))

    from PySide6.QtCore import QCoreApplication

    from assist_client.headless import run_headless
    from assist_ui import i18n

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    i18n.install(app, args.lang)
    if isinstance(target, RelayTarget) and target.warning:
        print(f"assist-client: {INSECURE_WARNING}", file=sys.stderr, flush=True)
    return run_headless(
        target,
        start,
        monitor_number=args.monitor,
        duration_s=args.duration,
        trust=trust,
        helpers=args.helpers,
        remove_helpers_after_s=args.remove_helpers_after,
        control=args.control,
        files=args.files,
        files_dir=args.files_dir,
        send_file=args.send_file,
    )


def _help_request(args: argparse.Namespace, trust: Trust) -> HelpRequest | str:
    """The Get help request from the flags, or a sentence saying what is missing."""
    if not trust.pins:
        return (
            "--get-help needs an organisation you trust (--trust-org, trusted_orgs in "
            "client.toml, or a support link): only its agents can answer."
        )
    pins = [p for p in trust.pins if args.org is None or p.org == args.org]
    if len(pins) != 1:
        names = ", ".join(sorted({p.org for p in trust.pins}))
        return f"--get-help: choose the organisation with --org (one of: {names})."
    if not args.queue or not args.name or not args.description:
        return "--get-help needs --queue, --name and --description."
    system = ""
    if args.attach_system:
        from assist_client.monitors import enumerate_monitors
        from assist_client.sysinfo import describe

        try:
            system = describe(enumerate_monitors([]))
        except Exception:  # noqa: BLE001 - no screen: say so rather than nothing
            system = describe([])
    return HelpRequest(
        args.queue,
        pins[0].fingerprint,
        config.installation_id(),
        args.name[:64],
        args.contact[:64],
        args.description[:500],
        system,
    )


if __name__ == "__main__":
    sys.exit(main())
