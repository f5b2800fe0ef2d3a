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
