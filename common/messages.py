"""The typed catalogue of every message Assist sends, with one place for limits.

There are three layers, each a set of :class:`Kind` values:

* ``RELAY`` — endpoint <-> relay control messages (hello, auth, create, join,
  paired, data, resume, congestion, error, ...). The relay parses only these.
* ``E2E`` — what travels inside a ``Data`` message between the two endpoints:
  the PAKE message, key confirmation, sealed records and resume sync. The
  relay forwards these as opaque bytes and never parses them.
* ``APP`` — the plaintext inside a sealed record: frames, acks, annotations,
  laser, chat, steps, consent, pause, monitors, rating, session end.

Wire form: one kind byte, then the body. Most bodies are a msgpack array of the
fields in declaration order (compact, schema-less, fast C codec, native binary
type so tile bytes are not re-encoded). ``Data``, ``Pake``, ``Confirm``,
``Sealed`` and ``ResumeSync`` have fixed raw layouts instead, so the relay can
forward ``Data`` without decoding and a sealed record costs 9 bytes of framing.

Every message class validates its fields on construction *and* on parse with
the same :class:`Field` objects, so a message that parses is a message we could
have sent, and nothing invalid can be built to send. Parsing raises only
:class:`~common.errors.ProtocolError`.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar, cast, dataclass_transform

import msgpack

from common.errors import ErrorCode, ProtocolError, VersionError

PROTOCOL_VERSION = 1
#: Largest message on the relay websocket (the relay closes with 1009 beyond it).
MAX_MESSAGE_BYTES = 1 << 20
#: Largest application plaintext; leaves room for sealing and framing in MAX_MESSAGE_BYTES.
MAX_APP_BYTES = MAX_MESSAGE_BYTES - 1024
#: Screen coordinates (pixels) are limited to this magnitude.
MAX_COORD = 1 << 16
MAX_NAME = 64
MAX_TEXT = 4000
MAX_SHORT_TEXT = 500
MAX_POINTS = 4096
MAX_TILES = 8192
MAX_MONITORS = 16
NAMEPLATE_MIN_DIGITS = 3
NAMEPLATE_MAX_DIGITS = 12
PAKE_MESSAGE_BYTES = 33  # one side byte + a 32-byte Ed25519 element
MAC_BYTES = 32
TAG_BYTES = 16  # Poly1305 tag at the end of every sealed record
TOKEN_HASH_BYTES = 32
U32 = (1 << 32) - 1
U64 = (1 << 64) - 1


class Kind(enum.IntEnum):
    # relay layer: endpoint <-> relay
    HELLO = 0x01
    WELCOME = 0x02
    AUTH = 0x03
    AUTH_OK = 0x04
    CREATE = 0x05
    CREATED = 0x06
    JOIN = 0x07
    PAIRED = 0x08
    DATA = 0x09
    ESTABLISHED = 0x0A
    PAIRING_FAILED = 0x0B
    PEER_AWAY = 0x0C
    PEER_BACK = 0x0D
    PEER_LEFT = 0x0E
    RESUME = 0x0F
    RESUMED = 0x10
    CONGESTION = 0x11
    ERROR = 0x12
    BYE = 0x13
    # e2e layer: endpoint <-> endpoint, inside Data
    PAKE = 0x40
    CONFIRM = 0x41
    SEALED = 0x42
    RESUME_SYNC = 0x43
    # app layer: inside a sealed record
    CONSENT = 0x80
    PAUSE = 0x81
    MONITORS = 0x82
    MONITOR_SWITCH = 0x83
    FRAME = 0x84
    FRAME_ACK = 0x85
    SHAPE = 0x86
    SHAPE_REMOVE = 0x87
    SHAPES_CLEAR = 0x88
    LASER = 0x89
    CHAT = 0x8A
    STEP = 0x8B
    RATING = 0x8C
    SESSION_END = 0x8D
    CHANNEL_ACK = 0x8E


class Layer(enum.Enum):
    RELAY = "relay"
    E2E = "e2e"
    APP = "app"


def layer_of(kind: Kind) -> Layer:
    if kind < 0x40:
        return Layer.RELAY
    if kind < 0x80:
        return Layer.E2E
    return Layer.APP


class Role(enum.IntEnum):
    AGENT = 1
    CUSTOMER = 2


class PeerLeftReason(enum.IntEnum):
    LEFT = 1  # said Bye
    TIMED_OUT = 2  # dropped and did not resume within the grace period
    PAIRING_FAILED = 3  # key confirmation failed on one side: the nameplate is burned
    INTRUDER = 4  # a third party tried to claim the nameplate; the session is closed
    RELAY_SHUTDOWN = 5


class EndReason(enum.IntEnum):
    AGENT_ENDED = 1
    CUSTOMER_STOPPED = 2
    DECLINED = 3
    ERROR = 4
    DURATION_ELAPSED = 5


class ConsentState(enum.IntEnum):
    GRANTED = 1
    DECLINED = 2
    WITHDRAWN = 3


class Codec(enum.IntEnum):
    """How a tile's bytes are encoded; exact layouts in ``common/tile_codecs.py``."""

    SOLID = 1  # data: 4 bytes B, G, R, A of a single colour
    ZLIB = 2  # data: zlib of the tile's BGRA bytes (lossless)
    PNG = 3  # lossless
    JPEG = 4  # lossy, for photo-like content
    WEBP = 5  # lossless WebP for text and UI (smallest measured), lossy where noted
    PALETTE = 6  # data: zlib of (palette size, BGR palette, packed indices): lossless


