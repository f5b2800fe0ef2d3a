"""One screen workload through the real relay, agent and customer processes, measured.

For each workload (see :mod:`bench.workloads`) on the shared Xvfb screen:

1. a fresh relay (``assist-relay serve``, metrics on), an agent token, the
   headless agent with ``--probe`` on the marker, the workload window, then
   the headless customer, who shares the whole 1920x1080 screen;
2. after a warm-up (the first keyframe), ``go``: the workload runs its script
   while a sampler reads CPU times and the relay's byte counters; for
   ``typing`` this driver presses one key every 100 ms through XTest and
   notes each send time;
3. the workload freezes; after a pause (so the last frames arrive) the
   screen is photographed, the agent is told to end (SIGTERM, as Ctrl+C)
   and writes its stats, probe log and last frame;
4. the numbers: frames per second and bytes per second over the measuring
   span, CPU shares, capture-to-display latency (the agent's stats, whole
   session), input-to-display latency (probe events matched with the agent's
   probe log, see :mod:`bench.probe`) and PSNR of the agent's last frame
   against the photograph.
"""

from __future__ import annotations

import dataclasses
import json
import math
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench import probe
from bench.procs import Child, Relay, Sampler, add_agent, children
from bench.xserver import XTestKeyboard, grab_screen, server_pid
from tools.procs import command

#: What the typing workload types: shell-like lines, Return between them.
TYPED_TEXT = (
    "sudo apt-get install printer-driver-gutenprint\n"
    "lpstat -p -d\n"
    "cat /etc/cups/printers.conf\n"
    "systemctl restart cups.service\n"
    "ping -c 3 printer.office.lan\n"
    "journalctl -u cups --since today\n"
)
PSNR_CAP_DB = 100.0
#: Static: the customer polls at the frame rate for 2 s after a change, then backs off to
#: its idle pace within about 1.5 s; CPU "idle" is measured from this long after the change.
IDLE_AFTER_S = 5.0
#: The relay's counters of Data bytes forwarded (what the session costs on the wire).
TO_AGENT = 'bytes_forwarded_total{direction="customer_to_agent"}'
TO_CUSTOMER = 'bytes_forwarded_total{direction="agent_to_customer"}'


@dataclasses.dataclass(frozen=True)
class Plan:
    """How long each part of one workload run lasts (``--quick`` shortens them)."""

    seconds: float  # the workload's active part
    warmup_s: float = 2.5
    settle_s: float = 1.5
    probes: int = 4  # static: marker flips after the static part, each after an idle spell
    #: Longer than the customer's active polling (2 s) plus its back-off to the idle pace.
    probe_gap_s: float = 4.5
    keys_per_s: float = 10.0
    step_px: int = 4
    step_hz: float = 40.0
    drag_px: int = 12  # windowmove: pixels a step (and 0.6 of that down), at drag_hz
    drag_hz: float = 30.0
    motion_fps: float = 30.0


