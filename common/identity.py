"""Verified agent identity: organisation keys, agent certificates, revocation lists, and
the check the customer's app runs before it asks for consent.

An organisation has an Ed25519 key pair. It signs a short **certificate** for each
agent's own Ed25519 key (name, display name, organisation, team, serial, validity)
and, now and then, a **revocation list** of withdrawn serials with its issue time.
After key confirmation the agent's app signs the session's transcript hash with
its key and sends ``Identity`` (certificate, revocation list, signature) inside
the encrypted channel; :func:`check` runs in the customer's app against the
organisations it pins (:class:`Trust`). The relay carries the bytes but cannot
forge any of them, and cannot read them.

Wire forms (msgpack arrays, like every message): a certificate or revocation
list is ``[body, signature]``, where ``body`` is the encoded
:class:`CertificateBody` / :class:`RevocationBody` and the signature is Ed25519
over a domain label and ``body``, so what is checked is exactly the bytes that
were signed. Pure: bytes, keys and the time in; results or
:class:`~common.errors.IdentityError` out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.errors import IdentityError
from common.messages import Name, Record, UInt64

__all__ = [
    "CardState",
    "CertificateBody",
    "Certificate",
    "CheckedIdentity",
    "Pin",
    "RevocationList",
    "Trust",
    "card_state",
    "check",
    "check_card",
    "fingerprint",
    "issue",
    "load_certificate",
    "load_revocation_list",
    "parse_fingerprint",
    "public_bytes",
    "revocation_list",
    "sign_session",
    "verify",
]

VERSION = 1
ED25519 = 1
DEFAULT_CERT_DAYS = 30
DEFAULT_LIST_DAYS = 7
#: A customer's clock may be this far off either way before dates are refused.
CLOCK_SKEW_S = 300
#: Default customer policy: a revocation list older than this is not accepted.
DEFAULT_MAX_LIST_AGE_S = 7 * 86400
MAX_CERT_BYTES = 1024
MAX_LIST_BYTES = 256 * 1024
MAX_REVOKED = 20_000

_CERT_LABEL = b"assist/identity/1 agent certificate\x00"
_LIST_LABEL = b"assist/identity/1 revocation list\x00"
_SESSION_LABEL = b"assist/identity/1 session\x00"
_FP_LABEL = b"assist/identity/1 organisation key\x00"

Key = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
Signature = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]
_Version = Annotated[int, msgspec.Meta(ge=VERSION, le=VERSION)]
_Algorithm = Annotated[int, msgspec.Meta(ge=ED25519, le=ED25519)]


class CertificateBody(Record):
    """What an organisation says about one agent's key. Times are Unix seconds."""

    version: _Version
    algorithm: _Algorithm
    serial: UInt64
    org: Name
    org_key: Key
    agent: Name
    display_name: Name
    team: Name
    agent_key: Key
    not_before: UInt64
    not_after: UInt64


class RevocationBody(Record):
    """The serials an organisation has withdrawn, as of ``issued_at``."""

    version: _Version
    algorithm: _Algorithm
    org_key: Key
    issued_at: UInt64
    next_update: UInt64
    serials: Annotated[tuple[UInt64, ...], msgspec.Meta(max_length=MAX_REVOKED)]


class _Signed(Record):
    body: Annotated[bytes, msgspec.Meta(max_length=MAX_LIST_BYTES)]
    signature: Signature


_ENC = msgspec.msgpack.Encoder()
_SIGNED = msgspec.msgpack.Decoder(_Signed)
_CERT_BODY = msgspec.msgpack.Decoder(CertificateBody)
_LIST_BODY = msgspec.msgpack.Decoder(RevocationBody)


# ---------------------------------------------------------------- keys and fingerprints


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes_raw()


