"""When the customer's app captures, how many frames it lets fly, and how it adapts.

Three small objects with no clock of their own (every method takes ``now``, in
seconds of a monotonic clock), driven by the capture thread in
:mod:`assist_client.streamer`:

* :class:`CapturePace` — the next capture time. While the screen changes, the
  pace is the frame-rate cap; once nothing has changed for :data:`ACTIVE_S`
  (a typing pause), the interval grows by :data:`IDLE_BACKOFF` per unchanged
  capture up to :data:`IDLE_INTERVAL_S`, so a static screen costs almost nothing.
  When the X server says the screen was drawn on (DAMAGE), a capture is due as
  soon as the frame-rate cap allows, however long the idle interval had grown;
  then polling is only for the pointer (the server does not report it moving),
  so only pointer moves keep the pace at the frame rate: typing with the pointer
  at rest costs a wake-up per key, not 60 a second. Drawing comes in bursts (a
  repaint in several requests, a window moved and then the area it uncovered
  painted): after a pause, the capture waits :data:`DRAW_SETTLE_S` after the
  first report, so a burst is one frame, not two or three (x11vnc's ``-defer``,
  tuned: 5 ms). Drawing that came while the last frame was being encoded has
  settled by then, so steady motion is not slowed by it.
* :class:`FrameWindow` — frames sent and not yet acknowledged. Acks are
  cumulative; at most ``size`` frames fly, so latency stays bounded by the
  window and a slow link gets fewer, fresher frames. An ack also gives a
  round-trip sample (smoothed). If the window stays full with no ack for
  :data:`STALL_S`, the acks were lost and the sender starts over with a keyframe.
* :class:`Adaptation` — the frame-rate cap and the JPEG quality step for
  photo-like areas, from the smoothed round trip and the relay's congestion
  level, once a second (at once on heavy congestion).
"""

from __future__ import annotations

__all__ = [
    "ACTIVE_S",
    "ADAPT_EVERY_S",
    "DRAW_SETTLE_S",
    "IDLE_BACKOFF",
    "IDLE_INTERVAL_S",
    "MIN_FPS",
    "RTT_HIGH_MS",
    "RTT_LOW_MS",
    "STALL_S",
    "Adaptation",
    "CapturePace",
    "FrameWindow",
]

MIN_FPS = 2.0
#: Keep polling at the frame rate this long after the last change (typing pauses).
ACTIVE_S = 2.0
#: Slowest capture pace on a static screen.
IDLE_INTERVAL_S = 0.35
#: How fast the interval grows while nothing changes.
IDLE_BACKOFF = 1.5
#: After the server first reports drawing, wait this long for the rest of the burst.
DRAW_SETTLE_S = 0.004
#: With the window full this long and no ack, assume the acks were lost: start over.
STALL_S = 15.0
ADAPT_EVERY_S = 1.0
RTT_HIGH_MS = 400.0
RTT_LOW_MS = 150.0


class CapturePace:
    """See the module docstring."""

    def __init__(self, fps_cap: float, now: float) -> None:
        self.interval = 1.0 / fps_cap
        self.next_capture = now
        self.last_change = float("-inf")  # when a capture last differed
        #: The earliest the frame-rate cap allows the next capture.
        self.next_allowed = now
        #: When drawing was first reported since the last capture.
        self.drawn_at: float | None = None
        #: No :meth:`wait` since the last capture yet.
        self._first_check = True

    def wait(self, now: float, *, drawn: bool = False) -> float:
        """Seconds until the next capture is due (0: now); ``drawn``: the screen is
        known to have changed, so only the frame-rate cap and the settling time after
        the first report hold it back."""
        first, self._first_check = self._first_check, False
        if not drawn:
            return max(0.0, self.next_capture - now)
        if self.drawn_at is None:
            # Drawn already when the last frame was done: it came while that frame was
            # encoded (steady motion), so it has settled; waiting would only slow the
            # frame rate. Else it is the start of a burst after a pause.
            self.drawn_at = float("-inf") if first else now
        return max(0.0, max(self.next_allowed, self.drawn_at + DRAW_SETTLE_S) - now)

    def captured(
        self,
        started: float,
        *,
        sent: bool,
        keyframe: bool,
        fps_cap: float,
        active: bool | None = None,
    ) -> None:
        """A capture that began at ``started`` was done; ``sent``: it produced a frame.
        ``active`` (default: ``sent``) is whether it saw what polling must keep up with:
        when the X server reports drawing, only the pointer needs polling, so only its
        moves keep the pace at the frame rate."""
        if active is None:
            active = sent
        if active:
            if not keyframe:  # a keyframe is sent because of us, not because of activity
                self.last_change = started
            self.interval = 1.0 / fps_cap
        elif started - self.last_change < ACTIVE_S:
            self.interval = 1.0 / fps_cap
        else:
            self.interval = min(IDLE_INTERVAL_S, max(self.interval, 1.0 / fps_cap) * IDLE_BACKOFF)
        self.next_capture = started + self.interval
        self.next_allowed = started + 1.0 / fps_cap
        self.drawn_at = None
        self._first_check = True


class FrameWindow:
    """See the module docstring."""

    def __init__(self, size: int, now: float) -> None:
        self.size = max(1, size)
        self.in_flight: dict[int, float] = {}
        self.last_ack = now
        self.rtt_ms: float | None = None

    @property
    def full(self) -> bool:
        return len(self.in_flight) >= self.size

    def stalled(self, now: float) -> bool:
        """Full, and no ack for :data:`STALL_S`: the acks were lost."""
        return self.full and now - self.last_ack > STALL_S

    def clear(self) -> None:
        self.in_flight.clear()

    def sent(self, frame_id: int, now: float) -> None:
        self.in_flight[frame_id] = now

    def acked(self, frame_id: int, now: float) -> None:
        """The agent showed ``frame_id`` and so everything before it."""
        sent = self.in_flight.get(frame_id)
        if sent is not None:
            sample = (now - sent) * 1000.0
            self.rtt_ms = sample if self.rtt_ms is None else 0.8 * self.rtt_ms + 0.2 * sample
        for fid in [f for f in self.in_flight if f <= frame_id]:
            del self.in_flight[fid]
        self.last_ack = now


class Adaptation:
    """See the module docstring. ``quality`` is a JPEG quality step, 0 the lowest."""

    def __init__(self, max_fps: float, max_quality: int) -> None:
        self.max_fps = max_fps
        self.max_quality = max_quality
        self.fps_cap = max_fps
        self.quality = max_quality
        self.congestion = 0

    def degrade(self) -> None:
        self.quality = max(0, self.quality - 1)
        self.fps_cap = max(MIN_FPS, self.fps_cap * 0.6)

    def congested(self, level: int) -> None:
        """The relay's congestion level for our data (0 clear .. 3 severe)."""
        self.congestion = level
        if level >= 2:  # act now rather than at the next tick
            self.degrade()

    def tick(self, rtt_ms: float | None) -> None:
        """Once every :data:`ADAPT_EVERY_S`: step down on trouble, up when all is clear."""
        rtt = rtt_ms or 0.0
        if self.congestion >= 2 or rtt > RTT_HIGH_MS:
            self.degrade()
        elif self.congestion == 0 and rtt < RTT_LOW_MS:
            self.quality = min(self.max_quality, self.quality + 1)
            self.fps_cap = min(self.max_fps, self.fps_cap + 3.0)
