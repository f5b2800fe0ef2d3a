"""Rooms: one customer, several helpers, on the typing and scrolling workloads.

Each round runs three set-ups back to back, on the same Xvfb screen and relay
build, all processes real (relay over ``wss://``, headless apps):

* **one helper** — the lead and one invited colleague;
* **four helpers** — the lead and four colleagues;
* **four, one slow** — the same, but the fourth colleague reads through a TCP
  proxy that passes at most 50 KB/s towards it (the others are untouched);
* **one / four, split cores** — the first two again with the customer's side
  (its app, the workload window, Xvfb) kept on CPU 0 and the desk's side (relay,
  lead, colleagues) on CPU 1, as if they were separate machines. On a 2-core
  machine the shared set-ups put five decoders beside the customer's capture
  thread; the split ones show how much of the four-helper figure is that.

While each workload runs, the CPU time of every process (:class:`bench.procs.Sampler`)
and how busy the whole machine was (``/proc/stat``) are recorded.

Every colleague runs ``assist-agent --headless --wait-invite`` with ``--probe``
on the workload's marker, so each one's input-to-display latency and frame rate
come from its own decoded frames (:mod:`bench.probe`). Reported per workload,
medians over rounds with min–max: the one-helper p95, the worst helper's p95
with four and its ratio to the one-helper figure (target ≤ 1.25×), the same
ratio with split cores, and the unthrottled helpers' frame rate with one slow
colleague against without (target within 10 %).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import probe
from bench.procs import Child, Relay, Sampler, add_agent, children, pin
from bench.screen_bench import Plan, type_text
from bench.xserver import server_pid
from tools.procs import command

#: The slow colleague's link, bytes per second towards it.
SLOW_BYTES_PER_S = 50_000
WORKLOADS = ("typing", "scrolling")


class Throttle:
    """A TCP proxy on loopback that passes at most ``rate`` bytes a second from the
    relay towards the client (TLS goes through untouched, end to end)."""

    def __init__(self, upstream_port: int, rate: int) -> None:
        self.upstream_port = upstream_port
        self.rate = rate
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="throttle", daemon=True)

    def __enter__(self) -> Throttle:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, rate: int) -> None:
            try:
                while data := await src.read(4096 if rate else 65536):
                    dst.write(data)
                    await dst.drain()
                    if rate:
                        await asyncio.sleep(len(data) / rate)
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer, 0), pipe(up_reader, writer, self.rate))


class MachineBusy:
    """How busy all the machine's cores were over a block, from ``/proc/stat``
    (percent of every core together: 100 means no core was ever idle)."""

    busy_pct: float | None = None

    @staticmethod
    def _times() -> tuple[int, int]:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]) - idle, sum(fields[:8])

    def __enter__(self) -> MachineBusy:
        self._start = self._times()
        return self

    def __exit__(self, *exc: object) -> None:
        (busy0, total0), (busy1, total1) = self._start, self._times()
        if total1 > total0:
            self.busy_pct = round(100.0 * (busy1 - busy0) / (total1 - total0), 1)


@dataclasses.dataclass(frozen=True)
class Setup:
    name: str
    helpers: int
    slow: bool = False
    #: The customer's side (its app, the screen, the workload window) on one core and
    #: the desk's (relay, agents) on the other, as on separate machines.
    split: bool = False


SETUPS = (Setup("one", 1), Setup("four", 4), Setup("four_one_slow", 4, slow=True))
SPLIT_SETUPS = (Setup("one_split", 1, split=True), Setup("four_split", 4, split=True))
CUSTOMER_SIDE = frozenset({"customer", "window", "xvfb"})
CUSTOMER_CPUS, DESK_CPUS = {0}, {1}


def helper_numbers(
    kind: str, log: dict[str, Any], sends: list[int], stats: dict[str, Any]
) -> dict[str, Any]:
    """One colleague's frame rate and input-to-display latency (as the screen bench)."""
    events = [probe.Event(seq, start, end) for seq, start, end in log["events"]]
    if sends:
        events = [
            dataclasses.replace(e, cause=sends[e.seq - 1]) if 1 <= e.seq <= len(sends) else e
            for e in events
        ]
    observations = [
        probe.Observation(t, probe.parse_hex(colour), frames)
        for t, colour, frames in stats.get("probe", {}).get("changes", [])
    ]
    matched = probe.match(events, observations)
    by_seq = {e.seq: e for e in events}
    last = max(by_seq)
    warm = 0 if kind == "typing" else round(1e9)
    start, end = by_seq[1].start + warm, by_seq[last].end
    seqs = [s for s in by_seq if s >= 1 and start <= by_seq[s].start]
    since = "cause" if kind == "typing" else "end"
    inp = probe.percentiles(matched.latencies_ms(since, seqs))
    rate = matched.frame_rate(start, end + round(0.5e9))
    return {
        "fps": round(rate[0], 2) if rate else None,
        "input_ms_p50": inp["p50"],
        "input_ms_p95": inp["p95"],
        "missed": matched.missed(seqs),
        "frames": stats.get("frames"),
    }


