"""Remote control and file hand-over, measured the way people use them.

Each round runs, on one Xvfb screen and a ``wss://`` relay, every process real:

* **keystroke round trip** — a text window (``tools.text_window``) on the
  customer's screen; the customer allows control (``--control allow``); the agent
  (headless) clicks into the window and types ``KEYS`` characters one at a time
  (``--control-rtt``), each once the last one showed in its ``--probe`` rectangle
  over the first line of text. The round trip of a key is from the moment the
  agent sent it to the moment the agent decoded a frame in which that line
  changed: agent → relay → customer → XTest → the window draws → capture →
  encode → relay → agent.
* **a 100 MB file while the screen moves** — the motion workload
  (``bench.workloads motion``, full screen, 30 updates a second) runs while the
  agent sends a 100 MB file the customer accepts; the file's rate is its size over
  the time from its first chunk to the customer's "done", and the frame rate is
  the agent's completed frames per second over the same span (its probe sees the
  marker change in every frame).

Reported: medians over rounds with min–max. Targets (issue 18): round trip p50
≤ 60 ms; the file at ≥ 30 MB/s with frames at ≥ 20 a second meanwhile.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import probe
from bench.procs import Child, Relay, add_agent, children
from tools.procs import command

KEYS = 40
FILE_BYTES = 100 * 1024 * 1024
#: The text window and the part of it the typed line fills (screen pixels).
WINDOW = (100, 100, 900, 200)
LINE = (WINDOW[0] + 4, WINDOW[1] + 4, 640, 30)


def _env(home: Path, display: str | None = None) -> dict[str, str]:
    env = {
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "ASSIST_LANG": "en",
        "QT_QPA_PLATFORM": "offscreen",
    }
    if display is not None:
        env |= {"DISPLAY": display}
        env.pop("QT_QPA_PLATFORM")
    return env


def _agent(relay: Relay, token: str, home: Path, *args: str) -> Child:
    return Child(
        "agent",
        command("assist-agent", "assist_agent.main")
        + [
            "--headless",
            "--relay",
            relay.url,
            "--token",
            token,
            "--stats",
            str(home / "stats.json"),
        ]
        + list(args),
        env=_env(home),
        log=home.parent / "agent.log",
    )


def _customer(relay: Relay, code: str, home: Path, display: str, *args: str) -> Child:
    return Child(
        "customer",
        command("assist-client", "assist_client.main")
        + ["--headless", "--relay", relay.url, "--code", code, "--consent", *args],
        env=_env(home, display),
        log=home.parent / "customer.log",
    )


def keystroke_round(display: str, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    x, y, w, h = WINDOW
    with children() as kids:
        relay = Relay(work / "relay")  # the default settings, per-session cap included
        kids.append(relay)
        token = add_agent(work / "relay", "agent")
        window = Child(
            "text-window",
            [sys.executable, "-m", "tools.text_window", "--log", str(work / "text.jsonl")]
            + ["--geometry", f"{x},{y},{w},{h}"],
            env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            log=work / "window.log",
        )
        kids.append(window)
        _wait_file(work / "text.jsonl", '"ready"', 30)
        agent = _agent(
            relay,
            token,
            work / "agent",
            "--duration", "60",
            "--control", "bench",
            "--control-click", f"{x + w // 2},{y + h // 2}",
            "--control-rtt", str(KEYS),
            "--probe", ",".join(map(str, LINE)),
        )  # fmt: skip
        kids.append(agent)
        code = agent.wait_line(r"^code: (\S+)", 30).group(1)
        customer = _customer(relay, code, work / "customer", display, "--control", "allow")
        kids.append(customer)
        agent.wait_line("^control: done$", 90)
        agent.signal(2)  # SIGINT: end now, write the stats
        agent.wait(30)
    stats = json.loads((work / "agent" / "stats.json").read_text())
    keys = stats["control"]["keys_ns"]
    changes = [c[0] for c in stats["probe"]["changes"]]
    rtts = []
    for sent in keys[-KEYS:]:
        shown = next((t for t in changes if t > sent), None)
        if shown is not None:
            rtts.append((shown - sent) / 1e6)
    rtts.sort()
    return {
        "keys": len(keys),
        "shown": len(rtts),
        "rtt_p50_ms": round(statistics.median(rtts), 1) if rtts else None,
        "rtt_p95_ms": round(rtts[int(0.95 * (len(rtts) - 1))], 1) if rtts else None,
    }


def file_round(display: str, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    src = work / "payload.bin"
    with src.open("wb") as f:
        for _ in range(FILE_BYTES // (1 << 20)):
            f.write(os.urandom(1 << 20))
    inbox = work / "inbox"
    with children() as kids:
        relay = Relay(work / "relay")  # the default settings, per-session cap included
        kids.append(relay)
        token = add_agent(work / "relay", "agent")
        window = Child(
            "window",
            [sys.executable, "-m", "bench.workloads", "motion", "--log", str(work / "w.json")]
            + ["--seconds", "60", "--fps", "30"],
            env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            stdin=True,
            log=work / "window.log",
        )
        kids.append(window)
        window.wait_line("^ready$", 60)
        window.send("go")
        window.wait_line("^started$", 10)
        agent = _agent(
            relay,
            token,
            work / "agent",
            "--duration", "60",
            "--send-file", str(src),
            "--probe", ",".join(map(str, probe.PROBE_RECT)),
        )  # fmt: skip
        kids.append(agent)
        code = agent.wait_line(r"^code: (\S+)", 30).group(1)
        customer = _customer(
            relay, code, work / "customer", display, "--files", "accept", "--files-dir", str(inbox)
        )
        kids.append(customer)
        agent.wait_line(r"^file: (sent|failed|cancelled|declined)", 120)
        time.sleep(0.5)
        agent.signal(2)
        agent.wait(30)
        window.send("stop")
    stats = json.loads((work / "agent" / "stats.json").read_text())
    run = stats["files"][0]
    start, end = run["first_chunk_ns"], run["ended_ns"]
    seconds = (end - start) / 1e9
    inside = [c for c in stats["probe"]["changes"] if start <= c[0] <= end]
    fps = None
    if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
        fps = (inside[-1][2] - inside[0][2]) / ((inside[-1][0] - inside[0][0]) / 1e9)
    saved = inbox / src.name
    whole = saved.exists() and saved.stat().st_size == FILE_BYTES
    src.unlink(missing_ok=True)
    saved.unlink(missing_ok=True)
    return {
        "state": run["state"],
        "whole": whole,
        "mb_per_s": round(FILE_BYTES / 1e6 / seconds, 1) if seconds > 0 else None,
        "seconds": round(seconds, 2),
        "fps_during": round(fps, 1) if fps is not None else None,
    }


def _wait_file(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text("utf-8"):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{path} never said {text}")


def _summary(values: list[float | None]) -> dict[str, Any]:
    good = sorted(v for v in values if v is not None)
    if not good:
        return {"median": None, "min": None, "max": None, "rounds": len(values)}
    return {
        "median": round(statistics.median(good), 1),
        "min": good[0],
        "max": good[-1],
        "rounds": len(good),
    }


def run(display: str, work: Path, rounds: int = 5) -> dict[str, Any]:
    keys = []
    files = []
    for i in range(rounds):
        keys.append(keystroke_round(display, work / f"keys-{i}"))
        files.append(file_round(display, work / f"file-{i}"))
        print(f"control round {i + 1}: {keys[-1]} {files[-1]}", flush=True)
    spread = {
        "rtt_p50_ms": _summary([k["rtt_p50_ms"] for k in keys]),
        "rtt_p95_ms": _summary([k["rtt_p95_ms"] for k in keys]),
        "file_mb_per_s": _summary([f["mb_per_s"] for f in files]),
        "fps_during_file": _summary([f["fps_during"] for f in files]),
    }
    return {
        **{key: value["median"] for key, value in spread.items()},
        "spread": spread,
        "files_whole": sum(1 for f in files if f["whole"]),
        "rounds": rounds,
        "keys_rounds": keys,
        "file_rounds": files,
    }


if __name__ == "__main__":
    from bench.procs import use_tls
    from bench.xserver import running_xvfb

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/control-bench")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    out.mkdir(parents=True, exist_ok=True)
    use_tls(out)
    with running_xvfb() as d:
        print(json.dumps(run(d, out, n), indent=2))
