"""The help desk's policy (relay/desk): opening hours, wait estimates, routing, the desk
file. Pure objects, a fake clock, hypothesis for every parser."""

from __future__ import annotations

import datetime as dt
import heapq
import tomllib
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import DeskError
from relay.config import ConfigError
from relay.desk.callbacks import MAX_OFFERED, CallbackPlanner, WindowRefusal
from relay.desk.config import desk_from_mapping
from relay.desk.estimate import AgentLoad, HandleTimes, estimate_wait, shown_wait
from relay.desk.hours import HoursError, parse_hours
from relay.desk.lobby import WhyNot
from relay.desk.reasons import error_reason
from relay.desk.routing import Agent, Callback, Presence, Refusal, Router, Waiting

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {"mon-fri": "09:00-18:00", "sat": "10:00-13:00"}


def at(*args: int, tz: ZoneInfo = SEOUL) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]


# ---------------------------------------------------------------- opening hours


def test_office_hours_open_close_and_reopen_after_a_holiday() -> None:
    hours = parse_hours(OFFICE, zone="Asia/Seoul", holidays=["2026-12-25"])
    thursday = at(2026, 12, 24, 17, 59)
    assert hours.is_open(thursday)
    assert hours.closes_at(thursday) == at(2026, 12, 24, 18, 0)
    evening = at(2026, 12, 24, 18, 0)
    assert not hours.is_open(evening) and hours.closes_at(evening) is None
    # Christmas (a Friday) is a holiday: the desk opens again on Saturday morning.
    assert hours.next_opening(evening) == at(2026, 12, 26, 10, 0)
    assert hours.next_opening(at(2026, 12, 26, 13, 0)) == at(2026, 12, 28, 9, 0)


def test_a_time_in_another_zone_is_judged_on_the_queue_s_own_clock() -> None:
    hours = parse_hours(OFFICE, zone="Asia/Seoul")
    # 01:30 UTC on a Monday is 10:30 in Seoul.
    assert hours.is_open(dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.UTC))
    assert not hours.is_open(dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC))


def test_spans_touching_at_midnight_are_one_open_period() -> None:
    hours = parse_hours({"fri": "20:00-24:00", "sat": "00:00-02:00"}, zone="Asia/Seoul")
    friday_night = at(2026, 12, 4, 23, 0)
    assert hours.closes_at(friday_night) == at(2026, 12, 5, 2, 0)
    assert hours.is_open(at(2026, 12, 5, 1, 0))


def test_summer_time_days_have_the_hours_on_the_wall_clock() -> None:
    hours = parse_hours({"sun": "02:30-05:00", "mon-sat": "09:00-17:00"}, zone="Europe/Berlin")
    # 29 March 2026: clocks jump from 02:00 to 03:00; 02:30 does not exist.
    assert hours.next_opening(at(2026, 3, 29, 0, 0, tz=BERLIN)) == at(2026, 3, 29, 3, 0, tz=BERLIN)
    # 25 October 2026: 02:00-03:00 happens twice; the span opens at the first 02:30.
    opening = hours.next_opening(at(2026, 10, 25, 0, 0, tz=BERLIN))
    assert opening is not None and opening.utcoffset() == dt.timedelta(hours=2)


def test_callback_windows_lie_within_hours_after_the_lead_time() -> None:
    hours = parse_hours(OFFICE, zone="Asia/Seoul")
    now = at(2026, 11, 30, 16, 50)  # Monday
    windows = hours.windows(now, dt.timedelta(minutes=30), 2, lead=dt.timedelta(minutes=15))
    assert windows[0] == (at(2026, 11, 30, 17, 30), at(2026, 11, 30, 18, 0))
    assert windows[1] == (at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 30))
    assert all(hours.is_open(a) and b <= hours.closes_at(a) for a, b in windows)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("week", "words"),
    [
        ({"mon-fri": "9-18"}, "not a time span"),
        ({"fri-mon": "09:00-18:00"}, "runs backwards"),
        ({"mon": "18:00-09:00"}, "ends before it starts"),
        ({"mon": "09:00-25:00"}, "does not exist"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlapping"),
        ({"mon-fri": "09:00-18:00", "fri": "10:00-12:00"}, "named twice"),
        ({"someday": "09:00-18:00"}, "not a day"),
    ],
)
def test_hours_that_cannot_be_read_say_why(week: dict[str, str], words: str) -> None:
    with pytest.raises(HoursError, match=words):
        parse_hours(week, zone="Asia/Seoul")