def run_setup(kind: str, setup: Setup, plan: Plan, display: str, work: Path) -> dict[str, Any]:
    """One set-up of one workload: the lead invites ``setup.helpers`` colleagues."""
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "window.json"
    budget = plan.seconds + 90
    sends: list[int] = []
    names = [f"helper{i}" for i in range(1, setup.helpers + 1)]
    with children() as kids, contextlib.ExitStack() as stack:
        relay = Relay(work / "relay")
        kids.append(relay)
        lead_token = add_agent(work / "relay", "lead")
        tokens = {n: add_agent(work / "relay", n) for n in names}
        slow_url = None
        if setup.slow:
            port = int(relay.url.rsplit(":", 1)[1])
            throttle = stack.enter_context(Throttle(port, SLOW_BYTES_PER_S))
            slow_url = relay.url.rsplit(":", 1)[0] + f":{throttle.port}"
        helpers = {}
        for i, name in enumerate(names):
            url = slow_url if slow_url is not None and i == len(names) - 1 else relay.url
            home = work / name
            helpers[name] = Child(
                name,
                command("assist-agent", "assist_agent.main")
                + [
                    "--headless",
                    "--relay",
                    url,
                    "--token",
                    tokens[name],
                    "--wait-invite",
                    "60",
                    "--duration",
                    str(budget),
                    "--stats",
                    str(home / "stats.json"),
                    "--probe",
                    ",".join(map(str, probe.PROBE_RECT)),
                ],  # fmt: skip
                env={
                    "XDG_CONFIG_HOME": str(home / "config"),
                    "XDG_DATA_HOME": str(home / "data"),
                    "ASSIST_LANG": "en",
                    "QT_QPA_PLATFORM": "offscreen",
                },
                log=work / f"{name}.log",
            )
            kids.append(helpers[name])
        for child in helpers.values():
            child.wait_line("^desk: signed in", 30)
        lead_home = work / "lead"
        invites = [arg for n in names for arg in ("--invite", n)]
        lead = Child(
            "lead",
            command("assist-agent", "assist_agent.main")
            + [
                "--headless",
                "--relay",
                relay.url,
                "--token",
                lead_token,
                "--duration",
                str(budget),
                "--stats",
                str(lead_home / "stats.json"),
                "--probe",
                ",".join(map(str, probe.PROBE_RECT)),
                *invites,
            ],  # fmt: skip
            env={
                "XDG_CONFIG_HOME": str(lead_home / "config"),
                "XDG_DATA_HOME": str(lead_home / "data"),
                "ASSIST_LANG": "en",
                "QT_QPA_PLATFORM": "offscreen",
            },
            log=work / "lead.log",
        )
        kids.append(lead)
        code = lead.wait_line(r"^code: (\S+)", 30).group(1)
        window = Child(
            "window",
            [
                sys.executable,
                "-m",
                "bench.workloads",
                kind,
                "--log",
                str(log_path),
                "--seconds",
                str(0 if kind == "typing" else plan.seconds),
                "--probes",
                str(plan.probes),
                "--probe-gap",
                str(plan.probe_gap_s),
                "--step-px",
                str(plan.step_px),
                "--step-hz",
                str(plan.step_hz),
                "--fps",
                str(plan.motion_fps),
            ],  # fmt: skip
            env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            stdin=True,
            log=work / "window.log",
        )
        kids.append(window)
        window.wait_line("^ready$", 60)
        customer_home = work / "customer"
        customer = Child(
            "customer",
            command("assist-client", "assist_client.main")
            + [
                "--headless",
                "--relay",
                relay.url,
                "--code",
                code,
                "--consent",
                "--duration",
                str(budget),
                "--helpers",
                "allow",
            ],  # fmt: skip
            env={
                "XDG_CONFIG_HOME": str(customer_home / "config"),
                "XDG_DATA_HOME": str(customer_home / "data"),
                "DISPLAY": display,
                "ASSIST_LANG": "en",
            },
            log=work / "customer.log",
        )
        kids.append(customer)
        customer.wait_line(r"^state: sharing", 60)
        for child in helpers.values():
            child.wait_line(r"^joined: member", 60)
        pids = {"relay": relay.pid, "customer": customer.pid, "window": window.pid}
        pids |= {"lead": lead.pid} | {n: c.pid for n, c in helpers.items()}
        if (xvfb := server_pid(display)) is not None:
            pids["xvfb"] = xvfb

        def pin_sides() -> None:
            for name, pid in pids.items():
                pin(pid, CUSTOMER_CPUS if name in CUSTOMER_SIDE else DESK_CPUS)

        if setup.split:
            pin_sides()
        time.sleep(plan.warmup_s)
        if setup.split:
            pin_sides()  # and the threads started meanwhile
        with Sampler(pids) as sampler, MachineBusy() as machine:
            window.send("go")
            window.wait_line("^started$", 10)
            began = time.time_ns()
            if kind == "typing":
                sends = type_text(display, plan)
                time.sleep(0.3)
                window.send("stop")
            window.wait_line("^frozen$", plan.seconds + plan.probes * plan.probe_gap_s + 60)
            ended = time.time_ns()
        time.sleep(plan.settle_s)
        for child in [lead, *helpers.values()]:
            child.signal(2)  # SIGINT: end (the lead) or leave (a colleague), write stats
        for child in [lead, *helpers.values()]:
            child.wait(30)
        customer.wait(15)
    log = json.loads(log_path.read_text())
    cpu = {name: sampler.cpu_pct(name, began, ended) for name in pids}
    out: dict[str, Any] = {
        "helpers": {},
        "cpu_pct": {k: round(v, 1) for k, v in cpu.items() if v is not None},
        "machine_busy_pct": machine.busy_pct,
    }
    for name in names:
        stats_file = work / name / "stats.json"
        if stats_file.exists():
            out["helpers"][name] = helper_numbers(
                kind, log, sends, json.loads(stats_file.read_text())
            )
    return out


