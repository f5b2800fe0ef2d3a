"""Decoding the customer's frames on a worker thread, and handing the screen to whoever shows it.

The network thread calls :meth:`FramePipeline.submit` for every ``Frame``
message; a worker thread applies it to a :class:`~common.tiles.FrameDecoder`.
When a frame completes:

* headless (no ``on_update``): it is acknowledged at once and counted as shown;
* with a window: the changed regions since the last hand-off are copied out
  (through ``make_image``, e.g. into QImages) and passed to ``on_update`` as one
  :class:`FrameUpdate`, at most ``max_rate_hz`` times a second and never while
  the previous update is still unpainted. Frames completed meanwhile are folded
  into the next update. When the window has painted it calls
  :meth:`displayed`, which acknowledges every frame the update covered and
  records their latency.

So the GUI thread never decodes, and a slow painter slows the customer down
(through the acks) instead of queueing up frames.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from assist_agent.stats import FrameStats
from common.errors import AssistError, ProtocolError
from common.messages import Frame
from common.tiles import FrameDecoder, Rect

log = logging.getLogger(__name__)

#: Above this many separate regions an update sends their bounding box instead.
MAX_PATCHES = 24

MakeImage = Callable[[np.ndarray], Any]


@dataclasses.dataclass(frozen=True)
class FrameUpdate:
    """What changed on the customer's screen since the last update."""

    seq: int
    frame_id: int
    width: int
    height: int
    full: bool  # the one patch is the whole screen (first frame, new size)
    patches: tuple[tuple[int, int, Any], ...]  # (x, y, image made by make_image)
    cursor: tuple[int, int]


class _Shown:
    __slots__ = ("seq", "shown_ns")

    def __init__(self, seq: int, shown_ns: int) -> None:
        self.seq, self.shown_ns = seq, shown_ns


_STOP = object()


def merge_rects(rects: list[Rect], limit: int = MAX_PATCHES) -> list[Rect]:
    """Drop rectangles inside others; beyond ``limit`` use one bounding box."""
    kept: list[Rect] = []
    for r in sorted(rects, key=lambda r: -(r.w * r.h)):
        if r.w <= 0 or r.h <= 0:
            continue
        if any(
            k.x <= r.x and k.y <= r.y and k.x + k.w >= r.x + r.w and k.y + k.h >= r.y + r.h
            for k in kept
        ):
            continue
        kept.append(r)
    if len(kept) <= limit:
        return kept
    x0, y0 = min(r.x for r in kept), min(r.y for r in kept)
    x1, y1 = max(r.x + r.w for r in kept), max(r.y + r.h for r in kept)
    return [Rect(x0, y0, x1 - x0, y1 - y0)]


