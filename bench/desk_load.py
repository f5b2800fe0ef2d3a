"""The help desk under load (issue 15): many customers waiting, many agents taking.

Each round starts a fresh ``wss://`` relay process with a desk file (one queue, always
open), signs in ``agents`` agents at their desks (presence Available, so they count
in the estimate and receive the waiting list), then connects ``customers`` customers
who ask for help, and once all wait, every agent takes the next customer, holds the
session for a moment, ends it, and takes the next, until everyone was taken.

What is measured (clients are raw protocol clients in this process; the relay is
its own process):

* **standing updates** — a customer who joined at position *p* must be told
  position *q* after the (*p*−*q*)-th take in the queue; the delay from that take
  (its ``Take`` sent) to the ``Standing`` arriving, for every position change;
* **Take next** — from ``Take`` sent on a signed-in connection to ``Took`` back;
* **relay memory per waiting customer** — the relay's RSS with everyone waiting,
  minus its RSS with only the agents' desks, divided by the customers (with
  several nodes: the sum over the nodes, since each mirrors the whole line).

With ``nodes`` > 1 the same load runs against a cluster: that many relay processes
on one PostgreSQL and one Redis (real servers in temporary folders), customers and
agents' desks spread over the nodes in turn, as HAProxy's round robin would; an
agent whose next customer waits on another node is redirected there (Take next
counts until ``Took``, redirect and new sign-in included).

Everything is on loopback; every loop is bounded (a round gives up after
``timeout_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.procs import Relay, client_ssl, tls_cert, use_tls
from common.messages import (
    PROTOCOL_VERSION,
    Ask,
    Auth,
    AuthOk,
    Bye,
    DeskRefused,
    EndReason,
    Hello,
    Layer,
    Presence,
    PresenceState,
    Redirect,
    Role,
    Standing,
    Take,
    Took,
    parse,
)
from relay.store import Store
from tools.servers import free_port, postgres_server, redis_server

DESK = """
zone = "UTC"
callback_offer_above_s = 3600

