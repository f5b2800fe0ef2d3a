"""Every message kind round-trips, and no input from the network can crash a parser."""

from __future__ import annotations

import enum
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import messages as m
from common.errors import AssistError, ProtocolError, VersionError


def strategy_for(field: m.Field) -> st.SearchStrategy[Any]:
    """A hypothesis strategy that draws valid values for one Field."""
    if isinstance(field, m.Int):
        return st.integers(field.lo, field.hi)
    if isinstance(field, m.Bool):
        return st.booleans()
    if isinstance(field, m.Str):
        if field.digits:
            lo, hi = field.digits
            return st.text("0123456789", min_size=lo, max_size=hi)
        return st.text(max_size=min(field.max_len, 50))
    if isinstance(field, m.Bytes):
        if field.exact is not None:
            return st.binary(min_size=field.exact, max_size=field.exact)
        return st.binary(min_size=field.min_len, max_size=min(field.max_len, field.min_len + 64))
    if isinstance(field, m.Enum):
        return st.sampled_from(list(field.cls))
    if isinstance(field, m.Seq):
        return st.lists(strategy_for(field.item), max_size=4).map(tuple)
    if isinstance(field, m.Points):
        coord = st.integers(-m.MAX_COORD, m.MAX_COORD)
        return st.lists(st.tuples(coord, coord), max_size=20).map(tuple)
    if isinstance(field, m.Struct):
        return record_strategy(field.cls)
    raise AssertionError(f"no strategy for {field!r}")


def record_strategy(cls: type[m.Record]) -> st.SearchStrategy[Any]:
    return st.builds(cls, **{name: strategy_for(f) for name, f in cls.SPEC.items()})


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
    with pytest.raises(ProtocolError, match="unknown Role 7"):
        m.parse(wire, m.Layer.RELAY)


@pytest.mark.parametrize(
    "build",
    [
        lambda: m.Chat(1, "x" * (m.MAX_TEXT + 1), 0),
        lambda: m.Laser(0, m.MAX_COORD + 1, 0, True),
        lambda: m.Rating(6, ""),
        lambda: m.Join("12a"),
        lambda: m.Join("12"),
        lambda: m.Pake(b"A" * 32),
        lambda: m.Shape(1, m.ShapeTool.PEN, 0, 0, 1, ((0, 0),) * (m.MAX_POINTS + 1), "", 0, 0),
        lambda: m.Hello(1, m.Role.AGENT, True),  # type: ignore[arg-type]
    ],
)
def test_limits_are_enforced_when_building(build: Any) -> None:
    with pytest.raises(ProtocolError):
        build()


def test_limits_are_enforced_when_parsing() -> None:
    """The same limit holds on the wire: a too-long chat crafted by hand is refused."""
    wire = bytes((m.Kind.CHAT,)) + msgpack.packb([1, "x" * (m.MAX_TEXT + 1), 0])
    with pytest.raises(ProtocolError, match="longer than 4000"):
        m.parse(wire, m.Layer.APP)


def test_oversized_message_is_refused() -> None:
    with pytest.raises(ProtocolError, match="larger than"):
        m.parse(bytes((m.Kind.DATA,)) + b"x" * m.MAX_MESSAGE_BYTES, m.Layer.RELAY)


def test_data_is_forwardable_unchanged() -> None:
    """The relay forwards Data as the same bytes: the body is the payload, nothing else."""
    wire = m.Data(b"\x42opaque").serialize()
    assert wire == b"\x09\x42opaque"


def test_secrets_do_not_show_in_reprs() -> None:
    assert "s3cret" not in repr(m.Auth("s3cret"))
    assert "\xaa" * 4 not in repr(m.Resume("123", m.Role.AGENT, b"\xaa" * 32))


def test_every_error_is_an_assist_error() -> None:
    assert issubclass(ProtocolError, AssistError)
    assert all(issubclass(c, enum.IntEnum) for c in (m.Kind, m.Role, m.Codec, m.ShapeTool))