class FramePipeline:
    def __init__(
        self,
        *,
        stats: FrameStats,
        on_ack: Callable[[list[int]], None],
        on_error: Callable[[AssistError], None],
        on_update: Callable[[FrameUpdate], None] | None = None,
        on_first_frame: Callable[[], None] | None = None,
        make_image: MakeImage | None = None,
        max_rate_hz: float = 60.0,
    ) -> None:
        self.stats = stats
        self._on_ack = on_ack
        self._on_error = on_error
        self._on_update = on_update
        self._on_first = on_first_frame
        self._make_image = make_image or (lambda a: a.copy())
        self._interval = 1.0 / max_rate_hz
        self.decoder = FrameDecoder()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="assist-decode", daemon=True)
        # worker-thread state
        self._dirty: list[Rect] = []
        self._full = True
        self._mid_frame = False
        self._completed: list[tuple[int, int]] = []  # (frame_id, capture_ns) not yet handed off
        self._in_flight: dict[int, list[tuple[int, int]]] = {}
        self._busy = False
        self._seq = 0
        self._last_emit = 0.0
        self._cursor = (-1, -1)
        self._failed = False
        self.completed_frames = 0
        #: Headless only: called on this worker thread as each frame completes (which is
        #: when headless counts it shown) with the decoder and that wall-clock time in ns.
        self.on_shown: Callable[[FrameDecoder, int], None] | None = None

    def start(self) -> None:
        self._thread.start()

    def submit(self, frame: Frame) -> None:
        """Any thread: queue a Frame message for decoding."""
        self._queue.put(frame)

    def displayed(self, seq: int, shown_ns: int | None = None) -> None:
        """Any thread: the update ``seq`` is on screen now."""
        self._queue.put(_Shown(seq, time.time_ns() if shown_ns is None else shown_ns))

    def stop(self, *, wait: bool = False, timeout: float = 5.0) -> None:
        """Finish the queued frames, then stop; ``wait`` joins the thread."""
        self._queue.put(_STOP)
        if wait and self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # ------------------------------------------------------------ worker thread

    def _run(self) -> None:
        due: float | None = None
        while True:
            timeout = None if due is None else max(0.0, due - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            try:
                if isinstance(item, Frame):
                    self._apply(item)
                elif isinstance(item, _Shown):
                    self._shown(item)
                due = self._maybe_emit()
            except Exception:  # noqa: BLE001 - a bad frame must not kill the thread silently
                log.exception("decoding a frame failed")
                self._fail(ProtocolError())

    def _fail(self, err: AssistError) -> None:
        if not self._failed:
            self._failed = True
            self._on_error(err)

    def _apply(self, frame: Frame) -> None:
        if self._failed:
            return
        started = time.perf_counter()
        try:
            done = self.decoder.apply(frame)
        except ProtocolError as err:
            log.warning("refused a frame: %s", err)
            self._fail(err)
            return
        self.stats.decoded(time.perf_counter() - started)
        size = (self.decoder.width, self.decoder.height)
        dirty = self.decoder.dirty
        if self._full or Rect(0, 0, *size) in dirty:
            self._full, self._dirty = True, []  # the whole screen goes in the next update
        else:
            self._dirty.extend(dirty)
            if len(self._dirty) > 4 * MAX_PATCHES:
                self._dirty = merge_rects(self._dirty)
        self._mid_frame = not done
        if not done:
            return
        self._cursor = (frame.cursor_x, frame.cursor_y)
        self.completed_frames += 1
        if self.completed_frames == 1 and self._on_first is not None:
            self._on_first()
        if self._on_update is None:
            self._on_ack([frame.frame_id])
            shown_ns = time.time_ns()
            self.stats.shown([frame.capture_ns], shown_ns)
            if self.on_shown is not None:
                self.on_shown(self.decoder, shown_ns)
            self._dirty, self._full = [], False
        else:
            self._completed.append((frame.frame_id, frame.capture_ns))

    def _shown(self, item: _Shown) -> None:
        frames = self._in_flight.pop(item.seq, [])
        if item.seq == self._seq:
            self._busy = False
        if frames:
            self._on_ack([fid for fid, _ in frames])
            self.stats.shown([stamp for _, stamp in frames], item.shown_ns)

    def _maybe_emit(self) -> float | None:
        """Hand the next update to the window if it is free; returns when to try again."""
        if self._on_update is None or self._busy or self._mid_frame or not self._completed:
            return None
        now = time.monotonic()
        if now - self._last_emit < self._interval:
            return self._last_emit + self._interval
        pixels = self.decoder.pixels
        h, w = pixels.shape[:2]
        rects = [Rect(0, 0, w, h)] if self._full else merge_rects(self._dirty)
        patches = tuple(
            (r.x, r.y, self._make_image(pixels[r.y : r.y + r.h, r.x : r.x + r.w])) for r in rects
        )
        self._seq += 1
        self._in_flight[self._seq] = self._completed
        update = FrameUpdate(
            self._seq, self._completed[-1][0], w, h, self._full, patches, self._cursor
        )
        self._completed, self._dirty, self._full = [], [], False
        self._busy = True
        self._last_emit = now
        self._on_update(update)
        return None
