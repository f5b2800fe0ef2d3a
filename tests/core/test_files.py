"""File hand-over bookkeeping: names that stay in their folder, chunks in order within
the size offered, a window that bounds what is in flight, and a hash that decides."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ProtocolError
from common.files import WINDOW_BYTES, Incoming, Outgoing, safe_name, size_text
from common.messages import FILE_CHUNK_BYTES, FileAck, FileChunk, FileEndState


@given(st.text(max_size=300))
def test_a_safe_name_never_leaves_its_folder(name: str) -> None:
    safe = safe_name(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    assert not any(ord(c) < 0x20 for c in safe)
    assert len(safe.encode("utf-8")) <= 200


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
        ("로그 수집기.zip", "로그 수집기.zip"),
        ("CON.txt", "_CON.txt"),
        ("...", "file"),
        ("a<b>:c.txt", "a_b__c.txt"),
    ],
)
def test_names_people_would_expect(given_name: str, kept: str) -> None:
    assert safe_name(given_name) == kept


def test_sizes_read_like_sizes() -> None:
    assert size_text(812) == "812 B"
    assert size_text(4_200_000) == "4.2 MB"
    assert size_text(1_300_000_000) == "1.3 GB"


def test_the_window_bounds_bytes_in_flight_and_acks_open_it() -> None:
    out = Outgoing(1, 10 * WINDOW_BYTES)
    assert out.next_chunk() is None  # not before the yes
    out.accepted()
    sent = 0
    while (nxt := out.next_chunk()) is not None:
        offset, length = nxt
        out.chunk(offset, b"\0" * length)
        sent += length
    assert sent == WINDOW_BYTES
    out.on_ack(FileAck(1, FILE_CHUNK_BYTES))
    assert out.next_chunk() == (WINDOW_BYTES, FILE_CHUNK_BYTES)
    with pytest.raises(ProtocolError):
        out.on_ack(FileAck(1, 11 * WINDOW_BYTES))  # an ack for bytes never sent


@given(
    data=st.binary(max_size=3 * FILE_CHUNK_BYTES // 1000),
    cuts=st.lists(st.integers(min_value=1, max_value=200), max_size=20),
)
def test_incoming_accepts_exactly_the_offered_bytes_in_order(data: bytes, cuts: list[int]) -> None:
    inc = Incoming(9, len(data), hashlib.sha256(data).digest())
    with pytest.raises(ProtocolError):
        inc.on_chunk(FileChunk(9, 0, data[:1]))  # nothing before the yes
    inc.accepted()
    offset = 0
    for cut in cuts:
        part = data[offset : offset + cut]
        if not part:
            break
        inc.on_chunk(FileChunk(9, offset, part))
        offset += len(part)
    if offset < len(data):
        with pytest.raises(ProtocolError):
            inc.on_chunk(FileChunk(9, offset + 1, data[offset + 1 :]))  # a gap
        inc.on_chunk(FileChunk(9, offset, data[offset:]))
    with pytest.raises(ProtocolError):
        inc.on_chunk(FileChunk(9, len(data), b"x"))  # more than offered
    assert inc.complete
    assert inc.verdict().state is FileEndState.DONE


def test_a_damaged_file_fails_its_check() -> None:
    inc = Incoming(2, 4, hashlib.sha256(b"abcd").digest())
    inc.accepted()
    inc.on_chunk(FileChunk(2, 0, b"abce"))
    end = inc.verdict()
    assert end.state is FileEndState.FAILED
