"""Floods from outside: idle connections, bad tokens, code scanning, IPv6, a crash.

Each test plays an attacker on loopback against a real relay and checks what an
agent, a customer or an admin would notice: agents can still sign in, refusals
say why, the log does not explode, and the audit log survives ``kill -9``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from common.errors import ErrorCode
from common.messages import PROTOCOL_VERSION, Auth, Data, Hello, Role
from relay.config import Settings
from relay.lograte import RepeatFilter
from relay.sessions import Relay, address_key
from relay.store import Store
from tests.helpers.relay_harness import (
    Client,
    RelayProcess,
    add_agent,
    agent_create,
    cli,
    customer_join,
    establish,
    pair,
    run,
    running_relay,
)


def test_idle_connections_cannot_lock_agents_out(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, max_connections=5, agent_reserve=2) as relay:
            idle = [await Client.connect(relay.url, Role.CUSTOMER) for _ in range(3)]
            # Only the agents' reserve is left: a customer (or anyone idle) is turned away...
            late = await Client.connect(relay.url)
            await late.send(Hello(PROTOCOL_VERSION, Role.CUSTOMER, "flood"))
            err = await late.expect_error(ErrorCode.RELAY_FULL)
            assert "too many connections right now" in err.text
            assert await late.expect_closed() == 1008
            # ... but agents still sign in and create codes, twice.
            a1, n1 = await agent_create(relay.url, token)
            a2, n2 = await agent_create(relay.url, token)
            assert n1 != n2
            # Full: refused before the websocket opens.
            with pytest.raises(InvalidStatus) as info:
                await Client.connect(relay.url)
            assert info.value.response.status_code == 503
            assert relay.metrics.relay_full_total == 2
            assert relay.metrics.max_connections == 5
            del idle, a1, a2

    run(main())


def test_a_greeting_that_asks_for_nothing_is_closed_soon(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_relay(tmp_path, request_timeout_s=0.3) as relay:
            idle = await Client.connect(relay.url, Role.CUSTOMER)
            started = time.monotonic()
            await idle.expect_error(ErrorCode.TIMEOUT)
            assert await idle.expect_closed() == 1008
            assert time.monotonic() - started < 2.0

    run(main())


def test_the_connection_cap_follows_the_open_files_limit(tmp_path: Path) -> None:
    import resource

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
            assert relay.settings.max_connections == soft - 64
            assert relay.settings.agent_reserve == (soft - 64) // 10
        async with running_relay(tmp_path, max_connections=10**9) as relay:
            assert relay.settings.max_connections == soft - 64  # lowered, with a warning

    run(main())


def test_bad_tokens_are_limited_per_address_and_cheap(tmp_path: Path) -> None:
    token = add_agent(tmp_path)
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    async def sign_in(url: str, tok: str, source: str) -> ErrorCode | None:
        client = await Client.connect(url, Role.AGENT, local_addr=(source, 0))
        await client.send(Auth(tok, bytes(32)))
        msg = await client.recv()
        await client.close()
        return getattr(msg, "code", None)

    async def main() -> None:
        async with running_relay(tmp_path, failed_signins_per_minute=3) as relay:
            for _ in range(3):
                assert await sign_in(relay.url, wrong, "127.0.0.1") is ErrorCode.BAD_TOKEN
            # Past the limit even the right token waits: nothing is checked for a minute.
            assert await sign_in(relay.url, wrong, "127.0.0.1") is ErrorCode.RATE_LIMITED
            assert await sign_in(relay.url, token, "127.0.0.1") is ErrorCode.RATE_LIMITED
            # Another address is not affected.
            assert await sign_in(relay.url, token, "127.0.0.2") is None  # AuthOk
            assert relay.metrics.rate_limited_signins_total == 2
            assert relay.metrics.auth_failures_total == 3

    run(main())


def test_tokens_are_kept_as_a_keyed_hash_and_old_scrypt_rows_move_over(tmp_path: Path) -> None:
    token = add_agent(tmp_path)
    db = sqlite3.connect(tmp_path / "relay.sqlite3")
    [(scheme, digest)] = db.execute("SELECT hash_scheme, token_hash FROM agents").fetchall()
    assert scheme == "hmac" and len(digest) == 32 and token.encode() not in digest

    # A database written by schema 1 (scrypt): it still works, and moves to HMAC on use.
    old = tmp_path / "old"
    old.mkdir()
    v1 = sqlite3.connect(old / "relay.sqlite3")
    salt = secrets.token_bytes(16)
    secret = secrets.token_urlsafe(32)
    v1.executescript(
        """CREATE TABLE agents (name TEXT PRIMARY KEY, display_name TEXT NOT NULL,
        org TEXT NOT NULL, token_id TEXT NOT NULL UNIQUE, salt BLOB NOT NULL,
        token_hash BLOB NOT NULL, created REAL NOT NULL, disabled REAL);
        CREATE TABLE sessions (id TEXT PRIMARY KEY, agent TEXT NOT NULL, nameplate TEXT NOT NULL,
        started REAL NOT NULL, paired REAL, established REAL, ended REAL, duration_s REAL,
        bytes_agent_to_customer INTEGER NOT NULL DEFAULT 0,
        bytes_customer_to_agent INTEGER NOT NULL DEFAULT 0,
        resumes INTEGER NOT NULL DEFAULT 0, end_reason TEXT);
        PRAGMA user_version=1;"""
    )
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=1 << 14, r=8, p=1, dklen=32)
    v1.execute(
        "INSERT INTO agents VALUES ('kim', 'Kim', 'Acme', 'abcdef012345', ?, ?, 0, NULL)",
        (salt, digest),
    )
    v1.execute("INSERT INTO sessions (id, agent, nameplate, started) VALUES ('s1', 'kim', '1', 5)")
    v1.commit()
    v1.close()
    store = Store.open(old)
    try:
        assert store.check_token(f"ar1_abcdef012345.{secret}") is not None
        assert store.check_token(f"ar1_abcdef012345.{secret}x") is None
        assert store.check_token(f"ar1_abcdef012345.{secret}") is not None
    finally:
        store.close()
    row = (
        sqlite3.connect(old / "relay.sqlite3")
        .execute("SELECT hash_scheme, salt FROM agents")
        .fetchone()
    )
    assert row == ("hmac", b"")


def test_scanning_for_codes_makes_new_nameplates_longer(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, scan_alarm_per_minute=3) as relay:
            _, first = await agent_create(relay.url, token)
            assert len(first) == 3
            # Guesses from several addresses: no per-address limit is hit, but the relay
            # as a whole sees more failed joins than scan_alarm_per_minute.
            for i in range(4):
                guesser = await customer_join(
                    relay.url, f"{(int(first) + 1 + i) % 1000:03d}", local_addr=(f"127.0.1.{i}", 0)
                )
                await guesser.recv()
            _, later = await agent_create(relay.url, token)
            assert len(later) == 6, later
            assert relay.metrics.scan_alarms_total == 1

    run(main())


def test_ipv6_clients_count_per_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key("192.0.2.7") == "192.0.2.7"
    core = Relay(Settings(connections_per_minute=2), monotonic=lambda: 100.0)
    refused = []
    for ip in ("2001:db8::1", "2001:db8::2", "2001:db8::ffff", "2001:db8:0:1::1"):
        _, actions = core.connect(ip)
        refused.append(bool(actions))
    # A third address from the same /64 is the same client; the next /64 is someone else.
    assert refused == [False, False, True, False]


def test_repeated_log_lines_are_capped() -> None:
    now = [0.0]
    dropped: list[int] = []
    f = RepeatFilter(burst=3, window_s=10, clock=lambda: now[0], on_suppressed=dropped.append)

    def rec(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("relay.x", logging.WARNING, __file__, 1, msg, args, None)

    passed = [f.filter(rec("too many from %s", f"10.0.0.{i}")) for i in range(1000)]
    assert passed.count(True) == 3 and sum(dropped) == 997
    assert f.filter(rec("another message"))  # other messages are not held back
    now[0] = 11.0
    later = rec("too many from %s", "10.0.0.1")
    assert f.filter(later)
    assert "997 more like this were not logged" in later.getMessage()


def test_a_killed_relay_keeps_the_counts_of_open_sessions(tmp_path: Path) -> None:
    data = tmp_path / "relay"
    token = add_agent(data)
    relay = RelayProcess(data, env={"ASSIST_RELAY_AUDIT_FLUSH_S": "0.2"})

    async def main() -> None:
        agent, customer, _ = await pair(relay.url, token)
        await establish(agent, customer)
        for _ in range(10):
            await agent.send(Data(b"x" * 10_000))
            await customer.recv_raw()
        await asyncio.sleep(1.0)  # a few flushes

    try:
        run(main())
    finally:
        relay.stop(signal.SIGKILL)
    again = RelayProcess(data)  # marks what the dead one left open
    try:
        [row] = json.loads(cli(data, "sessions", "--json"))
    finally:
        again.stop()
    assert row["end_reason"] == "relay_crashed", row
    assert row["bytes_agent_to_customer"] >= 100_000, row
    assert row["duration_s"] is not None and row["duration_s"] >= 0.5, row
    assert "relay_crashed" in cli(data, "sessions")


def test_joining_a_burned_code_says_someone_else_tried_it(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            intruder = await customer_join(relay.url, nameplate, local_addr=("127.0.0.3", 0))
            await intruder.expect_error(ErrorCode.NAMEPLATE_IN_USE)
            late = await customer_join(relay.url, nameplate)
            err = await late.expect_error(ErrorCode.CODE_BURNED)
            assert err.text.startswith("Someone else tried this code")
            with contextlib.suppress(Exception):
                await agent.close()
            del customer

    run(main())
