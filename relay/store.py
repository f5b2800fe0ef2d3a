"""The relay's durable data: agents (with hashed tokens), identity, the audit log, the desk.

The data lives in SQLite (default: ``relay.sqlite3`` in the data dir, WAL mode so
the admin commands can read and write while the relay runs) or PostgreSQL
(``database_url``), through :mod:`relay.sql`; the SQL here is written once for
both. A :class:`Store` is safe to use from several threads; the relay calls it
only from worker threads (its event loop never waits on the database), writes
audit rows from a single worker so they land in order, and checks tokens from
others.

What is stored, and what never is:

* agents: name, display name, organisation, a token id (to find the row) and
  ``HMAC-SHA256(key, secret)``; never the token itself. ``key`` is a random
  per-database key in the ``meta`` table.
* identity: the organisation's *public* key and newest revocation list, each agent's
  app keys (public) and the certificates issued for them; never a private key.
* sessions: agent name, nameplate, times, byte counts each way, resume count
  and how it ended; never a resume token, a key, or anything that was forwarded.
  Open sessions' counts and ``last_seen`` are written every ``audit_flush_s``,
  so after a crash the row keeps what it had then and is marked ``relay_crashed``.
* the help desk: callback requests (the name, number or address and description a
  customer left for them, the window, the outcome and who recorded it), blocked
  installations, agents' flags on contacts, and the desk log of who did what and
  why; free text is limited to :data:`MAX_DESK_TEXT` characters.

A token looks like ``ar1_<id>.<secret>``: the id picks the row, so checking a
token costs one indexed read and one HMAC. The secret is 256 random bits, so a
memory-hard hash (scrypt, argon2) would buy nothing against a stolen database,
and cost every sign-in ~30 ms of CPU and 16 MiB that a flood of bad tokens could
turn against the relay (docs/security.md). Rows written by schema 1 still hold
``scrypt``; they are checked that way once and re-hashed on the first sign-in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from common.messages import MAX_NAME
from relay import records
from relay.console.data import ConsoleData
from relay.desk.changes import QueueSettings
from relay.desk.changes import change as change_queue
from relay.desk.config import Desk
from relay.integrations import Integrations
from relay.records import Records
from relay.sql import Database, StoreError, Transaction, open_database

__all__ = [
    "AgentRecord",
    "BlockRow",
    "CallbackRow",
    "CardRow",
    "DeskLogRow",
    "FlagRow",
    "Organisation",
    "SessionRow",
    "Store",
    "StoreError",
]

TOKEN_PREFIX = "ar1_"
# Schema 1's token hash, still read for rows written before schema 2 (see above).
_SCRYPT = {"n": 1 << 14, "r": 8, "p": 1, "dklen": 32}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_PUT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


#: What an agent may do besides leading their own sessions. A supervisor may ask to
#: watch colleagues' sessions, block customers, and sees the console's live desk and
#: reports; an admin may do all that and runs the console's accounts and settings.
ROLES = ("agent", "supervisor", "admin")


@dataclasses.dataclass(frozen=True, slots=True)
class AgentRecord:
    name: str
    display_name: str
    org: str
    token_id: str
    created: float
    team: str = ""
    #: One of :data:`ROLES`.
    role: str = "agent"

    @property
    def supervises(self) -> bool:
        """May watch colleagues' sessions and block customers (supervisors and admins)."""
        return self.role in ("supervisor", "admin")


@dataclasses.dataclass(frozen=True, slots=True)
class Organisation:
    """The organisation whose key signs this relay's agents (only its public key here)."""

    name: str
    public_key: bytes
    require_certificates: bool
    revocations: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class CardRow:
    """One agent certificate as the relay keeps it (``body``: the signed bytes)."""

    serial: int
    agent: str
    public_key: bytes
    not_before: float
    not_after: float
    issued: float
    body: bytes
    revoked: float | None = None


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
    node: str = ""


