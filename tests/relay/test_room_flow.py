"""Rooms end to end in memory: the apps' endpoints (customer, lead, desks, seats)
talking through the relay's real core, with every byte on the way captured.

What a person would notice: the helper sees the screen only after the customer's
yes; their marks reach the customer with their seat; a removed helper can read
nothing sent after (checked on the captured ciphertext); a refused one never got a
frame; a hand-over keeps the briefing; a slow helper is skipped and catches up with a
picture of its own; the relay cannot slip in an agent of its own.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import crypto
from common import identity as idn
from common.codes import make_code
from common.endpoint import (
    CodeReady,
    Endpoint,
    Failed,
    InviteUpdate,
    NewcomerAsks,
    NewcomerRefused,
    Received,
    Secured,
)
from common.errors import SessionEndedError
from common.member import DeskEndpoint, EnteredRoom, InvitationArrived, MemberEndpoint
from common.messages import (
    Briefing,
    BriefStep,
    CastSealed,
    Chat,
    EndReason,
    Frame,
    InviteKind,
    InviteState,
    Kind,
    Layer,
    MemberRole,
    Refresh,
    Roster,
    Shape,
    ShapeTool,
    parse,
)
from relay.actions import (
    BlockInstallation,
    BookCallback,
    CheckToken,
    Close,
    CustomerTaken,
    FlagContact,
    LookUpEarlier,
    RecheckAgent,
    RoomEvent,
    Send,
)
from relay.config import Settings
from relay.desk.config import Desk
from relay.org import SignInCredentials
from relay.sessions import Invitation, Relay
from relay.store import AgentRecord, CallbackRow


def now() -> float:
    """Real time, read when used: the lead's app checks offers against its own clock,
    and a whole test run takes longer than an offer may be old."""
    return time.time()


class Org:
    def __init__(self, name: str = "Acme Support") -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        self.pin = idn.Pin(name, idn.fingerprint(idn.public_bytes(self.key)))
        self.serial = 0

    def card(self, key: Ed25519PrivateKey, agent: str, display: str) -> bytes:
        self.serial += 1
        return idn.issue(
            self.key,
            org=self.name,
            agent=agent,
            display_name=display,
            team="Network",
            agent_key=idn.public_bytes(key),
            serial=self.serial,
            now=now(),
        )


@dataclasses.dataclass
class Person:
    record: AgentRecord
    key: Ed25519PrivateKey
    card: bytes
    crl: bytes


class Loop:
    """The relay core and the endpoints, wired by hand; ``slow`` members miss casts."""

    def __init__(self, org: Org, desk: Desk | None = None, **settings: Any) -> None:
        self.now = now()
        self.core = Relay(
            Settings(connections_per_minute=0, joins_per_minute=0, **settings),
            monotonic=lambda: self.now,
            wall=lambda: self.now,
            desk=desk,
        )
        self.org = org
        self.people: dict[str, Person] = {}
        self.eps: dict[int, Any] = {}
        self.events: dict[int, list[Any]] = {}
        self.wire: dict[int, list[bytes]] = {}  # everything delivered to a connection
        self.slow: set[int] = set()
        self._skips: dict[int, int] = {}
        #: The desk's database, in short: contacts per installation, callbacks booked.
        self.earlier: dict[str, int] = {}
        self.booked: list[CallbackRow] = []
        self.flags: list[FlagContact] = []
        self.blocks: list[BlockInstallation] = []
        self.room_events: list[RoomEvent] = []

    def person(
        self, name: str, display: str, role: str = "agent", org: Org | None = None
    ) -> Person:
        key = Ed25519PrivateKey.generate()
        o = org or self.org
        record = AgentRecord(name, display, o.name, f"{name:0<12}"[:12], 0.0, "Network", role)
        p = Person(
            record, key, o.card(key, name, display), idn.revocation_list(o.key, (), now=now())
        )
        self.people[name] = p
        return p

    def attach(self, ep: Any) -> int:
        cid, actions = self.core.connect("192.0.2.7")
        self.eps[cid] = ep
        self.events[cid] = []
        self.wire[cid] = []
        ep.connected()
        self._apply(actions)
        self.pump()
        return cid

    def pump(self) -> None:
        for _ in range(200):
            busy = False
            for cid, ep in list(self.eps.items()):
                for wire in ep.data_to_send():
                    busy = True
                    self._from(cid, wire)
                self.events[cid] += ep.events()
            if not busy:
                return
        raise AssertionError("the conversation did not settle")

    def tick(self) -> None:
        self._apply(self.core.tick())
        self.pump()

    def _to(self, cid: int, wire: bytes) -> None:
        ep = self.eps.get(cid)
        if ep is not None:
            self.wire[cid].append(wire)
            ep.receive(wire)

    def _from(self, cid: int, wire: bytes) -> None:
        if cid not in self.eps:
            return
        kind = wire[0]
        if kind == Kind.DATA:
            route = self.core.data(cid, len(wire))
            if route.peer is not None:
                self._to(route.peer, wire)
            self._apply(route.actions)
        elif kind == Kind.POST:
            route = self.core.post(cid, wire[1], len(wire))
            if route.peer is not None:
                self._to(route.peer, wire[:1] + bytes((route.member,)) + wire[2:])
            self._apply(route.actions)
        elif kind == Kind.CAST:
            fan = self.core.cast(cid, len(wire))
            for peer in fan.peers:
                if peer in self.slow:
                    self._skips[peer] = self._skips.get(peer, 0) + 1
                    continue
                if self._skips.get(peer):
                    from common.messages import Skipped

                    self._to(peer, Skipped(self._skips.pop(peer)).serialize())
                self._to(peer, wire)
            self._apply(fan.actions)
        else:
            self._apply(self.core.receive(cid, parse(wire, Layer.RELAY)))

    def _apply(self, actions: list[Any]) -> None:
        for a in actions:
            if isinstance(a, Send):
                self._to(a.conn, a.message.serialize())
            elif isinstance(a, Close):
                if self.eps.pop(a.conn, None) is not None:
                    self._apply(self.core.closed(a.conn))
            elif isinstance(a, CheckToken):
                p = self.people[a.token]
                creds = SignInCredentials(p.card, p.crl)
                self._apply(self.core.token_checked(a.conn, p.record, creds))
            elif isinstance(a, RecheckAgent):
                self._apply(self.core.agent_rechecked(a.conn, self.people[a.name].record))
            elif isinstance(a, LookUpEarlier):
                assert self.core.desk is not None
                self.core.desk.earlier(a.ticket, self.earlier.get(a.installation, 0))
            elif isinstance(a, BookCallback):
                assert self.core.desk is not None
                row = CallbackRow(
                    f"cb{len(self.booked) + 1}", a.queue, a.installation, a.name, a.contact,
                    a.channel, a.description, a.window[0], a.window[1], a.asked, "open", "", "",
                    a.asked,
                )  # fmt: skip
                self.booked.append(row)
                self._apply(self.core.desk.booked(a.conn, row))
            elif isinstance(a, CustomerTaken):
                self.earlier[a.installation] = self.earlier.get(a.installation, 0) + 1
            elif isinstance(a, FlagContact):
                self.flags.append(a)
            elif isinstance(a, RoomEvent):
                self.room_events.append(a)
            elif isinstance(a, BlockInstallation):
                assert self.core.desk is not None
                self.blocks.append(a)
                self._apply(self.core.desk.blocked(a, kept=True))

    def take(self, cid: int, kind: type) -> list[Any]:
        found = [e for e in self.events[cid] if isinstance(e, kind)]
        self.events[cid] = [e for e in self.events[cid] if not isinstance(e, kind)]
        return found


def frame(fid: int, keyframe: bool = False) -> Frame:
    return Frame(fid, 0, 64, 48, keyframe, True, (), (), -1, -1)


@pytest.fixture
def room_of_two() -> tuple[Loop, int, int, Endpoint, Endpoint]:
    """A session whose customer said yes: (loop, lead cid, customer cid, lead, customer)."""
    org = Org()
    loop = Loop(org)
    alice = loop.person("alice", "Kim Minji 김민지")
    loop.person("jisoo", "Lee Jisoo 이지수")
    loop.person("bora", "Han Bora", role="supervisor")
    lead = Endpoint.agent("alice", key=alice.key)
    lead_cid = loop.attach(lead)
    (ready,) = loop.take(lead_cid, CodeReady)
    customer = Endpoint.customer(
        make_code(ready.code.nameplate, ready.code.secret),
        trust=idn.Trust((org.pin,)),
        clock=now,
    )
    customer_cid = loop.attach(customer)
    assert loop.take(customer_cid, Secured)
    who = customer._peer_identity or None  # noqa: SLF001 - cleared once checked
    del who
    assert customer.start_room(idn.CheckedIdentity(True, "Kim Minji 김민지", "Acme Support"))
    loop.pump()
    return loop, lead_cid, customer_cid, lead, customer


def bring_in(
    loop: Loop,
    lead: Endpoint,
    lead_cid: int,
    customer_cid: int,
    name: str = "jisoo",
    kind: InviteKind = InviteKind.HELP,
    note: str = "",
) -> tuple[int, MemberEndpoint]:
    """Invite ``name``; they accept and enter; returns (their cid, endpoint) before the
    customer's answer (the customer's prompt is waiting)."""
    p = loop.people[name]
    desk = DeskEndpoint(name, key=p.key)
    desk_cid = loop.attach(desk)
    lead.invite(name, kind, "Wi-Fi keeps dropping", note)
    loop.pump()
    (arrived,) = loop.take(desk_cid, InvitationArrived)
    desk.answer(arrived.invited.invite_id, True)
    loop.pump()
    states = [u.status.state for u in loop.take(lead_cid, InviteUpdate)]
    assert states == [InviteState.SENT, InviteState.ACCEPTED]
    seat = MemberEndpoint(name, arrived.invited, key=p.key, clock=now)
    seat_cid = loop.attach(seat)
    assert loop.take(seat_cid, EnteredRoom)
    return seat_cid, seat


def test_an_allowed_helper_sees_the_screen_and_marks_come_back_with_their_seat(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    customer.cast(frame(1, keyframe=True))
    loop.pump()
    assert [e.message for e in loop.take(lead_cid, Received)] == [frame(1, True)]

    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    cand = asks.candidate
    assert (cand.who.display_name, cand.who.verified, cand.role) == (
        "Lee Jisoo 이지수",
        True,
        MemberRole.HELPER,
    )
    customer.cast(frame(2))  # before the yes: the helper gets nothing
    loop.pump()
    assert not loop.take(seat_cid, Received)

    assert customer.allow(cand.member)
    loop.pump()
    assert loop.take(seat_cid, Secured)
    rosters = [e.message for e in loop.take(seat_cid, Received) if isinstance(e.message, Roster)]
    assert [r.display_name for r in rosters[-1].members] == ["Kim Minji 김민지", "Lee Jisoo 이지수"]
    assert loop.take(lead_cid, InviteUpdate)[-1].status.state is InviteState.JOINED

    customer.cast(frame(3, keyframe=True))
    loop.pump()
    assert frame(3, True) in [e.message for e in loop.take(seat_cid, Received)]
    assert frame(3, True) in [e.message for e in loop.take(lead_cid, Received)]

    mark = Shape(1, ShapeTool.ARROW, 0, 0xFF0000, 3, ((1, 2), (30, 40)), "", 0, 0)
    seat.send_app(mark)
    loop.pump()
    got = [(e.member, e.message) for e in loop.take(customer_cid, Received)]
    assert (cand.member, mark) in got


def test_a_removed_helper_cannot_read_anything_sent_after(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    customer.allow(asks.candidate.member)
    loop.pump()
    reader = seat.reader
    assert reader is not None
    held = [entry[0] for entry in reader._keys.values()]  # noqa: SLF001 - every key it had

    customer.remove(asks.candidate.member)
    loop.pump()
    (failed,) = loop.take(seat_cid, Failed)
    assert isinstance(failed.error, SessionEndedError) and "removed you" in str(failed.error)
    customer.cast(frame(9, keyframe=True))
    loop.pump()
    assert frame(9, True) in [e.message for e in loop.take(lead_cid, Received)]
    # The captured ciphertext of that cast (as the lead's connection got it), tried
    # with every key the removed helper held: none opens it.
    casts = [w for w in loop.wire[lead_cid] if w[0] == Kind.CAST]
    record = parse(casts[-1][1:], Layer.E2E)
    assert isinstance(record, CastSealed)
    ad = (
        b"assist/1 cast\x00"
        + reader.room
        + record.epoch.to_bytes(4, "big")
        + record.seq.to_bytes(8, "big")
    )
    for cipher in held:
        assert crypto.decrypt(cipher, record.seq, ad, record.ciphertext) is None
    assert not [w for w in loop.wire[seat_cid][-3:] if w[0] == Kind.CAST]


def test_a_refused_helper_never_gets_a_frame(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    customer.cast(frame(1, keyframe=True))
    customer.refuse(asks.candidate.member)
    loop.pump()
    (failed,) = loop.take(seat_cid, Failed)
    assert "did not allow you" in str(failed.error)
    assert not [w for w in loop.wire[seat_cid] if w[0] == Kind.CAST]
    assert loop.take(lead_cid, InviteUpdate)[-1].status.state is InviteState.REFUSED


def test_the_relay_cannot_slip_in_an_agent_of_its_own(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    # The relay runs its "colleague's" app as it likes: no check of the lead's card.
    monkeypatch.setattr(MemberEndpoint, "_check_lead", lambda self: None)
    # The relay's own "colleague": a key and a card from an organisation it made up,
    # registered under a name the lead invites.
    loop.person("mallory", "Lee Jisoo 이지수", org=Org("Acme Support"))
    seat_cid, _ = bring_in(loop, lead, lead_cid, customer_cid, name="mallory")
    # The lead's app checks the offer against its own organisation key: refused there.
    (refused,) = loop.take(lead_cid, NewcomerRefused)
    assert refused.error.reason == "OTHER_ORG"
    assert not loop.take(customer_cid, NewcomerAsks)
    customer.cast(frame(5, keyframe=True))
    loop.pump()
    assert not [w for w in loop.wire[seat_cid] if w[0] == Kind.CAST]


def test_hand_over_keeps_the_briefing_and_the_old_lead_leaves_without_ending_it(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(
        loop, lead, lead_cid, customer_cid, kind=InviteKind.HANDOVER, note="Router reset done"
    )
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    assert asks.candidate.role is MemberRole.LEAD and asks.candidate.note == "Router reset done"
    customer.allow(asks.candidate.member)
    brief = Briefing(asks.candidate.note, (BriefStep(1, "Open Settings", True),), ())
    customer.send_to(asks.candidate.member, brief)
    loop.pump()
    assert brief in [e.message for e in loop.take(seat_cid, Received)]
    lead.bye(EndReason.AGENT_ENDED)
    loop.pump()
    assert customer_cid in loop.eps and not loop.take(customer_cid, Failed)
    customer.cast(frame(7, keyframe=True))
    loop.pump()
    assert frame(7, True) in [e.message for e in loop.take(seat_cid, Received)]
    seat.send_app(Chat(1, "안녕하세요, 이어서 도와드릴게요", 0))
    loop.pump()
    chats = [e for e in loop.take(customer_cid, Received) if isinstance(e.message, Chat)]
    assert chats[-1].member == asks.candidate.member


def test_a_slow_helper_is_skipped_and_catches_up_with_its_own_picture(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    member = asks.candidate.member
    customer.allow(member)
    customer.cast(frame(1, keyframe=True))
    loop.pump()
    loop.take(seat_cid, Received)
    loop.slow.add(seat_cid)
    for fid in (2, 3, 4):
        customer.cast(frame(fid))
    loop.pump()
    loop.slow.clear()
    customer.cast(frame(5))  # arrives after the announced skip: a delta on a stale picture
    loop.pump()
    assert frame(5) not in [e.message for e in loop.take(seat_cid, Received)]
    refresh = [e for e in loop.take(customer_cid, Received) if isinstance(e.message, Refresh)]
    assert [e.member for e in refresh] == [member]
    customer.send_to(member, frame(5, keyframe=True))  # the picture as of frame 5
    customer.cast(frame(6))
    loop.pump()
    got = [e.message for e in loop.take(seat_cid, Received) if isinstance(e.message, Frame)]
    assert got == [frame(5, True), frame(6)]
    # The lead never missed a frame.
    lead_frames = [
        e.message.frame_id for e in loop.take(lead_cid, Received) if isinstance(e.message, Frame)
    ]
    assert lead_frames == [1, 2, 3, 4, 5, 6]


def test_colleagues_and_supervisor_request(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    jisoo = DeskEndpoint("jisoo", key=loop.people["jisoo"].key)
    bora = DeskEndpoint("bora", key=loop.people["bora"].key)
    j, b = loop.attach(jisoo), loop.attach(bora)
    loop.tick()
    names = {c.name: c.in_room for c in jisoo.colleagues}
    assert names == {"bora": False, "jisoo": False}
    bora.supervise("alice", "coaching")
    loop.pump()
    (arrived,) = loop.take(b, InvitationArrived)
    assert arrived.invited.kind is InviteKind.SUPERVISE
    assert loop.take(lead_cid, InviteUpdate)[-1].status.agent == "bora"
    seat = MemberEndpoint("bora", arrived.invited, key=loop.people["bora"].key)
    seat_cid = loop.attach(seat)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    assert asks.candidate.role is MemberRole.SUPERVISOR
    del j, seat_cid


def test_the_customer_drops_and_resumes_and_every_channel_goes_on(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    member = asks.candidate.member
    customer.allow(member)
    loop.pump()
    # The customer's network drops; meanwhile the helper chats (held for the resume).
    del loop.eps[customer_cid]
    loop._apply(loop.core.closed(customer_cid))  # noqa: SLF001
    customer.connection_lost()
    seat.send_app(Chat(1, "are you there?", 0))
    customer.cast(frame(2))  # not sent while away
    loop.pump()
    again = loop.attach(customer)
    customer.send_to(member, Chat(2, "back", 0))
    customer.cast(frame(3, keyframe=True))
    loop.pump()
    got = [(e.member, e.message) for e in loop.take(again, Received)]
    assert (member, Chat(1, "are you there?", 0)) in got
    helper_got = [e.message for e in loop.take(seat_cid, Received)]
    assert Chat(2, "back", 0) in helper_got and frame(3, True) in helper_got
    assert frame(3, True) in [e.message for e in loop.take(lead_cid, Received)]
    assert not loop.take(seat_cid, Failed) and not loop.take(again, Failed)


def test_a_helper_whose_organisation_differs_from_the_leads_does_not_enter() -> None:
    org = Org()
    loop = Loop(org)
    alice = loop.person("alice", "Kim Minji")
    loop.person("jisoo", "Lee Jisoo", org=Org("Acme Support"))
    lead = Endpoint.agent("alice", key=alice.key)
    lead_cid = loop.attach(lead)
    (ready,) = loop.take(lead_cid, CodeReady)
    customer = Endpoint.customer(make_code(ready.code.nameplate, ready.code.secret))
    customer_cid = loop.attach(customer)
    customer.start_room(idn.CheckedIdentity(False, "Kim Minji", "Acme Support"))
    loop.pump()
    invitation = Invitation(
        1,
        ready.code.nameplate,
        InviteKind.HELP,
        "jisoo",
        "Acme Support",
        lead_cid,
        "alice",
        "",
        now() + 60,
        accepted=True,
    )
    loop.core.invites[1] = invitation
    invited = loop.core._invited(invitation, loop.core.conns[lead_cid])  # noqa: SLF001
    seat = MemberEndpoint("jisoo", invited, key=loop.people["jisoo"].key)
    seat_cid = loop.attach(seat)
    (failed,) = loop.take(seat_cid, Failed)
    assert failed.error.reason == "BAD_GREETING"
    assert not loop.take(customer_cid, NewcomerAsks)


def test_the_lead_drops_and_the_helper_keeps_watching_then_the_lead_catches_up(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    loop, lead_cid, customer_cid, lead, customer = room_of_two
    seat_cid, seat = bring_in(loop, lead, lead_cid, customer_cid)
    (asks,) = loop.take(customer_cid, NewcomerAsks)
    customer.allow(asks.candidate.member)
    customer.cast(frame(1, keyframe=True))
    loop.pump()
    loop.take(seat_cid, Received)
    loop.take(lead_cid, Received)
    del loop.eps[lead_cid]
    loop._apply(loop.core.closed(lead_cid))  # noqa: SLF001
    lead.connection_lost()
    customer.cast(frame(2))
    loop.pump()
    assert frame(2) in [e.message for e in loop.take(seat_cid, Received)]
    again = loop.attach(lead)  # resumes; the casts it missed are gone
    refresh = [e for e in loop.take(customer_cid, Received) if isinstance(e.message, Refresh)]
    assert [e.member for e in refresh] == [1]
    customer.cast(frame(3))  # a delta on a picture the lead does not have: held back
    customer.send_to(1, frame(3, keyframe=True))
    customer.cast(frame(4))
    loop.pump()
    got = [e.message for e in loop.take(again, Received) if isinstance(e.message, Frame)]
    assert got == [frame(3, True), frame(4)]


def test_the_customers_reports_become_room_events_about_the_right_seat_and_are_capped(
    room_of_two: tuple[Loop, int, int, Endpoint, Endpoint],
) -> None:
    """Control and file events reach the audit log as the customer's word, named after the
    seat's agent; an agent cannot report, and a flood stops at the cap."""
    from common.messages import Report, ReportEvent
    from relay.sessions import MAX_REPORTS

    loop, lead_cid, customer_cid, lead, customer = room_of_two
    loop.room_events.clear()
    customer.report(ReportEvent.CONTROL_GRANTED, 1, "")
    customer.report(ReportEvent.FILE_TO_CUSTOMER, 1, "fix.sh · 4000 bytes · SHA-256 ab12")
    loop.pump()
    got = [(e.event, e.agent, e.by, e.member, e.detail) for e in loop.room_events]
    assert got == [
        ("control_granted", "alice", "customer", 1, ""),
        ("file_to_customer", "alice", "customer", 1, "fix.sh · 4000 bytes · SHA-256 ab12"),
    ]
    forged = Report(ReportEvent.CONTROL_ENDED, 1, "forged by the agent")
    loop._apply(loop.core.receive(lead_cid, forged))  # noqa: SLF001 - straight to the core
    loop.pump()
    assert len(loop.room_events) == 2
    for _ in range(MAX_REPORTS + 50):
        customer.report(ReportEvent.FILE_CANCELLED, 1, "")
    loop.pump()
    assert len(loop.room_events) == MAX_REPORTS
