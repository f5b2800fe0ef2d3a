"""The organisation's side of verified identity on the relay host: key files, issuing and
withdrawing agent certificates, and what an agent gets when it signs in.

The organisation's *private* key is a file only its owner can read (PKCS#8 PEM,
optionally encrypted with a passphrase). It need not be on the relay: every
command takes the file by path, and ``issue``/``crl`` can write their result to
a file that ``upload`` brings to the relay, so an organisation that uses
someone else's relay signs on its own machine. With ``org_key_file`` set, the
relay itself renews its agents' certificates before they expire and keeps the
revocation list fresh (docs/admin.md, "Verified identity").

Formats and checks are in :mod:`common.identity`; this module does the file and
database work around them and runs in the admin CLI or a relay worker thread.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common import identity
from common.errors import ErrorCode, IdentityError
from relay.store import AgentRecord, CardRow, Organisation, Store, StoreError

__all__ = ["Issuer", "SignInCredentials", "credentials_for", "load_key", "write_key"]

_HEADER = "Assist organisation key\nOrganisation: {org}\nFingerprint: {fp}\n"


# ---------------------------------------------------------------- key files


def write_key(path: Path, org: str, passphrase: bytes | None) -> Ed25519PrivateKey:
    """Make a new organisation key at ``path`` (mode 0600) and its public half at
    ``path.pub``. Refuses to overwrite: losing an organisation key strands every card."""
    key = Ed25519PrivateKey.generate()
    fp = identity.fingerprint(identity.public_bytes(key))
    crypt: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, crypt)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _HEADER.format(org=org, fp=fp).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StoreError(
            f"{path} already exists; an organisation key is never overwritten"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(header + pem)
    Path(f"{path}.pub").write_bytes(header + public)
    return key


@dataclasses.dataclass(frozen=True)
class OrgKey:
    """An organisation key file: its name, its public key, and the private key if read."""

    org: str
    public_key: bytes
    private: Ed25519PrivateKey | None

    @property
    def fingerprint(self) -> str:
        return identity.fingerprint(self.public_key)

    def signer(self) -> Ed25519PrivateKey:
        if self.private is None:
            raise StoreError("this is the public half of the key; signing needs the private key")
        return self.private


def load_key(path: Path, passphrase: bytes | None = None) -> OrgKey:
    """Read a key file written by :func:`write_key` (the private key, or its ``.pub``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read the organisation key {path}: {exc.strerror}") from None
    found = re.search(rb"^Organisation: (.*)$", data, re.M)
    org = found.group(1).decode().strip() if found else ""
    if b"PRIVATE KEY" in data:
        if path.stat().st_mode & 0o077:
            raise StoreError(
                f"{path} can be read by other users; make it private (chmod 600 {path})"
            )
        try:
            key = serialization.load_pem_private_key(data, passphrase or None)
        except TypeError:
            raise StoreError(
                f"{path} is protected by a passphrase; give it with --passphrase-file"
            ) from None
        except ValueError:
            raise StoreError(f"{path}: wrong passphrase, or not an organisation key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise StoreError(f"{path} is not an Ed25519 key")
        return OrgKey(org, identity.public_bytes(key), key)
    try:
        pub = serialization.load_pem_public_key(data)
    except ValueError:
        raise StoreError(f"{path} is not an organisation key file") from None
    if not isinstance(pub, Ed25519PublicKey):
        raise StoreError(f"{path} is not an Ed25519 key")
    return OrgKey(org, identity.public_bytes(pub), None)


def read_passphrase(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes().rstrip(b"\r\n") or None
    except OSError as exc:
        raise StoreError(f"cannot read the passphrase file {path}: {exc.strerror}") from None


# ---------------------------------------------------------------- issuing


def new_serial() -> int:
    """A random 63-bit serial: unique without a counter, also when signed off the relay."""
    return secrets.randbits(63) or 1


@dataclasses.dataclass(frozen=True)
class Issuer:
    """Signs certificates and revocation lists with the organisation's private key."""

    key: OrgKey
    days: int = identity.DEFAULT_CERT_DAYS
    list_days: int = identity.DEFAULT_LIST_DAYS

    def card(self, agent: AgentRecord, team: str, agent_key: bytes, now: float) -> CardRow:
        raw = identity.issue(
            self.key.signer(),
            org=self.key.org or agent.org,
            agent=agent.name,
            display_name=agent.display_name,
            team=team,
            agent_key=agent_key,
            serial=new_serial(),
            now=now,
            days=self.days,
        )
        return card_row(raw, now)

    def revocations(self, store: Store, now: float) -> bytes:
        raw = identity.revocation_list(
            self.key.signer(), store.revoked_serials(), now=now, days=self.list_days
        )
        store.set_revocations(raw)
        return raw


def card_row(raw: bytes, issued: float) -> CardRow:
    cert = identity.load_certificate(raw)
    b = cert.body
    return CardRow(b.serial, b.agent, b.agent_key, b.not_before, b.not_after, issued, raw)


def registered(store: Store, public_key: bytes | None = None) -> Organisation:
    """The organisation registered here (with this key, if given), or a StoreError saying why."""
    org = store.organisation()
    if org is None:
        raise StoreError("register the organisation first: assist-relay org register --key FILE")
    if public_key is not None and org.public_key != public_key:
        raise StoreError("that key is not the organisation key registered on this relay")
    return org


def upload(store: Store, raw: bytes) -> str:
    """Bring a certificate or revocation list signed elsewhere to this relay."""
    org = registered(store)
    try:
        cert = identity.load_certificate(raw)
    except IdentityError:
        cert = None
    if cert is not None:
        if cert.body.org_key != org.public_key:
            raise StoreError("that certificate is signed by another organisation key")
        store.agent_record(cert.body.agent)  # the agent must exist here
        store.add_certificate(card_row(raw, time.time()), cert.body.team)
        return f"certificate {cert.body.serial} for {cert.body.agent}"
    try:
        crl = identity.load_revocation_list(raw, org.public_key)
    except IdentityError:
        raise StoreError(
            "that file is neither a certificate nor a revocation list of this organisation"
        ) from None
    store.set_revocations(raw)
    return f"revocation list of {len(crl.body.serials)} serial(s)"


# ---------------------------------------------------------------- signing in


@dataclasses.dataclass(frozen=True)
class SignInCredentials:
    """What an agent's app gets with ``AuthOk``, or why it may not sign in."""

    certificate: bytes = b""
    revocations: bytes = b""
    refusal: ErrorCode | None = None


def credentials_for(
    store: Store,
    agent: AgentRecord,
    public_key: bytes,
    now: float,
    issuer: Issuer | None = None,
    renew_before_s: float = 7 * 86400,
) -> SignInCredentials:
    """The card for this agent's key and the newest revocation list, renewing either
    when the relay holds the organisation key. Runs in a worker thread."""
    store.key_seen(agent.name, public_key, now)
    org = store.organisation()
    if org is None:
        return SignInCredentials()
    mine = [c for c in store.certificates(agent.name) if c.public_key == public_key]
    card = mine[0] if mine else None
    revocations = org.revocations
    if issuer is not None and issuer.key.public_key == org.public_key:
        if refresh_list(store, issuer, now):
            revocations = store.revocations()
        if card is not None and card.revoked is None and now < card.not_after:
            if card.not_after - now < renew_before_s:  # renewal, never a first card
                card = issuer.card(agent, store.agent_team(agent.name), public_key, now)
                store.add_certificate(card)
    if card is None:
        refusal = ErrorCode.CERTIFICATE_MISSING if org.require_certificates else None
        return SignInCredentials(b"", revocations, refusal)
    if card.revoked is not None:
        return SignInCredentials(b"", b"", ErrorCode.CERTIFICATE_REVOKED)
    if now > card.not_after:
        refusal = ErrorCode.CERTIFICATE_EXPIRED if org.require_certificates else None
        return SignInCredentials(b"", revocations, refusal)
    return SignInCredentials(card.body, revocations)


def refresh_list(store: Store, issuer: Issuer, now: float) -> bool:
    """Sign a new revocation list if there is none or it is half its validity old."""
    org = store.organisation()
    if org is None or org.public_key != issuer.key.public_key:
        return False
    age = list_age(org.revocations, org.public_key, now)
    if age is not None and age <= issuer.list_days * 86400 / 2:
        return False
    issuer.revocations(store, now)
    return True


def list_age(raw: bytes, org_key: bytes, now: float) -> float | None:
    """Seconds since the list was issued; None if there is none or it is not the org's."""
    if not raw:
        return None
    try:
        return now - identity.load_revocation_list(raw, org_key).body.issued_at
    except IdentityError:
        return None


def agent_cards(store: Store) -> list[tuple[AgentRecord, CardRow | None, bool]]:
    """Each agent with the newest certificate for the key their app last signed in
    with (None: none issued for it), and whether they ever signed in with a key."""
    newest: dict[tuple[str, bytes], CardRow] = {}
    for c in store.certificates():  # newest first
        newest.setdefault((c.agent, c.public_key), c)
    out = []
    for a in store.list_agents():
        key = store.newest_key(a.name)
        out.append((a, newest.get((a.name, key)) if key is not None else None, key is not None))
    return out


def card_state(card: CardRow | None, now: float) -> str:
    """A word for the admin's table: the agent window's word (``identity.card_state``),
    or ``revoked``, which only the relay's records know."""
    if card is None:
        return "none"
    if card.revoked is not None:
        return "revoked"
    return identity.card_state(card.body, card.public_key, now).kind
