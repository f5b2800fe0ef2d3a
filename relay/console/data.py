"""The console's own data: passwords, signed-in browsers, the admin log, settings.

* **Passwords** are hashed with Argon2id (argon2-cffi, the reference implementation's
  binding; RFC 9106's second recommended parameters: 3 passes over 64 MiB), so a
  stolen database costs an attacker 64 MiB and tens of milliseconds per guess. A
  sign-in for a name that does not exist verifies a dummy hash, so the answer takes
  as long either way. The relay runs the hash in a worker thread, behind the
  sign-in rate limits (relay/console/auth.py).
* **Browser sessions**: the cookie holds 32 random bytes; the database keeps only
  their SHA-256, the agent, the CSRF token of that session, and when it was made and
  last used. A session ends after :data:`IDLE_S` without use or :data:`MAX_AGE_S` in
  all, at sign-out, when the password changes, and when the agent is removed. On a
  cluster any node can serve any browser.
* **The admin log**: every action that changes accounts, settings or records, with who,
  from where and when; free text never holds a customer's details (an erasure request
  is logged by a hash of what was erased).
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time

import argon2

from relay.sql import Database, StoreError

__all__ = ["AdminLogRow", "ConsoleData", "ConsoleSession", "IDLE_S", "MAX_AGE_S"]

#: A browser session ends after this long without a request ...
IDLE_S = 60 * 60
#: ... and after this long in any case.
MAX_AGE_S = 12 * 60 * 60
#: Shortest password accepted.
MIN_PASSWORD = 10
#: The retention default when the admin has not set one (days; 0: keep for ever).
DEFAULT_RETENTION_DAYS = 365

_HASHER = argon2.PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4
_DUMMY = _HASHER.hash(secrets.token_hex(16))
_PUT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


@dataclasses.dataclass(frozen=True, slots=True)
class ConsoleSession:
    agent: str
    display_name: str
    role: str
    team: str
    csrf: str
    created: float


@dataclasses.dataclass(frozen=True, slots=True)
class AdminLogRow:
    at: float
    actor: str
    action: str
    subject: str
    detail: str
    address: str


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class ConsoleData:
    """Safe from any worker thread; the console calls it through ``asyncio.to_thread``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------ passwords

    def set_password(self, name: str, password: str) -> None:
        """Give an agent a console password (ends their browser sessions)."""
        if len(password) < MIN_PASSWORD:
            raise StoreError(f"a password is at least {MIN_PASSWORD} characters")
        if len(password) > 1024:
            raise StoreError("a password is at most 1024 characters")
        hashed = _HASHER.hash(password)
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE agents SET password = ? WHERE name = ? AND disabled IS NULL",
                (hashed, name),
            ).rowcount
            if not changed:
                raise StoreError(f"there is no agent called {name!r}")
            db.execute("DELETE FROM console_sessions WHERE agent = ?", (name,))

    def check_password(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s (an agent with no password never signs in)."""
        row = self._db.execute(
            "SELECT password FROM agents WHERE name = ? AND disabled IS NULL", (name,)
        ).fetchone()
        stored = str(row[0]) if row is not None and row[0] else ""
        try:
            _HASHER.verify(stored or _DUMMY, password[:1024])
        except argon2.exceptions.VerificationError:
            return False
        except argon2.exceptions.InvalidHashError:
            return False
        if stored and _HASHER.check_needs_rehash(stored):
            with self._db.transaction() as db:
                db.execute(
                    "UPDATE agents SET password = ? WHERE name = ?", (_HASHER.hash(password), name)
                )
        return bool(stored)

    def has_password(self, name: str) -> bool:
        row = self._db.execute("SELECT password FROM agents WHERE name = ?", (name,)).fetchone()
        return bool(row and row[0])

    # ------------------------------------------------------------ browser sessions

    def open_session(self, name: str, address: str, now: float | None = None) -> str:
        """A signed-in browser: returns the cookie's token."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        with self._db.transaction() as db:
            db.execute("DELETE FROM console_sessions WHERE seen < ?", (now - IDLE_S,))
            db.execute(
                "INSERT INTO console_sessions (id_hash, agent, csrf, created, seen, address)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_digest(token), name, secrets.token_urlsafe(24), now, now, address[:64]),
            )
        return token

    def session(self, token: str, now: float | None = None) -> ConsoleSession | None:
        """The signed-in agent of this cookie (and it counts as used), or None."""
        now = time.time() if now is None else now
        if not token or len(token) > 100:
            return None
        row = self._db.execute(
            "SELECT s.agent, a.display_name, a.role, a.team, s.csrf, s.created, s.seen"
            " FROM console_sessions s JOIN agents a ON a.name = s.agent"
            " WHERE s.id_hash = ? AND a.disabled IS NULL",
            (_digest(token),),
        ).fetchone()
        if row is None:
            return None
        if now - float(row[6]) > IDLE_S or now - float(row[5]) > MAX_AGE_S:
            self.close_session(token)
            return None
        if now - float(row[6]) > 60:  # one write a minute at most
            with self._db.transaction() as db:
                db.execute(
                    "UPDATE console_sessions SET seen = ? WHERE id_hash = ?", (now, _digest(token))
                )
        return ConsoleSession(row[0], row[1], row[2], row[3], row[4], float(row[5]))

    def close_session(self, token: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM console_sessions WHERE id_hash = ?", (_digest(token),))

    # ------------------------------------------------------------ the admin log

    def log(self, actor: str, action: str, subject: str, detail: str, address: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO admin_log (at, actor, action, subject, detail, address)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), actor, action, subject[:200], detail[:1000], address[:64]),
            )

    def admin_log(self, limit: int = 200, offset: int = 0) -> tuple[list[AdminLogRow], int]:
        total = int(self._db.execute("SELECT COUNT(*) FROM admin_log").fetchone()[0])
        rows = self._db.execute(
            "SELECT at, actor, action, subject, detail, address FROM admin_log"
            " ORDER BY at DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [AdminLogRow(*r) for r in rows], total

    # ------------------------------------------------------------ settings

    def retention_days(self, default: int = DEFAULT_RETENTION_DAYS) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'retention_days'").fetchone()
        return int(bytes(row[0]).decode()) if row else default

    def set_retention_days(self, days: int) -> None:
        if not 0 <= days <= 3650:
            raise StoreError("keep records 0 (for ever) to 3650 days")
        with self._db.transaction() as db:
            db.execute(_PUT_META, ("retention_days", str(days).encode()))


def erasure_subject(installation: str, contact: str) -> str:
    """What the admin log keeps of an erasure request: a hash, never the details."""
    raw = f"{installation}\n{contact.strip().lower()}".encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]
