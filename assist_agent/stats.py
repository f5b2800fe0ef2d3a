"""Frame rate, latency and bandwidth: the GUI's status line and headless ``--stats``.

Latency is capture-to-display: the customer stamps each frame with its wall
clock (``capture_ns``) and we subtract it from our wall clock when the frame is
shown (headless: when it is decoded). That is only meaningful when both clocks
agree, e.g. when both apps run on one machine. Thread-safe: the decode thread
records frames while the GUI thread reads the live numbers.
"""

from __future__ import annotations

import collections
import enum
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

#: The status line's numbers cover this much recent time.
LIVE_WINDOW_S = 2.0


class Quality(enum.Enum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class Live(NamedTuple):
    fps: float
    latency_ms: float | None
    bytes_per_s: float
    quality: Quality


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def judge(latency_ms: float | None, congestion: int, fps: float, expecting: bool) -> Quality:
    """How the connection feels: slow frames or a congested relay make it worse."""
    if congestion >= 2 or (latency_ms is not None and latency_ms > 600):
        return Quality.POOR
    if congestion == 1 or (latency_ms is not None and latency_ms > 200):
        return Quality.FAIR
    if expecting and fps == 0 and latency_ms is None:
        return Quality.FAIR
    return Quality.GOOD


class FrameStats:
    """Counts frames as they are shown; see the module docstring."""

    def __init__(
        self,
        *,
        wall_ns: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall_ns = wall_ns
        self._mono = monotonic
        self._lock = threading.Lock()
        self._paired: float | None = None
        self._first_frame: float | None = None
        self._last_frame: float | None = None
        self.frames = 0
        self._latencies: list[float] = []
        self._decode_ms: list[float] = []
        self._recent: collections.deque[tuple[float, float]] = collections.deque()
        self._bytes: collections.deque[tuple[float, int]] = collections.deque()
        self.congestion = 0

    def paired(self) -> None:
        """The secure channel is up: first-frame time counts from here."""
        with self._lock:
            if self._paired is None:
                self._paired = self._mono()

    def decoded(self, seconds: float) -> None:
        with self._lock:
            self._decode_ms.append(seconds * 1000)

    def shown(self, capture_ns: list[int], shown_ns: int | None = None) -> None:
        """These frames (by their capture stamps) are on screen now."""
        if not capture_ns:
            return
        wall = self._wall_ns() if shown_ns is None else shown_ns
        now = self._mono()
        with self._lock:
            if self._first_frame is None:
                self._first_frame = now
            self._last_frame = now
            for stamp in capture_ns:
                latency = (wall - stamp) / 1e6
                self.frames += 1
                self._latencies.append(latency)
                self._recent.append((now, latency))
            self._trim(now)

    def sample_bytes(self, total_received: int) -> None:
        """Feed the connection's byte counter now and then, for the bandwidth figure."""
        now = self._mono()
        with self._lock:
            self._bytes.append((now, total_received))
            self._trim(now)

    def _trim(self, now: float) -> None:
        while self._recent and now - self._recent[0][0] > LIVE_WINDOW_S:
            self._recent.popleft()
        while len(self._bytes) > 2 and now - self._bytes[1][0] > LIVE_WINDOW_S:
            self._bytes.popleft()

    def live(self, *, expecting: bool = True) -> Live:
        now = self._mono()
        with self._lock:
            self._trim(now)
            recent = [lat for _, lat in self._recent]
            span = min(LIVE_WINDOW_S, now - self._first_frame) if self._first_frame else 0.0
            fps = len(recent) / span if span > 0.25 else 0.0
            rate = 0.0
            if len(self._bytes) >= 2:
                (t0, b0), (t1, b1) = self._bytes[0], self._bytes[-1]
                rate = (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0
            congestion = self.congestion
        latency = statistics.median(recent) if recent else None
        return Live(fps, latency, rate, judge(latency, congestion, fps, expecting))

    def summary(self, bytes_received: int, *, end: float | None = None) -> dict[str, Any]:
        """The numbers headless ``--stats`` writes."""
        end = self._mono() if end is None else end
        with self._lock:
            lat = list(self._latencies)
            dec = list(self._decode_ms)
            first, paired = self._first_frame, self._paired
            frames = self.frames
        duration = end - first if first is not None else 0.0
        session = end - paired if paired is not None else 0.0

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {
            "frames": frames,
            "bytes_received": bytes_received,
            "duration_s": round(session, 3),
            "fps": round(frames / duration, 2) if duration > 0 else 0.0,
            "latency_ms_p50": ms(percentile(lat, 50)),
            "latency_ms_p95": ms(percentile(lat, 95)),
            "latency_ms_max": ms(max(lat) if lat else None),
            "first_frame_ms": ms((first - paired) * 1000 if first and paired else None),
            "decode_ms_p50": ms(percentile(dec, 50)),
            "decode_ms_p95": ms(percentile(dec, 95)),
            "bytes_per_s": round(bytes_received / session, 1) if session > 0 else 0.0,
        }
