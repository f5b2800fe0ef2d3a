"""H.264 for the region in motion: the tracker, the codecs, and the encoder's whole cycle
(tiles, then video while it moves, then the region again without loss) as the agent's
decoder sees it."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import ProtocolError
from common.messages import Codec, Frame
from common.tile_codecs import Rect
from common.tiles import REFINE_AFTER_NS, FrameDecoder, FrameEncoder
from common.video import (
    HOT_OF_HISTORY,
    MIN_HOT_TILES,
    MotionTracker,
    VideoDecoder,
    VideoEncoder,
    available,
    has_idr,
)

pytestmark = pytest.mark.skipif(not available(), reason="PyAV without libx264")

W, H = 640, 448  # 10 x 7 tiles


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    d = a[..., :3].astype(np.float64) - b[..., :3]
    mse = float(np.mean(d**2))
    return 100.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def desktop(seed: int = 1) -> np.ndarray:
    """A light desktop with lines of "text" (dark runs on white): flat, not photo-like."""
    rng = np.random.default_rng(seed)
    px = np.full((H, W, 4), 250, np.uint8)
    for y in range(8, H - 12, 18):
        x = 8
        while x < W - 40:
            n = int(rng.integers(3, 30))
            px[y : y + 10, x : x + n, :3] = rng.integers(0, 90)
            x += n + int(rng.integers(4, 12))
    return px


def window_at(base: np.ndarray, x: int, y: int, t: int) -> np.ndarray:
    """``base`` with a 300x220 window at (x, y) whose content is a noisy picture (t frames in)."""
    px = base.copy()
    rng = np.random.default_rng(t)
    win = np.zeros((220, 300, 4), np.uint8)
    gy, gx = np.mgrid[0:220, 0:300]
    win[..., 0] = (gx * 0.8 + t * 3) % 256
    win[..., 1] = (gy * 1.1 + t * 5) % 256
    win[..., 2] = 128 + 60 * np.sin((gx + gy + t * 7) / 23.0)
    win[..., :3] = np.clip(win[..., :3].astype(int) + rng.integers(-5, 5, (220, 300, 3)), 0, 255)
    px[y : y + 220, x : x + 300] = win
    px[..., 3] = 255
    return px


def apply(decoder: FrameDecoder, frames: list[Frame]) -> None:
    for f in frames:
        decoder.apply(f)


def codecs(frames: list[Frame]) -> set[Codec]:
    return {t.codec for f in frames for t in f.tiles}


# ---------------------------------------------------------------- the tracker


def test_a_region_is_hot_only_when_it_changes_frame_after_frame() -> None:
    tracker = MotionTracker()
    big = np.zeros((7, 10), bool)
    big[1:5, 2:6] = True  # 16 tiles
    small = np.zeros((7, 10), bool)
    small[3, 1:4] = True  # a line of typing: 3 tiles
    for _ in range(10):
        tracker.note(small)
    assert tracker.region() is None
    for i in range(HOT_OF_HISTORY):
        assert tracker.region() is None, i
        tracker.note(big)
    assert tracker.region() == (2, 1, 6, 5)
    tracker.note(np.zeros_like(big))
    tracker.note(np.zeros_like(big))
    assert tracker.region() is None  # 2 of the last 4 frames: no longer in motion
    assert MIN_HOT_TILES > 3


# ---------------------------------------------------------------- the codecs


def test_a_stream_round_trips_and_refuses_what_it_should() -> None:
    enc = VideoEncoder(128, 64, 23)
    pictures = [np.full((64, 128, 4), 40 * i, np.uint8) for i in range(1, 5)]
    data = [enc.encode(p) for p in pictures]
    assert has_idr(data[0]) and not any(has_idr(d) for d in data[1:])
    dec = VideoDecoder(Rect(0, 0, 120, 60))
    with pytest.raises(ProtocolError):  # a stream must start with its IDR
        dec.decode_into(data[1], np.zeros((60, 120, 4), np.uint8))
    out = np.zeros((60, 120, 4), np.uint8)
    for p, d in zip(pictures, data, strict=True):
        dec.decode_into(d, out)
        assert psnr(out, p[:60, :120]) > 40
        assert (out[..., 3] == 255).all()
    wrong = VideoDecoder(Rect(0, 0, 64, 64))  # the picture is 128x64, not 64x64
    with pytest.raises(ProtocolError):
        wrong.decode_into(data[0], np.zeros((64, 64, 4), np.uint8))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.booleans())
def test_garbage_is_refused_with_a_protocol_error_only(junk: bytes, idr_header: bool) -> None:
    data = (b"\x00\x00\x00\x01\x65" + junk) if idr_header else junk
    assert has_idr(data) == (idr_header or has_idr(junk))
    out = np.zeros((64, 64, 4), np.uint8)
    before = out.copy()
    try:
        VideoDecoder(Rect(0, 0, 64, 64)).decode_into(data, out)
    except ProtocolError:
        assert np.array_equal(out, before)  # nothing written


# ---------------------------------------------------------------- the encoder's cycle


def run(encoder: FrameEncoder, decoder: FrameDecoder, screens: list[np.ndarray], start: int):
    """Encode and apply each screen; returns (frames of each, PSNR after each)."""
    out = []
    for i, px in enumerate(screens):
        frames = encoder.encode(px, time.time_ns(), start + i)
        apply(decoder, frames)
        out.append((frames, psnr(decoder.pixels, px)))
    return out


def test_a_dragged_window_goes_as_video_and_comes_back_exact() -> None:
    base = desktop()
    encoder, decoder = FrameEncoder(video=True), FrameDecoder()
    apply(decoder, encoder.encode(base, time.time_ns(), 1))
    screens = [window_at(base, 40 + 12 * i, 30 + 7 * i, i) for i in range(16)]
    results = run(encoder, decoder, screens, 2)
    assert Codec.H264 not in codecs(results[0][0])  # not before it has moved a while
    video = [r for r in results if Codec.H264 in codecs(r[0])]
    assert len(video) >= 10 and encoder.video_active
    assert min(p for _, p in video) >= 32  # video-grade while it moves
    last = screens[-1]
    # Outside the region in motion the agent's screen is exact all along.
    v = next(t for f in video[-1][0] for t in f.tiles if t.codec == Codec.H264)
    outside = np.ones((H, W), bool)
    outside[v.y : v.y + v.h, v.x : v.x + v.w] = False
    assert np.array_equal(decoder.pixels[outside][:, :3], last[outside][:, :3])
    # The motion stops: the region is due again without loss, and then it is exact.
    due = encoder.refine_due_ns()
    assert due is not None and due - time.time_ns() <= REFINE_AFTER_NS
    refined = encoder.refine(time.time_ns(), 99)
    assert Codec.H264 not in codecs(refined) and not encoder.video_active
    apply(decoder, refined)
    assert psnr(decoder.pixels, last) >= 45
    # The text under and around is exact; the window's noisy picture is ≥ 45 dB.
    assert np.array_equal(decoder.pixels[outside][:, :3], last[outside][:, :3])
    assert encoder.refine_due_ns() is None and encoder.refine(time.time_ns(), 100) == []
    # And a new motion starts a new stream the decoder follows.
    more = run(encoder, decoder, [window_at(base, 300, 200, 50 + i) for i in range(8)], 101)
    assert Codec.H264 in codecs(more[-1][0]) and more[-1][1] >= 32


def test_a_viewer_who_joins_mid_stream_can_decode_the_next_picture() -> None:
    base = desktop()
    encoder, first = FrameEncoder(video=True), FrameDecoder()
    apply(first, encoder.encode(base, time.time_ns(), 1))
    run(encoder, first, [window_at(base, 40 + 10 * i, 40, i) for i in range(8)], 2)
    assert encoder.video_active
    # The newcomer gets a whole picture of what everyone has, then the shared stream
    # starts over so its first picture is an IDR.
    late = FrameDecoder()
    keyframe = FrameEncoder()
    apply(late, keyframe.encode(encoder.picture(), time.time_ns(), 9, force_keyframe=True))
    encoder.restart_video()
    for i, px in enumerate([window_at(base, 130 + 10 * i, 40, 20 + i) for i in range(3)]):
        frames = encoder.encode(px, time.time_ns(), 10 + i)
        if i == 0:
            assert any(has_idr(t.data) for f in frames for t in f.tiles if t.codec == Codec.H264)
        apply(first, frames)
        apply(late, frames)
        assert psnr(late.pixels, px) >= 32 and psnr(first.pixels, px) >= 32


def test_a_keyframe_ends_the_stream_on_both_sides() -> None:
    base = desktop()
    encoder, decoder = FrameEncoder(video=True), FrameDecoder()
    apply(decoder, encoder.encode(base, time.time_ns(), 1))
    run(encoder, decoder, [window_at(base, 40 + 10 * i, 40, i) for i in range(8)], 2)
    assert encoder.video_active
    encoder.request_keyframe()
    px = window_at(base, 200, 100, 30)
    frames = encoder.encode(px, time.time_ns(), 20)
    assert frames[0].keyframe and Codec.H264 not in codecs(frames)
    apply(decoder, frames)
    assert not encoder.video_active and psnr(decoder.pixels, px) >= 36


def test_without_video_nothing_is_h264() -> None:
    base = desktop()
    encoder, decoder = FrameEncoder(), FrameDecoder()
    apply(decoder, encoder.encode(base, time.time_ns(), 1))
    results = run(encoder, decoder, [window_at(base, 40 + 9 * i, 30, i) for i in range(10)], 2)
    assert all(Codec.H264 not in codecs(f) for f, _ in results)
    assert not encoder.video_active and encoder.refine_due_ns() is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("move"), st.integers(0, W - 300), st.integers(0, H - 220)),
            st.tuples(st.just("type"), st.integers(0, W - 40), st.integers(0, H - 12)),
            st.tuples(st.just("refine"), st.just(0), st.just(0)),
            st.tuples(st.just("keyframe"), st.just(0), st.just(0)),
        ),
        min_size=1,
        max_size=24,
    )
)
def test_after_a_refinement_the_agent_has_the_screen(steps: list[tuple[str, int, int]]) -> None:
    """Any mix of motion, typing, refinements and keyframes: outside the region in motion
    the agent's screen is always exact, and after a refinement it is everywhere (text
    exactly; the window's noisy picture as JPEG, as tiles always send it)."""
    base = desktop(3)
    encoder, decoder = FrameEncoder(video=True), FrameDecoder()
    screen = window_at(base, 0, 0, 0)
    apply(decoder, encoder.encode(screen, time.time_ns(), 1))
    for i, (what, x, y) in enumerate(steps):
        fid = 2 + i
        if what == "move":
            screen = window_at(base, x, y, i)
            frames = encoder.encode(screen, time.time_ns(), fid)
        elif what == "type":
            screen = screen.copy()
            screen[y : y + 12, x : x + 8, :3] = (i * 37) % 200
            frames = encoder.encode(screen, time.time_ns(), fid)
        elif what == "refine":
            frames = encoder.refine(time.time_ns(), fid)
        else:
            encoder.request_keyframe()
            frames = encoder.encode(screen, time.time_ns(), fid)
        apply(decoder, frames)
        if not encoder.video_active:
            assert psnr(decoder.pixels, screen) >= 36  # tiles: lossless text, JPEG photo
    apply(decoder, encoder.refine(time.time_ns(), 999))
    assert not encoder.video_active
    assert psnr(decoder.pixels, screen) >= 36
