"""Every message kind round-trips, and no input from the network can crash a parser."""

from __future__ import annotations

import enum
from typing import Any

import msgpack
import msgspec.inspect as mi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import messages as m
from common.errors import AssistError, ProtocolError, UnsendableMessageError, VersionError


def strategy_for(t: mi.Type) -> st.SearchStrategy[Any]:
    """A hypothesis strategy that draws valid values for one msgspec type, limits included."""
    match t:
        case mi.IntType():
            lo = t.ge if t.ge is not None else -(2**63)
            hi = t.le if t.le is not None else 2**64 - 1
            return st.integers(lo, hi)
        case mi.BoolType():
            return st.booleans()
        case mi.StrType(pattern=str() as pattern):
            return st.from_regex(pattern)
        case mi.StrType():
            lo = t.min_length or 0
            return st.text(min_size=lo, max_size=max(lo, min(t.max_length or 50, 50)))
        case mi.BytesType():
            lo = t.min_length or 0
            return st.binary(min_size=lo, max_size=min(t.max_length or lo + 64, lo + 64))
        case mi.EnumType():
            return st.sampled_from(list(t.cls))
        case mi.VarTupleType():
            lo = t.min_length or 0
            return st.lists(strategy_for(t.item_type), min_size=lo, max_size=lo + 4).map(tuple)
        case mi.CustomType(cls=m.Points):
            coord = st.integers(-m.MAX_COORD, m.MAX_COORD)
            return st.lists(st.tuples(coord, coord), max_size=20).map(m.Points)
        case mi.StructType():
            return record_strategy(t.cls)
    raise AssertionError(f"no strategy for {t!r}")


def record_strategy(cls: type[m.Record]) -> st.SearchStrategy[Any]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return st.builds(cls, **{f.name: strategy_for(f.type) for f in info.fields})


def reference_list(value: Any) -> Any:
    """A record as the plain lists the old hand-written codec packed, for msgpack-python."""
    if isinstance(value, m.Record):
        return [reference_list(getattr(value, name)) for name in value.__struct_fields__]
    if isinstance(value, m.Points):
        return [c for point in value for c in point]
    if isinstance(value, tuple):
        return [reference_list(v) for v in value]
    if isinstance(value, enum.IntEnum):
        return int(value)
    return value


ALL = sorted(m.message_classes().items())


def test_every_kind_has_exactly_one_class() -> None:
    assert set(m.message_classes()) == set(m.Kind)


@pytest.mark.parametrize("kind,cls", ALL, ids=[k.name for k, _ in ALL])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_round_trip(kind: m.Kind, cls: type[m.Message], data: st.DataObject) -> None:
    msg = data.draw(record_strategy(cls))
    wire = msg.serialize()
    assert wire[0] == kind
    assert m.parse(wire, m.layer_of(kind)) == msg


RAW = {k for k, c in ALL if issubclass(c, m.RawMessage)}


@pytest.mark.parametrize("kind,cls", [(k, c) for k, c in ALL if k not in RAW])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_wire_is_what_msgpack_python_writes(
    kind: m.Kind, cls: type[m.Message], data: st.DataObject
) -> None:
    """Byte for byte the format of the old codec: msgpack-python packing the fields as lists."""
    msg = data.draw(record_strategy(cls))
    assert msg.serialize() == bytes((kind,)) + msgpack.packb(reference_list(msg), use_bin_type=True)


@pytest.mark.parametrize("layer", list(m.Layer))
@given(blob=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_protocol_error(layer: m.Layer, blob: bytes) -> None:
    try:
        m.parse(blob, layer)
    except ProtocolError:
        pass


@pytest.mark.parametrize("kind,cls", ALL, ids=[k.name for k, _ in ALL])
@given(body=st.binary(max_size=200))
def test_arbitrary_body_for_each_kind(kind: m.Kind, cls: type[m.Message], body: bytes) -> None:
    try:
        m.parse(bytes((kind,)) + body, m.layer_of(kind))
    except ProtocolError:
        pass


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=10),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


@pytest.mark.parametrize("kind,cls", ALL, ids=[k.name for k, _ in ALL])
@settings(max_examples=60)
@given(value=json_like)
def test_well_formed_msgpack_of_the_wrong_shape(
    kind: m.Kind, cls: type[m.Message], value: Any
) -> None:
    """Valid msgpack that is not this message (wrong types, counts, nesting) is refused."""
    try:
        m.parse(bytes((kind,)) + msgpack.packb(value, use_bin_type=True), m.layer_of(kind))
    except ProtocolError:
        pass


def test_unknown_kind_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ProtocolError, match="unknown kind 0x7f"):
        m.parse(b"\x7f\x90", m.Layer.E2E)


def test_a_kind_from_another_layer_is_refused() -> None:
    """The relay must never be made to parse application messages, and vice versa."""
    chat = m.Chat(1, "hi", 0).serialize()
    with pytest.raises(ProtocolError, match="not allowed here"):
        m.parse(chat, m.Layer.RELAY)
    with pytest.raises(ProtocolError, match="not allowed here"):
        m.parse(m.Create().serialize(), m.Layer.APP)


def test_unknown_protocol_version_is_refused_with_a_sentence() -> None:
    hello = m.parse(m.Hello(99, m.Role.AGENT, "x").serialize(), m.Layer.RELAY)
    assert isinstance(hello, m.Hello)
    with pytest.raises(VersionError) as info:
        hello.check_version()
    assert "version 99" in str(info.value) and "Update Assist" in str(info.value)