#: What can become of a callback request (``open`` until an agent records one).
CALLBACK_STATES = ("open", "done", "no_answer", "cancelled")
#: How a customer asked to be called back.
CALLBACK_CHANNELS = ("phone", "app")
#: What an agent can flag a contact as.
FLAG_KINDS = ("abusive", "repeat", "specialist")
#: Longest free text kept from a customer (a description) or an agent (a reason, a note).
MAX_DESK_TEXT = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class CallbackRow:
    id: str
    queue: str
    installation: str
    name: str
    contact: str
    channel: str
    description: str
    window_start: float
    window_end: float
    asked: float
    state: str
    agent: str
    note: str
    updated: float


_SELECT_CALLBACKS = (
    "SELECT id, queue, installation, name, contact, channel, description,"
    " window_start, window_end, asked, state, agent, note, updated FROM desk_callbacks"
)


@dataclasses.dataclass(frozen=True, slots=True)
class BlockRow:
    installation: str
    until: float
    actor: str
    reason: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class FlagRow:
    id: str
    installation: str
    sid: str
    kind: str
    reason: str
    actor: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class DeskLogRow:
    at: float
    event: str
    subject: str
    actor: str
    detail: str


@dataclasses.dataclass(frozen=True, slots=True)
class RoomEventRow:
    sid: str
    at: float
    event: str
    agent: str
    by: str
    member: int
    detail: str


def _scrypt(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)


