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
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import identity
from common.channel import Handshake, SecureChannel
from common.codes import SessionCode, make_code
from common.errors import (
    AssistError,
    ChannelError,
    ConnectionLostError,
    ErrorCode,
    IdentityError,
    IdentityRefusedError,
    ProtocolError,
    RelayRefusedError,
    ResumeFailedError,
    SessionEndedError,
    WrongCodeError,
)
from common.messages import (
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Bye,
    Confirm,
    Congestion,
    Create,
    Created,
    Data,
    EndReason,
    Error,
    Hello,
    Identity,
    Join,
    Layer,
    Message,
    Paired,
    PairingFailed,
    Pake,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Redirect,
    Resume,
    Resumed,
    ResumeSync,
    Role,
    Sealed,
    SessionEnd,
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
class Secured(Event):
    """Key confirmation passed: application messages may flow."""


@dataclasses.dataclass(frozen=True)
class Received(Event):
    message: Message


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
    ) -> None:
        self.role = role
        self._token = token
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
        self._handshake: Handshake | None = None
        self.channel: SecureChannel | None = None
        self.peer_present = False
        self._peer_identity: PeerJoined | None = None
        #: A relay node asked us to go to this address (the driver checks and follows it).
        self.redirect_to: str | None = None

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

    # ------------------------------------------------------------ outputs

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
        return self.channel is not None and not self.ended

    # ------------------------------------------------------------ inputs

    def connected(self) -> None:
        """A websocket to the relay is open: say hello, then pick up where we are."""
        if self.ended:
            return
        self._send(Hello(PROTOCOL_VERSION, self.role, self._client))
        if self.channel is not None and self.code is not None and self._handshake is not None:
            self.phase = Phase.RESUMING
            self._send(Resume(self.code.nameplate, self.role, self._handshake.resume_token()))
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
            self._checking = self._checking or self.phase is Phase.CHECKING
            self.phase = Phase.RESUMING
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

    def abandon(self) -> None:
        """The driver gave up (an address or certificate problem, a bug): nothing more
        goes in or out. The driver reports why; no event is added here."""
        self.phase = Phase.ENDED
        self._out.clear()

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
                self._events.append(SignedIn(name, display, org, msg.certificate))
                self._send(Create())
            case Created(nameplate=nameplate, expires_s=expires):
                self.code = make_code(nameplate)
                self.phase = Phase.WAITING
                self._events.append(CodeReady(self.code, expires))
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
            case Error(code=code):
                if code is ErrorCode.RESUME_FAILED:
                    raise ResumeFailedError.for_side(customer=self.role is Role.CUSTOMER)
                raise RelayRefusedError(code)
            case _:
                raise ProtocolError()

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
            case Pake():
                confirm: Confirm = hs.receive_pake(msg)
                self._out.append(Data(confirm.serialize()).serialize())
            case Confirm():
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
                    self._events.append(Received(app))
                ack = self.channel.pending_ack()
                if ack is not None:
                    self._out.append(Data(ack).serialize())
            case ResumeSync() if self.channel is not None:
                for record in self.channel.receive_resume_sync(msg):
                    self._out.append(Data(record).serialize())
            case _:
                raise ProtocolError()