def test_unknown_zone_and_bad_holiday_say_what_to_write() -> None:
    with pytest.raises(HoursError, match="Asia/Seoul"):
        parse_hours(OFFICE, zone="Mars/Olympus")
    with pytest.raises(HoursError, match="2026-12-25"):
        parse_hours(OFFICE, zone="UTC", holidays=["25/12/2026"])


@given(st.dictionaries(st.text(max_size=12), st.text(max_size=16), max_size=4))
def test_any_hours_text_is_read_or_refused_with_hours_error(week: dict[str, str]) -> None:
    try:
        parse_hours(week, zone="UTC")
    except HoursError:
        pass


spans = st.lists(
    st.tuples(st.integers(0, 47), st.integers(1, 48)).filter(lambda t: t[0] < t[1]),
    max_size=2,
).map(lambda ts: sorted(ts))


def _week_text(days: list[list[tuple[int, int]]]) -> dict[str, list[str]]:
    def hhmm(half_hours: int) -> str:
        return f"{half_hours // 2:02d}:{30 * (half_hours % 2):02d}"

    out = {}
    for name, day in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), days, strict=True):
        merged: list[tuple[int, int]] = []
        for a, b in day:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        out[name] = [f"{hhmm(a)}-{hhmm(b)}" for a, b in merged] or ["closed"]
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(spans, min_size=7, max_size=7),
    st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31)),
    st.sampled_from(["Asia/Seoul", "Europe/Berlin", "America/New_York"]),
)
def test_next_opening_is_open_and_nothing_earlier_is(
    days: list[list[tuple[int, int]]], naive: dt.datetime, zone: str
) -> None:
    hours = parse_hours(_week_text(days), zone=zone)
    now = naive.replace(tzinfo=dt.UTC)
    opening = hours.next_opening(now)
    if not any(days):
        assert opening is None
        return
    assert opening is not None and opening >= now
    assert hours.is_open(opening)
    if opening > now:  # closed until then: a minute before, still closed
        assert not hours.is_open(max(now, opening - dt.timedelta(minutes=1)))


# ---------------------------------------------------------------- estimates


def simulate(position: int, agents: list[AgentLoad], handle_s: float) -> float:
    """The same queue run as events: each agent takes the next customer when free."""
    free = []
    for a in agents:
        first = 0.0 if a.busy_for_s is None else max(handle_s - a.busy_for_s, 0.1 * handle_s)
        free.append((first, handle_s * a.queues))
    heapq.heapify(free)
    taken = 0.0
    for _ in range(position):
        taken, cycle = heapq.heappop(free)
        heapq.heappush(free, (taken + cycle, cycle))
    return taken


def test_estimates_for_a_small_desk() -> None:
    two = [AgentLoad(None), AgentLoad(240.0)]
    assert estimate_wait(1, two, 300.0) == 0.0  # someone is free now
    assert estimate_wait(2, two, 300.0) == 60.0  # the busy one finishes in a minute
    assert estimate_wait(3, two, 300.0) == 300.0
    assert estimate_wait(1, [AgentLoad(900.0)], 300.0) == 30.0  # overran: soon, not now
    assert estimate_wait(1, [], 300.0) is None  # nobody serves the queue


loads = st.lists(
    st.builds(
        AgentLoad,
        st.one_of(st.none(), st.floats(0, 3600, allow_nan=False)),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=12,
)


@given(st.integers(1, 60), loads, st.floats(30, 3600, allow_nan=False))
def test_estimate_matches_the_queue_run_as_events(
    position: int, agents: list[AgentLoad], handle_s: float
) -> None:
    assert estimate_wait(position, agents, handle_s) == pytest.approx(
        simulate(position, agents, handle_s)
    )


@given(st.integers(1, 60), loads, st.floats(30, 3600, allow_nan=False))
def test_later_places_never_wait_less_and_another_agent_never_adds_wait(
    position: int, agents: list[AgentLoad], handle_s: float
) -> None:
    here = estimate_wait(position, agents, handle_s)
    assert here is not None
    assert estimate_wait(position + 1, agents, handle_s) >= here  # type: ignore[operator]
    assert estimate_wait(position, [*agents, AgentLoad(None)], handle_s) <= here  # type: ignore[operator]


def test_handle_times_start_from_the_prior_and_ignore_one_forgotten_session() -> None:
    times = HandleTimes(600.0)
    assert times.typical_s == 600.0
    for _ in range(5):
        times.add(300.0)
    assert times.typical_s == 450.0  # half prior, half samples
    for _ in range(5):
        times.add(300.0)
    assert times.add(3 * 3600.0)  # an agent forgot to end a session
    assert times.typical_s == 300.0  # more than four times the median: left out
    assert not times.add(1.0) and not times.add(9 * 3600.0)  # not handle times at all


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(None, None), (0, 1), (59, 1), (61, 2), (130, 3), (200, 5), (301, 10), (3000, 60), (4000, 90)],
)
def test_the_shown_wait_is_rounded_up_to_steady_steps(seconds: float | None, minutes: int) -> None:
    assert shown_wait(seconds) == minutes
    assert shown_wait(4 * 3600 + 1) == 5 * 60


