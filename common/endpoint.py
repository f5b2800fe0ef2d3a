"""One app's side of a session, as a sans-I/O state machine.

Both apps run the same conversation with the relay and with each other: hello,
(agent) sign in and create, (customer) join, pair, PAKE, key confirmation,
then sealed application messages, with resume when a connection drops. This
class holds that conversation; the network driver (``assist_net``) only moves
bytes and calls::

    ep = Endpoint.agent(token)  /  Endpoint.customer(code)
    ep.connected()              # a websocket is open (first time or after a drop)
    ep.receive(wire_bytes)      # every message from the relay
    ep.connection_lost()        # the websocket closed
    ep.send_app(message)        # application messages once Secured
    ep.data_to_send()           # -> wire messages to write, in order
    ep.events()                 # -> what happened, for the app (see the Event classes)

It never raises for anything the network sends: problems become a
:class:`Failed` event carrying an :class:`~common.errors.AssistError`.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import os
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import identity, room
from common.channel import Handshake, SecureChannel
from common.codes import SessionCode, make_code
from common.errors import (
    AssistError,
    ChannelError,
    ConnectionLostError,
    DeskError,
    ErrorCode,
    IdentityError,
    IdentityRefusedError,
    ProtocolError,
    RelayRefusedError,
    ResumeFailedError,
    RoomError,
    SessionEndedError,
    WrongCodeError,
)
from common.help import HelpAsk, HelpGiver, HelpRequest, HelpSeeker
from common.messages import (
    CUSTOMER_MEMBER,
    LEAD_MEMBER,
    MAX_TEXT,
    PROTOCOL_VERSION,
    Admit,
    Answer,
    Ask,
    Auth,
    AuthOk,
    Back,
    Block,
    Blocked,
    Bye,
    Called,
    Cast,
    Confirm,
    Congestion,
    Create,
    Created,
    Data,
    DeskRefused,
    EndReason,
    EpochKey,
    Error,
    Flag,
    FlagKind,
    Frame,
    Greeting,
    Hello,
    HelpAnswer,
    History,
    HistoryItem,
    Identity,
    Invite,
    InviteKind,
    InviteStatus,
    Join,
    Layer,
    Lead,
    Leave,
    Member,
    MemberRole,
    Message,
    Note,
    Offer,
    Paired,
    PairingFailed,
    Pake,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Post,
    Redirect,
    Refresh,
    Report,
    ReportEvent,
    Resume,
    Resumed,
    ResumeSync,
    Role,
    Roster,
    Sealed,
    SessionEnd,
    Skipped,
    Standing,
    Survey,
    Take,
    Took,
    Vouch,
    Welcome,
    parse,
)

# ---------------------------------------------------------------- events


class Event:
    """Something the app should know about. Past tense: it already happened."""


@dataclasses.dataclass(frozen=True)
class SignedIn(Event):
    """Agent: the relay accepted the token. ``certificate`` is this key's identity card
    (empty without one); the app shows its state (``identity.card_state``)."""

    name: str
    display_name: str
    org: str
    certificate: bytes = b""
    supervisor: bool = False


@dataclasses.dataclass(frozen=True)
class CodeReady(Event):
    """Agent: the whole code to read out, and how long until it expires."""

    code: SessionCode
    expires_s: int


@dataclasses.dataclass(frozen=True)
class PeerJoined(Event):
    """Both sides are at the relay. The agent hears it at once; the customer learns who
    is asking only after key confirmation and the identity check, just before
    :class:`Secured`, with ``identity`` saying whether it is verified."""

    agent_display_name: str
    agent_org: str
    identity: identity.CheckedIdentity | None = None


@dataclasses.dataclass(frozen=True)
class PairingStarted(Event):
    """Customer: the agent's side is there and key confirmation has begun (who it is,
    :class:`PeerJoined`, follows once the key is confirmed)."""


@dataclasses.dataclass(frozen=True)
class InQueue(Event):
    """Customer who asked from the app: where they stand in the queue (again whenever
    it changes). ``wait_min`` is -1 while nobody serves the queue."""

    ticket: str
    position: int
    wait_min: int
    offer_callback: bool


@dataclasses.dataclass(frozen=True)
class AgentCalled(Event):
    """Customer who asked from the app: an agent took them; who it is is checked next
    (:class:`PeerJoined` with a verified identity, then :class:`Secured`)."""


@dataclasses.dataclass(frozen=True)
class CustomerTaken(Event):
    """Agent: the customer taken from the queue, with what they wrote."""

    took: Took


@dataclasses.dataclass(frozen=True)
class Notice(Event):
    """The relay refused something in a running session (e.g. a flag); it goes on."""

    error: AssistError


@dataclasses.dataclass(frozen=True)
class ContactHistory(Event):
    """Agent, with a customer from the queue: the contact's id in the desk's records
    (for notes after the session) and the customer's earlier contacts, newest first."""

    contact: str
    items: tuple[HistoryItem, ...]


