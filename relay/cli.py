"""``assist-relay``: run the relay, manage agents, read the audit log.

::

    assist-relay serve [--host H] [--port P] [--data-dir DIR] [--config relay.toml]
                       [--tls-cert FILE --tls-key FILE] [--metrics-port N] [--log-level L]
                       [--node-id ID --public-url wss://...]
    assist-relay drain [--node-id ID] [--no-wait] [--timeout S]
    assist-relay agent add NAME [--display-name TEXT] [--org TEXT]
    assist-relay agent list | remove NAME | reset-token NAME
    assist-relay agent set NAME [--team TEXT] [--role agent|supervisor]
    assist-relay sessions [--since DATE] [--json]
    assist-relay desk check [FILE]
    assist-relay desk callbacks [--queue Q] [--state S] [--json] | blocks | log [--since DATE]
    assist-relay desk block INSTALLATION --hours N --reason TEXT [--by NAME] | unblock INSTALLATION
    assist-relay org init --org NAME --key FILE [--passphrase-file F]
    assist-relay org register --key FILE [--optional] | show --key FILE | status
    assist-relay org issue --key FILE --agent NAME [--team T] [--days N] [--out FILE ...]
    assist-relay org revoke (--serial N | --agent NAME) [--key FILE]
    assist-relay org crl --key FILE [--days N] [--out FILE] | upload FILE

The admin commands work while the relay runs, on the same ``--data-dir``
(SQLite in WAL mode) or the same ``database_url`` (PostgreSQL). Settings come from
the defaults, then the TOML file, then ``ASSIST_RELAY_*`` variables, then these flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import getpass
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common.pins import pin_of_certificate
from relay.config import ConfigError, Settings, load_settings
from relay.console.data import erasure_subject
from relay.desk.changes import apply as apply_changes
from relay.desk.changes import change as change_queue
from relay.desk.changes import week_text
from relay.desk.config import Queue, read_desk
from relay.org_cli import org_command
from relay.org_cli import org_parser as _org_parser
from relay.server import RelayServer
from relay.sql import DatabaseError
from relay.store import ROLES, RoomEventRow, SessionRow, Store, StoreError

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
    serve.add_argument("--console-port", type=int, help="serve the web console here")
    serve.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    serve.add_argument("--node-id", help="this node's name in a cluster (default: host name)")
    serve.add_argument(
        "--public-url", help="the wss:// address apps use for this very node (clusters)"
    )

    drain = sub.add_parser(
        "drain",
        parents=[common],
        help="stop a running node taking new sessions; it exits once its sessions are gone",
    )
    drain.add_argument("--node-id", help="which node on this machine (default: the host name)")
    drain.add_argument("--no-wait", action="store_true", help="do not wait for it to exit")
    drain.add_argument(
        "--timeout", type=float, default=0.0, help="give up waiting after this many seconds"
    )
    agent = sub.add_parser("agent", help="manage agents").add_subparsers(
        dest="agent_command", required=True, metavar="ACTION"
    )
    add = agent.add_parser("add", parents=[common], help="register an agent; prints its token")
    add.add_argument("name")
    add.add_argument("--display-name", help="the name customers see (default: NAME)")
    add.add_argument("--org", default="", help="the organisation customers see")
    add.add_argument("--team", default="", help="the team colleagues see them under")
    add.add_argument(
        "--supervisor", action="store_true", help="may ask to watch colleagues' sessions"
    )
    change = agent.add_parser("set", parents=[common], help="change an agent's team or role")
    change.add_argument("name")
    change.add_argument("--team", help="the team colleagues see them under")
    change.add_argument(
        "--role",
        choices=ROLES,
        help="supervisor: may watch colleagues' sessions, sees the live desk and reports;"
        " admin: that, and runs the console's accounts, privacy requests and settings",
    )
    agent.add_parser("list", parents=[common], help="list agents")
    remove = agent.add_parser("remove", parents=[common], help="remove an agent")
    remove.add_argument("name")
    reset = agent.add_parser("reset-token", parents=[common], help="give an agent a new token")
    reset.add_argument("name")
    password = agent.add_parser(
        "password",
        parents=[common],
        help="set an agent's web console password (asked for twice, or read from stdin)",
    )
    password.add_argument("name")

    contacts = sub.add_parser("contacts", help="contact records").add_subparsers(
        dest="contacts_command", required=True, metavar="ACTION"
    )
    forget = contacts.add_parser(
        "forget",
        parents=[common],
        help="a customer's erasure request: delete everything kept about them",
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--contact", help="the phone number or e-mail address they gave")
    who.add_argument("--installation", help="their app's installation id")
    forget.add_argument("--yes", action="store_true", help="do it (it cannot be undone)")
    retention = contacts.add_parser(
        "retention", parents=[common], help="show or set how many days records are kept"
    )
    retention.add_argument("days", nargs="?", type=int, help="0 keeps them for ever")
    contacts.add_parser(
        "purge", parents=[common], help="delete records older than the retention now"
    )

    _org_parser(sub, common)

    desk = sub.add_parser("desk", help="the help desk's queues").add_subparsers(
        dest="desk_command", required=True, metavar="ACTION"
    )
    check = desk.add_parser(
        "check",
        parents=[common],
        help="read the desk file and show its queues, teams and whether each is open now",
    )
    check.add_argument("file", nargs="?", type=Path, help="the desk file (default: desk_file)")
    queue = desk.add_parser(
        "queue",
        parents=[common],
        help="change a queue while the relay runs (every node follows within 15 s); "
        "with no change, show it",
    )
    queue.add_argument("queue", help="the queue's id, as in the desk file")
    now = queue.add_mutually_exclusive_group()
    now.add_argument("--close", metavar="MIN", nargs="?", type=int, const=0,
                     help="close it now, for MIN minutes (none: until changed)")  # fmt: skip
    now.add_argument("--open", metavar="MIN", nargs="?", type=int, const=0,
                     help="open it now, for MIN minutes (none: until changed)")  # fmt: skip
    now.add_argument("--by-hours", action="store_true", help="back to the opening hours")
    queue.add_argument("--week", action="append", metavar="DAYS=HOURS",
                       help='weekly hours, e.g. "mon-fri=09:00-18:00" (repeat per day '
                       'or range; days not named are closed); "file" for its')  # fmt: skip
    queue.add_argument("--day", action="append", metavar="DATE=HOURS",
                       help='a special day, e.g. "2026-12-24=09:00-13:00" or '
                       '"2026-12-25=closed" (repeatable)')  # fmt: skip
    queue.add_argument("--remove-day", action="append", metavar="DATE",
                       help="drop a special day (repeatable)")  # fmt: skip
    queue.add_argument("--max-waiting", metavar="N", help='at most N waiting; "file" for its')
    queue.add_argument("--teams", metavar="A,B", help='teams serving it; "file" for its')
    callbacks = desk.add_parser(
        "callbacks", parents=[common], help="callback requests, in the order agents work them"
    )
    callbacks.add_argument("--queue", action="append", help="only this queue (repeatable)")
    callbacks.add_argument(
        "--state",
        default="open",
        choices=("open", "done", "no_answer", "cancelled", "all"),
        help="which ones (default: open)",
    )
    callbacks.add_argument("--json", action="store_true", help="print JSON")
    block = desk.add_parser(
        "block", parents=[common], help="keep an installation out of the queues for a while"
    )
    block.add_argument("installation", help="the installation id the agent's app shows")
    block.add_argument("--hours", type=float, required=True, help="for how long")
    block.add_argument("--reason", required=True, help="why (kept in the desk log)")
    block.add_argument("--by", help="who decided (default: your user name)")
    unblock = desk.add_parser("unblock", parents=[common], help="lift a block at once")
    unblock.add_argument("installation")
    unblock.add_argument("--by", help="who decided (default: your user name)")
    desk.add_parser("blocks", parents=[common], help="blocks in force now")
    log = desk.add_parser("log", parents=[common], help="callbacks, blocks and flags, in order")
    log.add_argument("--since", help="2025-03-01, 2025-03-01T09:00, 7d or 12h (UTC)")

    sessions = sub.add_parser("sessions", parents=[common], help="show the audit log")
    sessions.add_argument(
        "--since", help="only sessions started since: 2025-03-01, 2025-03-01T09:00, 7d or 12h (UTC)"
    )
    sessions.add_argument("--json", action="store_true", help="print JSON")
    sessions.add_argument(
        "--rooms",
        action="store_true",
        help="under each session, who was invited, allowed in, removed or took over",
    )
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
                console_port=args.console_port,
                log_level=args.log_level,
                node_id=args.node_id,
                public_url=args.public_url,
            )
        if args.command == "drain":
            flags["node_id"] = args.node_id
        settings = load_settings(flags, config=args.config)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "drain":
            return _drain(settings, wait=not args.no_wait, timeout=args.timeout)
        if args.command == "org" and args.org_command in ("init", "show"):
            return org_command(None, args)
        if args.command == "desk" and args.desk_command == "check":
            return _desk_check(settings, args.file)
        if args.command == "desk" and args.desk_command == "queue":
            return _desk_queue(settings, args)
        with _open_store(settings) as store:
            if args.command == "desk":
                return _desk(store, args)
            if args.command == "agent":
                return _agent(store, args)
            if args.command == "contacts":
                return _contacts(store, args)
            if args.command == "org":
                return org_command(store, args)
            return _sessions(store, args.since, args.json, args.rooms)
    except (ConfigError, StoreError) as exc:
        print(f"assist-relay: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `assist-relay sessions | head`: the reader had enough; that is not an error.
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def open_store(settings: Settings) -> Store:
    """The store the settings name; a database that cannot be used is a ConfigError
    naming ``database_url`` (when it is set)."""
    try:
        return Store.open(settings.resolved_data_dir(), settings.database_url)
    except DatabaseError as exc:
        if settings.database_url:
            raise ConfigError(f"database_url: {exc}") from None
        raise


def pid_file(settings: Settings) -> Path:
    """Where a running node writes its process id (``assist-relay drain`` reads it)."""
    return settings.resolved_data_dir() / f"relay-{settings.resolved_node_id()}.pid"


class _open_store:
    def __init__(self, settings: Settings) -> None:
        self.store = open_store(settings)

    def __enter__(self) -> Store:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


# ---------------------------------------------------------------- desk


def _desk_check(settings: Settings, file: Path | None) -> int:
    """Read the desk file; print each queue, its teams and limits, whether it is open
    now (and until or from when, on its own clock), and teams nobody is in yet."""
    path = file or settings.desk_file
    if path is None:
        raise ConfigError("no desk file: give its path, or set desk_file in the settings")
    file_desk = read_desk(Path(path).expanduser())
    with _open_store(settings) as store:
        teams = {a.team for a in store.list_agents() if a.team}
        desk = apply_changes(file_desk, store.queue_settings())
    now = dt.datetime.now(dt.UTC)
    above = f"{desk.callback_offer_above_s:g} s"
    print(f"{path}: {len(desk.queues)} queue(s); a callback is offered above {above} of waiting")
    for q in desk.queues:
        changed = "" if q == file_desk.queue(q.id) else " [changed at run time: desk queue]"
        print(f"  {q.id}: {_queue_line(q, now)}{changed}")
        for team in sorted(q.teams - teams):
            print(f"    note: no agent is in team {team!r} yet (agent set NAME --team {team})")
    return 0


def _queue_changes(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The command line's changes, each as the API would send it (made in order)."""
    out: list[dict[str, Any]] = []
    for state, minutes in (("closed", args.close), ("open", args.open)):
        if minutes is not None:
            out.append({"state": state, "for_s": minutes * 60 if minutes else None})
    if args.by_hours:
        out.append({"state": "hours"})
    if args.week:
        if args.week != ["file"]:
            week = dict(_pair(w, "--week", "mon-fri=09:00-18:00") for w in args.week)
            out.append({"week": week})
        else:
            out.append({"week": None})
    for d in args.day or ():
        date, hours = _pair(d, "--day", "2026-12-24=09:00-13:00")
        out.append({"add_day": {date: hours}})
    for d in args.remove_day or ():
        out.append({"remove_day": d})
    if args.max_waiting is not None:
        out.append({"max_waiting": None if args.max_waiting == "file" else args.max_waiting})
    if args.teams is not None:
        out.append({"teams": None if args.teams == "file" else args.teams})
    return out


