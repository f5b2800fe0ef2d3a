"""Rooms: offers, the customer's check, HPKE welcomes, epochs and the shared stream.

The attacks the relay (or a removed helper) could try are here as tests: a relay
substituting the newcomer's key or its whole offer, a replayed greeting or epoch
key, a removed helper reading later frames, gaps and repeats in the stream.
"""

from __future__ import annotations

import dataclasses

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from common import crypto
from common import identity as idn
from common import room as rm
from common.errors import IdentityError, ProtocolError, RoomError, TamperedError
from common.messages import (
    Chat,
    EpochKey,
    Greeting,
    Layer,
    MemberRole,
    Vouch,
    parse,
)

NOW = 1_790_000_000.0
ROOM = bytes(range(16))
NAMEPLATE = "482"


class Org:
    def __init__(self, name: str = "Acme Support") -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        self.pin = idn.Pin(name, idn.fingerprint(idn.public_bytes(self.key)))
        self.serial = 0

    def card(self, agent_key: Ed25519PrivateKey, name: str = "Lee Jisoo 이지수") -> bytes:
        self.serial += 1
        return idn.issue(
            self.key,
            org=self.name,
            agent=name.split()[0].lower(),
            display_name=name,
            team="Network",
            agent_key=idn.public_bytes(agent_key),
            serial=self.serial,
            now=NOW,
        )

    def crl(self) -> bytes:
        return idn.revocation_list(self.key, (), now=NOW)


@dataclasses.dataclass
class Agent:
    key: Ed25519PrivateKey
    card: bytes
    crl: bytes
    name: str

    @classmethod
    def of(cls, org: Org | None, name: str) -> Agent:
        key = Ed25519PrivateKey.generate()
        if org is None:
            return cls(key, b"", b"", name)
        return cls(key, org.card(key, name), org.crl(), name)

    def newcomer(
        self, member: int = 2, *, role: MemberRole = MemberRole.HELPER, org: str = "Acme Support"
    ) -> rm.Newcomer:
        return rm.Newcomer.create(
            self.key,
            nameplate=NAMEPLATE,
            member=member,
            role=role,
            agent=self.name.split()[0].lower(),
            display_name=self.name,
            org=org,
            certificate=self.card,
            revocations=self.crl,
            now=NOW,
        )


def lead_identity() -> idn.CheckedIdentity:
    return idn.CheckedIdentity(True, "Kim Minji 김민지", "Acme Support", "Desk")


def started_room(**kw: object) -> tuple[rm.CustomerRoom, rm.CastReader]:
    room = rm.CustomerRoom(ROOM, nameplate=NAMEPLATE, lead=lead_identity(), **kw)  # type: ignore[arg-type]
    first = room.start()
    return room, rm.CastReader(ROOM, first.epoch, first.key, first.first_seq)


def bring_in(
    room: rm.CustomerRoom,
    org: Org,
    lead: Agent,
    helper: Agent,
    member: int = 2,
    *,
    trust: idn.Trust | None = None,
) -> tuple[rm.Admission, rm.Newcomer, Greeting]:
    newcomer = helper.newcomer(member)
    rm.check_offer(
        newcomer.offer_raw, nameplate=NAMEPLATE, member=member, lead_certificate=lead.card, now=NOW
    )
    vouch = Vouch(member, newcomer.offer_raw, "", "")
    candidate = room.consider(
        vouch, trust=trust or idn.Trust((org.pin,)), now=NOW, relay_member=member
    )
    admission = room.admit(candidate)
    box = admission.answer.welcome
    greeting = Greeting(box, rm.countersign(lead.key, newcomer.offer_raw, box))
    return admission, newcomer, greeting


@pytest.fixture
def acme() -> tuple[Org, Agent, Agent]:
    org = Org()
    return org, Agent.of(org, "Kim Minji 김민지"), Agent.of(org, "Lee Jisoo 이지수")


# ---------------------------------------------------------------- the whole way