def _hmac(key: bytes, secret: str) -> bytes:
    return hmac.new(key, secret.encode(), hashlib.sha256).digest()


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

    def __init__(self, db: Database, token_key: bytes) -> None:
        self._db = db
        self._key = token_key
        #: Contact records: the console's, the reports' and the customer history's.
        self.records = Records(db)
        #: The web console's passwords, browser sessions, admin log and settings.
        self.console = ConsoleData(db)
        #: API tokens, webhooks and their delivery log.
        self.integrations = Integrations(db, token_key)

    @property
    def where(self) -> str:
        """The database file, or the PostgreSQL URL without its password."""
        return self._db.where

    @property
    def kind(self) -> str:
        return self._db.kind

    @classmethod
    def open(cls, data_dir: Path, database_url: str = "") -> Store:
        """The store ``database_url`` names (empty: SQLite in ``data_dir``), migrated."""
        if not database_url:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = open_database(database_url, data_dir)
        try:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('token_key', ?)"
                " ON CONFLICT (key) DO NOTHING",
                (secrets.token_bytes(32),),
            )
            key = db.execute("SELECT value FROM meta WHERE key = 'token_key'").fetchone()[0]
        except BaseException:
            db.close()
            raise
        return cls(db, bytes(key))

    def close(self) -> None:
        self._db.close()

    def ping(self) -> None:
        """Raise :class:`~relay.sql.DatabaseUnavailableError` if the database does not answer."""
        self._db.execute("SELECT 1")

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
        digest = _hmac(self._key, secret)
        with self._db.transaction() as db:
            row = db.execute("SELECT disabled FROM agents WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] is None:
                raise StoreError(f"there is already an agent called {name!r}")
            db.execute("DELETE FROM agents WHERE name = ?", (name,))
            db.execute(
                "INSERT INTO agents (name, display_name, org, token_id, salt, token_hash,"
                " hash_scheme, created) VALUES (?, ?, ?, ?, ?, ?, 'hmac', ?)",
                (name, display, org, token_id, b"", digest, time.time()),
            )
        return token

    def list_agents(self) -> list[AgentRecord]:
        rows = self._db.execute(
            "SELECT name, display_name, org, token_id, created, team, role FROM agents"
            " WHERE disabled IS NULL ORDER BY name"
        ).fetchall()
        return [AgentRecord(*row) for row in rows]

    def remove_agent(self, name: str) -> None:
        """Disable an agent at once: its token stops working. Its audit rows stay."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE agents SET disabled = ?, token_hash = ? WHERE name = ?"
                " AND disabled IS NULL",
                (time.time(), b"", name),
            )
            if cur.rowcount == 0:
                raise StoreError(f"there is no agent called {name!r}")

    def reset_token(self, name: str) -> str:
        """Give an agent a new token; the old one stops working at once."""
        token, token_id, secret = _new_token()
        digest = _hmac(self._key, secret)
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE agents SET token_id = ?, salt = ?, token_hash = ?, hash_scheme = 'hmac'"
                " WHERE name = ? AND disabled IS NULL",
                (token_id, b"", digest, name),
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
        row = self._db.execute(
            "SELECT name, display_name, org, token_id, created, salt, token_hash,"
            " hash_scheme, team, role FROM agents WHERE token_id = ? AND disabled IS NULL",
            (token_id,),
        ).fetchone()
        if row is None:
            _hmac(self._key, secret)  # about the same time whether or not the id exists
            return None
        if row[7] == "hmac":
            return (
                AgentRecord(row[0], row[1], row[2], row[3], row[4], row[8], row[9])
                if hmac.compare_digest(_hmac(self._key, secret), row[6])
                else None
            )
        # A schema-1 row: check the old way once, then store the fast hash.
        if not hmac.compare_digest(_scrypt(secret, row[5]), row[6]):
            return None
        with self._db.transaction() as db:
            db.execute(
                "UPDATE agents SET salt = ?, token_hash = ?, hash_scheme = 'hmac'"
                " WHERE token_id = ? AND hash_scheme = 'scrypt'",
                (b"", _hmac(self._key, secret), token_id),
            )
        return AgentRecord(row[0], row[1], row[2], row[3], row[4], row[8], row[9])

    def agent_still_valid(self, name: str, token_id: str) -> AgentRecord | None:
        """The agent, if it still exists with the same token (no scrypt: used on Create)."""
        row = self._db.execute(
            "SELECT name, display_name, org, token_id, created, team, role FROM agents"
            " WHERE name = ? AND token_id = ? AND disabled IS NULL",
            (name, token_id),
        ).fetchone()
        return AgentRecord(*row) if row else None

    # ------------------------------------------------------------ identity

    def organisation(self) -> Organisation | None:
        """The organisation registered on this relay (its public key), or None."""
        rows = dict(
            self._db.execute(
                "SELECT key, value FROM meta WHERE key IN"
                " ('org_name', 'org_key', 'org_require', 'revocations')"
            ).fetchall()
        )
        if "org_key" not in rows:
            return None
        return Organisation(
            name=bytes(rows["org_name"]).decode(),
            public_key=bytes(rows["org_key"]),
            require_certificates=bytes(rows.get("org_require", b"1")) == b"1",
            revocations=bytes(rows.get("revocations", b"")),
        )

    def register_organisation(self, name: str, public_key: bytes, *, require: bool) -> None:
        """Register (or replace) the organisation whose key signs this relay's agents."""
        check_label("the organisation", name)
        with self._db.transaction() as db:
            for key, value in (
                ("org_name", name.encode()),
                ("org_key", public_key),
                ("org_require", b"1" if require else b"0"),
            ):
                db.execute(_PUT_META, (key, value))
            db.execute("DELETE FROM meta WHERE key = 'revocations'")

    def revocations(self) -> bytes:
        org = self.organisation()
        return org.revocations if org is not None else b""

    def set_revocations(self, raw: bytes) -> None:
        with self._db.transaction() as db:
            db.execute(_PUT_META, ("revocations", raw))

    def agent_record(self, name: str) -> AgentRecord:
        row = self._db.execute(
            "SELECT name, display_name, org, token_id, created, team, role FROM agents"
            " WHERE name = ? AND disabled IS NULL",
            (name,),
        ).fetchone()
        if row is None:
            raise StoreError(f"there is no agent called {name!r}")
        return AgentRecord(*row)

    def set_role(self, name: str, role: str) -> None:
        """Make an agent a supervisor (may ask to watch colleagues' sessions) or not."""
        if role not in ROLES:
            raise StoreError(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE agents SET role = ? WHERE name = ? AND disabled IS NULL", (role, name)
            ).rowcount
        if not changed:
            raise StoreError(f"there is no agent called {name!r}")

    def set_team(self, name: str, team: str) -> None:
        """The team an agent's colleagues see them under in the invite list."""
        if len(team) > 64:
            raise StoreError("a team name is at most 64 characters")
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE agents SET team = ? WHERE name = ? AND disabled IS NULL", (team, name)
            ).rowcount
        if not changed:
            raise StoreError(f"there is no agent called {name!r}")

    def agent_team(self, name: str) -> str:
        row = self._db.execute("SELECT team FROM agents WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else ""

    def key_seen(self, agent: str, public_key: bytes, when: float) -> None:
        """An agent's app signed in with this key (the admin issues its card for it)."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO agent_keys (agent, public_key, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (agent, public_key)"
                " DO UPDATE SET last_seen = excluded.last_seen",
                (agent, public_key, when, when),
            )

    def newest_key(self, agent: str) -> bytes | None:
        """The key of the agent's most recent sign-in, or None if it never signed in."""
        row = self._db.execute(
            "SELECT public_key FROM agent_keys WHERE agent = ? ORDER BY last_seen DESC",
            (agent,),
        ).fetchone()
        return bytes(row[0]) if row else None

    def add_certificate(self, card: CardRow, team: str | None = None) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO certificates (serial, agent, public_key, not_before, not_after,"
                " issued, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    card.serial,
                    card.agent,
                    card.public_key,
                    card.not_before,
                    card.not_after,
                    card.issued,
                    card.body,
                ),
            )
            if team is not None:
                db.execute("UPDATE agents SET team = ? WHERE name = ?", (team, card.agent))

    def certificates(self, agent: str | None = None) -> list[CardRow]:
        """Certificates, newest first (of one agent, or all)."""
        query = (
            "SELECT serial, agent, public_key, not_before, not_after, issued, revoked, body"
            " FROM certificates"
        )
        params: tuple[str, ...] = ()
        if agent is not None:
            query += " WHERE agent = ?"
            params = (agent,)
        rows = self._db.execute(query + " ORDER BY not_after DESC", params).fetchall()
        return [CardRow(r[0], r[1], bytes(r[2]), r[3], r[4], r[5], bytes(r[7]), r[6]) for r in rows]

    def revoke(self, *, serial: int | None = None, agent: str | None = None) -> list[int]:
        """Withdraw one certificate, or all of one agent's; returns the serials withdrawn."""
        now = time.time()
        with self._db.transaction() as db:
            if serial is not None:
                found = db.execute(
                    "SELECT serial FROM certificates WHERE serial = ? AND revoked IS NULL",
                    (serial,),
                ).fetchall()
            else:
                found = db.execute(
                    "SELECT serial FROM certificates WHERE agent = ? AND revoked IS NULL",
                    (agent,),
                ).fetchall()
            serials = [int(r[0]) for r in found]
            db.executemany(
                "UPDATE certificates SET revoked = ? WHERE serial = ?", [(now, s) for s in serials]
            )
        return serials

    def revoked_serials(self) -> list[int]:
        rows = self._db.execute(
            "SELECT serial FROM certificates WHERE revoked IS NOT NULL ORDER BY serial"
        ).fetchall()
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------ audit

    def session_started(
        self,
        sid: str,
        agent: str,
        nameplate: str,
        started: float,
        node: str = "",
        contact: str = "",
    ) -> None:
        """A session began; ``contact``: the desk contact it serves (a queue's ticket or
        a callback's id), or empty for a session started with a code (its own contact)."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, agent, nameplate, started, node) VALUES (?, ?, ?, ?, ?)",
                (sid, agent, nameplate, started, node),
            )
            records.started(db, sid, agent, started, contact)

    def session_moved(self, sid: str, node: str, when: float) -> None:
        """Another node took the session over (failover or drain): it carries it now."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE sessions SET node = ?, last_seen = ? WHERE id = ? AND ended IS NULL",
                (node, when, sid),
            )

    def session_paired(self, sid: str, when: float) -> None:
        with self._db.transaction() as db:
            db.execute("UPDATE sessions SET paired = ? WHERE id = ?", (when, sid))

    def session_established(self, sid: str, when: float) -> None:
        with self._db.transaction() as db:
            db.execute("UPDATE sessions SET established = ? WHERE id = ?", (when, sid))

    def sessions_progress(self, seen: float, rows: Iterable[tuple[str, int, int, int]]) -> None:
        """Open sessions' counts so far, and that they were alive at ``seen``: rows of
        (id, bytes agent to customer, bytes customer to agent, resumes). One transaction."""
        rows = list(rows)
        with self._db.transaction() as db:
            # One statement per 500 sessions, not one per session: a node with many
            # sessions on PostgreSQL otherwise spends a round trip on each, every flush.
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
                db.execute(
                    f"WITH v(id, a2c, c2a, resumes) AS (VALUES {values})"
                    " UPDATE sessions SET last_seen = ?, bytes_agent_to_customer = v.a2c,"
                    " bytes_customer_to_agent = v.c2a, resumes = v.resumes"
                    " FROM v WHERE sessions.id = v.id AND sessions.ended IS NULL",
                    [x for row in chunk for x in row] + [seen],
                )

    def session_ended(
        self,
        sid: str,
        ended: float,
        reason: str,
        bytes_agent_to_customer: int,
        bytes_customer_to_agent: int,
        resumes: int,
    ) -> None:
        with self._db.transaction() as db:
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
            records.ended(db, sid, ended, reason)

    def room_event(
        self, sid: str, at: float, event: str, agent: str, by: str, member: int, detail: str
    ) -> None:
        """Who came into or left a session's room, with whose say-so (audit)."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO room_events (sid, at, event, agent, actor, member, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sid, at, event, agent, by, member, detail),
            )
            records.joined_room(db, sid, agent, event, at)

    def room_events(self, sid: str | None = None) -> list[RoomEventRow]:
        """A session's room events (or every one), in order."""
        query = "SELECT sid, at, event, agent, actor, member, detail FROM room_events"
        params: tuple[object, ...] = ()
        if sid is not None:
            query += " WHERE sid = ?"
            params = (sid,)
        rows = self._db.execute(query + " ORDER BY at, sid", params).fetchall()
        return [RoomEventRow(*row) for row in rows]

    # ------------------------------------------------------------ the help desk

    def add_callback(
        self,
        *,
        queue: str,
        installation: str,
        name: str,
        contact: str,
        channel: str,
        description: str,
        window: tuple[float, float],
        asked: float,
    ) -> str:
        """Keep a customer's request to be called back; returns its id."""
        if channel not in CALLBACK_CHANNELS:
            raise StoreError(f"a callback is by {' or '.join(CALLBACK_CHANNELS)}, not {channel!r}")
        if not name.strip() or (channel == "phone" and not contact.strip()):
            raise StoreError("a callback needs a name, and a number or address to call")
        if not window[0] < window[1]:
            raise StoreError("a callback window must end after it starts")
        for label, text in (("name", name), ("contact", contact), ("queue", queue)):
            if len(text) > MAX_NAME:
                raise StoreError(f"the {label} is longer than {MAX_NAME} characters")
        if len(description) > MAX_DESK_TEXT:
            raise StoreError(f"the description is longer than {MAX_DESK_TEXT} characters")
        cid = secrets.token_hex(8)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO desk_callbacks (id, queue, installation, name, contact, channel,"
                " description, window_start, window_end, asked, state, agent, note, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', '', ?)",
                (cid, queue, installation, name.strip(), contact.strip(), channel,
                 description, window[0], window[1], asked, asked),
            )  # fmt: skip
            self._desk_log(db, asked, "callback asked", cid, installation, queue)
            records.asked(
                db,
                cid,
                kind="callback",
                queue=queue,
                installation=installation,
                name=name,
                contact=contact,
                topic=description,
                at=asked,
                state="callback_open",
            )
        return cid

    def callbacks(
        self, *, state: str | None = "open", queues: Iterable[str] | None = None
    ) -> list[CallbackRow]:
        """Callback requests in the order agents work them: by window, then by when
        they were asked for."""
        query = _SELECT_CALLBACKS
        where: list[str] = []
        params: list[object] = []
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if queues is not None:
            wanted = sorted(set(queues))
            if not wanted:
                return []
            where.append(f"queue IN ({', '.join('?' * len(wanted))})")
            params.extend(wanted)
        if where:
            query += " WHERE " + " AND ".join(where)
        rows = self._db.execute(query + " ORDER BY window_start, asked, id", params).fetchall()
        return [CallbackRow(*row) for row in rows]

    def callback_outcome(
        self,
        cid: str,
        outcome: str,
        *,
        agent: str,
        at: float,
        note: str = "",
        window: tuple[float, float] | None = None,
    ) -> CallbackRow:
        """Record what came of a callback: ``done``, ``no_answer`` or ``cancelled``
        (it leaves the open list), or ``rescheduled`` with a new ``window`` (it stays
        open, at its new place)."""
        if outcome not in (*CALLBACK_STATES[1:], "rescheduled"):
            raise StoreError(
                f"{outcome!r} is not an outcome: done, no_answer, cancelled or rescheduled"
            )
        if (outcome == "rescheduled") != (window is not None):
            raise StoreError("a rescheduled callback needs a new window, and only it does")
        if window is not None and not window[0] < window[1]:
            raise StoreError("a callback window must end after it starts")
        if len(note) > MAX_DESK_TEXT:
            raise StoreError(f"the note is longer than {MAX_DESK_TEXT} characters")
        with self._db.transaction() as db:
            if window is not None:
                cursor = db.execute(
                    "UPDATE desk_callbacks SET window_start = ?, window_end = ?, agent = ?,"
                    " note = ?, updated = ? WHERE id = ? AND state = 'open'",
                    (window[0], window[1], agent, note, at, cid),
                )
            else:
                cursor = db.execute(
                    "UPDATE desk_callbacks SET state = ?, agent = ?, note = ?, updated = ?"
                    " WHERE id = ? AND state = 'open'",
                    (outcome, agent, note, at, cid),
                )
            if cursor.rowcount != 1:
                raise StoreError(f"no open callback request {cid!r} (another agent may have it)")
            self._desk_log(db, at, f"callback {outcome}", cid, agent, note)
            records.callback_outcome(db, cid, outcome, agent, at)
        row = self.callback(cid)
        assert row is not None  # updated above, in the same call
        return row

    def callback(self, cid: str) -> CallbackRow | None:
        """One callback request, in any state."""
        row = self._db.execute(_SELECT_CALLBACKS + " WHERE id = ?", (cid,)).fetchone()
        return CallbackRow(*row) if row else None

    def customer_taken(
        self, installation: str, queue: str, *, agent: str, waited_s: float, at: float
    ) -> None:
        """An agent took a customer from a queue (the desk log; counts as a contact)."""
        with self._db.transaction() as db:
            detail = f"{queue}: waited {waited_s:.0f} s"
            self._desk_log(db, at, "customer taken", installation, agent, detail)

    def keep_ticket(
        self, ticket: str, queue: str, installation: str, joined: float, ask: bytes
    ) -> None:
        """A customer waits (one node): kept so a restart does not lose their place."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO desk_tickets (ticket, queue, installation, joined, ask)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (ticket) DO NOTHING",
                (ticket, queue, installation, joined, ask),
            )

    def contact_asked(
        self,
        ticket: str,
        *,
        queue: str,
        installation: str,
        name: str,
        contact: str,
        topic: str,
        at: float,
    ) -> None:
        """A customer took a place in a queue: a contact, waiting."""
        with self._db.transaction() as db:
            records.asked(
                db,
                ticket,
                kind="queue",
                queue=queue,
                installation=installation,
                name=name,
                contact=contact,
                topic=topic,
                at=at,
                state="waiting",
            )

    def contact_left(self, ticket: str, state: str, at: float) -> None:
        """A waiting customer gave up their place (``abandoned``) or was ``blocked``."""
        with self._db.transaction() as db:
            records.left(db, ticket, state, at)

    def drop_ticket(self, ticket: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM desk_tickets WHERE ticket = ?", (ticket,))

    def tickets(self) -> list[tuple[str, str, str, float, bytes]]:
        """Waiting customers kept by the last run: (ticket, queue, installation,
        joined, the ask as sent), in the order they joined."""
        rows = self._db.execute(
            "SELECT ticket, queue, installation, joined, ask FROM desk_tickets"
            " ORDER BY joined, ticket"
        ).fetchall()
        return [(r[0], r[1], r[2], float(r[3]), bytes(r[4])) for r in rows]

    def earlier_contacts(self, installation: str) -> int:
        """How often this installation reached the desk before: customers taken from a
        queue and callbacks asked for (the agent's repeat-customer mark)."""
        taken = self._db.execute(
            "SELECT COUNT(*) FROM desk_log WHERE subject = ? AND event = 'customer taken'",
            (installation,),
        ).fetchone()[0]
        calls = self._db.execute(
            "SELECT COUNT(*) FROM desk_callbacks WHERE installation = ?", (installation,)
        ).fetchone()[0]
        return int(taken) + int(calls)

    def block(self, installation: str, until: float, *, actor: str, reason: str, at: float) -> None:
        """Keep an installation out of the queues until ``until`` (replacing any block)."""
        if not reason.strip():
            raise StoreError("say why the installation is blocked; it is kept in the log")
        if len(reason) > MAX_DESK_TEXT or len(installation) > MAX_NAME:
            raise StoreError("the installation id or the reason is too long")
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO desk_blocks (installation, until, actor, reason, at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (installation) DO UPDATE SET"
                " until = excluded.until, actor = excluded.actor, reason = excluded.reason,"
                " at = excluded.at",
                (installation, until, actor, reason.strip(), at),
            )
            ends = dt.datetime.fromtimestamp(until, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            self._desk_log(db, at, "blocked", installation, actor, f"until {ends}: {reason}")

    def unblock(self, installation: str, *, actor: str, at: float) -> bool:
        with self._db.transaction() as db:
            gone = db.execute("DELETE FROM desk_blocks WHERE installation = ?", (installation,))
            if gone.rowcount:
                self._desk_log(db, at, "unblocked", installation, actor, "")
            return bool(gone.rowcount)

    # ------------------------------------------------------------ queues changed at run time

    def queue_settings(self) -> list[QueueSettings]:
        """Every queue's changes over the desk file (relay/desk/changes.py)."""
        rows = self._db.execute(
            "SELECT queue, state, since, until, max_waiting, week, days, teams, changed_at,"
            " changed_by FROM queue_settings ORDER BY queue"
        ).fetchall()
        return [QueueSettings.from_row(r) for r in rows]

    def change_queue(
        self,
        desk: Desk,
        queue: str,
        changes: Mapping[str, Any],
        *,
        actor: str,
        address: str,
        now: float | None = None,
    ) -> QueueSettings:
        """Make ``changes`` to ``queue`` over what was set before (checked against the
        desk file ``desk``; raises ConfigError with a sentence) and keep the result,
        with the change as JSON in the admin log."""
        before = {s.queue: s for s in self.queue_settings()}.get(queue)
        now = time.time() if now is None else now
        after = change_queue(desk, before, queue, changes, now=now, actor=actor)
        detail = json.dumps(dict(changes), ensure_ascii=False, sort_keys=True)
        self.save_queue_settings(after, detail=detail, address=address)
        return after

    def save_queue_settings(self, s: QueueSettings, *, detail: str, address: str) -> None:
        """Keep ``s`` (replacing the queue's earlier settings) and, in the same
        transaction, the admin log's line: who changed what, from where."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO queue_settings (queue, state, since, until, max_waiting, week,"
                " days, teams, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (queue) DO UPDATE SET state = excluded.state,"
                " since = excluded.since, until = excluded.until,"
                " max_waiting = excluded.max_waiting, week = excluded.week,"
                " days = excluded.days, teams = excluded.teams,"
                " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                s.row(),
            )
            db.execute(
                "INSERT INTO admin_log (at, actor, action, subject, detail, address)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (s.changed_at, s.changed_by, "changed queue", s.queue, detail[:1000],
                 address[:64]),
            )  # fmt: skip

    def blocks(self, now: float) -> list[BlockRow]:
        """Blocks still in force at ``now``."""
        rows = self._db.execute(
            "SELECT installation, until, actor, reason, at FROM desk_blocks WHERE until > ?"
            " ORDER BY until, installation",
            (now,),
        ).fetchall()
        return [BlockRow(*row) for row in rows]

    def flag(
        self, installation: str, sid: str, kind: str, *, reason: str, actor: str, at: float
    ) -> str:
        """An agent's flag on a contact (abusive, repeat, needs a specialist)."""
        if kind not in FLAG_KINDS:
            raise StoreError(f"a flag is one of {', '.join(FLAG_KINDS)}, not {kind!r}")
        if len(reason) > MAX_DESK_TEXT:
            raise StoreError(f"the reason is longer than {MAX_DESK_TEXT} characters")
        fid = secrets.token_hex(8)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO desk_flags (id, installation, sid, kind, reason, actor, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (fid, installation, sid, kind, reason, actor, at),
            )
            self._desk_log(db, at, f"flagged {kind}", installation, actor, reason)
        return fid

    def flags(self, installation: str) -> list[FlagRow]:
        rows = self._db.execute(
            "SELECT id, installation, sid, kind, reason, actor, at FROM desk_flags"
            " WHERE installation = ? ORDER BY at, id",
            (installation,),
        ).fetchall()
        return [FlagRow(*row) for row in rows]

    def desk_log(self, since: float | None = None) -> list[DeskLogRow]:
        """The desk's log: callbacks asked for and their outcomes, blocks, flags."""
        rows = self._db.execute(
            "SELECT at, event, subject, actor, detail FROM desk_log WHERE at >= ?"
            " ORDER BY at, event, subject",
            (since if since is not None else float("-inf"),),
        ).fetchall()
        return [DeskLogRow(*row) for row in rows]

    @staticmethod
    def _desk_log(
        db: Transaction, at: float, event: str, subject: str, actor: str, detail: str
    ) -> None:
        db.execute(
            "INSERT INTO desk_log (at, event, subject, actor, detail) VALUES (?, ?, ?, ?, ?)",
            (at, event, subject, actor, detail[:MAX_DESK_TEXT]),
        )

    def mark_lost(self, node: str = "", *, seen_before: float | None = None) -> int:
        """Sessions a run of ``node`` left open (it crashed or was killed): they ended at
        their last flush at the latest. Mark them ``relay_crashed``; return how many.

        With ``seen_before``, only those not seen alive since then: a node does this for
        a node that is gone from the cluster, once no other node took its sessions over."""
        query = (
            "UPDATE sessions SET end_reason = 'relay_crashed',"
            " ended = COALESCE(last_seen, established, paired, started),"
            " duration_s = COALESCE(last_seen, established, paired, started) - started"
            " WHERE ended IS NULL AND end_reason IS NULL AND node = ?"
        )
        params: tuple[object, ...] = (node,)
        if seen_before is not None:
            query += " AND COALESCE(last_seen, established, paired, started) < ?"
            params += (seen_before,)
        with self._db.transaction() as db:
            count = int(db.execute(query, params).rowcount)
            if count:
                db.execute(
                    "UPDATE contacts SET state = 'ended', end_reason = 'relay_crashed',"
                    " ended = (SELECT s.ended FROM sessions s WHERE s.id = contacts.sid),"
                    " handle_s = (SELECT s.ended FROM sessions s WHERE s.id = contacts.sid)"
                    " - started WHERE state = 'in_session' AND sid IN (SELECT id FROM sessions"
                    " WHERE end_reason = 'relay_crashed')"
                )
            return count

    def open_session_nodes(self) -> set[str]:
        """The nodes that have sessions open in the audit log."""
        rows = self._db.execute("SELECT DISTINCT node FROM sessions WHERE ended IS NULL").fetchall()
        return {str(r[0]) for r in rows}

    def sessions(self, since: float | None = None) -> list[SessionRow]:
        """Audit rows, oldest first, started at or after ``since`` (epoch seconds)."""
        rows = self._db.execute(
            "SELECT id, agent, nameplate, started, paired, established, ended, duration_s,"
            " bytes_agent_to_customer, bytes_customer_to_agent, resumes, end_reason, node"
            " FROM sessions WHERE started >= ? ORDER BY started, id",
            (since if since is not None else float("-inf"),),
        ).fetchall()
        return [SessionRow(*row) for row in rows]
