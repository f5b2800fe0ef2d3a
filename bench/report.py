"""The targets, the machine, and the results as JSON and as Markdown tables.

:data:`TARGETS` is the one list of the issue's targets; :func:`check` says
where each stands, :func:`markdown` renders the tables that go into
``docs/performance.md`` between the ``bench:begin``/``bench:end`` markers
(:func:`update_docs`).
"""

from __future__ import annotations

import dataclasses
import operator
import os
import platform
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DOCS_BEGIN = "<!-- bench:begin (written by `make bench`; edit bench/report.py instead) -->"
DOCS_END = "<!-- bench:end -->"
WORKLOADS = ("static", "typing", "scrolling", "windowmove", "motion")
#: The reference viewer's CPU share below which it kept up with x11vnc (see ratios()).
VIEWER_KEPT_UP_PCT = 50.0


@dataclasses.dataclass(frozen=True)
class Target:
    where: str  # a workload, "relay", "messages", "identity" or "cluster"
    key: str
    op: str  # "<=" or ">="
    limit: float
    text: str
    unit: str = ""

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        compare: Callable[[float, float], bool] = operator.le if self.op == "<=" else operator.ge
        return compare(value, self.limit)


TARGETS = (
    Target("typing", "input_latency_ms_p50", "<=", 20, "input-to-display p50 ≤ 20 ms", "ms"),
    Target("typing", "input_latency_ms_p95", "<=", 40, "input-to-display p95 ≤ 40 ms", "ms"),
    Target("typing", "bytes_per_s", "<=", 15_000, "≤ 15 KB/s", "B/s"),
    Target("typing", "psnr_db", ">=", 40, "text lossless or PSNR ≥ 40 dB", "dB"),
    Target("scrolling", "fps", ">=", 30, "≥ 30 fps", "fps"),
    Target("scrolling", "bytes_per_s", "<=", 250_000, "≤ 250 KB/s", "B/s"),
    Target("scrolling", "psnr_db", ">=", 40, "PSNR ≥ 40 dB", "dB"),
    Target("static", "bytes_per_s", "<=", 1_000, "≤ 1 KB/s", "B/s"),
    Target("static", "client_cpu_pct", "<=", 0.5, "customer ≤ 0.5 % of one core", "%"),
    Target("motion", "fps", ">=", 30, "≥ 30 fps", "fps"),
    Target("motion", "input_latency_ms_p95", "<=", 100, "p95 latency ≤ 100 ms", "ms"),
    Target("motion", "client_cpu_pct", "<=", 100, "customer CPU ≤ 1 core", "%"),
    Target(
        "motion",
        "input_latency_trend_ms",
        "<=",
        50,
        "no growing backlog: last third's median latency ≤ first third's + 50 ms",
        "ms",
    ),
    Target(
        "motion",
        "relay_queued_bytes_peak",
        "<=",
        1 << 20,
        "… and the relay's queue stays below congestion level 1 (1 MiB)",
        "B",
    ),
    Target(
        "ratios",
        "typing_cpu_vs_x11vnc",
        "<=",
        1.5,
        "typing: customer CPU ≤ 1.5× x11vnc's (default pacing), same run",
        "×",
    ),
    Target(
        "ratios",
        "typing_agent_vs_customer_cpu",
        "<=",
        1.0,
        "typing: the agent's CPU ≤ the customer's",
        "×",
    ),
    Target(
        "ratios",
        "typing_bytes_vs_best",
        "<=",
        1.0,
        "typing: bytes ≤ x11vnc's best lossless encoding",
        "×",
    ),
    Target(
        "ratios",
        "windowmove_cpu_vs_x11vnc",
        "<=",
        1.5,
        "window move: customer CPU ≤ 1.5× x11vnc's (default pacing), same run",
        "×",
    ),
    Target(
        "ratios",
        "windowmove_agent_vs_customer_cpu",
        "<=",
        1.0,
        "window move: the agent's CPU ≤ the customer's",
        "×",
    ),
    Target(
        "ratios",
        "windowmove_bytes_vs_best",
        "<=",
        1.0,
        "window move: bytes ≤ x11vnc's best lossless encoding",
        "×",
    ),
    Target(
        "ratios",
        "scrolling_cpu_vs_x11vnc",
        "<=",
        1.5,
        "scrolling: customer CPU ≤ 1.5× x11vnc's (default pacing), same run",
        "×",
    ),
    Target(
        "ratios",
        "scrolling_agent_vs_customer_cpu",
        "<=",
        1.0,
        "scrolling: the agent's CPU ≤ the customer's",
        "×",
    ),
    Target(
        "ratios",
        "scrolling_bytes_vs_best",
        "<=",
        1.0,
        "scrolling: bytes ≤ x11vnc's best lossless encoding",
        "×",
    ),
    Target(
        "ratios",
        "typing_latency_vs_tuned",
        "<=",
        1.0,
        "typing: key→picture p50 no slower than x11vnc -wait 5 -defer 5",
        "×",
    ),
    Target(
        "video",
        "psnr_moving_min",
        ">=",
        32,
        "motion: PSNR ≥ 32 dB on every frame while it moves (real frames of the workload)",
        "dB",
    ),
    Target(
        "video",
        "psnr_after_refine",
        ">=",
        45,
        "… and ≥ 45 dB (or lossless) once it stops (the refinement 0.3 s after)",
        "dB",
    ),
    Target("relay", "throughput_ratio", ">=", 0.9, "throughput ≥ 0.9× bare forwarder", "×"),
    Target("relay", "sessions", ">=", 200, "200 paired sessions at 10 msg/s × 20 KB", ""),
    Target("relay", "p99_added_ms", "<=", 5, "… with relay-added p99 ≤ 5 ms", "ms"),
    Target(
        "relay",
        "idle_conn_kb",
        "<=",
        128,
        "≤ 128 KB per idle wss:// connection (TLS state + a 64 KiB read buffer)",
        "KB",
    ),
    Target(
        "messages",
        "motion_frame_parse_ratio",
        "<=",
        2,
        "parsing and checking a 240 KB motion frame ≤ 2× bare msgpack lists",
        "×",
    ),
    Target(
        "identity",
        "identity_ms",
        "<=",
        5,
        "verified identity adds ≤ 5 ms to session set-up (sign, send, parse, check)",
        "ms",
    ),
    Target(
        "rooms",
        "typing_p95_ratio",
        "<=",
        1.25,
        "1 customer → 4 helpers, typing: each helper's input-to-display p95 ≤ 1.25× one helper's",
        "×",
    ),
    Target(
        "rooms",
        "scrolling_p95_ratio",
        "<=",
        1.25,
        "… scrolling: each helper's p95 ≤ 1.25× one helper's",
        "×",
    ),
    Target(
        "rooms",
        "typing_fps_ratio",
        ">=",
        0.9,
        "one helper at 50 KB/s: the others' frame rate, typing, within 10 % of unthrottled",
        "×",
    ),
    Target(
        "rooms",
        "scrolling_fps_ratio",
        ">=",
        0.9,
        "… scrolling, within 10 %",
        "×",
    ),
    Target(
        "control",
        "rtt_p50_ms",
        "<=",
        60,
        "remote control: the agent's keystroke → the character visible at the agent, p50",
        "ms",
    ),
    Target(
        "control",
        "file_mb_per_s",
        ">=",
        30,
        "a 100 MB file to the customer while the screen moves",
        "MB/s",
    ),
    Target(
        "control",
        "fps_during_file",
        ">=",
        20,
        "… the agent's frames per second meanwhile",
        "fps",
    ),
    Target(
        "cluster",
        "cross_rtt_ratio",
        "<=",
        1.1,
        "joined through another node: the data path's round trip within 1.1× one node's",
        "×",
    ),
    Target(
        "cluster",
        "three_nodes_lost",
        "<=",
        0,
        "three nodes × 200 paired sessions: no message lost, no error",
        "",
    ),
    Target(
        "cluster",
        "three_nodes_p99_added_ms",
        "<=",
        20,
        "… relay-added p99 ≤ 20 ms",
        "ms",
    ),
    Target(
        "cluster",
        "cpu_per_session_ratio",
        "<=",
        1.3,
        "… relay CPU per session ≤ 1.3× the same load on one node",
        "×",
    ),
    Target(
        "cluster",
        "failover_s_p95",
        "<=",
        5,
        "SIGKILL of a session's node to messages flowing again, p95 of 10 runs ≤ 5 s",
        "s",
    ),
    Target(
        "desk_load",
        "update_p99_ms",
        "<=",
        1000,
        "500 waiting, 50 agents: position updates reach customers p99 ≤ 1 s",
        "ms",
    ),
    Target("desk_load", "take_p99_ms", "<=", 100, "… Take next p99 ≤ 100 ms", "ms"),
    Target(
        "desk_load_cluster",
        "update_p99_ms",
        "<=",
        1000,
        "the same on three nodes: position updates p99 ≤ 1 s",
        "ms",
    ),
    Target("desk_load_cluster", "take_p99_ms", "<=", 100, "… Take next p99 ≤ 100 ms", "ms"),
    Target(
        "console",
        "reports_p95_s",
        "<=",
        1.0,
        "reports over 1,000,000 contacts in PostgreSQL, p95 ≤ 1 s",
        "s",
    ),
    Target(
        "console",
        "live_desk_cost_pct",
        "<=",
        5.0,
        "the live desk open by 50 supervisors costs the relay ≤ 5 % of a core",
        "%",
    ),
    Target(
        "console",
        "webhook_drained",
        ">=",
        1,
        "a backlog of 10,000 webhook deliveries drains (the session's p99 beside it)",
        "",
    ),
)


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and OS of this machine, and its load right now."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_gib = round(int(found.group(1)) / 2**20, 1) if found else None
    except OSError:
        pass
    os_name = platform.platform()
    try:
        release = Path("/etc/os-release").read_text()
        m = re.search(r'^PRETTY_NAME="?([^"\n]+)', release, re.M)
        if m:
            os_name = f"{m.group(1)}, Linux {platform.release()}"
    except OSError:
        pass
    cores = os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    python = platform.python_version()
    summary = (
        f"{cores} cores ({model or 'unknown CPU'}), {mem_gib} GiB RAM, Python {python}, {os_name}"
    )
    return {
        "summary": summary,
        "cores": cores,
        "cpu_model": model,
        "memory_gib": mem_gib,
        "python": python,
        "os": os_name,
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
        "executable": sys.executable,
    }


