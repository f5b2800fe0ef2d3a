"""The agent's own record of past sessions: one SQLite row per session, searchable.

Stored in ``history.sqlite`` in the user's data folder (never sent anywhere).
A row holds when the session ran, the code's nameplate, who the customer saw
(agent name and organisation), how it ended, the agent's notes, the chat and
the steps (JSON), who else was in the session and with whose yes (``room``,
JSON: invitations, admissions, removals, hand-overs), the customer's rating and,
if the agent chose, a final screenshot (PNG). Each call opens its own short
connection, so the window and the writer thread can both use one :class:`History`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FILE_NAME = "history.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    ended REAL NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    nameplate TEXT NOT NULL DEFAULT '',
    agent_name TEXT NOT NULL DEFAULT '',
    agent_display_name TEXT NOT NULL DEFAULT '',
    agent_org TEXT NOT NULL DEFAULT '',
    ending TEXT NOT NULL,
    ending_text TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    chat TEXT NOT NULL DEFAULT '[]',
    chat_text TEXT NOT NULL DEFAULT '',
    steps TEXT NOT NULL DEFAULT '[]',
    rating_stars INTEGER,
    rating_comment TEXT NOT NULL DEFAULT '',
    frames INTEGER NOT NULL DEFAULT 0,
    screenshot BLOB
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started);
"""
_COLUMNS = (
    "id started ended code nameplate agent_name agent_display_name agent_org ending ending_text "
    "notes chat steps rating_stars rating_comment frames room"
).split()


@dataclasses.dataclass
class SessionRecord:
    started: float
    ended: float
    ending: str  # model.Ending value
    ending_text: str = ""  # the sentence shown when it ended
    code: str = ""
    nameplate: str = ""
    agent_name: str = ""
    agent_display_name: str = ""
    agent_org: str = ""
    notes: str = ""
    chat: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    steps: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rating_stars: int | None = None
    rating_comment: str = ""
    frames: int = 0
    #: Who came into the session or left it, and with whose say-so: {at, event, who}.
    room: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    screenshot: bytes | None = None  # PNG
    id: int | None = None
    has_screenshot: bool = False

    @property
    def duration_s(self) -> float:
        return max(0.0, self.ended - self.started)


class History:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
            if "room" not in columns:  # a history from before rooms
                db.execute("ALTER TABLE sessions ADD COLUMN room TEXT NOT NULL DEFAULT '[]'")

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=5.0)
        try:
            with db:  # commit, or roll back on error
                yield db
        finally:
            db.close()

    def add(self, rec: SessionRecord) -> int:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO sessions (started, ended, code, nameplate, agent_name,"
                " agent_display_name, agent_org, ending, ending_text, notes, chat, chat_text,"
                " steps, rating_stars, rating_comment, frames, room, screenshot)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.started,
                    rec.ended,
                    rec.code,
                    rec.nameplate,
                    rec.agent_name,
                    rec.agent_display_name,
                    rec.agent_org,
                    rec.ending,
                    rec.ending_text,
                    rec.notes,
                    json.dumps(rec.chat, ensure_ascii=False),
                    "\n".join(str(line.get("text", "")) for line in rec.chat),
                    json.dumps(rec.steps, ensure_ascii=False),
                    rec.rating_stars,
                    rec.rating_comment,
                    rec.frames,
                    json.dumps(rec.room, ensure_ascii=False),
                    rec.screenshot,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def update_notes(self, row_id: int, notes: str) -> None:
        with self._db() as db:
            db.execute("UPDATE sessions SET notes = ? WHERE id = ?", (notes, row_id))

    def set_rating(self, row_id: int, stars: int, comment: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE sessions SET rating_stars = ?, rating_comment = ? WHERE id = ?",
                (stars, comment, row_id),
            )

    def search(self, text: str = "", limit: int = 500) -> list[SessionRecord]:
        """Newest first; ``text`` matches the notes, the chat or the rating comment."""
        cols = ", ".join(_COLUMNS) + ", screenshot IS NOT NULL"
        sql = f"SELECT {cols} FROM sessions"
        args: list[Any] = []
        words = text.split()
        if words:
            clauses = []
            for word in words:
                pattern = (
                    "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                )
                clauses.append(
                    "(notes LIKE ? ESCAPE '\\' OR chat_text LIKE ? ESCAPE '\\'"
                    " OR rating_comment LIKE ? ESCAPE '\\')"
                )
                args += [pattern] * 3
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY started DESC, id DESC LIMIT ?"
        args.append(limit)
        with self._db() as db:
            return [self._record(row) for row in db.execute(sql, args)]

    def get(self, row_id: int) -> SessionRecord | None:
        cols = ", ".join(_COLUMNS) + ", screenshot"
        with self._db() as db:
            row = db.execute(f"SELECT {cols} FROM sessions WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            return None
        rec = self._record(row[:-1] + (row[-1] is not None,))
        rec.screenshot = row[-1]
        return rec

    @staticmethod
    def _record(row: tuple[Any, ...]) -> SessionRecord:
        values = dict(zip(_COLUMNS, row[:-1], strict=True))
        values["chat"] = _json_list(values["chat"])
        values["steps"] = _json_list(values["steps"])
        values["room"] = _json_list(values["room"])
        return SessionRecord(**values, has_screenshot=bool(row[-1]))


def _json_list(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []
