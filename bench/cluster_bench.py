"""Several relay nodes on PostgreSQL and Redis, measured against one node in the same run.

Every server is real and on loopback (``tools/servers.py`` starts PostgreSQL, Redis and
HAProxy in temporary folders); every relay node serves ``wss://``.

1. **Join through another node**: rounds alternate a customer joining at the node
   that has the code and one joining at another node (``Redirect``, then the right
   node). Reported: set-up time (customer connects → ``Paired``) and the data path's
   round trip (agent → customer → agent, ``rtt_messages`` per round), medians of the
   rounds and their ratio.
2. **Three nodes × sessions**: ``sessions`` paired sessions per node, each customer
   joining through the next node, against the same total on one node of the same
   cluster, and against the sender-to-receiver yardstick without a relay, rounds
   alternating. Reported: errors, relay-added p99, and relay CPU per session (all
   nodes) in each phase. These nodes run with ``grace_s`` 3 and ``max_sessions``
   5000 so that sessions cut at the end of a phase are gone before the next.
3. **Failover**: a session between the apps' own driver and endpoints (SPAKE2,
   sealed records) through HAProxy; its node is killed with SIGKILL; the time from
   the kill to the first message sent after it arriving, ``runs`` times (the node is
   started again between runs).
4. **Sign-ins per second**: ``clients`` concurrent agents signing in over and over
   (Hello, Auth, AuthOk: a token check and the key's ``last_seen`` write), against a
   relay on SQLite and one on PostgreSQL, rounds alternating.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from assist_net.driver import Connection
from assist_net.target import RelayTarget
from bench import relay_bench, relay_load
from bench.procs import client_ssl, tls_cert
from bench.relay_bench import NO_BANDWIDTH_CAP, NO_IP_LIMITS, Load
from common.codes import parse_code
from common.endpoint import CodeReady, Endpoint, Event, Received, Secured
from common.messages import (
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Chat,
    Data,
    EndReason,
    Hello,
    Paired,
    Role,
    Welcome,
)
from tools import procs
from tools.servers import (
    HAProxy,
    Postgres,
    Redis,
    free_port,
    postgres_server,
    redis_server,
    start_haproxy,
)

#: A node counts as gone after this long without a heartbeat: the default, as users run it.
NODE_TTL_S = 3.0
_T = struct.Struct(">d")
#: Grace period of the load part's nodes (seconds): sessions cut at the end of a phase are
#: forgotten before the next one. Only the load part; failover runs with the default.
LOAD_GRACE_S = 3.0


class Node(procs.RelayProcess):
    """One cluster node: ``assist-relay serve`` with a fixed port and its own id."""

    def __init__(self, work: Path, node_id: str, env: dict[str, str], port: int = 0) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.node_id = node_id
        self.fixed_port = port or free_port()
        super().__init__(
            work / node_id,
            "--port",
            str(self.fixed_port),
            "--node-id",
            node_id,
            "--public-url",
            f"wss://127.0.0.1:{self.fixed_port}",
            "--log-level",
            "WARNING",
            env=env,
            tls=tls_cert(),
            log=work / f"{node_id}.log",
        )


def _env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **NO_IP_LIMITS,
        **NO_BANDWIDTH_CAP,
        "ASSIST_RELAY_DATABASE_URL": database_url,
        "ASSIST_RELAY_REDIS_URL": redis_url,
        "ASSIST_RELAY_NODE_TTL_S": str(NODE_TTL_S),
        **extra,
    }


def _add_agent(work: Path, env: dict[str, str], name: str = "bench") -> str:
    out = procs.admin(work / "admin", "agent", "add", name, env=env)
    return out.strip().splitlines()[-1]


# ---------------------------------------------------------------- 1. join through another node


async def _pairing(owner: str, via: str, token: str) -> tuple[Any, Any, float, int]:
    """A session made at ``owner``, joined at ``via``: (agent, customer, set-up ms, hops)."""
    agent, nameplate = await relay_load.create(owner, token)
    start = time.perf_counter()
    customer, hops = await relay_load.join(via, nameplate)
    setup_ms = (time.perf_counter() - start) * 1000
    await relay_load._expect(agent, Paired)
    return agent, customer, setup_ms, hops


async def _rtt(agent: Any, customer: Any) -> float:
    sent = time.perf_counter()
    await agent.send(Data(_T.pack(sent) + bytes(1000)).serialize())
    echo = await customer.recv()
    await customer.send(echo)
    await agent.recv()
    return (time.perf_counter() - sent) * 1000


async def _one_round(a: str, b: str, token: str, rtt_messages: int) -> dict[str, Any]:
    """Both sessions open at once; pings alternate between them, so the machine's drift
    falls on both alike (a paired comparison)."""
    same = await _pairing(a, a, token)
    cross = await _pairing(a, b, token)
    rtts: dict[str, list[float]] = {"same": [], "cross": []}
    for _ in range(rtt_messages):
        rtts["same"].append(await _rtt(same[0], same[1]))
        rtts["cross"].append(await _rtt(cross[0], cross[1]))
    for ws in (*same[:2], *cross[:2]):
        await ws.close()
    return {
        "same": {"setup_ms": same[2], "rtt_ms": statistics.median(rtts["same"]), "hops": same[3]},
        "cross": {
            "setup_ms": cross[2],
            "rtt_ms": statistics.median(rtts["cross"]),
            "hops": cross[3],
        },
    }


def bench_join(nodes: list[Node], token: str, *, rounds: int, rtt_messages: int) -> dict[str, Any]:
    a, b = nodes[0].url, nodes[1].url

    async def run_all() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {"same": [], "cross": []}
        await _one_round(a, b, token, 10)  # warm up both paths
        for _ in range(rounds):
            one = await _one_round(a, b, token, rtt_messages)
            out["same"].append(one["same"])
            out["cross"].append(one["cross"])
        return out

    got = asyncio.run(run_all())
    assert all(r["hops"] == 1 for r in got["cross"]) and all(r["hops"] == 0 for r in got["same"])
    res: dict[str, Any] = {"join_rounds": rounds}
    for key in ("setup_ms", "rtt_ms"):
        for path in ("same", "cross"):
            values = [r[key] for r in got[path]]
            res[f"{path}_{key}"] = round(statistics.median(values), 3)
            res[f"{path}_{key}_rounds"] = [round(v, 3) for v in values]
    res["cross_setup_added_ms"] = round(res["cross_setup_ms"] - res["same_setup_ms"], 3)
    # Paired: each round's two sessions took turns, so compare within the round.
    ratios = [c["rtt_ms"] / s["rtt_ms"] for s, c in zip(got["same"], got["cross"], strict=True)]
    res["cross_rtt_ratio"] = round(statistics.median(ratios), 3)
    res["cross_rtt_ratio_rounds"] = [round(x, 3) for x in ratios]
    return res


# ---------------------------------------------------------------- 2. three nodes × sessions


def bench_load(
    work: Path, nodes: list[Node], token: str, load: Load, *, rounds: int
) -> dict[str, Any]:
    """``rounds`` rounds, each a one-node phase then a three-node phase with the same total
    load; medians (and every round) of relay-added p99 and relay CPU per session."""
    watch = {n.node_id: n.pid for n in nodes}
    total = Load(**{**load.__dict__, "sessions": load.sessions * len(nodes), "procs": len(nodes)})
    direct = relay_bench._load_phase("direct", "", "", total, work, {})
    one = [(nodes[0].url, nodes[0].url)]
    spread = [(n.url, nodes[(i + 1) % len(nodes)].url) for i, n in enumerate(nodes)]
    runs: dict[str, list[dict[str, Any]]] = {"one_node": [], "three_nodes": []}
    for r in range(rounds):
        for name, urls in (("one_node", one), ("three_nodes", spread)):
            phase = relay_bench._load_phase(
                "relay", "", token, total, work, watch, urls=urls, name=f"{name}-{r}"
            )
            time.sleep(LOAD_GRACE_S + 1)  # the cut sessions are gone before the next phase
            cpu = sum(phase.get(f"{n.node_id}_cpu_pct") or 0.0 for n in nodes)
            runs[name].append(
                {
                    "p99_added_ms": round(float(phase["p99_ms"]) - float(direct["p99_ms"]), 2),
                    "relay_cpu_pct": round(cpu, 1),
                    "cpu_per_session_pct": round(cpu / total.sessions, 4),
                    "lost": int(phase["sent"]) - int(phase["received"]),
                    "sent": int(phase["sent"]),
                }
            )
    out: dict[str, Any] = {
        "sessions_per_node": load.sessions,
        "nodes": len(nodes),
        "load_rounds": rounds,
        "direct_p99_ms": direct["p99_ms"],
    }
    for name, rows in runs.items():
        for key in ("p99_added_ms", "relay_cpu_pct", "cpu_per_session_pct"):
            values = [row[key] for row in rows]
            out[f"{name}_{key}"] = round(statistics.median(values), 4)
            out[f"{name}_{key}_rounds"] = values
        out[f"{name}_lost"] = sum(row["lost"] for row in rows)
        out[f"{name}_sent"] = sum(row["sent"] for row in rows)
    ratios = [
        t["cpu_per_session_pct"] / o["cpu_per_session_pct"]
        for o, t in zip(runs["one_node"], runs["three_nodes"], strict=True)
    ]
    out["cpu_per_session_ratio"] = round(statistics.median(ratios), 3)
    out["cpu_per_session_ratio_rounds"] = [round(x, 3) for x in ratios]
    out["load"] = dict(total.__dict__)
    return out


# ---------------------------------------------------------------- 3. failover


class _Side:
    def __init__(self, url: str, endpoint: Endpoint, ca: str) -> None:
        self.events: list[Event] = []
        target = RelayTarget.parse(url, ca_file=ca)
        self.conn = Connection(target, endpoint, self.events.append, resume_window_s=30)
        self.task = asyncio.ensure_future(self.conn.run())

    async def wait(self, kind: type, timeout: float = 30) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                for e in self.events:
                    if isinstance(e, kind):
                        return e
                await asyncio.sleep(0.005)


#: How long one failover may take before the run counts as failed.
FAILOVER_WAIT_S = 30.0


def _seen_since(side: _Side, start: int) -> list[str]:
    """What a side was told from ``start`` on, but for the messages it received."""
    return [repr(e) for e in side.events[max(0, start) :] if not isinstance(e, Received)]


class FailoverStuck(Exception):
    """One failover run did not carry a message within :data:`FAILOVER_WAIT_S`."""


async def _failover_once(
    front: str, token: str, ca: str, redis: Redis, nodes: dict[str, Node]
) -> float:
    import redis as redis_py

    agent = _Side(front, Endpoint.agent(token), ca)
    ready = await agent.wait(CodeReady)
    assert isinstance(ready, CodeReady)
    customer = _Side(front, Endpoint.customer(parse_code(ready.code.display())), ca)
    await agent.wait(Secured)
    await customer.wait(Secured)
    await asyncio.sleep(0.3)  # the resume state reaches Redis
    r = redis_py.Redis(host="127.0.0.1", port=redis.port, db=0)
    try:
        owner = r.hget(f"assist:np:{ready.code.nameplate}", "owner")
    finally:
        r.close()
    assert owner is not None
    victim = nodes[owner.decode() if isinstance(owner, bytes) else str(owner)]
    killed = time.perf_counter()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(5)
    n = 0
    arrived = None
    seen = {"agent": len(agent.events), "customer": len(customer.events)}
    try:
        async with asyncio.timeout(FAILOVER_WAIT_S):
            while arrived is None:
                n += 1
                agent.conn.send_app(Chat(n, "ping", 0))
                await asyncio.sleep(0.02)
                for e in customer.events:
                    if isinstance(e, Received) and isinstance(e.message, Chat):
                        arrived = time.perf_counter()
                        break
                # In place: the connection appends to this very list.
                kept = [e for e in customer.events if not isinstance(e, Received)]
                seen["customer"] -= len(customer.events) - len(kept)
                customer.events[:] = kept
    except TimeoutError:
        after = {
            name: _seen_since(side, seen[name])
            for name, side in (("agent", agent), ("customer", customer))
        }
        raise FailoverStuck(
            f"no chat through {FAILOVER_WAIT_S:.0f} s after killing {victim.node_id}; "
            f"since then the agent saw {after['agent'][-6:]}, the customer {after['customer'][-6:]}"
        ) from None
    finally:
        if arrived is None:
            for side in (agent, customer):
                side.task.cancel()
    took = arrived - killed
    for side in (agent, customer):
        side.conn.bye(EndReason.AGENT_ENDED)
    await asyncio.wait([agent.task, customer.task], timeout=5)
    return took


def bench_failover(
    work: Path, env: dict[str, str], token: str, redis: Redis, *, runs: int
) -> dict[str, Any]:
    nodes = {f"f{i}": Node(work / "failover", f"f{i}", env) for i in (1, 2, 3)}
    front: HAProxy | None = None
    times: list[float] = []
    stuck: list[str] = []
    try:
        front = start_haproxy([n.fixed_port for n in nodes.values()])
        url = f"wss://127.0.0.1:{front.port}"
        ca = os.environ["ASSIST_CA_FILE"]
        time.sleep(1.5)  # HAProxy's first health checks
        for _ in range(runs):
            try:
                times.append(asyncio.run(_failover_once(url, token, ca, redis, nodes)))
            except FailoverStuck as exc:
                stuck.append(str(exc))
            for name, node in list(nodes.items()):  # start the killed node again
                if node.proc.poll() is not None:
                    nodes[name] = Node(work / "failover", name, env, node.fixed_port)
            time.sleep(1.5)
    finally:
        for node in nodes.values():
            node.stop(grace=5)
        if front is not None:
            front.stop()
    # A stuck run counts as taking the whole wait (a lower bound), so it shows in p95.
    ordered = sorted(times + [FAILOVER_WAIT_S] * len(stuck))
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "failover_runs": len(ordered),
        "failover_stuck": stuck,
        "failover_s_p50": round(statistics.median(ordered), 2),
        "failover_s_p95": round(p95, 2),
        "failover_s_max": round(max(ordered), 2),
        "failover_s": [round(t, 2) for t in times],
    }


# ---------------------------------------------------------------- 4. sign-ins per second


async def _sign_ins(url: str, token: str, clients: int, seconds: float) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            ws = await connect(url, ssl=client_ssl(url), **relay_load._OPTIONS)
            await ws.send(Hello(PROTOCOL_VERSION, Role.AGENT, "bench").serialize())
            await relay_load._expect(ws, Welcome)
            await ws.send(Auth(token, bytes(32)).serialize())
            await relay_load._expect(ws, AuthOk)
            done += 1
            ws.transport.abort()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    return done / (time.perf_counter() - start)


def bench_sign_ins(
    work: Path, postgres: Postgres, *, rounds: int, clients: int, seconds: float
) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    relays: dict[str, procs.RelayProcess] = {}
    tokens: dict[str, str] = {}
    try:
        for kind, url in (("sqlite", ""), ("postgresql", postgres.new_database())):
            env = {**os.environ, **NO_IP_LIMITS, "ASSIST_RELAY_DATABASE_URL": url}
            data = work / f"signin-{kind}"
            tokens[kind] = procs.admin(data, "agent", "add", "bench", env=env).split()[-1]
            relays[kind] = procs.RelayProcess(
                data, "--log-level", "WARNING", env=env, tls=tls_cert(),
                log=work / f"signin-{kind}.log",
            )  # fmt: skip
        for kind in rates:  # warm up
            asyncio.run(_sign_ins(relays[kind].url, tokens[kind], clients, 1.0))
        for _ in range(rounds):
            for kind in rates:
                rate = asyncio.run(_sign_ins(relays[kind].url, tokens[kind], clients, seconds))
                rates[kind].append(rate)
    finally:
        for relay in relays.values():
            relay.stop(grace=5)
    out: dict[str, Any] = {"sign_in_rounds": rounds, "sign_in_clients": clients}
    for kind, values in rates.items():
        out[f"{kind}_sign_ins_per_s"] = round(statistics.median(values), 1)
        out[f"{kind}_sign_ins_per_s_rounds"] = [round(v, 1) for v in values]
    out["postgresql_to_sqlite_sign_ins"] = round(
        out["postgresql_sign_ins_per_s"] / out["sqlite_sign_ins_per_s"], 3
    )
    return out


# ---------------------------------------------------------------- all of it


def run(work: Path, *, quick: bool = False) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    with postgres_server() as pg, redis_server() as redis:
        env = _env(pg.new_database(), f"redis://127.0.0.1:{redis.port}/0")
        token = _add_agent(work, env)
        t = time.monotonic()
        # The load generators cut their sessions at the end of a phase; a short grace
        # period lets the nodes forget them before the next phase (and room for them).
        load_env = {
            **env,
            "ASSIST_RELAY_GRACE_S": str(LOAD_GRACE_S),
            "ASSIST_RELAY_MAX_SESSIONS": "5000",
        }
        nodes = [Node(work, f"n{i}", load_env) for i in (1, 2, 3)]
        try:
            out.update(bench_join(nodes, token, rounds=5 if quick else 15, rtt_messages=100))
            out["join_s"] = round(time.monotonic() - t, 1)
            t = time.monotonic()
            load = Load(sessions=60 if quick else 200, procs=3, rate=2.0, size=4000,
                        seconds=5.0 if quick else 12.0)  # fmt: skip
            out.update(bench_load(work, nodes, token, load, rounds=2 if quick else 5))
            out["load_s"] = round(time.monotonic() - t, 1)
        finally:
            for node in nodes:
                node.stop(grace=10)
        t = time.monotonic()
        out.update(bench_failover(work, env, token, redis, runs=3 if quick else 10))
        out["failover_total_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        out.update(
            bench_sign_ins(
                work, pg, rounds=3 if quick else 5, clients=8, seconds=2.0 if quick else 4.0
            )
        )
        out["sign_ins_s"] = round(time.monotonic() - t, 1)
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    from bench.procs import use_tls

    with tempfile.TemporaryDirectory() as tmp:
        use_tls(Path(tmp))
        print(json.dumps(run(Path(tmp), quick=quick), indent=2))


if __name__ == "__main__":
    main()
