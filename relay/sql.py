"""The two database engines the relay's store runs on, behind one small interface.

:class:`relay.store.Store` writes its SQL once, with ``?`` placeholders and only
what SQLite and PostgreSQL both understand (``ON CONFLICT``, no ``INSERT OR``).
A :class:`Database` runs it:

* :class:`SqliteDatabase` — the default: one file in the data dir, WAL mode, one
  connection behind a lock (SQLite serialises writers anyway);
* :class:`PostgresDatabase` — chosen by ``database_url = "postgresql://..."``:
  psycopg 3 with its connection pool, so the relay's worker threads and several
  relay nodes share one database the admins already back up.

Why psycopg 3 and not SQLAlchemy Core or asyncpg (docs/architecture.md,
dependencies): the store's SQL is a dozen plain statements, the same sync API
serves the admin CLI and the relay (whose event loop hands every call to a
worker thread, so it never waits on the database), and psycopg is the driver
the PostgreSQL project itself documents, with a maintained pool.

Migrations are numbered steps (:data:`MIGRATIONS`). Each runs in its own
transaction together with the version bump, so a step that fails leaves the
database at the previous version, still usable by the release that made it.
On PostgreSQL an advisory lock makes nodes that start together migrate once.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("relay.sql")

__all__ = [
    "MIGRATIONS",
    "Cursor",
    "StoreError",
    "Database",
    "DatabaseError",
    "DatabaseUnavailableError",
    "open_database",
    "redact_url",
]

SQLITE_NAME = "relay.sqlite3"
#: PostgreSQL advisory lock key held while migrating ("assist" in ASCII).
_MIGRATION_LOCK = 0x617373697374


class StoreError(Exception):
    """An admin request that cannot be done, or a database that cannot be used; the
    message says why in one sentence."""


class DatabaseError(StoreError):
    """The database cannot be used as asked (wrong URL, failed migration, too new)."""


class DatabaseUnavailableError(DatabaseError):
    """The database did not answer (down, unreachable, out of connections)."""


# ---------------------------------------------------------------- migrations

#: (version, SQL in SQLite's words). PostgreSQL gets the same text with its own type
#: names (:func:`_postgres_ddl`). Never edit a step that has shipped; add one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
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
        CREATE TABLE IF NOT EXISTS meta (
            key   TEXT PRIMARY KEY,
            value BLOB NOT NULL
        );
        """,
    ),
    (
        2,  # how each token is hashed, and when an open session was last seen
        # (the first release made ``meta`` and the index only later in its life)
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started);
        ALTER TABLE agents ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'scrypt';
        ALTER TABLE sessions ADD COLUMN last_seen REAL;
        """,
    ),
    (
        3,  # agents' own keys, their certificates, and teams (verified identity)
        """
        ALTER TABLE agents ADD COLUMN team TEXT NOT NULL DEFAULT '';
        CREATE TABLE IF NOT EXISTS agent_keys (
            agent      TEXT NOT NULL,
            public_key BLOB NOT NULL,
            first_seen REAL NOT NULL,
            last_seen  REAL NOT NULL,
            PRIMARY KEY (agent, public_key)
        );
        CREATE TABLE IF NOT EXISTS certificates (
            serial     INTEGER PRIMARY KEY,
            agent      TEXT NOT NULL,
            public_key BLOB NOT NULL,
            not_before REAL NOT NULL,
            not_after  REAL NOT NULL,
            issued     REAL NOT NULL,
            revoked    REAL,
            body       BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS certificates_agent ON certificates (agent, public_key);
        """,
    ),
    (
        4,  # several relay nodes: which node carries each session
        """
        ALTER TABLE sessions ADD COLUMN node TEXT NOT NULL DEFAULT '';
        CREATE INDEX IF NOT EXISTS sessions_open ON sessions (node) WHERE ended IS NULL;
        """,
    ),
    (
        5,  # rooms: supervisors, and who came into or left each session's room
        """
        ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
        CREATE TABLE IF NOT EXISTS room_events (
            sid    TEXT NOT NULL,
            at     REAL NOT NULL,
            event  TEXT NOT NULL,
            agent  TEXT NOT NULL,
            actor  TEXT NOT NULL,
            member INTEGER NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS room_events_sid ON room_events (sid, at);
        """,
    ),
    (
        6,  # the help desk: callback requests, blocked installations, flags, its log
        """
        CREATE TABLE IF NOT EXISTS desk_callbacks (
            id           TEXT PRIMARY KEY,
            queue        TEXT NOT NULL,
            installation TEXT NOT NULL,
            name         TEXT NOT NULL,
            contact      TEXT NOT NULL,
            channel      TEXT NOT NULL,
            description  TEXT NOT NULL,
            window_start REAL NOT NULL,
            window_end   REAL NOT NULL,
            asked        REAL NOT NULL,
            state        TEXT NOT NULL,
            agent        TEXT NOT NULL,
            note         TEXT NOT NULL,
            updated      REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_callbacks_state ON desk_callbacks (state, window_start);
        CREATE TABLE IF NOT EXISTS desk_blocks (
            installation TEXT PRIMARY KEY,
            until        REAL NOT NULL,
            actor        TEXT NOT NULL,
            reason       TEXT NOT NULL,
            at           REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS desk_flags (
            id           TEXT PRIMARY KEY,
            installation TEXT NOT NULL,
            sid          TEXT NOT NULL,
            kind         TEXT NOT NULL,
            reason       TEXT NOT NULL,
            actor        TEXT NOT NULL,
            at           REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_flags_installation ON desk_flags (installation, at);
        CREATE TABLE IF NOT EXISTS desk_log (
            at      REAL NOT NULL,
            event   TEXT NOT NULL,
            subject TEXT NOT NULL,
            actor   TEXT NOT NULL,
            detail  TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS desk_log_at ON desk_log (at);
        """,
    ),
    (
        7,  # the help desk: earlier contacts (the repeat mark), places kept over a restart
        """
        CREATE INDEX IF NOT EXISTS desk_log_subject ON desk_log (subject, event);
        CREATE INDEX IF NOT EXISTS desk_callbacks_installation ON desk_callbacks (installation);
        CREATE TABLE IF NOT EXISTS desk_tickets (
            ticket       TEXT PRIMARY KEY,
            queue        TEXT NOT NULL,
            installation TEXT NOT NULL,
            joined       REAL NOT NULL,
            ask          BLOB NOT NULL
        );
        """,
    ),
    (
        8,  # records: every contact, agents' notes; the console's passwords, sessions, log
        """
        CREATE TABLE IF NOT EXISTS contacts (
            id               TEXT PRIMARY KEY,
            kind             TEXT NOT NULL,
            queue            TEXT NOT NULL DEFAULT '',
            installation     TEXT NOT NULL DEFAULT '',
            customer_name    TEXT NOT NULL DEFAULT '',
            customer_contact TEXT NOT NULL DEFAULT '',
            topic            TEXT NOT NULL DEFAULT '',
            sid              TEXT NOT NULL DEFAULT '',
            agent            TEXT NOT NULL DEFAULT '',
            team             TEXT NOT NULL DEFAULT '',
            agents           TEXT NOT NULL DEFAULT '',
            asked            REAL NOT NULL,
            started          REAL,
            ended            REAL,
            wait_s           REAL,
            handle_s         REAL,
            state            TEXT NOT NULL,
            resolved         INTEGER,
            tags             TEXT NOT NULL DEFAULT '',
            satisfaction     INTEGER,
            comment          TEXT NOT NULL DEFAULT '',
            end_reason       TEXT NOT NULL DEFAULT '',
            updated          REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS contacts_asked ON contacts (asked);
        CREATE INDEX IF NOT EXISTS contacts_installation ON contacts (installation, asked);
        CREATE INDEX IF NOT EXISTS contacts_customer ON contacts (customer_contact);
        CREATE INDEX IF NOT EXISTS contacts_sid ON contacts (sid);
        CREATE INDEX IF NOT EXISTS contacts_open ON contacts (state, asked)
            WHERE state IN ('waiting', 'in_session');
        CREATE TABLE IF NOT EXISTS contact_notes (
            id      TEXT PRIMARY KEY,
            contact TEXT NOT NULL,
            at      REAL NOT NULL,
            author  TEXT NOT NULL,
            text    TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS contact_notes_contact ON contact_notes (contact, at);
        CREATE TABLE IF NOT EXISTS contact_reviews (
            contact    TEXT NOT NULL,
            reviewer   TEXT NOT NULL,
            at         REAL NOT NULL,
            greeting   INTEGER NOT NULL,
            diagnosis  INTEGER NOT NULL,
            resolution INTEGER NOT NULL,
            manners    INTEGER NOT NULL,
            score      REAL NOT NULL,
            comment    TEXT NOT NULL,
            PRIMARY KEY (contact, reviewer)
        );
        ALTER TABLE agents ADD COLUMN password TEXT NOT NULL DEFAULT '';
        CREATE TABLE IF NOT EXISTS console_sessions (
            id_hash BLOB PRIMARY KEY,
            agent   TEXT NOT NULL,
            csrf    TEXT NOT NULL,
            created REAL NOT NULL,
            seen    REAL NOT NULL,
            address TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS admin_log (
            at      REAL NOT NULL,
            actor   TEXT NOT NULL,
            action  TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail  TEXT NOT NULL,
            address TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS admin_log_at ON admin_log (at);
        CREATE TABLE IF NOT EXISTS api_tokens (
            id         TEXT PRIMARY KEY,
            name       TEXT NOT NULL,
            scopes     TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            created    REAL NOT NULL,
            created_by TEXT NOT NULL,
            last_used  REAL,
            revoked    REAL
        );
        CREATE TABLE IF NOT EXISTS webhooks (
            id      TEXT PRIMARY KEY,
            url     TEXT NOT NULL,
            events  TEXT NOT NULL,
            secret  TEXT NOT NULL,
            created REAL NOT NULL,
            active  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id          TEXT PRIMARY KEY,
            hook        TEXT NOT NULL,
            event       TEXT NOT NULL,
            payload     TEXT NOT NULL,
            created     REAL NOT NULL,
            state       TEXT NOT NULL,
            attempts    INTEGER NOT NULL DEFAULT 0,
            next_at     REAL NOT NULL,
            last_status INTEGER,
            last_error  TEXT NOT NULL DEFAULT '',
            done_at     REAL
        );
        CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_at);
        CREATE INDEX IF NOT EXISTS webhook_deliveries_hook ON webhook_deliveries (hook, created);
        """,
    ),
    (
        9,
        # Queues changed at run time, over the desk file (relay/desk/changes.py):
        # every node reads them, so the cluster follows one set.
        """
        CREATE TABLE IF NOT EXISTS queue_settings (
            queue       TEXT PRIMARY KEY,
            state       TEXT NOT NULL,
            since       REAL NOT NULL,
            until       REAL,
            max_waiting INTEGER,
            week        TEXT NOT NULL DEFAULT '',
            days        TEXT NOT NULL DEFAULT '',
            teams       TEXT NOT NULL DEFAULT '',
            changed_at  REAL NOT NULL,
            changed_by  TEXT NOT NULL
        );
        """,
    ),
]


def latest_version() -> int:
    return MIGRATIONS[-1][0]


def _postgres_ddl(sql: str) -> str:
    sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    return re.sub(r"\bINTEGER\b", "BIGINT", sql)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


# ---------------------------------------------------------------- interface


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """What :class:`relay.store.Store` needs of an engine."""

    kind: str  # "sqlite" or "postgresql"
    where: str  # the file or the redacted URL, for messages

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """One statement outside a transaction (reads, and single writes)."""
        ...

    @contextmanager
    def transaction(self) -> Iterator[Transaction]: ...

    def close(self) -> None: ...


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


# ---------------------------------------------------------------- SQLite


class SqliteDatabase:
    """One SQLite file in WAL mode; one connection shared behind a lock."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        if not path.exists():  # private from the start; SQLite gives -wal/-shm the same mode
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        try:
            self._db = sqlite3.connect(
                path, timeout=10.0, check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {path}: {exc}") from None
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with self._lock, _sqlite_errors(self.path):
            cur = self._db.execute(sql, params)
            return _Fetched(cur.fetchall(), cur.rowcount)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock, _sqlite_errors(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- migrations

    def version(self) -> int:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if (
            version == 0
            and self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'agents'"
            ).fetchone()
        ):
            return 1  # the first release did not number its schema
        return version

    def migrate(self, steps: Sequence[tuple[int, str]]) -> None:
        with self._lock:
            for version, script in steps:
                if version <= self.version():
                    continue
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    for statement in _statements(script):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version={int(version)}")
                    self._db.execute("COMMIT")
                except sqlite3.Error as exc:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise DatabaseError(
                        f"could not upgrade {self.path} to schema {version} ({exc}); it is "
                        f"unchanged at schema {self.version()}"
                    ) from None
                log.info("database %s: now at schema %d", self.path, version)


class _Fetched:
    """Rows already read (so the lock is not held while the caller looks at them)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows


class _SqliteTx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)


@contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise DatabaseUnavailableError(f"the database {path} cannot be used: {exc}") from None


# ---------------------------------------------------------------- PostgreSQL


@functools.lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    """SQLite's ``?`` placeholders in psycopg's words (the store never writes a literal %)."""
    return sql.replace("?", "%s")


class PostgresDatabase:
    """PostgreSQL through a psycopg 3 connection pool (autocommit outside transactions)."""

    kind = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 8,
        connect_timeout_s: float = 5.0,
        wait_s: float = 2.0,
    ) -> None:
        """``wait_s``: how long a request waits for a connection before the database
        counts as not answering (a sign-in then gets a clear error, not a hang)."""
        import psycopg
        import psycopg_pool

        self._psycopg = psycopg
        self.where = redact_url(url)
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(wait_s))},
            timeout=wait_s,
            reconnect_timeout=0,  # keep trying for as long as it is down
            open=False,
            name="assist-relay",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout_s)
        except psycopg_pool.PoolTimeout:
            why = _last_pool_error(self._pool) or "no answer"
            self._pool.close()
            raise DatabaseUnavailableError(
                f"cannot reach PostgreSQL at {self.where}: {why}"
            ) from None

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        import psycopg_pool

        try:
            with self._pool.connection() as conn:
                yield conn
        except (self._psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailableError(
                f"PostgreSQL at {self.where} did not answer: {why}"
            ) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        with self._connection() as conn:
            cur = conn.execute(_pg(sql), params)
            rows = cur.fetchall() if cur.description is not None else []
            return _Fetched(rows, cur.rowcount)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._connection() as conn, conn.transaction():
            yield _PgTx(conn)

    def close(self) -> None:
        self._pool.close()

    # -- migrations

    def version(self) -> int:
        with self._connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self, steps: Sequence[tuple[int, str]]) -> None:
        current = self.version()
        for version, script in steps:
            if version <= current:
                continue
            try:
                with self._connection() as conn, conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
                    if int(row[0] or 0) >= version:  # another node did it meanwhile
                        current = int(row[0])
                        continue
                    for statement in _statements(_postgres_ddl(script)):
                        conn.execute(statement)
                    conn.execute("DELETE FROM schema_version")
                    conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
            except self._psycopg.Error as exc:
                why = str(exc).strip().splitlines()[0]
                raise DatabaseError(
                    f"could not upgrade the PostgreSQL database at {self.where} to schema "
                    f"{version} ({why}); it is unchanged at schema {current}"
                ) from None
            current = version
            log.info("database %s: now at schema %d", self.where, version)


class _PgTx:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur = self._conn.execute(_pg(sql), params)
        return cur  # type: ignore[no-any-return]

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._conn.cursor() as cur:
                cur.executemany(_pg(sql), rows)


def _last_pool_error(pool: Any) -> str:
    """What the pool's last failed connection attempt said (psycopg logs it, keeps nothing),
    found by trying one connection directly."""
    import psycopg

    try:
        psycopg.connect(pool.conninfo, connect_timeout=2).close()
    except psycopg.Error as exc:
        text = str(exc).strip()
        return text.splitlines()[-1].strip() if text else type(exc).__name__
    return ""


# ---------------------------------------------------------------- choosing


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and error messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def open_database(database_url: str, data_dir: Path) -> SqliteDatabase | PostgresDatabase:
    """The database ``database_url`` names ("" for SQLite in ``data_dir``), migrated to the
    newest schema. Raises :class:`DatabaseError` with one sentence naming what is wrong."""
    url = database_url.strip()
    db: SqliteDatabase | PostgresDatabase
    if not url or url.startswith("sqlite:"):
        path = data_dir / SQLITE_NAME
        if url.startswith("sqlite:"):
            path = Path(url.removeprefix("sqlite:").removeprefix("//")).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = SqliteDatabase(path)
    elif url.startswith(("postgresql://", "postgres://")):
        db = PostgresDatabase(url)
    else:
        raise DatabaseError(
            f"database_url {redact_url(url)!r} is neither postgresql://… nor empty (SQLite "
            "in the data dir)"
        )
    try:
        found = db.version()
        if found > latest_version():
            raise DatabaseError(
                f"{db.where} was written by a newer assist-relay (schema {found}); update the relay"
            )
        db.migrate(MIGRATIONS)
    except BaseException:
        db.close()
        raise
    return db
