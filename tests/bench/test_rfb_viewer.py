"""The reference viewer of ``make bench``: its decoders, and a real x11vnc read through it.

If the viewer decoded wrongly, x11vnc's latency (the probe colour) and its last picture
would be wrong, and every Assist/x11vnc ratio with them.
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from bench.rfb_viewer import Connection, Viewer
from bench.screen_bench import free_port, psnr

# ---------------------------------------------------------------- a ZRLE encoder, by the RFB spec


def _cpixel(rgb: np.ndarray) -> bytes:
    return bytes((int(rgb[2]), int(rgb[1]), int(rgb[0])))  # low three bytes, little-endian


def _run(length: int) -> bytes:
    out = b""
    length -= 1
    while length >= 255:
        out += b"\xff"
        length -= 255
    return out + bytes((length,))


def _runs(flat: np.ndarray) -> list[tuple[tuple[int, ...], int]]:
    runs: list[tuple[tuple[int, ...], int]] = []
    for px in map(tuple, flat):
        if runs and runs[-1][0] == px:
            runs[-1] = (px, runs[-1][1] + 1)
        else:
            runs.append((px, 1))
    return runs


def encode_tile(tile: np.ndarray, kind: str) -> bytes:
    th, tw = tile.shape[:2]
    flat = tile.reshape(-1, 3)
    colours = sorted({tuple(p) for p in flat})
    index = {c: i for i, c in enumerate(colours)}
    if kind == "raw":
        return b"\x00" + b"".join(_cpixel(p) for p in flat)
    if kind == "solid":
        return b"\x01" + _cpixel(flat[0])
    if kind == "packed":
        bits = 1 if len(colours) == 2 else 2 if len(colours) <= 4 else 4
        out = bytes((len(colours),)) + b"".join(_cpixel(np.array(c)) for c in colours)
        for row in tile:
            acc, n, line = 0, 0, b""
            for px in row:
                acc = (acc << bits) | index[tuple(px)]
                n += bits
                if n == 8:
                    line, acc, n = line + bytes((acc,)), 0, 0
            if n:
                line += bytes((acc << (8 - n),))
            out += line
        return out
    if kind == "rle":
        return b"\x80" + b"".join(_cpixel(np.array(c)) + _run(n) for c, n in _runs(flat))
    assert kind == "palette-rle"
    out = bytes((128 + len(colours),)) + b"".join(_cpixel(np.array(c)) for c in colours)
    for c, n in _runs(flat):
        out += bytes((index[c],)) if n == 1 else bytes((index[c] | 0x80,)) + _run(n)
    return out


@st.composite
def zrle_rects(draw: st.DrawFn) -> tuple[np.ndarray, list[str]]:
    w, h = draw(st.integers(1, 140)), draw(st.integers(1, 140))
    palette = np.array(
        draw(st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=20))
    ).astype(np.uint8)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Runs of colour along rows, as on a screen.
    idx = np.repeat(rng.integers(0, len(palette), (w * h) // 7 + 1), 7)[: w * h]
    picture = palette[idx].reshape(h, w, 3)
    kinds = []
    for ty in range(0, h, 64):
        for tx in range(0, w, 64):
            tile = picture[ty : ty + 64, tx : tx + 64]
            n = len({tuple(p) for p in tile.reshape(-1, 3)})
            options = ["raw", "rle"]
            if n == 1:
                options.append("solid")
            if 2 <= n <= 16:
                options.append("packed")
            if 2 <= n <= 127:
                options.append("palette-rle")
            kinds.append(draw(st.sampled_from(options)))
    return picture, kinds


def _viewer_fed(data: bytes, size: tuple[int, int] = (200, 200)) -> Viewer:
    a, b = socket.socketpair()
    a.sendall(data)
    a.close()
    viewer = Viewer(Connection(b), "zrle", None)
    viewer.width, viewer.height = size
    viewer.fb = np.zeros((size[1], size[0], 3), np.uint8)
    return viewer


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zrle_rects(), st.integers(0, 59), st.integers(0, 59))
def test_zrle_rectangles_decode_to_the_picture(
    case: tuple[np.ndarray, list[str]], x: int, y: int
) -> None:
    picture, kinds = case
    h, w = picture.shape[:2]
    payload, k = b"", iter(kinds)
    for ty in range(0, h, 64):
        for tx in range(0, w, 64):
            payload += encode_tile(picture[ty : ty + 64, tx : tx + 64], next(k))
    compressed = zlib.compressobj()
    body = compressed.compress(payload) + compressed.flush(zlib.Z_SYNC_FLUSH)
    viewer = _viewer_fed(struct.pack(">I", len(body)) + body)
    viewer._zrle(x, y, w, h)
    viewer.conn.sock.close()
    assert np.array_equal(viewer.fb[y : y + h, x : x + w], picture)
    assert not viewer.fb[:y].any() and not viewer.fb[y + h :].any()


def test_tight_fill_palette_and_copy_decode() -> None:
    mono = np.zeros((3, 10, 3), np.uint8)
    mono[1, 2:7] = (200, 10, 30)
    bits = np.packbits((mono[..., 0] > 0).astype(np.uint8), axis=1).tobytes()  # 2 bytes a row
    copy = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(4, 5, 3)
    stream = zlib.compressobj()
    copy_z = stream.compress(copy.tobytes()) + stream.flush(zlib.Z_SYNC_FLUSH)
    data = (
        b"\x80" + bytes((9, 8, 7))  # fill
        + b"\x40\x01\x01" + bytes((0, 0, 0, 200, 10, 30)) + bits  # palette of 2, 6 bytes raw
        + b"\x50\x00" + bytes((len(copy_z),)) + copy_z  # copy filter on stream 1, compressed
    )  # fmt: skip
    viewer = _viewer_fed(data, (40, 40))
    viewer.encoding = "tight"
    viewer._tight(0, 0, 40, 40)
    assert (viewer.fb == (9, 8, 7)).all()
    viewer._tight(20, 20, 10, 3)
    assert np.array_equal(viewer.fb[20:23, 20:30], mono)
    viewer._tight(0, 30, 5, 4)
    viewer.conn.sock.close()
    assert np.array_equal(viewer.fb[30:34, 0:5], copy)


# ---------------------------------------------------------------- a real x11vnc


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    from tools.xvfb import running_xvfb

    with running_xvfb("320x240x24") as display:
        yield display


@pytest.mark.xvfb
@pytest.mark.parametrize("encoding", ["tight", "zrle"])
def test_real_x11vnc_picture_arrives_exactly(
    encoding: str, xvfb_display: str, tmp_path: Path
) -> None:
    from bench.xserver import grab_screen

    if shutil.which("x11vnc") is None:
        pytest.fail("x11vnc is missing: make setup installs it (Debian package x11vnc)")
    painter = subprocess.Popen(
        [sys.executable, "-c", _PAINT], env={"DISPLAY": xvfb_display, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert painter.stdout is not None and painter.stdout.readline().strip() == b"painted"
    port = free_port()
    server = subprocess.Popen(
        ["x11vnc", "-display", xvfb_display, "-rfbport", str(port), "-localhost", "-nopw"]
        + ["-shared", "-forever", "-quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        while not server.stdout.readline().startswith(b"PORT="):
            pass
        stats, frame, counter = tmp_path / "s.json", tmp_path / "f.png", tmp_path / "bytes"
        viewer = subprocess.Popen(
            [sys.executable, "-m", "bench.rfb_viewer", "--port", str(port), "--encoding",
             encoding, "--stats", str(stats), "--save-frame", str(frame), "--probe", "8,8,16,16",
             "--counter", str(counter)],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        assert viewer.stdout is not None
        assert viewer.stdout.readline().startswith(b"ready 320x240")
        time.sleep(0.5)
        viewer.terminate()
        assert viewer.wait(10) == 0
        viewer.stdout.close()
        truth = grab_screen(xvfb_display)
        got = np.asarray(Image.open(frame).convert("RGB"))
        assert psnr(got, truth) == (100.0, 0)
        import json

        data = json.loads(stats.read_text())
        assert data["probe"]["changes"][0][1] == "#ff8000"  # the painted marker
        assert int(counter.read_bytes()) == data["bytes_received"] > 1000
    finally:
        server.terminate()
        server.wait(10)
        painter.kill()
        painter.wait(10)
        for pipe in (server.stdout, painter.stdout):
            if pipe is not None:
                pipe.close()


_PAINT = """
import numpy as np, sys, time, ctypes
from PySide6.QtWidgets import QApplication, QWidget
from PySide6.QtGui import QPainter, QColor, QImage
from PySide6.QtCore import Qt, QTimer
app = QApplication(sys.argv)
rng = np.random.default_rng(1)
photo = np.ascontiguousarray(rng.integers(0, 256, (120, 160, 4), dtype=np.uint8))
image = QImage(photo.data, 160, 120, 640, QImage.Format.Format_RGB32)
class W(QWidget):
    def paintEvent(self, e):
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(240, 240, 245))
        p.fillRect(0, 0, 32, 32, QColor(255, 128, 0))
        p.setPen(QColor(20, 20, 20))
        p.drawText(40, 60, "Printer setup: 프린터 설정")
        p.drawImage(140, 100, image)
w = W(); w.setWindowFlag(Qt.WindowType.FramelessWindowHint); w.setGeometry(0, 0, 320, 240)
w.show()
QTimer.singleShot(400, lambda: print("painted", flush=True))
app.exec()
"""


@pytest.mark.xvfb
def test_the_video_quality_bench_sees_motion_and_its_refinement() -> None:
    """The ``video`` part of make bench on a few real frames: motion goes as H.264 and
    the refinement brings the picture to 45 dB or better."""
    from bench import video_quality
    from tools.xvfb import running_xvfb

    with running_xvfb() as display:
        out = video_quality.run(display, frames=14)
    assert out["video"]["video_frames"] >= 5
    assert out["psnr_moving_min"] >= 30
    assert out["psnr_after_refine"] >= 45
    assert out["bytes_ratio"] < 0.5
