"""The relay's SQLite database: agents (with hashed tokens) and the audit log of sessions.

One file, ``relay.sqlite3`` in the data dir, in WAL mode so the admin commands
can read and write while the relay runs. A :class:`Store` is safe to use from
several threads (one lock around the connection); the relay writes audit rows
from a single worker thread so they land in order, and checks tokens from
others.

What is stored, and what never is:

* agents: name, display name, organisation, a token id (to find the row), a
  salt and ``scrypt(secret, salt)``; never the token itself.
* sessions: agent name, nameplate, times, byte counts each way, resume count
  and how it ended; never a resume token, a key, or anything that was forwarded.

A token looks like ``ar1_<id>.<secret>``: the id picks the row, so checking a
token costs one indexed read and one scrypt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.messages import MAX_NAME

__all__ = ["AgentRecord", "SessionRow", "Store", "StoreError"]

DB_NAME = "relay.sqlite3"
SCHEMA_VERSION = 1
TOKEN_PREFIX = "ar1_"
# scrypt work factor: ~30 ms and 16 MiB per check. Tokens are 256-bit random, so
# this only slows an attacker who stole the database, and keeps auth fast.
_SCRYPT = {"n": 1 << 14, "r": 8, "p": 1, "dklen": 32}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    org          TEXT NOT NULL,
    token_id     TEXT NOT NULL UNIQUE,
    salt         BLOB NOT NULL,
    token_hash   BLOB NOT NULL,
    created      REAL NOT NULL,
    disabled     REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id                      TEXT PRIMARY KEY,
    agent                   TEXT NOT NULL,
    nameplate               TEXT NOT NULL,
    started                 REAL NOT NULL,
    paired                  REAL,
    established             REAL,
    ended                   REAL,
    duration_s              REAL,
    bytes_agent_to_customer INTEGER NOT NULL DEFAULT 0,
    bytes_customer_to_agent INTEGER NOT NULL DEFAULT 0,
    resumes                 INTEGER NOT NULL DEFAULT 0,
    end_reason              TEXT
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started);
"""


class StoreError(Exception):
    """An admin request that cannot be done; the message says why."""


@dataclasses.dataclass(frozen=True, slots=True)
class AgentRecord:
    name: str
    display_name: str
    org: str
    token_id: str
    created: float


@dataclasses.dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    agent: str
    nameplate: str
    started: float
    paired: float | None
    established: float | None
    ended: float | None
    duration_s: float | None
    bytes_agent_to_customer: int
    bytes_customer_to_agent: int
    resumes: int
    end_reason: str | None


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)


def _new_token() -> tuple[str, str, str]:
    """(token, token_id, secret)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}{token_id}.{secret}", token_id, secret


def split_token(token: str) -> tuple[str, str] | None:
    """(token_id, secret) of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, dot, secret = token[len(TOKEN_PREFIX) :].partition(".")
    if not dot or len(token_id) != 12 or not secret or len(secret) > 100:
        return None
    return token_id, secret


def check_label(what: str, value: str) -> str:
    if len(value) > MAX_NAME or any(not ch.isprintable() for ch in value):
        raise StoreError(f"{what} must be at most {MAX_NAME} printable characters")
    return value


