"""What the desk changes of its queues at run time, on top of the desk file.

The desk file (:mod:`relay.desk.config`) says which queues there are, their names and
what they start with. A supervisor or admin changes a queue while the relay runs,
from the console, the JSON API or the CLI: open it now or close it now (until a time
or until changed), its weekly hours, special days (a holiday, or short hours on
Christmas Eve), how many may wait, and which teams serve it. Those changes are one
:class:`QueueSettings` per queue, kept in the database (table ``queue_settings``), and
every node lays them over the file with :func:`apply` when it reads them, so the
whole cluster follows one set.

Everything here is pure: :func:`change` checks a change and merges it into what was
set before, raising :class:`relay.config.ConfigError` with a sentence that names the
queue and what to write instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from relay.config import ConfigError
from relay.desk.config import MAX_WAITING_LIMIT, Desk, Queue
from relay.desk.hours import (
    DAYS,
    Forced,
    HoursError,
    OpeningHours,
    hhmm,
    parse_hours,
    parse_spans,
)

__all__ = [
    "MAX_SPECIAL_DAYS",
    "STATES",
    "QueueSettings",
    "apply",
    "change",
    "day_text",
    "week_text",
]

#: "hours": follow the opening hours; "open" / "closed": forced until ``until``.
STATES = ("hours", "open", "closed")
#: Special days kept per queue (a year of holidays and short days is far fewer).
MAX_SPECIAL_DAYS = 100
#: Special days this long past are dropped when a queue is next changed.
KEEP_PAST_DAYS = 7
#: The longest a forced state may be set for (it can always be set "until changed").
MAX_FORCED_S = 366 * 86400.0
MAX_TEAMS = 16
_TEAM = re.compile(r"^[^\s,]{1,64}$")


@dataclasses.dataclass(frozen=True, slots=True)
class QueueSettings:
    """One queue's changes over the desk file (None / empty: as the file says)."""

    queue: str
    state: str = "hours"
    since: float = 0.0
    until: float | None = None
    max_waiting: int | None = None
    #: Weekly hours as the desk file writes them (``{"mon": ["09:00-18:00"], ...}``).
    week: Mapping[str, list[str]] | None = None
    #: Special days: ISO date -> spans (``[]`` = closed all day).
    days: Mapping[str, list[str]] = dataclasses.field(default_factory=dict)
    teams: tuple[str, ...] | None = None
    changed_at: float = 0.0
    changed_by: str = ""

    def forced_now(self, now: float) -> str:
        """ "open" or "closed" if a forced state holds at ``now``, else "hours"."""
        if self.state == "hours" or now < self.since:
            return "hours"
        if self.until is not None and now >= self.until:
            return "hours"
        return self.state

    # The database's row: JSON for the structured parts.
    def row(self) -> tuple[Any, ...]:
        return (
            self.queue,
            self.state,
            self.since,
            self.until,
            self.max_waiting,
            "" if self.week is None else json.dumps(self.week, sort_keys=True),
            json.dumps(self.days, sort_keys=True),
            "" if self.teams is None else " ".join(self.teams),
            self.changed_at,
            self.changed_by,
        )

    @classmethod
    def from_row(cls, row: Iterable[Any]) -> QueueSettings:
        queue, state, since, until, max_waiting, week, days, teams, at, by = row
        return cls(
            str(queue),
            str(state),
            float(since),
            None if until is None else float(until),
            None if max_waiting is None else int(max_waiting),
            json.loads(week) if week else None,
            json.loads(days) if days else {},
            tuple(str(teams).split()) if teams else None,
            float(at),
            str(by),
        )

    def as_json(self, now: float) -> dict[str, Any]:
        """The API's view: what is set, and whether a forced state holds now."""
        return {
            "state": self.state,
            "in_force": self.forced_now(now),
            "since": self.since or None,
            "until": self.until,
            "max_waiting": self.max_waiting,
            "week": self.week,
            "days": dict(self.days),
            "teams": list(self.teams) if self.teams is not None else None,
            "changed_at": self.changed_at or None,
            "changed_by": self.changed_by or None,
        }


def _where(queue: str) -> str:
    return f"queue {queue!r}"


