"""The records and the console under load (issue 16).

* **reports** — 1,000,000 contact rows in a real PostgreSQL (COPY, spread over a
  year, 5 queues, 50 agents); each report the console offers is asked for ``rounds``
  times: by day over 30 and 365 days, by week over 90 days, by queue over 30 days,
  by agent over 365 days. Target: p95 ≤ 1 s.
* **live desk** — a ``wss://`` relay process with its console; customers keep
  asking and leaving (so the picture changes every second); the relay's CPU over
  ``seconds`` with nobody watching, then with 50 supervisors' browsers (50 accounts,
  each signed in, each with the live desk's event stream open), alternating, for
  ``rounds`` rounds. Target: watching costs ≤ 5 % of a core.
* **webhooks** — 10,000 deliveries waiting when a relay process starts, to a
  receiver in this process; the time to drain them, and the round-trip time of a
  running session's messages through the relay before and during the drain.
  Target: drained, and the session's p99 not blocked (reported as a ratio).

Everything is on loopback; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import ssl
import statistics
import struct
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.procs import Relay, client_ssl, cpu_seconds, use_tls
from bench.relay_load import pair_relay
from common.messages import PROTOCOL_VERSION, Ask, Hello, Layer, Leave, Role, Standing, parse
from relay.integrations import enqueue
from relay.store import Store
from tools.servers import free_port, postgres_server

PASSWORD = "bench password 1"
DESK = """
zone = "Asia/Seoul"
[[queue]]
id = "internet"
name = "Internet"
teams = ["network"]
max_waiting = 5000
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "p95": _pct(values, 0.95),
        "n": len(values),
    }


# ---------------------------------------------------------------- reports


def _fill(store: Store, rows: int, now: float, seed: int = 7) -> float:
    """``rows`` contacts over the last year by COPY; returns the seconds it took."""
    import psycopg

    rng = random.Random(seed)
    queues = ["internet", "billing", "pc", "mobile", "tv"]
    agents = [f"agent{i:02}" for i in range(50)]
    states = (
        ["ended"] * 80 + ["abandoned"] * 12 + ["callback_done"] * 5 + ["callback_no_answer"] * 3
    )
    started = time.monotonic()
    url = store.where  # without the password; the bench's server has none
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY contacts (id, kind, queue, installation, customer_name, customer_contact,"
            " topic, sid, agent, team, agents, asked, started, ended, wait_s, handle_s,"
            " state, resolved, tags, satisfaction, comment, end_reason, updated) FROM STDIN"
        ) as copy:
            for i in range(rows):
                asked = now - rng.random() * 365 * 86400
                state = rng.choice(states)
                agent = rng.choice(agents)
                served = state in ("ended", "callback_done")
                wait = rng.expovariate(1 / 240) if served else None
                handle = rng.expovariate(1 / 600) if state == "ended" else None
                copy.write_row((
                    f"c{i:07}", "callback" if state.startswith("callback") else "queue",
                    rng.choice(queues), f"inst-{rng.randrange(200_000):06}",
                    f"Customer {i}", f"010-{rng.randrange(10000):04}-{rng.randrange(10000):04}",
                    "The internet keeps dropping", f"s{i:07}" if served else "",
                    agent if served else "", f"team{agents.index(agent) % 5}",
                    agent if served else "", asked,
                    asked + wait if wait is not None else None,
                    asked + (wait or 0) + (handle or 60), wait, handle, state,
                    rng.choice([None, 1, 1, 1, 0]) if served else None, "",
                    rng.choice([None, None, 3, 4, 5, 5]) if served else None, "", "", asked,
                ))  # fmt: skip
        conn.commit()
        cur.execute("ANALYZE contacts")
    return time.monotonic() - started


def bench_reports(work: Path, *, rows: int = 1_000_000, rounds: int = 5) -> dict[str, Any]:
    now = time.time()
    day = 86400
    queries = {
        "30 days by day": (now - 30 * day, "day"),
        "90 days by week": (now - 90 * day, "week"),
        "30 days by queue": (now - 30 * day, "queue"),
        "365 days by agent": (now - 365 * day, "agent"),
        "365 days by day": (now - 365 * day, "day"),
    }
    with postgres_server() as pg:
        store = Store.open(work / "reports", pg.new_database())
        try:
            fill_s = _fill(store, rows, now)
            times: dict[str, list[float]] = {name: [] for name in queries}
            for _ in range(rounds):
                for name, (since, group) in queries.items():
                    t0 = time.perf_counter()
                    out = store.records.reports.report(since, now, group, zone="Asia/Seoul")
                    times[name].append(time.perf_counter() - t0)
                    assert out, name
            everything = [t for ts in times.values() for t in ts]
            return {
                "rows": rows,
                "fill_s": round(fill_s, 1),
                "rounds": rounds,
                "queries": {k: _summary(v) for k, v in times.items()},
                "p95_s": _pct(everything, 0.95),
                "target_p95_s": 1.0,
            }
        finally:
            store.close()


