"""The customer's app on a static screen, and capture + encode cost per frame at 1080p.

Run: ``.venv/bin/python -m bench.client_static_cpu [--seconds 20]``

1. Static screen: starts Xvfb (1920x1080), a relay and a scripted agent, then
   ``assist-client --headless`` as a process. After a warm-up it reads the
   client's CPU time from ``/proc/PID/stat`` over the measuring window and prints
   the share of one core, plus what the agent received meanwhile (nothing but
   keepalives is the goal). Target: at most 2 % of one core.
2. Per frame at 1080p: mss grab on the Xvfb screen, the unchanged-screen check,
   a keyframe of a text-heavy synthetic screen, and a small "typing" change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.messages import Frame  # noqa: E402
from common.tiles import FrameEncoder  # noqa: E402
from tools.procs import RelayProcess, add_agent  # noqa: E402
from tools.scripted_agent import ScriptedAgent  # noqa: E402
from tools.xvfb import running_xvfb  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def static_cpu(seconds: float) -> None:
    with running_xvfb("1920x1080x24") as display, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "relay"
        relay = RelayProcess(data)
        token = add_agent(data)
        agent = ScriptedAgent(relay.url, token)
        env = {**os.environ, "DISPLAY": display, "XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp}
        proc = subprocess.Popen(
            [sys.executable, "-m", "assist_client.main", "--headless", "--relay", relay.url,
             "--code", str(agent.wait_code()), "--consent"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            agent.wait_for(lambda m: isinstance(m, Frame), 30)
            time.sleep(3.0)  # warm-up: the capture pace backs off
            frames_before = len(agent.of_type(Frame))
            c0, t0 = cpu_seconds(proc.pid), time.monotonic()
            time.sleep(seconds)
            c1, t1 = cpu_seconds(proc.pid), time.monotonic()
            frames = len(agent.of_type(Frame)) - frames_before
        finally:
            proc.terminate()
            proc.wait(10)
            agent.close()
            relay.stop()
    share = 100.0 * (c1 - c0) / (t1 - t0)
    print(f"static 1920x1080 screen, {t1 - t0:.1f} s: client CPU {share:.2f} % of one core, "
          f"{frames} frame messages sent (target: <= 2 %, 0 frames)")  # fmt: skip


def synthetic_screen(seed: int = 1) -> np.ndarray:
    """A 1080p 'desktop': flat panels, lines of text-like glyphs, one photo-like area."""
    rng = np.random.default_rng(seed)
    screen = np.full((1080, 1920, 4), 245, np.uint8)
    screen[:40] = (60, 50, 40, 255)
    screen[40:, :300] = (235, 230, 225, 255)
    for row in range(80, 1000, 22):
        for col in range(340, 1500, 9):
            if rng.random() < 0.8:
                glyph = rng.random((14, 7)) < 0.35
                screen[row : row + 14, col : col + 7][glyph] = (30, 30, 30, 255)
    screen[600:900, 1550:1880] = rng.integers(0, 255, (300, 330, 4), np.uint8)
    screen[..., 3] = 255
    return screen


def per_frame() -> None:
    with running_xvfb("1920x1080x24") as display:
        os.environ["DISPLAY"] = display
        from assist_client.streamer import MssSource

        source = MssSource()
        grab, compare = [], []
        previous = None
        for _ in range(30):
            t = time.perf_counter()
            _, raw = source.grab((0, 0, 1920, 1080))
            grab.append(time.perf_counter() - t)
            if previous is not None:
                t = time.perf_counter()
                _ = previous == raw
                compare.append(time.perf_counter() - t)
            previous = raw
        source.close()
    screen = synthetic_screen()
    encoder = FrameEncoder()
    keyframes, typing, sizes, typed_sizes = [], [], [], []
    for i in range(8):
        t = time.perf_counter()
        out = encoder.encode(screen, 0, 1 + 2 * i, force_keyframe=True)
        keyframes.append(time.perf_counter() - t)
        sizes.append(sum(len(t.data) for f in out for t in f.tiles))
        changed = screen.copy()
        changed[500:514, 400 + 9 * i : 407 + 9 * i, :3] = 20  # one more typed character
        t = time.perf_counter()
        out = encoder.encode(changed, 0, 2 + 2 * i)
        typing.append(time.perf_counter() - t)
        typed_sizes.append(sum(len(t.data) for f in out for t in f.tiles))
        encoder.encode(screen, 0, 100 + i)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f} ms"

    print(f"1080p mss grab (XShm, Xvfb): {ms(grab)}; unchanged check (memcmp): {ms(compare)}")
    print(f"1080p keyframe encode (text + photo): {ms(keyframes)}, "
          f"{statistics.median(sizes) / 1024:.0f} KiB")  # fmt: skip
    print(f"1080p one typed character: {ms(typing)}, {statistics.median(typed_sizes)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    per_frame()
    static_cpu(args.seconds)


if __name__ == "__main__":
    main()
