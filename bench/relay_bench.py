"""The relay alone: forwarding throughput, many sessions at once, memory per idle connection.

Each part runs the project's relay as a process (``assist-relay serve``) next
to the yardstick :mod:`bench.forwarder`, in the same run, so their ratio means
something on a noisy machine.

1. **Throughput**: one paired session; the customer side sends ``messages``
   ``Data`` messages of ``size`` bytes as fast as websockets lets it, the agent
   side counts them. Rounds alternate relay and forwarder; the ratio of the
   medians is reported. The relay's per-session bandwidth cap (16 MiB/s by
   default, a policy, not a cost) and quota are switched off for this part.
2. **Sessions**: ``sessions`` paired sessions split over several load
   processes (:mod:`bench.relay_load`), each sending ``rate`` messages a second
   of ``size`` bytes. Three phases with the same load: ``direct`` (sender to
   receiver, no hop), ``bare`` (through the forwarder) and ``relay``; five
   rounds of the three in a full run, each round in a rotated order. The
   relay-added latency is p99(relay) − p99(direct); p99(bare) − p99(direct)
   beside it says what any Python hop costs on this machine.
3. **Idle connections**: the relay's RSS before and after opening ``count``
   connections that said Hello (and got Welcome), divided by ``count``.

All clients come from 127.0.0.1, so the per-IP connection and join limits are
switched off (environment ``ASSIST_RELAY_*``); everything else is the default.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from bench import relay_load
from bench.procs import (
    Child,
    Relay,
    Sampler,
    add_agent,
    children,
    client_ssl,
    tls_args,
)
from common.messages import PROTOCOL_VERSION, Hello, Role
from tools.procs import rss_bytes

#: All load comes from one address: no per-IP limits.
NO_IP_LIMITS = {
    "ASSIST_RELAY_CONNECTIONS_PER_MINUTE": "0",
    "ASSIST_RELAY_JOINS_PER_MINUTE": "0",
    "ASSIST_RELAY_FAILED_JOINS_PER_MINUTE": "0",
}
NO_BANDWIDTH_CAP = {
    "ASSIST_RELAY_SESSION_BANDWIDTH_BYTES_PER_S": "0",
    "ASSIST_RELAY_SESSION_QUOTA_BYTES": "0",
}


@dataclasses.dataclass(frozen=True)
class Load:
    """The many-sessions load: ``sessions`` over ``procs`` processes, ``rate`` x ``size``."""

    sessions: int = 200
    procs: int = 4
    rate: float = 10.0
    size: int = 20_000
    warmup: float = 2.0
    seconds: float = 12.0


def _forwarder(work: Path) -> tuple[Child, str]:
    fwd = Child(
        "forwarder", [sys.executable, "-m", "bench.forwarder", *tls_args()], log=work / "fwd.log"
    )
    return fwd, fwd.wait_line(r"listening on (wss?://\S+)", 30).group(1)


# ---------------------------------------------------------------- throughput


async def _throughput_rounds(
    relay_url: str, token: str, bare_url: str, *, rounds: int, messages: int, size: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"relay": [], "bare": []}
    relay_pair = await relay_load.pair_relay(relay_url, token)
    bare_pair = await relay_load.pair_bare(bare_url)
    drains = [asyncio.create_task(_drain(p[1])) for p in (relay_pair, bare_pair)]
    try:
        # One short round each first: connections and code paths warm.
        for target, (agent, customer) in (("relay", relay_pair), ("bare", bare_pair)):
            await relay_load.throughput(
                agent, customer, messages=20, size=size, data_kind=target == "relay"
            )
        for i in range(rounds):
            order = ("relay", "bare") if i % 2 == 0 else ("bare", "relay")
            for target in order:
                agent, customer = relay_pair if target == "relay" else bare_pair
                rate = await relay_load.throughput(
                    agent, customer, messages=messages, size=size, data_kind=target == "relay"
                )
                out[target].append(rate)
    finally:
        for task in drains:
            task.cancel()
        for agent, customer in (relay_pair, bare_pair):
            agent.transport.abort()
            customer.transport.abort()
    return out


async def _drain(ws: Any) -> None:
    """Read what comes back to a sender (Congestion notes), so it never blocks the relay."""
    async for _ in ws:
        pass


def bench_throughput(work: Path, *, rounds: int, messages: int, size: int) -> dict[str, Any]:
    with children() as kids:
        relay = Relay(work / "relay-tp", env={**NO_IP_LIMITS, **NO_BANDWIDTH_CAP})
        kids.append(relay)
        fwd, fwd_url = _forwarder(work)
        kids.append(fwd)
        token = add_agent(work / "relay-tp")
        rates = asyncio.run(
            _throughput_rounds(
                relay.url, token, fwd_url, rounds=rounds, messages=messages, size=size
            )
        )
    relay_mb = statistics.median(rates["relay"]) / 1e6
    bare_mb = statistics.median(rates["bare"]) / 1e6
    return {
        "throughput_ratio": round(relay_mb / bare_mb, 3),
        "relay_mb_per_s": round(relay_mb, 1),
        "bare_mb_per_s": round(bare_mb, 1),
        "relay_mb_per_s_rounds": [round(r / 1e6, 1) for r in rates["relay"]],
        "bare_mb_per_s_rounds": [round(r / 1e6, 1) for r in rates["bare"]],
        "message_bytes": size,
        "messages_per_round": messages,
    }


# ---------------------------------------------------------------- many sessions


def _load_phase(
    target: str,
    url: str,
    token: str,
    load: Load,
    work: Path,
    watch: dict[str, int],
    *,
    urls: list[tuple[str, str]] | None = None,
    name: str = "",
) -> dict[str, Any]:
    """One phase of the sessions load. ``urls``: per load process, where its agents create
    and where its customers join (a cluster's nodes); default ``url`` for both."""
    n_procs, sessions = load.procs, load.sessions
    per = [sessions // n_procs + (1 if i < sessions % n_procs else 0) for i in range(n_procs)]
    with children() as kids:
        for i, n in enumerate(per):
            here, there = urls[i % len(urls)] if urls else (url, url)
            kids.append(
                Child(
                    f"load-{name or target}-{i}",
                    [
                        sys.executable,
                        "-m",
                        "bench.relay_load",
                        "--target",
                        target,
                        "--url",
                        here,
                        "--join-url",
                        there,
                        "--token",
                        token,
                        "--sessions",
                        str(n),
                        "--rate",
                        str(load.rate),
                        "--size",
                        str(load.size),
                        "--warmup",
                        str(load.warmup),
                        "--seconds",
                        str(load.seconds),
                    ],  # fmt: skip
                    stdin=True,
                    log=work / f"load-{name or target}-{i}.log",
                )
            )
        for kid in kids:
            kid.wait_line("^ready$", 180)
        pids = {**watch, **{kid.name: kid.pid for kid in kids}}
        with Sampler(pids) as sampler:
            for kid in kids:
                kid.send("go")
            start = time.time_ns() + round(load.warmup * 1e9)
            deadline = load.warmup + load.seconds + 60
            results = [json.loads(kid.wait_line(r"^\{", deadline).string) for kid in kids]
            end = time.time_ns()
    latencies = sorted(x for r in results for x in r["latencies_ms"])
    sent = sum(r["sent"] for r in results)
    received = sum(r["received"] for r in results)
    out: dict[str, Any] = {
        "sent": sent,
        "received": received,
        "messages_per_s": round(received / load.seconds, 1),
        **_pcts(latencies),
    }
    for name in watch:
        share = sampler.cpu_pct(name, start, end)
        out[f"{name}_cpu_pct"] = None if share is None else round(share, 1)
    load_cpu = [sampler.cpu_pct(k.name, start, end) for k in kids]
    out["load_cpu_pct"] = round(sum(x for x in load_cpu if x is not None), 1)
    return out


def _pcts(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}

    def rank(p: float) -> float:
        return round(values[min(len(values), max(1, round(p / 100 * len(values)))) - 1], 2)

    return {"p50_ms": rank(50), "p95_ms": rank(95), "p99_ms": rank(99), "max_ms": rank(100)}


def bench_sessions(work: Path, load: Load, *, rounds: int = 1) -> dict[str, Any]:
    """``rounds`` rounds of the three phases, each round in a rotated order, against one
    relay and one forwarder kept up throughout; the figures are medians over the rounds
    (min–max in ``*_rounds``), and ``phases`` holds each phase's medians."""
    rounds_out: list[dict[str, dict[str, Any]]] = []
    with children() as kids:
        fwd, fwd_url = _forwarder(work)
        kids.append(fwd)
        relay = Relay(work / "relay-sessions", env=NO_IP_LIMITS)
        kids.append(relay)
        token = add_agent(work / "relay-sessions")
        order = ["direct", "bare", "relay"]
        for i in range(rounds):
            phases: dict[str, dict[str, Any]] = {}
            for target in order[i % 3 :] + order[: i % 3]:
                if target == "direct":
                    phases[target] = _load_phase("direct", "", "", load, work, {})
                elif target == "bare":
                    phases[target] = _load_phase(
                        "bare", fwd_url, "", load, work, {"forwarder": fwd.pid}
                    )
                else:
                    phases[target] = _load_phase(
                        "relay", relay.url, token, load, work, {"relay": relay.pid}
                    )
            rounds_out.append(phases)

    def added(phases: dict[str, dict[str, Any]], target: str, key: str) -> float | None:
        there, direct = phases[target][key], phases["direct"][key]
        if there is None or direct is None:
            return None
        return round(float(there) - float(direct), 2)

    def median(values: list[float | None]) -> float | None:
        kept = [v for v in values if v is not None]
        return round(statistics.median(kept), 2) if kept else None

    p99_added = [added(r, "relay", "p99_ms") for r in rounds_out]
    bare_added = [added(r, "bare", "p99_ms") for r in rounds_out]
    summary: dict[str, dict[str, Any]] = {}
    for target in order:
        keys = [k for k, v in rounds_out[0][target].items() if isinstance(v, (int, float))]
        summary[target] = {k: median([r[target][k] for r in rounds_out]) for k in keys}
    return {
        "sessions": load.sessions,
        "p99_added_ms": median(p99_added),
        "p99_added_ms_rounds": p99_added,
        "p50_added_ms": median([added(r, "relay", "p50_ms") for r in rounds_out]),
        "bare_p99_added_ms": median(bare_added),
        "bare_p99_added_ms_rounds": bare_added,
        "load": dataclasses.asdict(load),
        "phases": summary,
        "rounds": rounds_out,
    }


# ---------------------------------------------------------------- idle connections


async def _open_idle(url: str, count: int, into: list[Any]) -> None:
    async def one() -> None:
        ws = await connect(
            url, compression=None, open_timeout=60, ping_interval=None, ssl=client_ssl(url)
        )
        await ws.send(Hello(PROTOCOL_VERSION, Role.CUSTOMER, "bench-idle").serialize())
        async with asyncio.timeout(60):
            await ws.recv()  # Welcome
        into.append(ws)

    for start in range(0, count, 50):
        await asyncio.gather(*(one() for _ in range(start, min(count, start + 50))))


async def _idle(relay: Relay, count: int) -> dict[str, Any]:
    held: list[Any] = []
    await _open_idle(relay.url, 20, held)  # warm the code paths and allocator
    for ws in held:
        await ws.close()
    held.clear()
    await asyncio.sleep(1.0)
    before = rss_bytes(relay.pid)
    await _open_idle(relay.url, count // 2, held)
    await asyncio.sleep(1.0)
    half = rss_bytes(relay.pid)
    await _open_idle(relay.url, count - count // 2, held)
    await asyncio.sleep(1.0)
    after = rss_bytes(relay.pid)
    for ws in held:
        ws.transport.abort()
    return {
        "idle_conn_kb": round((after - before) / count / 1024, 1),
        "idle_conn_kb_second_half": round((after - half) / (count - count // 2) / 1024, 1),
        "idle_connections": count,
        "relay_rss_mb_before": round(before / 2**20, 1),
        "relay_rss_mb_after": round(after / 2**20, 1),
    }


def bench_idle(work: Path, *, count: int) -> dict[str, Any]:
    with children() as kids:
        relay = Relay(work / "relay-idle", env=NO_IP_LIMITS)
        kids.append(relay)
        return asyncio.run(_idle(relay, count))


def run(work: Path, *, quick: bool = False) -> dict[str, Any]:
    """All three parts; ``quick`` shortens them (fewer rounds, shorter phases)."""
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    t = time.monotonic()
    rounds, messages = (3, 1000) if quick else (7, 2000)
    out.update(bench_throughput(work, rounds=rounds, messages=messages, size=1 << 18))
    out["throughput_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    out.update(bench_sessions(work, Load(seconds=5.0 if quick else 12.0), rounds=1 if quick else 5))
    out["sessions_s"] = round(time.monotonic() - t, 1)
    out.update(bench_idle(work, count=200 if quick else 500))
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(Path(tmp), quick=quick), indent=2))


if __name__ == "__main__":
    main()
