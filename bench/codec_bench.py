"""Micro-benchmark of the screen encoding core; prints medians for docs/performance.md.

Run from the repository root: ``.venv/bin/python -m bench.codec_bench [--quick]``.
Screens are synthetic: a text-heavy 1080p desktop (Pillow's default font, two
colours, anti-aliased), a photo-like one (smooth random gradients with luma
noise) and a 1080p window whose text pane scrolls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from common import tile_codecs as codecs
from common.messages import Frame
from common.tile_codecs import Pixels
from common.tiles import DEFAULT_QUALITY, JPEG_QUALITIES, TILE, FrameDecoder, FrameEncoder

WORDS = (
    "the quick brown fox jumps over lazy dog remote assistance screen tile codec relay "
    "agent customer frame keyframe palette printer driver settings network"
).split()


def to_bgra(image: Image.Image) -> Pixels:
    rgb = np.asarray(image.convert("RGB"))
    out = np.full(rgb.shape[:2] + (4,), 255, np.uint8)
    out[..., :3] = rgb[..., ::-1]
    return out


def text_page(width: int, height: int, seed: int = 0) -> Pixels:
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    for y in range(6, height - 18, 20):
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 22)))
        colour = (20, 20, 20) if rng.random() < 0.8 else (0, 90, 200)
        draw.text((8, y), line, fill=colour, font=font)
    return to_bgra(image)


def desktop(content: Pixels, top: int, width: int = 1920, height: int = 1080) -> Pixels:
    """A window: title bar, sidebar, a text pane showing ``content`` from ``top``, scroll bar."""
    image = Image.new("RGB", (width, height), (240, 240, 245))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    draw.rectangle((0, 0, width, 30), fill=(40, 44, 52))
    draw.text((10, 8), "Assist - document.txt", fill=(230, 230, 230), font=font)
    for i in range(40):
        draw.text(
            (10, 44 + 24 * i), f"Item {i} {WORDS[i % len(WORDS)]}", fill=(60, 60, 60), font=font
        )
    screen = to_bgra(image)
    pane_h, pane_w = height - 31, width - 200 - 14
    screen[31:, 200 : 200 + pane_w] = content[top : top + pane_h, :pane_w]
    screen[31:, width - 14 :] = (225, 225, 225, 255)
    thumb = 31 + top * pane_h // len(content)
    screen[thumb : thumb + 80, width - 12 : width - 2] = (150, 150, 150, 255)
    return screen


def photo(width: int, height: int, seed: int = 0, noise: float = 4.0) -> Pixels:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = rng.normal(0, noise, (height, width)).astype(np.float32)
    out = np.full((height, width, 4), 255, np.uint8)
    for c in range(3):
        wave = np.zeros((height, width), np.float32)
        for _ in range(4):
            fx, fy, phase = rng.uniform(0.001, 0.01), rng.uniform(0.001, 0.01), rng.uniform(0, 6)
            wave += np.sin(xx * fx + yy * fy + phase)
        out[..., c] = np.clip(128 + 25 * wave + grain, 0, 255).astype(np.uint8)
    return out


T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median milliseconds of ``repeat`` calls, and the last call's result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, result


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    return timed(fn, repeat)[0]


def wire_bytes(frames: list[Frame]) -> int:
    return sum(len(f.serialize()) for f in frames)


def psnr(a: Pixels, b: Pixels) -> float:
    mse = float(np.mean((a[..., :3].astype(np.float64) - b[..., :3].astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * float(np.log10(255**2 / mse))


def bench_compare(screen: Pixels, repeat: int) -> None:
    print("\n## Change detection, 1920x1080, one pixel changed (median ms)")
    other = screen.copy()
    other[500, 700, 1] ^= 1
    h, w = screen.shape[:2]
    a64, b64 = screen.reshape(h, w * 4).view(np.uint64), other.reshape(h, w * 4).view(np.uint64)
    ma, mb = memoryview(screen.reshape(-1).data), memoryview(other.reshape(-1).data)
    band = w * 4 * TILE

    def bytes_per_band() -> list[bool]:
        return [ma[i : i + band] == mb[i : i + band] for i in range(0, h * w * 4, band)]

    ways: dict[str, Callable[[], object]] = {
        "np.not_equal on (H, W, 4) + any per tile": lambda: (
            np.not_equal(screen, other).reshape(h, w // TILE, TILE * 4).any(axis=2)
        ),
        "uint64 view !=, any per tile": lambda: (
            (a64 != b64).reshape(h, w // TILE, TILE // 2).any(axis=2)
        ),
        "memoryview == per 64-row band": bytes_per_band,
    }
    for name, fn in ways.items():
        print(f"  {name:44s} {median_ms(fn, repeat):6.2f}")
    encoder = FrameEncoder()
    encoder.encode(screen, 0, 0)
    encoder.encode(screen, 0, 1)
    # The encoder's own compare (uint64 != into a scratch array, OR-reduced as uint64).
    print(
        f"  {'chosen: FrameEncoder change detection':44s} "
        f"{median_ms(encoder._changed_tiles, repeat):6.2f}"
    )
    print(
        f"  {'encode() of an unchanged screen (copy+diff)':44s} "
        f"{median_ms(lambda: encoder.encode(screen, 0, 2), repeat):6.2f}"
    )


def encode_keyframe(screen: Pixels) -> list[Frame]:
    return FrameEncoder().encode(screen, 0, 1)


def apply_all(decoder: FrameDecoder, frames: list[Frame]) -> None:
    for f in frames:
        decoder.apply(f)


def encode_all(fn: Callable[[Pixels], bytes | None], parts: list[Pixels]) -> list[bytes | None]:
    return [fn(p) for p in parts]


def bench_keyframes(screens: dict[str, Pixels], repeat: int) -> None:
    print("\n## 1080p keyframe (median)")
    print(f"  {'screen':8s} {'encode ms':>9s} {'KiB':>7s} {'decode ms':>9s} {'PSNR dB':>8s} codecs")
    for name, screen in screens.items():
        enc_ms, frames = timed(partial(encode_keyframe, screen), repeat)
        decoder = FrameDecoder()
        dec_ms, _ = timed(partial(apply_all, decoder, frames), repeat)
        used: dict[str, int] = {}
        for f in frames:
            for t in f.tiles:
                used[t.codec.name] = used.get(t.codec.name, 0) + 1
        quality = psnr(decoder.pixels, screen)
        print(
            f"  {name:8s} {enc_ms:9.1f} {wire_bytes(frames) / 1024:7.1f} {dec_ms:9.1f} "
            f"{quality:8.1f} {used}"
        )


def bench_codecs(screen: Pixels, repeat: int) -> None:
    jpeg_q = JPEG_QUALITIES[3]
    encoders: dict[str, Callable[[Pixels], bytes | None]] = {
        "ZLIB level 1": lambda p: codecs.encode_zlib(p, 1),
        "ZLIB level 6": lambda p: codecs.encode_zlib(p, 6),
        "PALETTE level 6": codecs.encode_palette,
        "PNG level 1": lambda p: codecs.encode_png(p, 1),
        "PNG level 6": lambda p: codecs.encode_png(p, 6),
        "WEBP lossless effort 0 m1": lambda p: codecs.encode_webp(
            p, lossless=True, quality=0, method=1
        ),
        "WEBP lossless effort 30 m1*": lambda p: codecs.encode_webp(
            p, lossless=True, quality=30, method=1
        ),
        "WEBP lossless effort 50 m3": lambda p: codecs.encode_webp(
            p, lossless=True, quality=50, method=3
        ),
        f"JPEG q{jpeg_q} (lossy)": lambda p: codecs.encode_jpeg(p, jpeg_q),
        "WEBP lossy q75 m0": lambda p: codecs.encode_webp(p, lossless=False, quality=75, method=0),
    }
    h, w = screen.shape[:2]
    for tw, th in ((64, 64), (1920, 128)):
        parts = [
            np.ascontiguousarray(screen[y : y + th, x : x + tw])
            for y in range(0, h - th + 1, th)
            for x in range(0, w - tw + 1, tw)
        ]
        colours = [len(np.unique(p.view(np.uint32))) for p in parts]
        if tw == TILE:  # compare every codec on the tiles PALETTE can take
            parts = [p for p, n in zip(parts, colours, strict=True) if 1 < n <= 256]
            what = f"{len(parts)} 64x64 text tiles of 2..256 colours"
        else:
            what = f"{len(parts)} 1920x128 text bands (PALETTE cannot: >256 colours)"
        pixels = sum(p.shape[0] * p.shape[1] for p in parts)
        print(f"\n## Codecs on {what} (* = chosen)")
        print(f"  {'codec':30s} {'bytes/tile':>10s} {'bits/px':>8s} {'us/tile':>8s}")
        for name, fn in encoders.items():
            ms, out = timed(partial(encode_all, fn, parts), repeat)
            if any(o is None for o in out):
                print(f"  {name:30s} {'n/a':>10s}")
                continue
            sizes = [len(o) for o in out if o is not None]
            bits = 8 * sum(sizes) / pixels
            print(
                f"  {name:30s} {statistics.mean(sizes):10.0f} {bits:8.3f} "
                f"{ms * 1e3 / len(parts):8.0f}"
            )


def bench_quality(screen: Pixels) -> None:
    print("\n## JPEG quality levels on the 1080p photo-like keyframe")
    for level, q in enumerate(JPEG_QUALITIES):
        frames = FrameEncoder(quality=level).encode(screen, 0, 1)
        decoder = FrameDecoder()
        for f in frames:
            decoder.apply(f)
        print(
            f"  level {level} (q{q}): {wire_bytes(frames) / 1024:7.1f} KiB, "
            f"PSNR {psnr(decoder.pixels, screen):.1f} dB"
        )


def bench_scroll(steps: list[int], frames_per_run: int) -> None:
    print("\n## Scrolling a 1080p text window, 30 frames per second (median per step)")
    content = text_page(1706, 1080 + max(steps) * frames_per_run + 64, seed=4)
    for step in steps:
        encoder, decoder = FrameEncoder(), FrameDecoder()
        for f in encoder.encode(desktop(content, 0), 0, 0):
            decoder.apply(f)
        sizes, times, moved = [], [], 0
        for i in range(1, frames_per_run + 1):
            screen = desktop(content, step * i)
            start = time.perf_counter()
            frames = encoder.encode(screen, 0, i)
            times.append(time.perf_counter() - start)
            sizes.append(wire_bytes(frames))
            moved += any(f.moves for f in frames)
            for f in frames:
                decoder.apply(f)
        exact = np.array_equal(decoder.pixels, screen)
        print(
            f"  {step:3d} px/frame: {statistics.median(sizes):7.0f} B/step, "
            f"{sum(sizes) / frames_per_run * 30 / 1000:6.1f} KB/s, "
            f"encode {statistics.median(times) * 1e3:5.1f} ms, "
            f"moves in {moved}/{frames_per_run} frames, exact={exact}"
        )
    keyframe = wire_bytes(FrameEncoder().encode(desktop(content, 0), 0, 0))
    print(f"  (re-sending the whole window: {keyframe / 1024:.1f} KiB per frame)")


def bench_video(screen: Pixels, frames_per_run: int) -> None:
    print("\n## A 640x360 video playing in the 1080p text window (median per frame)")
    film = photo(640 + 2 * frames_per_run, 360, seed=2)
    for level in (1, DEFAULT_QUALITY):
        encoder = FrameEncoder(quality=level)
        encoder.encode(screen, 0, 0)
        sizes, times, codecs_used = [], [], set()
        for i in range(1, frames_per_run + 1):
            frame = screen.copy()
            frame[300:660, 601:1241] = film[:, 2 * i : 2 * i + 640]
            start = time.perf_counter()
            frames = encoder.encode(frame, 0, i)
            times.append(time.perf_counter() - start)
            sizes.append(wire_bytes(frames))
            codecs_used |= {t.codec.name for f in frames for t in f.tiles}
        print(
            f"  quality level {level} (q{JPEG_QUALITIES[level]}): "
            f"{statistics.median(sizes) / 1024:6.1f} KiB/frame, "
            f"encode {statistics.median(times) * 1e3:5.1f} ms, codecs {sorted(codecs_used)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 5 if args.quick else 15
    text = desktop(text_page(1706, 1080), 0)
    picture = photo(1920, 1080)
    mixed = text.copy()
    mixed[200:800, 700:1600] = photo(900, 600, seed=1)
    bench_compare(text, repeat * 4)
    bench_keyframes({"text": text, "photo": picture, "mixed": mixed}, repeat)
    bench_codecs(text, max(3, repeat // 3))
    bench_quality(picture)
    bench_scroll([3, 10, 40], 30)
    bench_video(text, 30)


if __name__ == "__main__":
    main()