def fingerprint(org_key: bytes) -> str:
    """An organisation key as six groups of five digits, to read aloud and compare.

    SHA-256 over a label and the key; each group is five bytes of it modulo
    100000 (as Signal's safety numbers), about 100 bits in all.
    """
    digest = hashlib.sha256(_FP_LABEL + org_key).digest()
    groups = (int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5))
    return " ".join(f"{g:05d}" for g in groups)


def parse_fingerprint(text: str) -> str:
    """The canonical form of a fingerprint a person typed (spaces, dashes or none)."""
    digits = re.sub(r"[\s\-]", "", text)
    if not (digits.isascii() and digits.isdigit() and len(digits) == 30):
        raise ValueError(f"not an organisation fingerprint (30 digits): {text!r}")
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))


# ---------------------------------------------------------------- certificates


@dataclasses.dataclass(frozen=True)
class Certificate:
    """A parsed certificate whose signature by the key it names has been checked."""

    body: CertificateBody
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.body.org_key)


def _encode_checked(body: Record, decoder: msgspec.msgpack.Decoder[Any]) -> bytes:
    """Encode, and decode once to hold the body to its limits (a name too long, ...)."""
    encoded = _ENC.encode(body)
    try:
        decoder.decode(encoded)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    return encoded


def _sign(key: Ed25519PrivateKey, label: bytes, body: bytes) -> bytes:
    return _ENC.encode(_Signed(body, key.sign(label + body)))


def _open(raw: bytes, limit: int) -> tuple[bytes, bytes]:
    if len(raw) > limit + 80:
        raise IdentityError.because(f"larger than {limit} bytes")
    try:
        signed = _SIGNED.decode(raw)
    except msgspec.MsgspecError as exc:
        raise IdentityError.because(str(exc)) from None
    return signed.body, signed.signature


