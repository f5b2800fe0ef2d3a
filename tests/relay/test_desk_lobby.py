"""The waiting room (relay/desk/lobby.py) on a fake clock: joining, places kept over a
drop, Take next, estimates that follow the desk, blocks, hours."""

from __future__ import annotations

import datetime as dt
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from relay.desk.config import desk_from_mapping
from relay.desk.lobby import Joined, Lobby, NotJoined, Taken, WhyNot
from relay.desk.routing import Presence, Refusal

SEOUL = dt.timezone(dt.timedelta(hours=9))

DESK = desk_from_mapping(
    tomllib.loads(
        """
zone = "Asia/Seoul"
callback_offer_above_s = 900

[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["network"]
max_waiting = 3
handle_s = 600
[queue.hours]
mon-fri = "09:00-18:00"

[[queue]]
id = "billing"
name = "Billing"
teams = ["billing"]
handle_s = 300
"""
    )
)


class Clock:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SEOUL)  # a Monday morning

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += dt.timedelta(seconds=seconds)


def lobby(clock: Clock, **kw: float) -> Lobby:
    return Lobby(DESK, monotonic=lambda: clock.mono, wall=lambda: clock.wall, **kw)


def joined(result: Joined | NotJoined) -> Joined:
    assert isinstance(result, Joined), result
    return result


def test_customers_queue_up_and_agents_take_the_longest_waiting() -> None:
    clock = Clock()
    desk = lobby(clock)
    desk.agent_signed_in("kim", ["network"])
    first = joined(desk.join("t1", "internet", "pc-1", {"description": "no internet"}))
    assert first.standing.position == 1 and first.standing.estimate_s == 0.0
    clock.advance(30)
    second = joined(desk.join("t2", "internet", "pc-2", {}))
    assert second.standing.position == 2
    assert second.standing.estimate_s == 600.0  # after kim's first customer
    taken = desk.take_next("kim")
    assert isinstance(taken, Taken) and taken.waiting.ticket == "t1"
    assert taken.waited_s == 30.0 and taken.details == {"description": "no internet"}
    assert desk.agent("kim").presence is Presence.BUSY  # type: ignore[union-attr]
    assert desk.take_next("kim") is Refusal.AT_LIMIT  # one customer at a time
    # t2 moved up: next, and kim is busy for the rest of a typical session.
    [update] = desk.changed_standings()
    assert (update.ticket, update.position, update.estimate_s) == ("t2", 1, 600.0)
    clock.advance(400)
    desk.session_ended("kim", "internet", 400.0)
    assert desk.agent("kim").presence is Presence.AVAILABLE  # type: ignore[union-attr]
    assert desk.changed_standings()[0].estimate_s == 0.0


def test_the_estimate_counts_down_while_the_agent_works() -> None:
    clock = Clock()
    desk = lobby(clock)
    desk.agent_signed_in("kim", ["network"])
    joined(desk.join("t1", "internet", "pc-1", {}))
    joined(desk.join("t2", "internet", "pc-2", {}))
    desk.take_next("kim")
    assert desk.standing("t2").estimate_s == 600.0  # type: ignore[union-attr]
    clock.advance(300)
    assert desk.standing("t2").estimate_s == 300.0  # type: ignore[union-attr]
    clock.advance(600)  # kim overran: "soon", not "now" nor negative
    assert desk.standing("t2").estimate_s == 60.0  # type: ignore[union-attr]


def test_nobody_serving_means_no_estimate_and_a_callback_offer() -> None:
    clock = Clock()
    desk = lobby(clock)
    j = joined(desk.join("t1", "billing", "pc-1", {}))
    assert j.standing.estimate_s is None and j.standing.shown_min is None
    assert j.standing.offer_callback
    desk.agent_signed_in("lee", ["billing"])
    [update] = desk.changed_standings()
    assert update.estimate_s == 0.0 and not update.offer_callback
    desk.set_away("lee", True)  # away agents are not counted
    assert desk.changed_standings()[0].estimate_s is None


def test_a_long_estimate_offers_a_callback() -> None:
    clock = Clock()
    desk = lobby(clock)
    desk.agent_signed_in("kim", ["network"])
    for i in range(3):
        s = joined(desk.join(f"t{i}", "internet", f"pc-{i}", {})).standing
    assert s.estimate_s == 1200.0 and s.offer_callback  # above 900 s