def psnr(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """PSNR in dB (capped at :data:`PSNR_CAP_DB` for identical pictures) and differing pixels."""
    if a.shape != b.shape:
        raise ValueError(f"picture sizes differ: {a.shape} and {b.shape}")
    diff = a.astype(np.int16) - b.astype(np.int16)
    differing = int(np.count_nonzero(diff.any(axis=-1)))
    mse = float(np.mean(diff.astype(np.float64) ** 2))
    if mse == 0:
        return PSNR_CAP_DB, 0
    return min(PSNR_CAP_DB, 10 * math.log10(255.0**2 / mse)), differing


@dataclasses.dataclass(frozen=True)
class Peer:
    """Who carries the screen to the viewer in a run.

    Assist: the relay, the headless agent and the headless customer (``x11vnc`` None).
    A reference: Debian's ``x11vnc`` on the same display with these extra options, read
    by :mod:`bench.rfb_viewer` over loopback. In a reference run the "customer" numbers
    are x11vnc's and the "agent" numbers the viewer's; there is no relay, and the bytes
    are what the viewer read from its socket.
    """

    name: str
    x11vnc: tuple[str, ...] | None = None
    encoding: str = "tight"
    jpeg: int | None = None
    env: tuple[tuple[str, str], ...] = ()  # for the customer's app (Assist only)

    @property
    def lossless(self) -> bool:
        return self.jpeg is None


ASSIST = Peer("assist")
#: Assist without H.264 (tiles everywhere), to measure what the video codec brings.
ASSIST_TILES = Peer("assist-tiles", env=(("ASSIST_NO_VIDEO", "1"),))
#: x11vnc at its default pacing (``-wait 20 -defer 20``) and tuned for latency, with the
#: lossless encodings a viewer would ask for; JPEG is the fair opponent only for motion.
TUNED = ("-wait", "5", "-defer", "5")
REFERENCES = {
    "x11vnc": Peer("x11vnc", ()),
    "x11vnc-tuned": Peer("x11vnc-tuned", TUNED),
    "x11vnc-zrle": Peer("x11vnc-zrle", TUNED, encoding="zrle"),
    "x11vnc-jpeg": Peer("x11vnc-jpeg", TUNED, jpeg=8),
}


def references_for(kind: str) -> list[Peer]:
    """The reference peers a workload is compared with: a still screen only with x11vnc at
    its defaults (what it costs to wait); motion with the tuned lossless and JPEG modes."""
    if kind == "static":
        return [REFERENCES["x11vnc"]]
    if kind == "motion":
        return [REFERENCES["x11vnc-tuned"], REFERENCES["x11vnc-jpeg"]]
    return [p for p in REFERENCES.values() if p.lossless]


class SocketBytes:
    """The bytes the viewer has read from its socket, from the file it keeps them in, as a
    counter the :class:`~bench.procs.Sampler` reads like the relay's."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def metrics(self) -> dict[str, float]:
        text = self.path.read_bytes().strip() if self.path.exists() else b""
        return {TO_AGENT: float(text)} if text else {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_workload(
    kind: str, plan: Plan, display: str, work: Path, peer: Peer = ASSIST
) -> dict[str, Any]:
    """Run one workload end to end; returns its numbers (see the module docstring)."""
    work.mkdir(parents=True, exist_ok=True)
    home = {"XDG_CONFIG_HOME": str(work / "config"), "XDG_DATA_HOME": str(work / "data")}
    stats_path, frame_path, log_path = work / "agent.json", work / "agent.png", work / "window.json"
    budget = plan.seconds + plan.probes * plan.probe_gap_s + 90
    sends: list[int] = []
    with children() as kids:
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
                str(plan.drag_px if kind == "windowmove" else plan.step_px),
                "--step-hz",
                str(plan.drag_hz if kind == "windowmove" else plan.step_hz),
                "--fps",
                str(plan.motion_fps),
            ],  # fmt: skip
            env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            stdin=True,
            log=work / "window.log",
        )
        kids.append(window)
        window.wait_line("^ready$", 60)
        pids = {"window": window.pid}
        counters: Relay | SocketBytes
        if peer.x11vnc is None:
            relay = Relay(work / "relay")
            kids.append(relay)
            token = add_agent(work / "relay")
            viewer = Child(
                "agent",
                command("assist-agent", "assist_agent.main")
                + [
                    "--headless",
                    "--relay",
                    relay.url,
                    "--token",
                    token,
                    "--duration",
                    str(budget),
                    "--stats",
                    str(stats_path),
                    "--save-frame",
                    str(frame_path),
                    "--probe",
                    ",".join(map(str, probe.PROBE_RECT)),
                ],  # fmt: skip
                env={**home, "ASSIST_LANG": "en", "QT_QPA_PLATFORM": "offscreen"},
                log=work / "agent.log",
            )
            kids.append(viewer)
            code = viewer.wait_line(r"^code: (\S+)", 30).group(1)
            server = Child(
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
                ],  # fmt: skip
                env={**home, "DISPLAY": display, "ASSIST_LANG": "en", **dict(peer.env)},
                log=work / "customer.log",
            )
            kids.append(server)
            server.wait_line(r"^state: sharing", 60)
            pids["relay"], counters = relay.pid, relay
        else:
            port = free_port()
            server = Child(
                "x11vnc",
                ["x11vnc", "-display", display, "-rfbport", str(port), "-localhost", "-nopw"]
                + ["-shared", "-forever", *peer.x11vnc],
                log=work / "x11vnc.log",
            )
            kids.append(server)
            server.wait_line(r"^PORT=", 30)
            viewer = Child(
                "viewer",
                [sys.executable, "-m", "bench.rfb_viewer", "--port", str(port)]
                + ["--encoding", peer.encoding, "--stats", str(stats_path)]
                + ["--save-frame", str(frame_path), "--counter", str(work / "bytes")]
                + ["--probe", ",".join(map(str, probe.PROBE_RECT))]
                + ([] if peer.jpeg is None else ["--jpeg", str(peer.jpeg)]),
                log=work / "viewer.log",
            )
            kids.append(viewer)
            viewer.wait_line(r"^ready ", 30)
            counters = SocketBytes(work / "bytes")
        time.sleep(plan.warmup_s)
        pids["customer"], pids["agent"] = server.pid, viewer.pid
        xvfb = server_pid(display)
        if xvfb is not None:
            pids["xvfb"] = xvfb
        with Sampler(pids, counters) as sampler:
            window.send("go")
            window.wait_line("^started$", 10)
            if kind == "typing":
                sends = type_text(display, plan)
                time.sleep(0.3)
                window.send("stop")
            window.wait_line("^frozen$", plan.seconds + plan.probes * plan.probe_gap_s + 60)
            time.sleep(plan.settle_s)
        truth = grab_screen(display)
        viewer.signal(signal.SIGTERM)
        agent_code = viewer.wait(30)
        if peer.x11vnc is None:
            server.wait(15)
    result = analyse(
        kind,
        plan,
        stats=json.loads(stats_path.read_text()),
        log=json.loads(log_path.read_text()),
        sends=sends,
        sampler=sampler,
        agent_frame=np.asarray(Image.open(frame_path).convert("RGB"))
        if frame_path.exists()
        else None,
        truth=truth,
        agent_exit=agent_code,
    )
    result["peer"] = peer.name
    return result


def type_text(display: str, plan: Plan) -> list[int]:
    """Press the keys of :data:`TYPED_TEXT` (repeated as needed) at ``keys_per_s``."""
    keyboard = XTestKeyboard(display)
    try:
        keyboard.move_pointer(960, 540)
        count = round(plan.seconds * plan.keys_per_s)
        text = (TYPED_TEXT * (count // len(TYPED_TEXT) + 1))[:count]
        gap_ns = round(1e9 / plan.keys_per_s)
        start = time.time_ns() + gap_ns
        sends = []
        for i, char in enumerate(text):
            delay = (start + i * gap_ns - time.time_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
            sends.append(keyboard.press(char))
        return sends
    finally:
        keyboard.close()


def analyse(
    kind: str,
    plan: Plan,
    *,
    stats: dict[str, Any],
    log: dict[str, Any],
    sends: list[int],
    sampler: Sampler,
    agent_frame: np.ndarray | None,
    truth: np.ndarray,
    agent_exit: int | None,
) -> dict[str, Any]:
    events = [probe.Event(seq, start, end) for seq, start, end in log["events"]]
    if sends:  # key k caused marker flip k
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
    shown = dict(zip((e.seq for e in matched.events), matched.shown, strict=True))
    last = max(by_seq)
    out: dict[str, Any] = {}

    if kind == "static":
        # Flip 1 at "go", flip 2 after the static part: from the agent showing flip 1 until
        # flip 2, nothing changes (the customer's first 2 s of it are active polling).
        start, end = (shown.get(1) or by_seq[1].end) + 1, by_seq[2].start
        probe_seqs = [s for s in by_seq if s >= 1]
        since = "end"
        f1, f2 = _frames_at(matched, shown.get(1)), _frames_at(matched, shown.get(2))
        if f1 is not None and f2 is not None and shown[1] and shown[2]:
            static_frames = max(0, f2 - f1 - 1)
            out["frames"] = static_frames
            out["fps"] = round(static_frames / ((shown[2] - shown[1]) / 1e9), 3)
    else:
        warm = 0 if kind == "typing" else round(1e9)
        start, end = by_seq[1].start + warm, by_seq[last].end
        probe_seqs = [s for s in by_seq if s >= 1 and start <= by_seq[s].start]
        since = "cause" if kind == "typing" else "end"
        # Frames the agent completed from showing the first counted change to showing
        # the last: what the workload's activity produced. (Counting on to 0.5 s after
        # the last change, as this did before, took in the frame that refines a region
        # in motion 0.3 s after it stops, with that 0.3 s: 29.3 fps for 30.3 shown.)
        first_shown = shown.get(probe_seqs[0]) if probe_seqs else None
        last_shown = shown.get(last)
        if first_shown and last_shown and last_shown > first_shown:
            rate = matched.frame_rate(first_shown, last_shown)
        else:
            rate = matched.frame_rate(start, end + round(0.5e9))
        if rate is not None:
            out["fps"] = round(rate[0], 2)
            out["frames"] = rate[1]
        if len(probe_seqs) > 1:
            span = (by_seq[probe_seqs[-1]].end - by_seq[probe_seqs[0]].end) / 1e9
            out["app_steps_per_s"] = round((len(probe_seqs) - 1) / span, 2)
        out["states_shown_per_s"] = round(matched.states_per_s(start, end), 2)

    window_s = (end - start) / 1e9
    input_ms = matched.latencies_ms(since, probe_seqs)
    inp = probe.percentiles(input_ms)
    out.update(
        {
            "window_s": round(window_s, 2),
            "latency_ms_p50": stats.get("latency_ms_p50"),
            "latency_ms_p95": stats.get("latency_ms_p95"),
            "input_latency_ms_p50": inp["p50"],
            "input_latency_ms_p95": inp["p95"],
            "input_latency_ms_max": inp["max"],
            "input_events": inp["n"],
            "input_events_missed": matched.missed(probe_seqs),
            "probe_unreadable": matched.unreadable,
            "bytes_per_s": _round(sampler.rate(TO_AGENT, start, end), 1),
            "bytes_per_s_to_customer": _round(sampler.rate(TO_CUSTOMER, start, end), 1),
            "relay_queued_bytes_peak": sampler.peak("queued_bytes", start, end),
            "client_cpu_pct": _round(sampler.cpu_pct("customer", start, end), 2),
            "relay_cpu_pct": _round(sampler.cpu_pct("relay", start, end), 2),
            "agent_cpu_pct": _round(sampler.cpu_pct("agent", start, end), 2),
            "window_cpu_pct": _round(sampler.cpu_pct("window", start, end), 2),
            "xvfb_cpu_pct": _round(sampler.cpu_pct("xvfb", start, end), 2),
        }
    )
    if kind == "static":
        idle_from = start + round(IDLE_AFTER_S * 1e9)
        out["client_cpu_pct_idle"] = _round(sampler.cpu_pct("customer", idle_from, end), 2)
    if kind == "typing":
        out["keys_sent"] = len(sends)
        out["keys_echoed"] = log.get("keys")
        after_paint = probe.percentiles(matched.latencies_ms("end", probe_seqs))
        out["paint_to_display_ms_p50"] = after_paint["p50"]
        out["paint_to_display_ms_p95"] = after_paint["p95"]
        key_to_paint = [(e.end - e.cause) / 1e6 for e in events if e.cause is not None]
        out["key_to_paint_ms_p50"] = _round(probe.median(key_to_paint), 2)
    if kind in ("scrolling", "motion") and len(input_ms) >= 9:
        third = len(input_ms) // 3
        first, final = input_ms[:third], input_ms[-third:]
        out["input_latency_trend_ms"] = round(
            (probe.median(final) or 0) - (probe.median(first) or 0), 1
        )
    if agent_frame is not None:
        db, differing = psnr(agent_frame, truth)
        out["psnr_db"] = round(db, 2)
        out["pixels_differing"] = differing
    else:
        out["psnr_db"] = None
    keys = ("frames", "fps", "bytes_received", "duration_s", "latency_ms_max", "decode_ms_p95")
    out["agent"] = {k: stats.get(k) for k in keys}
    out["agent_exit"] = agent_exit
    return out


def _frames_at(matched: probe.Matched, when: int | None) -> int | None:
    if when is None:
        return None
    for obs, _ in matched.observations:
        if obs.time == when:
            return obs.frames
    return None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def main() -> None:
    """Run one workload by hand: ``python -m bench.screen_bench KIND [SECONDS [PEER]]``
    (PEER: ``assist`` or one of :data:`REFERENCES`)."""
    from bench.xserver import running_xvfb

    kind = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    name = sys.argv[3] if len(sys.argv) > 3 else "assist"
    peer = {"assist": ASSIST, "assist-tiles": ASSIST_TILES}.get(name) or REFERENCES[name]
    with running_xvfb() as display, tempfile.TemporaryDirectory() as tmp:
        result = run_workload(kind, Plan(seconds, probes=4), display, Path(tmp), peer)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
