"""The probe marker: how a sequence number becomes a colour, and how latencies come back out.

Every workload window paints a :data:`MARKER` square in its top-left corner
whose colour encodes a sequence number (:func:`colour_for`). The window bumps
the number exactly when its probe event happens (a keystroke handled, a scroll
step or animation frame painted, a timed marker flip), and logs the time. The
headless agent, run with ``--probe`` on :data:`PROBE_RECT` (the inner part of
the square, away from edges that lossy codecs blur), records the wall-clock
time of every completed frame whose probe region changed, with the region's
mean colour and its count of completed frames.

This module is the analysis side, with no I/O: it maps each observed colour
back to a sequence number and turns the two logs into latencies and frame
rates. Sequence numbers wrap modulo the palette size (64); an observation is
read as the *latest* event of that colour that had started by then, so
aliasing would need a latency above 64 events (several seconds).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import statistics
from collections.abc import Iterable, Sequence

#: The marker square the workloads paint: x, y, w, h in screen pixels.
MARKER = (0, 0, 32, 32)
#: The region the agent watches: the middle of the marker.
PROBE_RECT = (8, 8, 16, 16)

_LEVELS = (0, 85, 170, 255)
PALETTE_SIZE = len(_LEVELS) ** 3
#: Odd, so ``seq * _STRIDE`` walks the whole palette; consecutive numbers differ a lot.
_STRIDE = 29
#: A decoded colour farther than this (RGB distance) from every palette colour is unreadable.
MAX_COLOUR_ERROR = 60.0


def _palette_index(seq: int) -> int:
    return (seq * _STRIDE) % PALETTE_SIZE


def _palette_colour(index: int) -> tuple[int, int, int]:
    return _LEVELS[index >> 4], _LEVELS[(index >> 2) & 3], _LEVELS[index & 3]


def colour_for(seq: int) -> tuple[int, int, int]:
    """The marker's RGB colour for sequence number ``seq``."""
    return _palette_colour(_palette_index(seq))


def read_colour(rgb: tuple[int, int, int]) -> int | None:
    """The palette index nearest to an observed colour, or None if nothing is near."""
    best, best_d = None, MAX_COLOUR_ERROR
    for index in range(PALETTE_SIZE):
        d = math.dist(rgb, _palette_colour(index))
        if d < best_d:
            best, best_d = index, d
    return best


def parse_hex(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


@dataclasses.dataclass(frozen=True)
class Event:
    """One probe event in the workload: marker ``seq`` painted between ``start`` and ``end``.

    ``start``: wall-clock ns just before the window painted it; ``end``: after the
    X server answered a round trip on the window's own connection, so the new
    pixels were in the framebuffer. ``cause``: when the input that caused it was
    sent (the XTest keystroke), if any.
    """

    seq: int
    start: int
    end: int
    cause: int | None = None


@dataclasses.dataclass(frozen=True)
class Observation:
    """The agent completed a frame at ``time`` (ns) whose probe region changed."""

    time: int
    colour: tuple[int, int, int]
    frames: int  # frames the agent had completed by then


@dataclasses.dataclass
class Matched:
    """Each event's display time at the agent (None: never seen), plus reading problems."""

    events: list[Event]
    shown: list[int | None]
    observations: list[tuple[Observation, int]]  # with the sequence number read from it
    unreadable: int

    def latencies_ms(self, since: str = "end", seqs: Iterable[int] | None = None) -> list[float]:
        """Display time minus the event's ``start``, ``end`` or ``cause``, for events shown."""
        wanted = None if seqs is None else set(seqs)
        out = []
        for event, shown in zip(self.events, self.shown, strict=True):
            if shown is None or (wanted is not None and event.seq not in wanted):
                continue
            ref = getattr(event, since)
            if ref is not None:
                out.append((shown - ref) / 1e6)
        return out

    def missed(self, seqs: Iterable[int] | None = None) -> int:
        wanted = None if seqs is None else set(seqs)
        return sum(
            1
            for e, s in zip(self.events, self.shown, strict=True)
            if s is None and (wanted is None or e.seq in wanted)
        )

    def frame_rate(self, start_ns: int, end_ns: int) -> tuple[float, int] | None:
        """Frames the agent completed per second between two times, from the frame counts.

        Uses the first and last observation inside the span; None with fewer than two.
        """
        inside = [o for o, _ in self.observations if start_ns <= o.time <= end_ns]
        if len(inside) < 2 or inside[-1].time <= inside[0].time:
            return None
        frames = inside[-1].frames - inside[0].frames
        return frames / ((inside[-1].time - inside[0].time) / 1e9), frames

    def states_per_s(self, start_ns: int, end_ns: int) -> float:
        """Distinct marker states the agent displayed per second within the span."""
        seen = {seq for o, seq in self.observations if start_ns <= o.time <= end_ns}
        return len(seen) / ((end_ns - start_ns) / 1e9) if end_ns > start_ns else 0.0


def match(events: Sequence[Event], observations: Sequence[Observation]) -> Matched:
    """When did the agent first display each event's change (or a later one)?

    A later marker state implies the earlier change too (a frame that shows
    keystroke 12 shows keystroke 11), so an event counts as shown at the first
    observation whose sequence number is at least its own.
    """
    events = sorted(events, key=lambda e: e.seq)
    by_index: dict[int, list[Event]] = {}
    for e in events:
        by_index.setdefault(_palette_index(e.seq), []).append(e)
    read: list[tuple[Observation, int]] = []
    unreadable = 0
    for obs in sorted(observations, key=lambda o: o.time):
        index = read_colour(obs.colour)
        candidates = [] if index is None else by_index.get(index, [])
        candidates = [e for e in candidates if e.start <= obs.time]
        if not candidates:
            unreadable += 1
            continue
        read.append((obs, candidates[-1].seq))
    # Running maximum of the sequence numbers seen, so "first observation at or
    # beyond seq k" is a binary search.
    running: list[int] = []
    top = -1
    for _, seq in read:
        top = max(top, seq)
        running.append(top)
    shown: list[int | None] = []
    for e in events:
        j = bisect.bisect_left(running, e.seq)
        shown.append(read[j][0].time if j < len(read) else None)
    return Matched(list(events), shown, read, unreadable)


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/max (nearest rank, like the agent's stats), rounded to 0.1 ms."""
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered), max(1, round(p / 100 * len(ordered)))) - 1], 1)

    return {"p50": rank(50), "p95": rank(95), "max": round(ordered[-1], 1), "n": len(ordered)}


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None
