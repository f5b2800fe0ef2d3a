"""File hand-over as plain objects: what to send next, what arrived, when it is whole.

A transfer is offered (``FileOffer``: name, size, SHA-256), answered by the
receiver (``FileAnswer``), then sent as ``FileChunk`` messages in order on the same
end-to-end channel as everything else. The receiver acknowledges what it has
written (``FileAck``); the sender keeps at most :data:`WINDOW_BYTES` unacknowledged,
so a file never crowds the screen out of the channel and a slow disk slows the
sender rather than filling memory. ``FileEnd`` closes it either way: done (the
receiver checked the hash), cancelled, failed, declined or too large.

:class:`Outgoing` and :class:`Incoming` are the two ends' bookkeeping; they do no
I/O (the apps read and write the files on their own threads). :func:`safe_name`
turns the name the other side gave into one that can only land in the folder
the customer chose.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
import unicodedata

from common.errors import ProtocolError
from common.messages import FILE_CHUNK_BYTES, FileAck, FileChunk, FileEnd, FileEndState

#: Bytes a sender keeps in flight before it waits for acknowledgements.
WINDOW_BYTES = 2 * 1024 * 1024
#: The receiver acknowledges at least this often (bytes written since the last ack).
ACK_EVERY = 512 * 1024
#: The largest file either side offers or takes unless a setting says otherwise.
DEFAULT_LIMIT = 2 * 1024 * 1024 * 1024

_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}  # fmt: skip
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_name(name: str) -> str:
    """A file name that stays in the folder it is saved to: no path, no control
    characters, no leading dots, nothing Windows reserves; never empty."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    stem = name.split(".", 1)[0].upper()
    if stem in _RESERVED:
        name = "_" + name
    if len(name.encode("utf-8")) > 200:
        base, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            base, ext = name, ""
        while len((base + ("." + ext if ext else "")).encode("utf-8")) > 200:
            base = base[:-1]
        name = base + ("." + ext if ext else "")
    return name or "file"


def size_text(size: int) -> str:
    """A size people read in any language: 812 B, 4.2 MB, 1.3 GB."""
    if size < 1000:
        return f"{size} B"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        if size < scale * 1000 or unit == "TB":
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover


class Phase(enum.Enum):
    OFFERED = "offered"
    MOVING = "moving"
    ENDED = "ended"


@dataclasses.dataclass
class Outgoing:
    """The sender's side of one transfer."""

    transfer: int
    size: int
    window: int = WINDOW_BYTES
    phase: Phase = Phase.OFFERED
    sent: int = 0  # bytes handed to the channel
    acked: int = 0  # bytes the receiver wrote
    end: FileEndState | None = None

    def accepted(self) -> None:
        if self.phase is Phase.OFFERED:
            self.phase = Phase.MOVING

    def next_chunk(self) -> tuple[int, int] | None:
        """(offset, length) of the next chunk to read and send, or None: wait (the
        window is full), or nothing is left."""
        if self.phase is not Phase.MOVING or self.sent >= self.size:
            return None
        if self.sent - self.acked >= self.window:
            return None
        length = min(FILE_CHUNK_BYTES, self.size - self.sent)
        return self.sent, length

    def chunk(self, offset: int, data: bytes) -> FileChunk:
        """The message for bytes read at ``offset`` (as next_chunk said)."""
        if offset != self.sent:
            raise ValueError("chunks go in order")
        self.sent += len(data)
        return FileChunk(self.transfer, offset, data)

    def on_ack(self, ack: FileAck) -> None:
        if ack.received > self.sent:
            raise ProtocolError.because("file ack beyond what was sent")
        self.acked = max(self.acked, ack.received)

    @property
    def all_sent(self) -> bool:
        return self.phase is Phase.MOVING and self.sent >= self.size

    def ended(self, state: FileEndState) -> None:
        self.phase, self.end = Phase.ENDED, state


@dataclasses.dataclass
class Incoming:
    """The receiver's side: checks every chunk, hashes as it goes, says when to ack."""

    transfer: int
    size: int
    sha256: bytes
    phase: Phase = Phase.OFFERED
    received: int = 0
    _acked: int = 0
    end: FileEndState | None = None

    def __post_init__(self) -> None:
        self._hash = hashlib.sha256()

    def accepted(self) -> None:
        if self.phase is Phase.OFFERED:
            self.phase = Phase.MOVING

    def on_chunk(self, chunk: FileChunk) -> None:
        """Check a chunk before it is written: in order, within the size offered."""
        if self.phase is not Phase.MOVING:
            raise ProtocolError.because("a file chunk nobody accepted")
        if chunk.offset != self.received:
            raise ProtocolError.because("a file chunk out of order")
        if self.received + len(chunk.data) > self.size:
            raise ProtocolError.because("more file bytes than offered")
        self._hash.update(chunk.data)
        self.received += len(chunk.data)

    def ack(self, written: int) -> FileAck | None:
        """After ``written`` bytes are on disk: the ack to send now, if one is due."""
        if written - self._acked >= ACK_EVERY or written >= self.size:
            if written > self._acked or (written == 0 and self.size == 0):
                self._acked = written
                return FileAck(self.transfer, written)
        return None

    @property
    def complete(self) -> bool:
        return self.phase is Phase.MOVING and self.received >= self.size

    def verdict(self) -> FileEnd:
        """Once every byte arrived: DONE if the hash matches the offer, else FAILED."""
        self.phase = Phase.ENDED
        if self.received == self.size and self._hash.digest() == self.sha256:
            self.end = FileEndState.DONE
            return FileEnd(self.transfer, FileEndState.DONE, "")
        self.end = FileEndState.FAILED
        return FileEnd(self.transfer, FileEndState.FAILED, "the file's SHA-256 did not match")

    def ended(self, state: FileEndState) -> None:
        self.phase, self.end = Phase.ENDED, state
