"""The catalogue's machinery: checked types, records, messages, the registry and :func:`parse`.

Messages are `msgspec <https://jcristharif.com/msgspec/>`_ structs. Each field is
declared once, with its limit in the annotation (``Annotated[int, Meta(le=...)]``
through the aliases below), and msgspec checks every limit in C while it decodes.
``array_like=True`` makes a struct a msgpack array of its fields in declaration
order, which is exactly the wire format the hand-written codec produced before
(``tests/core/test_messages_wire.py`` holds the known bytes of every kind).

Why msgspec: it is one well-kept dependency that encodes, decodes *and*
validates (limits, enums, exact array lengths, no extra fields) in C and raises
one error type; the measured speed-up is in ``docs/performance.md``. Its tagged
unions are not used: their tag lives inside the array, while our kind byte sits
before the body, so the relay can tell the layer from one byte and forward
``Data`` without decoding it. :func:`parse` picks a decoder by that byte.

Both directions are checked. Parsing raises only
:class:`~common.errors.ProtocolError` (the peer sent something wrong);
:meth:`Message.serialize` decodes what it encoded and raises
:class:`~common.errors.UnsendableMessageError` (a bug on this side), so a message
that parses is a message we could have sent, and nothing invalid is ever sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self, cast, overload

import msgspec
from msgspec import Meta

from common.errors import ProtocolError, UnsendableMessageError
from common.messages.limits import (
    MAC_BYTES,
    MAX_COORD,
    MAX_MESSAGE_BYTES,
    MAX_NAME,
    MAX_POINTS,
    NAMEPLATE_MAX_DIGITS,
    NAMEPLATE_MIN_DIGITS,
    TOKEN_HASH_BYTES,
    U32,
    Kind,
    Layer,
    layer_of,
)

# ---------------------------------------------------------------- checked types
# Limits several layers share; one-off limits are written where the field is.

UInt16 = Annotated[int, Meta(ge=0, le=0xFFFF)]
UInt32 = Annotated[int, Meta(ge=0, le=U32)]
#: msgspec takes no bound beyond int64; msgpack itself stops at 2**64 - 1, so none is needed.
UInt64 = Annotated[int, Meta(ge=0)]
#: A screen coordinate in physical pixels (monitors left of or above the primary are negative).
Coord = Annotated[int, Meta(ge=-MAX_COORD, le=MAX_COORD)]
#: A size or a position inside one monitor.
Size = Annotated[int, Meta(ge=0, le=MAX_COORD)]
Name = Annotated[str, Meta(max_length=MAX_NAME)]
#: The first digits of a code. ``\\A``/``\\Z``: ``$`` would also accept a trailing newline.
Nameplate = Annotated[
    str, Meta(pattern=rf"\A[0-9]{{{NAMEPLATE_MIN_DIGITS},{NAMEPLATE_MAX_DIGITS}}}\Z")
]
Hash32 = Annotated[bytes, Meta(min_length=TOKEN_HASH_BYTES, max_length=TOKEN_HASH_BYTES)]
Mac = Annotated[bytes, Meta(min_length=MAC_BYTES, max_length=MAC_BYTES)]

_FLAT_POINTS = Annotated[tuple[Coord, ...], Meta(max_length=2 * MAX_POINTS)]


class Points(Sequence[tuple[int, int]]):
    """A polyline in screen pixels: a sequence of (x, y), sent flat as [x0, y0, x1, y1, ...].

    Equal to any tuple or list of the same pairs, so code and tests can write
    ``shape.points == ((10, 10), (100, 120))``.
    """

    __slots__ = ("flat",)

    def __init__(self, pairs: Iterable[tuple[int, int]] = ()) -> None:
        flat: list[int] = []
        for x, y in pairs:  # a "pair" of another length fails here, loudly
            flat += (x, y)
        self.flat: tuple[int, ...] = tuple(flat)

    @classmethod
    def from_flat(cls, flat: Sequence[int]) -> Points:
        if len(flat) % 2:
            raise ValueError("not a flat list of x, y pairs")
        out = cls.__new__(cls)
        out.flat = tuple(flat)
        return out

    def __len__(self) -> int:
        return len(self.flat) // 2

    @overload
    def __getitem__(self, i: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[int, int], ...]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return tuple(self)[i]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("point index out of range")
        return self.flat[2 * i], self.flat[2 * i + 1]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        it = iter(self.flat)
        return zip(it, it, strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Points):
            return self.flat == other.flat
        if isinstance(other, tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.flat)

    def __repr__(self) -> str:
        return f"Points({tuple(self)!r})"


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, Points):
        return obj.flat
    raise NotImplementedError(f"{type(obj).__name__} is not part of the message catalogue")


class _Flat(msgspec.Struct, array_like=True):
    points: _FLAT_POINTS


def _dec_hook(cls: type, raw: Any) -> Any:
    if cls is Points:  # msgspec reports a ValueError here as a ValidationError at this path
        try:
            flat = msgspec.convert((raw,), _Flat).points
        except msgspec.ValidationError as exc:
            raise ValueError(str(exc).split(" - at ", 1)[0]) from None
        return Points.from_flat(flat)
    raise NotImplementedError(f"{cls.__name__} is not part of the message catalogue")


_ENCODER = msgspec.msgpack.Encoder(enc_hook=_enc_hook)


# ---------------------------------------------------------------- records


if TYPE_CHECKING:
    # mypy reads ``frozen`` of a msgspec base as not inherited and would want it on every
    # subclass; at run time it is inherited, and assignment raises AttributeError.
    _Base = msgspec.Struct
else:

    class _Base(msgspec.Struct, array_like=True, frozen=True, forbid_unknown_fields=True, gc=False):
        pass


class Record(_Base):
    """A frozen record sent as a msgpack array of its fields (no field names on the wire).

    ``array_like``: fields by position, in declaration order. ``frozen``: a
    message never changes once built. ``forbid_unknown_fields`` makes an array
    with more elements than fields an error, like one with fewer. ``gc=False``:
    records hold only plain values, never cycles, so the garbage collector need
    not track the thousands of tiles a second the screen produces.
    """


class Message(Record):
    """A record with a kind byte: one of the catalogue's messages."""

    KIND: ClassVar[Kind]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("KIND")
        if kind is None:  # an abstract base such as RawMessage
            return
        if kind in _REGISTRY:
            raise TypeError(f"two messages claim kind {kind!r}")
        _REGISTRY[kind] = cls
        _BY_BYTE[kind] = (cls, layer_of(kind))

    def serialize(self) -> bytes:
        try:
            body = _ENCODER.encode(self)
        except (TypeError, ValueError, OverflowError, NotImplementedError) as exc:
            raise UnsendableMessageError.because(f"{type(self).__name__}: {exc}") from None
        try:
            _decoder(type(self)).decode(body)
        except msgspec.MsgspecError as exc:
            raise UnsendableMessageError.because(_explain(type(self), exc)) from None
        return _KIND_BYTES[self.KIND] + body

    @classmethod
    def parse_body(cls, body: memoryview) -> Self:
        """The message from its body (the bytes after the kind byte)."""
        try:
            msg: Self = _decoder(cls).decode(body)
        except msgspec.MsgspecError as exc:
            raise ProtocolError.because(_explain(cls, exc)) from None
        return msg