# ---------------------------------------------------------------- the live desk


async def _churn(url: str, stop: asyncio.Event) -> int:
    """Customers ask and leave, about two a second: the desk's picture keeps changing."""
    from websockets.asyncio.client import connect

    asked = 0
    waiting: list[Any] = []
    rng = random.Random(3)
    while not stop.is_set():
        ws = await connect(url, ssl=client_ssl(url), compression=None, open_timeout=30)
        await ws.send(Hello(PROTOCOL_VERSION, Role.CUSTOMER, "bench").serialize())
        await ws.recv()
        ask = Ask(
            "internet", "fp", f"inst-{asked:08}", f"Customer {asked}", "", "bench", "",
            os.urandom(32), os.urandom(16), os.urandom(32),
        )  # fmt: skip
        await ws.send(ask.serialize())
        msg = parse(await ws.recv(), Layer.RELAY)
        if not isinstance(msg, Standing):
            raise RuntimeError(f"a customer asking was told {msg!r}")
        waiting.append(ws)
        asked += 1
        if len(waiting) > 10:
            old = waiting.pop(rng.randrange(len(waiting)))
            await old.send(Leave().serialize())
            await old.close()
        await asyncio.sleep(0.5)
    for ws in waiting:
        await ws.close()
    return asked


async def _watch(base: str, name: str, ctx: ssl.SSLContext, opened: list[int]) -> None:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=ctx), cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as s:
        async with s.get(base + "/signin") as r:
            page = await r.text()
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        async with s.post(
            base + "/signin",
            data={"csrf": csrf, "name": name, "password": PASSWORD},
            allow_redirects=False,
        ) as r:
            assert r.status == 303, r.status
        async with s.get(base + "/desk/events", timeout=aiohttp.ClientTimeout(total=None)) as r:
            opened.append(1)
            async for _ in r.content:  # read every event, as a browser would
                pass


def bench_live_desk(
    work: Path, *, supervisors: int = 50, seconds: float = 20.0, rounds: int = 5
) -> dict[str, Any]:
    data = work / "live"
    desk = work / "live-desk.toml"
    desk.write_text(DESK, encoding="utf-8")
    store = Store.open(data)
    try:
        for i in range(supervisors):
            name = f"sup{i:02}"
            store.add_agent(name, f"Supervisor {i}", "Bench")
            store.set_role(name, "supervisor")
            store.console.set_password(name, PASSWORD)
    finally:
        store.close()
    port = free_port()
    # One address plays many customers and supervisors: no per-address limits.
    env = {
        "ASSIST_RELAY_DESK_FILE": str(desk),
        "ASSIST_RELAY_DESK_ASKS_PER_MINUTE": "0",
        "ASSIST_RELAY_CONNECTIONS_PER_MINUTE": "0",
    }
    relay = Relay(data, "--console-port", str(port), env=env)
    base = f"https://127.0.0.1:{port}"
    ctx = ssl.create_default_context(cafile=os.environ.get("ASSIST_CA_FILE") or None)

    async def main() -> dict[str, Any]:
        stop = asyncio.Event()
        churn = asyncio.create_task(_churn(relay.url, stop))
        idle: list[float] = []
        watched: list[float] = []
        try:
            await asyncio.sleep(2)
            for _ in range(rounds):
                c0, t0 = cpu_seconds(relay.pid) or 0.0, time.monotonic()
                await asyncio.sleep(seconds)
                idle.append(100 * ((cpu_seconds(relay.pid) or 0.0) - c0) / (time.monotonic() - t0))
                opened: list[int] = []
                tasks = [
                    asyncio.create_task(_watch(base, f"sup{i:02}", ctx, opened))
                    for i in range(supervisors)
                ]
                async with asyncio.timeout(120):
                    while len(opened) < supervisors:
                        await asyncio.sleep(0.1)
                await asyncio.sleep(2)  # sign-ins (Argon2) done and settled
                c0, t0 = cpu_seconds(relay.pid) or 0.0, time.monotonic()
                await asyncio.sleep(seconds)
                watched.append(
                    100 * ((cpu_seconds(relay.pid) or 0.0) - c0) / (time.monotonic() - t0)
                )
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            stop.set()
            asked = await churn
        cost = [w - i for w, i in zip(watched, idle, strict=True)]
        return {
            "supervisors": supervisors,
            "seconds": seconds,
            "rounds": rounds,
            "customers_churned": asked,
            "relay_cpu_pct_unwatched": _summary(idle),
            "relay_cpu_pct_watched": _summary(watched),
            "watching_cost_pct_of_core": _summary(cost),
            "target_pct": 5.0,
        }

    try:
        return asyncio.run(main())
    finally:
        relay.stop()


