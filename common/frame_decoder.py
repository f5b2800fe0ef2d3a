"""The agent's side of screen updates: apply :class:`~common.messages.Frame` messages
to a copy of the customer's screen, checking every rectangle first."""

from __future__ import annotations

import numpy as np

from common.messages import Codec, Frame
from common.scroll import apply_move
from common.tile_codecs import OPAQUE, Pixels, Rect, decode_into, protocol_error, u32
from common.video import VideoDecoder

__all__ = ["MAX_SCREEN_PIXELS", "FrameDecoder"]

#: The largest screen a decoder accepts (8K by 4K).
MAX_SCREEN_PIXELS = 8192 * 4096


class FrameDecoder:
    """The agent's copy of the customer's screen, updated by Frame messages."""

    def __init__(self, *, max_pixels: int = MAX_SCREEN_PIXELS) -> None:
        self._max_pixels = max_pixels
        self._screen: Pixels = np.zeros((0, 0, 4), np.uint8)
        self._dirty: list[Rect] = []
        self._frame_id: int | None = None
        #: The H.264 stream of the region in motion, if one is running.
        self._video: VideoDecoder | None = None

    @property
    def pixels(self) -> Pixels:
        """The screen, ``(height, width, 4)`` BGRA. Replaced (not resized) on a new size."""
        return self._screen

    @property
    def width(self) -> int:
        return int(self._screen.shape[1])

    @property
    def height(self) -> int:
        return int(self._screen.shape[0])

    @property
    def dirty(self) -> list[Rect]:
        """Rectangles the last :meth:`apply` changed (whole screen after a resize)."""
        return list(self._dirty)

    @property
    def frame_id(self) -> int | None:
        """The id of the last complete frame, for the FrameAck; None before the first."""
        return self._frame_id

    def apply(self, frame: Frame) -> bool:
        """Apply one message: moves first, then tiles. True when it completed its frame.

        Raises only ProtocolError; nothing is changed if the message is out of bounds.
        """
        size = (frame.width, frame.height)
        resized = size != (self.width, self.height)
        if resized and not frame.keyframe:
            raise protocol_error(f"{size} is not the screen size and this is no keyframe")
        if frame.width * frame.height > self._max_pixels:
            raise protocol_error(f"screen {size} is larger than {self._max_pixels} pixels")
        for m in frame.moves:
            self._check_inside(Rect(m.src_x, m.src_y, m.w, m.h), size)
            self._check_inside(Rect(m.x, m.y, m.w, m.h), size)
        for t in frame.tiles:
            self._check_inside(Rect(t.x, t.y, t.w, t.h), size)
        if frame.keyframe:
            self._video = None  # a whole picture: any stream is over
        if resized:
            self._screen = np.zeros((frame.height, frame.width, 4), np.uint8)
            u32(self._screen)[...] = OPAQUE
        self._dirty = [Rect(0, 0, *size)] if resized else []
        for m in frame.moves:
            if m.w and m.h:
                apply_move(self._screen, m)
                self._dirty.append(Rect(m.x, m.y, m.w, m.h))
        for t in frame.tiles:
            region = self._screen[t.y : t.y + t.h, t.x : t.x + t.w]
            if t.codec == Codec.H264:
                rect = Rect(t.x, t.y, t.w, t.h)
                if self._video is None or self._video.rect != rect:
                    self._video = VideoDecoder(rect)  # a new stream (starts with an IDR)
                try:
                    self._video.decode_into(t.data, region)
                except Exception:
                    self._video = None
                    raise
            else:
                decode_into(t.codec, t.data, region)
            self._dirty.append(Rect(t.x, t.y, t.w, t.h))
        if frame.final:
            self._frame_id = frame.frame_id
        return frame.final

    @staticmethod
    def _check_inside(r: Rect, size: tuple[int, int]) -> None:
        if r.x + r.w > size[0] or r.y + r.h > size[1]:
            raise protocol_error(f"{r} reaches outside the {size[0]}x{size[1]} screen")
