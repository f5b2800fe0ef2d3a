"""The cluster's waiting room in a real Redis (relay/desk/shared.py): two nodes, many
agents pressing Take next at once, every customer taken exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from relay.desk.lobby import WhyNot
from relay.desk.routing import Agent, Presence, Router
from relay.desk.shared import SharedWaitingRoom
from tools.servers import Redis

ROUTER = Router({"internet": ["network"], "billing": ["billing", "network"]})


def agent(name: str, teams: tuple[str, ...] = ("network",)) -> Agent:
    return Agent(name, frozenset(teams), Presence.AVAILABLE)


class Nodes:
    """Relay nodes' handles on one Redis database, each with its own connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: list[aioredis.Redis] = []

    def __call__(self) -> SharedWaitingRoom:
        self.clients.append(aioredis.Redis.from_url(self.url))
        return SharedWaitingRoom(self.clients[-1])

    async def close(self) -> None:
        for c in self.clients:
            await c.aclose()


@pytest.fixture
def url(redis_srv: Redis) -> str:
    return redis_srv.new_database()


def run(url: str, test: Callable[[Nodes], Awaitable[None]]) -> None:
    async def main() -> None:
        nodes = Nodes(url)
        try:
            await test(nodes)
        finally:
            await nodes.close()

    asyncio.run(main())


def test_join_keeps_one_ticket_per_installation_and_the_queue_limit(url: str) -> None:
    async def body(nodes: Nodes) -> None:
        room = nodes()
        assert await room.join("t1", "internet", "pc-1", 2, {"description": "no internet"}) is None
        assert await room.join("t2", "billing", "pc-1", 2, {}) is WhyNot.ALREADY_WAITING
        assert await room.join("t3", "internet", "pc-3", 2, {}) is None
        assert await room.join("t4", "internet", "pc-4", 2, {}) is WhyNot.FULL
        waiting = await nodes().waiting(["internet", "billing"])  # another node sees them
        assert [w.ticket for w in waiting] == ["t1", "t3"]
        got = await room.claim("t1")
        assert got is not None and got[1] == {"description": "no internet"}
        assert got[0].installation == "pc-1" and got[0].queue == "internet"
        assert await room.claim("t1") is None  # gone: nobody gets it twice
        assert await room.join("t5", "billing", "pc-1", 2, {}) is None  # may ask again

    run(url, body)


def test_take_next_gives_the_longest_waiting_of_the_agents_queues(url: str) -> None:
    async def body(nodes: Nodes) -> None:
        room = nodes()
        await room.join("b1", "billing", "pc-1", 10, {})
        await asyncio.sleep(0.01)
        await room.join("i1", "internet", "pc-2", 10, {})
        got = await room.take_next(ROUTER, agent("kim", ("network",)))
        assert got is not None and got[0].ticket == "b1"  # network serves both; b1 waited longer
        assert await room.take_next(ROUTER, agent("lee", ("sales",))) is None
        assert await room.take_next(ROUTER, agent("kim"), frozenset({"pc-2"})) is None  # blocked

    run(url, body)


def test_agents_on_two_nodes_pressing_take_next_at_once_never_share_a_customer(url: str) -> None:
    async def body(nodes: Nodes) -> None:
        one, two = nodes(), nodes()
        for i in range(120):
            await (one if i % 2 else two).join(f"t{i:03d}", "internet", f"pc-{i}", 500, {})
        taken: list[str] = []

        async def desk(room: SharedWaitingRoom, name: str) -> None:
            # (not about being away: a generous limit for a slow machine)
            while (got := await room.take_next(ROUTER, agent(name), away_after_s=300)) is not None:
                taken.append(got[0].ticket)

        await asyncio.gather(*(desk(one if k % 2 else two, f"agent{k}") for k in range(12)))
        assert sorted(taken) == [f"t{i:03d}" for i in range(120)]  # each exactly once
        assert await one.waiting(["internet"]) == []

    run(url, body)


def test_the_queues_outlive_the_node_that_took_the_customers_in(url: str) -> None:
    async def body(nodes: Nodes) -> None:
        first = nodes()
        await first.join("t1", "internet", "pc-1", 10, {"name": "김민지"})
        del first  # that node is gone; the room is in Redis
        got = await nodes().take_next(ROUTER, agent("kim"))
        assert got is not None and got[1] == {"name": "김민지"}

    run(url, body)


def test_a_customer_not_seen_is_passed_over_then_let_go_after_the_grace_period(
    url: str,
) -> None:
    async def body(nodes: Nodes) -> None:
        dead, alive = nodes(), nodes()
        await dead.join("t1", "internet", "pc-1", 10, {})  # its node will stop marking it
        await asyncio.sleep(0.05)
        await alive.join("t2", "internet", "pc-2", 10, {})
        await asyncio.sleep(0.4)
        await alive.touch(["t2"])
        # t1 waited longer but is not connected: Take next passes over it, keeps its place.
        got = await alive.take_next(ROUTER, agent("kim"), away_after_s=0.3)
        assert got is not None and got[0].ticket == "t2"
        assert [w.ticket for w in await alive.waiting(["internet"])] == ["t1"]
        await alive.touch(["t1"])  # the customer reconnected through another node
        assert await alive.expire(["internet"], grace_s=0.3) == []
        await asyncio.sleep(0.4)
        assert await alive.expire(["internet"], grace_s=0.3) == ["t1"]  # never came back
        assert await alive.waiting(["internet"]) == []
        assert await alive.join("t3", "internet", "pc-1", 10, {}) is None  # may ask again

    run(url, body)
