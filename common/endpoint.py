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

from common.channel import Handshake, SecureChannel
from common.codes import SessionCode, make_code
from common.errors import (
    AssistError,
    ChannelError,
    ConnectionLostError,
    ErrorCode,
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
    Resume,
    Resumed,
    ResumeSync,
    Role,
    Sealed,
    Welcome,
    parse,
)

# ---------------------------------------------------------------- events


class Event:
    """Something the app should know about. Past tense: it already happened."""


@dataclasses.dataclass(frozen=True)
class SignedIn(Event):
    name: str
    display_name: str
    org: str


@dataclasses.dataclass(frozen=True)
class CodeReady(Event):
    """Agent: the whole code to read out, and how long until it expires."""

    code: SessionCode
    expires_s: int


@dataclasses.dataclass(frozen=True)
class PeerJoined(Event):
    """Both sides are at the relay. The agent hears it at once; the customer learns who
    is asking only after key confirmation, just before :class:`Secured`."""

    agent_display_name: str
    agent_org: str


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
    ) -> None:
        self.role = role
        self._token = token
        self.code = code
        self._client = client
        self.phase = Phase.IDLE
        self._out: list[bytes] = []
        self._events: list[Event] = []
        self._handshake: Handshake | None = None
        self.channel: SecureChannel | None = None
        self.peer_present = False
        self._peer_identity: PeerJoined | None = None

    @classmethod
    def agent(cls, token: str, *, client: str = "assist-agent") -> Endpoint:
        return cls(Role.AGENT, token=token, client=client)

    @classmethod
    def customer(cls, code: SessionCode, *, client: str = "assist-client") -> Endpoint:
        return cls(Role.CUSTOMER, code=code, client=client)

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
            self._send(Auth(self._token or ""))
        else:
            self.phase = Phase.HELLO
            assert self.code is not None  # customers are built with a code
            self._send(Join(self.code.nameplate))

    def connection_lost(self) -> None:
        """The websocket closed. Resumable once secured; fatal before."""
        if self.ended:
            return
        if self.channel is not None:
            self.channel.suspend()
            self.phase = Phase.RESUMING
            self._events.append(Reconnecting())
        else:
            self._fail(ConnectionLostError())

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
                self._events.append(SignedIn(name, display, org))
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
                self.phase = Phase.SECURED
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
            case Congestion(level=level, queued_bytes=queued):
                self._events.append(Congested(level, queued))
            case Error(code=code):
                if code is ErrorCode.RESUME_FAILED:
                    raise ResumeFailedError.for_side(customer=self.role is Role.CUSTOMER)
                raise RelayRefusedError(code)
            case _:
                raise ProtocolError()

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
                self.phase = Phase.SECURED
                self._send(hs.established())
                if self._peer_identity is not None:
                    self._events.append(self._peer_identity)
                    self._peer_identity = None
                self._events.append(Secured())
            case Sealed() if self.channel is not None:
                app = self.channel.open(msg)
                if app is not None:
                    self._events.append(Received(app))
                ack = self.channel.pending_ack()
                if ack is not None:
                    self._out.append(Data(ack).serialize())
            case ResumeSync() if self.channel is not None:
                for record in self.channel.receive_resume_sync(msg):
                    self._out.append(Data(record).serialize())
            case _:
                raise ProtocolError()
