"""Organisation keys, agent certificates, revocation lists and the customer's check."""

from __future__ import annotations

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from common import identity as idn
from common.errors import IdentityError

NOW = 1_790_000_000.0
DAY = 86400
T = bytes(range(32))  # a transcript hash


class Org:
    def __init__(self, name: str = "Acme Support") -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        self.fp = idn.fingerprint(idn.public_bytes(self.key))
        self.pin = idn.Pin(name, self.fp)

    def card(self, agent_key: Ed25519PrivateKey, *, serial: int = 7, now: float = NOW) -> bytes:
        return idn.issue(
            self.key,
            org=self.name,
            agent="minji",
            display_name="Kim Minji 김민지",
            team="Network",
            agent_key=idn.public_bytes(agent_key),
            serial=serial,
            now=now,
        )

    def crl(self, *serials: int, now: float = NOW) -> bytes:
        return idn.revocation_list(self.key, serials, now=now)


def run_check(
    trust: idn.Trust,
    cert: bytes,
    crl: bytes,
    agent: Ed25519PrivateKey,
    *,
    transcript: bytes = T,
    now: float = NOW,
    claimed: tuple[str, str] = ("Kim Minji", "Acme Support"),
) -> idn.CheckedIdentity:
    return idn.check(
        trust,
        certificate=cert,
        revocations=crl,
        signature=idn.sign_session(agent, transcript),
        transcript=T,
        claimed_name=claimed[0],
        claimed_org=claimed[1],
        now=now,
    )


def test_a_pinned_organisation_verifies_its_agent() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    who = run_check(idn.Trust((org.pin,)), org.card(agent), org.crl(), agent)
    assert who.verified and who.display_name == "Kim Minji 김민지" and who.team == "Network"
    assert who.org == "Acme Support" and who.fingerprint == org.fp
    assert who.valid_until == NOW + idn.DEFAULT_CERT_DAYS * DAY


def test_the_certificate_names_win_over_the_relays_claim() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    who = run_check(
        idn.Trust((org.pin,)), org.card(agent), org.crl(), agent, claimed=("Mallory", "Acme")
    )
    assert who.verified and who.display_name == "Kim Minji 김민지"


def test_an_unpinned_organisation_is_shown_unverified_with_its_fingerprint() -> None:
    org, agent = Org("Other Desk"), Ed25519PrivateKey.generate()
    who = run_check(idn.Trust(), org.card(agent), b"", agent, claimed=("Kim", "Other Desk"))
    assert not who.verified and who.fingerprint == org.fp and who.org == "Other Desk"


def test_no_certificate_is_the_relays_word_unless_the_name_is_pinned() -> None:
    agent = Ed25519PrivateKey.generate()
    who = run_check(idn.Trust(), b"", b"", agent)
    assert not who.verified and who.fingerprint == "" and who.display_name == "Kim Minji"
    trust = idn.Trust((Org().pin,))
    with pytest.raises(IdentityError) as info:
        run_check(trust, b"", b"", agent, claimed=("Kim", " acme SUPPORT "))
    assert info.value.reason == "NO_PROOF" and "acme SUPPORT" in str(info.value)


def test_another_key_for_a_pinned_name_is_refused() -> None:
    real, fake, agent = Org(), Org(), Ed25519PrivateKey.generate()
    with pytest.raises(IdentityError) as info:
        run_check(idn.Trust((real.pin,)), fake.card(agent), fake.crl(), agent)
    assert info.value.reason == "WRONG_KEY"
    # ... also when the fake card names another organisation but the relay claims the pinned one
    other = Org("Helpful Desk")
    with pytest.raises(IdentityError) as info:
        run_check(idn.Trust((real.pin,)), other.card(agent), other.crl(), agent)
    assert info.value.reason == "WRONG_KEY"


@pytest.mark.parametrize("what", ["other transcript", "swapped key"])
def test_a_signature_for_another_session_or_key_is_refused(what: str) -> None:
    org, agent, thief = Org(), Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    trust = idn.Trust((org.pin,))
    with pytest.raises(IdentityError) as info:
        if what == "other transcript":
            run_check(trust, org.card(agent), org.crl(), agent, transcript=b"\x01" * 32)
        else:  # someone else's card, signed with the thief's own key
            run_check(trust, org.card(agent), org.crl(), thief)
    assert info.value.reason == "NOT_THIS_SESSION"