def _verify(key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def issue(
    org_key: Ed25519PrivateKey,
    *,
    org: str,
    agent: str,
    display_name: str,
    team: str,
    agent_key: bytes,
    serial: int,
    now: float,
    days: int = DEFAULT_CERT_DAYS,
) -> bytes:
    """A certificate for ``agent_key``, valid from now for ``days``."""
    body = CertificateBody(
        VERSION,
        ED25519,
        serial,
        org,
        public_bytes(org_key),
        agent,
        display_name,
        team,
        agent_key,
        int(now),
        int(now) + days * 86400,
    )
    return _sign(org_key, _CERT_LABEL, _encode_checked(body, _CERT_BODY))


def load_certificate(raw: bytes) -> Certificate:
    """Parse a certificate and check it is signed by the organisation key it names.

    Raises IdentityError MALFORMED (not a certificate) or FORGED (a bad signature).
    """
    body_bytes, signature = _open(raw, MAX_CERT_BYTES)
    if len(body_bytes) > MAX_CERT_BYTES:
        raise IdentityError.because("certificate body too large")
    try:
        body = _CERT_BODY.decode(body_bytes)
    except msgspec.MsgspecError as exc:
        raise IdentityError.because(f"certificate: {exc}") from None
    if not _verify(body.org_key, signature, _CERT_LABEL + body_bytes):
        raise IdentityError("FORGED", org=body.org)
    return Certificate(body, raw)


# ---------------------------------------------------------------- revocation lists


@dataclasses.dataclass(frozen=True)
class RevocationList:
    body: RevocationBody
    raw: bytes

    def revoked(self, serial: int) -> bool:
        return serial in self.body.serials


def revocation_list(
    org_key: Ed25519PrivateKey, serials: Iterable[int], *, now: float, days: int = DEFAULT_LIST_DAYS
) -> bytes:
    """A signed list of withdrawn serials, issued now, to be replaced within ``days``."""
    body = RevocationBody(
        VERSION,
        ED25519,
        public_bytes(org_key),
        int(now),
        int(now) + days * 86400,
        tuple(sorted(set(serials))),
    )
    return _sign(org_key, _LIST_LABEL, _encode_checked(body, _LIST_BODY))


def load_revocation_list(raw: bytes, org_key: bytes) -> RevocationList:
    """Parse a revocation list and check it is signed by ``org_key``."""
    body_bytes, signature = _open(raw, MAX_LIST_BYTES)
    try:
        body = _LIST_BODY.decode(body_bytes)
    except msgspec.MsgspecError as exc:
        raise IdentityError.because(f"revocation list: {exc}") from None
    if body.org_key != org_key or not _verify(org_key, signature, _LIST_LABEL + body_bytes):
        raise IdentityError("FORGED")
    return RevocationList(body, raw)


# ---------------------------------------------------------------- the session


def _session_message(transcript: bytes) -> bytes:
    return _SESSION_LABEL + transcript


def sign_session(agent_key: Ed25519PrivateKey, transcript: bytes) -> bytes:
    """The agent's signature over this session's transcript hash (sent inside the channel)."""
    return agent_key.sign(_session_message(transcript))


@dataclasses.dataclass(frozen=True)
class Pin:
    """An organisation this customer trusts: its name and its key's fingerprint."""

    org: str
    fingerprint: str

    @classmethod
    def parse(cls, text: str) -> Pin:
        """``"Acme Support=12345 67890 ..."`` (the form of ``--trust-org``)."""
        org, sep, fp = text.rpartition("=")
        if not sep or not org.strip():
            raise ValueError(f"expected NAME=FINGERPRINT, got {text!r}")
        return cls(org.strip(), parse_fingerprint(fp))


@dataclasses.dataclass(frozen=True)
class Trust:
    """The customer's policy: the organisations pinned and how old a revocation list may be."""

    pins: tuple[Pin, ...] = ()
    max_list_age_s: int = DEFAULT_MAX_LIST_AGE_S

    def pinned(self, fp: str) -> Pin | None:
        return next((p for p in self.pins if p.fingerprint == fp), None)

    def names(self, org: str) -> bool:
        """Does this customer pin an organisation by this name (under any key)?"""
        key = org.strip().casefold()
        return bool(key) and any(p.org.strip().casefold() == key for p in self.pins)


@dataclasses.dataclass(frozen=True)
class CheckedIdentity:
    """Who the customer's app says is asking.

    ``verified``: the certificate chains to a pinned organisation key, is in
    date, is not revoked, and its key signed this session. Otherwise the names
    are the relay's (or an unpinned certificate's) statement, and the prompt
    says so. ``fingerprint`` is the organisation key's, when a certificate came.
    """

    verified: bool
    display_name: str
    org: str
    team: str = ""
    agent: str = ""
    fingerprint: str = ""
    valid_until: int = 0


def check(
    trust: Trust,
    *,
    certificate: bytes,
    revocations: bytes,
    signature: bytes,
    transcript: bytes,
    claimed_name: str,
    claimed_org: str,
    now: float,
) -> CheckedIdentity:
    """The customer's check of an agent's ``Identity`` message. Raises IdentityError.

    Without a certificate the relay's claim is shown as unverified, unless it names
    an organisation this customer pins (then it is refused: NO_PROOF).
    """
    return check_card(
        trust,
        certificate=certificate,
        revocations=revocations,
        signed=lambda key: _verify(key, signature, _session_message(transcript)),
        claimed_name=claimed_name,
        claimed_org=claimed_org,
        now=now,
    )


def check_card(
    trust: Trust,
    *,
    certificate: bytes,
    revocations: bytes,
    signed: Callable[[bytes], bool],
    claimed_name: str,
    claimed_org: str,
    now: float,
) -> CheckedIdentity:
    """Check an identity card and that its key signed what is at stake here:
    ``signed(agent_key)`` says whether the card's key made the signature (this session's
    transcript for the lead, a room offer for a newcomer). Raises IdentityError."""
    if not certificate:
        if trust.names(claimed_org):
            raise IdentityError("NO_PROOF", org=claimed_org)
        return CheckedIdentity(False, claimed_name, claimed_org)
    cert = load_certificate(certificate)
    body = cert.body
    pin = trust.pinned(cert.fingerprint)
    if pin is None and (trust.names(body.org) or trust.names(claimed_org)):
        org = body.org if trust.names(body.org) else claimed_org
        raise IdentityError("WRONG_KEY", org=org)
    if not signed(body.agent_key):
        raise IdentityError("NOT_THIS_SESSION", org=body.org)
    if not body.not_before - CLOCK_SKEW_S <= now <= body.not_after + CLOCK_SKEW_S:
        raise IdentityError("EXPIRED", org=body.org)
    if pin is not None:
        _check_list(trust, revocations, body, now)
    return CheckedIdentity(
        pin is not None,
        body.display_name,
        body.org,
        body.team,
        body.agent,
        cert.fingerprint,
        body.not_after,
    )


def verify(key: bytes, signature: bytes, message: bytes) -> bool:
    """Does Ed25519 ``key`` sign ``message`` with ``signature``? (False for a bad key.)"""
    return _verify(key, signature, message)


def _check_list(trust: Trust, raw: bytes, body: CertificateBody, now: float) -> None:
    if not raw:
        raise IdentityError("STALE_LIST", org=body.org)
    crl = load_revocation_list(raw, body.org_key)
    issued, next_update = crl.body.issued_at, crl.body.next_update
    if issued > now + CLOCK_SKEW_S:
        raise IdentityError("STALE_LIST", org=body.org)  # from the future: a wrong clock
    if now - issued > trust.max_list_age_s or now > next_update + CLOCK_SKEW_S:
        raise IdentityError("STALE_LIST", org=body.org)
    if crl.revoked(body.serial):
        raise IdentityError("REVOKED", org=body.org)


@dataclasses.dataclass(frozen=True)
class CardState:
    """The agent's own card as its window shows it.

    ``kind``: ``none`` (no card: customers see the relay's word), ``valid``,
    ``expiring`` (within :data:`EXPIRING_S`), ``expired``, ``wrong_key`` (the card
    is for another key than this computer's), ``unreadable``.
    """

    kind: str
    org: str = ""
    valid_until: int = 0
    fingerprint: str = ""


#: A card with less than this left is shown as expiring (the relay renews it earlier).
EXPIRING_S = 3 * 86400


def card_state(raw: bytes, own_key: bytes, now: float) -> CardState:
    if not raw:
        return CardState("none")
    try:
        cert = load_certificate(raw)
    except IdentityError:
        return CardState("unreadable")
    b = cert.body
    if b.agent_key != own_key:
        kind = "wrong_key"
    elif now > b.not_after:
        kind = "expired"
    elif b.not_after - now < EXPIRING_S:
        kind = "expiring"
    else:
        kind = "valid"
    return CardState(kind, b.org, b.not_after, cert.fingerprint)


SUPPORT_LINK_SCHEME = "assist"


def parse_support_link(text: str) -> tuple[str, Pin]:
    """``assist://help?relay=HOST&org=NAME&fp=FINGERPRINT`` from an organisation's web page:
    the relay to use and the organisation to trust. Raises ValueError with a sentence."""
    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme != SUPPORT_LINK_SCHEME or parts.netloc != "help":
        raise ValueError("a support link starts with assist://help?")
    query = urllib.parse.parse_qs(parts.query, strict_parsing=False)
    relay, org, fp = (query.get(k, [""])[0].strip() for k in ("relay", "org", "fp"))
    if not relay or not org or not fp:
        raise ValueError("a support link needs relay=, org= and fp=")
    return relay, Pin(org, parse_fingerprint(fp))


def support_link(relay: str, pin: Pin) -> str:
    """The link an organisation puts on its web page (see :func:`parse_support_link`)."""
    query = urllib.parse.urlencode(
        {"relay": relay, "org": pin.org, "fp": pin.fingerprint.replace(" ", "-")}
    )
    return f"{SUPPORT_LINK_SCHEME}://help?{query}"