def _median(values: list[float]) -> dict[str, Any]:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "n": len(values),
    }


def run(
    display: str,
    work: Path,
    *,
    rounds: int = 5,
    seconds: float = 10.0,
    workloads: tuple[str, ...] = WORKLOADS,
) -> dict[str, Any]:
    """Every workload, ``rounds`` rounds of the three set-ups; medians with min–max."""
    plan = Plan(seconds)
    result: dict[str, Any] = {"rounds": rounds, "seconds": seconds, "workloads": {}}
    for kind in workloads:
        one_p95, four_worst, ratio, fps_free, fps_slowed, fps_ratio = [], [], [], [], [], []
        split_one, split_four, split_ratio = [], [], []
        busy: dict[str, list[float]] = {s.name: [] for s in (*SETUPS, *SPLIT_SETUPS)}
        customer_cpu: dict[str, list[float]] = {s.name: [] for s in (*SETUPS, *SPLIT_SETUPS)}
        raw = []
        for r in range(rounds):
            got = {}
            for setup in (*SETUPS, *SPLIT_SETUPS):
                try:
                    got[setup.name] = run_setup(
                        kind, setup, plan, display, work / f"{kind}-{r}-{setup.name}"
                    )
                except Exception as exc:  # noqa: BLE001 - one broken run must not lose the rest
                    got[setup.name] = {"error": f"{type(exc).__name__}: {exc}", "helpers": {}}
            raw.append(got)
            for name, run_ in got.items():
                if run_.get("machine_busy_pct") is not None:
                    busy[name].append(run_["machine_busy_pct"])
                if run_.get("cpu_pct", {}).get("customer") is not None:
                    customer_cpu[name].append(run_["cpu_pct"]["customer"])
            one = [h["input_ms_p95"] for h in got["one_split"]["helpers"].values()]
            four = [h["input_ms_p95"] for h in got["four_split"]["helpers"].values()]
            if one and one[0] and len(four) == 4 and all(four):
                split_one.append(one[0])
                split_four.append(max(four))
                split_ratio.append(max(four) / one[0])
            one = [h["input_ms_p95"] for h in got["one"]["helpers"].values()]
            four = [h["input_ms_p95"] for h in got["four"]["helpers"].values()]
            if one and one[0] and len(four) == 4 and all(four):
                one_p95.append(one[0])
                four_worst.append(max(four))
                ratio.append(max(four) / one[0])
            free = [got["four"]["helpers"].get(f"helper{i}", {}).get("fps") for i in (1, 2, 3)]
            slow = [
                got["four_one_slow"]["helpers"].get(f"helper{i}", {}).get("fps") for i in (1, 2, 3)
            ]
            if all(free) and all(slow):
                fps_free.append(statistics.median(free))  # type: ignore[type-var]
                fps_slowed.append(statistics.median(slow))  # type: ignore[type-var]
                fps_ratio.append(statistics.median(slow) / statistics.median(free))  # type: ignore[type-var,operator]
        result[f"{kind}_p95_ratio"] = _median(ratio)["median"]
        result[f"{kind}_fps_ratio"] = _median(fps_ratio)["median"]
        result[f"{kind}_split_p95_ratio"] = _median(split_ratio)["median"]
        result["workloads"][kind] = {
            "one_helper_input_ms_p95": _median(one_p95),
            "four_helpers_worst_input_ms_p95": _median(four_worst),
            "four_to_one_p95_ratio": _median(ratio),
            "others_fps_unthrottled": _median(fps_free),
            "others_fps_one_slow": _median(fps_slowed),
            "others_fps_ratio": _median(fps_ratio),
            "split_one_helper_input_ms_p95": _median(split_one),
            "split_four_helpers_worst_input_ms_p95": _median(split_four),
            "split_four_to_one_p95_ratio": _median(split_ratio),
            "machine_busy_pct": {k: _median(v) for k, v in busy.items()},
            "customer_cpu_pct": {k: _median(v) for k, v in customer_cpu.items()},
            "runs": raw,
        }
    return result


@contextlib.contextmanager
def _display() -> Iterator[str]:
    from bench.xserver import running_xvfb

    with running_xvfb() as display:
        yield display


def main() -> None:
    import argparse
    import tempfile

    from bench import procs

    p = argparse.ArgumentParser(description="rooms: one customer, several helpers")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--workload", choices=WORKLOADS, action="append", help="default: all")
    p.add_argument("--json", type=Path, help="write the whole result, every run, here")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="assist-rooms-"))
    procs.use_tls(work)
    with _display() as display:
        result = run(
            display,
            work,
            rounds=args.rounds,
            seconds=args.seconds,
            workloads=tuple(args.workload or WORKLOADS),
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    summary = {
        k: {m: v for m, v in w.items() if m != "runs"} for k, w in result["workloads"].items()
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
