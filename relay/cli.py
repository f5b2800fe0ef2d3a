"""``assist-relay``: run the relay, manage agents, read the audit log.

::

    assist-relay serve [--host H] [--port P] [--data-dir DIR] [--config relay.toml]
                       [--tls-cert FILE --tls-key FILE] [--metrics-port N] [--log-level L]
    assist-relay agent add NAME [--display-name TEXT] [--org TEXT]
    assist-relay agent list | remove NAME | reset-token NAME
    assist-relay sessions [--since DATE] [--json]
    assist-relay org init --org NAME --key FILE [--passphrase-file F]
    assist-relay org register --key FILE [--optional] | show --key FILE | status
    assist-relay org issue --key FILE --agent NAME [--team T] [--days N] [--out FILE ...]
    assist-relay org revoke (--serial N | --agent NAME) [--key FILE]
    assist-relay org crl --key FILE [--days N] [--out FILE] | upload FILE

The admin commands work while the relay runs, on the same ``--data-dir``
(the database is in WAL mode). Settings come from the defaults, then the TOML
file, then ``ASSIST_RELAY_*`` variables, then these flags.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common.pins import pin_of_certificate
from relay.config import ConfigError, Settings, load_settings
from relay.org_cli import org_command
from relay.org_cli import org_parser as _org_parser
from relay.server import RelayServer
from relay.store import SessionRow, Store, StoreError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="where the database lives")
    common.add_argument("--config", type=Path, help="a TOML file of settings")

    parser = argparse.ArgumentParser(
        prog="assist-relay",
        description="The Assist relay: pairs customers with agents and forwards ciphertext.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the relay")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8765; 0: any)")
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain (serve wss://)")
    serve.add_argument("--tls-key", type=Path, help="PEM private key")
    serve.add_argument("--metrics-port", type=int, help="serve /metrics and /healthz here")
    serve.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    agent = sub.add_parser("agent", help="manage agents").add_subparsers(
        dest="agent_command", required=True, metavar="ACTION"
    )
    add = agent.add_parser("add", parents=[common], help="register an agent; prints its token")
    add.add_argument("name")
    add.add_argument("--display-name", help="the name customers see (default: NAME)")
    add.add_argument("--org", default="", help="the organisation customers see")
    agent.add_parser("list", parents=[common], help="list agents")
    remove = agent.add_parser("remove", parents=[common], help="remove an agent")
    remove.add_argument("name")
    reset = agent.add_parser("reset-token", parents=[common], help="give an agent a new token")
    reset.add_argument("name")

    _org_parser(sub, common)

    sessions = sub.add_parser("sessions", parents=[common], help="show the audit log")
    sessions.add_argument(
        "--since", help="only sessions started since: 2025-03-01, 2025-03-01T09:00, 7d or 12h (UTC)"
    )
    sessions.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        flags: dict[str, Any] = {"data_dir": args.data_dir}
        if args.command == "serve":
            flags.update(
                host=args.host,
                port=args.port,
                tls_cert=args.tls_cert,
                tls_key=args.tls_key,
                metrics_port=args.metrics_port,
                log_level=args.log_level,
            )
        settings = load_settings(flags, config=args.config)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "org" and args.org_command in ("init", "show"):
            return org_command(None, args)
        with _open_store(settings) as store:
            if args.command == "agent":
                return _agent(store, args)
            if args.command == "org":
                return org_command(store, args)
            return _sessions(store, args.since, args.json)
    except (ConfigError, StoreError) as exc:
        print(f"assist-relay: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `assist-relay sessions | head`: the reader had enough; that is not an error.
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


class _open_store:
    def __init__(self, settings: Settings) -> None:
        self.store = Store.open(settings.resolved_data_dir())

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


# ---------------------------------------------------------------- serve


def _serve(settings: Settings) -> int:
    level = getattr(logging, settings.log_level.upper())
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # websockets logs frame contents at DEBUG; the relay must never log Data.
    logging.getLogger("websockets").setLevel(max(level, logging.WARNING))
    try:
        asyncio.run(_run(settings))
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        raise ConfigError(f"cannot start on {where}: {exc.strerror or exc}") from None
    return 0


async def _run(settings: Settings) -> None:
    data_dir = settings.resolved_data_dir()
    store = Store.open(data_dir)
    server = RelayServer(settings, store)
    try:
        await server.start()
        line = f"assist-relay listening on {server.url} (data: {data_dir}"
        if server.metrics_port is not None:
            line += f"; metrics: http://{settings.metrics_host}:{server.metrics_port}/metrics"
        if settings.tls_cert is not None:
            line += f"; key pin: {pin_of_certificate(settings.tls_cert.read_bytes())}"
        print(line + ")", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await server.stop()
        store.close()


# ---------------------------------------------------------------- agents


def _agent(store: Store, args: argparse.Namespace) -> int:
    action = args.agent_command
    if action == "add":
        token = store.add_agent(args.name, args.display_name, args.org)
        print(f"Added agent {args.name}. Give them this token; it is shown only once:")
        print(token)
    elif action == "reset-token":
        token = store.reset_token(args.name)
        print(f"New token for {args.name}; the old one no longer works. Shown only once:")
        print(token)
    elif action == "remove":
        store.remove_agent(args.name)
        print(f"Removed agent {args.name}; their token no longer works.")
    else:
        agents = store.list_agents()
        rows = [("NAME", "DISPLAY NAME", "ORG", "TOKEN ID", "ADDED (UTC)")]
        rows += [(a.name, a.display_name, a.org, a.token_id, _when(a.created)) for a in agents]
        _table(rows)
    return 0


# ---------------------------------------------------------------- audit log


def parse_since(text: str, now: dt.datetime | None = None) -> float:
    """``7d``, ``12h``, ``30m`` ago, or an ISO date/time (UTC unless it says otherwise)."""
    now = now or dt.datetime.now(dt.UTC)
    m = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", text)
    if m:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[m.group(2)]
        return (now - dt.timedelta(**{unit: int(m.group(1))})).timestamp()
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise StoreError(f"--since {text!r}: use a date like 2025-03-01, or 7d, 12h") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _sessions(store: Store, since: str | None, as_json: bool) -> int:
    rows = store.sessions(parse_since(since) if since else None)
    if as_json:
        print(json.dumps([_row_json(r) for r in rows], indent=2))
        return 0
    table = [("STARTED (UTC)", "AGENT", "NAMEPLATE", "DURATION", "AGENT→CUST", "CUST→AGENT", "END")]
    for r in rows:
        table.append(
            (
                _when(r.started),
                r.agent,
                r.nameplate,
                _duration(r.duration_s),
                _size(r.bytes_agent_to_customer),
                _size(r.bytes_customer_to_agent),
                r.end_reason or "open",
            )
        )
    _table(table)
    return 0


def _row_json(r: SessionRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "agent": r.agent,
        "nameplate": r.nameplate,
        "started": _iso(r.started),
        "paired": _iso(r.paired),
        "established": _iso(r.established),
        "ended": _iso(r.ended),
        "duration_s": None if r.duration_s is None else round(r.duration_s, 3),
        "bytes_agent_to_customer": r.bytes_agent_to_customer,
        "bytes_customer_to_agent": r.bytes_customer_to_agent,
        "resumes": r.resumes,
        "end_reason": r.end_reason,
    }


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