def _pair(raw: str, flag: str, example: str) -> tuple[str, str]:
    key, sep, value = raw.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ConfigError(f"{flag} {raw!r}: write it as {example}")
    return key.strip(), value.strip()


def _desk_queue(settings: Settings, args: argparse.Namespace) -> int:
    """Change a queue in the database (every node reads it within its reload), and
    show the queue as it then is."""
    if settings.desk_file is None:
        raise ConfigError("this relay has no desk file (desk_file in the settings)")
    desk = read_desk(Path(settings.desk_file).expanduser())
    with _open_store(settings) as store:
        current = {s.queue: s for s in store.queue_settings()}.get(args.queue)
        for changes in _queue_changes(args):
            current = store.change_queue(
                desk, args.queue, changes, actor=_me(), address="command line"
            )
        if current is None and desk.queue(args.queue) is None:
            change_queue(desk, None, args.queue, {}, now=0.0, actor="")  # says which there are
        laid = apply_changes(desk, [current] if current is not None else [])
    q = laid.queue(args.queue)
    assert q is not None
    print(f"  {q.id}: {_queue_line(q, dt.datetime.now(dt.UTC))}")
    if current is not None and current.forced_now(time.time()) != "hours":
        until = f"until {_when(current.until)} UTC" if current.until else "until changed"
        print(f"    {current.state} by hand, by {current.changed_by}, {until}")
    for name, spans in week_text(q.hours).items():
        print(f"    {name} {', '.join(spans)}")
    for date, spans in current.days.items() if current is not None else ():
        print(f"    {date} {', '.join(spans) or 'closed'} (special day)")
    return 0


