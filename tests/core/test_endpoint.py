"""The endpoint state machine, driven through a minimal in-memory relay."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.codes import SessionCode, parse_code
from common.endpoint import (
    CodeReady,
    Endpoint,
    Event,
    Failed,
    PairingStarted,
    PeerCameBack,
    PeerJoined,
    PeerWentAway,
    Phase,
    Received,
    Reconnecting,
    ResumedSession,
    Secured,
    SignedIn,
)
from common.errors import (
    ErrorCode,
    IdentityError,
    IdentityRefusedError,
    RelayRefusedError,
    SessionEndedError,
    WrongCodeError,
)
from common.identity import CheckedIdentity, Pin, Trust
from common.messages import (
    Auth,
    AuthOk,
    Bye,
    Chat,
    Create,
    Created,
    Data,
    EndReason,
    Error,
    Established,
    Hello,
    Join,
    Layer,
    Paired,
    PairingFailed,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Resume,
    Resumed,
    Role,
    Welcome,
    parse,
)
from tests.core.test_identity import NOW, Org


class MiniRelay:
    """Just enough relay to pair two endpoints and forward Data; drops Data for absent sides."""

    def __init__(self, certificate: bytes = b"", revocations: bytes = b"") -> None:
        self.credentials = (certificate, revocations)
        self.sides: dict[Role, Endpoint] = {}
        self.present: set[Role] = set()
        self.established: list[Established] = []
        self.burned = False
        self.seen: list[bytes] = []

    def connect(self, ep: Endpoint) -> None:
        self.sides[ep.role] = ep
        self.present.add(ep.role)
        ep.connected()
        self.pump()

    def drop(self, role: Role) -> None:
        self.present.discard(role)
        self.sides[role].connection_lost()
        other = Role.CUSTOMER if role is Role.AGENT else Role.AGENT
        if other in self.present:
            self.sides[other].receive(PeerAway(30).serialize())
        self.pump()

    def pump(self) -> None:
        moved = True
        while moved:
            moved = False
            for role, ep in list(self.sides.items()):
                for wire in ep.data_to_send():
                    moved = True
                    if role in self.present:
                        self.handle(role, wire)

    def handle(self, role: Role, wire: bytes) -> None:
        self.seen.append(wire)
        msg = parse(wire, Layer.RELAY)
        ep = self.sides[role]
        other = Role.CUSTOMER if role is Role.AGENT else Role.AGENT
        match msg:
            case Hello():
                ep.receive(Welcome(1, "mini").serialize())
            case Auth(token=token):
                if token == "good":
                    ok = AuthOk("kim", "Kim Minji", "Acme Support", *self.credentials)
                    ep.receive(ok.serialize())
                else:
                    ep.receive(Error(ErrorCode.BAD_TOKEN, "bad").serialize())
            case Create():
                ep.receive(Created("482", 600).serialize())
            case Join():
                if self.burned:
                    ep.receive(Error(ErrorCode.NAMEPLATE_UNKNOWN, "no").serialize())
                    return
                for side in self.sides.values():
                    side.receive(Paired("Kim Minji", "Acme Support").serialize())
            case Data():
                if other in self.present:
                    self.sides[other].receive(wire)
            case Established():
                self.established.append(msg)
            case PairingFailed():
                self.burned = True
                if other in self.present:
                    self.sides[other].receive(PeerLeft(PeerLeftReason.PAIRING_FAILED).serialize())
            case Resume():
                ep.receive(Resumed(other in self.present).serialize())
                if other in self.present:
                    self.sides[other].receive(PeerBack().serialize())
            case Bye():
                if other in self.present:
                    self.sides[other].receive(PeerLeft(PeerLeftReason.LEFT).serialize())


def kinds(events: list[Event]) -> list[type]:
    return [type(e) for e in events]


def start(customer_code: SessionCode | None = None) -> tuple[MiniRelay, Endpoint, Endpoint]:
    relay = MiniRelay()
    agent = Endpoint.agent("good")
    relay.connect(agent)
    events = agent.events()
    assert kinds(events) == [SignedIn, CodeReady]
    code = events[1].code  # type: ignore[attr-defined]
    customer = Endpoint.customer(customer_code or parse_code(code.display()))
    relay.connect(customer)
    return relay, agent, customer


def test_agent_signs_in_creates_and_both_sides_secure() -> None:
    relay, agent, customer = start()
    assert kinds(agent.events()) == [PeerJoined, Secured]
    events = customer.events()
    # The customer hears who is asking only once the key is confirmed.
    assert kinds(events) == [PairingStarted, PeerJoined, Secured]
    assert events[1] == PeerJoined(
        "Kim Minji", "Acme Support", CheckedIdentity(False, "Kim Minji", "Acme Support")
    )
    assert len(relay.established) == 2 and relay.established[0] == relay.established[1]


def test_application_messages_flow_and_the_relay_sees_only_ciphertext() -> None:
    relay, agent, customer = start()
    agent.events(), customer.events()
    agent.send_app(Chat(1, "SECRET-MARKER", 0))
    relay.pump()
    assert customer.events() == [Received(Chat(1, "SECRET-MARKER", 0), 1)]
    assert not any(b"SECRET-MARKER" in wire for wire in relay.seen)


def test_wrong_code_fails_both_sides_and_burns_the_nameplate() -> None:
    relay, agent, customer = start(SessionCode("482", "000000"))
    for ep in (agent, customer):
        failed = [e for e in ep.events() if isinstance(e, Failed)]
        assert len(failed) == 1 and isinstance(failed[0].error, WrongCodeError)
    assert relay.burned


def test_bad_token_is_a_relay_refusal_naming_the_token() -> None:
    relay = MiniRelay()
    agent = Endpoint.agent("bad")
    relay.connect(agent)
    (event,) = agent.events()
    assert isinstance(event, Failed) and isinstance(event.error, RelayRefusedError)
    assert "token" in str(event.error)


def test_resume_after_a_drop_loses_nothing() -> None:
    relay, agent, customer = start()
    agent.events(), customer.events()
    relay.drop(Role.CUSTOMER)
    assert kinds(customer.events()) == [Reconnecting]
    assert kinds(agent.events()) == [PeerWentAway]
    for i in range(3):  # sent while the customer is away: dropped by the relay
        agent.send_app(Chat(i, f"while away {i}", 0))
    relay.pump()
    relay.connect(customer)
    assert kinds(customer.events()) == [ResumedSession] + [Received] * 3
    assert kinds(agent.events()) == [PeerCameBack]
    customer.send_app(Chat(9, "back", 0))
    relay.pump()
    assert agent.events() == [Received(Chat(9, "back", 0), 0)]


def test_peer_leaving_ends_with_a_sentence() -> None:
    relay, agent, customer = start()
    agent.events(), customer.events()
    agent.bye(EndReason.AGENT_ENDED)
    relay.pump()
    (event,) = customer.events()
    assert isinstance(event, Failed) and isinstance(event.error, SessionEndedError)
    assert str(event.error) == "The other side left the session."


def test_garbage_from_the_relay_is_a_failure_not_a_crash() -> None:
    relay, agent, customer = start()
    customer.events()
    customer.receive(b"\xff\x00garbage")
    (event,) = customer.events()
    assert isinstance(event, Failed)
    customer.receive(b"more after the end")  # ignored, no exception
    assert customer.events() == []


def test_drop_before_pairing_is_fatal_with_a_sentence() -> None:
    customer = Endpoint.customer(SessionCode("482", "123456"))
    customer.connected()
    customer.connection_lost()
    (event,) = customer.events()
    assert isinstance(event, Failed) and "connection to the relay was lost" in str(event.error)


# ---------------------------------------------------------------- verified identity


def identity_session(
    *, pins: str = "this org", card_for: str = "agent", revoke: bool = False
) -> tuple[MiniRelay, Endpoint, Endpoint, Org]:
    """An organisation, a card from the relay, and a paired session; the customer pins
    this organisation, nothing, or another key under the same name."""
    org = Org()
    agent_key, other_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    card = org.card(agent_key if card_for == "agent" else other_key, serial=42)
    relay = MiniRelay(card, org.crl(42) if revoke else org.crl())
    agent = Endpoint.agent("good", key=agent_key)
    relay.connect(agent)
    events = agent.events()
    assert isinstance(events[0], SignedIn) and events[0].certificate == card
    trust = {
        "this org": Trust((org.pin,)),
        "nothing": Trust(),
        "another key": Trust((Pin("Acme Support", Org().fp),)),
    }[pins]
    customer = Endpoint.customer(
        parse_code(events[1].code.display()),  # type: ignore[attr-defined]
        trust=trust,
        clock=lambda: NOW,
    )
    relay.connect(customer)
    return relay, agent, customer, org


def test_the_customer_sees_a_verified_agent_only_after_checking_the_card() -> None:
    relay, agent, customer, org = identity_session()
    events = customer.events()
    assert kinds(events) == [PairingStarted, PeerJoined, Secured]
    who = events[1].identity  # type: ignore[attr-defined]
    assert who.verified and who.display_name == "Kim Minji 김민지" and who.fingerprint == org.fp
    assert events[1] == PeerJoined("Kim Minji 김민지", "Acme Support", who)
    # The card went to the agent in AuthOk, then to the customer only inside the channel.
    name = "Kim Minji 김민지".encode()
    assert sum(name in wire for wire in relay.seen) == 0


def test_an_unpinned_organisation_gives_an_unverified_prompt() -> None:
    _, _, customer, org = identity_session(pins="nothing")
    events = customer.events()
    assert kinds(events) == [PairingStarted, PeerJoined, Secured]
    who = events[1].identity  # type: ignore[attr-defined]
    assert not who.verified and who.fingerprint == org.fp


@pytest.mark.parametrize(
    "setup,reason",
    [
        ({"card_for": "someone else"}, "NOT_THIS_SESSION"),
        ({"revoke": True}, "REVOKED"),
        ({"pins": "another key"}, "WRONG_KEY"),
    ],
)
def test_a_refused_card_ends_the_session_before_consent_and_the_agent_is_told(
    setup: dict[str, Any], reason: str
) -> None:
    _, agent, customer, _ = identity_session(**setup)
    events = customer.events()
    assert kinds(events) == [PairingStarted, Failed]  # no PeerJoined, no Secured: no prompt
    err = events[1].error  # type: ignore[attr-defined]
    assert isinstance(err, IdentityError) and err.reason == reason
    agent_events = agent.events()
    assert kinds(agent_events) == [PeerJoined, Secured, Failed]
    told = agent_events[-1].error  # type: ignore[attr-defined]
    assert isinstance(told, IdentityRefusedError) and told.reason == reason


def test_a_drop_during_the_check_resumes_the_check_not_the_session_itself() -> None:
    org = Org()
    agent_key = Ed25519PrivateKey.generate()
    relay = MiniRelay(org.card(agent_key), org.crl())
    agent = Endpoint.agent("good", key=agent_key)
    relay.connect(agent)
    code = agent.events()[1].code  # type: ignore[attr-defined]
    customer = Endpoint.customer(
        parse_code(code.display()), trust=Trust((org.pin,)), clock=lambda: NOW
    )
    relay.sides[Role.CUSTOMER] = customer
    relay.present.add(Role.CUSTOMER)
    customer.connected()
    # Deliver everything but hold back the agent's records: the customer is checking.
    held: list[bytes] = []
    real = customer.receive

    def hold(wire: bytes) -> None:
        if parse(wire, Layer.RELAY).__class__ is Data and customer.channel is not None:
            held.append(wire)
        else:
            real(wire)

    customer.receive = hold  # type: ignore[method-assign]
    relay.pump()
    assert customer.phase is Phase.CHECKING and held
    customer.receive = real  # type: ignore[method-assign]
    relay.drop(Role.CUSTOMER)
    relay.present.add(Role.CUSTOMER)
    customer.connected()
    relay.pump()
    # The agent re-sent its unacknowledged card after the resume; only then is it Secured.
    after = kinds(customer.events())
    assert after[-4:] == [Reconnecting, ResumedSession, PeerJoined, Secured]
    assert customer.phase is Phase.SECURED