@dataclasses.dataclass(frozen=True)
class BlockSet(Event):
    """Supervisor: the customer is kept out of the queues until ``until`` (Unix s)."""

    until: int


@dataclasses.dataclass(frozen=True)
class Secured(Event):
    """Key confirmation passed: application messages may flow."""


@dataclasses.dataclass(frozen=True)
class Received(Event):
    """A message from someone in the session. ``member`` is their seat: 0 the customer,
    1 the agent who read out the code, 2 and up people who came in later (-1: the
    other side of the code's channel, in apps that never see a room)."""

    message: Message
    member: int = -1


@dataclasses.dataclass(frozen=True)
class MemberChanged(Event):
    """Customer and lead: a connection took a seat in the room or left it (the relay's
    word: the customer's app shows only what it checked itself, in the prompt)."""

    member: int
    name: str
    display_name: str
    org: str
    role: MemberRole
    present: bool

    @classmethod
    def of(cls, msg: Member) -> MemberChanged:
        return cls(msg.member, msg.name, msg.display_name, msg.org, msg.role, msg.present)


@dataclasses.dataclass(frozen=True)
class NewcomerAsks(Event):
    """Customer: the lead vouched for someone and their card checked out: ask the
    customer (:meth:`Endpoint.allow` / :meth:`Endpoint.refuse`)."""

    candidate: room.Candidate


@dataclasses.dataclass(frozen=True)
class NewcomerRefused(Event):
    """Customer: someone's offer failed the check (not shown as a prompt); lead: the
    customer's app refused them, or their offer did not check out here."""

    member: int
    error: AssistError


@dataclasses.dataclass(frozen=True)
class InviteUpdate(Event):
    """Lead: how an invitation is going (sent, accepted, joined, refused, ...)."""

    status: InviteStatus


@dataclasses.dataclass(frozen=True)
class Reconnecting(Event):
    """Our connection dropped; the driver is reconnecting to resume."""


@dataclasses.dataclass(frozen=True)
class ResumedSession(Event):
    """Our connection is back and the session goes on."""


@dataclasses.dataclass(frozen=True)
class PeerWentAway(Event):
    grace_s: int


@dataclasses.dataclass(frozen=True)
class PeerCameBack(Event):
    pass


@dataclasses.dataclass(frozen=True)
class Congested(Event):
    level: int
    queued_bytes: int


@dataclasses.dataclass(frozen=True)
class Failed(Event):
    """The session cannot go on. ``error`` says why, in words for people."""

    error: AssistError


@dataclasses.dataclass(frozen=True)
class Closed(Event):
    """We ended the session on purpose (``bye``)."""

    reason: EndReason


class Phase(enum.Enum):
    IDLE = "idle"
    HELLO = "hello"
    SIGNING_IN = "signing in"
    WAITING = "waiting for the other side"
    QUEUED = "waiting in a desk queue"
    PAIRING = "pairing"
    CHECKING = "checking the agent's identity"
    SECURED = "secured"
    RESUMING = "resuming"
    ENDED = "ended"


