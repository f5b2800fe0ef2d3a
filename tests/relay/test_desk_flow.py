"""The help desk end to end in memory: the apps' endpoints (a customer asking from the
app, agents' desks, an agent taking a customer) through the relay's real core.

What a person would notice: no code is typed, yet the customer sees the agent's
verified name before anything is shared; their place and wait follow the queue; a
dropped connection keeps the place for the grace period and no longer; two agents
pressing Take next at once never get the same customer; a closed desk says when it
opens and offers a callback; an agent of an organisation the customer did not pin
(the relay's own, say) is refused before anything is shared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from common import identity as idn
from common.endpoint import (
    AgentCalled,
    BlockSet,
    CustomerTaken,
    Endpoint,
    Failed,
    InQueue,
    PeerJoined,
    Received,
    Secured,
)
from common.errors import DeskError, IdentityError
from common.help import HelpRequest
from common.member import DeskEndpoint, DeskNotice
from common.messages import Chat, FlagKind, PresenceState, WaitingList
from relay.desk.config import desk_from_mapping
from relay.store import BlockRow
from tests.relay.test_room_flow import Loop, Org, frame, now

DESK = desk_from_mapping(
    {
        "zone": "UTC",
        "callback_offer_above_s": 1800,
        "queue": [
            {"id": "internet", "name": "Internet", "name_ko": "인터넷", "teams": ["Network"]},
            {
                "id": "billing",
                "name": "Billing",
                "name_ko": "요금",
                "teams": ["Billing"],
                "hours": {"mon-sun": "00:00-00:01"},
            },
        ],
    }
)


def ask(org: Org, installation: str = "inst-0001", queue: str = "internet", **kw: Any) -> Endpoint:
    request = HelpRequest(
        queue,
        org.pin.fingerprint,
        installation,
        kw.get("name", "Park Jiwoo 박지우"),
        kw.get("contact", "010-1234-5678"),
        kw.get("description", "인터넷이 자꾸 끊겨요 (the internet keeps dropping)"),
        kw.get("system", ""),
    )
    return Endpoint.seeker(request, trust=idn.Trust((org.pin,)), clock=now)


@pytest.fixture
def desk() -> tuple[Loop, Org]:
    org = Org()
    loop = Loop(org, desk=DESK, grace_s=60)
    loop.person("alice", "Kim Minji 김민지")
    loop.person("jisoo", "Lee Jisoo 이지수")
    return loop, org


def open_desk(loop: Loop, name: str) -> tuple[int, DeskEndpoint]:
    p = loop.people[name]
    ep = DeskEndpoint(name, key=p.key, state=PresenceState.AVAILABLE)
    cid = loop.attach(ep)
    loop.tick()
    return cid, ep


def test_asked_from_the_app_taken_next_verified_and_frames_flow_with_no_code(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    desk_cid, desk_ep = open_desk(loop, "alice")
    customer = ask(org, system="Debian 13, Assist 0.9, 2 screens")
    c = loop.attach(customer)
    (standing,) = loop.take(c, InQueue)
    assert standing.position == 1 and standing.wait_min >= 0
    loop.tick()
    lists = [e for e in desk_ep.waiting if e.ticket == standing.ticket]
    assert lists and lists[0].name == "Park Jiwoo 박지우" and not lists[0].away

    alice = loop.people["alice"]
    taker = Endpoint.taker("alice", key=alice.key)
    a = loop.attach(taker)
    (taken,) = loop.take(a, CustomerTaken)
    assert taken.took.description.startswith("인터넷이") and taken.took.system.startswith("Debian")
    assert loop.take(a, Secured)
    assert loop.take(c, AgentCalled)
    (joined,) = loop.take(c, PeerJoined)
    assert joined.identity is not None and joined.identity.verified
    assert (joined.agent_display_name, joined.agent_org) == ("Kim Minji 김민지", "Acme Support")
    assert loop.take(c, Secured)
    # After the customer's yes the room opens and the screen flows as in any session.
    assert customer.start_room(joined.identity)
    loop.pump()
    assert customer.cast(frame(1, keyframe=True))
    assert taker.send_app(Chat(1, "안녕하세요, 김민지입니다.", 0))
    loop.pump()
    assert any(isinstance(e.message, type(frame(1))) for e in loop.take(a, Received))
    assert any(isinstance(e.message, Chat) for e in loop.take(c, Received))
    loop.tick()
    assert desk_ep.waiting == ()  # taken: gone from every desk's list


def test_an_agent_the_customer_did_not_pin_is_refused_before_anything_is_shared(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    # The relay (or anyone) with an organisation key of its own, named alike.
    rogue_org = Org("Acme Support")
    mallory = loop.person("mallory", "Kim Minji 김민지", org=rogue_org)
    customer = ask(org)
    c = loop.attach(customer)
    assert loop.take(c, InQueue)
    taker = Endpoint.taker("mallory", key=mallory.key)
    loop.attach(taker)
    (failed,) = loop.take(c, Failed)
    assert isinstance(failed.error, IdentityError)
    assert not loop.take(c, Secured) and not loop.take(c, PeerJoined)
    assert not customer.send_app(frame(1))


def test_a_dropped_customer_keeps_the_place_for_the_grace_period_only(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    first, second = ask(org, "inst-0001"), ask(org, "inst-0002")
    c1 = loop.attach(first)
    loop.now += 1
    c2 = loop.attach(second)
    assert loop.take(c2, InQueue)[0].position == 2
    loop.core.closed(c1)  # the first one's network drops
    loop.eps.pop(c1)
    first.connection_lost()
    assert first.can_resume
    loop.now += 30
    c1 = loop.attach(first)
    (back,) = loop.take(c1, InQueue)
    assert back.position == 1  # the same place, not the end of the queue
    # Meanwhile nobody could have taken them; now past the grace period they lose it.
    loop.core.closed(c1)
    loop.eps.pop(c1)
    first.connection_lost()
    loop.now += 61
    loop.tick()
    assert loop.take(c2, InQueue)[-1].position == 1
    c1 = loop.attach(first)
    (failed,) = loop.take(c1, Failed)
    assert isinstance(failed.error, DeskError) and failed.error.reason == "LOST_PLACE"


def test_two_agents_pressing_take_next_at_once_never_get_the_same_customer(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    c = loop.attach(ask(org))
    assert loop.take(c, InQueue)
    first = Endpoint.taker("alice", key=loop.people["alice"].key)
    second = Endpoint.taker("jisoo", key=loop.people["jisoo"].key)
    a1, a2 = loop.attach(first), loop.attach(second)
    assert loop.take(a1, CustomerTaken)
    (failed,) = loop.take(a2, Failed)
    assert isinstance(failed.error, DeskError) and failed.error.reason == "GONE"


def test_a_closed_queue_says_when_it_opens_and_offers_a_callback(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    loop.now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC).timestamp()
    c = loop.attach(ask(org, queue="billing"))
    (failed,) = loop.take(c, Failed)
    err = failed.error
    assert isinstance(err, DeskError) and err.reason == "CLOSED" and err.offer_callback
    assert err.opens_at == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC).timestamp()


def test_leaving_the_queue_frees_the_place(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    first, second = ask(org, "inst-0001"), ask(org, "inst-0002")
    c1 = loop.attach(first)
    loop.now += 1
    c2 = loop.attach(second)
    assert loop.take(c2, InQueue)[0].position == 2
    first.leave()
    loop.pump()
    loop.tick()
    assert loop.take(c2, InQueue)[-1].position == 1
    assert c1 not in loop.eps  # the relay closed the connection


def test_a_flood_of_asks_from_one_address_gets_a_sentence(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    refused = []
    for i in range(10):
        ep = ask(org, f"inst-{i:04d}")
        c = loop.attach(ep)
        refused += [f.error for f in loop.take(c, Failed)]
    assert refused and all(isinstance(e, DeskError) for e in refused)
    assert refused[0].reason == "RATE_LIMITED"
    assert "wait a minute" in str(refused[0])
    # ... and admins see it: refusals by reason, asks, and who waits where.
    loop.tick()
    text = loop.core.metrics.render()
    counted = 'assist_relay_desk_refused_total{node="",reason="RATE_LIMITED"}'
    assert f"{counted} {len(refused)}" in text
    assert 'assist_relay_desk_waiting{node="",queue="internet"} 6' in text
    assert "assist_relay_desk_asks_total" in text
    _ = WaitingList


def test_an_agent_flags_the_contact_and_it_is_kept_with_the_installation(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    c = loop.attach(ask(org, "inst-flag-0001"))
    assert loop.take(c, InQueue)
    taker = Endpoint.taker("alice", key=loop.people["alice"].key)
    a = loop.attach(taker)
    assert loop.take(a, Secured)
    taker.flag(FlagKind.ABUSIVE, "shouted and insulted the agent")
    loop.pump()
    (flag,) = loop.flags
    assert (flag.installation, flag.kind, flag.agent) == ("inst-flag-0001", "abusive", "alice")
    assert flag.reason == "shouted and insulted the agent"
    assert not loop.take(a, Failed)  # the session goes on


def test_a_repeat_customer_is_marked_for_the_agent(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    loop.earlier["inst-again-001"] = 2  # two earlier contacts in the desk log
    desk_cid, desk_ep = open_desk(loop, "alice")
    loop.attach(ask(org, "inst-again-001"))
    loop.tick()
    (item,) = desk_ep.waiting
    assert item.earlier == 2
    taker = Endpoint.taker("alice", key=loop.people["alice"].key)
    a = loop.attach(taker)
    (taken,) = loop.take(a, CustomerTaken)
    assert taken.took.earlier == 2


def test_an_agent_whose_desk_closes_no_longer_counts_as_serving(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    desk_cid, _ = open_desk(loop, "alice")
    c = loop.attach(ask(org))
    (first,) = loop.take(c, InQueue)
    assert first.wait_min >= 0  # alice serves the queue: there is an estimate
    loop.eps.pop(desk_cid)
    loop._apply(loop.core.closed(desk_cid))  # noqa: SLF001 - her app closed
    loop.tick()
    (now,) = loop.take(c, InQueue)
    assert now.wait_min == -1 and now.offer_callback  # nobody serves it now


def test_a_callback_booked_in_the_app_is_called_in_the_app(desk: tuple[Loop, Org]) -> None:
    from common.desk_query import DeskAnswer, DeskQuery
    from common.messages import CallbackBooked, CallMe, ListWindows, Windows

    loop, org = desk
    desk_cid, desk_ep = open_desk(loop, "alice")
    windows_q = DeskQuery(ListWindows("internet"))
    w = loop.attach(windows_q)
    (answer,) = loop.take(w, DeskAnswer)
    assert isinstance(answer.message, Windows) and answer.message.starts
    start = answer.message.starts[0]
    call = CallMe("internet", "inst-call-0001", "Park Jiwoo", "", "요금", start, True)
    b = loop.attach(DeskQuery(call))
    (booked,) = loop.take(b, DeskAnswer)
    assert isinstance(booked.message, CallbackBooked)
    cb = booked.message.id
    loop.tick()
    assert [(c.id, c.in_app, c.app_open) for c in desk_ep.callbacks] == [(cb, True, False)]
    # The customer's app waits for the call (at the time, or earlier: it stays open).
    waiting = ask(org, "inst-call-0001", description="요금")
    waiting.request = dataclasses.replace(waiting.request, callback=cb)  # type: ignore[arg-type]
    c = loop.attach(waiting)
    (standing,) = loop.take(c, InQueue)
    assert standing.position == 0  # not in line: waiting for the booked call
    loop.tick()
    assert [c.app_open for c in desk_ep.callbacks] == [True]
    # Someone else's installation cannot wait for it.
    other = ask(org, "inst-other-0002")
    other.request = dataclasses.replace(other.request, callback=cb)  # type: ignore[arg-type]
    o = loop.attach(other)
    (failed,) = loop.take(o, Failed)
    assert isinstance(failed.error, DeskError) and failed.error.reason == "NO_CALLBACK"
    taker = Endpoint.taker("alice", "cb:" + cb, key=loop.people["alice"].key)
    a = loop.attach(taker)
    (taken,) = loop.take(a, CustomerTaken)
    assert taken.took.description == "요금"
    assert loop.take(a, Secured)
    (joined,) = loop.take(c, PeerJoined)
    assert joined.identity is not None and joined.identity.verified
    assert loop.take(c, Secured)


def test_a_customer_blocked_while_waiting_is_told_not_left_waiting(
    desk: tuple[Loop, Org],
) -> None:
    loop, org = desk
    customer = ask(org, "inst-0001")
    cid = loop.attach(customer)
    assert loop.take(cid, InQueue)[0].position == 1
    front = loop.core.desk
    assert front is not None
    front.set_blocks(
        [BlockRow("inst-0001", loop.now + 3600, "supervisor", "abusive on the phone", 0)]
    )
    loop._apply(front.take_outbox())  # the relay closes the connection after saying why
    (failed,) = [e for e in customer.events() if isinstance(e, Failed)]
    assert isinstance(failed.error, DeskError) and failed.error.reason == "BLOCKED"
    assert front.lobby.waiting() == []


def test_a_supervisor_blocks_a_waiting_customer_from_their_list(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    loop.person("boss", "Choi Boss 최팀장", role="supervisor")
    customer = ask(org, "inst-abuse-001")
    c = loop.attach(customer)
    (standing,) = loop.take(c, InQueue)
    # An agent may not.
    agent_cid, agent_desk = open_desk(loop, "alice")
    agent_desk.block(standing.ticket, 60, "shouting")
    loop.pump()
    (notice,) = loop.take(agent_cid, DeskNotice)
    assert isinstance(notice.error, DeskError) and notice.error.reason == "NOT_SUPERVISOR"
    assert not loop.blocks
    # A supervisor may: the customer is told at once, the block is kept with who and why.
    boss_cid, boss = open_desk(loop, "boss")
    boss.block(standing.ticket, 24 * 60, "threatened the agent")
    loop.pump()
    (done,) = loop.take(boss_cid, BlockSet)
    assert done.until == int(loop.now) + 24 * 3600
    (kept,) = loop.blocks
    assert (kept.installation, kept.actor, kept.reason) == (
        "inst-abuse-001",
        "boss",
        "threatened the agent",
    )
    (failed,) = [e for e in customer.events() if isinstance(e, Failed)]
    assert isinstance(failed.error, DeskError) and failed.error.reason == "BLOCKED"
    # Asking again from that computer is refused while the block lasts.
    again = ask(org, "inst-abuse-001")
    a = loop.attach(again)
    (refused,) = loop.take(a, Failed)
    assert refused.error.reason == "BLOCKED"


def test_a_supervisor_blocks_the_customer_of_their_session(desk: tuple[Loop, Org]) -> None:
    loop, org = desk
    loop.person("boss", "Choi Boss 최팀장", role="supervisor")
    c = loop.attach(ask(org, "inst-abuse-002"))
    assert loop.take(c, InQueue)
    taker = Endpoint.taker("boss", key=loop.people["boss"].key)
    t = loop.attach(taker)
    assert loop.take(t, Secured)
    taker.block(60, "abusive language")
    loop.pump()
    assert loop.take(t, BlockSet)
    assert [b.installation for b in loop.blocks] == ["inst-abuse-002"]
    assert not loop.take(t, Failed)  # the session goes on; ending it is the agent's choice
