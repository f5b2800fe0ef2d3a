"""The relay layer: endpoint <-> relay control messages. The relay parses only these."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

from typing import ClassVar

from common.errors import ErrorCode, VersionError
from common.messages.base import *  # noqa: F403
from common.messages.base import _name, _nameplate, _u16, _u32
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- relay layer


@message
class Hello(Message):
    """First message of every connection, endpoint -> relay."""

    KIND = Kind.HELLO
    SPEC = {"version": _u16, "role": Enum(Role), "client": _name}
    version: int
    role: Role
    client: str

    def check_version(self) -> None:
        if self.version != PROTOCOL_VERSION:
            raise VersionError(theirs=self.version, ours=PROTOCOL_VERSION)


@message
class Welcome(Message):
    """relay -> endpoint: the hello was accepted."""

    KIND = Kind.WELCOME
    SPEC = {"version": _u16, "relay": _name}
    version: int
    relay: str


@message
class Auth(Message):
    """agent -> relay: the agent's token."""

    KIND = Kind.AUTH
    SPEC = {"token": Str(200)}
    token: str

    def __repr__(self) -> str:  # never print a token
        return "Auth(token=<hidden>)"


@message
class AuthOk(Message):
    KIND = Kind.AUTH_OK
    SPEC = {"name": _name, "display_name": _name, "org": _name}
    name: str
    display_name: str
    org: str


@message
class Create(Message):
    """agent -> relay: allocate a nameplate for a new session."""

    KIND = Kind.CREATE
    SPEC: ClassVar[dict[str, Field]] = {}


@message
class Created(Message):
    KIND = Kind.CREATED
    SPEC = {"nameplate": _nameplate, "expires_s": _u32}
    nameplate: str
    expires_s: int


@message
class Join(Message):
    """customer -> relay: claim the nameplate (the first digits of the code)."""

    KIND = Kind.JOIN
    SPEC = {"nameplate": _nameplate}
    nameplate: str


@message
class Paired(Message):
    """relay -> both: the other side is here. Names come from the relay's own records."""

    KIND = Kind.PAIRED
    SPEC = {"agent_display_name": _name, "agent_org": _name}
    agent_display_name: str
    agent_org: str


@message
class Data(RawMessage):
    """Opaque end-to-end bytes. The relay forwards the whole message unchanged."""

    KIND = Kind.DATA
    SPEC = {"payload": Bytes(MAX_MESSAGE_BYTES - 1, min_len=1)}
    payload: bytes

    def raw_body(self) -> bytes:
        return self.payload

    @classmethod
    def parse_body(cls, body: bytes) -> Data:
        return cls(body)


@message
class Established(Message):
    """endpoint -> relay after key confirmation: hashes of both sides' resume tokens.

    The relay marks the session established when both sides sent the same pair,
    and later accepts a ``Resume`` whose token hashes to the matching value.
    """

    KIND = Kind.ESTABLISHED
    SPEC = {
        "agent_token_hash": Bytes(TOKEN_HASH_BYTES, exact=TOKEN_HASH_BYTES),
        "customer_token_hash": Bytes(TOKEN_HASH_BYTES, exact=TOKEN_HASH_BYTES),
    }
    agent_token_hash: bytes
    customer_token_hash: bytes


@message
class PairingFailed(Message):
    """endpoint -> relay: key confirmation failed. The relay burns the nameplate."""

    KIND = Kind.PAIRING_FAILED
    SPEC: ClassVar[dict[str, Field]] = {}


@message
class PeerAway(Message):
    """relay -> endpoint: the other side's connection dropped; it may resume."""

    KIND = Kind.PEER_AWAY
    SPEC = {"grace_s": _u32}
    grace_s: int


@message
class PeerBack(Message):
    KIND = Kind.PEER_BACK
    SPEC: ClassVar[dict[str, Field]] = {}


@message
class PeerLeft(Message):
    KIND = Kind.PEER_LEFT
    SPEC = {"reason": Enum(PeerLeftReason)}
    reason: PeerLeftReason


@message
class Resume(Message):
    """endpoint -> relay on a new connection: pick the session up again."""

    KIND = Kind.RESUME
    SPEC = {
        "nameplate": _nameplate,
        "role": Enum(Role),
        "token": Bytes(TOKEN_HASH_BYTES, exact=TOKEN_HASH_BYTES),
    }
    nameplate: str
    role: Role
    token: bytes

    def __repr__(self) -> str:
        return f"Resume(nameplate={self.nameplate!r}, role={self.role!r}, token=<hidden>)"


@message
class Resumed(Message):
    """relay -> endpoint: resume accepted; ``peer_present`` says if the other side is there."""

    KIND = Kind.RESUMED
    SPEC = {"peer_present": Bool()}
    peer_present: bool


@message
class Congestion(Message):
    """relay -> endpoint: the other side is reading slowly. Level 0 means clear."""

    KIND = Kind.CONGESTION
    SPEC = {"level": Int(0, 3), "queued_bytes": _u32}
    level: int
    queued_bytes: int


@message
class Error(Message):
    """relay -> endpoint: a refusal with a stable code and a sentence."""

    KIND = Kind.ERROR
    SPEC = {"code": Enum(ErrorCode), "text": Str(MAX_SHORT_TEXT)}
    code: ErrorCode
    text: str


@message
class Bye(Message):
    """endpoint -> relay: ending the session on purpose, and how."""

    KIND = Kind.BYE
    SPEC = {"reason": Enum(EndReason)}
    reason: EndReason
