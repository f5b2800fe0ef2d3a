"""Keys for help asked from the app (common/help.py): a verified agent of the pinned
organisation, or nothing. Attack tests play the relay: it swaps keys, replays an old
answer, brings its own agent or one of another organisation."""

from __future__ import annotations

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from common import identity as idn
from common.errors import IdentityError, TamperedError, WrongCodeError
from common.help import HelpAnswer, HelpAsk, HelpGiver, HelpSeeker
from common.messages import Chat, Role
from tests.core.test_identity import NOW, Org

TICKET = "q-internet-8f3a"


def giver(org: Org, agent: Ed25519PrivateKey, ask: HelpAsk, **kw: object) -> HelpGiver:
    args: dict[str, object] = {
        "ticket": TICKET,
        "ask": ask,
        "org_fingerprint": org.fp,
        "agent_key": agent,
        "certificate": org.card(agent),
        "revocations": org.crl(),
    }
    return HelpGiver(**{**args, **kw})  # type: ignore[arg-type]


def test_the_customer_and_the_verified_agent_share_one_channel() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    seeker = HelpSeeker(org.fp)
    helper = giver(org, agent, seeker.ask())
    who = seeker.answered(TICKET, helper.answer, idn.Trust((org.pin,)), NOW)
    assert who.verified and who.display_name == "Kim Minji 김민지" and who.fingerprint == org.fp
    customer = seeker.confirmed(helper.confirmation())
    agent_side = helper.confirmed(seeker.confirmation())
    hello = Chat(1, "안녕하세요, 김민지입니다", 0)
    assert customer.open_payload(agent_side.seal(hello)) == hello  # type: ignore[arg-type]
    assert seeker.transcript == helper.transcript
    assert seeker.resume_token(Role.AGENT) == helper.resume_token()
    assert seeker.resume_token() != helper.resume_token()


def test_a_relay_agent_without_the_pinned_organisations_card_gets_nothing() -> None:
    org, mallory = Org(), Org("Acme Support")  # same name, the relay's own key
    seeker = HelpSeeker(org.fp)
    forged = giver(mallory, Ed25519PrivateKey.generate(), seeker.ask(), org_fingerprint=org.fp)
    with pytest.raises(IdentityError) as err:
        seeker.answered(TICKET, forged.answer, idn.Trust((org.pin,)), NOW)
    assert err.value.reason == "WRONG_KEY"  # type: ignore[attr-defined]


def test_an_agent_of_another_pinned_organisation_cannot_take_this_ticket() -> None:
    bank, isp = Org("Bank"), Org("ISP")
    seeker = HelpSeeker(bank.fp)
    # The ISP's genuine agent answers (as the relay routed it) under its own fingerprint...
    other = giver(isp, Ed25519PrivateKey.generate(), seeker.ask(), org_fingerprint=isp.fp)
    with pytest.raises(IdentityError):
        seeker.answered(TICKET, other.answer, idn.Trust((bank.pin, isp.pin)), NOW)
    # ... or claiming the bank's: the signature no longer covers what the customer checks.
    claimed = giver(isp, Ed25519PrivateKey.generate(), seeker.ask(), org_fingerprint=bank.fp)
    with pytest.raises(IdentityError):
        seeker.answered(TICKET, claimed.answer, idn.Trust((bank.pin, isp.pin)), NOW)


def test_an_old_answer_replayed_to_a_new_request_is_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    first = HelpSeeker(org.fp)
    old = giver(org, agent, first.ask()).answer
    again = HelpSeeker(org.fp)  # the same customer asks again later
    with pytest.raises(IdentityError):
        again.answered(TICKET, old, idn.Trust((org.pin,)), NOW)
    other_ticket = HelpSeeker(org.fp)
    answer = giver(org, agent, other_ticket.ask()).answer
    with pytest.raises(IdentityError):
        other_ticket.answered("q-internet-other", answer, idn.Trust((org.pin,)), NOW)


def test_a_relay_that_swaps_the_agents_key_breaks_the_signature() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    seeker = HelpSeeker(org.fp)
    answer = giver(org, agent, seeker.ask()).answer
    relay_key = HelpSeeker(org.fp).ask().public_key  # any key the relay knows the secret of
    with pytest.raises(IdentityError):
        seeker.answered(
            TICKET,
            msgspec.structs.replace(answer, public_key=relay_key),
            idn.Trust((org.pin,)),
            NOW,
        )


def test_a_relay_that_swaps_the_customers_key_cuts_the_customer_off() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    seeker = HelpSeeker(org.fp)
    relay = HelpSeeker(org.fp)  # the relay poses as the customer to the agent
    swapped = HelpAsk(relay.ask().public_key, seeker.ask().nonce)
    helper = giver(org, agent, swapped)
    with pytest.raises(IdentityError):  # the signature covers the relay's key, not ours
        seeker.answered(TICKET, helper.answer, idn.Trust((org.pin,)), NOW)


def test_a_revoked_or_expired_card_is_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    seeker = HelpSeeker(org.fp)
    revoked = giver(org, agent, seeker.ask(), revocations=org.crl(7))
    with pytest.raises(IdentityError):
        seeker.answered(TICKET, revoked.answer, idn.Trust((org.pin,)), NOW)
    fresh = HelpSeeker(org.fp)
    helper = giver(org, agent, fresh.ask())
    with pytest.raises(IdentityError):
        fresh.answered(TICKET, helper.answer, idn.Trust((org.pin,)), NOW + 400 * 86400)


def test_a_wrong_confirmation_is_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    seeker = HelpSeeker(org.fp)
    helper = giver(org, agent, seeker.ask())
    seeker.answered(TICKET, helper.answer, idn.Trust((org.pin,)), NOW)
    with pytest.raises(WrongCodeError):
        seeker.confirmed(bytes(32))
    with pytest.raises(WrongCodeError):
        helper.confirmed(helper.confirmation())  # its own mac reflected back


@settings(max_examples=200, deadline=None)
@given(
    public_key=st.binary(max_size=40),
    certificate=st.binary(max_size=300),
    revocations=st.binary(max_size=100),
    signature=st.binary(max_size=80),
    ticket=st.text(max_size=70),
)
def test_any_answer_from_the_relay_is_checked_or_refused_with_one_error_type(
    public_key: bytes, certificate: bytes, revocations: bytes, signature: bytes, ticket: str
) -> None:
    org = Org()
    seeker = HelpSeeker(org.fp)
    answer = HelpAnswer(public_key, certificate, revocations, signature)
    with pytest.raises((IdentityError, TamperedError)):
        seeker.answered(ticket, answer, idn.Trust((org.pin,)), NOW)


def test_a_small_order_key_from_the_relay_is_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    zero = HelpAsk(bytes(32), bytes(16))  # the all-zero point: no secret at all
    with pytest.raises(TamperedError):
        giver(org, agent, zero)
