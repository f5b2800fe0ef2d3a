"""The capture thread: grab the shared monitor, encode what changed, send it, pace it.

Everything here runs on its own thread (never the GUI thread). One
:class:`Streamer` shares one monitor at a time:

* **Capture** with mss (its own instance, created on the capture thread), as a
  zero-copy numpy view of the BGRA bytes.
* **Only when and where something was drawn.** On X11 the capture source
  carries a :class:`~assist_client.damage.DamageWatcher`: the thread sleeps on
  the X server's connection until something is drawn on the shared monitor,
  then grabs only the drawn rectangles and hands them to the encoder as patches
  (:meth:`~common.tiles.FrameEncoder.encode_patches`: only the tile rows they
  touch are compared); a pointer that moves over a still screen costs a frame
  with no tiles and no grab. Whole pictures (keyframes, a new monitor, new
  masks) are grabbed whole. Elsewhere it polls as below.
* **A static screen costs almost nothing.** A capture is first compared with
  the previous one as raw bytes (one ``memcmp``, ~1 ms at 1080p); when nothing
  moved, the encoder is not even called. For :data:`ACTIVE_S` after the last
  change the screen is still polled at the frame rate (so the next keystroke
  is seen within one frame interval); after that the capture interval backs
  off to :data:`IDLE_INTERVAL_S` (a few captures per second). The first change
  brings it straight back.
* **Pacing** counts from the start of a capture, so encoding does not stretch
  the frame interval: at the cap, a frame that took 20 ms to encode is
  followed by the next capture 1/fps after the previous one began, not 1/fps
  after it was sent.
* **Flow control.** At most ``window`` frames may be in flight without a
  :class:`~common.messages.FrameAck` (acks are cumulative: an ack for frame N
  settles everything up to N). While the window is full nothing is captured,
  so the next frame sent is the freshest one, and on a slow link the client
  sends fewer frames instead of queueing stale ones: latency stays bounded by
  ``window`` frames.
* **Adaptation.** Once a second the smoothed ack round-trip time and the relay's
  congestion level pick the frame rate cap and the JPEG quality step for
  photo-like areas (text stays lossless at every step).
* **Video where it moves.** When a region changes frame after frame (a video, a
  window being dragged) the encoder sends it as H.264 (see :mod:`common.video`)
  and the rest as tiles; :data:`common.tiles.REFINE_AFTER_NS` after the region
  last changed, the thread wakes and sends it again without loss. Off with
  ``ASSIST_NO_VIDEO=1`` or where PyAV has no libx264.
* **Encoding in parallel.** The capture thread hands a big frame's rectangles,
  and the picture of a region in motion, to :data:`ENCODE_WORKERS` threads at
  once (the codecs release the GIL) and waits for them: a frame is still
  finished before the next capture, so the flow-control window is unchanged.
* **Pause and stop** take the lock the thread holds while it hands a frame to
  the network, so once :meth:`Streamer.pause` or :meth:`Streamer.stop` returns,
  not one more frame is sent. An encoded frame that loses that race is dropped
  and the next one is a keyframe.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_client.damage import DamageWatcher, open_damage
from common.messages import Frame, Move
from common.pacing import ADAPT_EVERY_S, STALL_S, Adaptation, CapturePace, FrameWindow
from common.tiles import DEFAULT_QUALITY, FrameEncoder
from common.video import available as video_available

log = logging.getLogger(__name__)

Pixels = npt.NDArray[np.uint8]
Rect = tuple[int, int, int, int]

#: Frames that may be in flight without an ack.
DEFAULT_WINDOW = 3
#: Moved windows smaller than this (a side, in pixels) are not worth a move.
MIN_HINT_SIDE = 32
#: Encoding workers beside the capture thread: one per core, at most 4;
#: ``ASSIST_ENCODE_WORKERS=0`` encodes on the capture thread alone.
ENCODE_WORKERS = int(os.environ.get("ASSIST_ENCODE_WORKERS", max(1, min(4, os.cpu_count() or 1))))
#: Frame rate cap (lowered by adaptation). It also sets the polling pace while the screen
#: is active, so it bounds how long a change waits to be seen: 1/60 s.
MAX_FPS = 60.0


#: With damage reports, the whole monitor is still grabbed and compared this often, in
#: case the server drew without saying so (more often under a compositing manager,
#: where that can happen); after DAMAGE_MISSES such changes the streamer polls.
CHECK_DAMAGE_S = 30.0
CHECK_COMPOSITED_S = 3.0
DAMAGE_MISSES = 2
#: Drawn rectangles are grabbed one by one while they cover less than this share of
#: their bounding box (a caret and a clock in a far corner), else as that box.
SEPARATE_BELOW = 0.5
MAX_SEPARATE = 8


def video_wanted() -> bool:
    """H.264 for regions in motion, unless ``ASSIST_NO_VIDEO=1`` or PyAV lacks libx264."""
    return os.environ.get("ASSIST_NO_VIDEO", "") in ("", "0") and video_available()


def _move_hints(moved: list[tuple[int, int, int, int, int, int]], rect: Rect) -> list[Move]:
    """Windows the X server moved, as moves within the shared monitor ``rect``: each
    clipped so that both its source and its destination lie on the monitor."""
    mx, my, mw, mh = rect
    out = []
    for sx, sy, dx, dy, w, h in moved:
        sx, sy, dx, dy = sx - mx, sy - my, dx - mx, dy - my
        # Clip by both ends at once: a column or row is kept if it is on the monitor
        # at the source and at the destination.
        left = max(0, -sx, -dx)
        top = max(0, -sy, -dy)
        right = min(w, mw - sx, mw - dx)
        bottom = min(h, mh - sy, mh - dy)
        if right - left >= MIN_HINT_SIDE and bottom - top >= MIN_HINT_SIDE:
            out.append(Move(sx + left, sy + top, dx + left, dy + top, right - left, bottom - top))
    return out


def _grab_rects(drawn: list[Rect]) -> list[Rect]:
    """What to grab for these drawn rectangles: each, or their bounding box."""
    x0, y0 = min(r[0] for r in drawn), min(r[1] for r in drawn)
    x1, y1 = max(r[0] + r[2] for r in drawn), max(r[1] + r[3] for r in drawn)
    box = (x1 - x0) * (y1 - y0)
    if len(drawn) <= MAX_SEPARATE and sum(r[2] * r[3] for r in drawn) < SEPARATE_BELOW * box:
        return drawn
    return [(x0, y0, x1 - x0, y1 - y0)]


class CaptureSource(Protocol):
    """Something that can grab a rectangle of the desktop (physical pixels)."""

    def grab(self, rect: Rect) -> tuple[Pixels, bytes | bytearray]:
        """The pixels ``(h, w, 4)`` BGRA and the raw buffer behind them (for cheap compares)."""
        ...

    def close(self) -> None: ...


class MssSource:
    """Captures with mss. Create it on the thread that will use it."""

    def __init__(self, *, watch: bool = True) -> None:
        """``watch``: also ask the X server what it draws (for streaming, not for a
        one-off picture)."""
        import mss

        self._sct = mss.MSS()
        #: What the X server says was drawn (None: not X11, or it cannot tell).
        self.damage: DamageWatcher | None = open_damage() if watch else None
        #: Grab drawn areas without a copy (until that fails once: see grab_view).
        self._shm = True

    def grab(self, rect: Rect) -> tuple[Pixels, bytes | bytearray]:
        x, y, w, h = rect
        shot = self._sct.grab({"left": x, "top": y, "width": w, "height": h})
        raw = shot.raw
        pixels = np.frombuffer(raw, np.uint8).reshape(shot.height, shot.width, 4)
        return pixels, raw

    def grab_view(self, rect: Rect) -> Pixels:
        """Like :meth:`grab`, without a copy where mss grabs through MIT-SHM: a view of
        the shared segment, valid until the next grab (use it at once). For a drawn
        area that is a pass over its pixels and an allocation saved per frame."""
        if self._shm:
            try:
                return self._shm_view(rect)
            except Exception as exc:  # noqa: BLE001 - mss changed inside, or no MIT-SHM
                log.info("grabbing without a copy failed (%s): copying", exc)
                self._shm = False
        return self.grab(rect)[0]

    def _shm_view(self, rect: Rect) -> Pixels:
        # mss 10's XShmGetImage path (mss/linux/xshmgetimage.py) without its final
        # copy into a new bytearray. Anything unexpected raises, and grab_view copies.
        from mss.linux import xcb
        from mss.linux.base import ALL_PLANES
        from mss.linux.xshmgetimage import ShmStatus

        impl: Any = self._sct._impl
        shm_get_image: Any = getattr(xcb, "shm_get_image")  # noqa: B009 - not exported
        z_pixmap = getattr(xcb, "ImageFormat").ZPixmap  # noqa: B009
        if getattr(impl, "shm_status", None) is not ShmStatus.AVAILABLE:
            self.grab(rect)  # lets mss settle whether MIT-SHM works here
            if impl.shm_status is not ShmStatus.AVAILABLE:
                raise OSError("MIT-SHM is not in use")
        x, y, w, h = rect
        if w * h * 4 > impl._bufsize:
            raise OSError("the area is larger than the shared segment")
        reply = shm_get_image(
            impl.conn, impl.drawable, x, y, w, h, ALL_PLANES, z_pixmap, impl._shmseg, 0
        )
        if reply.depth != impl.drawable_depth:
            raise OSError(f"the server sent depth {reply.depth}")
        return np.frombuffer(impl._buf, np.uint8, count=w * h * 4).reshape(h, w, 4)

    def close(self) -> None:
        if self.damage is not None:
            self.damage.close()
        try:
            self._sct.close()
        except BufferError:  # a view from grab_view is still held: the OS frees it at exit
            log.info("the capture segment is still in use; left to the process's exit")


@dataclasses.dataclass
class Stats:
    """What the streamer did so far (read from any thread; values are plain numbers)."""

    captures: int = 0
    frames_sent: int = 0
    messages_sent: int = 0
    bytes_sent: int = 0
    skipped_window_full: int = 0
    dropped: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    rtt_ms: float = 0.0
    fps_cap: float = MAX_FPS
    quality: int = DEFAULT_QUALITY
    encode_ms: float = 0.0
    capture_ms: float = 0.0
    last_error: str = ""
    refreshes: int = 0  # whole pictures sent to one member who fell behind
    undrawn: int = 0  # captures skipped: the X server said nothing was drawn
    pointer_only: int = 0  # frames of a pointer moving over a still screen
    damage_missed: int = 0  # changes found by a whole grab that the server did not report
    video_pictures: int = 0  # H.264 pictures of a region in motion
    video_streams: int = 0  # streams started (each begins with an IDR picture)
    refinements: int = 0  # regions sent again without loss after their motion stopped


class Streamer:
    """Shares one monitor: see the module docstring.

    ``send`` is called on the capture thread with each Frame message, in order,
    while the streamer's lock is held; it must not block (``NetworkThread.send_app``
    only schedules the send on the network loop).
    """

    def __init__(
        self,
        send: Callable[[Frame], None],
        rect: Rect,
        *,
        source_factory: Callable[[], CaptureSource] = MssSource,
        window: int = DEFAULT_WINDOW,
        max_fps: float = MAX_FPS,
        cursor: Callable[[], tuple[int, int] | None] | None = None,
        on_error: Callable[[str], None] | None = None,
        send_private: Callable[[int, Frame], None] | None = None,
    ) -> None:
        self._send = send
        self._send_private = send_private
        #: Members who missed part of the stream and asked for a whole picture.
        self._refresh: set[int] = set()
        self._source_factory = source_factory
        self._cursor = cursor
        self._on_error = on_error
        self._cond = threading.Condition()
        self._rect = rect
        self._rect_changed = False
        self._masks: tuple[Rect, ...] = ()
        self._masks_changed = False
        self._paused = False
        self._stopped = False
        self._keyframe = True
        # The pacing and flow-control rules are pure objects (common/pacing.py); the
        # thread and the public methods use them under self._cond.
        self._window = FrameWindow(window, time.monotonic())
        self._adaptation = Adaptation(max_fps, DEFAULT_QUALITY)
        self.stats = Stats(fps_cap=max_fps)
        # Wakes the capture thread when it sleeps on the X server's connection.
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._pipe_open = True
        self._pool: ThreadPoolExecutor | None = None  # made on the capture thread
        self._thread = threading.Thread(target=self._main, name="assist-capture", daemon=True)

    # ------------------------------------------------------------ control (any thread)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop at once: no frame is sent after this returns. Does not wait for the thread."""
        with self._cond:
            self._stopped = True
            self._notify()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def pause(self) -> None:
        """No frame is sent after this returns, until :meth:`resume`."""
        with self._cond:
            self._paused = True
            self._notify()

    def resume(self) -> None:
        """Go on sharing, starting with a keyframe."""
        with self._cond:
            self._paused = False
            self._keyframe = True
            self._window.clear()
            self._notify()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_rect(self, rect: Rect) -> None:
        """Share another monitor (physical rectangle); the next frame is a keyframe."""
        with self._cond:
            self._rect = rect
            self._rect_changed = True
            self._keyframe = True
            self._notify()

    def set_masks(self, rects: Iterable[Rect]) -> None:
        """Rectangles of the shared monitor (physical pixels) that are never sent."""
        masks = tuple(tuple(int(v) for v in r) for r in rects)
        with self._cond:
            if masks != self._masks:
                self._masks = masks  # type: ignore[assignment]
                self._masks_changed = True
                self._notify()

    def refresh(self, member: int) -> None:
        """``member`` missed frames (the relay skipped them for a slow link): send them
        alone a whole picture of what the others have, between two frames."""
        with self._cond:
            self._refresh.add(member)
            self._notify()

    def restart(self) -> None:
        """Back after our connection dropped (frames sent meanwhile are gone): start
        over with a keyframe for everyone."""
        with self._cond:
            self._keyframe = True
            self._window.clear()
            self._notify()

    def request_keyframe(self) -> None:
        with self._cond:
            self._keyframe = True
            self._notify()

    def on_ack(self, frame_id: int) -> None:
        """The agent displayed ``frame_id`` (and so everything before it)."""
        now = time.monotonic()
        with self._cond:
            full = self._window.full
            self._window.acked(frame_id, now)
            if self._window.rtt_ms is not None:
                self.stats.rtt_ms = self._window.rtt_ms
            self.stats.in_flight = len(self._window.in_flight)
            if full:  # only a full window waits on acks: else no wake (one per frame)
                self._notify()

    def on_congestion(self, level: int) -> None:
        """The relay's congestion level for our data (0 clear .. 3 severe)."""
        with self._cond:
            self._adaptation.congested(level)
            self._show_adaptation()

    def _notify(self) -> None:
        """Wake the capture thread, wherever it sleeps (call with the lock held)."""
        self._cond.notify_all()
        if self._pipe_open:
            try:
                os.write(self._wake_w, b"!")
            except BlockingIOError:
                pass  # a wake is pending already

    def _sleep(self, watcher: DamageWatcher, timeout: float) -> None:
        """Sleep (lock released) until something is drawn, a control call, or
        ``timeout``."""
        self._cond.release()
        try:
            watcher.wait(timeout, self._wake_r)
            try:
                while os.read(self._wake_r, 64):
                    pass
            except BlockingIOError:
                pass
        finally:
            self._cond.acquire()

    # ------------------------------------------------------------ the thread

    def _main(self) -> None:
        try:
            source = self._source_factory()
        except Exception as exc:  # noqa: BLE001 - reported as a sentence by the session
            log.exception("could not open the screen for capture")
            self.stats.last_error = str(exc)
            if self._on_error is not None:
                self._on_error(str(exc))
            return
        # Encoding workers: the rectangles of a big frame, and the picture of a region
        # in motion beside the tiles, at once (Pillow and PyAV release the GIL).
        if ENCODE_WORKERS > 0:
            self._pool = ThreadPoolExecutor(ENCODE_WORKERS, thread_name_prefix="assist-encode")
        try:
            self._loop(source)
        except Exception as exc:  # noqa: BLE001
            log.exception("capture failed")
            self.stats.last_error = str(exc)
            if self._on_error is not None and not self._stopped:
                self._on_error(str(exc))
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            source.close()
            with self._cond:
                self._pipe_open = False
                os.close(self._wake_r)
                os.close(self._wake_w)

    def _loop(self, source: CaptureSource) -> None:
        watcher: DamageWatcher | None = getattr(source, "damage", None)
        adaptation, window = self._adaptation, self._window
        encoder = FrameEncoder(quality=adaptation.quality, video=video_wanted(), pool=self._pool)
        frame_id = 1
        previous: bytes | bytearray | None = None
        last_cursor: tuple[int, int] | None = None
        #: The last frame everyone got: its pixels and id (what a refresh shows).
        last_sent: tuple[Pixels | None, int, int] | None = None
        pace = CapturePace(adaptation.fps_cap, time.monotonic())
        next_adapt = time.monotonic() + ADAPT_EVERY_S
        check_at = time.monotonic() + CHECK_COMPOSITED_S  # the first check comes soon
        while True:
            with self._cond:
                while True:
                    if self._stopped:
                        return
                    now = time.monotonic()
                    if self._paused:
                        self._cond.wait()
                        continue
                    if self._refresh and last_sent is not None:
                        break
                    if window.full:
                        if window.stalled(now):
                            log.warning("no frame ack for %.0f s; starting over", STALL_S)
                            window.clear()
                            self._keyframe = True
                            continue
                        self.stats.skipped_window_full += 1
                        self._cond.wait(1.0)
                        continue
                    # A region in motion that went still is sent again without loss.
                    refine_at = encoder.refine_due_ns()
                    refine_in = None if refine_at is None else (refine_at - time.time_ns()) / 1e9
                    if refine_in is not None and refine_in <= 0:
                        break
                    drawn = watcher is not None and watcher.pending
                    wait = pace.wait(now, drawn=drawn)
                    if refine_in is not None and wait > 0:
                        wait = min(wait, refine_in)
                    if wait > 0 and not self._keyframe and not self._rect_changed:
                        if watcher is not None and not drawn:
                            self._sleep(watcher, wait)
                        else:
                            self._cond.wait(wait)
                        continue
                    break
                refresh, self._refresh = self._refresh, set()
                if refresh and last_sent is not None:
                    private = (last_sent, self._masks, self._rect, adaptation.quality)
                else:
                    private = None
                    rect, masks_changed = self._rect, self._masks_changed
                    masks, keyframe = self._masks, self._keyframe
                    self._masks_changed = self._rect_changed = False
                    if now >= next_adapt:
                        adaptation.tick(window.rtt_ms)
                        self._show_adaptation()
                        next_adapt = now + ADAPT_EVERY_S
                    quality, fps_cap = adaptation.quality, adaptation.fps_cap
            if private is not None:
                self._serve_refresh(refresh, encoder, *private)
                continue

            started = time.monotonic()
            frames: list[Frame] | None = None
            pointer_before = last_cursor
            pixels: Pixels | None = None
            checking = False  # a whole grab to check what the server reported
            whole = last_sent is None or keyframe or masks_changed  # a whole grab is due
            damage = None if whole else watcher
            refine_at = encoder.refine_due_ns()
            if not whole and refine_at is not None and time.time_ns() >= refine_at:
                cursor = self._cursor() if self._cursor is not None else None
                capture_ns = time.time_ns()
                t1 = time.perf_counter()
                frames = encoder.refine(capture_ns, frame_id, cursor=cursor)
                self.stats.encode_ms = (time.perf_counter() - t1) * 1000.0
                self.stats.refinements += 1
                last_cursor = cursor
            elif damage is not None and started >= check_at:
                checking = not damage.take(rect)
                every = CHECK_COMPOSITED_S if damage.composited() else CHECK_DAMAGE_S
                check_at = started + every
            elif damage is not None:
                where = damage.take(rect)
                cursor = self._cursor() if self._cursor is not None else None
                capture_ns = time.time_ns()
                if not where:  # nothing drawn on this monitor: no grab; the pointer?
                    frames = encoder.move_cursor(capture_ns, frame_id, cursor)
                    if frames is not None:
                        last_cursor = cursor
                        if frames:
                            self.stats.pointer_only += 1
                        else:
                            self.stats.undrawn += 1
                else:  # grab only where it was drawn
                    t0 = time.perf_counter()
                    # Windows dragged meanwhile: read the newest positions, and grab
                    # both ends of each too, so the move and the pixels agree.
                    _ = damage.pending
                    hints = _move_hints(damage.moves(), rect)
                    ends = [
                        (rect[0] + x, rect[1] + y, m.w, m.h)
                        for m in hints
                        for x, y in ((m.src_x, m.src_y), (m.x, m.y))
                    ]
                    # Each rectangle is grabbed as the encoder loads it (a grab may be
                    # a view that the next grab overwrites).
                    grab = getattr(source, "grab_view", None) or (lambda r: source.grab(r)[0])
                    patches = (
                        (x - rect[0], y - rect[1], grab((x, y, w, h)))
                        for x, y, w, h in _grab_rects(where + ends)
                    )
                    capture_ns = time.time_ns()
                    t1 = time.perf_counter()
                    self.stats.captures += 1
                    self.stats.capture_ms = (t1 - t0) * 1000.0
                    if encoder.quality != quality:
                        encoder.set_quality(quality)
                    frames = encoder.encode_patches(
                        patches, capture_ns, frame_id, cursor=cursor, hints=hints
                    )
                    if frames is not None:
                        self.stats.encode_ms = (time.perf_counter() - t1) * 1000.0
                        previous, last_cursor = None, cursor
            if frames is None:
                t0 = time.perf_counter()
                pixels, raw = source.grab(rect)
                capture_ns = time.time_ns()
                t1 = time.perf_counter()
                self.stats.captures += 1
                self.stats.capture_ms = (t1 - t0) * 1000.0
                cursor = self._cursor() if self._cursor is not None else None
                if masks_changed:
                    encoder.set_masks(masks)
                if encoder.quality != quality:
                    encoder.set_quality(quality)
                unchanged = (
                    not keyframe
                    and not masks_changed
                    and cursor == last_cursor
                    and previous is not None
                    and previous == raw
                )
                frames = []
                if not unchanged:
                    frames = encoder.encode(
                        pixels, capture_ns, frame_id, force_keyframe=keyframe, cursor=cursor
                    )
                    self.stats.encode_ms = (time.perf_counter() - t1) * 1000.0
                previous, last_cursor = raw, cursor
                if checking and any(f.tiles or f.moves for f in frames):
                    # Drawn, and the server did not say so (a compositor that paints
                    # where DAMAGE does not look): after a second time, poll instead.
                    self.stats.damage_missed += 1
                    log.warning("the X server did not report a change it drew")
                    if self.stats.damage_missed >= DAMAGE_MISSES:
                        log.warning("its damage reports miss changes: polling the screen")
                        watcher = None
            self.stats.video_pictures = encoder.video_pictures
            self.stats.video_streams = encoder.video_streams
            # Watched by DAMAGE: drawing wakes the thread itself; polling is for the pointer.
            active = None if watcher is None else last_cursor != pointer_before
            pace.captured(
                started, sent=bool(frames), keyframe=keyframe, fps_cap=fps_cap, active=active
            )
            if not frames:
                if keyframe:
                    with self._cond:
                        self._keyframe = False
                continue
            with self._cond:
                if self._stopped:
                    return
                if self._paused or self._rect != rect:
                    # Lost the race with pause or a monitor switch: the encoder's
                    # reference no longer matches the agent's screen.
                    self.stats.dropped += 1
                    encoder.request_keyframe()
                    previous = last_sent = None
                    continue
                if keyframe:
                    self._keyframe = False
                window.sent(frame_id, time.monotonic())
                last_sent = (pixels, frame_id, capture_ns)
                for f in frames:
                    self._send(f)
                    self.stats.messages_sent += 1
                    self.stats.bytes_sent += sum(len(t.data) for t in f.tiles)
                self.stats.frames_sent += 1
                self.stats.in_flight = len(window.in_flight)
                self.stats.max_in_flight = max(self.stats.max_in_flight, len(window.in_flight))
            frame_id = frame_id + 1 if frame_id < 0xFFFFFFFF else 1

    def _serve_refresh(
        self,
        members: set[int],
        shared: FrameEncoder,
        last: tuple[Pixels | None, int, int],
        masks: tuple[Rect, ...],
        rect: Rect,
        quality: int,
    ) -> None:
        """Encode the last frame everyone got as a whole picture, for these members only
        (on their own channels), so the next shared frame applies on top of it."""
        if self._send_private is None:
            return
        pixels, frame_id, capture_ns = last
        if pixels is None:  # the last frame was patches: the picture the encoder keeps
            pixels = shared.picture()
        # Their decoder has no place in the stream of a region in motion: the next
        # shared picture of it starts a new stream, which everyone can decode.
        shared.restart_video()
        encoder = FrameEncoder(quality=quality, pool=self._pool)
        if masks:
            encoder.set_masks(masks)
        frames = encoder.encode(pixels, capture_ns, frame_id, force_keyframe=True)
        with self._cond:
            if self._stopped or self._paused or self._rect != rect:
                return  # the next shared frame is a keyframe for everyone anyway
            for member in sorted(members):
                for f in frames:
                    self._send_private(member, f)
            self.stats.refreshes += len(members)

    def _show_adaptation(self) -> None:
        self.stats.quality = self._adaptation.quality
        self.stats.fps_cap = self._adaptation.fps_cap