def _queue_line(q: Queue, now: dt.datetime) -> str:
    """Who serves it, how many may wait, and whether it is open now (on its clock)."""
    closes, opens = q.hours.closes_at(now), q.hours.next_opening(now)
    if q.hours.always_open:
        state = "open around the clock"
    elif q.hours.is_open(now):
        state = "open now" + (f", until {closes.astimezone(q.hours.zone):%a %d %b %H:%M}"
                              if closes is not None else "")  # fmt: skip
    elif opens is not None:
        state = f"closed now, opens {opens.astimezone(q.hours.zone):%a %d %b %H:%M}"
    else:
        state = "closed until someone opens it"
    names = q.name + (f" / {q.name_ko}" if q.name_ko else "")
    local = now.astimezone(q.hours.zone)
    clock = f"{q.hours.zone.key}, {local:%H:%M} there now"
    served = f"teams {', '.join(sorted(q.teams))}; at most {q.max_waiting} waiting"
    return f"{names}; {served}; {state} ({clock})"


def _desk(store: Store, args: argparse.Namespace) -> int:
    now = time.time()
    by = getattr(args, "by", None) or getpass.getuser()
    if args.desk_command == "callbacks":
        state = None if args.state == "all" else args.state
        rows = store.callbacks(state=state, queues=args.queue)
        if args.json:
            print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2, ensure_ascii=False))
            return 0
        for r in rows:
            late = " (window passed)" if r.state == "open" and r.window_end < now else ""
            window = f"{_when(r.window_start)}–{_when(r.window_end)[11:]}"
            who = f"{r.name}, {r.channel} {r.contact or '(in the app)'}"
            print(f"{window} {r.queue} {r.state}{late}: {who}: {r.description!r}")
        if not rows:
            print("no callback requests" + (f" in state {state}" if state else ""))
        return 0
    if args.desk_command == "block":
        if not 0 < args.hours <= 24 * 365:
            raise StoreError("--hours: more than 0 and at most a year")
        until = now + args.hours * 3600
        store.block(args.installation, until, actor=by, reason=args.reason, at=now)
        print(f"{args.installation} is kept out of the queues until {_when(until)} UTC")
        return 0
    if args.desk_command == "unblock":
        if not store.unblock(args.installation, actor=by, at=now):
            raise StoreError(f"{args.installation!r} is not blocked")
        print(f"{args.installation} may ask for help again")
        return 0
    if args.desk_command == "blocks":
        for b in store.blocks(now):
            print(f"{b.installation} until {_when(b.until)} UTC, by {b.actor}: {b.reason}")
        return 0
    for e in store.desk_log(parse_since(args.since) if args.since else None):
        detail = f": {e.detail}" if e.detail else ""
        print(f"{_when(e.at)} {e.event} {e.subject} by {e.actor}{detail}")
    return 0