def test_unknown_enum_value_is_refused() -> None:
    wire = bytes((m.Kind.HELLO,)) + msgpack.packb([1, 7, "x"])
    with pytest.raises(ProtocolError, match="Hello.role: Invalid enum value 7"):
        m.parse(wire, m.Layer.RELAY)


def test_a_refusal_names_the_field_deep_inside() -> None:
    """The log says which tile of which frame was wrong, not a position like $[7][0][1]."""
    tile = [0, 70000, 64, 64, 1, b"\0\0\0\0"]
    body = [1, 0, 100, 100, True, True, [], [tile], -1, -1]
    wire = bytes((m.Kind.FRAME,)) + msgpack.packb(body, use_bin_type=True)
    with pytest.raises(ProtocolError) as info:
        m.parse(wire, m.Layer.APP)
    assert info.value.detail.startswith("Frame.tiles[0].y: Expected `int` <= 65536")


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],  # too few fields
        [1, 2, "x", 4],  # one too many
        [1, 2, b"x"],  # bytes where text belongs
        [True, 2, "x"],  # a boolean is not a number
        [1.0, 2, "x"],  # nor is a float
    ],
)
def test_exact_shape_is_required(body: list[Any]) -> None:
    wire = bytes((m.Kind.HELLO,)) + msgpack.packb(body, use_bin_type=True)
    with pytest.raises(ProtocolError):
        m.parse(wire, m.Layer.RELAY)


def test_a_nameplate_with_a_trailing_newline_is_refused() -> None:
    wire = bytes((m.Kind.JOIN,)) + msgpack.packb(["123\n"])
    with pytest.raises(ProtocolError, match="Join.nameplate"):
        m.parse(wire, m.Layer.RELAY)


def test_points_odd_count_is_refused() -> None:
    body = [1, 1, 0, 0, 1, [1, 2, 3], "", 0, 0]
    wire = bytes((m.Kind.SHAPE,)) + msgpack.packb(body)
    with pytest.raises(ProtocolError, match="Shape.points: not a flat list of x, y pairs"):
        m.parse(wire, m.Layer.APP)


def test_points_behave_like_a_tuple_of_pairs() -> None:
    pts = m.Points(((1, 2), (3, 4), (5, 6)))
    assert pts == ((1, 2), (3, 4), (5, 6)) and pts == [(1, 2), (3, 4), (5, 6)]
    assert len(pts) == 3 and pts[0] == (1, 2) and pts[-1] == (5, 6) and pts[1:] == ((3, 4), (5, 6))
    assert list(pts) == [(1, 2), (3, 4), (5, 6)] and hash(pts) == hash(m.Points(list(pts)))
    shape = m.Shape(1, m.ShapeTool.PEN, 0, 0, 1, ((1, 2),), "", 0, 0)  # type: ignore[arg-type]
    assert isinstance(shape.points, m.Points)
    with pytest.raises(ValueError):
        m.Points([(1, 2, 3)])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "build",
    [
        lambda: m.Chat(1, "x" * (m.MAX_TEXT + 1), 0),
        lambda: m.ChannelAck(2**64),
        lambda: m.Sealed(1, b"short"),
        lambda: m.Data(b""),
        lambda: m.Frame(
            1, 0, 10, 10, False, True, (), (m.Tile(0, 0, 0, 1, m.Codec.ZLIB, b""),), 0, 0
        ),
        lambda: m.Laser(0, m.MAX_COORD + 1, 0, True),
        lambda: m.Rating(6, ""),
        lambda: m.Join("12a"),
        lambda: m.Join("12"),
        lambda: m.Pake(b"A" * 32),
        lambda: m.Shape(1, m.ShapeTool.PEN, 0, 0, 1, ((0, 0),) * (m.MAX_POINTS + 1), "", 0, 0),
        lambda: m.Hello(1, m.Role.AGENT, True),  # type: ignore[arg-type]
    ],
)
def test_limits_are_enforced_before_sending(build: Any) -> None:
    """A bug on this side is caught here, with its own error, before the peer has to refuse it."""
    with pytest.raises(UnsendableMessageError) as info:
        build().serialize()
    assert info.value.detail and "unexpected problem" in str(info.value)


def test_limits_are_enforced_when_parsing() -> None:
    """The same limit holds on the wire: a too-long chat crafted by hand is refused."""
    wire = bytes((m.Kind.CHAT,)) + msgpack.packb([1, "x" * (m.MAX_TEXT + 1), 0])
    with pytest.raises(ProtocolError, match="Chat.text: Expected `str` of length <= 4000"):
        m.parse(wire, m.Layer.APP)


def test_oversized_message_is_refused() -> None:
    with pytest.raises(ProtocolError, match="larger than"):
        m.parse(bytes((m.Kind.DATA,)) + b"x" * m.MAX_MESSAGE_BYTES, m.Layer.RELAY)


def test_data_is_forwardable_unchanged() -> None:
    """The relay forwards Data as the same bytes: the body is the payload, nothing else."""
    wire = m.Data(b"\x42opaque").serialize()
    assert wire == b"\x09\x42opaque"


def test_secrets_do_not_show_in_reprs() -> None:
    assert "s3cret" not in repr(m.Auth("s3cret", bytes(32)))
    assert "\xaa" * 4 not in repr(m.Resume("123", m.Role.AGENT, b"\xaa" * 32))


def test_every_error_is_an_assist_error() -> None:
    assert issubclass(ProtocolError, AssistError)
    assert all(issubclass(c, enum.IntEnum) for c in (m.Kind, m.Role, m.Codec, m.ShapeTool))
