"""Queue changes made at run time (relay/desk/changes.py) and the opening hours they
lay over the week (relay/desk/hours.py): pure, with hypothesis for the parser and for
the forced state over any week."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay.config import ConfigError
from relay.desk.changes import QueueSettings, apply, change, day_text, week_text
from relay.desk.config import desk_from_mapping
from relay.desk.hours import Forced, parse_hours

SEOUL = ZoneInfo("Asia/Seoul")
OFFICE = {"mon-fri": "09:00-18:00", "sat": "10:00-13:00"}
DESK = desk_from_mapping(
    {
        "zone": "Asia/Seoul",
        "queue": [
            {"id": "internet", "name": "Internet", "teams": ["network"], "hours": OFFICE,
             "holidays": ["2026-12-25"], "max_waiting": 50},
            {"id": "billing", "name": "Billing", "teams": ["billing"]},
        ],
    }
)  # fmt: skip


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


def ts(*args: int) -> float:
    return at(*args).timestamp()


def changed(changes: dict[str, Any], now: float, before: QueueSettings | None = None) -> Any:
    s = change(DESK, before, "internet", changes, now=now, actor="mina")
    return s, apply(DESK, [s]).queue("internet")


# ---------------------------------------------------------------- the forced state


def test_closing_now_for_half_an_hour_then_the_hours_again() -> None:
    now = ts(2026, 12, 1, 10, 0)  # a Tuesday, open by the hours
    s, q = changed({"state": "closed", "for_s": 1800}, now)
    assert s.changed_by == "mina" and s.forced_now(now) == "closed"
    assert not q.hours.is_open(at(2026, 12, 1, 10, 0))
    assert q.hours.next_opening(at(2026, 12, 1, 10, 0)) == at(2026, 12, 1, 10, 30)
    assert q.hours.is_open(at(2026, 12, 1, 10, 30))
    assert q.hours.closes_at(at(2026, 12, 1, 10, 30)) == at(2026, 12, 1, 18, 0)
    assert s.forced_now(ts(2026, 12, 1, 10, 30)) == "hours"
    # The callback windows on offer skip the closed half hour.
    windows = q.hours.windows(at(2026, 12, 1, 10, 0), dt.timedelta(minutes=30), 1,
                              lead=dt.timedelta(0))  # fmt: skip
    assert windows[0][0] == at(2026, 12, 1, 10, 30)


def test_closed_until_changed_stays_closed_and_says_no_opening() -> None:
    now = ts(2026, 12, 1, 10, 0)
    _, q = changed({"state": "closed"}, now)
    assert not q.hours.is_open(at(2026, 12, 3, 11, 0))
    assert q.hours.next_opening(at(2026, 12, 1, 10, 0)) is None
    assert not q.hours.always_open


def test_staying_open_late_and_open_until_changed() -> None:
    now = ts(2026, 12, 1, 17, 30)
    _, q = changed({"state": "open", "until": ts(2026, 12, 1, 20, 0)}, now)
    assert q.hours.is_open(at(2026, 12, 1, 19, 59))
    assert q.hours.closes_at(at(2026, 12, 1, 17, 30)) == at(2026, 12, 1, 20, 0)
    assert not q.hours.is_open(at(2026, 12, 1, 20, 0))
    assert q.hours.next_opening(at(2026, 12, 1, 20, 0)) == at(2026, 12, 2, 9, 0)
    # Sunday night, open until changed: open, with no closing time to show.
    _, q = changed({"state": "open"}, ts(2026, 12, 6, 22, 0))
    assert q.hours.is_open(at(2026, 12, 7, 3, 0))
    assert q.hours.closes_at(at(2026, 12, 7, 3, 0)) is None


def test_back_to_the_hours_ends_a_forced_state() -> None:
    now = ts(2026, 12, 1, 10, 0)
    s, _ = changed({"state": "closed"}, now)
    s, q = changed({"state": "hours"}, now + 60, s)
    assert s.forced_now(now + 61) == "hours" and q.hours.is_open(at(2026, 12, 1, 10, 2))
    assert q.hours.forced is None


forced_states = st.builds(
    Forced,
    st.booleans(),
    st.datetimes(dt.datetime(2026, 11, 25), dt.datetime(2026, 12, 10)).map(
        lambda d: d.replace(tzinfo=dt.UTC)
    ),
    st.one_of(st.none(), st.integers(60, 5 * 86400).map(lambda s: dt.timedelta(seconds=s))),
)


@settings(max_examples=200, deadline=None)
@given(
    forced_states,
    st.datetimes(dt.datetime(2026, 11, 20), dt.datetime(2026, 12, 20)),
    st.sampled_from(
        [
            OFFICE,
            {"mon-sun": "00:00-24:00"},
            {"sun": "closed"},
            {"fri": "20:00-24:00", "sat": "00:00-02:00"},
        ]
    ),  # fmt: skip
)
def test_a_forced_state_wins_where_it_holds_and_the_calendar_elsewhere(
    f: Any, naive: dt.datetime, week: dict[str, str]
) -> None:
    until = None if f.until is None else f.since + f.until
    forced = Forced(f.open, f.since, until)
    calendar = parse_hours(week, zone="Asia/Seoul")
    hours = calendar.with_changes(forced=forced)
    now = naive.replace(tzinfo=dt.UTC)
    expected = forced.open if forced.covers(now) else calendar.is_open(now)
    assert hours.is_open(now) == expected
    opening = hours.next_opening(now)
    if opening is not None:  # open then, and closed a minute before (if later)
        assert hours.is_open(opening)
        if opening > now:
            assert not hours.is_open(max(now, opening - dt.timedelta(minutes=1)))
    closing = hours.closes_at(now)
    if closing is not None:  # (a period longer than the look-ahead is cut there)
        assert hours.is_open(now)
        assert not hours.is_open(closing) or closing - now >= dt.timedelta(days=7)


# ---------------------------------------------------------------- special days and the week


def test_christmas_eve_short_and_a_file_holiday_opened() -> None:
    now = ts(2026, 12, 1, 10, 0)
    s, q = changed({"days": {"2026-12-24": "09:00-13:00", "2026-12-25": "10:00-12:00"}}, now)
    assert q.hours.is_open(at(2026, 12, 24, 12, 59)) and not q.hours.is_open(at(2026, 12, 24, 13))
    # The file made the 25th a holiday; the special day opens it for two hours.
    assert q.hours.is_open(at(2026, 12, 25, 11, 0))
    assert q.hours.spans_on(dt.date(2026, 12, 24)) == ((540, 780),)
    s, q = changed({"remove_day": "2026-12-25"}, now, s)
    assert not q.hours.is_open(at(2026, 12, 25, 11, 0))  # the file's holiday again
    s, q = changed({"add_day": {"2026-12-31": "closed"}}, now, s)
    assert s.days == {"2026-12-24": ["09:00-13:00"], "2026-12-31": []}
    assert not q.hours.is_open(at(2026, 12, 31, 10, 0))


def test_days_long_past_are_dropped_when_next_changed() -> None:
    s, _ = changed({"add_day": {"2026-12-24": "closed"}}, ts(2026, 12, 1, 10, 0))
    s, _ = changed({"add_day": {"2027-01-01": "closed"}}, ts(2027, 1, 1, 9, 0), s)
    assert list(s.days) == ["2027-01-01"]


def test_a_new_week_max_waiting_and_teams() -> None:
    s, q = changed(
        {"week": {"mon-sat": "08:00-20:00"}, "max_waiting": 5, "teams": "network, billing"},
        ts(2026, 12, 1, 10, 0),
    )
    assert q.hours.is_open(at(2026, 12, 5, 19, 0)) and not q.hours.is_open(at(2026, 12, 6, 10))
    assert q.max_waiting == 5 and q.teams == frozenset({"network", "billing"})
    assert s.week == week_text(q.hours) and s.week["sun"] == ["closed"]
    s, q = changed({"week": None, "max_waiting": None, "teams": None}, ts(2026, 12, 1, 11), s)
    assert q == DESK.queue("internet")


def test_the_database_row_round_trips() -> None:
    s, _ = changed(
        {"state": "closed", "for_s": 600, "days": {"2026-12-24": "09:00-12:00, 13:00-15:00"},
         "max_waiting": 9, "teams": ["network"], "week": OFFICE},
        ts(2026, 12, 1, 10, 0),
    )  # fmt: skip
    assert QueueSettings.from_row(s.row()) == s
    assert s.days["2026-12-24"] == ["09:00-12:00", "13:00-15:00"]
    assert day_text(((540, 720), (780, 900))) == "09:00-12:00, 13:00-15:00"
    assert day_text(()) == "closed"


def test_a_row_edited_by_hand_leaves_the_file_s_queue() -> None:
    bad = QueueSettings("internet", week={"someday": ["9-5"]})
    assert apply(DESK, [bad]) == DESK
    assert apply(DESK, [QueueSettings("gone", max_waiting=3)]) == DESK


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"state": "shut"}, "must be one of hours, open, closed"),
        ({"state": "closed", "for_s": 5}, "from 60 seconds"),
        ({"state": "open", "until": 1.0}, "later than now"),
        ({"until": 2e9}, "go with a 'state'"),
        ({"max_waiting": 0}, "from 1 to"),
        ({"max_waiting": True}, "whole number"),
        ({"week": {"mon-fri": "9-18"}}, "not a time span"),
        ({"week": "always"}, "must map days"),
        ({"week": {"mon": 9}}, "not a time span"),
        ({"week": {"mon": [None]}}, "not a time span"),
        ({"week": {"mon-fri": {"from": "09:00"}}}, "not a time span"),
        ({"days": {"24/12/2026": "closed"}}, "write it as 2026-12-25"),
        ({"days": {"2026-12-24": "13:00-09:00"}}, "ends before it starts"),
        ({"days": {"2026-12-24": 9}}, "must be text"),
        ({"add_day": "2026-12-24"}, "one date and its hours"),
        ({"teams": []}, "must list the teams"),
        ({"teams": ["a b"]}, "without spaces"),
        ({"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_changes_that_cannot_be_made_say_why(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words) as exc:
        change(DESK, None, "internet", changes, now=ts(2026, 12, 1, 10, 0), actor="mina")
    assert "queue 'internet'" in str(exc.value)


def test_an_unknown_queue_names_the_queues_there_are() -> None:
    with pytest.raises(ConfigError, match="the queues are internet, billing"):
        change(DESK, None, "sales", {"state": "closed"}, now=0.0, actor="mina")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**10) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner,
                                                                  max_size=3),
    max_leaves=8,
)  # fmt: skip


days_and_dates = st.sampled_from(["mon", "tue-fri", "sat-sun", "2026-12-24", "x"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["state", "for_s", "until", "max_waiting", "week", "days",
                                        "add_day", "remove_day", "teams", "x"]),
                       json_values | st.dictionaries(days_and_dates, json_values, max_size=3)
                       | st.dictionaries(days_and_dates, st.lists(json_values, max_size=3),
                                         max_size=3),
                       max_size=4))  # fmt: skip
def test_any_change_is_made_or_refused_with_a_sentence(changes: dict[str, Any]) -> None:
    """What the API hands over is any JSON: it is checked, never a traceback."""
    try:
        s = change(DESK, None, "internet", changes, now=ts(2026, 12, 1, 10, 0), actor="api")
    except ConfigError as exc:
        assert "queue 'internet'" in str(exc)
        return
    assert QueueSettings.from_row(s.row()) == s
    apply(DESK, [s]).queue("internet")