def check(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it is met (None: not measured)."""
    out = []
    for t in TARGETS:
        if t.where in (
            "ratios",
            "video",
            "relay",
            "messages",
            "identity",
            "cluster",
            "rooms",
            "control",
            "desk_load",
            "desk_load_cluster",
            "console",
        ):
            section = results.get(t.where) or {}
        else:
            section = results["workloads"].get(t.where, {})
        value = section.get(t.key) if section else None
        out.append(
            {
                "where": t.where,
                "key": t.key,
                "target": f"{t.op} {t.limit:g}",
                "text": t.text,
                "value": value,
                "met": t.met(value),
            }
        )
    return out


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit == "B/s":
        if value >= 1e6:
            return f"{value / 1e6:.2f} MB/s"
        return f"{value / 1000:.1f} KB/s" if value >= 100 else f"{value:.0f} B/s"
    if unit == "B":
        return f"{value / 1024:.0f} KiB" if value >= 1024 else f"{value:.0f} B"
    if unit == "dB" and value >= 100:
        return "lossless"
    if isinstance(value, float):
        text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    else:
        text = str(value)
    if unit == "×":
        return f"{text}×"
    return f"{text} {unit}" if unit else text


def markdown(results: dict[str, Any]) -> str:
    """The machine, the workload table, the relay table and the targets table."""
    m = results["machine_detail"]
    lines = [
        f"Measured {results.get('generated', '')} on {m['summary']}; "
        f"load average at start {m.get('load_average_at_start')}. "
        f"Command: `{results.get('command', 'make bench')}`.",
        "",
        "| workload | fps | capture→display p50 / p95 | input→display p50 / p95 | "
        "bytes/s | customer CPU | relay CPU | PSNR |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in WORKLOADS:
        w = results["workloads"].get(name)
        if not w:
            continue
        if "error" in w:
            lines.append(f"| {name} | failed: {w['error']} |" + " |" * 6)
            continue
        lines.append(
            f"| {name} | {_fmt(w.get('fps'))} | "
            f"{_fmt(w.get('latency_ms_p50'))} / {_fmt(w.get('latency_ms_p95'))} ms | "
            f"{_fmt(w.get('input_latency_ms_p50'))} / {_fmt(w.get('input_latency_ms_p95'))} ms | "
            f"{_fmt(w.get('bytes_per_s'), 'B/s')} | {_fmt(w.get('client_cpu_pct'))} % | "
            f"{_fmt(w.get('relay_cpu_pct'))} % | {_fmt(w.get('psnr_db'), 'dB')} |"
        )
    repeated = {
        name: w["runs"]
        for name, w in results["workloads"].items()
        if w and len(w.get("runs", ())) > 1
    }
    if repeated:

        def spread(runs: list[dict[str, Any]], key: str) -> str:
            values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
            if not values:
                return "-"
            return f"{_fmt(min(values))}–{_fmt(max(values))}"

        lines += [
            "",
            f"Each row is the median of {max(len(r) for r in repeated.values())} runs. "
            "Min–max over the runs, fps / input→display p95 (ms) / customer CPU (%): "
            + "; ".join(
                f"{name} {spread(runs, 'fps')} / {spread(runs, 'input_latency_ms_p95')} / "
                f"{spread(runs, 'client_cpu_pct')}"
                for name, runs in repeated.items()
            )
            + ".",
        ]
    relay = results.get("relay") or {}
    if relay and "error" not in relay:
        phases = relay.get("phases", {})

        def delivery(phase: str) -> str:
            p = phases.get(phase, {})
            return f"{phase} {_fmt(p.get('p50_ms'))} / {_fmt(p.get('p99_ms'))} ms"

        relay_cpu = _fmt(phases.get("relay", {}).get("relay_cpu_pct"))
        lines += [
            "",
            "| relay | result |",
            "|---|---|",
            f"| throughput, {relay.get('message_bytes', 0) // 1024} KiB Data messages | "
            f"relay {_fmt(relay.get('relay_mb_per_s'))} MB/s "
            f"({_range(relay.get('relay_mb_per_s_rounds'))}), bare forwarder "
            f"{_fmt(relay.get('bare_mb_per_s'))} MB/s "
            f"({_range(relay.get('bare_mb_per_s_rounds'))}), medians of "
            f"{len(relay.get('relay_mb_per_s_rounds') or ())} rounds: "
            f"**{_fmt(relay.get('throughput_ratio'), '×')}** |",
            f"| {relay.get('sessions')} sessions × 10 msg/s × 20 KB: delivery p50 / p99 | "
            f"{delivery('direct')}, {delivery('bare')}, {delivery('relay')} |",
            f"| relay-added p99 (relay − direct) | **{_fmt(relay.get('p99_added_ms'))} ms** "
            f"({_range(relay.get('p99_added_ms_rounds'))}, "
            f"{len(relay.get('p99_added_ms_rounds') or ())} rounds; bare forwarder: "
            f"{_fmt(relay.get('bare_p99_added_ms'))} ms, "
            f"{_range(relay.get('bare_p99_added_ms_rounds'))}); "
            f"relay CPU {relay_cpu} % of one core |",
            f"| memory per idle connection ({relay.get('idle_connections')} after Hello) | "
            f"**{_fmt(relay.get('idle_conn_kb'))} KB** |",
        ]
    lines += _reference_table(results)
    lines += _video_line(results.get("video") or {})
    lines += _message_table(results.get("messages") or {})
    lines += _identity_line(results.get("identity") or {})
    lines += _cluster_table(results.get("cluster") or {})
    lines += _rooms_table(results.get("rooms") or {})
    lines += _control_table(results.get("control") or {})
    lines += _desk_table(results.get("desk") or {})
    lines += _desk_load_table(
        results.get("desk_load") or {}, results.get("desk_load_cluster") or {}
    )
    lines += _console_table(results.get("console") or {})
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    units = {(t.where, t.key): t.unit for t in TARGETS}
    for row in results.get("targets", []):
        mark = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        value = _fmt(row["value"], units[(row["where"], row["key"])])
        lines.append(f"| {row['where']}: {row['text']} | {value} | {mark} |")
    return "\n".join(lines) + "\n"


def _message_table(msgs: dict[str, Any]) -> list[str]:
    """Build+serialize and parse per message, against the bare msgpack codec."""
    if not msgs:
        return []
    if "error" in msgs:
        return ["", f"Messages: failed: {msgs['error']}"]
    lines = [
        "",
        f"Messages (`bench/message_bench.py`): µs per message, medians of {msgs['rounds']} "
        "rounds (min–max), and the ratio to bare msgpack lists of the same body in the "
        "same rounds.",
        "",
        "| message | bytes | build + serialize | × bare | parse + check | × bare |",
        "|---|---|---|---|---|---|",
    ]
    for name, c in msgs["cases"].items():
        lines.append(
            f"| {name} | {c['bytes']} | {_fmt(c['build_us'])} µs "
            f"({_range(c['build_us_rounds'])}) | {_fmt(c['build_ratio'], '×')} | "
            f"{_fmt(c['parse_us'])} µs ({_range(c['parse_us_rounds'])}) | "
            f"{_fmt(c['parse_ratio'], '×')} |"
        )
    return lines


def _identity_line(ident: dict[str, Any]) -> list[str]:
    if not ident:
        return []
    if "error" in ident:
        return ["", f"Identity: failed: {ident['error']}"]
    return [
        "",
        f"Verified identity (`bench/identity_bench.py`, medians of {ident['rounds']} rounds): "
        f"the agent signing and building `Identity` ({ident['identity_bytes']} bytes with "
        f"{ident['revoked_serials']} revoked serials) and the customer parsing and checking it "
        f"take **{_fmt(ident['identity_ms'])} ms** ({_range(ident['identity_ms_rounds'])}); "
        f"the PAKE both sides already run takes {_fmt(ident['pake_ms'])} ms "
        f"({_range(ident['pake_ms_rounds'])}): "
        f"{_fmt(ident['identity_to_pake_ratio'], '×')} of it.",
    ]


def _spread(m: dict[str, Any], unit: str = "") -> str:
    """A ``{"median", "min", "max"}`` figure as "median (min–max)"; "—" if not measured."""
    if not m or m.get("median") is None:
        return "—"
    return f"{_fmt(m['median'], unit)} ({_fmt(m['min'])}–{_fmt(m['max'])})"


def _control_table(r: dict[str, Any]) -> list[str]:
    """Remote control and file hand-over (bench/control_bench.py)."""
    if not r:
        return []
    if "error" in r:
        return ["", f"Control and files: failed: {r['error']}"]
    s = r.get("spread") or {}
    return [
        "",
        f"Remote control and files (`bench/control_bench.py`: the apps as processes over "
        f"`wss://`, a text window on the customer's 1920×1080 screen; {r.get('rounds')} "
        f"rounds, medians with min–max):",
        "",
        "| measure | value |",
        "|---|---|",
        f"| keystroke round trip (agent sends → character shown at the agent), p50 | "
        f"**{_spread(s.get('rtt_p50_ms', {}), 'ms')}** |",
        f"| … p95 | {_spread(s.get('rtt_p95_ms', {}), 'ms')} |",
        f"| 100 MB file to the customer while the whole screen moves | "
        f"**{_spread(s.get('file_mb_per_s', {}), 'MB/s')}** "
        f"({r.get('files_whole')} of {r.get('rounds')} arrived whole) |",
        f"| the agent's frames per second meanwhile | "
        f"**{_spread(s.get('fps_during_file', {}), 'fps')}** |",
    ]


def _rooms_table(r: dict[str, Any]) -> list[str]:
    """One customer and several helpers (bench/room_bench.py)."""
    if not r:
        return []
    if "error" in r:
        return ["", f"Rooms: failed: {r['error']}"]

    cell = _spread

    lines = [
        "",
        f"Rooms (`bench/room_bench.py`: one customer on the 1920×1080 screen, the lead and "
        f"1 or 4 invited helpers, each a headless agent decoding every frame; the slow one "
        f"reads through a 50 KB/s proxy; {r.get('rounds')} rounds of "
        f"{r.get('seconds'):g} s, medians with min–max):",
        "",
        "| workload | one helper: p95 | four: worst helper's p95 | ratio | others' fps: "
        "unthrottled / one slow | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for kind, w in (r.get("workloads") or {}).items():
        lines.append(
            f"| {kind} | {cell(w['one_helper_input_ms_p95'], 'ms')} | "
            f"{cell(w['four_helpers_worst_input_ms_p95'], 'ms')} | "
            f"**{cell(w['four_to_one_p95_ratio'], '×')}** | "
            f"{cell(w['others_fps_unthrottled'])} / {cell(w['others_fps_one_slow'])} | "
            f"**{cell(w['others_fps_ratio'], '×')}** |"
        )
    workloads = (r.get("workloads") or {}).items()
    split = [(kind, w) for kind, w in workloads if "split_four_to_one_p95_ratio" in w]
    if split:
        lines += [
            "",
            "Where the four-helper time goes: the whole machine's busy share and the "
            "customer's CPU (percent of one core) with one and with four helpers, and "
            "the p95 ratio again with the customer's side on CPU 0 and the desk's on "
            "CPU 1 (split cores, as if on separate machines):",
            "",
            "| workload | machine busy: one / four | customer CPU: one / four | split cores: "
            "one helper p95 / four worst | ratio |",
            "|---|---|---|---|---|",
        ]
        for kind, w in split:
            busy, cpu = w.get("machine_busy_pct", {}), w.get("customer_cpu_pct", {})
            lines.append(
                f"| {kind} | {cell(busy.get('one', {}), '%')} / "
                f"{cell(busy.get('four', {}), '%')} | "
                f"{cell(cpu.get('one', {}), '%')} / {cell(cpu.get('four', {}), '%')} | "
                f"{cell(w['split_one_helper_input_ms_p95'], 'ms')} / "
                f"{cell(w['split_four_helpers_worst_input_ms_p95'], 'ms')} | "
                f"{cell(w['split_four_to_one_p95_ratio'], '×')} |"
            )
    return lines


def _desk_table(d: dict[str, Any]) -> list[str]:
    """The help desk's wait estimate on simulated days (bench/desk_bench.py)."""
    if not d:
        return []
    if "error" in d:
        return ["", f"Help desk: failed: {d['error']}"]

    def cell(key: str, unit: str = "") -> str:
        return _spread(d.get(key) or {}, unit)

    return [
        "",
        f"Help desk (`bench/desk_bench.py`: the desk's own lobby on a fake clock, "
        f"{d.get('rounds')} simulated days 09:00–18:00 of two queues and {d.get('agents')} "
        "agents, arrivals to 85 % of capacity with two peaks, log-normal handle times, "
        "customers giving up; medians over days with min–max):",
        "",
        "| the estimate a customer saw on joining, against their wait | result |",
        "|---|---|",
        f"| customers a day: arrived / served / gave up | {cell('arrived')} / "
        f"{cell('served')} / {cell('gave_up')} |",
        f"| their wait, minutes: median / p90 | {cell('waited_min_median')} / "
        f"{cell('waited_min_p90')} |",
        f"| absolute error, minutes: median / p90 | **{cell('abs_error_min_median')}** / "
        f"**{cell('abs_error_min_p90')}** |",
        f"| mean error, minutes (negative: too short) | {cell('bias_min')} |",
        f"| the shown wait (rounded up to 1, 2, 3, 5, 10 … min) was not exceeded | "
        f"{cell('shown_not_exceeded_pct', '%')} |",
        f"| within ±2 minutes or ±25 % | {cell('within_2min_or_25pct', '%')} |",
    ]


def _console_table(c: dict[str, Any]) -> list[str]:
    """The records and the console under load (bench/console_bench.py)."""
    if not c:
        return []
    rep, live, hooks = c.get("reports") or {}, c.get("live_desk") or {}, c.get("webhooks") or {}
    lines = ["", "Records and console under load (`bench/console_bench.py`):", ""]
    lines += ["| measured | median (min–max) |", "|---|---|"]
    if "error" in rep:
        lines.append(f"| reports | failed: {rep['error']} |")
    elif rep:
        for name, q in (rep.get("queries") or {}).items():
            lines.append(
                f"| report over {rep.get('rows'):,} contacts: {name} ({q.get('n')} runs) | "
                f"{_spread(q, 's')} |"
            )
        lines.append(f"| … p95 of every report run | **{_fmt(rep.get('p95_s'), 's')}** |")
    if "error" in live:
        lines.append(f"| live desk | failed: {live['error']} |")
    elif live:
        lines += [
            f"| relay CPU, customers coming and going, nobody watching ({live.get('rounds')} "
            f"rounds of {live.get('seconds')} s) | "
            f"{_spread(live.get('relay_cpu_pct_unwatched') or {}, '%')} |",
            f"| … with {live.get('supervisors')} supervisors' live desks open | "
            f"{_spread(live.get('relay_cpu_pct_watched') or {}, '%')} |",
            "| … what watching costs (the difference, same round) | "
            f"**{_spread(live.get('watching_cost_pct_of_core') or {}, '%')}** of a core |",
        ]
    if "error" in hooks:
        lines.append(f"| webhooks | failed: {hooks['error']} |")
    elif hooks:
        lines += [
            f"| {hooks.get('deliveries'):,} webhook deliveries drained ({hooks.get('rounds')} "
            f"rounds) | {_spread(hooks.get('drain_s') or {}, 's')} "
            f"({_spread(hooks.get('per_s') or {})} a second) |",
            "| a running session's round trip p99 before / during the drain | "
            f"{_spread(hooks.get('session_rtt_p99_ms_before') or {}, 'ms')} / "
            f"{_spread(hooks.get('session_rtt_p99_ms_during') or {}, 'ms')} "
            f"(**{_spread(hooks.get('session_rtt_p99_ratio') or {}, '×')}**) |",
        ]
    return lines


def _desk_load_table(d: dict[str, Any], c: dict[str, Any]) -> list[str]:
    """Many customers waiting and many agents taking, on one relay and on three nodes
    (bench/desk_load.py)."""
    if not d and not c:
        return []
    for name, x in (("one relay", d), ("three nodes", c)):
        if "error" in x:
            return ["", f"Help desk under load ({name}): failed: {x['error']}"]
    one, three = d.get("summary", {}), c.get("summary", {})

    def cells(key: str, unit: str = "", bold: bool = False) -> str:
        a, b = _spread(one.get(key) or {}, unit), _spread(three.get(key) or {}, unit)
        return f"**{a}** | **{b}**" if bold else f"{a} | {b}"

    return [
        "",
        f"Help desk under load (`bench/desk_load.py`: {d.get('customers')} customers asking "
        f"at once and {d.get('agents')} agents taking the next customer, holding 0.2–0.8 s, "
        "until all are taken; one `wss://` relay process, and three on one PostgreSQL and "
        "one Redis with customers and agents' desks spread over them in turn — all on this "
        f"machine's {os.cpu_count()} cores with the load generator; {d.get('round_count')} "
        "rounds each, medians with min–max):",
        "",
        "| under load | one relay | three nodes |",
        "|---|---|---|",
        "| a take to the customers behind hearing their new place: p99 | "
        f"{cells('update_p99_ms', 'ms', True)} |",
        f"| … p50 | {cells('update_p50_ms', 'ms')} |",
        f"| Take next to Took: p99 | {cells('take_p99_ms', 'ms', True)} |",
        f"| … p50 | {cells('take_p50_ms', 'ms')} |",
        "| … p99 when the customer waits on the agent's node / on another (redirected, "
        f"a new `wss://` connection and sign-in there) | – | "
        f"{_spread(three.get('take_here_p99_ms') or {}, 'ms')} / "
        f"{_spread(three.get('take_sent_p99_ms') or {}, 'ms')} |",
        f"| takes sent to another node | – | {_spread(three.get('redirected_takes') or {})} |",
        f"| asking to the first place, p99 (everyone at once) | {cells('join_p99_ms', 'ms')} |",
        "| relay memory per waiting customer (three nodes: summed, each node mirrors the "
        f"line): all | {cells('kib_per_waiting', 'KiB')} |",
        f"| … of which the connection (TLS, websocket) | {cells('kib_per_connection', 'KiB')} |",
        f"| … of which the ask (ticket, line, mirror) | {cells('kib_per_ask', 'KiB')} |",
        f"| seconds to take everyone | {cells('seconds', 's')} |",
    ]


def _cluster_table(c: dict[str, Any]) -> list[str]:
    """Three nodes on PostgreSQL and Redis against one node, in the same run."""
    if not c:
        return []
    if "error" in c:
        return ["", f"Cluster: failed: {c['error']}"]
    load = c.get("load", {})
    per = c.get("sessions_per_node")
    return [
        "",
        "Cluster (`bench/cluster_bench.py`: three `wss://` nodes on PostgreSQL and Redis, "
        "every server real, on loopback; medians with min–max):",
        "",
        "| cluster | result |",
        "|---|---|",
        f"| customer joins at the code's node / through another node ({c['join_rounds']} "
        f"rounds each, alternating): set-up | {_fmt(c['same_setup_ms'])} ms "
        f"({_range(c['same_setup_ms_rounds'])}) / {_fmt(c['cross_setup_ms'])} ms "
        f"({_range(c['cross_setup_ms_rounds'])}): **+{_fmt(c['cross_setup_added_ms'])} ms** "
        "for the redirect |",
        f"| … then the data path, agent → customer → agent round trip | "
        f"{_fmt(c['same_rtt_ms'])} ms ({_range(c['same_rtt_ms_rounds'])}) / "
        f"{_fmt(c['cross_rtt_ms'])} ms ({_range(c['cross_rtt_ms_rounds'])}), the two "
        f"sessions taking turns: **{_fmt(c['cross_rtt_ratio'], '×')}** "
        f"({_range(c.get('cross_rtt_ratio_rounds'))}) |",
        f"| {c['nodes']} nodes × {per} sessions ({load.get('rate'):g} msg/s × "
        f"{load.get('size')} B, customers joining through the next node) against the same "
        f"{c['nodes'] * per} sessions on one node, {c['load_rounds']} rounds each | "
        f"relay-added p99 {_fmt(c['three_nodes_p99_added_ms'])} ms "
        f"({_range(c['three_nodes_p99_added_ms_rounds'])}) vs "
        f"{_fmt(c['one_node_p99_added_ms'])} ms "
        f"({_range(c['one_node_p99_added_ms_rounds'])}); relay CPU "
        f"{_fmt(c['three_nodes_relay_cpu_pct'])} % vs {_fmt(c['one_node_relay_cpu_pct'])} % "
        f"of one core: **{_fmt(c['cpu_per_session_ratio'], '×')}** per session "
        f"({_range(c['cpu_per_session_ratio_rounds'])}); lost "
        f"{c['three_nodes_lost']} of {c['three_nodes_sent']} |",
        f"| failover: SIGKILL of the session's node → the next message arrives "
        f"({c['failover_runs']} runs, the apps' own driver through HAProxy) | p50 "
        f"{_fmt(c['failover_s_p50'])} s, **p95 {_fmt(c['failover_s_p95'])} s**, max "
        f"{_fmt(c['failover_s_max'])} s"
        + (
            f"; **{len(c['failover_stuck'])} did not recover within 30 s** (counted as 30 s)"
            if c.get("failover_stuck")
            else ""
        )
        + " |",
        f"| sign-ins per second ({c['sign_in_clients']} agents at once, {c['sign_in_rounds']} "
        f"rounds alternating) | SQLite {_fmt(c['sqlite_sign_ins_per_s'])} "
        f"({_range(c['sqlite_sign_ins_per_s_rounds'])}), PostgreSQL "
        f"{_fmt(c['postgresql_sign_ins_per_s'])} "
        f"({_range(c['postgresql_sign_ins_per_s_rounds'])}): "
        f"{_fmt(c['postgresql_to_sqlite_sign_ins'], '×')} |",
    ]


def _median_range(values: list[float]) -> tuple[float | None, list[float]]:
    if not values:
        return None, []
    return round(statistics.median(values), 3), [round(min(values), 3), round(max(values), 3)]


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Assist against the reference peers, round by round (round i of Assist with round i of
    the peer, run one after the other), as medians with min–max under ``*_range``."""
    out: dict[str, Any] = {}

    def rounds(result: dict[str, Any] | None) -> list[dict[str, Any]]:
        if not result or "error" in result:
            return []
        return list(result.get("runs") or [result])

    def per_round(a_runs: list[dict[str, Any]], b_runs: list[dict[str, Any]], key: str,
                  b_key: str | None = None) -> list[float]:  # fmt: skip
        values = []
        for a, b in zip(a_runs, b_runs, strict=False):
            x, y = a.get(key), b.get(b_key or key)
            if isinstance(x, int | float) and isinstance(y, int | float) and y > 0:
                values.append(x / y)
        return values

    def put(name: str, values: list[float]) -> None:
        median, spread = _median_range(values)
        if median is not None:
            out[name], out[f"{name}_range"] = median, spread

    for kind, refs in (results.get("reference") or {}).items():
        mine = rounds(results["workloads"].get(kind))
        if not mine:
            continue
        put(
            f"{kind}_agent_vs_customer_cpu",
            per_round(mine, mine, "agent_cpu_pct", "client_cpu_pct"),
        )
        put(f"{kind}_cpu_vs_x11vnc", per_round(mine, rounds(refs.get("x11vnc")), "client_cpu_pct"))
        tuned = rounds(refs.get("x11vnc-tuned"))
        put(f"{kind}_cpu_vs_tuned", per_round(mine, tuned, "client_cpu_pct"))
        put(f"{kind}_latency_vs_tuned", per_round(mine, tuned, "input_latency_ms_p50"))
        # A viewer busy more than half a core fell behind (ZRLE's run-length tiles are a
        # Python loop): x11vnc then sends fewer, larger updates, and its bytes per second
        # would flatter it. Bytes are held only against peers whose viewer kept up.
        lossless = {
            name: r for name, r in refs.items()
            if name.startswith("x11vnc") and name != "x11vnc-jpeg" and r
            and isinstance(r.get("bytes_per_s"), int | float)
            and (r.get("agent_cpu_pct") or 0) < VIEWER_KEPT_UP_PCT
        }  # fmt: skip
        if lossless:
            best = min(lossless, key=lambda name: lossless[name]["bytes_per_s"])
            out[f"{kind}_best_encoding"] = best
            put(f"{kind}_bytes_vs_best", per_round(mine, rounds(lossless[best]), "bytes_per_s"))
        tiles = rounds(refs.get("assist-tiles"))
        if tiles:  # what H.264 brings, Assist against itself
            put(f"{kind}_cpu_vs_tiles", per_round(mine, tiles, "client_cpu_pct"))
            put(f"{kind}_fps_vs_tiles", per_round(mine, tiles, "fps"))
            put(f"{kind}_bytes_vs_tiles", per_round(mine, tiles, "bytes_per_s"))
            put(f"{kind}_p95_vs_tiles", per_round(mine, tiles, "input_latency_ms_p95"))
        jpeg = rounds(refs.get("x11vnc-jpeg"))
        if jpeg:
            put(f"{kind}_cpu_vs_jpeg", per_round(mine, jpeg, "client_cpu_pct"))
            put(f"{kind}_fps_vs_jpeg", per_round(mine, jpeg, "fps"))
    return out


def _reference_table(results: dict[str, Any]) -> list[str]:
    refs = results.get("reference") or {}
    if not refs:
        return []
    lines = [
        "",
        "Against x11vnc on the same screen, in the same run (each x11vnc round right after "
        'the Assist round it is held against). For x11vnc, "customer" is x11vnc and '
        '"agent" the bench\'s RFB viewer (bench/rfb_viewer.py); there is no relay, and the '
        "bytes are what the viewer read.",
        "",
        "| workload | peer | fps | input→display p50 / p95 | bytes/s | customer CPU | "
        "agent CPU | Xvfb CPU | PSNR |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in WORKLOADS:
        if kind not in refs:
            continue
        rows = {"assist": results["workloads"].get(kind) or {}, **refs[kind]}
        for name, w in rows.items():
            if not w or "error" in w:
                lines.append(f"| {kind} | {name} | failed: {(w or {}).get('error')} |" + " |" * 6)
                continue
            lines.append(
                f"| {kind} | {name} | {_fmt(w.get('fps'))} | "
                f"{_fmt(w.get('input_latency_ms_p50'))} / {_fmt(w.get('input_latency_ms_p95'))} ms"
                f" | {_fmt(w.get('bytes_per_s'), 'B/s')} | {_fmt(w.get('client_cpu_pct'))} % | "
                f"{_fmt(w.get('agent_cpu_pct'))} % | {_fmt(w.get('xvfb_cpu_pct'))} % | "
                f"{_fmt(w.get('psnr_db'), 'dB')} |"
            )
    r = results.get("ratios") or {}
    described = (
        ("cpu_vs_x11vnc", "customer CPU ÷ x11vnc's"),
        ("cpu_vs_tuned", "customer CPU ÷ x11vnc tuned"),
        ("latency_vs_tuned", "input→display p50 ÷ x11vnc tuned"),
        ("bytes_vs_best", "bytes ÷ x11vnc's best lossless (whose viewer kept up)"),
        ("agent_vs_customer_cpu", "Assist's agent CPU ÷ its customer CPU"),
        ("cpu_vs_jpeg", "customer CPU ÷ x11vnc JPEG"),
        ("fps_vs_jpeg", "fps ÷ x11vnc JPEG"),
        ("cpu_vs_tiles", "customer CPU ÷ Assist without H.264"),
        ("fps_vs_tiles", "fps ÷ without H.264"),
        ("bytes_vs_tiles", "bytes ÷ without H.264"),
        ("p95_vs_tiles", "input→display p95 ÷ without H.264"),
    )
    cells = []
    for kind in WORKLOADS:
        parts = [
            f"{text} **{_fmt(r[f'{kind}_{key}'], '×')}** ({_range(r.get(f'{kind}_{key}_range'))})"
            for key, text in described
            if f"{kind}_{key}" in r
        ]
        if f"{kind}_best_encoding" in r:
            parts.append(f"best lossless peer: {r[f'{kind}_best_encoding']}")
        if parts:
            cells.append(f"| {kind} | " + "; ".join(parts) + " |")
    if cells:
        lines += ["", "| Assist ÷ x11vnc, median of per-round ratios (min–max) | |", "|---|---|"]
        lines += cells
    return lines


def _video_line(v: dict[str, Any]) -> list[str]:
    if not v or "error" in v:
        return [] if not v else ["", f"Video quality: failed: {v['error']}"]
    h, t = v["video"], v["tiles"]
    return [
        "",
        "| motion, real frames replayed (bench/video_quality.py) | with H.264 | tiles only |",
        "|---|---|---|",
        f"| frames (sent as video) | {h['frames']} ({h['video_frames']}) | {t['frames']} |",
        f"| PSNR while it moves, min / median | **{_fmt(h['psnr_moving_min'], 'dB')}** / "
        f"{_fmt(h['psnr_moving_median'], 'dB')} | {_fmt(t['psnr_moving_min'], 'dB')} / "
        f"{_fmt(t['psnr_moving_median'], 'dB')} |",
        f"| PSNR once it stops (refined) | **{_fmt(h['psnr_after_refine'], 'dB')}** "
        f"({_fmt(h['refine_bytes'], 'B')}) | {_fmt(t['psnr_after_refine'], 'dB')} |",
        f"| bytes a frame, median | {_fmt(h['bytes_per_frame_median'], 'B')} | "
        f"{_fmt(t['bytes_per_frame_median'], 'B')} |",
        f"| encode ms a frame, median (min–max) | {h['encode_ms_median']} "
        f"({_range(h['encode_ms_range'])}) | {t['encode_ms_median']} "
        f"({_range(t['encode_ms_range'])}) |",
    ]


def _range(values: Any) -> str:
    values = [v for v in values or () if v is not None]
    if not values:
        return "-"
    return f"{_fmt(min(values))}–{_fmt(max(values))}"


def update_docs(path: Path, table: str) -> bool:
    """Replace the generated block of ``path``; False if its markers are missing."""
    text = path.read_text(encoding="utf-8")
    begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if begin < 0 or end < begin:
        return False
    new = text[: begin + len(DOCS_BEGIN)] + "\n" + table + text[end:]
    path.write_text(new, encoding="utf-8")
    return True
