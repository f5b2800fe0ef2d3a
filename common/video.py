"""H.264 for the part of the screen in motion: finding it, encoding it, decoding it.

No I/O: the codecs are libx264 and FFmpeg's H.264 decoder through PyAV, fed and read
in memory.

* :class:`MotionTracker` keeps, for every 64-pixel tile, whether it changed in each of
  the last :data:`HISTORY` encoded frames. A tile that changed in at least
  :data:`HOT_OF_HISTORY` of them is *hot*; when at least :data:`MIN_HOT_TILES` are
  hot, their bounding box is where the screen moves (a video, an animation, a window
  being dragged). Typing, a blinking caret or a progress bar never get there; a
  scroll that the move detection caught leaves only a strip, which does not either.
* :class:`VideoEncoder` encodes one rectangle of the screen (BGRA, whole tiles) as an
  H.264 stream: libx264 ``ultrafast`` with ``zerolatency`` (no B-frames, no
  look-ahead: every picture comes out at once), constant quality (CRF), no periodic
  keyframes (a stream starts with one; a viewer who needs another gets a new stream).
* :class:`VideoDecoder` decodes such a stream into BGRA. It refuses, with a
  :class:`~common.errors.ProtocolError`, a stream that does not start with an IDR
  picture, pictures of the wrong size and anything the decoder cannot read.

The wire layout (``Codec.H264`` in ``docs/protocol.md``): a tile's data is one access
unit in Annex B form (start codes), whose picture covers the tile's rectangle rounded
up to whole 64-pixel tiles (the decoder crops it to ``w`` x ``h``).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from common.tile_codecs import OPAQUE, Pixels, Rect, protocol_error, u32

__all__ = [
    "CRF_FOR_QUALITY",
    "MotionTracker",
    "VideoDecoder",
    "VideoEncoder",
    "available",
    "has_idr",
]

TILE = 64
HISTORY = 4
HOT_OF_HISTORY = 3
#: 12 tiles: about a 256x192 area, the size of a small video or a dialog.
MIN_HOT_TILES = 12
#: CRF of libx264 for each quality level of the encoder (0 smallest .. 4 best); level 3
#: (the default) measured 33 dB PSNR on a noisy photo panning at 1080p.
CRF_FOR_QUALITY = (33, 29, 26, 23, 20)
#: Largest picture side a stream may have (the tile limit).
MAX_SIDE = 4096
_NAL_IDR = 5


def available() -> bool:
    """Can this machine encode and decode H.264 (PyAV with libx264)?"""
    try:
        import av
    except ImportError:
        return False
    return "libx264" in av.codecs_available and "h264" in av.codecs_available


def has_idr(data: bytes) -> bool:
    """Does this Annex B access unit hold an IDR picture (NAL unit type 5)?"""
    i, n = 0, len(data)
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= n:
            return False
        if data[i + 3] & 0x1F == _NAL_IDR:
            return True
        i += 3


def _grid(x: int) -> int:
    return -(-x // TILE) * TILE


# ---------------------------------------------------------------- where it moves


class MotionTracker:
    """Which tiles changed frame after frame; see the module docstring."""

    def __init__(self) -> None:
        self._history: npt.NDArray[np.uint8] = np.zeros((0, 0), np.uint8)

    def reset(self, grid: tuple[int, int] | None = None) -> None:
        """Forget the history (a new monitor or size: ``grid`` is its rows and columns)."""
        self._history = np.zeros(grid if grid is not None else self._history.shape, np.uint8)

    def note(self, changed: npt.NDArray[np.bool_]) -> None:
        """One encoded frame: ``changed`` per tile (after scrolls were taken out)."""
        if changed.shape != self._history.shape:
            self.reset(changed.shape)
        mask = np.uint8((1 << HISTORY) - 1)
        self._history = ((self._history << np.uint8(1)) | changed.astype(np.uint8)) & mask

    def could_move(self, changed: npt.NDArray[np.bool_]) -> bool:
        """Could noting ``changed`` make a region (are there enough tiles with any
        change in their history)? A cheap test before the whole one."""
        if changed.shape != self._history.shape:
            return False
        return int(np.count_nonzero(self._history | changed)) >= MIN_HOT_TILES

    def hot(self) -> npt.NDArray[np.bool_]:
        counts = np.zeros(self._history.shape, np.uint8)
        for bit in range(HISTORY):
            counts += (self._history >> np.uint8(bit)) & np.uint8(1)
        return counts >= HOT_OF_HISTORY

    def region(self) -> tuple[int, int, int, int] | None:
        """The tiles in motion as (col0, row0, col1, row1), or None if too few."""
        if int(np.count_nonzero(self._history)) < MIN_HOT_TILES:
            return None  # too few tiles changed at all lately: the whole test is moot
        hot = self.hot()
        if int(hot.sum()) < MIN_HOT_TILES:
            return None
        rows, cols = np.flatnonzero(hot.any(axis=1)), np.flatnonzero(hot.any(axis=0))
        if len(rows) < 2 or len(cols) < 2:
            return None  # a line (a ticker, the strip a scroll uncovers) is no video
        return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


# ---------------------------------------------------------------- codecs


class VideoEncoder:
    """One H.264 stream of one rectangle of whole tiles; see the module docstring."""

    def __init__(self, width: int, height: int, crf: int) -> None:
        import av

        if width % TILE or height % TILE or not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
            raise ValueError(
                f"a video stream is whole tiles up to {MAX_SIDE}, not {width}x{height}"
            )
        self.size = (width, height)
        self.crf = crf
        self._ctx: Any = av.CodecContext.create("libx264", "w")
        self._ctx.width, self._ctx.height = width, height
        self._ctx.pix_fmt = "yuv420p"
        self._ctx.time_base = Fraction(1, 1000)
        self._ctx.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "crf": str(crf),
            # No periodic keyframes: a stream starts with one and viewers who lose
            # their place get a new stream. Two slices let both cores work on a picture.
            # A picture never outgrows a message: VBV caps it near 750 KB.
            "x264-params": "keyint=infinite:min-keyint=infinite:scenecut=0:repeat-headers=1"
            ":vbv-maxrate=60000:vbv-bufsize=6000",
            "threads": "2",
        }
        # The picture is copied into a frame of our own (half the cost of a new one
        # from numpy) and converted to YUV 4:2:0 by swscale.
        self._bgra: Any = av.VideoFrame(width, height, "bgra")
        plane = self._bgra.planes[0]
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(height, plane.line_size)
        self._view = rows[:, : width * 4].reshape(height, width, 4)
        self._reformatter: Any = av.video.reformatter.VideoReformatter()
        self._pts = 0
        self.pictures = 0

    def encode(self, pixels: Pixels, changed: list[Rect] | None = None) -> bytes:
        """One picture of BGRA ``pixels`` (the stream's size) as an Annex B access unit;
        ``changed``: where it differs from the last picture (None: anywhere)."""
        if pixels.shape[:2] != (self.size[1], self.size[0]):
            raise ValueError(f"picture {pixels.shape[1::-1]} is not the stream's {self.size}")
        if changed is None or not self.pictures:
            np.copyto(self._view, pixels)
        else:
            for x, y, w, h in changed:
                self._view[y : y + h, x : x + w] = pixels[y : y + h, x : x + w]
        frame = self._reformatter.reformat(self._bgra, format="yuv420p", interpolation="POINT")
        frame.pts = self._pts
        self._pts += 1
        data = b"".join(bytes(p) for p in self._ctx.encode(frame))
        if not data:  # zerolatency never holds a picture back; if it ever did, say so
            raise RuntimeError("libx264 held a picture back")
        self.pictures += 1
        return data

    def close(self) -> None:
        self._ctx = None


class VideoDecoder:
    """The agent's end of one stream; see the module docstring."""

    def __init__(self, rect: Rect) -> None:
        import av

        self.rect = rect
        self.size = (_grid(rect.w), _grid(rect.h))
        self._ctx: Any = av.CodecContext.create("h264", "r")
        self._ctx.thread_type = "SLICE"
        self._started = False

    def decode_into(self, data: bytes, out: Pixels) -> None:
        """Decode one access unit into ``out`` (the rectangle on screen, ``(h, w, 4)``).

        Raises only ProtocolError; ``out`` is untouched unless a whole picture decoded.
        """
        import av

        if not self._started:
            if not has_idr(data):
                raise protocol_error("H.264 stream does not start with an IDR picture")
            self._started = True
        try:
            # One access unit is one packet: a parser would hold it back until the
            # next one starts. No B-frames, so the picture comes out at once.
            frames = self._ctx.decode(av.Packet(data))
        except (av.FFmpegError, ValueError) as exc:
            raise protocol_error(f"undecodable H.264 ({type(exc).__name__})") from None
        if len(frames) != 1:
            raise protocol_error(f"H.264 access unit gave {len(frames)} pictures, not 1")
        frame = frames[0]
        if (frame.width, frame.height) != self.size:
            raise protocol_error(f"H.264 picture is {frame.width}x{frame.height}, not {self.size}")
        h, w = out.shape[:2]
        bgra = frame.to_ndarray(format="bgra")
        np.bitwise_or(u32(bgra)[:h, :w], OPAQUE, out=u32(out))


@dataclasses.dataclass
class VideoRegion:
    """The encoder's stream: where (in tiles), its codec, and when it last changed."""

    cols: tuple[int, int]
    rows: tuple[int, int]
    encoder: VideoEncoder | None  # None: the next picture starts a stream (an IDR)
    changed_ns: int
    dead: bool = False  # given up (a picture too big): only waits to be refined

    def tiles(self, grid: tuple[int, int]) -> npt.NDArray[np.bool_]:
        inside = np.zeros(grid, bool)
        inside[self.rows[0] : self.rows[1], self.cols[0] : self.cols[1]] = True
        return inside