class RawMessage(Message):
    """A message with a fixed raw layout instead of a msgpack body (see ``e2e``).

    Its fields are still checked against their annotations, on both sides, by
    ``msgspec.convert``.
    """

    def serialize(self) -> bytes:
        try:
            msgspec.convert(msgspec.structs.astuple(self), type(self))
        except msgspec.MsgspecError as exc:
            raise UnsendableMessageError.because(_explain(type(self), exc)) from None
        return _KIND_BYTES[self.KIND] + self.raw_body()

    def raw_body(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def checked(cls, *fields: Any) -> Self:
        """The message with these field values, or ProtocolError naming the bad one."""
        try:
            msg: Self = msgspec.convert(fields, cls)
        except msgspec.MsgspecError as exc:
            raise ProtocolError.because(_explain(cls, exc)) from None
        return msg


_REGISTRY: dict[Kind, type[Message]] = {}
_KIND_BYTES = {kind: bytes((kind,)) for kind in Kind}
#: First byte -> (class, layer), or None for a byte that is no kind. Filled by ``__init__``.
_BY_BYTE: list[tuple[type[Message], Layer] | None] = [None] * 256
_DECODERS: dict[type[Message], msgspec.msgpack.Decoder[Any]] = {}


def _decoder(cls: type[Message]) -> msgspec.msgpack.Decoder[Any]:
    """The decoder of one message class, made on first use (once the class is complete)."""
    dec = _DECODERS.get(cls)
    if dec is None:
        dec = _DECODERS[cls] = msgspec.msgpack.Decoder(cls, dec_hook=_dec_hook)
    return dec


_PATH = re.compile(r" - at `\$((?:\[\d+\])*)`$")


def _explain(cls: type[Record], exc: msgspec.MsgspecError) -> str:
    """msgspec's sentence with its path (``$[6][2][1]``) turned into names (``tiles[2].y``)."""
    text = str(exc)
    found = _PATH.search(text)
    if not found:
        return f"{cls.__name__}: {text}"
    where, t = cls.__name__, cast(Any, msgspec.inspect.type_info(cls))
    for index in map(int, re.findall(r"\d+", found.group(1))):
        if isinstance(t, msgspec.inspect.StructType) and index < len(t.fields):
            where += f".{t.fields[index].name}"
            t = t.fields[index].type
        else:
            where += f"[{index}]"
            t = getattr(t, "item_type", None)
    return f"{where}: {text[: found.start()]}"


def parse(data: bytes | bytearray | memoryview, layer: Layer | Iterable[Layer]) -> Message:
    """Parse one message of the given layer(s). Raises only :class:`ProtocolError`.

    Every message the apps and the relay receive passes here, so the kind byte
    is looked up in a table and the body is handed on as a view, not a copy.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProtocolError.because("message: not bytes")
    size = len(data)
    if not size:
        raise ProtocolError.because("message: empty")
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError.because(f"message: larger than {MAX_MESSAGE_BYTES} bytes")
    found = _BY_BYTE[data[0]]
    if found is None:
        raise ProtocolError.because(f"message: unknown kind 0x{data[0]:02x}")
    cls, its_layer = found
    if its_layer is not layer and (isinstance(layer, Layer) or its_layer not in set(layer)):
        raise ProtocolError.because(f"message: {cls.KIND.name} is not allowed here")
    return cls.parse_body(memoryview(data)[1:])


def serialize(msg: Message) -> bytes:
    return msg.serialize()