class ShapeTool(enum.IntEnum):
    PEN = 1
    ARROW = 2
    RECT = 3
    ELLIPSE = 4
    TEXT = 5
    HIGHLIGHTER = 6
    STEP = 7


# ---------------------------------------------------------------- fields


class Field:
    """Checks one value, from a constructor (python value) or from the wire (msgpack value)."""

    def check(self, value: Any, name: str) -> Any:
        raise NotImplementedError

    def load(self, raw: Any, name: str) -> Any:
        return self.check(raw, name)

    def dump(self, value: Any) -> Any:
        return value


def _bad(name: str, what: str) -> ProtocolError:
    return ProtocolError.because(f"{name}: {what}")


class Int(Field):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def check(self, value: Any, name: str) -> int:
        if type(value) is not int and not isinstance(value, enum.IntEnum):
            raise _bad(name, "not an integer")
        if not self.lo <= value <= self.hi:
            raise _bad(name, f"{value} outside {self.lo}..{self.hi}")
        return int(value)


class Bool(Field):
    def check(self, value: Any, name: str) -> bool:
        if type(value) is not bool:
            raise _bad(name, "not a boolean")
        return value


class Str(Field):
    def __init__(self, max_len: int, *, digits: tuple[int, int] | None = None) -> None:
        self.max_len = max_len
        self.digits = digits

    def check(self, value: Any, name: str) -> str:
        if type(value) is not str:
            raise _bad(name, "not text")
        if len(value) > self.max_len:
            raise _bad(name, f"longer than {self.max_len} characters")
        if self.digits is not None:
            lo, hi = self.digits
            if not (value.isascii() and value.isdigit() and lo <= len(value) <= hi):
                raise _bad(name, f"not {lo} to {hi} digits")
        return value


class Bytes(Field):
    def __init__(self, max_len: int, *, exact: int | None = None, min_len: int = 0) -> None:
        self.max_len = max_len
        self.exact = exact
        self.min_len = exact if exact is not None else min_len

    def check(self, value: Any, name: str) -> bytes:
        if type(value) is not bytes:
            raise _bad(name, "not bytes")
        if self.exact is not None and len(value) != self.exact:
            raise _bad(name, f"{len(value)} bytes, expected {self.exact}")
        if len(value) > self.max_len:
            raise _bad(name, f"longer than {self.max_len} bytes")
        if len(value) < self.min_len:
            raise _bad(name, f"shorter than {self.min_len} bytes")
        return value


E = TypeVar("E", bound=enum.IntEnum)


class Enum(Field):
    def __init__(self, cls: type[enum.IntEnum]) -> None:
        self.cls = cls

    def check(self, value: Any, name: str) -> enum.IntEnum:
        if isinstance(value, self.cls):
            return value
        if type(value) is not int:
            raise _bad(name, f"not a {self.cls.__name__}")
        try:
            return self.cls(value)
        except ValueError:
            raise _bad(name, f"unknown {self.cls.__name__} {value}") from None

    def dump(self, value: Any) -> int:
        return int(value)


