"""Small pure crypto functions, each named by purpose (as in magic-wormhole).

Everything here is deterministic given its inputs, so the key schedule can be
checked with known-answer vectors. See docs/protocol.md, "key schedule".
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PROTOCOL_LABEL = b"assist/1"
KEY_BYTES = 32


def transcript_hash(nameplate: str, pake_agent: bytes, pake_customer: bytes) -> bytes:
    """SHA-256 over the protocol label, the nameplate and both PAKE messages."""
    h = hashlib.sha256(PROTOCOL_LABEL)
    for part in (nameplate.encode("ascii"), pake_agent, pake_customer):
        h.update(len(part).to_bytes(2, "big"))
        h.update(part)
    return h.digest()


def derive_key(key: bytes, transcript: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    """HKDF-SHA256 of the PAKE key, salted with the transcript, for one purpose."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=transcript,
        info=PROTOCOL_LABEL + b" " + purpose.encode("ascii"),
    ).derive(key)


def mac(key: bytes, *parts: bytes) -> bytes:
    """HMAC-SHA256 over length-prefixed parts (so part boundaries cannot shift)."""
    h = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    return h.digest()


def mac_matches(expected: bytes, received: bytes) -> bool:
    return hmac.compare_digest(expected, received)


def token_hash(token: bytes) -> bytes:
    """What the relay stores for a resume token."""
    return hashlib.sha256(token).digest()


def nonce(seq: int) -> bytes:
    """A 96-bit ChaCha20-Poly1305 nonce from a 64-bit counter."""
    return b"\x00\x00\x00\x00" + seq.to_bytes(8, "big")


def associated_data(session_id: bytes, direction: int, seq: int) -> bytes:
    return PROTOCOL_LABEL + session_id + bytes((direction,)) + seq.to_bytes(8, "big")


def aead(key: bytes) -> ChaCha20Poly1305:
    """The cipher for one direction; build it once per channel, not per record."""
    return ChaCha20Poly1305(key)


def encrypt(cipher: ChaCha20Poly1305, seq: int, ad: bytes, plaintext: bytes) -> bytes:
    return cipher.encrypt(nonce(seq), plaintext, ad)


def decrypt(cipher: ChaCha20Poly1305, seq: int, ad: bytes, ciphertext: bytes) -> bytes | None:
    """The plaintext, or None if the tag does not verify."""
    try:
        return cipher.decrypt(nonce(seq), ciphertext, ad)
    except InvalidTag:
        return None
