"""Several relay nodes on one Redis and one PostgreSQL (real servers the test run starts):
codes claimed cluster-wide, Redirect to the owning node, take-over after a node dies,
drain, rate limits across nodes, and what happens when Redis or the database is away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from common.errors import ErrorCode
from common.messages import (
    Auth,
    Bye,
    Create,
    EndReason,
    Paired,
    PeerAway,
    PeerBack,
    Redirect,
    Resume,
    Resumed,
    Role,
)
from relay.config import ConfigError, Settings
from relay.server import RelayServer
from relay.store import Store
from tests.helpers.cluster import FAST, cluster
from tests.helpers.relay_harness import (
    Client,
    agent_create,
    customer_join,
    establish,
    roundtrip,
    run,
)
from tools.servers import Postgres, Redis, free_port, postgres_server, start_redis


@pytest.fixture
def urls(tmp_path: Path, postgres: Postgres, redis_srv: Redis) -> tuple[str, str, str]:
    """(redis_url, database_url, an agent's token)."""
    database_url = postgres.new_database()
    store = Store.open(tmp_path, database_url)
    token = store.add_agent("minji", "Kim Minji", "Acme")
    store.close()
    return redis_srv.new_database(), database_url, token


async def follow(client: Client) -> str:
    """The client was redirected: the URL, and the relay closed the connection."""
    redirect = await client.expect(Redirect)
    assert await client.expect_closed() == 1000
    return redirect.url


def test_a_code_made_on_one_node_is_joined_through_another(
    tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    redis_url, database_url, token = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url) as (a, b):
            agent, code = await agent_create(a.url, token)
            wrong = await customer_join(b.url, code)
            assert await follow(wrong) == a.url  # one extra round trip, only at join
            customer = await customer_join(a.url, code)
            await agent.expect(Paired)
            await customer.expect(Paired)
            await establish(agent, customer)
            await roundtrip(agent, customer, b"x" * 1000)
            # Both ends live on node a; node b carries nothing.
            assert a.core.open_sessions == 1 and b.core.open_sessions == 0
            assert b.metrics.redirects_total == 1

    run(main())


@contextlib.asynccontextmanager
async def backend(
    kind: str, tmp_path: Path, urls: tuple[str, str, str], n: int = 3, **settings: Any
) -> AsyncIterator[list[RelayServer]]:
    """The same relay contract on both coordinators: one node keeping live state in
    memory (the default), or ``n`` nodes sharing it in Redis (requests spread over them)."""
    redis_url, database_url, _ = urls
    if kind == "redis":
        async with cluster(tmp_path, redis_url, database_url, n=n, **settings) as nodes:
            yield nodes
    else:
        async with cluster(tmp_path, "", database_url, n=1, **settings) as nodes:
            yield nodes * n


BACKENDS = pytest.mark.parametrize("kind", ["in-process", "redis"])


@BACKENDS
def test_contract_codes_are_unique_and_their_end_is_known_everywhere(
    kind: str, tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    token = urls[2]

    async def main() -> None:
        async with backend(kind, tmp_path, urls, nameplate_ttl_s=1.0) as (a, b, c):
            codes = set()
            for node in (a, b, c, a, b, c):
                _, code = await agent_create(node.url, token)
                codes.add(code)
            assert len(codes) == 6
            # A code that expired on a is "expired" when asked at b.
            _, code = await agent_create(a.url, token)
            await asyncio.sleep(1.6)
            late = await customer_join(b.url, code)
            await late.expect_error(ErrorCode.NAMEPLATE_EXPIRED)
            # A code a third party tried on a is "burned" at c.
            agent, code = await agent_create(a.url, token)
            await customer_join(a.url, code)
            await agent.expect(Paired)
            intruder = await customer_join(a.url, code)
            await intruder.expect_error(ErrorCode.NAMEPLATE_IN_USE)
            await asyncio.sleep(0.2)
            again = await customer_join(c.url, code)
            await again.expect_error(ErrorCode.CODE_BURNED)
            unknown = await customer_join(b.url, "987654321")
            await unknown.expect_error(ErrorCode.NAMEPLATE_UNKNOWN)

    run(main())


@BACKENDS
def test_contract_a_dropped_side_resumes_and_a_wrong_token_does_not(
    kind: str, tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    token = urls[2]

    async def main() -> None:
        async with backend(kind, tmp_path, urls, n=2) as (a, b):
            agent, code = await agent_create(a.url, token)
            customer = await customer_join(a.url, code)
            await agent.expect(Paired)
            await customer.expect(Paired)
            tokens = await establish(agent, customer)
            customer.drop()
            thief = Client(await _connect(b.url, Role.CUSTOMER))
            await thief.send(Resume(code, Role.CUSTOMER, bytes(32)))
            if kind == "redis":  # the session lives on a: go there to be refused
                assert await follow(thief) == a.url
                thief = Client(await _connect(a.url, Role.CUSTOMER))
                await thief.send(Resume(code, Role.CUSTOMER, bytes(32)))
            await thief.expect_error(ErrorCode.RESUME_FAILED)
            back = Client(await _connect(a.url, Role.CUSTOMER))
            await back.send(Resume(code, Role.CUSTOMER, tokens[1]))
            await back.expect(Resumed)
            await agent.expect(PeerAway)
            await agent.expect(PeerBack)
            await roundtrip(agent, back)

    run(main())


@BACKENDS
def test_contract_join_attempts_are_limited_per_address_wherever_they_land(
    kind: str, tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    async def main() -> None:
        async with backend(
            kind, tmp_path, urls, joins_per_minute=6, failed_joins_per_minute=0
        ) as nodes:
            refused = 0
            for i in range(12):  # the same address, spread over three nodes
                client = await customer_join(nodes[i % 3].url, f"{100 + i:03d}")
                err = await client.recv()
                refused += getattr(err, "code", None) is ErrorCode.RATE_LIMITED
            # Alone, each of three nodes would allow 6 (18 in all): together, 6.
            assert refused == 6, refused

    run(main())


def test_a_node_that_dies_is_taken_over_by_another_with_no_new_code(
    tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    redis_url, database_url, token = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, n=3) as (a, b, c):
            agent, code = await agent_create(a.url, token)
            customer = await customer_join(a.url, code)
            await agent.expect(Paired)
            await customer.expect(Paired)
            tokens = await establish(agent, customer)
            await roundtrip(agent, customer)
            await asyncio.sleep(0.3)  # the resume state reaches Redis
            await crash(a)
            # The apps come back through any node: b redirects nobody (a is gone)...
            await asyncio.sleep(1.3)  # node_ttl_s: a counts as gone
            back_agent = Client(await _connect(b.url, Role.AGENT))
            await back_agent.send(Resume(code, Role.AGENT, tokens[0]))
            assert (await back_agent.expect(Resumed)).peer_present is False
            # ... and the customer, who reached c, is sent to b, the new owner.
            back_customer = Client(await _connect(c.url, Role.CUSTOMER))
            await back_customer.send(Resume(code, Role.CUSTOMER, tokens[1]))
            assert await follow(back_customer) == b.url
            back_customer = Client(await _connect(b.url, Role.CUSTOMER))
            await back_customer.send(Resume(code, Role.CUSTOMER, tokens[1]))
            assert (await back_customer.expect(Resumed)).peer_present is True
            await back_agent.expect(PeerBack)
            await roundtrip(back_agent, back_customer)
            assert b.metrics.sessions_adopted_total == 1
            # A wrong resume token is still refused by the new owner.
            thief = Client(await _connect(c.url, Role.CUSTOMER))
            await thief.send(Resume(code, Role.CUSTOMER, bytes(32)))
            assert await follow(thief) == b.url

    run(main())


def test_draining_moves_running_sessions_and_sends_agents_elsewhere(
    tmp_path: Path, urls: tuple[str, str, str]
) -> None:
    redis_url, database_url, token = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url) as (a, b):
            agent, code = await agent_create(a.url, token)
            customer = await customer_join(a.url, code)
            await agent.expect(Paired)
            await customer.expect(Paired)
            tokens = await establish(agent, customer)
            await roundtrip(agent, customer)
            await a.drain()
            assert a.not_ready() == "draining"
            assert await follow(agent) == b.url
            assert await follow(customer) == b.url
            back_agent = Client(await _connect(b.url, Role.AGENT))
            await back_agent.send(Resume(code, Role.AGENT, tokens[0]))
            await back_agent.expect(Resumed)
            back_customer = Client(await _connect(b.url, Role.CUSTOMER))
            await back_customer.send(Resume(code, Role.CUSTOMER, tokens[1]))
            assert (await back_customer.expect(Resumed)).peer_present
            await back_agent.expect(PeerBack)
            await roundtrip(back_agent, back_customer)
            async with asyncio.timeout(3):
                await a.drained.wait()
            # A draining node sends a new agent to a node that takes sessions.
            newcomer = Client(await _connect(a.url, Role.AGENT))
            await newcomer.send(Auth(token, bytes(32)))
            await newcomer.expect_kind(4)
            await newcomer.send(Create())
            assert await follow(newcomer) == b.url

    run(main())


def test_redis_away_keeps_sessions_flowing_refuses_new_ones_and_recovers(
    tmp_path: Path, postgres: Postgres
) -> None:
    database_url = postgres.new_database()
    store = Store.open(tmp_path, database_url)
    token = store.add_agent("minji")
    store.close()
    redis = start_redis()
    port = redis.port

    async def main() -> None:
        nonlocal redis
        url = f"redis://127.0.0.1:{port}/0"
        async with cluster(tmp_path, url, database_url, n=1) as (a,):
            agent, code = await agent_create(a.url, token)
            customer = await customer_join(a.url, code)
            await agent.expect(Paired)
            await customer.expect(Paired)
            await establish(agent, customer)
            redis.stop()
            await asyncio.sleep(0.8)
            await roundtrip(agent, customer)  # in flight: unaffected
            late = Client(await _connect(a.url, Role.AGENT))
            await late.send(Auth(token, bytes(32)))
            await late.expect_kind(4)
            await late.send(Create())
            err = await late.expect_error(ErrorCode.UNAVAILABLE)
            assert "database" in err.text
            assert a.not_ready() == "redis not answering"
            redis = start_redis(port)
            await asyncio.sleep(1.0)
            assert a.not_ready() is None  # back without a restart
            # Redis came back empty: the node claimed its running session's code again.
            import redis as redis_py

            check = redis_py.Redis(host="127.0.0.1", port=port)
            try:
                assert check.hget(f"assist:np:{code}", "owner") == b"n1"
            finally:
                check.close()
            fresh, _ = await agent_create(a.url, token)
            await roundtrip(agent, customer)

    try:
        run(main())
    finally:
        redis.stop()


def test_start_refuses_a_bad_redis_url_and_a_node_id_in_use(
    tmp_path: Path, redis_srv: Redis
) -> None:
    url = redis_srv.new_database()

    async def main() -> None:
        store = Store.open(tmp_path)
        try:
            dead = f"redis://127.0.0.1:{free_port()}/0"
            server = RelayServer(_node_settings(tmp_path, dead, "n1"), store)
            with pytest.raises(ConfigError, match=r"^redis_url: Redis at .* does not answer"):
                await server.start()
            async with cluster(tmp_path, url, "", n=1):
                twin = RelayServer(_node_settings(tmp_path, url, "n1"), store)
                with pytest.raises(ConfigError, match="node_id 'n1' is in use by another"):
                    await twin.start()
        finally:
            store.close()

    run(main())


def _node_settings(tmp_path: Path, redis_url: str, node_id: str) -> Settings:
    port = free_port()
    return Settings(
        host="127.0.0.1",
        port=port,
        data_dir=tmp_path,
        redis_url=redis_url,
        node_id=node_id,
        public_url=f"ws://127.0.0.1:{port}",
        **FAST,  # type: ignore[arg-type]
    )


async def _connect(url: str, role: Role) -> Any:
    client = await Client.connect(url, role)
    return client.ws


async def crash(server: RelayServer) -> None:
    """Stop a node as ``kill -9`` would: sockets cut, no goodbye, no Redis clean-up."""
    assert server._server is not None
    server._server.close(close_connections=False)
    for conn in list(server.conns.values()):
        conn.ws.transport.abort()
    # The aborted connections' handlers spawn their clean-up (a waiting customer leaves
    # the shared line: a Redis call). Cancel every task the node has, including those
    # spawned while cancelling, before Redis is cut: a task left running would open a
    # fresh connection after it and leave it behind, to surface as an unraisable
    # warning in whichever test the garbage collector happens to run in.
    await asyncio.sleep(0)
    if server.webhooks is not None:  # its own thread: stopped like the rest
        await asyncio.to_thread(server.webhooks.stop)
    if server._ticker is not None:
        server._ticker.cancel()
        await asyncio.wait([server._ticker], timeout=3)
    for _ in range(10):
        tasks = list(server._background)
        if not tasks:
            break
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=3)
    if server.coordinator is not None:  # gone without a goodbye: its key just expires
        await server.coordinator._redis.aclose()
        # A command the cancelled tasks were in the middle of holds its connection
        # "in use": close those too.
        await server.coordinator._redis.connection_pool.disconnect(inuse_connections=True)
        server.coordinator = None


def test_database_away_refuses_sign_ins_clearly_and_loses_no_audit_row(tmp_path: Path) -> None:
    with postgres_server() as pg:
        database_url = pg.new_database()
        store = Store.open(tmp_path, database_url)
        token = store.add_agent("minji")
        store.close()

        async def main() -> None:
            async with cluster(tmp_path, "", database_url, n=1) as (a,):
                agent, code = await agent_create(a.url, token)
                customer = await customer_join(a.url, code)
                await agent.expect(Paired)
                await customer.expect(Paired)
                await establish(agent, customer)
                await asyncio.to_thread(pg.pause)
                await roundtrip(agent, customer)  # in flight: unaffected
                await agent.send(Bye(EndReason.AGENT_ENDED))  # its audit row must wait
                late = Client(await _connect(a.url, Role.AGENT))
                await late.send(Auth(token, bytes(32)))
                err = await late.expect_error(ErrorCode.UNAVAILABLE)
                assert "Try again in a minute" in err.text
                assert a.not_ready() == "database not answering"
                await asyncio.to_thread(pg.resume)
                again, _ = await agent_create(a.url, token)  # back without a restart
                assert a.not_ready() is None
                async with asyncio.timeout(15):
                    while True:  # the held rows are written once the database is back
                        rows = await asyncio.to_thread(a.store.sessions)
                        if [r.end_reason for r in rows][:1] == ["agent_ended"]:
                            break
                        await asyncio.sleep(0.2)

        run(main())