class Seq(Field):
    """A tuple of items of one field type, at most ``max_items`` long."""

    def __init__(self, item: Field, max_items: int) -> None:
        self.item = item
        self.max_items = max_items

    def _items(self, value: Any, name: str) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise _bad(name, "not a list")
        if len(value) > self.max_items:
            raise _bad(name, f"more than {self.max_items} items")
        return list(value)

    def check(self, value: Any, name: str) -> tuple[Any, ...]:
        return tuple(self.item.check(v, name) for v in self._items(value, name))

    def load(self, raw: Any, name: str) -> tuple[Any, ...]:
        return tuple(self.item.load(v, name) for v in self._items(raw, name))

    def dump(self, value: Any) -> list[Any]:
        return [self.item.dump(v) for v in value]


class Points(Field):
    """A polyline in screen pixels: a tuple of (x, y), sent flat as [x0, y0, x1, y1, ...]."""

    def check(self, value: Any, name: str) -> tuple[tuple[int, int], ...]:
        if not isinstance(value, list | tuple) or len(value) > MAX_POINTS:
            raise _bad(name, f"not a list of at most {MAX_POINTS} points")
        coord = Int(-MAX_COORD, MAX_COORD)
        out = []
        for p in value:
            if not isinstance(p, list | tuple) or len(p) != 2:
                raise _bad(name, "a point is not (x, y)")
            out.append((coord.check(p[0], name), coord.check(p[1], name)))
        return tuple(out)

    def load(self, raw: Any, name: str) -> tuple[tuple[int, int], ...]:
        if not isinstance(raw, list) or len(raw) % 2 or len(raw) > 2 * MAX_POINTS:
            raise _bad(name, "not a flat list of x, y pairs")
        return self.check(list(zip(raw[::2], raw[1::2], strict=True)), name)

    def dump(self, value: Any) -> list[int]:
        return [c for p in value for c in p]


class Struct(Field):
    """A nested record (a :class:`Record` subclass), sent as a msgpack array."""

    def __init__(self, cls: type[Record]) -> None:
        self.cls = cls

    def check(self, value: Any, name: str) -> Record:
        if not isinstance(value, self.cls):
            raise _bad(name, f"not a {self.cls.__name__}")
        return value

    def load(self, raw: Any, name: str) -> Record:
        return self.cls._from_list(raw)

    def dump(self, value: Any) -> list[Any]:
        return cast(Record, value)._to_list()


# ---------------------------------------------------------------- records


R = TypeVar("R", bound="Record")


class Record:
    """A frozen dataclass whose fields are checked by the ``Field`` in ``SPEC``."""

    SPEC: ClassVar[dict[str, Field]] = {}

    def __post_init__(self) -> None:
        for name, field in self.SPEC.items():
            object.__setattr__(self, name, field.check(getattr(self, name), name))

    def _to_list(self) -> list[Any]:
        return [field.dump(getattr(self, name)) for name, field in self.SPEC.items()]

    @classmethod
    def _from_list(cls: type[R], raw: Any) -> R:
        if not isinstance(raw, list) or len(raw) != len(cls.SPEC):
            raise _bad(cls.__name__, f"expected {len(cls.SPEC)} fields")
        values = {
            name: field.load(value, name)
            for (name, field), value in zip(cls.SPEC.items(), raw, strict=True)
        }
        obj = cls.__new__(cls)
        for name, value in values.items():
            object.__setattr__(obj, name, value)
        return obj


@dataclass_transform(frozen_default=True)
def record(cls: type[R]) -> type[R]:
    """Make ``cls`` a frozen, slotted dataclass and check its SPEC matches its fields."""
    out = dataclasses.dataclass(frozen=True, slots=True)(cls)
    names = [f.name for f in dataclasses.fields(cast(Any, out))]
    if names != list(out.SPEC):
        raise TypeError(f"{cls.__name__}: SPEC {list(out.SPEC)} does not match fields {names}")
    return out


class Message(Record):
    KIND: ClassVar[Kind]

    def serialize(self) -> bytes:
        body: bytes = msgpack.packb(self._to_list(), use_bin_type=True)
        return bytes((self.KIND,)) + body

    @classmethod
    def parse_body(cls, body: bytes) -> Message:
        try:
            raw = msgpack.unpackb(
                body,
                raw=False,
                use_list=True,
                strict_map_key=True,
            )
        except ProtocolError:
            raise
        except Exception as exc:  # msgpack raises many types on garbage
            raise _bad(cls.__name__, f"undecodable body ({type(exc).__name__})") from None
        return cls._from_list(raw)


_REGISTRY: dict[Kind, type[Message]] = {}

M = TypeVar("M", bound=type[Message])


