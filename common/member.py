"""The agent app's other two conversations with the relay, sans-I/O like
:class:`common.endpoint.Endpoint` (the same driver runs all three):

* :class:`DeskEndpoint` — the agent is signed in and at their desk: presence
  (available, busy, away), the list of colleagues, invitations into other
  people's sessions, a supervisor's request to watch one, and the help desk:
  who waits in the agent's queues and the open callback requests (taking a
  customer opens a session connection of its own: ``Endpoint.taker``).
* :class:`MemberEndpoint` — a seat in someone else's session (a helper, a
  colleague taking over, a supervisor): enter with the invitation, offer a
  fresh key signed by this app's agent key (:mod:`common.room`), wait for the
  customer's answer, then read the shared screen and talk with the customer on
  a pairwise channel no one else can forge.

A seat holds no resume token: if its connection drops, it is out, and the lead
invites it again (docs/protocol.md, "Rooms").
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import identity, room
from common.channel import SecureChannel
from common.endpoint import (
    BlockSet,
    Closed,
    Event,
    Failed,
    InviteUpdate,
    MemberChanged,
    PeerCameBack,
    PeerWentAway,
    Received,
    Reconnecting,
    Secured,
    SignedIn,
)
from common.errors import (
    AssistError,
    ChannelError,
    DeskError,
    IdentityError,
    ProtocolError,
    RelayRefusedError,
    RoomError,
    SessionEndedError,
)
from common.messages import (
    CUSTOMER_MEMBER,
    MAX_TEXT,
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Block,
    Blocked,
    Bye,
    CallbackItem,
    CallbackList,
    CallbackOutcome,
    Cast,
    Colleague,
    Colleagues,
    DeskRefused,
    EndReason,
    Enter,
    Entered,
    EpochKey,
    Error,
    Greeting,
    Hello,
    Invite,
    InviteAnswer,
    Invited,
    InviteKind,
    InviteStatus,
    Layer,
    ListQueues,
    Member,
    Message,
    Note,
    Outcome,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Post,
    Presence,
    PresenceState,
    QueueInfo,
    Queues,
    Redirect,
    Refresh,
    ResumeSync,
    Role,
    Sealed,
    Skipped,
    WaitingItem,
    WaitingList,
    Welcome,
    parse,
)

__all__ = [
    "ColleaguesChanged",
    "DeskEndpoint",
    "EnteredRoom",
    "InvitationArrived",
    "MemberEndpoint",
]

#: Messages kept between the customer's yes and the lead's greeting.
_EARLY_LIMIT = 64


@dataclasses.dataclass(frozen=True)
class ColleaguesChanged(Event):
    colleagues: tuple[Colleague, ...]


@dataclasses.dataclass(frozen=True)
class QueueChanged(Event):
    """Who waits in the agent's queues now, longest waiting first (``total`` counts
    those beyond the list's end too)."""

    waiting: tuple[WaitingItem, ...]
    total: int


@dataclasses.dataclass(frozen=True)
class QueuesKnown(Event):
    """The desk's queues (their names in English and Korean), asked at sign-in."""

    queues: tuple[QueueInfo, ...]


@dataclasses.dataclass(frozen=True)
class CallbacksChanged(Event):
    """The open callback requests of the agent's queues, by window."""

    callbacks: tuple[CallbackItem, ...]


@dataclasses.dataclass(frozen=True)
class DeskNotice(Event):
    """The desk refused something the agent asked of it (a callback outcome, ...)."""

    error: AssistError


@dataclasses.dataclass(frozen=True)
class InvitationArrived(Event):
    """Someone asks us into their session (or our request to watch was granted)."""

    invited: Invited


@dataclasses.dataclass(frozen=True)
class EnteredRoom(Event):
    """We have a seat; the customer is being asked about us (nothing reaches us yet)."""

    member: int