def test_dates_follow_the_clock_with_five_minutes_of_grace() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    trust = idn.Trust((org.pin,))
    card = org.card(agent)
    end = NOW + idn.DEFAULT_CERT_DAYS * DAY
    for now in (NOW - 299, end + 299):
        crl = org.crl(now=now)
        assert run_check(trust, card, crl, agent, now=now).verified
    for now in (NOW - 301, end + 301):
        with pytest.raises(IdentityError) as info:
            run_check(trust, card, org.crl(now=now), agent, now=now)
        assert info.value.reason == "EXPIRED"


def test_a_revoked_card_is_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    with pytest.raises(IdentityError) as info:
        run_check(idn.Trust((org.pin,)), org.card(agent, serial=42), org.crl(3, 42), agent)
    assert info.value.reason == "REVOKED"


def test_a_revocation_list_must_be_fresh_and_the_organisations_own() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    trust = idn.Trust((org.pin,), max_list_age_s=2 * DAY)
    card = org.card(agent, now=NOW - 10 * DAY)
    cases = {
        "missing": b"",
        "older than the policy": org.crl(now=NOW - 3 * DAY),
        "past its next update": idn.revocation_list(org.key, [], now=NOW - 2 * DAY + 60, days=1),
        "from the future": org.crl(now=NOW + 3600),
    }
    for what, crl in cases.items():
        with pytest.raises(IdentityError) as info:
            run_check(trust, card, crl, agent)
        assert info.value.reason == "STALE_LIST", what
    with pytest.raises(IdentityError) as info:
        run_check(trust, card, Org().crl(), agent)  # signed by someone else
    assert info.value.reason == "FORGED"


def test_a_card_not_signed_by_the_key_it_names_is_forged() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    signed = msgspec.msgpack.decode(org.card(agent))
    signed[1] = bytes(64)
    with pytest.raises(IdentityError) as info:
        idn.load_certificate(msgspec.msgpack.encode(signed))
    assert info.value.reason == "FORGED"


def test_malformed_cards_are_refused() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    card = org.card(agent)
    body = msgspec.msgpack.decode(msgspec.msgpack.decode(card)[0])
    for bad in (
        card + b"\x00",  # trailing bytes
        card[:-1],  # truncated
        b"",
        msgspec.msgpack.encode([b"x", bytes(63)]),  # short signature
    ):
        with pytest.raises(IdentityError) as info:
            idn.load_certificate(bad)
        assert info.value.reason == "MALFORMED"
    for field, value in ((1, 2), (0, 2), (4, b"short")):  # algorithm, version, key length
        changed = list(body)
        changed[field] = value
        raw = msgspec.msgpack.encode(changed)
        resigned = msgspec.msgpack.encode([raw, org.key.sign(idn._CERT_LABEL + raw)])
        with pytest.raises(IdentityError) as info:
            idn.load_certificate(resigned)
        assert info.value.reason == "MALFORMED"


@settings(max_examples=200)
@given(blob=st.binary(max_size=400))
def test_any_bytes_give_a_card_or_identity_error(blob: bytes) -> None:
    for load in (idn.load_certificate, lambda b: idn.load_revocation_list(b, bytes(32))):
        try:
            load(blob)
        except IdentityError:
            pass


@settings(max_examples=100)
@given(
    body=st.lists(
        st.one_of(st.integers(-(2**63), 2**64 - 1), st.binary(max_size=40), st.text(max_size=70)),
        max_size=12,
    ),
    sig=st.binary(max_size=70),
)
def test_well_formed_msgpack_of_the_wrong_shape_is_refused(body: list[object], sig: bytes) -> None:
    raw = msgspec.msgpack.encode([msgspec.msgpack.encode(body), sig])
    with pytest.raises(IdentityError):
        idn.load_certificate(raw)


def test_fingerprints_read_aloud_and_parse_back() -> None:
    org = Org()
    assert len(org.fp) == 35 and all(len(g) == 5 and g.isdigit() for g in org.fp.split(" "))
    assert idn.parse_fingerprint(org.fp.replace(" ", "-")) == org.fp
    assert idn.parse_fingerprint(org.fp.replace(" ", "")) == org.fp
    assert idn.Pin.parse(f"Acme Support = {org.fp}") == idn.Pin("Acme Support", org.fp)
    for bad in ("123", org.fp + "1", org.fp[:-1] + "o"):
        with pytest.raises(ValueError):
            idn.parse_fingerprint(bad)
    with pytest.raises(ValueError):
        idn.Pin.parse(org.fp)  # no name


def test_issue_holds_names_to_their_limits() -> None:
    org, agent = Org(), Ed25519PrivateKey.generate()
    with pytest.raises(ValueError):
        idn.issue(
            org.key,
            org="x" * 65,
            agent="a",
            display_name="a",
            team="",
            agent_key=idn.public_bytes(agent),
            serial=1,
            now=NOW,
        )
