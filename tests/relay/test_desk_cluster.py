"""The help desk across relay nodes (one Redis, one PostgreSQL, real servers): one
waiting line for the whole cluster, an agent on one node taking a customer who waits
on another, simultaneous Take next on two nodes, and a node lost while customers wait."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path

import msgspec
import pytest

from common.messages import (
    CALLBACK_TICKET,
    Ask,
    Auth,
    AuthOk,
    Back,
    Block,
    Blocked,
    CallbackBooked,
    CallbackList,
    Called,
    CallMe,
    DeskRefused,
    ListWindows,
    Paired,
    Presence,
    PresenceState,
    Redirect,
    Role,
    Standing,
    Take,
    Took,
    WaitingList,
    Windows,
)
from relay.server import RelayServer
from relay.store import Store
from tests.helpers.cluster import cluster
from tests.helpers.relay_harness import Client, run
from tests.relay.test_desk_server import desk_file, next_of
from tools.servers import Postgres, Redis, start_redis

AGENTS = ("minji", "jisoo", "hana", "yuna")


@pytest.fixture
def urls(tmp_path: Path, postgres: Postgres, redis_srv: Redis) -> tuple[str, str, dict[str, str]]:
    """(redis_url, database_url, each agent's token); all four serve "internet"."""
    database_url = postgres.new_database()
    store = Store.open(tmp_path, database_url)
    tokens = {}
    for name in AGENTS:
        tokens[name] = store.add_agent(name, name.title(), "Acme")
        store.set_team(name, "network")
    store.close()
    return redis_srv.new_database(), database_url, tokens


def ask(installation: str, secret: bytes) -> Ask:
    return Ask(
        "internet", "fp", installation, "Park Jiwoo 박지우", "010-1234-5678", "끊겨요", "",
        os.urandom(32), os.urandom(16), hashlib.sha256(secret).digest(),
    )  # fmt: skip


async def asks(node: RelayServer, installation: str, secret: bytes) -> tuple[Client, Standing]:
    customer = await Client.connect(node.url, Role.CUSTOMER)
    await customer.send(ask(installation, secret))
    return customer, await customer.expect(Standing)


async def standing_at(customer: Client, position: int, timeout: float = 5.0) -> Standing:
    """The customer's standing once they are told ``position`` (updates come by)."""
    async with asyncio.timeout(timeout):
        while True:
            got = await customer.recv()
            if isinstance(got, Standing) and got.position == position:
                return got


async def at_desk(node: RelayServer, token: str) -> Client:
    desk = await Client.connect(node.url, Role.AGENT)
    await desk.send(Auth(token, os.urandom(32)))
    await desk.expect(AuthOk)
    await desk.send(Presence(PresenceState.AVAILABLE))
    return desk


async def take(node: RelayServer, token: str, ticket: str = "") -> tuple[Took | DeskRefused, str]:
    """Take as the agent app does: a taker connection that follows a redirect to the
    customer's node. Returns the answer and the URL of the node that gave it."""
    url = node.url
    for _ in range(3):
        taker = await Client.connect(url, Role.AGENT)
        await taker.send(Auth(token, os.urandom(32)))
        await taker.expect(AuthOk)
        await taker.send(Take(ticket))
        got = await taker.recv()
        if isinstance(got, Redirect):
            url = got.url
            continue
        assert isinstance(got, Took | DeskRefused), got
        return got, url
    raise AssertionError("redirected in a loop")


async def listed(desk: Client, count: int, timeout: float = 5.0) -> WaitingList:
    async with asyncio.timeout(timeout):
        while True:
            got = await next_of(desk, WaitingList)
            if len(got.items) == count:
                return got


def test_one_line_for_the_whole_cluster_and_a_take_reaches_the_customers_node(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            desk = await at_desk(b, tokens["minji"])
            first, s1 = await asks(a, "inst-aaaa0001", b"1" * 32)
            assert s1.position == 1
            await asyncio.sleep(0.1)
            second, _ = await asks(b, "inst-bbbb0002", b"2" * 32)
            # Node b learns of the customer on node a: the second is second in line.
            await standing_at(second, 2)
            # The agent's desk on node b lists both, longest waiting first.
            items = (await listed(desk, 2)).items
            assert [i.ticket for i in items] == [s1.ticket, (await_ticket := items[1].ticket)]
            # Take next on node b: the first customer waits on node a, so the agent is
            # sent there, and is paired there.
            got, where = await take(b, tokens["minji"])
            assert isinstance(got, Took) and got.ticket == s1.ticket and where == a.url
            assert (await next_of(first, Called)).nameplate == got.nameplate
            await first.expect(Paired)
            assert a.core.open_sessions == 1 and b.core.open_sessions == 0
            # Everyone behind moved up, on the other node too; the list shrank.
            assert (await standing_at(second, 1)).ticket == await_ticket
            assert [i.ticket for i in (await listed(desk, 1)).items] == [await_ticket]

    run(main())


def test_agents_on_two_nodes_pressing_take_next_at_once_never_share_a_customer(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            customers = [
                await asks(a if i % 2 else b, f"inst-cust{i:04d}", bytes([i]) * 32)
                for i in range(len(AGENTS))
            ]
            tickets = {s.ticket for _, s in customers}
            desks = [await at_desk(a if i % 2 else b, tokens[n]) for i, n in enumerate(AGENTS)]
            for d in desks:  # every node sees every customer before anyone presses
                await listed(d, len(AGENTS))
            got = await asyncio.gather(
                *(take(a if i % 2 else b, tokens[n]) for i, n in enumerate(AGENTS))
            )
            taken = [t.ticket for t, _ in got if isinstance(t, Took)]
            assert sorted(taken) == sorted(tickets)  # each customer exactly once
            for client, _ in customers:
                await next_of(client, Called)
            assert a.core.open_sessions + b.core.open_sessions == len(AGENTS)

    run(main())


def test_a_customer_whose_node_is_lost_keeps_the_place_through_another_node(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls
    secret = b"s" * 32

    async def main() -> None:
        async with cluster(
            tmp_path, redis_url, database_url, n=3, desk_file=desk_file(tmp_path)
        ) as (a, b, c):
            _, standing = await asks(a, "inst-aaaa0001", secret)
            await asyncio.sleep(0.6)  # mirrored by the other nodes
            await a.stop()  # the node goes away with its customer's connection
            back = await Client.connect(b.url, Role.CUSTOMER)
            await back.send(Back(standing.ticket, secret))
            kept = await back.expect(Standing)
            assert (kept.ticket, kept.position) == (standing.ticket, 1)
            got, where = await take(c, tokens["jisoo"])
            assert isinstance(got, Took) and got.ticket == standing.ticket and where == b.url
            await next_of(back, Called)

    run(main())


def test_a_callback_waiting_in_the_app_on_one_node_is_called_by_an_agent_on_another(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            desk = await at_desk(b, tokens["minji"])
            form = await Client.connect(a.url, Role.CUSTOMER)
            await form.send(ListWindows("internet"))
            windows = await form.expect(Windows)
            await form.send(
                CallMe("internet", "inst-cccc0003", "Park Jiwoo", "", "요금",
                       windows.starts[0], True)
            )  # fmt: skip
            booked = await form.expect(CallbackBooked)
            app = await Client.connect(a.url, Role.CUSTOMER)
            waiting = ask("inst-cccc0003", b"c" * 32)
            await app.send(msgspec.structs.replace(waiting, callback=booked.id))
            assert (await app.expect(Standing)).position == 0  # waits for the call
            # Node b lists it at once (not at its next reload), with the app open.
            async with asyncio.timeout(5):
                while True:
                    calls = await next_of(desk, CallbackList)
                    if any(c.id == booked.id and c.app_open for c in calls.items):
                        break
            got, where = await take(b, tokens["minji"], CALLBACK_TICKET + booked.id)
            assert isinstance(got, Took) and where == a.url
            await next_of(app, Called)

    run(main())


def test_the_repeat_mark_shows_on_every_node(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls
    store = Store.open(tmp_path, database_url)
    for day in (1, 2):  # within the records' retention (older ones are deleted)
        at = time.time() - day * 86400
        store.customer_taken("inst-rrrr0001", "internet", agent="jisoo", waited_s=60, at=at)
    store.close()

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            desk = await at_desk(b, tokens["minji"])
            await asks(a, "inst-rrrr0001", b"r" * 32)
            async with asyncio.timeout(5):
                while True:
                    items = (await next_of(desk, WaitingList)).items
                    if items and items[0].earlier == 2:
                        break

    run(main())


def test_redis_lost_and_back_empty_keeps_the_waiting_customers_in_their_order(
    tmp_path: Path, postgres: Postgres
) -> None:
    database_url = postgres.new_database()
    store = Store.open(tmp_path, database_url)
    token = store.add_agent("minji", "Kim Minji", "Acme")
    store.set_team("minji", "network")
    store.close()
    redis = start_redis()
    port = redis.port

    async def main() -> None:
        nonlocal redis
        url = f"redis://127.0.0.1:{port}/0"
        async with cluster(tmp_path, url, database_url, n=1, desk_file=desk_file(tmp_path)) as (a,):
            first, s1 = await asks(a, "inst-aaaa0001", b"1" * 32)
            await asyncio.sleep(0.05)
            second, s2 = await asks(a, "inst-bbbb0002", b"2" * 32)
            redis.stop()
            late = await Client.connect(a.url, Role.CUSTOMER)
            await late.send(ask("inst-cccc0003", b"3" * 32))
            refused = await late.expect(DeskRefused)
            assert refused.reason == "UNAVAILABLE"  # a sentence, not a hang
            redis = start_redis(port)  # back, and empty
            await asyncio.sleep(1.0)  # the node puts its customers back in line
            got, _ = await take(a, token)
            assert isinstance(got, Took) and got.ticket == s1.ticket  # still first
            await next_of(first, Called)
            assert (await standing_at(second, 1)).ticket == s2.ticket

    try:
        run(main())
    finally:
        redis.stop()


def test_a_supervisor_on_one_node_blocks_a_customer_waiting_on_another(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, tokens = urls
    store = Store.open(tmp_path, database_url)
    store.set_role("hana", "supervisor")
    store.close()

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            customer, standing = await asks(a, "inst-abuse-001", b"a" * 32)
            boss = await at_desk(b, tokens["hana"])
            await listed(boss, 1)
            await boss.send(Block(standing.ticket, 60, "threatened the agent"))
            assert (await next_of(boss, Blocked)).until > 0
            # The customer, on the other node, is told at once and let go.
            assert (await next_of(customer, DeskRefused)).reason == "BLOCKED"
            assert await customer.expect_closed() == 1000
            again = await Client.connect(a.url, Role.CUSTOMER)
            await again.send(ask("inst-abuse-001", b"b" * 32))
            assert (await again.expect(DeskRefused)).reason == "BLOCKED"

    run(main())
    store = Store.open(tmp_path, database_url)
    try:
        (row,) = store.blocks(0)
        assert (row.installation, row.actor, row.reason) == (
            "inst-abuse-001",
            "hana",
            "threatened the agent",
        )
    finally:
        store.close()


def test_a_queue_closed_on_one_node_is_closed_on_every_node_within_a_second(
    tmp_path: Path, urls: tuple[str, str, dict[str, str]]
) -> None:
    redis_url, database_url, _ = urls

    async def forced_on(node: RelayServer, state: bool | None, timeout: float = 3.0) -> float:
        """Seconds until ``node`` holds the queue forced open/closed (None: by the hours)."""
        started = time.monotonic()
        assert node.core.desk is not None
        while True:
            forced = node.core.desk.desk.queues[0].hours.forced
            if (forced.open if forced is not None else None) == state:
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, "the other node did not follow"
            await asyncio.sleep(0.02)

    async def main() -> None:
        async with cluster(tmp_path, redis_url, database_url, desk_file=desk_file(tmp_path)) as (
            a,
            b,
        ):
            await asks(b, "inst-waiting-01", b"w" * 32)
            await a.change_queue("internet", {"state": "closed"}, actor="hana", address="t")
            assert await forced_on(b, False) < 1.5
            refused = await Client.connect(b.url, Role.CUSTOMER)
            await refused.send(ask("inst-new-0002", b"r" * 32))
            assert (await refused.expect(DeskRefused)).reason == "CLOSED"
            # The customer already waiting keeps the place.
            assert b.core.desk is not None
            assert len(b.core.desk.lobby.waiting("internet")) == 1
            await b.change_queue("internet", {"state": "hours"}, actor="hana", address="t")
            assert await forced_on(a, None) < 1.5
            _, standing = await asks(a, "inst-new-0003", b"n" * 32)
            assert standing.position == 2

    run(main())
