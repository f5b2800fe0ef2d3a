"""File hand-over in either app: offers, answers, chunks on their own threads, the end.

:class:`Transfers` runs :class:`~common.files.Outgoing` and
:class:`~common.files.Incoming` (the bookkeeping) with the file I/O both apps
need: a sender thread per outgoing file (it hashes the file first, then reads a
chunk whenever the window allows), a writer thread per incoming file (it writes
into ``NAME.part`` in the folder the person chose, and renames it once every
byte arrived and the SHA-256 matched). Chunks and acks are handled on the network
thread as they arrive (:meth:`on_message`), so a file never waits on the GUI and
the GUI never waits on the disk. Nothing a transfer receives is ever opened or run.

Signals (queued to the GUI thread): ``offered(Offer)`` — ask the person;
``progress(transfer, done, size)``; ``finished(transfer, FileEndState, text)`` —
``text`` is the saved path when done, else why not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from common.errors import FileTransferError, ProtocolError
from common.files import DEFAULT_LIMIT, Incoming, Outgoing, Phase, safe_name, size_text
from common.messages import (
    FileAck,
    FileAnswer,
    FileChunk,
    FileDirection,
    FileEnd,
    FileEndState,
    FileOffer,
    Message,
)

log = logging.getLogger(__name__)

Send = Callable[[int, Message], None]  # (member, message); thread-safe


@dataclasses.dataclass(frozen=True)
class Offer:
    """A file someone offers: what the receiving person's prompt shows."""

    transfer: int
    member: int
    name: str  # as offered
    safe: str  # as it would be saved
    size: int
    direction: FileDirection


class _Out:
    def __init__(self, state: Outgoing, path: Path, member: int, name: str) -> None:
        self.state, self.path, self.member, self.name = state, path, member, name
        self.cond = threading.Condition()
        self.thread: threading.Thread | None = None
        self.sha256 = b""


class _In:
    def __init__(self, state: Incoming, offer: Offer) -> None:
        #: ``offer.transfer`` is this side's number for it (the sender's seat and its
        #: number: two agents in a room may both send their transfer 2);
        #: ``state.transfer`` is the sender's, which goes back on the wire.
        self.state, self.offer = state, offer
        self.chunks: queue.SimpleQueue[FileChunk | None] = queue.SimpleQueue()
        self.cancelled = threading.Event()
        self.part: Path | None = None
        self.final: Path | None = None
        self.thread: threading.Thread | None = None


