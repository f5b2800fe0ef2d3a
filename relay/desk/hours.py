"""Opening hours of a queue, in the queue's own time zone, with holidays.

A week is seven lists of spans (Monday first); a span is minutes since local
midnight, ``[start, end)``, and ``end`` may be 1440 (midnight at the end of the
day). A span never crosses midnight: "22:00-02:00" is written as two spans on two
days. Holidays are local dates on which the queue is closed all day.

Times go in and out as aware :class:`datetime.datetime` values (any zone); local
times are resolved with :mod:`zoneinfo`, so a day that changes to or from summer
time has the hours the clock on the wall shows: on a spring-forward day, 02:30
does not exist and a span starting then starts at 03:00.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DAYS", "Forced", "HoursError", "OpeningHours", "hhmm", "parse_hours", "parse_spans"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_A_DAY = 24 * 60
#: How far ahead :meth:`OpeningHours.next_opening` looks (a queue closed for longer
#: than a year counts as closed for good).
LOOK_AHEAD_DAYS = 370
#: How far ahead :meth:`OpeningHours.closes_at` looks for the end of an open period.
CLOSES_LOOK_AHEAD_DAYS = 8
#: The longest clock change there is (a day's shift across the date line aside).
MAX_GAP_MINUTES = 180

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """Opening hours as written could not be read; the message says which part and why."""


@dataclasses.dataclass(frozen=True, slots=True)
class Forced:
    """Open (``open``) or closed from ``since`` until ``until`` (None: until changed)."""

    open: bool
    since: dt.datetime
    until: dt.datetime | None = None

    def covers(self, moment: dt.datetime) -> bool:
        return self.since <= moment and (self.until is None or moment < self.until)


#: Where "until changed" ends when periods are laid out (far beyond any look-ahead).
_FOREVER = dt.timedelta(days=LOOK_AHEAD_DAYS + 2)


@dataclasses.dataclass(frozen=True, slots=True)
class OpeningHours:
    """See the module docstring. Build one with :func:`parse_hours`."""

    zone: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]  # 7 days of (start, end) minutes
    holidays: frozenset[dt.date] = frozenset()
    #: Local dates with spans of their own, in place of the weekday's (() = closed).
    special: tuple[tuple[dt.date, tuple[tuple[int, int], ...]], ...] = ()
    forced: Forced | None = None

    def spans_on(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """The open spans of one local date by the calendar (a holiday has none; a
        special day has its own), before any :attr:`forced` state."""
        if day in self.holidays:
            return ()
        for date, spans in self.special:
            if date == day:
                return spans
        return self.week[day.weekday()]

    def with_changes(
        self,
        *,
        week: tuple[tuple[tuple[int, int], ...], ...] | None = None,
        special: Mapping[dt.date, tuple[tuple[int, int], ...]] | None = None,
        forced: Forced | None = None,
    ) -> OpeningHours:
        """These hours with another week, more special days (theirs win over the
        holidays and special days already here) and a forced state."""
        merged = dict(self.special)
        holidays = set(self.holidays)
        for day, spans in (special or {}).items():
            merged[day] = tuple(spans)
            holidays.discard(day)
        return dataclasses.replace(
            self,
            week=self.week if week is None else week,
            holidays=frozenset(holidays),
            special=tuple(sorted(merged.items())),
            forced=forced,
        )

    def _local(self, day: dt.date, minute: int) -> dt.datetime:
        """That local wall-clock minute as an aware time (midnight ending the day included)."""
        if minute >= MINUTES_A_DAY:
            day, minute = day + dt.timedelta(days=1), minute - MINUTES_A_DAY
        naive = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        # A wall time skipped by a spring-forward change does not round-trip: take
        # the first minute after the gap. One that happens twice (fall back) is
        # taken at its first occurrence (fold=0).
        for _ in range(MAX_GAP_MINUTES):
            aware = naive.replace(tzinfo=self.zone)
            if aware.astimezone(dt.UTC).astimezone(self.zone).replace(tzinfo=None) == naive:
                return aware
            naive += dt.timedelta(minutes=1)
        return naive.replace(tzinfo=self.zone)

    def periods(self, start: dt.datetime, days: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The open periods (opening, closing) that end after ``start``, day by day for
        ``days`` local days from ``start``'s; spans that touch across midnight are
        joined, and a :attr:`forced` state is laid over them."""
        calendar = self._calendar(start, days)
        if self.forced is None:
            yield from calendar
            return
        for opening, closing in self._laid_over(calendar, self.forced, start, days):
            if closing > start and opening < closing:
                yield opening, closing

    def _laid_over(
        self,
        calendar: Iterator[tuple[dt.datetime, dt.datetime]],
        forced: Forced,
        start: dt.datetime,
        days: int,
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        local = start.astimezone(self.zone)
        limit = self._local(local.date() + dt.timedelta(days=days), 0)
        f_start = forced.since
        f_end = forced.until if forced.until is not None else max(start, f_start) + _FOREVER
        if f_end <= start or f_start >= limit or f_end <= f_start:  # nothing to lay over
            yield from calendar
            return
        if not forced.open:  # cut [f_start, f_end) out of every period
            for opening, closing in calendar:
                if opening < f_start:
                    yield opening, min(closing, f_start)
                if closing > f_end:
                    yield max(opening, f_end), closing
            return
        # Open: [f_start, f_end) joined with the periods it overlaps or touches (the
        # calendar's periods are sorted and apart, so one pass does it).
        merged: tuple[dt.datetime, dt.datetime] | None = None
        done = False
        for opening, closing in calendar:
            if done or closing < f_start:
                yield opening, closing
                continue
            if opening > f_end:
                yield merged or (f_start, f_end)
                done = True
                yield opening, closing
                continue
            base = merged or (f_start, f_end)
            merged = (min(base[0], opening), max(base[1], closing))
        if not done:
            yield merged or (f_start, f_end)

    def _calendar(self, start: dt.datetime, days: int) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """:meth:`periods` by the week, holidays and special days alone."""
        local = start.astimezone(self.zone)
        limit = self._local(local.date() + dt.timedelta(days=days), 0)
        pending: tuple[dt.datetime, dt.datetime] | None = None
        # From the day before (a period may run on from it) to the day after (one
        # may run on into it).
        for offset in range(-1, days + 1):
            day = local.date() + dt.timedelta(days=offset)
            for a, b in self.spans_on(day):
                opening, closing = self._local(day, a), self._local(day, b)
                if pending is not None and pending[1] == opening:
                    pending = (pending[0], closing)
                    continue
                if pending is not None and pending[1] > start and pending[0] < limit:
                    yield pending
                pending = (opening, closing)
        if pending is not None and pending[1] > start and pending[0] < limit:
            yield pending

    def is_open(self, now: dt.datetime) -> bool:
        return any(opening <= now for opening, _ in self.periods(now, 1))

    @property
    def always_open(self) -> bool:
        """Open around the clock every day, with no holidays, special days or forced
        state."""
        return (
            not self.holidays
            and not self.special
            and self.forced is None
            and all(day == ((0, MINUTES_A_DAY),) for day in self.week)
        )

    def closes_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the current open period ends, or None if closed now or open with no
        end in sight (forced open until changed; a period longer than
        :data:`CLOSES_LOOK_AHEAD_DAYS` is cut there; see :attr:`always_open`)."""
        forced = self.forced
        if forced is not None and forced.open and forced.until is None and forced.covers(now):
            return None
        for opening, closing in self.periods(now, CLOSES_LOOK_AHEAD_DAYS):
            if opening <= now:
                return closing
        return None

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """``now`` if open, else when it opens next; None if not within a year."""
        for opening, _ in self.periods(now, LOOK_AHEAD_DAYS):
            return max(opening, now)
        return None

    def windows(
        self, now: dt.datetime, length: dt.timedelta, days: int, *, lead: dt.timedelta
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Callback windows of ``length`` within opening hours over the next ``days``
        local days, starting no earlier than ``now + lead`` and aligned to ``length``
        from the opening (09:00, 09:30, ... for 30 minutes); the last one of a period
        may be shorter but never under half of ``length``."""
        earliest = now + lead
        out: list[tuple[dt.datetime, dt.datetime]] = []
        for opening, closing in self.periods(now, days):
            t = opening
            while t < closing:
                end = min(t + length, closing)
                if t >= earliest and end - t >= length / 2:
                    out.append((t, end))
                t += length
        return out


def parse_hours(
    week: Mapping[str, str | Iterable[str]],
    *,
    zone: str,
    holidays: Iterable[str | dt.date] = (),
) -> OpeningHours:
    """Opening hours from a readable form::

        parse_hours({"mon-fri": "09:00-18:00", "sat": ["10:00-12:00", "13:00-15:00"]},
                    zone="Asia/Seoul", holidays=["2026-12-25"])

    Keys are a day (``mon`` … ``sun``) or a range (``mon-fri``); a day not named is
    closed; ``"closed"`` says so explicitly. Raises :class:`HoursError`.
    """
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(
            f"{zone!r} is not a time zone this machine knows; use a name like 'Asia/Seoul'"
        ) from None
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    named: set[int] = set()
    for key, value in week.items():
        for i in _days(key):
            if i in named:
                raise HoursError(f"{DAYS[i]} is named twice (in {key!r}); name each day once")
            named.add(i)
            days[i] = _spans(key, value)
    closed: set[dt.date] = set()
    for h in holidays:
        if isinstance(h, dt.date):
            closed.add(h)
            continue
        try:
            closed.add(dt.date.fromisoformat(str(h).strip()))
        except ValueError:
            raise HoursError(f"holiday {h!r} is not a date; write it as 2026-12-25") from None
    return OpeningHours(tz, tuple(tuple(d) for d in days), frozenset(closed))


def _days(key: str) -> list[int]:
    words = [w.strip().lower()[:3] for w in key.split("-")]
    if len(words) > 2 or not all(w in DAYS for w in words):
        raise HoursError(f"{key!r} is not a day or a range of days; write e.g. 'mon' or 'mon-fri'")
    first, last = DAYS.index(words[0]), DAYS.index(words[-1])
    if last < first:
        raise HoursError(f"{key!r} runs backwards; write the earlier day first, e.g. 'mon-fri'")
    return list(range(first, last + 1))


def hhmm(minute: int) -> str:
    """Minutes since local midnight as a clock shows them ("09:30"; 1440 is "24:00")."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_spans(key: str, value: str | Iterable[str]) -> tuple[tuple[int, int], ...]:
    """One day's spans as written (``"09:00-13:00"``, a list of them, or
    ``"closed"``); ``key`` names the day in the error. Raises :class:`HoursError`."""
    return tuple(_spans(key, value))


def _spans(key: str, value: str | Iterable[str]) -> list[tuple[int, int]]:
    if isinstance(value, str):
        texts = [value]
    elif isinstance(value, list | tuple) and all(isinstance(t, str) for t in value):
        texts = list(value)
    else:  # a number, a table or a list of them where a span was meant (TOML, JSON)
        raise HoursError(f"{key} = {value!r} is not a time span; write it as '09:00-18:00'")
    if len(texts) == 1 and texts[0].strip().lower() == "closed":
        return []
    spans: list[tuple[int, int]] = []
    for text in texts:
        m = _SPAN.match(str(text))
        if m is None:
            raise HoursError(f"{key} = {text!r} is not a time span; write it as '09:00-18:00'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise HoursError(f"{key} = {text!r} has a time that does not exist on a clock")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise HoursError(
                f"{key} = {text!r} ends before it starts; past midnight, write two spans "
                "on two days ('22:00-24:00' and '00:00-02:00')"
            )
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise HoursError(f"{key} has overlapping spans; write each open stretch once")
    return spans