# ---------------------------------------------------------------- routing


ROUTER = Router({"billing": ["billing"], "internet": ["network", "billing"]})


def agent(**kw: object) -> Agent:
    base: dict[str, object] = {
        "name": "kim",
        "teams": frozenset({"network"}),
        "presence": Presence.AVAILABLE,
    }
    return Agent(**{**base, **kw})  # type: ignore[arg-type]


def test_take_next_gives_the_longest_waiting_in_the_agent_s_queues() -> None:
    waiting = [
        Waiting("t1", "billing", 10.0, "i1"),  # longest, but not kim's queue
        Waiting("t2", "internet", 20.0, "i2"),
        Waiting("t3", "internet", 30.0, "i3"),
    ]
    assert ROUTER.take_next(agent(), waiting) == waiting[1]
    both = agent(teams=frozenset({"billing"}))
    assert ROUTER.take_next(both, waiting) == waiting[0]
    # A tie goes to the queue listed first, then the earlier ticket.
    tie = [Waiting("b", "internet", 5.0, "x"), Waiting("a", "billing", 5.0, "y")]
    assert ROUTER.take_next(both, tie) == tie[1]


def test_an_agent_takes_nobody_unless_available_and_under_the_limit() -> None:
    w = Waiting("t", "internet", 1.0, "i")
    assert ROUTER.refusal(agent(presence=Presence.AWAY), w) is Refusal.NOT_AVAILABLE
    assert ROUTER.refusal(agent(sessions=1), w) is Refusal.AT_LIMIT
    assert ROUTER.refusal(agent(sessions=1, max_sessions=2), w) is None
    assert ROUTER.refusal(agent(), None) is Refusal.GONE
    assert ROUTER.refusal(agent(), Waiting("t", "billing", 1.0, "i")) is Refusal.NOT_THEIR_QUEUE
    assert ROUTER.refusal(agent(), w, frozenset({"i"})) is Refusal.BLOCKED
    assert ROUTER.take_next(agent(), [w], frozenset({"i"})) is None


def test_the_estimate_counts_available_and_busy_agents_of_the_queue() -> None:
    team = [
        agent(name="a"),
        agent(name="b", presence=Presence.BUSY),
        agent(name="c", presence=Presence.AWAY),
        agent(name="d", presence=Presence.OFFLINE),
        agent(name="e", teams=frozenset({"sales"})),
    ]
    assert [a.name for a in ROUTER.serving("internet", team)] == ["a", "b"]
    assert ROUTER.queues_of(agent(teams=frozenset({"billing"}))) == ["billing", "internet"]


def test_callbacks_are_listed_by_window_and_a_passed_one_is_late() -> None:
    calls = [
        Callback("c2", "internet", 200.0, 300.0, asked=5.0),
        Callback("c1", "internet", 100.0, 150.0, asked=9.0),
        Callback("c3", "internet", 200.0, 300.0, asked=1.0),
    ]
    ordered = Router.callbacks_in_order(calls)
    assert [c.ticket for c in ordered] == ["c1", "c3", "c2"]
    assert ordered[0].late(now=160.0) and not ordered[1].late(now=160.0)


# ---------------------------------------------------------------- the desk file

DESK = """
zone = "Asia/Seoul"
callback_offer_above_s = 900

[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["network"]
max_waiting = 50
handle_s = 420
holidays = ["2026-12-25"]
[queue.hours]
mon-fri = "09:00-18:00"

[[queue]]
id = "billing"
name = "Billing"
teams = ["billing"]
"""