[[queue]]
id = "internet"
name = "Internet"
teams = ["network"]
max_waiting = 5000
handle_s = 420
"""

_OPTIONS: dict[str, Any] = {"compression": None, "max_size": 1 << 20, "open_timeout": 30}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


class Customer:
    def __init__(self, index: int) -> None:
        self.index = index
        self.ws: ClientConnection | None = None
        self.first: int | None = None  # position when they joined
        self.ticket = ""
        self.asked = 0.0
        self.joined = 0.0
        self.updates: list[tuple[float, int]] = []  # (arrival, position)
        self.taken = asyncio.Event()

    async def run(self, url: str, start: asyncio.Event) -> None:
        ws = await connect(url, ssl=client_ssl(url), **_OPTIONS)
        self.ws = ws
        await start.wait()
        await ws.send(Hello(PROTOCOL_VERSION, Role.CUSTOMER, "bench").serialize())
        secret = os.urandom(32)
        ask = Ask(
            "internet", "bench-org", f"inst-bench-{self.index:06d}", f"Customer {self.index}",
            "", "Bench load", "", os.urandom(32), os.urandom(16), hashlib.sha256(secret).digest(),
        )  # fmt: skip
        self.asked = time.perf_counter()
        await ws.send(ask.serialize())
        try:
            async for raw in ws:
                if not isinstance(raw, bytes):
                    continue
                msg = parse(raw, Layer.RELAY)
                now = time.perf_counter()
                if isinstance(msg, Standing):
                    if self.first is None:
                        self.first, self.joined = msg.position, now
                        self.ticket = msg.ticket
                    self.updates.append((now, msg.position))
                elif type(msg).__name__ == "Called":
                    self.taken.set()
                elif isinstance(msg, DeskRefused):
                    raise RuntimeError(f"customer {self.index} refused: {msg.reason}")
        finally:
            self.taken.set()


class Agent:
    def __init__(self, index: int, token: str, hold_s: tuple[float, float]) -> None:
        self.index, self.token, self.hold_s = index, token, hold_s
        self.takes: list[float] = []  # Take -> Took, seconds
        self.desk: ClientConnection | None = None
        self.redirects = 0
        self.hops: list[int] = []  # redirects followed, per take

    async def _sign_in(self, url: str) -> ClientConnection:
        ws = await connect(url, ssl=client_ssl(url), **_OPTIONS)
        await ws.send(Hello(PROTOCOL_VERSION, Role.AGENT, "bench").serialize())
        await ws.send(Auth(self.token, os.urandom(32)).serialize())
        async for raw in ws:
            if isinstance(raw, bytes) and isinstance(parse(raw, Layer.RELAY), AuthOk):
                return ws
        raise RuntimeError("the relay closed before AuthOk")

    async def open_desk(self, url: str) -> None:
        self.desk = await self._sign_in(url)
        await self.desk.send(Presence(PresenceState.AVAILABLE).serialize())
        asyncio.ensure_future(self._drain(self.desk))

    @staticmethod
    async def _drain(ws: ClientConnection) -> None:
        try:
            async for _ in ws:
                pass
        except Exception:  # noqa: BLE001 - the round is over
            pass

    async def work(self, url: str, taken_at: dict[str, float], rng: random.Random) -> int:
        """Take customers until none is left; returns how many this agent took."""
        count = 0
        while True:
            ws = await self._sign_in(url)
            sent = time.perf_counter()
            await ws.send(Take("").serialize())
            took = None
            for _hop in range(3):  # the customer may wait on another node: follow
                where = None
                async for raw in ws:
                    if not isinstance(raw, bytes):
                        continue
                    msg = parse(raw, Layer.RELAY)
                    if isinstance(msg, Took):
                        took = msg
                        taken_at[msg.ticket] = sent
                        self.takes.append(time.perf_counter() - sent)
                        self.hops.append(_hop)
                        break
                    if isinstance(msg, DeskRefused):
                        break
                    if isinstance(msg, Redirect):
                        where = msg.url
                        break
                if where is None:
                    break
                self.redirects += 1
                await ws.close()
                ws = await self._sign_in(where)
                await ws.send(Take("").serialize())
            if took is None:
                await ws.close()
                return count
            count += 1
            await asyncio.sleep(rng.uniform(*self.hold_s))
            await ws.send(Bye(EndReason.AGENT_ENDED).serialize())
            await ws.close()


async def _round(
    urls: list[str], pids: list[int], tokens: list[str], customers: int, seed: int, timeout_s: float
) -> dict[str, Any]:
    rng = random.Random(seed)

    def rss() -> int:
        return sum(_rss_kib(p) for p in pids)

    def node(i: int) -> str:
        return urls[i % len(urls)]

    agents = [Agent(i, t, (0.2, 0.8)) for i, t in enumerate(tokens)]
    await asyncio.gather(*(a.open_desk(node(a.index)) for a in agents))
    await asyncio.sleep(1.0)
    rss_desks = rss()
    people = [Customer(i) for i in range(customers)]
    start = asyncio.Event()
    tasks = [asyncio.ensure_future(c.run(node(c.index), start)) for c in people]
    # Connect first (TLS handshakes), then everyone asks at once.
    while sum(c.ws is not None for c in people) < customers:
        await asyncio.sleep(0.05)
        failed = [t for t in tasks if t.done() and t.exception() is not None]
        if failed:
            raise RuntimeError(f"a customer could not connect: {failed[0].exception()}")
    await asyncio.sleep(1.0)
    rss_connected = rss()
    start.set()
    deadline = time.monotonic() + timeout_s
    while sum(c.first is not None for c in people) < customers:
        if time.monotonic() > deadline:
            raise RuntimeError("not every customer was told a place in time")
        await asyncio.sleep(0.05)
    join_s = [c.joined - c.asked for c in people]
    await asyncio.sleep(1.0)
    rss_waiting = rss()
    # Where each customer stands before the first take: on several nodes the first
    # places told come from a node's mirror a moment before the others' asks reached
    # it, and are corrected within a sync; the delays count from the settled places.
    for c in people:
        c.first = c.updates[-1][1]
        c.updates = c.updates[-1:]
    taken_at: dict[str, float] = {}  # ticket -> when its Take was sent
    began = time.perf_counter()
    counts = await asyncio.wait_for(
        asyncio.gather(*(a.work(node(a.index), taken_at, rng) for a in agents)),
        timeout_s,
    )
    elapsed = time.perf_counter() - began
    await asyncio.wait_for(asyncio.gather(*(c.taken.wait() for c in people)), timeout_s)
    for t in tasks:
        t.cancel()
    for a in agents:
        if a.desk is not None:
            await a.desk.close()
    # Position changes: the customer stood at position P when the takes began, was last
    # told p and now hears q < p: the takes of P - p + 1 ... P - q customers ahead of
    # them reached them now; the delay counts from the earliest of those takes (its
    # Take sent), among the takes of the customers ahead of them only (with several
    # nodes, takes further back may happen in between).
    delays = []
    ahead: list[float] = []
    for c in sorted(people, key=lambda c: c.first or 0):
        assert c.first is not None
        times = sorted(ahead)
        told = c.first
        for arrival, position in c.updates[1:]:
            k = c.first - told + 1
            if position < told and 1 <= k <= len(times):
                delays.append(arrival - times[k - 1])
            told = position
        if c.ticket in taken_at:
            ahead.append(taken_at[c.ticket])
    take_s = [x for a in agents for x in a.takes]
    direct = [x for a in agents for x, h in zip(a.takes, a.hops, strict=True) if h == 0]
    sent_on = [x for a in agents for x, h in zip(a.takes, a.hops, strict=True) if h > 0]
    several = {}
    if len(urls) > 1:  # takes whose customer waited on the agent's node, and those sent on
        several = {
            "take_here_p99_ms": round(_pct(direct, 99) * 1000, 1),
            "take_sent_p99_ms": round(_pct(sent_on, 99) * 1000, 1),
        }
    return {
        **several,
        "customers": customers,
        "agents": len(agents),
        "taken": sum(counts),
        "redirected_takes": sum(a.redirects for a in agents),
        "seconds": round(elapsed, 2),
        "join_p99_ms": round(_pct(join_s, 99) * 1000, 1),
        "update_p50_ms": round(_pct(delays, 50) * 1000, 1),
        "update_p90_ms": round(_pct(delays, 90) * 1000, 1),
        "update_p99_ms": round(_pct(delays, 99) * 1000, 1),
        "updates_over_1s": sum(d > 1.0 for d in delays),
        "updates": len(delays),
        "take_p50_ms": round(_pct(take_s, 50) * 1000, 1),
        "take_p99_ms": round(_pct(take_s, 99) * 1000, 1),
        "kib_per_waiting": round((rss_waiting - rss_desks) / customers, 1),
        # Of which the connection itself (TLS, websocket) and the ask (ticket, lobby).
        "kib_per_connection": round((rss_connected - rss_desks) / customers, 1),
        "kib_per_ask": round((rss_waiting - rss_connected) / customers, 1),
    }


def run(
    work: Path,
    *,
    rounds: int = 5,
    customers: int = 500,
    agents: int = 50,
    nodes: int = 1,
    timeout_s: float = 120,
) -> dict[str, Any]:
    """``rounds`` rounds, each on fresh relays (``nodes`` of them: a cluster on a real
    PostgreSQL and Redis when more than one); medians with min–max in ``summary``."""
    work.mkdir(parents=True, exist_ok=True)
    if tls_cert() is None:  # alone; in make bench the run's CA is set up already
        use_tls(work)
    desk_file = work / "desk.toml"
    desk_file.write_text(DESK)
    env = {
        "ASSIST_RELAY_DESK_FILE": str(desk_file),
        "ASSIST_RELAY_DESK_ASKS_PER_MINUTE": "0",
        "ASSIST_RELAY_CONNECTIONS_PER_MINUTE": "0",
        "ASSIST_RELAY_JOINS_PER_MINUTE": "0",
        "ASSIST_RELAY_FAILED_JOINS_PER_MINUTE": "0",
    }
    out: list[dict[str, Any]] = []
    with contextlib.ExitStack() as servers:
        if nodes > 1:
            postgres = servers.enter_context(postgres_server())
            redis = servers.enter_context(redis_server())
        for r in range(rounds):
            data = work / f"relay-{r}"
            database_url = postgres.new_database() if nodes > 1 else ""
            store = Store.open(data, database_url)
            try:
                tokens = []
                for i in range(agents):
                    name = f"agent{i:03d}"
                    tokens.append(store.add_agent(name, f"Agent {i}", "Bench"))
                    store.set_team(name, "network")
            finally:
                store.close()
            relays: list[Relay] = []
            try:
                if nodes == 1:
                    relays.append(Relay(data, env=env))
                else:
                    shared = {
                        **env,
                        "ASSIST_RELAY_DATABASE_URL": str(database_url),
                        "ASSIST_RELAY_REDIS_URL": redis.new_database(),
                    }
                    for n in range(nodes):
                        port = free_port()
                        relays.append(
                            Relay(
                                work / f"relay-{r}-n{n + 1}",
                                "--port",
                                str(port),
                                "--node-id",
                                f"n{n + 1}",
                                "--public-url",
                                f"wss://127.0.0.1:{port}",
                                env=shared,
                            )  # fmt: skip
                        )
                result = asyncio.run(
                    _round(
                        [x.url for x in relays],
                        [x.pid for x in relays],
                        tokens,
                        customers,
                        r,
                        timeout_s,
                    )  # fmt: skip
                )
                out.append({**result, "nodes": nodes})
            finally:
                for x in relays:
                    x.stop()
            print(f"desk load ({nodes} node(s)) round {r + 1}/{rounds}: {out[-1]}", flush=True)
    keys = [k for k in out[0] if k not in ("customers", "agents", "nodes")]
    summary = {
        k: {
            "median": statistics.median(o[k] for o in out),
            "min": min(o[k] for o in out),
            "max": max(o[k] for o in out),
        }
        for k in keys
    }
    medians = {k: v["median"] for k, v in summary.items()}
    return {
        **medians,
        "rounds": out,
        "summary": summary,
        "customers": customers,
        "agents": agents,
        "nodes": nodes,
        "round_count": rounds,
    }


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--customers", type=int, default=500)
    p.add_argument("--agents", type=int, default=50)
    p.add_argument("--nodes", type=int, default=1)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="assist-desk-load-") as tmp:
        result = run(
            Path(tmp),
            rounds=args.rounds,
            customers=args.customers,
            agents=args.agents,
            nodes=args.nodes,
        )
    print(json.dumps(result["summary"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
