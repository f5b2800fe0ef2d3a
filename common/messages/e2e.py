"""The end-to-end layer: what travels inside ``Data`` between the two endpoints (the
relay forwards these as opaque bytes and never parses them). Fixed raw layouts."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

import struct

from common.messages.base import *  # noqa: F403
from common.messages.base import _bad, _u64
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- e2e layer


@message
class Pake(RawMessage):
    """The SPAKE2 message: a side byte (b"A" agent, b"B" customer) and 32 bytes."""

    KIND = Kind.PAKE
    SPEC = {"body": Bytes(PAKE_MESSAGE_BYTES, exact=PAKE_MESSAGE_BYTES)}
    body: bytes

    def raw_body(self) -> bytes:
        return self.body

    @classmethod
    def parse_body(cls, body: bytes) -> Pake:
        return cls(body)


@message
class Confirm(RawMessage):
    """Key confirmation: HMAC of the transcript under this side's confirmation key."""

    KIND = Kind.CONFIRM
    SPEC = {"mac": Bytes(MAC_BYTES, exact=MAC_BYTES)}
    mac: bytes

    def raw_body(self) -> bytes:
        return self.mac

    @classmethod
    def parse_body(cls, body: bytes) -> Confirm:
        return cls(body)


_SEQ = struct.Struct(">Q")


@message
class Sealed(RawMessage):
    """One encrypted record: an 8-byte big-endian sequence number, then ciphertext+tag."""

    KIND = Kind.SEALED
    SPEC = {"seq": _u64, "ciphertext": Bytes(MAX_MESSAGE_BYTES, min_len=TAG_BYTES)}
    seq: int
    ciphertext: bytes

    def raw_body(self) -> bytes:
        return _SEQ.pack(self.seq) + self.ciphertext

    @classmethod
    def parse_body(cls, body: bytes) -> Sealed:
        if len(body) < _SEQ.size:
            raise _bad("Sealed", "shorter than a sequence number")
        return cls(_SEQ.unpack_from(body)[0], body[_SEQ.size :])


@message
class ResumeSync(RawMessage):
    """After a resume: the next sequence number this side expects, authenticated."""

    KIND = Kind.RESUME_SYNC
    SPEC = {"next_seq": _u64, "mac": Bytes(MAC_BYTES, exact=MAC_BYTES)}
    next_seq: int
    mac: bytes

    def raw_body(self) -> bytes:
        return _SEQ.pack(self.next_seq) + self.mac

    @classmethod
    def parse_body(cls, body: bytes) -> ResumeSync:
        if len(body) != _SEQ.size + MAC_BYTES:
            raise _bad("ResumeSync", f"{len(body)} bytes, expected {_SEQ.size + MAC_BYTES}")
        return cls(_SEQ.unpack_from(body)[0], body[_SEQ.size :])