def test_a_desk_file_gives_queues_with_names_teams_limits_and_hours() -> None:
    desk = desk_from_mapping(tomllib.loads(DESK))
    internet = desk.queue("internet")
    assert internet is not None
    assert (internet.name_in("ko"), internet.name_in("en")) == ("인터넷", "Internet")
    assert internet.teams == {"network"} and internet.max_waiting == 50
    assert not internet.hours.is_open(at(2026, 12, 25, 10, 0))
    billing = desk.queue("billing")
    assert billing is not None and billing.name_in("ko") == "Billing"  # no Korean name given
    assert billing.hours.is_open(at(2026, 12, 27, 3, 0))  # no hours: always open
    assert desk.callback_offer_above_s == 900


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(colour="red"), "unknown key 'colour'"),
        (lambda d: d["queue"][0].update(id="bad id!"), "letters, digits"),
        (lambda d: d["queue"][1].update(id="internet"), "two queues have the id 'internet'"),
        (lambda d: d["queue"][0].update(teams=[]), "queue 'internet': 'teams'"),
        (lambda d: d["queue"][0].update(max_waiting=0), "'max_waiting' must be a number"),
        (lambda d: d["queue"][0]["hours"].update({"sat": "9-5"}), "queue 'internet': hours"),
        (lambda d: d["queue"][0].pop("name"), "queue 'internet': 'name' is missing"),
    ],
)
def test_a_desk_file_mistake_names_the_queue_and_the_key(change, words: str) -> None:  # type: ignore[no-untyped-def]
    data = tomllib.loads(DESK)
    change(data)
    with pytest.raises(ConfigError, match=words):
        desk_from_mapping(data)


values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["zone", "queue", "callback_offer_above_s", "x"]), values))
def test_any_desk_file_is_read_or_refused_with_a_config_error(data: dict[str, object]) -> None:
    try:
        desk_from_mapping(data)
    except ConfigError:
        pass


# ---------------------------------------------------------------- callback windows


def planner(staff: int = 1, handle_s: float = 900.0) -> CallbackPlanner:
    return CallbackPlanner(parse_hours(OFFICE, zone="Asia/Seoul"), handle_s, staff)


def test_callback_windows_start_after_the_lead_time_within_hours() -> None:
    now = at(2026, 11, 30, 17, 10)  # Monday, 50 minutes before closing
    offered = planner().offer(now, [])
    assert offered[0] == (at(2026, 11, 30, 17, 30), at(2026, 11, 30, 18, 0))
    assert offered[1] == (at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 30))  # next morning
    assert len(offered) == MAX_OFFERED
    # Twenty minutes before closing there is no time to see the request today.
    assert planner().offer(at(2026, 11, 30, 17, 40), [])[0][0] == at(2026, 12, 1, 9, 0)


def test_off_hours_the_first_window_is_when_the_desk_opens() -> None:
    saturday_night = at(2026, 12, 5, 22, 0)
    assert planner().offer(saturday_night, [])[0][0] == at(2026, 12, 7, 9, 0)


def test_a_full_window_is_not_offered_and_cannot_be_booked() -> None:
    now = at(2026, 11, 30, 10, 0)
    p = planner(staff=1, handle_s=900.0)  # two calls per half hour
    assert p.per_window == 2
    first = at(2026, 11, 30, 10, 30)
    assert p.check(now, first, [first]) == (first, at(2026, 11, 30, 11, 0))
    assert p.check(now, first, [first, first]) is WindowRefusal.FULL
    assert p.offer(now, [first, first])[0][0] == at(2026, 11, 30, 11, 0)
    assert planner(staff=3, handle_s=900.0).per_window == 6


def test_a_window_that_is_not_on_offer_is_refused() -> None:
    now = at(2026, 11, 30, 10, 0)
    p = planner()
    assert p.check(now, at(2026, 11, 30, 10, 5), []) is WindowRefusal.NOT_OFFERED  # too soon
    assert p.check(now, at(2026, 11, 30, 10, 45), []) is WindowRefusal.NOT_OFFERED  # unaligned
    assert p.check(now, at(2026, 11, 30, 20, 0), []) is WindowRefusal.NOT_OFFERED  # closed
    assert p.check(now, at(2026, 12, 20, 10, 0), []) is WindowRefusal.NOT_OFFERED  # too far
    later = at(2026, 12, 4, 16, 0)  # beyond the first 48 offered, still bookable
    assert isinstance(p.check(now, later, []), tuple)


@pytest.mark.parametrize("why", [*WhyNot, *Refusal, *WindowRefusal])
def test_every_refusal_has_its_own_sentence_for_people(why: object) -> None:
    reason = error_reason(why)  # type: ignore[arg-type]
    err = DeskError(reason, opens="Tue 09:00")
    assert err.reason == reason and str(err).endswith(".")
    if reason != "GONE":
        assert err.text_template != DeskError.GONE  # not the fallback
