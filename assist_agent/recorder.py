"""Writing each finished session to the history, off the GUI thread.

When a session ends the window hands :meth:`Recorder.record` the session, the
guidance (notes, chat, steps) and, if the agent chose to keep one, the last
screen as a QImage. The PNG encoding and the SQLite insert happen on a worker
thread; :attr:`Recorder.saved` says when the row is there. Notes typed after
the end still reach the row (:meth:`Recorder.update_notes`), as does a rating
that arrives late.
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal
from PySide6.QtGui import QImage

from assist_agent.guidance import Guidance
from assist_agent.history import History, SessionRecord
from assist_agent.model import Ending
from assist_agent.session import AgentSession
from assist_agent.texts import ending_text

log = logging.getLogger(__name__)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[call-overload]  # str works; the stubs say bytes
    buf.close()
    return bytes(data.data())


class Recorder(QObject):
    saved = Signal(int)  # row id
    failed = Signal(str)

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.last_row: int | None = None
        self._threads: list[threading.Thread] = []
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(800)
        self._notes_timer.timeout.connect(self._write_notes)
        self.saved.connect(self._on_saved)
        self._pending_notes: str | None = None

    def record(self, session: AgentSession, guidance: Guidance, screenshot: QImage | None) -> None:
        """Write the ended session (asynchronously)."""
        outcome = session.outcome
        ending = outcome.ending if outcome is not None else Ending.ERROR
        name, display, org = session.agent
        rec = SessionRecord(
            started=session.started_at,
            ended=session.ended_at or time.time(),
            ending=ending.value,
            ending_text=ending_text(outcome) if outcome is not None else "",
            # The secret digits never reach the disk: only the nameplate is kept.
            code=(
                f"{session.took.queue}: {session.took.name}"[:100]
                if session.took is not None
                else f"{session.nameplate}-•••-•••"
                if session.nameplate
                else ""
            ),
            nameplate=session.nameplate or (session.invited.nameplate if session.invited else ""),
            agent_name=name,
            agent_display_name=display,
            agent_org=org,
            notes=guidance.notes,
            chat=guidance.chat_json(),
            steps=guidance.steps_json(),
            rating_stars=session.rating[0] if session.rating else None,
            rating_comment=session.rating[1] if session.rating else "",
            frames=session.stats.frames,
            room=list(session.room_log),
        )
        self.last_row = None
        self._pending_notes = None
        image = screenshot.copy() if screenshot is not None and not screenshot.isNull() else None
        t = threading.Thread(
            target=self._write, args=(rec, image), name="assist-history", daemon=True
        )
        self._threads.append(t)
        t.start()

    def _write(self, rec: SessionRecord, image: QImage | None) -> None:
        try:
            if image is not None:
                rec.screenshot = png_bytes(image)
            row = self.history.add(rec)
        except Exception as exc:  # noqa: BLE001 - reported to the window, logged in full
            log.exception("could not write the session history")
            self.failed.emit(str(exc))
        else:
            self.last_row = row
            self.saved.emit(row)

    def _on_saved(self, _row: int) -> None:
        if self._pending_notes is not None:
            self._notes_timer.start()

    def update_notes(self, notes: str) -> None:
        """The agent edits the notes after the end: keep the saved row in step."""
        self._pending_notes = notes
        if self.last_row is not None:
            self._notes_timer.start()

    def update_rating(self, stars: int, comment: str) -> None:
        if self.last_row is not None:
            self.history.set_rating(self.last_row, stars, comment)

    def _write_notes(self) -> None:
        if self.last_row is not None and self._pending_notes is not None:
            try:
                self.history.update_notes(self.last_row, self._pending_notes)
            except Exception:  # noqa: BLE001
                log.exception("could not update the notes")
            self._pending_notes = None

    def flush(self, timeout: float = 5.0) -> None:
        """Finish every write (closing the app, tests)."""
        for t in self._threads:
            t.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
        if self._notes_timer.isActive():
            self._notes_timer.stop()
            self._write_notes()