# ---------------------------------------------------------------- serve


def _serve(settings: Settings) -> int:
    level = getattr(logging, settings.log_level.upper())
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # websockets logs frame contents at DEBUG; the relay must never log Data.
    logging.getLogger("websockets").setLevel(max(level, logging.WARNING))
    # The pool logs every reconnect attempt; the relay says once that the database is
    # away and once that it is back (relay.server).
    logging.getLogger("psycopg.pool").setLevel(max(level, logging.ERROR))
    if settings.desk_file is not None:
        # A mistake stops the start with its sentence, before anyone connects.
        desk = read_desk(settings.desk_file.expanduser())
        logging.getLogger("relay").info(
            "desk file %s: %d queue(s); customers can ask for help from the app",
            settings.desk_file,
            len(desk.queues),
        )
    try:
        asyncio.run(_run(settings))
    except OSError as exc:
        where = f"{settings.host}:{settings.port}"
        raise ConfigError(f"cannot start on {where}: {exc.strerror or exc}") from None
    return 0


async def _run(settings: Settings) -> None:
    data_dir = settings.resolved_data_dir()
    store = await asyncio.to_thread(open_store, settings)
    server = RelayServer(settings, store)
    pid = pid_file(settings)
    try:
        await server.start()
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        pid.write_text(f"{os.getpid()}\n")
        where = store.where if settings.database_url else str(data_dir)
        line = f"assist-relay listening on {server.url} (data: {where}"
        if settings.redis_url:
            line += f"; node {server.node_id} at {settings.public_url}"
        if server.metrics_port is not None:
            line += f"; metrics: http://{settings.metrics_host}:{server.metrics_port}/metrics"
        if server.console is not None:
            scheme = "https" if settings.tls else "http"
            line += f"; console: {scheme}://{settings.console_host}:{server.console.port}/"
        if settings.tls_cert is not None:
            line += f"; key pin: {pin_of_certificate(settings.tls_cert.read_bytes())}"
        print(line + ")", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        drains: set[asyncio.Task[None]] = set()

        def drain() -> None:
            task = loop.create_task(server.drain())
            drains.add(task)
            task.add_done_callback(drains.discard)

        loop.add_signal_handler(signal.SIGUSR1, drain)
        stopped = asyncio.ensure_future(stop.wait())
        drained = asyncio.ensure_future(server.drained.wait())
        await asyncio.wait({stopped, drained}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        drained.cancel()
    finally:
        await server.stop()
        with contextlib.suppress(OSError):
            pid.unlink()
        store.close()


# ---------------------------------------------------------------- drain


def _drain(settings: Settings, *, wait: bool, timeout: float) -> int:
    path = pid_file(settings)
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, signal.SIGUSR1)
    except (OSError, ValueError):
        raise ConfigError(
            f"no running node {settings.resolved_node_id()!r} here ({path} is missing or "
            "stale); give --node-id and the node's --data-dir"
        ) from None
    node = settings.resolved_node_id()
    print(
        f"Draining node {node} (pid {pid}): it takes no new sessions; its sessions move "
        "to other nodes or finish.",
        flush=True,
    )
    if not wait:
        return 0
    deadline = time.monotonic() + timeout if timeout > 0 else None
    while _alive(pid):
        if deadline is not None and time.monotonic() >= deadline:
            print(f"Node {node} is still draining after {timeout:.0f} s.", file=sys.stderr)
            return 1
        time.sleep(0.2)
    print(f"Node {node} has stopped.")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child in tests) is gone for all purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------- agents