class Transfers(QObject):
    offered = Signal(object)  # Offer
    progress = Signal(int, int, int)  # transfer, bytes done, size
    finished = Signal(int, object, str)  # transfer, FileEndState, saved path or reason
    started = Signal(int, str, int, bool)  # transfer, name, size, outgoing
    # What the worker and network threads emit; each is re-emitted as the public signal
    # above on this object's (the GUI) thread, so every receiver — a QObject's slot or a
    # plain function — runs there, never on a file thread.
    _offered = Signal(object)
    _progress = Signal(int, int, int)
    _finished = Signal(int, object, str)
    _recorded = Signal(dict)
    #: Each transfer as it ended: name, size, SHA-256, state, direction (no content).
    recorded = Signal(dict)

    def __init__(
        self,
        send: Send,
        *,
        direction: FileDirection,
        limit: int = DEFAULT_LIMIT,
        first_id: int = 1,
        parent: QObject | None = None,
    ) -> None:
        """``direction``: what this side's outgoing files are (the customer's app sends
        FROM_CUSTOMER, the agent's TO_CUSTOMER). ``first_id``: odd on one side, even on
        the other, so two sides never pick the same transfer number."""
        super().__init__(parent)
        self._send = send
        self.direction = direction
        self.limit = limit
        self._lock = threading.Lock()
        self._next = first_id
        self._out: dict[int, _Out] = {}
        self._in: dict[int, _In] = {}
        #: (sender's seat, their number) -> ours, for what others send (two agents in a
        #: room may both send their transfer 2); ours for them start above our own.
        self._locals: dict[tuple[int, int], int] = {}
        self._next_local = 1 << 30
        #: Sizes, names and hashes of what crossed (the history and audit; no content).
        self.log: list[dict[str, object]] = []
        queued = Qt.ConnectionType.QueuedConnection
        self._offered.connect(self.offered, queued)
        self._progress.connect(self.progress, queued)
        self._finished.connect(self.finished, queued)
        self._recorded.connect(self.recorded, queued)

    # ------------------------------------------------------------ sending

    def offer(self, path: Path, member: int) -> int:
        """Offer a file to ``member``: hashed on the sender thread, then offered; the
        chunks follow the receiver's yes. Returns the transfer number."""
        with self._lock:
            transfer = self._next
            self._next += 2
        name = path.name
        try:
            size = path.stat().st_size
        except OSError:
            size = -1
        if size < 0 or not path.is_file():
            err = FileTransferError(FileTransferError.templates[3], name=name)
            self._finished.emit(transfer, FileEndState.FAILED, str(err))
            return transfer
        out = _Out(Outgoing(transfer, size), path, member, name)
        with self._lock:
            self._out[transfer] = out
        out.thread = threading.Thread(
            target=self._send_loop, args=(out,), name="assist-file-send", daemon=True
        )
        self.started.emit(transfer, name, size, True)
        out.thread.start()
        return transfer

    def _send_loop(self, out: _Out) -> None:
        st = out.state
        try:
            digest = hashlib.sha256()
            with out.path.open("rb") as f:
                while block := f.read(1 << 20):
                    if st.phase is Phase.ENDED:
                        return
                    digest.update(block)
            out.sha256 = digest.digest()
            offer = FileOffer(
                st.transfer, self.direction, safe_name(out.name)[:255], st.size, out.sha256
            )
            self._send(out.member, offer)
            with out.path.open("rb") as f:
                while True:
                    with out.cond:
                        while (nxt := st.next_chunk()) is None and not self._idle(st):
                            out.cond.wait(1.0)
                    if nxt is None:
                        return  # ended, or everything was sent: the receiver says the rest
                    offset, length = nxt
                    f.seek(offset)
                    data = f.read(length)
                    if len(data) != length:
                        raise OSError("the file changed while it was sent")
                    with out.cond:
                        if st.phase is Phase.ENDED:
                            return
                        msg = st.chunk(offset, data)
                    self._send(out.member, msg)
                    self._progress.emit(st.transfer, st.sent, st.size)
        except OSError as exc:
            log.warning("could not read %s: %s", out.path, exc)
            self._end_out(out, FileEndState.FAILED, f"could not read the file ({exc})", tell=True)

    @staticmethod
    def _idle(st: Outgoing) -> bool:
        return st.phase is Phase.ENDED or st.all_sent

    def cancel(self, transfer: int) -> None:
        """Either way: stop now; the other side is told; a partial file is removed."""
        with self._lock:
            out = self._out.get(transfer)
            inc = self._in.get(transfer)
        if out is not None:
            self._end_out(out, FileEndState.CANCELLED, "cancelled", tell=True)
        if inc is not None:
            self._end_in(inc, FileEndState.CANCELLED, "cancelled", tell=True)

    def _end_out(self, out: _Out, state: FileEndState, detail: str, *, tell: bool) -> None:
        with out.cond:
            if out.state.phase is Phase.ENDED:
                return
            out.state.ended(state)
            out.cond.notify_all()
        with self._lock:
            self._out.pop(out.state.transfer, None)
        if tell:
            self._send(out.member, FileEnd(out.state.transfer, state, detail[:500]))
        self._record(out.member, out.name, out.state.size, out.sha256, state, outgoing=True)
        self._finished.emit(out.state.transfer, state, _reason(state, detail))

    # ------------------------------------------------------------ receiving

    def accept(self, transfer: int, folder: Path) -> None:
        """The person said yes and chose ``folder``: the file lands there."""
        with self._lock:
            inc = self._in.get(transfer)
        if inc is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            final = _unique(folder / inc.offer.safe)
            part = final.with_name(final.name + ".part")
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            log.warning("cannot save into %s: %s", folder, exc)
            err = FileTransferError(FileTransferError.templates[0], folder=str(folder))
            self._end_in(inc, FileEndState.FAILED, str(err), tell=True)
            return
        inc.part, inc.final = part, final
        inc.state.accepted()
        inc.thread = threading.Thread(
            target=self._write_loop, args=(inc, fd), name="assist-file-write", daemon=True
        )
        inc.thread.start()
        self.started.emit(transfer, inc.offer.name, inc.offer.size, False)
        self._send(inc.offer.member, FileAnswer(inc.state.transfer, True))

    def decline(self, transfer: int) -> None:
        with self._lock:
            inc = self._in.get(transfer)
        if inc is not None:
            self._send(inc.offer.member, FileAnswer(inc.state.transfer, False))
            self._end_in(inc, FileEndState.DECLINED, "declined", tell=True)

    def _write_loop(self, inc: _In, fd: int) -> None:
        st = inc.state
        written = 0
        try:
            with os.fdopen(fd, "wb") as f:
                if st.size == 0:
                    inc.chunks.put(None)
                while not inc.cancelled.is_set():
                    chunk = inc.chunks.get()
                    if chunk is None or inc.cancelled.is_set():
                        break
                    f.write(chunk.data)
                    written += len(chunk.data)
                    if written >= st.size:
                        f.flush()
                        os.fsync(f.fileno())
                    ack = st.ack(written)
                    if ack is not None:
                        self._send(inc.offer.member, ack)
                        self._progress.emit(inc.offer.transfer, written, st.size)
                    if written >= st.size:
                        break
        except OSError as exc:
            log.warning("could not write %s: %s", inc.part, exc)
            folder = str(inc.final.parent) if inc.final else "?"
            err = FileTransferError(FileTransferError.templates[0], folder=folder)
            self._end_in(inc, FileEndState.FAILED, str(err), tell=True)
            return
        if inc.cancelled.is_set():
            _remove(inc.part)  # the writer closed it: now it can go
            return
        end = st.verdict()
        if end.state is FileEndState.DONE and inc.part and inc.final:
            try:
                if inc.final.exists():  # someone put a file there meanwhile: keep both
                    inc.final = _unique(inc.final)
                os.replace(inc.part, inc.final)
            except OSError as exc:
                log.warning("could not rename %s: %s", inc.part, exc)
                end = FileEnd(st.transfer, FileEndState.FAILED, "could not keep the file")
        self._send(inc.offer.member, end)
        if end.state is FileEndState.DONE:
            with self._lock:
                self._in.pop(inc.offer.transfer, None)
            self._record(
                inc.offer.member, inc.offer.name, st.size, st.sha256, end.state, outgoing=False
            )
            self._finished.emit(inc.offer.transfer, end.state, str(inc.final))
        else:
            err = FileTransferError(FileTransferError.templates[2])
            self._end_in(inc, FileEndState.FAILED, str(err), tell=False)

    def _end_in(self, inc: _In, state: FileEndState, detail: str, *, tell: bool) -> None:
        with self._lock:
            if self._in.pop(inc.offer.transfer, None) is None:
                return
        inc.cancelled.set()
        inc.chunks.put(None)
        inc.state.ended(state)
        writer = inc.thread
        if writer is None or not writer.is_alive() or writer is threading.current_thread():
            _remove(inc.part)  # else the writer removes it once it has closed it
        if tell:
            self._send(inc.offer.member, FileEnd(inc.state.transfer, state, detail[:500]))
        self._record(
            inc.offer.member,
            inc.offer.name,
            inc.offer.size,
            inc.state.sha256,
            state,
            outgoing=False,
        )
        self._finished.emit(inc.offer.transfer, state, _reason(state, detail))

    # ------------------------------------------------------------ messages

    def on_message(self, member: int, msg: Message) -> bool:
        """Any thread (the network thread, as messages arrive). True if it was a file
        message. A message that breaks the rules ends that transfer, never the app."""
        match msg:
            case FileOffer():
                self._on_offer(member, msg)
            case FileAnswer(transfer=t, accepted=yes):
                out = self._outgoing(t, member)
                if out is not None:
                    if yes:
                        with out.cond:
                            out.state.accepted()
                            out.cond.notify_all()
                    else:
                        self._end_out(out, FileEndState.DECLINED, "declined", tell=False)
            case FileAck():
                out = self._outgoing(msg.transfer, member)
                if out is not None:
                    try:
                        with out.cond:
                            out.state.on_ack(msg)
                            out.cond.notify_all()
                    except ProtocolError as err:
                        self._end_out(out, FileEndState.FAILED, str(err), tell=True)
            case FileChunk():
                inc = self._incoming(msg.transfer, member)
                if inc is not None:
                    try:
                        inc.state.on_chunk(msg)
                    except ProtocolError as err:
                        log.warning("file chunk refused: %s", err.detail)
                        self._end_in(inc, FileEndState.FAILED, str(err), tell=True)
                    else:
                        inc.chunks.put(msg)
            case FileEnd(transfer=t, state=state, detail=detail):
                out = self._outgoing(t, member)
                if out is not None:
                    self._end_out(out, state, detail, tell=False)
                inc = self._incoming(t, member)
                if inc is not None:
                    self._end_in(inc, state, detail, tell=False)
            case _:
                return False
        return True

    def _on_offer(self, member: int, msg: FileOffer) -> None:
        with self._lock:
            if (member, msg.transfer) in self._locals:
                return
            local = self._next_local
            self._next_local += 1
            self._locals[(member, msg.transfer)] = local
        offer = Offer(local, member, msg.name, safe_name(msg.name), msg.size, msg.direction)
        inc = _In(Incoming(msg.transfer, msg.size, msg.sha256), offer)
        if msg.size > self.limit:
            err = FileTransferError(
                FileTransferError.templates[1],
                size=size_text(msg.size),
                limit=size_text(self.limit),
            )
            self._send(member, FileEnd(msg.transfer, FileEndState.TOO_LARGE, str(err)[:500]))
            self._record(
                member, msg.name, msg.size, msg.sha256, FileEndState.TOO_LARGE, outgoing=False
            )
            self._finished.emit(local, FileEndState.TOO_LARGE, str(err))
            return
        with self._lock:
            self._in[local] = inc
        self._offered.emit(offer)

    def _outgoing(self, transfer: int, member: int) -> _Out | None:
        with self._lock:
            out = self._out.get(transfer)
        return out if out is not None and out.member == member else None

    def _incoming(self, transfer: int, member: int) -> _In | None:
        """The incoming transfer the sender ``member`` numbers ``transfer``."""
        with self._lock:
            local = self._locals.get((member, transfer))
            return self._in.get(local) if local is not None else None

    def member_left(self, member: int) -> None:
        """They left or dropped: their transfers end; partial files are removed."""
        with self._lock:
            outs = [o for o in self._out.values() if o.member == member]
            ins = [i for i in self._in.values() if i.offer.member == member]
        for out in outs:
            self._end_out(out, FileEndState.CANCELLED, "connection lost", tell=False)
        for inc in ins:
            self._end_in(inc, FileEndState.CANCELLED, "connection lost", tell=False)

    def shutdown(self, timeout: float = 2.0) -> None:
        """The session is over: every transfer ends, and its thread is waited for (a
        chunk's read or write at most), so none outlives this object."""
        with self._lock:
            outs, ins = list(self._out.values()), list(self._in.values())
        for out in outs:
            self._end_out(out, FileEndState.CANCELLED, "the session ended", tell=False)
        for inc in ins:
            self._end_in(inc, FileEndState.CANCELLED, "the session ended", tell=False)
        me = threading.current_thread()
        for t in [o.thread for o in outs] + [i.thread for i in ins]:
            if t is not None and t is not me:
                t.join(timeout)

    @property
    def active(self) -> bool:
        with self._lock:
            return bool(self._out or self._in)

    def _record(
        self,
        member: int,
        name: str,
        size: int,
        sha256: bytes,
        state: FileEndState,
        *,
        outgoing: bool,
    ) -> None:
        entry: dict[str, object] = {
            "member": member,
            "name": name,
            "size": size,
            "sha256": sha256.hex(),
            "state": state.name.lower(),
            "outgoing": outgoing,
        }
        self.log.append(entry)
        self._recorded.emit(entry)


def _remove(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the partial file %s", path)


def _unique(path: Path) -> Path:
    """``name.ext``, or ``name (1).ext`` ... if that exists: nothing is overwritten."""
    if not path.exists() and not path.with_name(path.name + ".part").exists():
        return path
    stem, suffix = path.stem, path.suffix
    for i in range(1, 10_000):
        candidate = path.with_name(f"{stem} ({i}){suffix}")
        if not candidate.exists() and not candidate.with_name(candidate.name + ".part").exists():
            return candidate
    raise FileTransferError(FileTransferError.templates[0], folder=str(path.parent))


def _reason(state: FileEndState, detail: str) -> str:
    """What the person reads when a transfer ends without a file."""
    if state is FileEndState.CANCELLED:
        return str(FileTransferError(FileTransferError.templates[4]))
    if state is FileEndState.DECLINED:
        return str(FileTransferError(FileTransferError.templates[5]))
    if detail and state in (FileEndState.FAILED, FileEndState.TOO_LARGE):
        return detail
    return str(FileTransferError())