class _Base:
    """What the driver needs of any endpoint, and the sign-in both share."""

    role = Role.AGENT

    def __init__(self, token: str, key: Ed25519PrivateKey, client: str) -> None:
        self._token = token
        self._key = key
        self._client = client
        self._out: list[bytes] = []
        self._events: list[Event] = []
        self.ended = False
        self.channel: SecureChannel | None = None
        self.redirect_to: str | None = None
        self.certificate = b""
        self.revocations = b""
        self.signed_in: SignedIn | None = None

    @property
    def has_output(self) -> bool:
        """Is anything waiting in :meth:`data_to_send`?"""
        return bool(self._out)

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def take_redirect(self) -> str | None:
        url, self.redirect_to = self.redirect_to, None
        return url

    def abandon(self) -> None:
        self.ended = True
        self._out.clear()

    def _send(self, msg: Message) -> None:
        self._out.append(msg.serialize())

    def _fail(self, err: AssistError) -> None:
        if not self.ended:
            self.ended = True
            self._events.append(Failed(err))

    def _hello(self) -> None:
        self._send(Hello(PROTOCOL_VERSION, Role.AGENT, self._client))
        self._send(Auth(self._token, identity.public_bytes(self._key)))

    def _signed_in(self, msg: AuthOk) -> None:
        self.certificate, self.revocations = msg.certificate, msg.revocations
        self.signed_in = SignedIn(
            msg.name, msg.display_name, msg.org, msg.certificate, msg.supervisor
        )
        self._events.append(self.signed_in)

    def receive(self, wire: bytes) -> None:
        if self.ended:
            return
        try:
            self._receive(parse(wire, Layer.RELAY))
        except AssistError as err:
            self._fail(err)

    def _receive(self, msg: Message) -> None:
        raise NotImplementedError


class DeskEndpoint(_Base):
    """See the module docstring. Reconnects and signs in again after a drop."""

    def __init__(
        self,
        token: str,
        *,
        key: Ed25519PrivateKey,
        state: PresenceState = PresenceState.AVAILABLE,
        client: str = "assist-agent",
    ) -> None:
        super().__init__(token, key, client)
        self.state = state
        self.colleagues: tuple[Colleague, ...] = ()
        self.waiting: tuple[WaitingItem, ...] = ()
        self.callbacks: tuple[CallbackItem, ...] = ()

    @property
    def can_resume(self) -> bool:
        return not self.ended

    def connected(self) -> None:
        if not self.ended:
            self._hello()

    def connection_lost(self) -> None:
        if not self.ended and self.redirect_to is None:
            self._events.append(Reconnecting())

    def idle(self) -> None:
        pass

    def bye(self, reason: EndReason) -> None:
        """Sign out of the desk (the relay drops us from colleagues' lists)."""
        if not self.ended:
            self.ended = True
            self._events.append(Closed(reason))

    def send_app(self, msg: Message) -> bool:
        """A desk has no session to send into."""
        return False

    def set_presence(self, state: PresenceState) -> None:
        self.state = state
        if self.signed_in is not None and not self.ended:
            self._send(Presence(state))

    def answer(self, invite_id: int, accept: bool) -> None:
        if not self.ended:
            self._send(InviteAnswer(invite_id, accept))

    def callback_outcome(
        self, callback_id: str, outcome: Outcome, window_start: int = 0, note: str = ""
    ) -> None:
        """Record what came of a callback (RESCHEDULED with the new window's start)."""
        if not self.ended:
            self._send(CallbackOutcome(callback_id, outcome, window_start, note[:500]))

    def note(self, contact: str, text: str, resolved: int = -1, tags: str = "") -> None:
        """The agent's notes on a contact they took part in, after its session (the
        contact's id came with :class:`~common.messages.History`)."""
        if not self.ended and contact:
            self._send(Note(contact, text[:MAX_TEXT], resolved, tags[:200]))

    def block(self, ticket: str, minutes: int, reason: str) -> None:
        """Supervisor: keep the customer waiting with ``ticket`` out of the queues for
        ``minutes`` (they are told, and the desk log keeps who and why)."""
        if not self.ended:
            self._send(Block(ticket, minutes, reason.strip()[:500] or "-"))

    def supervise(self, agent: str, reason: str = "") -> None:
        """Supervisor: ask to watch the session ``agent`` leads (the customer decides)."""
        if not self.ended:
            self._send(Invite(agent, InviteKind.SUPERVISE, reason[:500]))

    def _receive(self, msg: Message) -> None:
        match msg:
            case Welcome():
                pass
            case AuthOk():
                self._signed_in(msg)
                self._send(Presence(self.state))
                self._send(ListQueues())  # the queues' names for the lists
            case Queues(queues=queues):
                self._events.append(QueuesKnown(queues))
            case Colleagues(colleagues=people):
                self.colleagues = people
                self._events.append(ColleaguesChanged(people))
            case Invited():
                self._events.append(InvitationArrived(msg))
            case InviteStatus():
                self._events.append(InviteUpdate(msg))
            case WaitingList(items=items, total=total):
                self.waiting = items
                self._events.append(QueueChanged(items, total))
            case CallbackList(items=items):
                self.callbacks = items
                self._events.append(CallbacksChanged(items))
            case Blocked(until=until):
                self._events.append(BlockSet(until))
            case DeskRefused(reason="NO_DESK"):
                pass  # this relay has no help desk: the lists never come
            case DeskRefused(reason=reason):
                self._events.append(DeskNotice(DeskError(reason)))
            case Redirect(url=url):
                self.redirect_to = url
            case Error(code=code):
                raise RelayRefusedError(code)
            case _:
                raise ProtocolError.because(f"{type(msg).__name__} on a desk connection")