def change(
    desk: Desk,
    before: QueueSettings | None,
    queue: str,
    changes: Mapping[str, Any],
    *,
    now: float,
    actor: str,
) -> QueueSettings:
    """``before`` (None: nothing set yet) with ``changes`` made, checked against the
    desk file ``desk``. Keys of ``changes`` (each optional):

    * ``state``: "hours", "open" or "closed"; with ``for_s`` (seconds from now) or
      ``until`` (Unix seconds), else until changed;
    * ``max_waiting``: a number, or None for the file's;
    * ``week``: day or day range -> spans (as in the desk file), or None for the file's;
    * ``days``: ISO date -> spans or "closed" (replacing all special days), or
      ``add_day`` / ``remove_day`` for one;
    * ``teams``: a list of team names, or None for the file's.

    Raises :class:`ConfigError` naming the queue and what to write.
    """
    q = desk.queue(queue)
    if q is None:
        known = ", ".join(x.id for x in desk.queues) or "none"
        raise ConfigError(f"there is no queue {queue!r}; the queues are {known}")
    where = _where(queue)
    s = before or QueueSettings(queue)
    unknown = sorted(set(changes) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}; the settings are {_keys()}")
    out: dict[str, Any] = {}
    if "state" in changes:
        out.update(_state(where, changes, now))
    elif "for_s" in changes or "until" in changes:
        raise ConfigError(f"{where}: 'until' and 'for_s' go with a 'state' of open or closed")
    if "max_waiting" in changes:
        out["max_waiting"] = _max_waiting(where, changes["max_waiting"])
    if "week" in changes:
        out["week"] = _week(where, changes["week"], q.hours.zone.key)
    days = dict(s.days)
    if "days" in changes:
        raw = changes["days"]
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: 'days' must map dates to hours, e.g. {_DAY_EXAMPLE}")
        days = {}
        for date, spans in raw.items():
            days.update(_day(where, date, spans))
    if "add_day" in changes:
        raw = changes["add_day"]
        if not isinstance(raw, Mapping) or len(raw) != 1:
            raise ConfigError(f"{where}: 'add_day' is one date and its hours, e.g. {_DAY_EXAMPLE}")
        days.update(_day(where, *next(iter(raw.items()))))
    if "remove_day" in changes:
        days.pop(_date(where, changes["remove_day"]).isoformat(), None)
    if days != s.days:
        today = dt.datetime.fromtimestamp(now, q.hours.zone).date()
        oldest = today - dt.timedelta(days=KEEP_PAST_DAYS)
        days = {d: v for d, v in sorted(days.items()) if dt.date.fromisoformat(d) >= oldest}
        if len(days) > MAX_SPECIAL_DAYS:
            raise ConfigError(f"{where}: at most {MAX_SPECIAL_DAYS} special days; remove old ones")
        out["days"] = days
    if "teams" in changes:
        out["teams"] = _teams(where, changes["teams"])
    return dataclasses.replace(s, **out, changed_at=now, changed_by=actor)


_KEYS = {"state", "for_s", "until", "max_waiting", "week", "days", "add_day", "remove_day"}
_KEYS |= {"teams"}
_DAY_EXAMPLE = '{"2026-12-24": "09:00-13:00", "2026-12-25": "closed"}'


def _keys() -> str:
    return ", ".join(sorted(_KEYS))


def _state(where: str, changes: Mapping[str, Any], now: float) -> dict[str, Any]:
    state = changes["state"]
    if state not in STATES:
        raise ConfigError(f"{where}: 'state' must be one of {', '.join(STATES)}, not {state!r}")
    if state == "hours":
        return {"state": "hours", "since": now, "until": None}
    until: float | None = None
    if changes.get("for_s") is not None:
        for_s = changes["for_s"]
        if isinstance(for_s, bool) or not isinstance(for_s, int | float):
            raise ConfigError(f"{where}: 'for_s' must be a number of seconds")
        if not 60 <= for_s <= MAX_FORCED_S:
            raise ConfigError(f"{where}: 'for_s' must be from 60 seconds to a year")
        until = now + float(for_s)
    elif changes.get("until") is not None:
        raw = changes["until"]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"{where}: 'until' must be a time in Unix seconds")
        if not now < raw <= now + MAX_FORCED_S:
            raise ConfigError(f"{where}: 'until' must be later than now and within a year")
        until = float(raw)
    return {"state": state, "since": now, "until": until}


