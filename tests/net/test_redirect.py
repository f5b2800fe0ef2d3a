"""The apps' driver in a cluster: it follows a node's Redirect within the cluster, quietly,
and refuses one that leads anywhere else."""

from __future__ import annotations

import asyncio
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve

from common.codes import make_code
from common.endpoint import Endpoint, Failed, Reconnecting, ResumedSession
from common.errors import RelayRedirectError
from common.messages import (
    PROTOCOL_VERSION,
    Chat,
    Layer,
    Redirect,
    Welcome,
    parse,
)
from relay.store import Store
from tests.helpers.cluster import cluster
from tests.helpers.relay_harness import run
from tests.net.test_driver import Side, session
from tools.servers import Postgres, Redis


def _agent_token(tmp_path: Path, database_url: str) -> str:
    store = Store.open(tmp_path, database_url)
    try:
        return store.add_agent("minji", "Kim Minji", "Acme")
    finally:
        store.close()


def test_the_customer_app_follows_a_redirect_to_the_node_with_the_session(
    tmp_path: Path, postgres: Postgres, redis_srv: Redis
) -> None:
    database_url = postgres.new_database()
    token = _agent_token(tmp_path, database_url)

    async def main() -> None:
        async with cluster(tmp_path, redis_srv.new_database(), database_url) as (a, b):
            agent, customer = await session(a.url, token, customer_url=b.url)
            customer.conn.send_app(Chat(1, "안녕하세요", 0))
            assert await agent.received(Chat) == Chat(1, "안녕하세요", 0)
            assert customer.conn.current is not None and customer.conn.current.url == a.url
            assert not any(isinstance(e, Reconnecting | Failed) for e in customer.events)
            assert b.metrics.redirects_total == 1

    run(main())


def test_a_drained_node_moves_the_apps_without_an_error(
    tmp_path: Path, postgres: Postgres, redis_srv: Redis
) -> None:
    database_url = postgres.new_database()
    token = _agent_token(tmp_path, database_url)

    async def main() -> None:
        async with cluster(tmp_path, redis_srv.new_database(), database_url) as (a, b):
            agent, customer = await session(a.url, token)
            await a.drain()
            await customer.wait_for(ResumedSession)
            await agent.wait_for(ResumedSession)
            customer.conn.send_app(Chat(1, "still here", 0))
            assert await agent.received(Chat) == Chat(1, "still here", 0)
            assert customer.conn.current is not None and customer.conn.current.url == b.url
            assert not any(isinstance(e, Reconnecting | Failed) for e in customer.events)
            async with asyncio.timeout(5):
                await a.drained.wait()
            assert b.core.open_sessions == 1

    run(main())


def test_a_redirect_out_of_the_cluster_is_refused_with_a_sentence() -> None:
    async def fake_node(ws: ServerConnection) -> None:
        async for raw in ws:
            assert isinstance(raw, bytes)
            msg = parse(raw, Layer.RELAY)
            if type(msg).__name__ == "Hello":
                await ws.send(Welcome(PROTOCOL_VERSION, "evil").serialize())
            else:
                await ws.send(Redirect("wss://assist-help.example.com:8765").serialize())

    async def main() -> None:
        async with serve(fake_node, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            customer = Side(f"ws://127.0.0.1:{port}", Endpoint.customer(make_code("123"))).start()
            final = await customer.final()
            assert isinstance(final, Failed)
            assert isinstance(final.error, RelayRedirectError)
            assert "assist-help.example.com" in str(final.error)
            assert "not part of the same service" in str(final.error)

    run(main())


def test_a_redirect_loop_ends_with_a_sentence() -> None:
    async def main() -> None:
        ports: list[int] = []

        async def node(ws: ServerConnection) -> None:
            async for raw in ws:
                assert isinstance(raw, bytes)
                msg = parse(raw, Layer.RELAY)
                if type(msg).__name__ == "Hello":
                    await ws.send(Welcome(PROTOCOL_VERSION, "loop").serialize())
                else:  # always "the other one has it"
                    mine = ws.local_address[1]
                    other = ports[1] if mine == ports[0] else ports[0]
                    await ws.send(Redirect(f"ws://127.0.0.1:{other}").serialize())

        async with serve(node, "127.0.0.1", 0) as one, serve(node, "127.0.0.1", 0) as two:
            ports.extend(next(iter(s.sockets)).getsockname()[1] for s in (one, two))
            customer = Side(
                f"ws://127.0.0.1:{ports[0]}", Endpoint.customer(make_code("123"))
            ).start()
            final = await customer.final()
            assert isinstance(final, Failed)
            assert isinstance(final.error, RelayRedirectError)
            assert "kept sending Assist from one server to another" in str(final.error)

    run(main())