class MemberEndpoint(_Base):
    """See the module docstring."""

    LOST = "Your connection to the session dropped. Ask your colleague to invite you again."
    REMOVED = "The customer removed you from the session. You no longer see their screen."
    REFUSED = "The customer did not allow you into the session. Nothing was shared with you."
    ENDED = "The session ended."

    def __init__(
        self,
        token: str,
        invited: Invited,
        *,
        key: Ed25519PrivateKey,
        client: str = "assist-agent",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token, key, client)
        self.invited = invited
        self.role_in_room = room.role_for(invited.kind)
        self.member = 0
        self._clock = clock
        self._newcomer: room.Newcomer | None = None
        self.reader: room.CastReader | None = None
        self.gate = room.StreamGate()
        self.admitted = False
        self.peer_present = False  # the customer's connection, as the relay tells us
        #: What the customer sent between its yes and the lead's greeting reaching us
        #: (they travel different ways): opened once we have the keys.
        self._early: list[Message] = []
        self._early_skipped = 0

    @property
    def can_resume(self) -> bool:
        return False  # a seat is not resumed: the lead invites again

    def connected(self) -> None:
        if not self.ended:
            self._hello()

    def connection_lost(self) -> None:
        if self.redirect_to is not None and self.member == 0:
            return  # sent to the node that has the room: enter there, quietly
        self._fail(SessionEndedError(self.LOST))

    def idle(self) -> None:
        if self.channel is not None and not self.channel.suspended and not self.ended:
            ack = self.channel.pending_ack(idle=True)
            if ack is not None:
                self._post(ack)

    def send_app(self, msg: Message) -> bool:
        """To the customer, on our own sealed channel (marks, chat, acks)."""
        if self.channel is None or self.ended:
            return False
        try:
            payload = self.channel.seal(msg)
        except ChannelError as err:
            self._fail(err)
            return False
        if payload is not None:
            self._post(payload)
        return True

    def bye(self, reason: EndReason) -> None:
        if not self.ended:
            self._send(Bye(reason))
            self.ended = True
            self._events.append(Closed(reason))

    def _post(self, payload: bytes) -> None:
        self._out.append(Post(CUSTOMER_MEMBER, payload).serialize())

    def _receive(self, msg: Message) -> None:
        match msg:
            case Welcome():
                pass
            case AuthOk():
                self._signed_in(msg)
                self._check_lead()
                self._send(Enter(self.invited.invite_id, self.invited.nameplate))
            case Entered(member=member):
                self._entered(member)
            case Post(member=sender, payload=payload) if (
                self.channel is None and sender == CUSTOMER_MEMBER
            ):
                self._hold(msg)
            case Post(member=sender, payload=payload):
                self._post_received(sender, payload)
            case Cast() | Skipped() if self.reader is None:
                self._hold(msg)
            case Cast(payload=payload) if self.reader is not None:
                m = self.reader.open(payload)
                if self.gate.cast(m):
                    self._events.append(Received(m, CUSTOMER_MEMBER))
            case Skipped(count=count) if self.reader is not None:
                self.reader.skipped(count)
                if self.gate.gap():
                    self.send_app(Refresh())
            case Member():
                self._events.append(MemberChanged.of(msg))
            case PeerAway(grace_s=grace):
                self.peer_present = False
                if self.channel is not None:
                    self.channel.suspend()
                self._events.append(PeerWentAway(grace))
            case PeerBack():
                self.peer_present = True
                if self.channel is not None:
                    self._post(self.channel.resume_sync().serialize())
                self._events.append(PeerCameBack())
            case PeerLeft(reason=reason):
                text = {
                    PeerLeftReason.REMOVED: self.REMOVED if self.admitted else self.REFUSED,
                    PeerLeftReason.RELAY_SHUTDOWN: self.LOST,
                }.get(reason, self.ENDED)
                self._fail(SessionEndedError(text))
            case Redirect(url=url):
                self.redirect_to = url
            case Error(code=code):
                raise RelayRefusedError(code)
            case _:
                raise ProtocolError.because(f"{type(msg).__name__} in a seat")

    def _hold(self, msg: Message) -> None:
        """Keep what came before the greeting (bounded: casts past it count as skipped)."""
        if len(self._early) < _EARLY_LIMIT:
            self._early.append(msg)
        elif isinstance(msg, Cast):
            self._early_skipped += 1
        elif isinstance(msg, Skipped):
            self._early_skipped += msg.count
        else:
            raise ProtocolError.because("too much before the greeting")

    def _check_lead(self) -> None:
        """The key the greeting must be signed by came from the relay: when we have a
        card, the lead's must be from our own organisation and name that key."""
        if not self.certificate:
            return
        own = identity.load_certificate(self.certificate).body
        try:
            theirs = identity.load_certificate(self.invited.lead_certificate).body
        except IdentityError:
            raise RoomError.of("BAD_GREETING", "the lead's card is missing or unreadable") from None
        if theirs.org_key != own.org_key or theirs.agent_key != self.invited.lead_key:
            raise RoomError.of("BAD_GREETING", "the lead's card is not our organisation's")

    def _entered(self, member: int) -> None:
        self.member = member
        who = self.signed_in
        assert who is not None  # Entered answers the Enter sent after AuthOk
        self._newcomer = room.Newcomer.create(
            self._key,
            nameplate=self.invited.nameplate,
            member=member,
            role=self.role_in_room,
            agent=who.name,
            display_name=who.display_name,
            org=who.org,
            certificate=self.certificate,
            revocations=self.revocations,
            now=self._clock(),
        )
        offer = self._newcomer.offer.serialize()
        self._out.append(Post(self.invited.lead_member, offer).serialize())
        self._events.append(EnteredRoom(member))

    def _post_received(self, sender: int, payload: bytes) -> None:
        msg = parse(payload, Layer.E2E)
        match msg:
            case Greeting() if self._newcomer is not None and self.channel is None:
                if sender != self.invited.lead_member:
                    raise RoomError.of("BAD_GREETING", "a greeting not from the lead")
                self.channel, self.reader = self._newcomer.greeted(
                    msg, lead_key=self.invited.lead_key
                )
                self.admitted = self.peer_present = True
                self._events.append(Secured())
                early, self._early = self._early, []
                if self._early_skipped:
                    early.append(Skipped(self._early_skipped))
                for held in early:
                    self._receive(held)
            case Sealed() if self.channel is not None and sender == CUSTOMER_MEMBER:
                app = self.channel.open(msg)
                if isinstance(app, EpochKey):
                    assert self.reader is not None  # made with the channel
                    self.reader.add_key(app)
                elif app is not None:
                    self.gate.private(app)
                    self._events.append(Received(app, CUSTOMER_MEMBER))
                ack = self.channel.pending_ack()
                if ack is not None:
                    self._post(ack)
            case ResumeSync() if self.channel is not None and sender == CUSTOMER_MEMBER:
                for record in self.channel.receive_resume_sync(msg):
                    self._post(record)
            case _:
                pass  # from another seat, or before we are in: not ours to read
