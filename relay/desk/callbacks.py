"""Which callback windows a customer is offered, and whether a chosen one still holds.

A customer is offered a callback when the estimate is long, the queue is full or
the desk is closed (:class:`relay.desk.lobby.Lobby` says when). The windows come
from the queue's opening hours (:meth:`relay.desk.hours.OpeningHours.windows`):
:data:`WINDOW_MINUTES` long, starting no sooner than :data:`LEAD_MINUTES` from now
(the desk needs a moment to see the request), over the next :data:`DAYS_AHEAD`
days. A window is full when it already holds as many open requests as the desk can
call in it: the queue's agents (``staff``, at least one) times how many calls of the
typical handle time fit in the window. Full windows are not offered; a chosen
window is accepted only if it is still one that would be offered now (an old
screen, a full window or a crafted request get a sentence and the fresh list).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterable

from relay.desk.hours import OpeningHours

__all__ = [
    "DAYS_AHEAD",
    "LEAD_MINUTES",
    "MAX_OFFERED",
    "WINDOW_MINUTES",
    "CallbackPlanner",
    "WindowRefusal",
]

WINDOW_MINUTES = 30
LEAD_MINUTES = 15
DAYS_AHEAD = 7
#: At most this many windows in one offer (the app shows them by day).
MAX_OFFERED = 48


class WindowRefusal(enum.Enum):
    """Why a chosen window was not accepted (each has a sentence in the app)."""

    NOT_OFFERED = "not_offered"  # outside the hours, too soon, too far, or not aligned
    FULL = "full"


@dataclasses.dataclass(frozen=True, slots=True)
class CallbackPlanner:
    """Windows of one queue. ``booked`` are the open requests' window starts."""

    hours: OpeningHours
    handle_s: float
    staff: int

    @property
    def per_window(self) -> int:
        """How many calls the desk can make in one window."""
        calls_each = max(1, math.floor(WINDOW_MINUTES * 60 / max(self.handle_s, 1.0)))
        return max(1, self.staff) * calls_each

    def _windows(self, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        return self.hours.windows(
            now,
            dt.timedelta(minutes=WINDOW_MINUTES),
            DAYS_AHEAD,
            lead=dt.timedelta(minutes=LEAD_MINUTES),
        )

    def _free(
        self, now: dt.datetime, booked: Iterable[dt.datetime]
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        counts = collections.Counter(start.astimezone(dt.UTC) for start in booked)
        return [
            (start, end)
            for start, end in self._windows(now)
            if counts.get(start.astimezone(dt.UTC), 0) < self.per_window
        ]

    def offer(
        self, now: dt.datetime, booked: Iterable[dt.datetime]
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The windows to offer now, earliest first, full ones left out (at most
        :data:`MAX_OFFERED`)."""
        return self._free(now, booked)[:MAX_OFFERED]

    def check(
        self, now: dt.datetime, chosen: dt.datetime, booked: Iterable[dt.datetime]
    ) -> tuple[dt.datetime, dt.datetime] | WindowRefusal:
        """The window starting at ``chosen`` if it may be booked now, else why not."""
        want = chosen.astimezone(dt.UTC)
        for start, end in self._free(now, booked):
            if start.astimezone(dt.UTC) == want:
                return start, end
        if any(start.astimezone(dt.UTC) == want for start, _ in self._windows(now)):
            return WindowRefusal.FULL
        return WindowRefusal.NOT_OFFERED
