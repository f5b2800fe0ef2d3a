"""The field machinery: checked values, records, messages, the registry and :func:`parse`.

Every message class validates its fields on construction *and* on parse with
the same :class:`Field` objects, so a message that parses is a message we could
have sent, and nothing invalid can be built to send. Parsing raises only
:class:`~common.errors.ProtocolError`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar, cast, dataclass_transform

import msgpack

from common.errors import ProtocolError
from common.messages.limits import (
    MAX_COORD,
    MAX_MESSAGE_BYTES,
    MAX_NAME,
    MAX_POINTS,
    NAMEPLATE_MAX_DIGITS,
    NAMEPLATE_MIN_DIGITS,
    U32,
    U64,
    Kind,
    Layer,
    layer_of,
)

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


class RawMessage(Message):
    """A message with a fixed raw layout instead of a msgpack body."""

    def serialize(self) -> bytes:
        return bytes((self.KIND,)) + self.raw_body()

    def raw_body(self) -> bytes:
        raise NotImplementedError


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


# Field checks several layers use.
_u8, _u16, _u32, _u64 = Int(0, 0xFF), Int(0, 0xFFFF), Int(0, U32), Int(0, U64)
_coord = Int(-MAX_COORD, MAX_COORD)
_size = Int(0, MAX_COORD)
_nameplate = Str(NAMEPLATE_MAX_DIGITS, digits=(NAMEPLATE_MIN_DIGITS, NAMEPLATE_MAX_DIGITS))
_name = Str(MAX_NAME)