def _me() -> str:
    """Who runs the command (the admin log's actor)."""
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _read_password() -> str:
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Console password: ")
    if getpass.getpass("Again: ") != first:
        raise StoreError("the two passwords differ; nothing was changed")
    return first


def _contacts(store: Store, args: argparse.Namespace) -> int:
    action = args.contacts_command
    if action == "forget":
        if not args.yes:
            print(
                "This deletes every contact, note, callback request, flag and block kept"
                " about that customer, and cannot be undone. Run again with --yes.",
                file=sys.stderr,
            )
            return 2
        count = store.records.forget_customer(
            installation=args.installation or "", contact=args.contact or ""
        )
        subject = erasure_subject(args.installation or "", args.contact or "")
        store.console.log(
            _me(), "erased a customer", subject, f"{count} contact(s)", "command line"
        )
        print(f"Erased {count} contact(s) and everything kept with them.")
    elif action == "retention":
        if args.days is not None:
            before = store.console.retention_days()
            store.console.set_retention_days(args.days)
            store.console.log(
                _me(), "set retention", "records", f"{before} -> {args.days} days", "cli"
            )
        days = store.console.retention_days()
        print(f"Records are kept {'for ever' if days == 0 else f'{days} days'}.")
    else:
        days = store.console.retention_days()
        if not days:
            print("Records are kept for ever (retention 0): nothing to delete.")
            return 0
        count = store.records.purge(time.time() - days * 86400)
        print(f"Deleted {count} contact(s) older than {days} days.")
    return 0