@dataclass_transform(frozen_default=True)
def message(cls: M) -> M:
    out = record(cls)
    if out.KIND in _REGISTRY:
        raise TypeError(f"two messages claim kind {out.KIND!r}")
    _REGISTRY[out.KIND] = out
    return cast(M, out)


def parse(data: bytes, layer: Layer | Iterable[Layer]) -> Message:
    """Parse one message of the given layer(s). Raises only :class:`ProtocolError`."""
    layers = {layer} if isinstance(layer, Layer) else set(layer)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _bad("message", "not bytes")
    data = bytes(data)
    if not data:
        raise _bad("message", "empty")
    if len(data) > MAX_MESSAGE_BYTES:
        raise _bad("message", f"larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        kind = Kind(data[0])
    except ValueError:
        raise _bad("message", f"unknown kind 0x{data[0]:02x}") from None
    if layer_of(kind) not in layers:
        raise _bad("message", f"{kind.name} is not allowed here")
    return _REGISTRY[kind].parse_body(data[1:])


def serialize(msg: Message) -> bytes:
    return msg.serialize()


# ---------------------------------------------------------------- relay layer

_u8, _u16, _u32, _u64 = Int(0, 0xFF), Int(0, 0xFFFF), Int(0, U32), Int(0, U64)
_coord = Int(-MAX_COORD, MAX_COORD)
_size = Int(0, MAX_COORD)
_nameplate = Str(NAMEPLATE_MAX_DIGITS, digits=(NAMEPLATE_MIN_DIGITS, NAMEPLATE_MAX_DIGITS))
_name = Str(MAX_NAME)


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


class RawMessage(Message):
    """A message with a fixed raw layout instead of a msgpack body."""

    def serialize(self) -> bytes:
        return bytes((self.KIND,)) + self.raw_body()

    def raw_body(self) -> bytes:
        raise NotImplementedError


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


# ---------------------------------------------------------------- app layer


@record
class MonitorInfo(Record):
    """One of the customer's monitors: geometry in physical pixels, scale in percent."""

    SPEC = {
        "index": Int(0, MAX_MONITORS - 1),
        "x": _coord,
        "y": _coord,
        "width": Int(1, MAX_COORD),
        "height": Int(1, MAX_COORD),
        "scale_pct": Int(25, 800),
        "name": _name,
        "primary": Bool(),
    }
    index: int
    x: int
    y: int
    width: int
    height: int
    scale_pct: int
    name: str
    primary: bool


@record
class Tile(Record):
    """A changed rectangle of the shared monitor, in physical pixels."""

    SPEC = {
        "x": _size,
        "y": _size,
        "w": Int(1, 4096),
        "h": Int(1, 4096),
        "codec": Enum(Codec),
        "data": Bytes(MAX_APP_BYTES),
    }
    x: int
    y: int
    w: int
    h: int
    codec: Codec
    data: bytes


@record
class Move(Record):
    """Copy a rectangle of the previous frame to a new place (scrolling), before tiles."""

    SPEC = {"src_x": _size, "src_y": _size, "x": _size, "y": _size, "w": _size, "h": _size}
    src_x: int
    src_y: int
    x: int
    y: int
    w: int
    h: int


@message
class Consent(Message):
    """customer -> agent: the customer's answer, and what they allowed."""

    KIND = Kind.CONSENT
    SPEC = {"state": Enum(ConsentState), "allow_draw": Bool(), "monitor": Int(0, MAX_MONITORS)}
    state: ConsentState
    allow_draw: bool
    monitor: int


@message
class Pause(Message):
    """customer -> agent: sharing paused (no pixels are sent) or resumed."""

    KIND = Kind.PAUSE
    SPEC = {"paused": Bool()}
    paused: bool


@message
class Monitors(Message):
    """customer -> agent: the monitors and which one is shared."""

    KIND = Kind.MONITORS
    SPEC = {"monitors": Seq(Struct(MonitorInfo), MAX_MONITORS), "current": Int(0, MAX_MONITORS)}
    monitors: tuple[MonitorInfo, ...]
    current: int


@message
class MonitorSwitch(Message):
    """agent -> customer: please share this monitor instead (the customer is asked)."""

    KIND = Kind.MONITOR_SWITCH
    SPEC = {"index": Int(0, MAX_MONITORS - 1)}
    index: int


@message
class Frame(Message):
    """customer -> agent: part or all of one screen update.

    A frame may span several messages; ``final`` marks the last. ``capture_ns`` is
    the sender's wall clock at capture, for latency measurement. ``keyframe`` means
    the tiles cover the whole screen and nothing of the previous frame is needed.
    """

    KIND = Kind.FRAME
    SPEC = {
        "frame_id": _u32,
        "capture_ns": _u64,
        "width": Int(1, MAX_COORD),
        "height": Int(1, MAX_COORD),
        "keyframe": Bool(),
        "final": Bool(),
        "moves": Seq(Struct(Move), 64),
        "tiles": Seq(Struct(Tile), MAX_TILES),
        "cursor_x": Int(-1, MAX_COORD),
        "cursor_y": Int(-1, MAX_COORD),
    }
    frame_id: int
    capture_ns: int
    width: int
    height: int
    keyframe: bool
    final: bool
    moves: tuple[Move, ...]
    tiles: tuple[Tile, ...]
    cursor_x: int
    cursor_y: int


@message
class FrameAck(Message):
    """agent -> customer: this frame was displayed. Drives the sender's window."""

    KIND = Kind.FRAME_ACK
    SPEC = {"frame_id": _u32}
    frame_id: int


@message
class Shape(Message):
    """agent -> customer: one annotation, in the shared monitor's physical pixels.

    ``fade_ms`` 0 means pinned (stays until removed). ``number`` is the step
    number for STEP markers; ``text`` is used by TEXT (and optionally STEP).
    """

    KIND = Kind.SHAPE
    SPEC = {
        "shape_id": _u32,
        "tool": Enum(ShapeTool),
        "monitor": Int(0, MAX_MONITORS - 1),
        "color": _u32,
        "width": Int(1, 200),
        "points": Points(),
        "text": Str(MAX_SHORT_TEXT),
        "number": Int(0, 999),
        "fade_ms": Int(0, 3_600_000),
    }
    shape_id: int
    tool: ShapeTool
    monitor: int
    color: int
    width: int
    points: tuple[tuple[int, int], ...]
    text: str
    number: int
    fade_ms: int


@message
class ShapeRemove(Message):
    """agent -> customer: remove these annotations (undo)."""

    KIND = Kind.SHAPE_REMOVE
    SPEC = {"shape_ids": Seq(_u32, 4096)}
    shape_ids: tuple[int, ...]


@message
class ShapesClear(Message):
    KIND = Kind.SHAPES_CLEAR
    SPEC: ClassVar[dict[str, Field]] = {}


@message
class Laser(Message):
    """agent -> customer: where the laser pointer is; it fades on the customer side."""

    KIND = Kind.LASER
    SPEC = {"monitor": Int(0, MAX_MONITORS - 1), "x": _coord, "y": _coord, "visible": Bool()}
    monitor: int
    x: int
    y: int
    visible: bool


@message
class Chat(Message):
    """Either direction: a chat line."""

    KIND = Kind.CHAT
    SPEC = {"msg_id": _u32, "text": Str(MAX_TEXT), "sent_ms": _u64}
    msg_id: int
    text: str
    sent_ms: int


@message
class Step(Message):
    """agent -> customer: a numbered guidance step (re-sending a number replaces it)."""

    KIND = Kind.STEP
    SPEC = {"number": Int(1, 999), "text": Str(MAX_SHORT_TEXT), "done": Bool()}
    number: int
    text: str
    done: bool


@message
class Rating(Message):
    """customer -> agent at the end: 1-5 stars and an optional comment."""

    KIND = Kind.RATING
    SPEC = {"stars": Int(1, 5), "comment": Str(1000)}
    stars: int
    comment: str


@message
class SessionEnd(Message):
    """Either direction: the session is over, and why."""

    KIND = Kind.SESSION_END
    SPEC = {"reason": Enum(EndReason), "detail": Str(MAX_SHORT_TEXT)}
    reason: EndReason
    detail: str


@message
class ChannelAck(Message):
    """Either direction: every sealed record below ``next_seq`` arrived (trims resend buffers)."""

    KIND = Kind.CHANNEL_ACK
    SPEC = {"next_seq": _u64}
    next_seq: int


def message_classes() -> dict[Kind, type[Message]]:
    """Every message class by kind (for tests and docs)."""
    return dict(_REGISTRY)


_missing = set(Kind) - set(_REGISTRY)
if _missing:  # pragma: no cover - caught at import in development
    raise TypeError(f"kinds without a message class: {sorted(_missing)}")