def test_an_allowed_helper_reads_the_stream_and_has_its_own_channel(acme) -> None:
    org, lead, helper = acme
    room, lead_reader = started_room()
    assert lead_reader.open(room.seal_cast(Chat(1, "before", 0))) == Chat(1, "before", 0)

    admission, newcomer, greeting = bring_in(room, org, lead, helper)
    channel, reader = newcomer.greeted(greeting, lead_key=idn.public_bytes(lead.key))
    # The lead gets the new epoch on its own channel, before anything sealed under it.
    [(to, key)] = admission.epoch_keys
    assert to == 1 and key.epoch == 2
    lead_reader.add_key(key)

    record = room.seal_cast(Chat(2, "shared", 0))
    assert reader.open(record) == Chat(2, "shared", 0)
    assert lead_reader.open(record) == Chat(2, "shared", 0)

    # Pairwise, both ways: the customer's end and the helper's end match.
    sealed = channel.seal(Chat(3, "a mark from the helper", 0))
    assert sealed is not None
    assert admission.channel.open_payload(sealed) == Chat(3, "a mark from the helper", 0)
    back = admission.channel.seal(Chat(4, "to the helper only", 0))
    assert back is not None
    assert channel.open_payload(back) == Chat(4, "to the helper only", 0)

    entry = {e.member: e for e in room.roster()}[2]
    assert (entry.display_name, entry.verified, entry.role) == (
        "Lee Jisoo 이지수",
        True,
        MemberRole.HELPER,
    )
    assert entry.color != {e.member: e for e in room.roster()}[1].color