def _agent(store: Store, args: argparse.Namespace) -> int:
    action = args.agent_command
    if action == "add":
        token = store.add_agent(args.name, args.display_name, args.org)
        if args.team:
            store.set_team(args.name, args.team)
        if args.supervisor:
            store.set_role(args.name, "supervisor")
        store.console.log(_me(), "added agent", args.name, args.team, "command line")
        print(f"Added agent {args.name}. Give them this token; it is shown only once:")
        print(token)
    elif action == "reset-token":
        token = store.reset_token(args.name)
        store.console.log(_me(), "reset token", args.name, "", "command line")
        print(f"New token for {args.name}; the old one no longer works. Shown only once:")
        print(token)
    elif action == "set":
        if args.team is None and args.role is None:
            print("Nothing to change: give --team or --role.", file=sys.stderr)
            return 2
        if args.team is not None:
            store.set_team(args.name, args.team)
        if args.role is not None:
            store.set_role(args.name, args.role)
        record = store.agent_record(args.name)
        detail = f"team {record.team!r}, role {record.role}"
        store.console.log(_me(), "changed agent", args.name, detail, "command line")
        print(f"{record.name}: team {record.team or '(none)'}, role {record.role}")
    elif action == "remove":
        store.remove_agent(args.name)
        store.console.log(_me(), "removed agent", args.name, "", "command line")
        print(f"Removed agent {args.name}; their token no longer works.")
    elif action == "password":
        secret = _read_password()
        store.console.set_password(args.name, secret)
        store.console.log(_me(), "set console password", args.name, "", "command line")
        print(f"{args.name} can sign in to the console with it now.")
    else:
        agents = store.list_agents()
        rows = [("NAME", "DISPLAY NAME", "ORG", "TEAM", "ROLE", "TOKEN ID", "ADDED (UTC)")]
        rows += [
            (a.name, a.display_name, a.org, a.team, a.role, a.token_id, _when(a.created))
            for a in agents
        ]
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


def _sessions(store: Store, since: str | None, as_json: bool, rooms: bool = False) -> int:
    rows = store.sessions(parse_since(since) if since else None)
    events: dict[str, list[RoomEventRow]] = {}
    if as_json or rooms:
        for e in store.room_events():
            events.setdefault(e.sid, []).append(e)
    if as_json:
        print(json.dumps([_row_json(r, events.get(r.id, [])) for r in rows], indent=2))
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
        for e in events.get(r.id, []) if rooms else []:
            who = f"{e.agent} (seat {e.member})" if e.member else e.agent
            table.append(
                (f"  {_when(e.at)}", f"{e.event}: {who}", f"by {e.by}", e.detail, "", "", "")
            )
    _table(table)
    return 0


def _row_json(r: SessionRow, events: list[RoomEventRow]) -> dict[str, Any]:
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
        "node": r.node,
        "room": [
            {
                "at": _iso(e.at),
                "event": e.event,
                "agent": e.agent,
                "by": e.by,
                "member": e.member,
                "detail": e.detail,
            }
            for e in events
        ],
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
