"""The desk file: queues, their names, teams, limits and opening hours.

``desk.toml`` (its path is the relay setting ``desk_file``)::

    zone = "Asia/Seoul"             # default time zone of every queue
    callback_offer_above_s = 600    # offer a callback when the estimate is longer

    [[queue]]
    id = "internet"                 # letters, digits, - and _; used in links and the CLI
    name = "Internet"
    name_ko = "인터넷"
    teams = ["network"]             # agents of these teams serve it
    max_waiting = 50                # a full queue offers a callback instead
    handle_s = 420                  # the handle time to assume before there are samples
    holidays = ["2026-12-25"]
    [queue.hours]
    mon-fri = "09:00-18:00"
    sat = "10:00-13:00"

:func:`desk_from_mapping` checks everything and raises :class:`relay.config.ConfigError`
with a sentence naming the queue and the key; :func:`read_desk` reads the file.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from common.messages import MAX_NAME
from relay.config import ConfigError
from relay.desk.hours import HoursError, OpeningHours, parse_hours

__all__ = ["MAX_QUEUES", "Desk", "Queue", "desk_from_mapping", "read_desk"]

MAX_QUEUES = 64
MAX_WAITING_LIMIT = 10_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_DESK_KEYS = {"zone", "callback_offer_above_s", "queue"}
_QUEUE_KEYS = {"id", "name", "name_ko", "teams", "max_waiting", "handle_s", "hours", "holidays"}
_QUEUE_KEYS |= {"zone"}


@dataclasses.dataclass(frozen=True, slots=True)
class Queue:
    id: str
    name: str
    name_ko: str
    teams: frozenset[str]
    max_waiting: int
    handle_s: float
    hours: OpeningHours

    def name_in(self, lang: str) -> str:
        return self.name_ko if lang == "ko" and self.name_ko else self.name


@dataclasses.dataclass(frozen=True, slots=True)
class Desk:
    queues: tuple[Queue, ...]
    callback_offer_above_s: float
    #: The desk's default time zone (the console shows times in it).
    zone: str = "UTC"

    def queue(self, queue_id: str) -> Queue | None:
        return next((q for q in self.queues if q.id == queue_id), None)


def read_desk(path: Path) -> Desk:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read the desk file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return desk_from_mapping(data, str(path))


def desk_from_mapping(data: Mapping[str, Any], source: str = "desk file") -> Desk:
    unknown = sorted(set(data) - _DESK_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r}; the keys are {_list(_DESK_KEYS)}")
    zone = _text(data, "zone", source, default="UTC")
    above = _number(data, "callback_offer_above_s", source, default=600.0, low=0.0, high=86400.0)
    raw = data.get("queue", [])
    if not isinstance(raw, list) or not all(isinstance(q, dict) for q in raw):
        raise ConfigError(f"{source}: 'queue' must be a list of [[queue]] tables")
    if len(raw) > MAX_QUEUES:
        raise ConfigError(f"{source}: {len(raw)} queues; at most {MAX_QUEUES}")
    queues: list[Queue] = []
    for i, q in enumerate(raw, 1):
        queue = _queue(q, f"{source}: queue {i}", zone)
        if any(other.id == queue.id for other in queues):
            raise ConfigError(f"{source}: two queues have the id {queue.id!r}; ids must differ")
        queues.append(queue)
    return Desk(tuple(queues), above, zone)


def _queue(q: Mapping[str, Any], where: str, zone: str) -> Queue:
    unknown = sorted(set(q) - _QUEUE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; the keys are {_list(_QUEUE_KEYS)}")
    queue_id = _text(q, "id", where)
    if not _ID.match(queue_id):
        raise ConfigError(
            f"{where}: id {queue_id!r} must be 1 to 32 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    where = f"{where.rsplit(':', 1)[0]}: queue {queue_id!r}"
    name = _text(q, "name", where)
    name_ko = _text(q, "name_ko", where, default="")
    teams = q.get("teams")
    if not isinstance(teams, list) or not teams or not all(isinstance(t, str) and t for t in teams):
        raise ConfigError(f"{where}: 'teams' must list the teams that serve it, e.g. [\"network\"]")
    max_waiting = int(_number(q, "max_waiting", where, default=100, low=1, high=MAX_WAITING_LIMIT))
    handle_s = _number(q, "handle_s", where, default=600.0, low=30.0, high=4 * 3600.0)
    hours = q.get("hours", {"mon-sun": "00:00-24:00"})
    holidays = q.get("holidays", [])
    if not isinstance(hours, dict):
        raise ConfigError(f"{where}: 'hours' must be a table such as mon-fri = \"09:00-18:00\"")
    if not isinstance(holidays, list):
        raise ConfigError(f"{where}: 'holidays' must be a list of dates, e.g. [\"2026-12-25\"]")
    try:
        opening = parse_hours(hours, zone=_text(q, "zone", where, default=zone), holidays=holidays)
    except HoursError as exc:
        raise ConfigError(f"{where}: hours: {exc}") from None
    return Queue(queue_id, name, name_ko, frozenset(teams), max_waiting, handle_s, opening)


def _text(m: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = m.get(key, default)
    if value is None:
        raise ConfigError(f"{where}: {key!r} is missing")
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ConfigError(f"{where}: {key!r} must be text")
    if len(value.encode()) > MAX_NAME:
        raise ConfigError(f"{where}: {key!r} is longer than {MAX_NAME} bytes")
    return value.strip()


def _number(
    m: Mapping[str, Any], key: str, where: str, *, default: float, low: float, high: float
) -> float:
    value = m.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}: {key!r} must be a number from {low:g} to {high:g}")
    return float(value)


def _list(keys: set[str]) -> str:
    return ", ".join(sorted(keys))