def _max_waiting(where: str, raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_WAITING_LIMIT:
        raise ConfigError(f"{where}: 'max_waiting' must be a whole number from 1 to "
                          f"{MAX_WAITING_LIMIT}")  # fmt: skip
    return raw


def _week(where: str, raw: Any, zone: str) -> dict[str, list[str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: 'week' must map days to hours, e.g. "
                          '{"mon-fri": "09:00-18:00", "sat": "closed"}')  # fmt: skip
    # "09:00-12:00, 13:00-18:00" is two spans, as on a special day.
    week = {k: _split(v) if isinstance(v, str) else v for k, v in raw.items()}
    try:
        hours = parse_hours(week, zone=zone)
    except HoursError as exc:
        raise ConfigError(f"{where}: hours: {exc}") from None
    return week_text(hours)


def _date(where: str, raw: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{where}: {raw!r} is not a date; write it as 2026-12-25") from None


def _day(where: str, date: Any, spans: Any) -> dict[str, list[str]]:
    day = _date(where, date)
    if not isinstance(spans, str | list) or (
        isinstance(spans, list) and not all(isinstance(x, str) for x in spans)
    ):
        raise ConfigError(f'{where}: the hours of {day} must be text such as "09:00-13:00"')
    try:
        parsed = parse_spans(day.isoformat(), _split(spans))
    except HoursError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return {day.isoformat(): [_span_text(a, b) for a, b in parsed]}


def _split(spans: str | list[str]) -> list[str]:
    """ "09:00-12:00, 13:00-18:00" as two spans (lists pass through)."""
    if isinstance(spans, list):
        return spans or ["closed"]
    parts = [p.strip() for p in spans.split(",") if p.strip()]
    return parts or ["closed"]


def _teams(where: str, raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [t for t in re.split(r"[\s,]+", raw) if t]
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise ConfigError(f"{where}: 'teams' must list the teams that serve it, e.g. [\"network\"]")
    if len(raw) > MAX_TEAMS or not all(_TEAM.match(t) for t in raw):
        raise ConfigError(f"{where}: 'teams' must be at most {MAX_TEAMS} names without spaces")
    return tuple(dict.fromkeys(raw))


def _span_text(a: int, b: int) -> str:
    return f"{hhmm(a)}-{hhmm(b)}"


def day_text(spans: Iterable[tuple[int, int]]) -> str:
    """One day's spans as a person writes them: "09:00-12:00, 13:00-18:00" or "closed"."""
    return ", ".join(_span_text(a, b) for a, b in spans) or "closed"


def week_text(hours: OpeningHours) -> dict[str, list[str]]:
    """The week of ``hours`` as the desk file writes it, every day named."""
    return {
        name: [_span_text(a, b) for a, b in spans] or ["closed"]
        for name, spans in zip(DAYS, hours.week, strict=True)
    }


def apply(desk: Desk, settings: Iterable[QueueSettings]) -> Desk:
    """The desk file's ``desk`` with the changes laid over it (settings of queues the
    file no longer has are ignored: the file decides which queues there are)."""
    by_queue = {s.queue: s for s in settings}
    return dataclasses.replace(
        desk, queues=tuple(_applied(q, by_queue.get(q.id)) for q in desk.queues)
    )


def _applied(q: Queue, s: QueueSettings | None) -> Queue:
    if s is None:
        return q
    try:
        return _laid(q, s)
    except (HoursError, ValueError, TypeError):  # a row edited by hand: the file's
        return q


def _laid(q: Queue, s: QueueSettings) -> Queue:
    hours = q.hours
    week = hours.week
    if s.week is not None:
        week = parse_hours(s.week, zone=hours.zone.key).week
    special = {
        dt.date.fromisoformat(d): parse_spans(d, spans or ["closed"]) for d, spans in s.days.items()
    }
    forced = None
    if s.state in ("open", "closed"):
        until = None if s.until is None else dt.datetime.fromtimestamp(s.until, dt.UTC)
        forced = Forced(s.state == "open", dt.datetime.fromtimestamp(s.since, dt.UTC), until)
    return dataclasses.replace(
        q,
        hours=hours.with_changes(week=week, special=special, forced=forced),
        max_waiting=q.max_waiting if s.max_waiting is None else s.max_waiting,
        teams=q.teams if s.teams is None else frozenset(s.teams),
    )