class Endpoint:
    """See the module docstring."""

    def __init__(
        self,
        role: Role,
        *,
        token: str | None = None,
        code: SessionCode | None = None,
        client: str = "assist",
        key: Ed25519PrivateKey | None = None,
        trust: identity.Trust | None = None,
        clock: Callable[[], float] = time.time,
        request: HelpRequest | None = None,
        take: str | None = None,
        entropy: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.role = role
        self._token = token
        # -- the help desk (protocol 5): no code; who answers is proved by certificate
        #: Customer: what they asked for, the key exchange, and the secret that gets
        #: the place back after a drop; the ticket once the relay gave one.
        self.request = request
        self._seeker = HelpSeeker(request.org, entropy=entropy) if request else None
        self._rejoin = entropy(32) if request else b""
        self.ticket: str | None = None
        #: Agent: take this ticket ("" = the next customer) instead of creating a code.
        self._take = take
        #: Both: the session's nameplate (from the code, or from the desk).
        self.nameplate: str | None = code.nameplate if code is not None else None
        self._help_identity: identity.CheckedIdentity | None = None
        #: Agent: this app's own key (signs each session); a throwaway one if not given.
        self._key = key or (Ed25519PrivateKey.generate() if role is Role.AGENT else None)
        self._certificate = b""
        self._revocations = b""
        #: Customer: the organisations pinned, and the clock the check uses.
        self.trust = trust if trust is not None else identity.Trust()
        self._clock = clock
        self._checking = False  # customer: resumed while the identity check was pending
        self.code = code
        self._client = client
        self.phase = Phase.IDLE
        self._out: list[bytes] = []
        self._events: list[Event] = []
        self._handshake: Handshake | HelpSeeker | HelpGiver | None = None
        self.channel: SecureChannel | None = None
        self.peer_present = False
        self._peer_identity: PeerJoined | None = None
        #: A relay node asked us to go to this address (the driver checks and follows it).
        self.redirect_to: str | None = None
        # -- rooms (protocol 4)
        #: Customer: who is in, the epoch key, the shared stream (after consent).
        self.room: room.CustomerRoom | None = None
        #: Customer: the pairwise channel to each seat the customer allowed in.
        self._pair: dict[int, SecureChannel] = {}
        #: Both: what the relay said about each seat (names are its word).
        self.seats: dict[int, MemberChanged] = {}
        #: Lead: the shared stream as we read it, and the gate that keeps it whole.
        self._reader: room.CastReader | None = None
        self.gate = room.StreamGate()
        #: Lead: offers we vouched for, by seat (the greeting countersigns them), and
        #: why we invited each colleague and the note to pass to them, by their name.
        self._offers: dict[int, bytes] = {}
        self._notes: dict[str, tuple[str, str]] = {}

    @classmethod
    def agent(
        cls, token: str, *, client: str = "assist-agent", key: Ed25519PrivateKey | None = None
    ) -> Endpoint:
        return cls(Role.AGENT, token=token, client=client, key=key)

    @classmethod
    def customer(
        cls,
        code: SessionCode,
        *,
        client: str = "assist-client",
        trust: identity.Trust | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Endpoint:
        return cls(Role.CUSTOMER, code=code, client=client, trust=trust, clock=clock)

    @classmethod
    def seeker(
        cls,
        request: HelpRequest,
        *,
        client: str = "assist-client",
        trust: identity.Trust | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Endpoint:
        """A customer asking for help from the app (no code): the organisation must be
        pinned in ``trust``; only an agent with its certificate can answer."""
        return cls(Role.CUSTOMER, client=client, trust=trust, clock=clock, request=request)

    @classmethod
    def taker(
        cls,
        token: str,
        ticket: str = "",
        *,
        client: str = "assist-agent",
        key: Ed25519PrivateKey | None = None,
    ) -> Endpoint:
        """An agent taking a customer from the queues (``ticket``, or the next one)."""
        return cls(Role.AGENT, token=token, client=client, key=key, take=ticket)

    @property
    def queued(self) -> bool:
        """Customer: waiting in a queue (a drop keeps the place for a while)."""
        return self.ticket is not None and self.nameplate is None and not self.ended

    # ------------------------------------------------------------ outputs

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

    @property
    def ended(self) -> bool:
        return self.phase is Phase.ENDED

    @property
    def can_resume(self) -> bool:
        return (self.channel is not None or self.queued) and not self.ended

    # ------------------------------------------------------------ inputs

    def connected(self) -> None:
        """A websocket to the relay is open: say hello, then pick up where we are."""
        if self.ended:
            return
        self._send(Hello(PROTOCOL_VERSION, self.role, self._client))
        if self.channel is not None and self.nameplate is not None and self._handshake is not None:
            self.phase = Phase.RESUMING
            self._send(Resume(self.nameplate, self.role, self._handshake.resume_token()))
        elif self.request is not None and self._seeker is not None:
            self.phase = Phase.HELLO
            if self.ticket is not None:  # back after a drop: the same place, if still held
                self._send(Back(self.ticket, self._rejoin))
            else:
                r, ask = self.request, self._seeker.ask()
                rejoin_hash = hashlib.sha256(self._rejoin).digest()
                self._send(
                    Ask(r.queue, r.org, r.installation, r.name, r.contact, r.description,
                        r.system, ask.public_key, ask.nonce, rejoin_hash, r.callback)
                )  # fmt: skip
        elif self.role is Role.AGENT:
            self.phase = Phase.SIGNING_IN
            assert self._key is not None  # agents always have one (see __init__)
            self._send(Auth(self._token or "", identity.public_bytes(self._key)))
        else:
            self.phase = Phase.HELLO
            assert self.code is not None  # customers are built with a code
            self._send(Join(self.code.nameplate))

    def connection_lost(self) -> None:
        """The websocket closed. Resumable once secured; fatal before (unless a relay
        node redirected us: then the same request goes to the next node, quietly)."""
        if self.ended:
            return
        if self.redirect_to is not None:
            if self.channel is not None:
                self.channel.suspend()
                self._checking = self._checking or self.phase is Phase.CHECKING
                self.phase = Phase.RESUMING
            return
        if self.channel is not None:
            self.channel.suspend()
            for pair in self._pair.values():
                pair.suspend()
            self._checking = self._checking or self.phase is Phase.CHECKING
            self.phase = Phase.RESUMING
            self._events.append(Reconnecting())
        elif self.queued:  # the relay keeps the place for a while: go back to it
            self._events.append(Reconnecting())
        else:
            self._fail(ConnectionLostError())

    def take_redirect(self) -> str | None:
        """The address a node sent us to (once), for the driver to check and follow."""
        url, self.redirect_to = self.redirect_to, None
        return url

    def receive(self, wire: bytes) -> None:
        if self.ended:
            return
        try:
            self._receive(parse(wire, Layer.RELAY))
        except AssistError as err:
            if isinstance(err, WrongCodeError):
                self._send(PairingFailed())
            self._fail(err)

    def send_app(self, msg: Message) -> bool:
        """Seal and queue an application message. False if the session is not secured."""
        if self.channel is None or self.ended:
            return False
        try:
            payload = self.channel.seal(msg)
        except ChannelError as err:
            self._fail(err)
            return False
        if payload is not None:
            self._out.append(Data(payload).serialize())
        return True

    def idle(self) -> None:
        """Call now and then when nothing arrives: acknowledges what we received."""
        if self.channel is not None and not self.channel.suspended and not self.ended:
            ack = self.channel.pending_ack(idle=True)
            if ack is not None:
                self._out.append(Data(ack).serialize())
            for member, pair in self._pair.items():
                if not pair.suspended:
                    ack = pair.pending_ack(idle=True)
                    if ack is not None:
                        self._out.append(Post(member, ack).serialize())

    def abandon(self) -> None:
        """The driver gave up (an address or certificate problem, a bug): nothing more
        goes in or out. The driver reports why; no event is added here."""
        self.phase = Phase.ENDED
        self._out.clear()

    def flag(self, kind: FlagKind, reason: str) -> None:
        """Agent, with a customer from the queue: flag this contact (the relay keeps it
        with their installation)."""
        if self.role is Role.AGENT and self.channel is not None and not self.ended:
            self._send(Flag(kind, reason.strip()[:500] or "-"))

    def block(self, minutes: int, reason: str) -> None:
        """Supervisor, with a customer from the queue: keep their installation out of
        the queues for ``minutes`` (the desk log keeps who and why)."""
        if self.role is Role.AGENT and self.channel is not None and not self.ended:
            self._send(Block("", minutes, reason.strip()[:500] or "-"))

    def note(self, text: str, resolved: int = -1, tags: str = "") -> None:
        """Agent, in a session: the notes on this contact for the desk's records (the
        newest replaces the last), whether it was resolved on it (1, 0; -1 not said)
        and its tags."""
        if self.role is Role.AGENT and self.channel is not None and not self.ended:
            self._send(Note("", text[:MAX_TEXT], resolved, tags[:200]))

    def survey(self, score: int, comment: str) -> None:
        """Customer, as the session ends: how satisfied they were, for the desk's records."""
        if self.role is Role.CUSTOMER and self.channel is not None and 1 <= score <= 5:
            self._send(Survey(score, comment[:1000]))

    def report(self, event: ReportEvent, member: int, detail: str = "") -> None:
        """Customer: a control or file event for the relay's audit log (no content)."""
        if self.role is Role.CUSTOMER and self.channel is not None:
            self._send(Report(event, member, detail[:500]))

    def leave(self) -> None:
        """Customer: leave the queue (the relay forgets the place and closes)."""
        if self.queued:
            self._send(Leave())
            self.phase = Phase.ENDED
            self._events.append(Closed(EndReason.CUSTOMER_STOPPED))

    def bye(self, reason: EndReason) -> None:
        """End on purpose: tell the relay (the app tells the peer with SessionEnd first)."""
        if self.ended:
            return
        self._send(Bye(reason))
        self.phase = Phase.ENDED
        self._events.append(Closed(reason))

    # ------------------------------------------------------------ internals

    def _send(self, msg: Message) -> None:
        self._out.append(msg.serialize())

    def _fail(self, err: AssistError) -> None:
        if self.ended:
            return
        self.phase = Phase.ENDED
        self._events.append(Failed(err))

    def _start_pairing(self) -> None:
        assert self.code is not None
        self.phase = Phase.PAIRING
        self._handshake = Handshake(self.role, self.code)
        self._out.append(Data(self._handshake.start().serialize()).serialize())

    def _receive(self, msg: Message) -> None:
        match msg:
            case Welcome():
                pass
            case AuthOk(name=name, display_name=display, org=org):
                self._certificate, self._revocations = msg.certificate, msg.revocations
                self._events.append(SignedIn(name, display, org, msg.certificate, msg.supervisor))
                self._send(Create() if self._take is None else Take(self._take))
            case Created(nameplate=nameplate, expires_s=expires):
                self.code = make_code(nameplate)
                self.nameplate = nameplate
                self.phase = Phase.WAITING
                self._events.append(CodeReady(self.code, expires))
            case Standing() if self._seeker is not None and self.nameplate is None:
                self.ticket = msg.ticket
                self.phase = Phase.QUEUED
                self._events.append(
                    InQueue(msg.ticket, msg.position, msg.wait_min, msg.offer_callback)
                )
            case Called(nameplate=nameplate) if self._seeker is not None and self.queued:
                self.nameplate = nameplate
                self._events.append(AgentCalled())
            case Took() if self._take is not None and self.nameplate is None:
                self.nameplate = msg.nameplate
                assert self._key is not None  # agents always have one (see __init__)
                self._handshake = HelpGiver(
                    msg.ticket,
                    HelpAsk(msg.help_key, msg.nonce),
                    msg.org,
                    agent_key=self._key,
                    certificate=self._certificate,
                    revocations=self._revocations,
                )
                self.ticket = msg.ticket
                self._events.append(CustomerTaken(msg))
            case Paired() if self._seeker is not None or isinstance(self._handshake, HelpGiver):
                self._help_paired(msg)
            case DeskRefused(reason=reason) if self.channel is not None:
                self._events.append(Notice(DeskError(reason)))
            case Blocked(until=until) if self.role is Role.AGENT:
                self._events.append(BlockSet(until))
            case History(contact=contact, items=items) if self.role is Role.AGENT:
                self._events.append(ContactHistory(contact, items))
            case DeskRefused(reason=reason, offer_callback=offer, opens_at=opens):
                raise DeskError.refused(reason, offer, opens)
            case Paired(agent_display_name=display, agent_org=org):
                self.peer_present = True
                if self.role is Role.CUSTOMER:
                    # Shown only once the key is confirmed: a typo or a guessed nameplate
                    # must never show the customer some other agent's name.
                    self._peer_identity = PeerJoined(display, org)
                    self._events.append(PairingStarted())
                else:
                    self._events.append(PeerJoined(display, org))
                self._start_pairing()
            case Data(payload=payload):
                self._receive_e2e(payload)
            case Resumed(peer_present=present):
                # A drop while the agent's identity was being checked resumes the check.
                self.phase = Phase.CHECKING if self._checking else Phase.SECURED
                self._events.append(ResumedSession())
                self.peer_present = present
                if present:
                    self._send_resume_sync()
                self._pairs_back()
                if self._reader is not None:  # casts while we were away are gone
                    self._reader.resync()
                    self._stream_gap()
            case PeerAway(grace_s=grace):
                self.peer_present = False
                if self.channel is not None:
                    self.channel.suspend()
                self._events.append(PeerWentAway(grace))
            case PeerBack():
                self.peer_present = True
                self._send_resume_sync()
                self._events.append(PeerCameBack())
            case PeerLeft(reason=reason):
                self._peer_left(reason)
            case Redirect(url=url):
                # Before our request is answered (join, sign-in, resume), or a draining
                # node moving a running session; never in the middle of pairing.
                if self.phase in (Phase.WAITING, Phase.PAIRING, Phase.IDLE):
                    raise ProtocolError()
                self.redirect_to = url
            case Congestion(level=level, queued_bytes=queued):
                self._events.append(Congested(level, queued))
            case Cast(payload=payload) if self.role is Role.AGENT and self._reader is not None:
                self._cast_received(payload)
            case Skipped(count=count) if self._reader is not None:
                self._reader.skipped(count)
                self._stream_gap()
            case Post(member=member, payload=payload) if self.channel is not None:
                self._post_received(member, payload)
            case Member():
                self._member(msg)
            case InviteStatus() if self.role is Role.AGENT:
                self._events.append(InviteUpdate(msg))
            case Error(code=code):
                if code is ErrorCode.RESUME_FAILED:
                    raise ResumeFailedError.for_side(customer=self.role is Role.CUSTOMER)
                raise RelayRefusedError(code)
            case _:
                raise ProtocolError()

    def _help_paired(self, msg: Paired) -> None:
        """A desk session's two sides are paired: the agent answers with its signed key
        and its confirmation at once; the customer waits for that answer."""
        self.peer_present = True
        self.phase = Phase.PAIRING
        hs = self._handshake
        if isinstance(hs, HelpGiver):
            self._events.append(PeerJoined(msg.agent_display_name, msg.agent_org))
            self._out.append(Data(hs.answer.serialize()).serialize())
            self._out.append(Data(Confirm(hs.confirmation()).serialize()).serialize())
        else:
            self._handshake = self._seeker
            self._events.append(PairingStarted())

    def _help_answered(self, answer: HelpAnswer) -> None:
        """Customer: check who answered against the pinned organisation before anything
        else; on a refusal say which to the relay and leave (nothing was captured)."""
        seeker = self._seeker
        if seeker is None or self.ticket is None or self._help_identity is not None:
            raise ProtocolError()
        try:
            self._help_identity = seeker.answered(self.ticket, answer, self.trust, self._clock())
        except IdentityError as err:
            self._send(Bye(EndReason.IDENTITY_REFUSED))
            self._fail(err)
            return
        self._out.append(Data(Confirm(seeker.confirmation()).serialize()).serialize())

    def _check_identity(self, msg: Message) -> None:
        """Customer: the first record must be the agent's Identity; check it against
        the pinned organisations before anyone is asked for consent."""
        claimed = self._peer_identity or PeerJoined("", "")
        hs = self._handshake
        assert hs is not None  # a channel exists only after a handshake
        try:
            if not isinstance(msg, Identity):
                raise IdentityError.because(f"{type(msg).__name__} before Identity")
            who = identity.check(
                self.trust,
                certificate=msg.certificate,
                revocations=msg.revocations,
                signature=msg.signature,
                transcript=hs.transcript,
                claimed_name=claimed.agent_display_name,
                claimed_org=claimed.agent_org,
                now=self._clock(),
            )
        except IdentityError as err:
            # Tell the agent which refusal it was, then leave: nothing was captured.
            self.send_app(SessionEnd(EndReason.IDENTITY_REFUSED, err.reason))
            self._send(Bye(EndReason.IDENTITY_REFUSED))
            self._fail(err)
            return
        self.phase = Phase.SECURED
        self._checking = False
        self._peer_identity = None
        self._events.append(PeerJoined(who.display_name, who.org, who))
        self._events.append(Secured())

    def _peer_left(self, reason: PeerLeftReason) -> None:
        intruder: AssistError = (
            RelayRefusedError(ErrorCode.CODE_BURNED)
            if self.role is Role.CUSTOMER
            else SessionEndedError(
                "Someone else tried to join with this code, so the session was closed to keep "
                "the customer safe. Start a new session and read out the new code."
            )
        )
        errors: dict[PeerLeftReason, AssistError] = {
            PeerLeftReason.PAIRING_FAILED: WrongCodeError(),
            PeerLeftReason.INTRUDER: intruder,
            PeerLeftReason.RELAY_SHUTDOWN: RelayRefusedError(ErrorCode.RELAY_SHUTDOWN),
            PeerLeftReason.LEFT: SessionEndedError("The other side left the session."),
            PeerLeftReason.TIMED_OUT: SessionEndedError(
                "The other side's connection dropped and did not come back."
            ),
            PeerLeftReason.REMOVED: SessionEndedError(
                "The customer removed you from the session. You no longer see their screen."
            ),
            PeerLeftReason.IDENTITY_REFUSED: IdentityRefusedError("WRONG_KEY"),
        }
        self._fail(errors[reason])

    def _send_resume_sync(self) -> None:
        if self.channel is not None:
            self._out.append(Data(self.channel.resume_sync().serialize()).serialize())

    def _receive_e2e(self, payload: bytes) -> None:
        msg = parse(payload, Layer.E2E)
        hs = self._handshake
        if hs is None:
            raise ProtocolError()
        match msg:
            case Pake() if isinstance(hs, Handshake):
                confirm: Confirm = hs.receive_pake(msg)
                self._out.append(Data(confirm.serialize()).serialize())
            case HelpAnswer() if self.role is Role.CUSTOMER and isinstance(hs, HelpSeeker):
                self._help_answered(msg)
            case Confirm() if self.channel is None and not isinstance(hs, Handshake):
                # A desk session: the answer was checked (customer) or sent (agent) already.
                self.channel = hs.receive_confirm(msg)
                self._send(hs.established())
                self.phase = Phase.SECURED
                who = self._help_identity
                if who is not None:
                    self._events.append(PeerJoined(who.display_name, who.org, who))
                self._events.append(Secured())
            case Confirm() if isinstance(hs, Handshake):
                self.channel = hs.receive_confirm(msg)
                self._send(hs.established())
                if self.role is Role.AGENT:
                    assert self._key is not None  # agents always have one (see __init__)
                    self.phase = Phase.SECURED
                    signature = identity.sign_session(self._key, hs.transcript)
                    self.send_app(Identity(self._certificate, self._revocations, signature))
                    self._events.append(Secured())
                else:  # who is asking, and the prompt, wait for the agent's Identity
                    self.phase = Phase.CHECKING
            case Sealed() if self.channel is not None:
                app = self.channel.open(msg)
                if app is None:
                    pass
                elif self.phase is Phase.CHECKING:
                    self._check_identity(app)
                elif (
                    self.role is Role.AGENT
                    and isinstance(app, SessionEnd)
                    and app.reason is EndReason.IDENTITY_REFUSED
                ):
                    self._fail(IdentityRefusedError(app.detail))
                else:
                    self._from_channel(app)
                ack = self.channel.pending_ack()
                if ack is not None:
                    self._out.append(Data(ack).serialize())
            case ResumeSync() if self.channel is not None:
                for record in self.channel.receive_resume_sync(msg):
                    self._out.append(Data(record).serialize())
            case _:
                raise ProtocolError()

    # ------------------------------------------------------------ rooms (protocol 4)
    # The customer is the hub: the lead's code channel and a pairwise channel per
    # seat carry everything directional; the screen goes once, as a Cast, under the
    # epoch key (common/room.py). The relay routes and never holds a key.

    def start_room(self, lead: identity.CheckedIdentity, max_members: int = 16) -> bool:
        """Customer, on consent: open the room and give the lead the first epoch key.
        From now on the screen goes out with :meth:`cast`."""
        hs = self._handshake
        if self.role is not Role.CUSTOMER or self.channel is None or hs is None:
            return False
        if self.room is None:
            assert self.nameplate is not None  # a secured session has one
            self.room = room.CustomerRoom(
                hs.transcript[:16],
                nameplate=self.nameplate,
                lead=lead,
                max_members=max_members,
            )
            self.send_app(self.room.start())
        return True

    def cast(self, msg: Message) -> bool:
        """Customer: seal ``msg`` once under the epoch key for everyone allowed in.
        While our connection is down it is dropped (members resync on a keyframe)."""
        if self.room is None or self.ended:
            return False
        if self.phase is Phase.RESUMING:
            return True  # our connection is down: the streamer restarts with a keyframe
        # (The lead being away does not stop the stream: helpers go on watching.)
        self._out.append(Cast(self.room.seal_cast(msg)).serialize())
        return True

    def send_to(self, member: int, msg: Message) -> bool:
        """Customer: to one member only (the lead on the code channel, a seat on its own)."""
        if member == LEAD_MEMBER or self.role is not Role.CUSTOMER:
            return self.send_app(msg)
        pair = self._pair.get(member)
        if pair is None or self.ended:
            return False
        try:
            payload = pair.seal(msg)
        except ChannelError:
            return False
        if payload is not None:
            self._out.append(Post(member, payload).serialize())
        return True

    def send_all(self, msg: Message) -> None:
        """Customer: to every member, each on its own channel (chat, roster, pause)."""
        if self.room is None or LEAD_MEMBER in self.room.members:
            self.send_app(msg)
        for member in list(self._pair):
            self.send_to(member, msg)

    def allow(self, member: int) -> bool:
        """Customer said yes to a newcomer: a new epoch for all, their welcome, the roster."""
        rm = self.room
        pending = rm.pending.get(member) if rm is not None else None
        if rm is None or pending is None:
            return False
        admission = rm.admit(pending)
        self._pair[member] = admission.channel
        self._send(Admit(member, True))
        for to, key in admission.epoch_keys:
            self.send_to(to, key)
        self.send_app(admission.answer)  # the lead countersigns and passes the welcome
        if pending.role is MemberRole.LEAD:  # a hand-over: they lead from now on
            rm.lead = member
            self._send(Lead(member))
        self.send_all(Roster(rm.roster()))
        return True

    def refuse(self, member: int) -> None:
        """Customer said no (or closed the prompt): they never get a key; the relay
        closes their connection, and the lead hears it."""
        if self.room is None:
            return
        self.send_app(self.room.decline(member))
        self._send(Admit(member, False))

    def remove(self, member: int) -> None:
        """Customer takes someone out: the next epoch without them, at once."""
        rm = self.room
        if rm is None or member not in rm.members:
            return
        self._send(Admit(member, False))
        self._pair.pop(member, None)
        keys = rm.remove(member)
        for to, key in keys:
            self.send_to(to, key)
        self.send_all(Roster(rm.roster()))

    def set_can_draw(self, member: int, allowed: bool) -> None:
        """Customer: the lead let a member (a supervisor) draw, or stopped them; everyone
        gets the new roster."""
        rm = self.room
        if rm is None or member not in rm.members:
            return
        rm.members[member].can_draw = allowed
        self.send_all(Roster(rm.roster()))

    def invite(self, agent: str, kind: InviteKind, reason: str, note: str = "") -> None:
        """Lead: ask a colleague in (``HELP``) or to take over (``HANDOVER``). ``note`` is
        passed to them inside the channels once the customer allows them in."""
        if self.role is Role.AGENT and self.channel is not None and not self.ended:
            self._notes[agent] = (reason[:500], note[:4000])
            self._send(Invite(agent, kind, reason[:500]))

    def _from_channel(self, app: Message) -> None:
        """A message on the code's channel: room business, or one for the app."""
        sender = LEAD_MEMBER if self.role is Role.CUSTOMER else CUSTOMER_MEMBER
        match app:
            case EpochKey() if self.role is Role.AGENT:
                self._epoch_key(app)
            case Vouch() if self.role is Role.CUSTOMER:
                self._vouched(app)
            case Answer() if self.role is Role.AGENT:
                self._answered(app)
            case _:
                if self.role is Role.AGENT and isinstance(app, Frame):
                    self.gate.private(app)
                self._events.append(Received(app, sender))

    def _epoch_key(self, msg: EpochKey) -> None:
        """Lead: the first epoch (the customer said yes) or the next one."""
        if self._reader is None:
            self._reader = room.CastReader(self._room_id(), msg.epoch, msg.key, msg.first_seq)
        else:
            self._reader.add_key(msg)

    def _room_id(self) -> bytes:
        assert self._handshake is not None  # only after key confirmation
        return self._handshake.transcript[:16]

    def _cast_received(self, payload: bytes) -> None:
        assert self._reader is not None  # the caller checked
        msg = self._reader.open(payload)
        if self.gate.cast(msg):
            self._events.append(Received(msg, CUSTOMER_MEMBER))

    def _stream_gap(self) -> None:
        """Lead: part of the stream is lost; ask the customer for a whole picture."""
        if self.gate.gap():
            self.send_app(Refresh())

    def _member(self, msg: Member) -> None:
        event = MemberChanged.of(msg)
        if msg.present:
            self.seats[msg.member] = event
        else:
            self.seats.pop(msg.member, None)
            self._offers.pop(msg.member, None)
            if self.room is not None:
                self.room.pending.pop(msg.member, None)
                self.remove(msg.member)  # gone: the next epoch without them
        self._events.append(event)

    def _vouched(self, vouch: Vouch) -> None:
        """Customer: the lead vouches for a newcomer; check their card as the lead's."""
        rm = self.room
        if rm is None:
            self.send_app(Answer(vouch.member, False, b""))
            return
        # The seat must be one the relay announced a connection in (0: none).
        seated = vouch.member if vouch.member in self.seats else 0
        try:
            candidate = rm.consider(vouch, trust=self.trust, now=self._clock(), relay_member=seated)
        except (IdentityError, RoomError) as err:
            self.send_app(rm.decline(vouch.member))
            self._send(Admit(vouch.member, False))
            self._events.append(NewcomerRefused(vouch.member, err))
            return
        self._events.append(NewcomerAsks(candidate))

    def _answered(self, answer: Answer) -> None:
        """Lead: the customer's answer; on yes, countersign the welcome and pass it on."""
        offer = self._offers.pop(answer.member, None)
        if not answer.allowed or offer is None or not answer.welcome:
            return
        assert self._key is not None  # agents always have one
        box = answer.welcome
        greeting = Greeting(box, room.countersign(self._key, offer, box))
        self._out.append(Post(answer.member, greeting.serialize()).serialize())

    def _post_received(self, member: int, payload: bytes) -> None:
        """A Post: a newcomer's offer (lead), or a seat's sealed record (customer)."""
        msg = parse(payload, Layer.E2E)
        if self.role is Role.AGENT:
            if isinstance(msg, Offer):
                self._offer(member, msg.body)
            return  # anything else for the lead from a seat is not ours to read
        pair = self._pair.get(member)
        if pair is None:
            return  # not allowed in (or removed a moment ago): nothing to open
        match msg:
            case Sealed():
                app = pair.open(msg)
                if app is not None:
                    self._events.append(Received(app, member))
                ack = pair.pending_ack()
                if ack is not None:
                    self._out.append(Post(member, ack).serialize())
            case ResumeSync():
                for record in pair.receive_resume_sync(msg):
                    self._out.append(Post(member, record).serialize())
            case _:
                raise ProtocolError()

    def _offer(self, member: int, raw: bytes) -> None:
        """Lead: a newcomer's offer. Check it is a colleague's, for this seat, then vouch
        for it inside the code's channel (the customer checks it again)."""
        seat = self.seats.get(member)
        assert self.nameplate is not None
        try:
            checked = room.check_offer(
                raw,
                nameplate=self.nameplate,
                member=member,
                lead_certificate=self._certificate,
                now=self._clock(),
            )
        except (RoomError, IdentityError) as err:  # an unreadable own card counts as "other"
            name = seat.display_name if seat is not None else "A colleague"
            reason = err.reason if isinstance(err, RoomError) else "OTHER_ORG"
            self._events.append(NewcomerRefused(member, RoomError(reason, name=name)))
            return
        self._offers[member] = raw
        reason, note = self._notes.pop(checked.body.agent, ("", ""))
        if checked.body.role is MemberRole.SUPERVISOR and not reason:
            reason = "A supervisor asks to watch, to coach the agent."
        self.send_app(Vouch(member, raw, reason, note))

    def _pairs_back(self) -> None:
        """Customer, back after a drop: resync every seat's channel (as the code's)."""
        for member, pair in self._pair.items():
            self._out.append(Post(member, pair.resume_sync().serialize()).serialize())