def test_an_unpinned_customer_sees_the_helper_as_not_verified(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room()
    newcomer = helper.newcomer()
    who = room.consider(
        Vouch(2, newcomer.offer_raw, "", ""), trust=idn.Trust(), now=NOW, relay_member=2
    ).who
    assert not who.verified and who.display_name == "Lee Jisoo 이지수"


def test_the_welcome_opens_only_for_the_offer_it_answers(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room()
    _, _, greeting = bring_in(room, org, lead, helper)
    # Another offer of the same helper (a relay replaying the box to a new seat).
    other = helper.newcomer(2)
    with pytest.raises(RoomError) as err:
        other.greeted(greeting, lead_key=idn.public_bytes(lead.key))
    assert err.value.reason == "BAD_GREETING"


# ---------------------------------------------------------------- the relay lies


def test_a_relay_substituting_the_newcomers_key_is_caught_by_lead_and_customer(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room()
    raw = helper.newcomer().offer_raw
    signed = msgspec.msgpack.decode(raw)
    body = msgspec.msgpack.decode(signed[0])
    body[8] = bytes(32)  # the relay's own X25519 key
    forged = msgspec.msgpack.encode([msgspec.msgpack.encode(body), signed[1]])
    with pytest.raises(RoomError) as err:
        rm.check_offer(forged, nameplate=NAMEPLATE, member=2, lead_certificate=lead.card, now=NOW)
    assert err.value.reason == "BAD_OFFER"
    with pytest.raises(RoomError):
        room.consider(
            Vouch(2, forged, "", ""), trust=idn.Trust((org.pin,)), now=NOW, relay_member=2
        )


def test_a_relay_offering_its_own_agent_is_refused(acme) -> None:
    org, lead, _ = acme
    room, _ = started_room()
    # A key of the relay's own, with a card from an organisation it made up.
    fake_org = Org("Acme Support")
    impostor = Agent.of(fake_org, "Lee Jisoo 이지수")
    raw = impostor.newcomer().offer_raw
    with pytest.raises(RoomError) as err:
        rm.check_offer(raw, nameplate=NAMEPLATE, member=2, lead_certificate=lead.card, now=NOW)
    assert err.value.reason == "OTHER_ORG"
    # Even if a lead vouched for it, the customer who pins Acme refuses the card ...
    with pytest.raises(IdentityError) as ierr:
        room.consider(Vouch(2, raw, "", ""), trust=idn.Trust((org.pin,)), now=NOW, relay_member=2)
    assert ierr.value.reason == "WRONG_KEY"
    # ... and one with no card at all, claiming the pinned organisation.
    bare = Agent.of(None, "Lee Jisoo").newcomer().offer_raw
    with pytest.raises(IdentityError) as ierr:
        room.consider(Vouch(2, bare, "", ""), trust=idn.Trust((org.pin,)), now=NOW, relay_member=2)
    assert ierr.value.reason == "NO_PROOF"


def test_a_greeting_not_signed_by_the_lead_is_refused(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room()
    _, newcomer, greeting = bring_in(room, org, lead, helper)
    relay_key = Ed25519PrivateKey.generate()
    forged = Greeting(greeting.box, rm.countersign(relay_key, newcomer.offer_raw, greeting.box))
    with pytest.raises(RoomError) as err:
        newcomer.greeted(forged, lead_key=idn.public_bytes(lead.key))
    assert err.value.reason == "BAD_GREETING"


def test_offers_for_another_seat_room_or_time_are_refused(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room()
    raw = helper.newcomer(2).offer_raw
    trust = idn.Trust((org.pin,))
    with pytest.raises(RoomError):  # the relay announced seat 3 for this connection
        room.consider(Vouch(2, raw, "", ""), trust=trust, now=NOW, relay_member=3)
    with pytest.raises(RoomError):
        room.consider(Vouch(2, raw, "", ""), trust=trust, now=NOW + 3600, relay_member=2)
    with pytest.raises(RoomError):
        rm.check_offer(raw, nameplate="999", member=2, lead_certificate=lead.card, now=NOW)
    with pytest.raises(RoomError):  # seat 1 is the lead's
        room.consider(Vouch(1, raw, "", ""), trust=trust, now=NOW, relay_member=1)


def test_a_room_holds_at_most_max_members(acme) -> None:
    org, lead, helper = acme
    room, _ = started_room(max_members=2)
    bring_in(room, org, lead, helper, 2)
    third = Agent.of(org, "Park Doyun 박도윤").newcomer(3)
    with pytest.raises(RoomError) as err:
        room.consider(
            Vouch(3, third.offer_raw, "", ""), trust=idn.Trust((org.pin,)), now=NOW, relay_member=3
        )
    assert err.value.reason == "ROOM_FULL"


# ---------------------------------------------------------------- epochs


def test_a_removed_helper_cannot_read_anything_sent_after(acme) -> None:
    org, lead, helper = acme
    room, lead_reader = started_room()
    admission, newcomer, greeting = bring_in(room, org, lead, helper)
    _, helper_reader = newcomer.greeted(greeting, lead_key=idn.public_bytes(lead.key))
    lead_reader.add_key(admission.epoch_keys[0][1])
    seen = room.seal_cast(Chat(1, "both see this", 0))
    assert helper_reader.open(seen) == lead_reader.open(seen)
    # Every key the helper ever held.
    held = [room._key]

    [(to, nxt)] = room.remove(2)
    assert to == 1 and nxt.epoch == room.epoch
    lead_reader.add_key(nxt)
    later = room.seal_cast(Chat(2, "after the removal", 0))
    assert lead_reader.open(later) == Chat(2, "after the removal", 0)
    with pytest.raises(TamperedError):
        helper_reader.open(later)
    record = parse(later, Layer.E2E)
    for key in held:  # the captured ciphertext, tried with the old keys
        ad = rm._cast_ad(ROOM, record.epoch, record.seq)
        assert crypto.decrypt(crypto.aead(key), record.seq, ad, record.ciphertext) is None


def test_a_replayed_epoch_key_or_greeting_is_refused(acme) -> None:
    org, lead, helper = acme
    room, lead_reader = started_room()
    admission, newcomer, greeting = bring_in(room, org, lead, helper)
    newcomer.greeted(greeting, lead_key=idn.public_bytes(lead.key))
    with pytest.raises(RoomError):  # the same greeting again
        newcomer.greeted(greeting, lead_key=idn.public_bytes(lead.key))
    key2 = admission.epoch_keys[0][1]
    lead_reader.add_key(key2)
    with pytest.raises(TamperedError):  # the old epoch's key, replayed
        lead_reader.add_key(key2)
    with pytest.raises(TamperedError):
        lead_reader.add_key(EpochKey(1, bytes(32), 0))


def test_a_record_sealed_under_an_old_epoch_after_the_new_one_began_is_refused() -> None:
    room, reader = started_room()
    old_cipher, old_epoch = room._cipher, room.epoch
    reader.add_key(room._next_epoch())
    seq = room.next_seq  # the first number of epoch 2, sealed under epoch 1's key
    ad = rm._cast_ad(ROOM, old_epoch, seq)
    from common.messages import CastSealed

    forged = CastSealed(
        old_epoch, seq, crypto.encrypt(old_cipher, seq, ad, Chat(1, "x", 0).serialize())
    )
    with pytest.raises(TamperedError):
        reader.open(forged.serialize())


# ---------------------------------------------------------------- the stream


def test_the_stream_accepts_only_announced_gaps() -> None:
    room, reader = started_room()
    records = [room.seal_cast(Chat(i, str(i), 0)) for i in range(6)]
    assert reader.open(records[0]) == Chat(0, "0", 0)
    reader.skipped(2)  # the relay dropped 1 and 2 for us, and said so
    assert reader.open(records[3]) == Chat(3, "3", 0)
    with pytest.raises(TamperedError):  # 4 dropped without a word
        reader.open(records[5])

    room, reader = started_room()
    records = [room.seal_cast(Chat(i, str(i), 0)) for i in range(3)]
    reader.open(records[0])
    reader.open(records[1])
    with pytest.raises(TamperedError):  # a repeat
        reader.open(records[1])

    room, reader = started_room()
    records = [room.seal_cast(Chat(i, str(i), 0)) for i in range(3)]
    reader.skipped(1)
    with pytest.raises(TamperedError):  # a step back into what was announced as skipped
        reader.open(records[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_any_pattern_of_announced_skips_reads_every_delivered_record(delivered: list[bool]) -> None:
    room, reader = started_room()
    pending = 0
    for i, keep in enumerate(delivered):
        record = room.seal_cast(Chat(i, f"r{i}", 0))
        if not keep:
            pending += 1
            continue
        if pending:
            reader.skipped(pending)
            pending = 0
        assert reader.open(record) == Chat(i, f"r{i}", 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=30), st.integers(1, 5))
def test_a_relay_lying_about_a_skip_is_caught(delivered: list[bool], lie: int) -> None:
    room, reader = started_room()
    records = [room.seal_cast(Chat(i, "x", 0)) for i in range(len(delivered))]
    reader.skipped(lie)  # announces skips that did not happen
    with pytest.raises(TamperedError):
        reader.open(records[0])


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_offers_give_only_a_room_error(raw: bytes) -> None:
    room, _ = started_room()
    with pytest.raises(RoomError):
        rm.read_offer(raw)
    with pytest.raises((RoomError, IdentityError)):
        room.consider(Vouch(2, raw or b"x", "", ""), trust=idn.Trust(), now=NOW, relay_member=2)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_stream_records_give_only_protocol_or_tamper_errors(raw: bytes) -> None:
    _, reader = started_room()
    with pytest.raises((TamperedError, ProtocolError)):
        reader.open(raw)


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_random_greetings_give_only_a_room_error(box: bytes) -> None:
    org = Org()
    lead, helper = Agent.of(org, "Kim Minji"), Agent.of(org, "Lee Jisoo")
    newcomer = helper.newcomer()
    for signature in (bytes(64), rm.countersign(lead.key, newcomer.offer_raw, box)):
        with pytest.raises(RoomError):
            newcomer.greeted(Greeting(box, signature), lead_key=idn.public_bytes(lead.key))
