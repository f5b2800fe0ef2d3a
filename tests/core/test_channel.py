"""The secure channel: pairing, key confirmation, sealing, and every way to break it."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from common import crypto
from common.channel import Handshake, SecureChannel
from common.codes import SessionCode
from common.errors import (
    ChannelError,
    ChannelExhaustedError,
    ProtocolError,
    ResumeFailedError,
    TamperedError,
    WrongCodeError,
)
from common.messages import Chat, Codec, Frame, Layer, Pake, Role, Sealed, Tile, parse
from tests.helpers.pairing import counter_entropy, pair

CODE = SessionCode("482", "519307")


def chat(text: str, n: int = 1) -> Chat:
    return Chat(n, text, 1_700_000_000_000)


def test_right_code_gives_matching_keys_and_messages_flow_both_ways() -> None:
    agent, customer, a, c = pair(CODE)
    assert agent.established() == customer.established()
    assert agent.resume_token() != customer.resume_token()
    for i in range(5):
        assert c.open_payload(a.seal(chat(f"agent {i}", i))) == chat(f"agent {i}", i)
        assert a.open_payload(c.seal(chat(f"고객 {i}", i))) == chat(f"고객 {i}", i)


def test_sealed_bytes_do_not_contain_the_plaintext() -> None:
    _, _, a, _ = pair(CODE)
    payload = a.seal(chat("MARKER-7f3a"))
    assert payload is not None and b"MARKER-7f3a" not in payload


def _wrong_code_errors(agent_code: SessionCode, customer_code: SessionCode) -> list[Exception]:
    agent = Handshake(Role.AGENT, agent_code)
    customer = Handshake(Role.CUSTOMER, customer_code)
    pake_a, pake_c = agent.start(), customer.start()
    confirm_a, confirm_c = agent.receive_pake(pake_c), customer.receive_pake(pake_a)
    errors: list[Exception] = []
    for side, confirm in ((agent, confirm_c), (customer, confirm_a)):
        try:
            side.receive_confirm(confirm)
        except Exception as exc:  # noqa: BLE001 - collected and checked below
            errors.append(exc)
    return errors


def test_wrong_code_fails_on_both_sides_with_the_people_facing_error() -> None:
    errors = _wrong_code_errors(CODE, SessionCode("482", "519308"))
    assert len(errors) == 2
    for err in errors:
        assert isinstance(err, WrongCodeError)
        assert str(err).startswith("The code did not match.")
        assert "new code" in str(err)


def test_codes_for_another_nameplate_do_not_pair() -> None:
    """The nameplate is bound into the PAKE: same secret, other nameplate, no keys."""
    assert len(_wrong_code_errors(CODE, SessionCode("483", "519307"))) == 2


def test_relay_substituting_its_own_pake_messages_fails_confirmation_on_both_sides() -> None:
    """A relay guessing one secret runs PAKE with each side; both confirmations fail."""
    agent = Handshake(Role.AGENT, CODE)
    customer = Handshake(Role.CUSTOMER, CODE)
    guess = SessionCode("482", "000000")
    mitm_as_customer = Handshake(Role.CUSTOMER, guess)
    mitm_as_agent = Handshake(Role.AGENT, guess)
    pake_a, pake_c = agent.start(), customer.start()
    fake_c, fake_a = mitm_as_customer.start(), mitm_as_agent.start()
    confirm_a = agent.receive_pake(fake_c)
    confirm_c = customer.receive_pake(fake_a)
    fake_confirm_to_agent = mitm_as_customer.receive_pake(pake_a)
    fake_confirm_to_customer = mitm_as_agent.receive_pake(pake_c)
    with pytest.raises(WrongCodeError):
        agent.receive_confirm(fake_confirm_to_agent)
    with pytest.raises(WrongCodeError):
        customer.receive_confirm(fake_confirm_to_customer)
    # and the relay cannot use the real sides' confirmations either
    with pytest.raises(WrongCodeError):
        mitm_as_customer.receive_confirm(confirm_a)
    with pytest.raises(WrongCodeError):
        mitm_as_agent.receive_confirm(confirm_c)


def test_reflected_pake_message_fails() -> None:
    agent = Handshake(Role.AGENT, CODE)
    ours = agent.start()
    with pytest.raises(TamperedError):
        agent.receive_pake(ours)
    # the same bytes relabelled as the other side are also caught
    agent2 = Handshake(Role.AGENT, CODE)
    ours2 = agent2.start()
    with pytest.raises(TamperedError):
        agent2.receive_pake(Pake(b"B" + ours2.body[1:]))


@pytest.mark.parametrize(
    "wire",
    [
        b"\x40",  # empty
        b"\x40B" + b"\x01" * 10,  # short
        b"\x40B" + b"\x01" * 40,  # long
    ],
    ids=["empty", "short", "long"],
)
def test_malformed_pake_messages_fail_cleanly_at_parse(wire: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(wire, Layer.E2E)


@pytest.mark.parametrize(
    "body",
    [b"A" + b"\x01" * 32, b"X" + b"\x01" * 32, b"B" + b"\xff" * 32, b"B" + b"\x00" * 32],
    ids=["same-side prefix", "unknown prefix", "not a point", "zero"],
)
def test_malformed_pake_messages_fail_cleanly_in_the_handshake(body: bytes) -> None:
    agent = Handshake(Role.AGENT, CODE)
    agent.start()
    with pytest.raises(TamperedError):
        agent.receive_pake(Pake(body))


def test_handshake_steps_out_of_order_fail_cleanly() -> None:
    agent = Handshake(Role.AGENT, CODE)
    with pytest.raises(ChannelError):
        agent.receive_pake(Handshake(Role.CUSTOMER, CODE).start())
    with pytest.raises(ChannelError):
        agent.established()
    agent.start()
    with pytest.raises(ChannelError):
        agent.start()


def _sealed(payload: bytes | None) -> Sealed:
    assert payload is not None
    msg = parse(payload, Layer.E2E)
    assert isinstance(msg, Sealed)
    return msg


def test_replay_closes_the_channel() -> None:
    _, _, a, c = pair(CODE)
    first = a.seal(chat("one"))
    assert c.open_payload(first)
    with pytest.raises(TamperedError) as info:
        c.open_payload(first)
    assert "tampered" in str(info.value)
    with pytest.raises(ChannelError):  # and it stays closed
        c.open_payload(a.seal(chat("two")))


def test_reorder_closes_the_channel() -> None:
    _, _, a, c = pair(CODE)
    first, second = a.seal(chat("one")), a.seal(chat("two"))
    assert first and second
    with pytest.raises(TamperedError):
        c.open_payload(second)


def test_gap_closes_the_channel() -> None:
    _, _, a, c = pair(CODE)
    a.seal(chat("lost"))
    with pytest.raises(TamperedError):
        c.open_payload(a.seal(chat("after the gap")))


@pytest.mark.parametrize("where", [0, 5, 8, 9, 20, -1])
def test_bit_flip_anywhere_closes_the_channel(where: int) -> None:
    _, _, a, c = pair(CODE)
    payload = bytearray(a.seal(chat("a message long enough to flip bits in")) or b"")
    payload[where] ^= 0x01
    with pytest.raises((TamperedError, ProtocolError)):
        c.open_payload(bytes(payload))


def test_records_do_not_cross_directions_or_sessions() -> None:
    _, _, a, c = pair(CODE)
    _, _, a2, c2 = pair(CODE)
    payload = a.seal(chat("for c only"))
    assert payload
    with pytest.raises(TamperedError):  # reflected back to the sender
        a.open_payload(payload)
    with pytest.raises(TamperedError):  # same code, another session
        c2.open_payload(payload)


def test_channel_refuses_past_its_record_limit() -> None:
    _, _, a, _ = pair(CODE)
    a.send_next = SecureChannel.MAX_RECORDS
    with pytest.raises(ChannelExhaustedError) as info:
        a.seal(chat("too many"))
    assert "new session" in str(info.value)


def test_known_answer_key_schedule() -> None:
    """With a patched random source the whole schedule is fixed; HKDF checked by hand."""
    agent = Handshake(Role.AGENT, CODE, entropy=counter_entropy(1))
    customer = Handshake(Role.CUSTOMER, CODE, entropy=counter_entropy(101))
    pake_a, pake_c = agent.start(), customer.start()
    assert pake_a.body.hex() == ("41" + _KAT_PAKE_A), (
        "SPAKE2 output changed for a fixed random source"
    )
    confirm_a = agent.receive_pake(pake_c)
    customer.receive_pake(pake_a)
    assert confirm_a.mac.hex() == _KAT_CONFIRM_A
    assert agent.established().agent_token_hash.hex() == _KAT_RESUME_HASH_A

    # derive_key is HKDF-SHA256 (RFC 5869) with our labels: recompute it independently.
    ikm, salt = b"\x0b" * 32, b"\x01" * 32
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm = hmac.new(prk, b"assist/1 seal agent->customer" + b"\x01", hashlib.sha256).digest()
    assert crypto.derive_key(ikm, salt, "seal agent->customer") == okm


def test_frame_sized_records_round_trip() -> None:
    _, _, a, c = pair(CODE)
    frame = Frame(
        7, 1, 1920, 1080, True, True, (), (Tile(0, 0, 64, 64, Codec.ZLIB, b"z" * 500_000),), -1, -1
    )
    assert c.open_payload(a.seal(frame)) == frame


# ---------------------------------------------------------------- resume


def test_resume_resends_what_the_peer_missed_in_order() -> None:
    _, _, a, c = pair(CODE)
    assert c.open_payload(a.seal(chat("delivered", 1)))
    lost = [a.seal(chat(f"lost {i}", i)) for i in range(3)]  # the connection dropped
    assert all(lost)
    a.suspend()
    c.suspend()
    held = a.seal(chat("sealed while away", 9))
    assert held is None  # held, not sent
    c_sync, a_sync = c.resume_sync(), a.resume_sync()
    resend = a.receive_resume_sync(c_sync)
    assert c.receive_resume_sync(a_sync) == []
    got = [c.open_payload(p) for p in resend]
    assert got == [chat(f"lost {i}", i) for i in range(3)] + [chat("sealed while away", 9)]
    assert c.open_payload(a.seal(chat("after", 10))) == chat("after", 10)


def test_records_arriving_while_suspended_are_discarded_then_resent() -> None:
    _, _, a, c = pair(CODE)
    early = a.seal(chat("sent before the peer knew", 1))
    c.suspend()
    assert early and c.open_payload(early) is None  # discarded
    a.suspend()
    resend = a.receive_resume_sync(c.resume_sync())
    c.receive_resume_sync(a.resume_sync())
    assert [c.open_payload(p) for p in resend] == [chat("sent before the peer knew", 1)]


def test_acks_trim_the_resend_buffer() -> None:
    _, _, a, c = pair(CODE)
    for i in range(SecureChannel.ACK_EVERY_RECORDS):
        assert c.open_payload(a.seal(chat("x", i)))
    ack = c.pending_ack()
    assert ack is not None
    assert a.open_payload(ack) is None  # bookkeeping, not an app message
    a.suspend()
    c.suspend()
    assert a.receive_resume_sync(c.resume_sync()) == []


def test_idle_ack_does_not_ping_pong() -> None:
    _, _, a, c = pair(CODE)
    assert c.open_payload(a.seal(chat("x")))
    ack = c.pending_ack(idle=True)
    assert ack is not None and a.open_payload(ack) is None
    assert a.pending_ack(idle=True) is None  # an ack is not acked


def test_resume_beyond_the_buffer_fails_with_a_sentence() -> None:
    _, _, a, c = pair(CODE)
    a.RESEND_LIMIT_BYTES = 10_000  # type: ignore[misc]
    for i in range(50):
        a.seal(Chat(i, "x" * 1000, 0))
    a.suspend()
    c.suspend()
    with pytest.raises(ResumeFailedError) as info:
        a.receive_resume_sync(c.resume_sync())
    assert "could not be picked up again" in str(info.value)


def test_forged_resume_sync_is_refused() -> None:
    _, _, a, c = pair(CODE)
    _, _, a2, c2 = pair(CODE)
    a.suspend()
    with pytest.raises(TamperedError):
        a.receive_resume_sync(c2.resume_sync())  # from another session
    _, _, a3, _ = pair(CODE)
    with pytest.raises(TamperedError):
        a3.receive_resume_sync(a3.resume_sync())  # our own, reflected


# Recorded from this implementation; they pin the key schedule so that a change to
# labels, transcript or HKDF use cannot slip in unnoticed (it would break old peers).
_KAT_PAKE_A = "61c3408acb238f83a81ec955bd4b75828fb2cd1e241a689ffd5214bc3bfce6ae"
_KAT_CONFIRM_A = "7057bafc43e8fd5339c2af7aeb5b450523c6e10aaa3c59f7665f0cab41305cd2"
_KAT_RESUME_HASH_A = "23bf9e19ff07bf10771ec44d97b2a5768dd93233175e6dbf82d72f4641126c5a"