# ---------------------------------------------------------------- webhooks


class _Receiver:
    def __init__(self) -> None:
        self.got = 0
        self.first: float | None = None
        self.last = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        self.got += 1
        return web.Response(status=204)


async def _rtts(agent: Any, customer: Any, seconds: float) -> list[float]:
    """Round trips of small Data messages through the relay, every 20 ms."""
    out = []
    end = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < end:
        seq += 1
        payload = struct.pack("!Bd", 0x09, time.perf_counter()) + bytes(54)
        await agent.send(payload)
        got = await customer.recv()
        await customer.send(got)
        back = await agent.recv()
        out.append(1000 * (time.perf_counter() - struct.unpack("!d", back[1:9])[0]))
        await asyncio.sleep(0.02)
    return out


def bench_webhooks(work: Path, *, deliveries: int = 10_000, rounds: int = 5) -> dict[str, Any]:
    out: list[dict[str, float]] = []
    for r in range(rounds):
        out.append(_webhook_round(work / f"hooks{r}", deliveries))
    drain = [o["drain_s"] for o in out]
    return {
        "deliveries": deliveries,
        "rounds": rounds,
        "drain_s": _summary(drain),
        "per_s": _summary([deliveries / d for d in drain]),
        "session_rtt_p99_ms_before": _summary([o["p99_before"] for o in out]),
        "session_rtt_p99_ms_during": _summary([o["p99_during"] for o in out]),
        "session_rtt_p99_ratio": _summary([o["p99_during"] / o["p99_before"] for o in out]),
    }


def _webhook_round(data: Path, deliveries: int) -> dict[str, float]:
    receiver = _Receiver()

    async def main() -> dict[str, float]:
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        store = Store.open(data)
        token = store.add_agent("bench", "Bench", "Bench")
        hook = store.integrations.add_hook(url, ["contact.ended"])
        store.integrations.set_hook_active(hook.id, False)  # filled while the relay is off
        store.close()
        relay = Relay(data)
        try:
            agent, customer = await pair_relay(relay.url, token)
            # Deliveries appear in the database while the session runs (a burst of
            # ended contacts, as after a restore or a receiver back from downtime).
            before = await _rtts(agent, customer, 5.0)
            store = Store.open(data)
            now = time.time()
            data_row = {"id": "x", "state": "ended", "customer_name": "Bench"}
            with store._db.transaction() as db:  # noqa: SLF001 - the bench's shortcut
                db.execute("UPDATE webhooks SET active = 1")
                for _ in range(deliveries):
                    enqueue(db, "contact.ended", data_row, now)
            store.close()
            t0 = time.monotonic()
            during: list[float] = []
            while receiver.got < deliveries and time.monotonic() - t0 < 300:
                during += await _rtts(agent, customer, 1.0)
            drain = time.monotonic() - t0
            assert receiver.got >= deliveries, receiver.got
            await agent.close()
            await customer.close()
            return {
                "drain_s": drain,
                "p99_before": _pct(before, 0.99),
                "p99_during": _pct(during, 0.99),
            }
        finally:
            relay.stop()
            await runner.cleanup()

    return asyncio.run(main())


def run(work: Path, *, quick: bool = False) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("ASSIST_CA_FILE"):
        use_tls(work)
    out: dict[str, Any] = {}
    for name, call in (
        ("reports", lambda: bench_reports(work, rows=100_000 if quick else 1_000_000)),
        ("live_desk", lambda: bench_live_desk(work, seconds=5 if quick else 20)),
        ("webhooks", lambda: bench_webhooks(work, deliveries=1000 if quick else 10_000)),
    ):
        try:
            out[name] = call()
        except Exception as exc:  # one part failing does not lose the others
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(name, json.dumps(out[name], indent=1), flush=True)
    # The figures the targets read (bench/report.py).
    out["reports_p95_s"] = out["reports"].get("p95_s")
    cost = out["live_desk"].get("watching_cost_pct_of_core") or {}
    out["live_desk_cost_pct"] = cost.get("median")
    out["webhook_drained"] = None if "error" in out["webhooks"] else 1
    return out


if __name__ == "__main__":
    import argparse
    import tempfile

    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=("reports", "live_desk", "webhooks"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        use_tls(Path(tmp))
        if args.only == "reports":
            print(
                json.dumps(
                    bench_reports(Path(tmp), rows=100_000 if args.quick else 1_000_000), indent=1
                )
            )
        elif args.only == "live_desk":
            print(json.dumps(bench_live_desk(Path(tmp), seconds=5 if args.quick else 20), indent=1))
        elif args.only == "webhooks":
            print(
                json.dumps(
                    bench_webhooks(Path(tmp), deliveries=1000 if args.quick else 10_000), indent=1
                )
            )
        else:
            run(Path(tmp), quick=args.quick)
