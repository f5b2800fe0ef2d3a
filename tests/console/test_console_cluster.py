"""The console on a cluster: two relay nodes on one PostgreSQL and one Redis, with
HAProxy in front of their console ports, as docs/cluster.md deploys them. A browser
signed in on one node is signed in on every node; a queue closed on one is closed on
the other within a second; failed sign-ins count across the nodes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from tests.console.harness import Browser, Setup, prepare
from tests.helpers.cluster import cluster
from tests.helpers.relay_harness import run
from tools.servers import Postgres, Redis, start_haproxy
from tools.throwaway_ca import ThrowawayCA


def _setup(tmp_path: Path, ca: ThrowawayCA, postgres: Postgres) -> Setup:
    return prepare(tmp_path, ca, database_url=postgres.new_database())


def test_one_sign_in_and_one_queue_state_for_every_node_behind_haproxy(
    tmp_path: Path, throwaway_ca: ThrowawayCA, postgres: Postgres, redis_srv: Redis
) -> None:
    setup = _setup(tmp_path, throwaway_ca, postgres)
    conf = {k: v for k, v in setup.settings().items() if k != "database_url"}

    async def main() -> None:
        async with cluster(setup.data, redis_srv.new_database(), setup.database_url, **conf) as (
            a,
            b,
        ):
            assert a.console is not None and b.console is not None
            base_a = f"https://127.0.0.1:{a.console.port}"
            base_b = f"https://127.0.0.1:{b.console.port}"
            front = start_haproxy([a.console.port, b.console.port], check="/signin")
            ada = Browser(base_a, setup.ca)
            try:
                # Signed in on a: the same cookie is a session on b (kept in the database).
                assert await ada.sign_in("ada") == 303
                ada.base = base_b
                status, body, _ = await ada.get("/queues")
                assert status == 200 and "Ada Admin" in body and "Open now" in body
                status, _, _ = await ada.post("/queues/internet/now", {"state": "closed"})
                assert status == 303
                started = time.monotonic()
                while a.current_desk.queues[0].hours.forced is None:  # type: ignore[union-attr]
                    assert time.monotonic() - started < 1.5, "node a did not follow"
                    await asyncio.sleep(0.02)
                ada.base = base_a
                status, body, _ = await ada.get("/queues")
                assert "Closed now" in body and "Closed by hand" in body
                # Through HAProxy, one connection a request: the nodes take turns, and
                # every page knows who is signed in.
                sam = Browser(f"https://127.0.0.1:{front.port}", setup.ca)
                await sam.session.close()
                sam.session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(ssl=sam.ssl, force_close=True),
                    cookie_jar=aiohttp.CookieJar(unsafe=True),
                )
                try:
                    await _until_both_up(sam)
                    await asyncio.sleep(1.2)  # both nodes checked and up (inter 500, rise 1)
                    assert await sam.sign_in("sam") == 303
                    for _ in range(4):
                        status, body, _ = await sam.get("/queues")
                        assert status == 200 and "Sam Supervisor" in body and "Closed now" in body
                    # Failed sign-ins count across the nodes: three on a, two on b, and
                    # the account waits a minute on both, even with the right password.
                    intruder = Browser(base_a, setup.ca)
                    try:
                        for base in (base_a, base_a, base_a, base_b, base_b):
                            intruder.base = base
                            assert await intruder.sign_in("alice", "guess") == 401
                        for base in (base_a, base_b):
                            intruder.base = base
                            assert await intruder.sign_in("alice") == 429
                    finally:
                        await intruder.close()
                finally:
                    await sam.close()
            finally:
                await ada.close()
                front.stop()

    run(main())


async def _until_both_up(browser: Browser) -> None:
    """HAProxy marks a node up after its first good check (within half a second)."""
    for _ in range(50):
        try:
            status, _, _ = await browser.get("/signin")
            if status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("HAProxy never reached a console")
