"""Rooms in the relay's core, without sockets: presence, invitations, seats, the
customer's say on each member, hand-over, supervisors, posts and the shared stream."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import ErrorCode
from common.messages import (
    Admit,
    Auth,
    Bye,
    Colleague,
    Colleagues,
    EndReason,
    Enter,
    Entered,
    Error,
    Invite,
    InviteAnswer,
    Invited,
    InviteKind,
    InviteState,
    InviteStatus,
    Lead,
    Member,
    MemberRole,
    PeerAway,
    PeerLeft,
    PeerLeftReason,
    Presence,
    PresenceState,
    Resume,
    Role,
)
from relay.actions import Action, Close, RoomEvent, SessionEnded
from relay.sessions import Relay, fan_out
from relay.store import AgentRecord
from tests.relay.test_relay_core import AGENT, established, hello, make, sent

JISOO = AgentRecord("jisoo", "Lee Jisoo 이지수", "Acme", "jjjjjjjjjjjj", 0.0, "Network")
BORA = AgentRecord("bora", "Han Bora", "Acme", "bbbbbbbbbbbb", 0.0, "Leads", "supervisor")
MALLORY = AgentRecord("mallory", "Mallory", "Other Org", "mmmmmmmmmmmm", 0.0)
KEY = b"\x07" * 32


def signed_in(core: Relay, agent: AgentRecord, key: bytes = KEY) -> int:
    cid = hello(core, Role.AGENT)
    core.receive(cid, Auth("a token", key))
    core.token_checked(cid, agent)
    return cid


def desk(core: Relay, agent: AgentRecord, state: PresenceState = PresenceState.AVAILABLE) -> int:
    cid = signed_in(core, agent)
    assert core.receive(cid, Presence(state)) == []
    return cid


def events(actions: list[Action]) -> list[tuple[str, str, str]]:
    return [(a.event, a.agent, a.by) for a in actions if isinstance(a, RoomEvent)]


def invite(
    core: Relay, lead: int, who: AgentRecord, where: int, kind: InviteKind = InviteKind.HELP
) -> Invited:
    out = core.receive(lead, Invite(who.name, kind, "Wi-Fi keeps dropping"))
    (invited,) = sent(out, where)
    assert isinstance(invited, Invited)
    assert sent(out, lead) == [InviteStatus(who.name, who.display_name, InviteState.SENT, 0)]
    return invited


def seated(
    core: Relay, lead: int, customer: int, who: AgentRecord = JISOO
) -> tuple[int, int, Invited]:
    """``who`` is invited, accepts and enters; returns (their session conn, seat, invite)."""
    d = desk(core, who)
    invited = invite(core, lead, who, d)
    out = core.receive(d, InviteAnswer(invited.invite_id, True))
    assert InviteStatus(who.name, who.display_name, InviteState.ACCEPTED, 0) in sent(out, lead)
    conn = signed_in(core, who)
    out = core.receive(conn, Enter(invited.invite_id, invited.nameplate))
    (entered,) = sent(out, conn)
    assert isinstance(entered, Entered)
    here = Member(entered.member, who.name, who.display_name, who.org, MemberRole.HELPER, True)
    assert sent(out, customer) == [here] and sent(out, lead) == [here]
    return conn, entered.member, invited


# ---------------------------------------------------------------- presence


def test_colleagues_see_each_other_by_team_with_their_state_within_a_tick() -> None:
    core, _ = make()
    minji = desk(core, AGENT)
    jisoo = desk(core, JISOO, PresenceState.AWAY)
    desk(core, MALLORY)  # another organisation: never listed to Acme
    out = core.tick()
    lists = sent(out, minji)
    assert lists == sent(out, jisoo) and len(lists) == 1
    assert lists[0] == Colleagues(
        (
            Colleague("alice", "Alice", "", PresenceState.AVAILABLE, False),
            Colleague("jisoo", "Lee Jisoo 이지수", "Network", PresenceState.AWAY, False),
        )
    )
    assert core.tick() == []  # nothing changed: nothing sent
    core.receive(jisoo, Presence(PresenceState.BUSY))
    (again,) = sent(core.tick(), minji)
    assert isinstance(again, Colleagues) and again.colleagues[1].state is PresenceState.BUSY


def test_an_agent_in_a_session_shows_as_in_a_room_and_a_closed_desk_disappears() -> None:
    core, _ = make()
    watcher = desk(core, JISOO)
    desk(core, AGENT)
    established(core)  # alice's session connection
    (colleagues,) = sent(core.tick(), watcher)
    assert isinstance(colleagues, Colleagues)
    assert {c.name: c.in_room for c in colleagues.colleagues} == {"alice": True, "jisoo": False}
    alice_desk = next(c.id for c in core.conns.values() if c.desk and c.agent == AGENT)
    core.closed(alice_desk)
    (colleagues,) = sent(core.tick(), watcher)
    assert isinstance(colleagues, Colleagues)
    assert [c.name for c in colleagues.colleagues] == ["jisoo"]


# ---------------------------------------------------------------- invitations


def test_invite_accept_enter_admit_then_the_stream_reaches_the_helper() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    conn, seat, invited = seated(core, lead, customer)
    assert invited.lead_key == bytes(32)  # the key member 1 signed in with
    assert invited.from_display_name == "Alice" and invited.kind is InviteKind.HELP
    # Not admitted yet: the stream goes to member 1 only, posts only to and from the lead.
    assert core.cast(customer, 100).peers == (lead,)
    assert core.post(conn, 0, 50).peer is None  # to the customer: not yet
    assert core.post(customer, seat, 50).peer is None
    offer = core.post(conn, 1, 50)
    assert (offer.peer, offer.member) == (lead, seat)
    greeting = core.post(lead, seat, 50)
    assert (greeting.peer, greeting.member) == (conn, 1)

    out = core.receive(customer, Admit(seat, True))
    assert sent(out, lead) == [InviteStatus("jisoo", "Lee Jisoo 이지수", InviteState.JOINED, seat)]
    assert events(out) == [("admitted", "jisoo", "customer")]
    assert core.cast(customer, 100).peers == (lead, conn)
    back = core.post(conn, 0, 50)
    assert (back.peer, back.member) == (customer, seat)
    assert core.post(customer, seat, 50).peer == conn
    assert core.room_members == 1


def test_a_declined_invitation_and_one_that_expires_are_reported_to_the_lead() -> None:
    core, clock = make(invite_ttl_s=60)
    lead, customer, *_ = established(core)
    d = desk(core, JISOO)
    invited = invite(core, lead, JISOO, d)
    out = core.receive(d, InviteAnswer(invited.invite_id, False))
    assert sent(out, lead) == [InviteStatus("jisoo", "Lee Jisoo 이지수", InviteState.DECLINED, 0)]
    assert events(out) == [("declined", "jisoo", "jisoo")]
    again = invite(core, lead, JISOO, d)
    clock.now += 61
    out = core.tick()
    assert InviteStatus("jisoo", "jisoo", InviteState.EXPIRED, 0) in sent(out, lead)
    conn = signed_in(core, JISOO)
    out = core.receive(conn, Enter(again.invite_id, again.nameplate))
    assert sent(out, conn)[0] == Error(ErrorCode.INVITE_GONE, sent(out, conn)[0].text)


def test_nobody_can_enter_without_their_own_accepted_invitation() -> None:
    core, _ = make()
    lead, customer, nameplate, *_ = established(core)
    d = desk(core, JISOO)
    invited = invite(core, lead, JISOO, d)
    # Not accepted yet.
    early = signed_in(core, JISOO)
    out = core.receive(early, Enter(invited.invite_id, nameplate))
    assert isinstance(sent(out, early)[0], Error)
    core.receive(d, InviteAnswer(invited.invite_id, True))
    # Someone else with the id (another agent of another organisation).
    thief = signed_in(core, MALLORY)
    out = core.receive(thief, Enter(invited.invite_id, nameplate))
    assert sent(out, thief)[0].code is ErrorCode.INVITE_GONE  # type: ignore[attr-defined]
    assert core.cast(customer, 10).peers == (lead,)


def test_only_the_lead_invites_and_only_colleagues_who_are_signed_in() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    out = core.receive(lead, Invite("nobody", InviteKind.HELP, ""))
    assert sent(out, lead) == [InviteStatus("nobody", "nobody", InviteState.UNAVAILABLE, 0)]
    desk(core, MALLORY)  # signed in, but not a colleague
    out = core.receive(lead, Invite("mallory", InviteKind.HELP, ""))
    assert sent(out, lead)[0].state is InviteState.UNAVAILABLE  # type: ignore[attr-defined]
    conn, seat, _ = seated(core, lead, customer)
    core.receive(customer, Admit(seat, True))
    out = core.receive(conn, Invite("alice", InviteKind.HELP, ""))  # a helper does not lead
    assert isinstance(sent(out, conn)[0], Error)


def test_the_room_holds_max_helpers() -> None:
    core, _ = make(max_helpers=1)
    lead, customer, *_ = established(core)
    seated(core, lead, customer)
    desk(core, BORA)
    out = core.receive(lead, Invite("bora", InviteKind.HELP, ""))
    assert sent(out, lead) == [InviteStatus("bora", "bora", InviteState.UNAVAILABLE, 0)]


# ---------------------------------------------------------------- the customer's say


def test_the_customer_removes_a_helper_who_then_gets_nothing() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    core.receive(customer, Admit(seat, True))
    out = core.receive(customer, Admit(seat, False))
    assert sent(out, conn) == [PeerLeft(PeerLeftReason.REMOVED)]
    assert Close(conn, 1000, "removed") in out
    gone = Member(seat, "jisoo", "Lee Jisoo 이지수", "Acme", MemberRole.HELPER, False)
    assert gone in sent(out, lead) and gone in sent(out, customer)
    assert events(out) == [("removed", "jisoo", "customer")]
    assert core.cast(customer, 10).peers == (lead,)
    assert core.post(lead, seat, 10).peer is None


def test_a_refused_newcomer_is_told_and_the_lead_hears_refused() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    out = core.receive(customer, Admit(seat, False))
    assert sent(out, conn) == [PeerLeft(PeerLeftReason.REMOVED)]
    assert InviteStatus("jisoo", "Lee Jisoo 이지수", InviteState.REFUSED, seat) in sent(out, lead)
    assert events(out) == [("refused", "jisoo", "customer")]


def test_the_customer_can_remove_the_lead_and_the_room_goes_on_with_a_helper() -> None:
    core, _ = make()
    lead, customer, nameplate, agent_token, _ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    core.receive(customer, Admit(seat, True))
    out = core.receive(customer, Admit(1, False))
    assert sent(out, lead) == [PeerLeft(PeerLeftReason.REMOVED)]
    assert not [a for a in out if isinstance(a, SessionEnded)]
    assert core.cast(customer, 10).peers == (conn,)
    # Member 1 cannot come back with its resume token.
    again = hello(core, Role.AGENT)
    out = core.receive(again, Resume(nameplate, Role.AGENT, agent_token))
    assert sent(out, again)[0].code is ErrorCode.RESUME_FAILED  # type: ignore[attr-defined]
    # The last agent leaving ends the session for the customer.
    out = core.closed(conn)
    assert PeerLeft(PeerLeftReason.LEFT) in sent(out, customer)
    assert [a.reason for a in out if isinstance(a, SessionEnded)] == ["left"]


def test_a_customer_drop_is_heard_by_every_member() -> None:
    core, _ = make(grace_s=30)
    lead, customer, *_ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    core.receive(customer, Admit(seat, True))
    out = core.closed(customer)
    assert sent(out, lead) == [PeerAway(30)] and sent(out, conn) == [PeerAway(30)]


def test_the_session_ending_closes_every_seat() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    core.receive(customer, Admit(seat, True))
    out = core.receive(lead, Bye(EndReason.AGENT_ENDED))
    assert sent(out, conn) == [PeerLeft(PeerLeftReason.LEFT)]
    assert any(isinstance(a, Close) and a.conn == conn for a in out)
    assert core.room_members == 0


# ---------------------------------------------------------------- hand-over


def test_hand_over_the_new_lead_invites_and_the_old_one_leaves_without_ending_it() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    d = desk(core, JISOO)
    invited = invite(core, lead, JISOO, d, InviteKind.HANDOVER)
    core.receive(d, InviteAnswer(invited.invite_id, True))
    conn = signed_in(core, JISOO)
    out = core.receive(conn, Enter(invited.invite_id, invited.nameplate))
    (entered,) = sent(out, conn)
    assert isinstance(entered, Entered)
    assert sent(out, customer)[0].role is MemberRole.LEAD  # type: ignore[attr-defined]
    core.receive(customer, Admit(entered.member, True))
    out = core.receive(customer, Lead(entered.member))
    assert events(out) == [("lead", "jisoo", "customer")]
    out = core.receive(lead, Bye(EndReason.AGENT_ENDED))  # the old lead says goodbye
    assert not [a for a in out if isinstance(a, SessionEnded)]
    assert events(out) == [("left", "alice", "alice")]
    assert core.cast(customer, 10).peers == (conn,)
    # The new lead may invite now.
    bora = desk(core, BORA)
    invite(core, conn, BORA, bora)


# ---------------------------------------------------------------- supervisors


def test_a_supervisor_asks_the_lead_hears_and_the_customer_still_decides() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    sup = desk(core, BORA)
    out = core.receive(sup, Invite("alice", InviteKind.SUPERVISE, "coaching"))
    (invited,) = sent(out, sup)
    assert isinstance(invited, Invited) and invited.kind is InviteKind.SUPERVISE
    assert sent(out, lead) == [InviteStatus("bora", "Han Bora", InviteState.ACCEPTED, 0)]
    conn = signed_in(core, BORA)
    out = core.receive(conn, Enter(invited.invite_id, invited.nameplate))
    (entered,) = sent(out, conn)
    assert isinstance(entered, Entered)
    assert sent(out, customer)[0].role is MemberRole.SUPERVISOR  # type: ignore[attr-defined]
    assert core.cast(customer, 10).peers == (lead,)  # nothing until the customer allows


def test_an_agent_without_the_role_cannot_supervise() -> None:
    core, _ = make()
    established(core)
    not_sup = desk(core, JISOO)
    out = core.receive(not_sup, Invite("alice", InviteKind.SUPERVISE, ""))
    assert sent(out, not_sup) == [InviteStatus("alice", "alice", InviteState.REFUSED, 0)]


# ---------------------------------------------------------------- the stream


def test_only_the_customer_casts_and_seats_never_send_data() -> None:
    core, _ = make()
    lead, customer, *_ = established(core)
    conn, seat, _ = seated(core, lead, customer)
    assert isinstance(sent(core.cast(lead, 10).actions, lead)[0], Error)
    core2, _ = make()
    lead2, customer2, *_ = established(core2)
    conn2, _, _ = seated(core2, lead2, customer2)
    route = core2.data(conn2, 10)
    assert route.peer is None and isinstance(sent(route.actions, conn2)[0], Error)


def test_fan_out_skips_a_full_queue_and_announces_the_gap_once_it_drained() -> None:
    bound, size = 1000, 300
    assert fan_out(0, bound, 0, size) == (True, 0)
    assert fan_out(800, bound, 0, size) == (False, 1)
    assert fan_out(600, bound, 1, size) == (False, 2)  # still above half: keep skipping
    assert fan_out(400, bound, 2, size) == (True, 2)  # announce 2, then deliver


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 900)), max_size=60))
def test_fan_out_never_lets_a_queue_pass_its_bound_and_counts_every_skip(
    steps: list[tuple[int, int]],
) -> None:
    bound, queued, skipped, announced, dropped = 2000, 0, 0, 0, 0
    for drained, size in steps:
        queued = max(0, queued - drained)
        deliver, count = fan_out(queued, bound, skipped, size)
        if deliver:
            announced += count
            skipped = 0
            queued += size
            assert queued <= bound
        else:
            dropped += 1
            skipped = count
    assert announced + skipped == dropped
