"""Where the customer's capture loop spends its time on a workload: a cProfile of the real frames.

Run: ``.venv/bin/python -m bench.encode_profile [motion|scrolling] [--frames 60]``

It starts Xvfb and the workload window (:mod:`bench.workloads`), grabs
``--frames`` successive screens with mss as the customer's app does (keeping
only those that changed), then encodes them in order with
:class:`common.tiles.FrameEncoder` under cProfile, the way the capture thread
would, and prints the time per frame and the functions that cost the most.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time

import numpy as np

from bench.procs import Child
from bench.xserver import running_xvfb
from common.tiles import FrameEncoder


def grab_frames(display: str, kind: str, count: int) -> list[np.ndarray]:
    import mss

    with tempfile.TemporaryDirectory() as tmp:
        window = Child(
            "window",
            [sys.executable, "-m", "bench.workloads", kind, "--log", f"{tmp}/log.json",
             "--seconds", "60"],
            env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
            stdin=True,
        )  # fmt: skip
        try:
            window.wait_line("^ready$", 60)
            window.send("go")
            window.wait_line("^started$", 10)
            frames: list[np.ndarray] = []
            previous = b""
            deadline = time.monotonic() + 60
            with mss.MSS(display=display) as sct:
                while len(frames) < count and time.monotonic() < deadline:
                    shot = sct.grab(sct.monitors[1])
                    if shot.raw != previous:
                        previous = bytes(shot.raw)
                        frames.append(
                            np.frombuffer(previous, np.uint8).reshape(shot.height, shot.width, 4)
                        )
                    time.sleep(0.005)
        finally:
            window.stop()
    return frames


def profile(frames: list[np.ndarray], top: int) -> str:
    encoder = FrameEncoder()
    encoder.encode(frames[0], 0, 1)  # the keyframe is not what we measure
    times = []
    sizes = []
    prof = cProfile.Profile()
    for i, pixels in enumerate(frames[1:], start=2):
        t = time.perf_counter()
        prof.enable()
        out = encoder.encode(pixels, 0, i)
        prof.disable()
        times.append(time.perf_counter() - t)
        sizes.append(sum(len(tile.data) for f in out for tile in f.tiles))
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    head = (
        f"{len(times)} frames: encode median {statistics.median(times) * 1000:.1f} ms "
        f"(p95 {sorted(times)[int(0.95 * (len(times) - 1))] * 1000:.1f} ms), "
        f"median {statistics.median(sizes) / 1024:.0f} KiB per frame (under cProfile)\n"
    )
    return head + text.getvalue()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", nargs="?", default="motion", choices=("motion", "scrolling"))
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--top", type=int, default=14)
    args = p.parse_args()
    with running_xvfb() as display:
        os.environ["DISPLAY"] = display
        frames = grab_frames(display, args.kind, args.frames)
    print(profile(frames, args.top))


if __name__ == "__main__":
    main()