def test_a_full_closed_or_blocked_queue_says_why() -> None:
    clock = Clock()
    desk = lobby(clock)
    for i in range(3):
        joined(desk.join(f"t{i}", "internet", f"pc-{i}", {}))
    full = desk.join("t9", "internet", "pc-9", {})
    assert full == NotJoined(WhyNot.FULL, offer_callback=True)
    assert desk.join("t8", "internet", "pc-1", {}) == NotJoined(
        WhyNot.ALREADY_WAITING, offer_callback=False
    )
    assert desk.join("t7", "nope", "pc-7", {}).why is WhyNot.UNKNOWN_QUEUE  # type: ignore[union-attr]
    clock.wall = dt.datetime(2026, 11, 30, 18, 30, tzinfo=SEOUL)
    closed = desk.join("t6", "internet", "pc-6", {})
    assert isinstance(closed, NotJoined) and closed.why is WhyNot.CLOSED and closed.offer_callback
    assert closed.opens_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=SEOUL)
    assert isinstance(desk.join("t5", "billing", "pc-5", {}), Joined)  # always open


def test_a_dropped_customer_keeps_their_place_for_the_grace_period() -> None:
    clock = Clock()
    desk = lobby(clock, grace_s=60)
    joined(desk.join("t1", "internet", "pc-1", {}))
    joined(desk.join("t2", "internet", "pc-2", {}))
    desk.away("t1")
    clock.advance(50)
    assert desk.expire() == []
    assert desk.back("t1").position == 1  # type: ignore[union-attr]
    desk.away("t1")
    desk.agent_signed_in("kim", ["network"])
    assert desk.take("kim", "t1") is Refusal.GONE  # nobody there to answer
    taken = desk.take_next("kim")  # passed over, not lost
    assert isinstance(taken, Taken) and taken.waiting.ticket == "t2"
    assert desk.standing("t1").position == 1  # type: ignore[union-attr]
    clock.advance(61)
    [gone] = desk.expire()
    assert gone.ticket == "t1" and desk.back("t1") is None
    assert isinstance(desk.join("t3", "internet", "pc-1", {}), Joined)  # may ask again


def test_a_block_keeps_an_installation_out_until_it_ends() -> None:
    clock = Clock()
    desk = lobby(clock)
    joined(desk.join("t1", "billing", "pc-1", {}))
    desk.block("pc-1", clock.wall + dt.timedelta(hours=1), by="sup", reason="abusive")
    assert desk.standing("t1") is None  # out of the queue at once
    assert desk.join("t2", "billing", "pc-1", {}) == NotJoined(WhyNot.BLOCKED, False)
    clock.advance(3601)
    assert isinstance(desk.join("t3", "billing", "pc-1", {}), Joined)


def test_an_agent_takes_only_from_their_own_queues() -> None:
    clock = Clock()
    desk = lobby(clock)
    desk.agent_signed_in("kim", ["network"])
    joined(desk.join("t1", "billing", "pc-1", {}))
    assert desk.take("kim", "t1") is Refusal.NOT_THEIR_QUEUE
    assert desk.take_next("kim") is Refusal.GONE  # nobody in kim's queues
    assert desk.take("kim", "t9") is Refusal.GONE
    assert desk.take_next("nobody") is Refusal.NOT_AVAILABLE


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["join", "leave", "away", "back", "take", "end", "tick"]),
            st.integers(0, 7),
        ),
        max_size=60,
    )
)
def test_any_sequence_keeps_places_unique_and_never_gives_a_customer_twice(
    steps: list[tuple[str, int]],
) -> None:
    clock = Clock()
    desk = lobby(clock, grace_s=30)
    desk.agent_signed_in("kim", ["network", "billing"], max_sessions=2)
    desk.agent_signed_in("lee", ["billing"])
    taken: set[str] = set()
    n = 0
    for op, k in steps:
        ticket = f"t{k}"
        if op == "join":
            n += 1
            desk.join(f"t{n}", "billing" if k % 2 else "internet", f"pc-{k}", {})
        elif op == "leave":
            desk.leave(ticket)
        elif op == "away":
            desk.away(ticket)
        elif op == "back":
            desk.back(ticket)
        elif op == "take":
            got = desk.take_next("kim" if k % 2 else "lee")
            if isinstance(got, Taken):
                assert got.waiting.ticket not in taken
                taken.add(got.waiting.ticket)
        elif op == "end":
            desk.session_ended("kim" if k % 2 else "lee", "billing", 120.0)
        else:
            clock.advance(k * 10)
            desk.expire()
        for queue in ("internet", "billing"):
            positions = [desk.standing(w.ticket).position for w in desk.waiting(queue)]  # type: ignore[union-attr]
            assert positions == list(range(1, len(positions) + 1))
        assert not taken & {w.ticket for w in desk.waiting()}
        for name in ("kim", "lee"):
            a = desk.agent(name)
            assert a is not None and 0 <= a.sessions <= a.max_sessions
