"""How exact the agent's picture is while the screen moves, and once it stops.

``python -m bench.video_quality [--frames 90]``, or the ``video`` part of ``make bench``.

The end-to-end runs measure PSNR only on the last picture, after the workload froze:
what the agent has *during* motion is not photographed there. Here the same real
frames do both: Xvfb and the ``motion`` workload window, ``--frames`` successive
screens grabbed with mss as the customer's app grabs them, then encoded in order by
:class:`common.tiles.FrameEncoder` and applied by :class:`common.tiles.FrameDecoder`
as the agent applies them, with H.264 for the region in motion (the default) and
without it (tiles and JPEG everywhere). After each frame the decoder's picture is
compared with the grabbed screen; after the last, the encoder's refinement (what the
customer's app sends 300 ms after motion stops) is applied and compared again.
Nothing here is timed against a clock that the machine's load could stretch, except
the encode time, reported as a median with min–max.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from bench import screen_bench
from bench.encode_profile import grab_frames
from bench.xserver import running_xvfb
from common.messages import Codec
from common.tiles import FrameDecoder, FrameEncoder


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of the colour channels of two BGRA screens (the bench's one definition)."""
    return screen_bench.psnr(a[..., :3], b[..., :3])[0]


def replay(frames: list[np.ndarray], *, video: bool) -> dict[str, Any]:
    """Encode and decode ``frames`` in order; PSNR after each and after the refinement."""
    with ThreadPoolExecutor(2) as pool:
        encoder, decoder = FrameEncoder(video=video, pool=pool), FrameDecoder()
        for f in encoder.encode(frames[0], time.time_ns(), 1):
            decoder.apply(f)
        scores, sizes, times, in_video = [], [], [], []
        for i, screen in enumerate(frames[1:], start=2):
            t = time.perf_counter()
            out = encoder.encode(screen, time.time_ns(), i)
            times.append((time.perf_counter() - t) * 1000)
            for f in out:
                decoder.apply(f)
            scores.append(psnr(decoder.pixels, screen))
            sizes.append(sum(len(tile.data) for f in out for tile in f.tiles))
            in_video.append(any(t.codec == Codec.H264 for f in out for t in f.tiles))
        refined = encoder.refine(time.time_ns(), len(frames) + 1)
        for f in refined:
            decoder.apply(f)
        after = psnr(decoder.pixels, frames[-1])
    moving = [s for s, v in zip(scores, in_video, strict=True) if v] if video else scores
    return {
        "frames": len(scores),
        "video_frames": sum(in_video),
        "psnr_moving_min": round(min(moving), 2) if moving else None,
        "psnr_moving_median": round(statistics.median(moving), 2) if moving else None,
        "psnr_all_min": round(min(scores), 2),
        "psnr_after_refine": round(after, 2) if refined else round(scores[-1], 2),
        "refine_bytes": sum(len(t.data) for f in refined for t in f.tiles),
        "bytes_per_frame_median": round(statistics.median(sizes)),
        "encode_ms_median": round(statistics.median(times), 1),
        "encode_ms_range": [round(min(times), 1), round(max(times), 1)],
    }


def run(display: str, frames: int = 90) -> dict[str, Any]:
    grabbed = grab_frames(display, "motion", frames)
    if len(grabbed) < 10:
        raise RuntimeError(f"only {len(grabbed)} frames were grabbed from the workload")
    out = {"video": replay(grabbed, video=True), "tiles": replay(grabbed, video=False)}
    v = out["video"]
    out["psnr_moving_min"] = v["psnr_moving_min"]
    out["psnr_after_refine"] = v["psnr_after_refine"]
    out["bytes_ratio"] = round(
        v["bytes_per_frame_median"] / out["tiles"]["bytes_per_frame_median"], 3
    )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=90)
    args = p.parse_args()
    with running_xvfb() as display:
        os.environ["DISPLAY"] = display
        print(json.dumps(run(display, args.frames), indent=2))


if __name__ == "__main__":
    main()
