"""The end-to-end layer: what travels inside ``Data`` between the two endpoints (the
relay forwards these as opaque bytes and never parses them). Fixed raw layouts,
checked against the same annotations as every other message."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

import struct
from typing import Annotated

from msgspec import Meta

from common.errors import ProtocolError
from common.messages.base import *  # noqa: F403
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- e2e layer


class Pake(RawMessage):
    """The SPAKE2 message: a side byte (b"A" agent, b"B" customer) and 32 bytes."""

    KIND = Kind.PAKE
    body: Annotated[bytes, Meta(min_length=PAKE_MESSAGE_BYTES, max_length=PAKE_MESSAGE_BYTES)]

    def raw_body(self) -> bytes:
        return self.body

    @classmethod
    def parse_body(cls, body: memoryview) -> Pake:
        return cls.checked(bytes(body))


class Confirm(RawMessage):
    """Key confirmation: HMAC of the transcript under this side's confirmation key."""

    KIND = Kind.CONFIRM
    mac: Mac

    def raw_body(self) -> bytes:
        return self.mac

    @classmethod
    def parse_body(cls, body: memoryview) -> Confirm:
        return cls.checked(bytes(body))


_SEQ = struct.Struct(">Q")


class Sealed(RawMessage):
    """One encrypted record: an 8-byte big-endian sequence number, then ciphertext+tag."""

    KIND = Kind.SEALED
    seq: UInt64
    ciphertext: Annotated[bytes, Meta(min_length=TAG_BYTES, max_length=MAX_MESSAGE_BYTES)]

    def raw_body(self) -> bytes:
        return _SEQ.pack(self.seq) + self.ciphertext

    @classmethod
    def parse_body(cls, body: memoryview) -> Sealed:
        if len(body) < _SEQ.size:
            raise ProtocolError.because("Sealed: shorter than a sequence number")
        return cls.checked(_SEQ.unpack_from(body)[0], bytes(body[_SEQ.size :]))


class ResumeSync(RawMessage):
    """After a resume: the next sequence number this side expects, authenticated."""

    KIND = Kind.RESUME_SYNC
    next_seq: UInt64
    mac: Mac

    def raw_body(self) -> bytes:
        return _SEQ.pack(self.next_seq) + self.mac

    @classmethod
    def parse_body(cls, body: memoryview) -> ResumeSync:
        if len(body) != _SEQ.size + MAC_BYTES:
            raise ProtocolError.because(
                f"ResumeSync: {len(body)} bytes, expected {_SEQ.size + MAC_BYTES}"
            )
        return cls.checked(_SEQ.unpack_from(body)[0], bytes(body[_SEQ.size :]))


# ---------------------------------------------------------------- rooms (protocol 4)


class Offer(RawMessage):
    """newcomer -> lead (in a Post): a signed offer to join, built and checked by
    :mod:`common.room` (the body is a signed msgpack record, opaque here)."""

    KIND = Kind.OFFER
    body: Annotated[bytes, Meta(min_length=1, max_length=MAX_OFFER_BYTES)]

    def raw_body(self) -> bytes:
        return self.body

    @classmethod
    def parse_body(cls, body: memoryview) -> Offer:
        return cls.checked(bytes(body))


class Greeting(Message):
    """lead -> newcomer (in a Post): the customer's HPKE welcome box, and the lead's
    signature over it and the offer it answers."""

    KIND = Kind.GREETING
    box: Annotated[bytes, Meta(min_length=1, max_length=MAX_WELCOME_BYTES)]
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]


_CAST_HEAD = struct.Struct(">IQ")


class CastSealed(RawMessage):
    """One record of the customer's shared stream: epoch (4 bytes), sequence number
    (8 bytes, strictly increasing across epochs), then ciphertext+tag under that
    epoch's key."""

    KIND = Kind.CAST_SEALED
    epoch: UInt32
    seq: UInt64
    ciphertext: Annotated[bytes, Meta(min_length=TAG_BYTES, max_length=MAX_MESSAGE_BYTES)]

    def raw_body(self) -> bytes:
        return _CAST_HEAD.pack(self.epoch, self.seq) + self.ciphertext

    @classmethod
    def parse_body(cls, body: memoryview) -> CastSealed:
        if len(body) < _CAST_HEAD.size:
            raise ProtocolError.because("CastSealed: shorter than its header")
        epoch, seq = _CAST_HEAD.unpack_from(body)
        return cls.checked(epoch, seq, bytes(body[_CAST_HEAD.size :]))


# ---------------------------------------------------------------- the help desk (protocol 5)


class HelpAnswer(Message):
    """agent -> the customer who asked from the app (in a Data): the agent's X25519 key,
    its certificate and the organisation's revocation list, and its signature over the
    request's transcript (:mod:`common.help`)."""

    KIND = Kind.HELP_ANSWER
    public_key: Annotated[bytes, Meta(min_length=KEY_BYTES, max_length=KEY_BYTES)]
    certificate: Annotated[bytes, Meta(min_length=1, max_length=MAX_CERTIFICATE_BYTES)]
    revocations: Annotated[bytes, Meta(max_length=MAX_REVOCATIONS_BYTES)]
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]