class Store:
    """The database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = data_dir / DB_NAME
        if not path.exists():  # private from the start; SQLite gives -wal/-shm the same mode
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(path, timeout=10.0, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise StoreError(
                f"{path} was written by a newer assist-relay (schema {version}); update the relay"
            )
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return cls(db, path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------ agents

    def add_agent(self, name: str, display_name: str | None = None, org: str = "") -> str:
        """Register an agent; return its token (shown once, stored only as a hash)."""
        if not _NAME_RE.fullmatch(name):
            raise StoreError(
                "an agent name is 1 to 64 letters, digits, '.', '_', '-' or '@', "
                "starting with a letter or digit"
            )
        display = check_label("the display name", display_name if display_name else name)
        check_label("the organisation", org)
        token, token_id, secret = _new_token()
        salt = secrets.token_bytes(16)
        digest = _hash(secret, salt)
        with self._tx() as db:
            row = db.execute("SELECT disabled FROM agents WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] is None:
                raise StoreError(f"there is already an agent called {name!r}")
            db.execute("DELETE FROM agents WHERE name = ?", (name,))
            db.execute(
                "INSERT INTO agents (name, display_name, org, token_id, salt, token_hash, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, display, org, token_id, salt, digest, time.time()),
            )
        return token

    def list_agents(self) -> list[AgentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, display_name, org, token_id, created FROM agents"
                " WHERE disabled IS NULL ORDER BY name"
            ).fetchall()
        return [AgentRecord(*row) for row in rows]

    def remove_agent(self, name: str) -> None:
        """Disable an agent at once: its token stops working. Its audit rows stay."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE agents SET disabled = ?, token_hash = x'' WHERE name = ?"
                " AND disabled IS NULL",
                (time.time(), name),
            )
            if cur.rowcount == 0:
                raise StoreError(f"there is no agent called {name!r}")

    def reset_token(self, name: str) -> str:
        """Give an agent a new token; the old one stops working at once."""
        token, token_id, secret = _new_token()
        salt = secrets.token_bytes(16)
        digest = _hash(secret, salt)
        with self._tx() as db:
            cur = db.execute(
                "UPDATE agents SET token_id = ?, salt = ?, token_hash = ?"
                " WHERE name = ? AND disabled IS NULL",
                (token_id, salt, digest, name),
            )
            if cur.rowcount == 0:
                raise StoreError(f"there is no agent called {name!r}")
        return token

    def check_token(self, token: str) -> AgentRecord | None:
        """The agent this token belongs to, or None. Reads the database every time."""
        parts = split_token(token)
        if parts is None:
            return None
        token_id, secret = parts
        with self._lock:
            row = self._db.execute(
                "SELECT name, display_name, org, token_id, created, salt, token_hash"
                " FROM agents WHERE token_id = ? AND disabled IS NULL",
                (token_id,),
            ).fetchone()
        if row is None:
            _hash(secret, b"\0" * 16)  # same cost whether or not the id exists
            return None
        if not hmac.compare_digest(_hash(secret, row[5]), row[6]):
            return None
        return AgentRecord(*row[:5])

    def agent_still_valid(self, name: str, token_id: str) -> AgentRecord | None:
        """The agent, if it still exists with the same token (no scrypt: used on Create)."""
        with self._lock:
            row = self._db.execute(
                "SELECT name, display_name, org, token_id, created FROM agents"
                " WHERE name = ? AND token_id = ? AND disabled IS NULL",
                (name, token_id),
            ).fetchone()
        return AgentRecord(*row) if row else None

    # ------------------------------------------------------------ audit

    def session_started(self, sid: str, agent: str, nameplate: str, started: float) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (id, agent, nameplate, started) VALUES (?, ?, ?, ?)",
                (sid, agent, nameplate, started),
            )

    def session_paired(self, sid: str, when: float) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET paired = ? WHERE id = ?", (when, sid))

    def session_established(self, sid: str, when: float) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET established = ? WHERE id = ?", (when, sid))

    def session_ended(
        self,
        sid: str,
        ended: float,
        reason: str,
        bytes_agent_to_customer: int,
        bytes_customer_to_agent: int,
        resumes: int,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET ended = ?, duration_s = ? - started, end_reason = ?,"
                " bytes_agent_to_customer = ?, bytes_customer_to_agent = ?, resumes = ?"
                " WHERE id = ?",
                (
                    ended,
                    ended,
                    reason,
                    bytes_agent_to_customer,
                    bytes_customer_to_agent,
                    resumes,
                    sid,
                ),
            )

    def mark_lost(self) -> int:
        """Sessions a previous run left open (it was killed): say so. Returns how many."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE sessions SET end_reason = 'relay_lost' WHERE ended IS NULL"
                " AND end_reason IS NULL"
            )
            return cur.rowcount

    def sessions(self, since: float | None = None) -> list[SessionRow]:
        """Audit rows, oldest first, started at or after ``since`` (epoch seconds)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, agent, nameplate, started, paired, established, ended, duration_s,"
                " bytes_agent_to_customer, bytes_customer_to_agent, resumes, end_reason"
                " FROM sessions WHERE started >= ? ORDER BY started, id",
                (since if since is not None else float("-inf"),),
            ).fetchall()
        return [SessionRow(*row) for row in rows]
