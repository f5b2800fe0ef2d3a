"""Contact records: one row for every contact the desk had, and what agents wrote of it.

A *contact* is a customer's request for help: a session an agent started with a
code, a place in a queue (taken or given up), or a callback request. Its row says
who the customer said they were (name, phone or e-mail, their app's installation
id), the queue, the agents involved (invites and hand-overs add to ``agents``),
when it was asked for, started and ended, the wait and handle times, how it ended,
the agent's say on whether it was resolved, tags, the satisfaction score and
comment, and notes written by agents and supervisors.

Never stored: anything the session carried. Screen, chat and marks are sealed end
to end and the relay cannot read them (docs/security.md).

The rows are written by the relay's audit writer (one thread, in order) through
the functions taking a :class:`~relay.sql.Transaction`, in the same transaction
as the audit or desk row that caused them; every write is an upsert keyed by the
contact's id, so on a cluster two nodes' writers may land in either order.
:class:`Records` reads them for the console, the reports and the agent app's
customer history, and deletes them (retention, a customer's erasure request).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import time
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from common.messages import NAMEPLATE_CONTACT
from relay.integrations import enqueue
from relay.sql import Database, StoreError, Transaction

__all__ = [
    "CONTACT_STATES",
    "GROUPS",
    "MAX_NOTE",
    "ContactRow",
    "NoteRow",
    "Records",
    "ReportRow",
    "Reports",
]

#: How a contact stands. ``waiting``: in a queue; ``in_session``: an agent has it;
#: ``ended``: the session ended; ``abandoned``: the customer gave up their place (or
#: lost it); ``blocked``: a supervisor blocked them while they waited;
#: ``callback_*``: a callback request and what came of it.
CONTACT_STATES = (
    "waiting",
    "in_session",
    "ended",
    "abandoned",
    "blocked",
    "callback_open",
    "callback_done",
    "callback_no_answer",
    "callback_cancelled",
)
#: How long after a session started with a code its agent may still add notes to it
#: by its nameplate (``np:<nameplate>``; relay/records.py ``keep_app_note``).
NAMEPLATE_NOTE_S = 24 * 3600.0
#: Longest note or comment kept.
MAX_NOTE = 4000
#: Longest list of tags (comma separated) kept.
MAX_TAGS = 200
#: Room events that make an agent one of a contact's agents.
_JOINING_EVENTS = ("accepted", "entered", "admitted", "lead")

_COLUMNS = (
    "id, kind, queue, installation, customer_name, customer_contact, topic, sid, agent,"
    " team, agents, asked, started, ended, wait_s, handle_s, state, resolved, tags,"
    " satisfaction, comment, end_reason, updated"
)


@dataclasses.dataclass(frozen=True, slots=True)
class ContactRow:
    id: str
    kind: str  # session, queue, callback
    queue: str
    installation: str
    customer_name: str
    customer_contact: str
    topic: str
    sid: str
    agent: str
    team: str
    agents: str  # space separated, in the order they came in
    asked: float
    started: float | None
    ended: float | None
    wait_s: float | None
    handle_s: float | None
    state: str
    resolved: bool | None
    tags: str
    satisfaction: int | None
    comment: str
    end_reason: str
    updated: float

    @classmethod
    def of(cls, row: Sequence[Any]) -> ContactRow:
        values = list(row)
        values[17] = None if values[17] is None else bool(values[17])
        return cls(*values)


#: The quality checklist supervisors review contacts against, in order.
CHECKLIST = ("greeting", "diagnosis", "resolution", "manners")


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewRow:
    contact: str
    reviewer: str
    at: float
    greeting: int
    diagnosis: int
    resolution: int
    manners: int
    score: float  # percent of the checklist's points
    comment: str


@dataclasses.dataclass(frozen=True, slots=True)
class NoteRow:
    id: str
    contact: str
    at: float
    author: str
    text: str


# ---------------------------------------------------------------- writes (audit writer)


def payload(row: ContactRow, notes: Sequence[NoteRow] = ()) -> dict[str, Any]:
    """A contact as webhooks and the API give it (JSON)."""
    data = dataclasses.asdict(row)
    data["agents"] = row.agents.split()
    data["tags"] = [t.strip() for t in row.tags.split(",") if t.strip()]
    data["notes"] = [{"at": n.at, "author": n.author, "text": n.text} for n in notes]
    return data


def _emit(db: Transaction, event: str, where: str, key: str, at: float) -> None:
    """Webhook deliveries of ``event`` for the contact ``where = key`` (same transaction)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM contacts WHERE {where} = ?", (key,)).fetchone()
    if row is None:
        return
    contact = ContactRow.of(row)
    notes = [
        NoteRow(*n)
        for n in db.execute(
            "SELECT id, contact, at, author, text FROM contact_notes WHERE contact = ?"
            " ORDER BY at, id",
            (contact.id,),
        ).fetchall()
    ]
    enqueue(db, event, payload(contact, notes), at)


def asked(
    db: Transaction,
    cid: str,
    *,
    kind: str,
    queue: str,
    installation: str,
    name: str,
    contact: str,
    topic: str,
    at: float,
    state: str,
) -> None:
    """A customer asked: a place in a queue or a callback request."""
    db.execute(
        "INSERT INTO contacts (id, kind, queue, installation, customer_name, customer_contact,"
        " topic, asked, state, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, queue = excluded.queue,"
        " installation = excluded.installation, customer_name = excluded.customer_name,"
        " customer_contact = excluded.customer_contact, topic = excluded.topic,"
        " asked = excluded.asked",
        (cid, kind, queue, installation, name.strip(), contact.strip(), topic, at, state, at),
    )
    if kind == "callback":
        _emit(db, "callback.requested", "id", cid, at)


def started(db: Transaction, sid: str, agent: str, at: float, contact: str = "") -> None:
    """A session began: for a customer taken from a queue or called back in the app
    (``contact``: the ticket's or the callback's id) that contact is now in session;
    a session started with a code is a contact of its own."""
    team_row = db.execute("SELECT team FROM agents WHERE name = ?", (agent,)).fetchone()
    team = str(team_row[0]) if team_row else ""
    if contact:
        db.execute(
            "INSERT INTO contacts (id, kind, sid, agent, team, agents, asked, started, wait_s,"
            " state, updated) VALUES (?, 'queue', ?, ?, ?, ?, ?, ?, 0, 'in_session', ?)"
            " ON CONFLICT (id) DO UPDATE SET sid = excluded.sid, agent = excluded.agent,"
            " team = excluded.team, agents = excluded.agents, started = excluded.started,"
            " wait_s = excluded.started - contacts.asked, state = 'in_session',"
            " updated = excluded.updated",
            (contact, sid, agent, team, agent, at, at, at),
        )
        return
    db.execute(
        "INSERT INTO contacts (id, kind, sid, agent, team, agents, asked, started, wait_s,"
        " state, updated) VALUES (?, 'session', ?, ?, ?, ?, ?, ?, 0, 'in_session', ?)"
        " ON CONFLICT (id) DO NOTHING",
        (sid, sid, agent, team, agent, at, at, at),
    )


def ended(db: Transaction, sid: str, at: float, reason: str) -> None:
    changed = db.execute(
        "UPDATE contacts SET ended = ?, handle_s = ? - started, state = 'ended',"
        " end_reason = ?, updated = ? WHERE sid = ? AND ended IS NULL",
        (at, at, reason, at, sid),
    ).rowcount
    if changed:
        _emit(db, "contact.ended", "sid", sid, at)


def joined_room(db: Transaction, sid: str, agent: str, event: str, at: float) -> None:
    """An invited agent, a supervisor or a colleague taking over came into the room."""
    if event not in _JOINING_EVENTS:
        return
    row = db.execute("SELECT id, agents FROM contacts WHERE sid = ?", (sid,)).fetchone()
    if row is None or agent in str(row[1]).split():
        return
    agents = (str(row[1]) + " " + agent).strip()
    db.execute(
        "UPDATE contacts SET agents = ?, updated = ? WHERE id = ?", (agents[:1000], at, row[0])
    )


def left(db: Transaction, cid: str, state: str, at: float) -> None:
    """A waiting customer left the queue (``abandoned``) or was blocked."""
    changed = db.execute(
        "UPDATE contacts SET state = ?, ended = ?, wait_s = ? - asked, updated = ?"
        " WHERE id = ? AND state = 'waiting'",
        (state, at, at, at, cid),
    ).rowcount
    if changed:
        _emit(db, "contact.ended", "id", cid, at)


def callback_outcome(db: Transaction, cid: str, outcome: str, agent: str, at: float) -> None:
    if outcome == "rescheduled":
        db.execute("UPDATE contacts SET updated = ? WHERE id = ?", (at, cid))
        return
    changed = db.execute(
        "UPDATE contacts SET state = ?, agent = CASE WHEN agent = '' THEN ? ELSE agent END,"
        " ended = COALESCE(ended, ?), updated = ? WHERE id = ?",
        ("callback_" + outcome, agent, at, at, cid),
    ).rowcount
    if changed:
        _emit(db, "contact.ended", "id", cid, at)


# ---------------------------------------------------------------- reads and agents' writes


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Records:
    """Reads, agents' notes and outcomes, and deletion; safe from any worker thread."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.reports = Reports(db)

    def contact(self, cid: str) -> ContactRow | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (cid,)).fetchone()
        return ContactRow.of(row) if row else None

    def by_session(self, sid: str) -> ContactRow | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE sid = ? ORDER BY asked DESC", (sid,)
        ).fetchone()
        return ContactRow.of(row) if row else None

    def open_sessions(self, within_s: float = 2 * 86400) -> list[ContactRow]:
        """Contacts in a session now (every node's), oldest first: the live desk's rooms."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE state = 'in_session' AND asked > ?"
            " ORDER BY started, id",
            (time.time() - within_s,),
        ).fetchall()
        return [ContactRow.of(r) for r in rows]

    def search(
        self,
        text: str = "",
        *,
        since: float | None = None,
        until: float | None = None,
        queue: str = "",
        agent: str = "",
        state: str = "",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[ContactRow], int]:
        """Contacts, newest first, matching all that is given; and how many match.
        ``text`` is looked for in the customer's name, phone or e-mail, the topic, the
        tags, the agents and the notes (case-insensitively)."""
        where: list[str] = []
        params: list[object] = []
        if text.strip():
            like = _like(text.strip())
            where.append(
                "(LOWER(customer_name) LIKE ? ESCAPE '\\' OR LOWER(customer_contact) LIKE ?"
                " ESCAPE '\\' OR LOWER(topic) LIKE ? ESCAPE '\\' OR LOWER(tags) LIKE ?"
                " ESCAPE '\\' OR LOWER(agents) LIKE ? ESCAPE '\\' OR installation = ? OR id = ?"
                " OR id IN (SELECT contact FROM contact_notes WHERE LOWER(text) LIKE ?"
                " ESCAPE '\\'))"
            )
            params += [like, like, like, like, like, text.strip(), text.strip(), like]
        if since is not None:
            where.append("asked >= ?")
            params.append(since)
        if until is not None:
            where.append("asked < ?")
            params.append(until)
        if queue:
            where.append("queue = ?")
            params.append(queue)
        if agent:
            where.append("(agent = ? OR agents LIKE ? ESCAPE '\\')")
            params += [agent, _like(agent)]
        if state:
            where.append("state = ?")
            params.append(state)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        total = int(
            self._db.execute(f"SELECT COUNT(*) FROM contacts{clause}", params).fetchone()[0]
        )
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM contacts{clause} ORDER BY asked DESC, id LIMIT ? OFFSET ?",
            [*params, max(1, min(limit, 1000)), max(0, offset)],
        ).fetchall()
        return [ContactRow.of(r) for r in rows], total

    def history(
        self, *, installation: str = "", contact: str = "", but: str = "", limit: int = 10
    ) -> list[ContactRow]:
        """A customer's earlier contacts, newest first: those of the same installation,
        or with the same phone or e-mail (``but``: the contact being served now)."""
        where, params = [], []
        if installation:
            where.append("installation = ?")
            params.append(installation)
        if contact.strip():
            where.append("LOWER(customer_contact) = ?")
            params.append(contact.strip().lower())
        if not where:
            return []
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE ({' OR '.join(where)}) AND id <> ?"
            " ORDER BY asked DESC LIMIT ?",
            [*params, but, limit],
        ).fetchall()
        return [ContactRow.of(r) for r in rows]

    def notes(self, cid: str) -> list[NoteRow]:
        rows = self._db.execute(
            "SELECT id, contact, at, author, text FROM contact_notes WHERE contact = ?"
            " ORDER BY at, id",
            (cid,),
        ).fetchall()
        return [NoteRow(*r) for r in rows]

    def notes_of(self, cids: Sequence[str]) -> dict[str, list[NoteRow]]:
        if not cids:
            return {}
        marks = ", ".join("?" * len(cids))
        rows = self._db.execute(
            "SELECT id, contact, at, author, text FROM contact_notes"
            f" WHERE contact IN ({marks}) ORDER BY at, id",
            list(cids),
        ).fetchall()
        out: dict[str, list[NoteRow]] = {}
        for r in rows:
            out.setdefault(r[1], []).append(NoteRow(*r))
        return out

    def add_note(self, cid: str, author: str, text: str, at: float) -> NoteRow:
        text = text.strip()
        if not text:
            raise StoreError("the note is empty")
        if len(text) > MAX_NOTE:
            raise StoreError(f"a note is at most {MAX_NOTE} characters")
        nid = secrets.token_hex(8)
        with self._db.transaction() as db:
            found = db.execute("SELECT id FROM contacts WHERE id = ?", (cid,)).fetchone()
            if found is None:
                raise StoreError(f"there is no contact {cid!r}")
            db.execute(
                "INSERT INTO contact_notes (id, contact, at, author, text) VALUES (?, ?, ?, ?, ?)",
                (nid, cid, at, author, text),
            )
            db.execute("UPDATE contacts SET updated = ? WHERE id = ?", (at, cid))
        return NoteRow(nid, cid, at, author, text)

    def set_outcome(self, cid: str, *, resolved: bool | None, tags: str, at: float) -> ContactRow:
        """The agent's say: resolved or not, and the contact's category tags."""
        clean = ", ".join(t.strip() for t in tags.split(",") if t.strip())
        if len(clean) > MAX_TAGS:
            raise StoreError(f"tags are at most {MAX_TAGS} characters together")
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE contacts SET resolved = ?, tags = ?, updated = ? WHERE id = ?",
                (None if resolved is None else int(resolved), clean, at, cid),
            ).rowcount
        if not changed:
            raise StoreError(f"there is no contact {cid!r}")
        row = self.contact(cid)
        assert row is not None
        return row

    def keep_app_note(
        self,
        *,
        sid: str,
        contact: str,
        agent: str,
        text: str,
        resolved: int,
        tags: str,
        at: float,
    ) -> bool:
        """The agent app's note on a contact (one per agent and contact: the newest
        replaces it; empty text removes it), with the agent's say on resolution (-1: not
        said) and tags. Only for an agent who took part; returns whether it was kept.

        The contact is the session's (``sid``), an id :class:`History` gave, or
        ``np:<nameplate>``: the agent's latest session with that nameplate in the last
        :data:`NAMEPLATE_NOTE_S` (notes after a session started with a code)."""
        where, key = ("sid", sid) if sid else ("id", contact)
        with self._db.transaction() as db:
            if not sid and contact.startswith(NAMEPLATE_CONTACT):
                # After a session started with a code: the agent's latest session on
                # that nameplate (the app knows the nameplate, not the session's id).
                found = db.execute(
                    "SELECT id FROM sessions WHERE nameplate = ? AND agent = ? AND started > ?"
                    " ORDER BY started DESC",
                    (contact.removeprefix(NAMEPLATE_CONTACT), agent, at - NAMEPLATE_NOTE_S),
                ).fetchone()
                if found is None:
                    return False
                where, key = "sid", str(found[0])
            row = db.execute(
                f"SELECT id, agents, agent FROM contacts WHERE {where} = ? ORDER BY asked DESC",
                (key,),
            ).fetchone()
            if row is None or agent not in (str(row[1]).split() + [str(row[2])]):
                return False
            cid = str(row[0])
            nid = f"app:{cid}:{agent}"[:200]
            db.execute("DELETE FROM contact_notes WHERE id = ?", (nid,))
            if text.strip():
                db.execute(
                    "INSERT INTO contact_notes (id, contact, at, author, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (nid, cid, at, agent, text.strip()[:MAX_NOTE]),
                )
            clean = ", ".join(t.strip() for t in tags.split(",") if t.strip())[:MAX_TAGS]
            if resolved in (0, 1):
                db.execute(
                    "UPDATE contacts SET resolved = ?, updated = ? WHERE id = ?",
                    (resolved, at, cid),
                )
            if clean:
                db.execute(
                    "UPDATE contacts SET tags = ?, updated = ? WHERE id = ?", (clean, at, cid)
                )
            db.execute("UPDATE contacts SET updated = ? WHERE id = ?", (at, cid))
        return True

    def survey_of_session(self, sid: str, score: int, comment: str, at: float) -> None:
        """The customer's satisfaction with the contact session ``sid`` served."""
        row = self._db.execute(
            "SELECT id FROM contacts WHERE sid = ? ORDER BY asked DESC", (sid,)
        ).fetchone()
        if row is not None:
            self.set_survey(str(row[0]), score, comment, at)

    def review(
        self, cid: str, reviewer: str, marks: Mapping[str, int], comment: str, at: float
    ) -> ReviewRow:
        """A supervisor's quality review of a contact against the checklist (each item 0:
        no, 1: partly, 2: yes), from its notes and times, never its screen. One review
        per reviewer and contact: a second replaces the first."""
        if set(marks) != set(CHECKLIST) or any(v not in (0, 1, 2) for v in marks.values()):
            raise StoreError(f"score each of {', '.join(CHECKLIST)}: 0 (no), 1 (partly) or 2 (yes)")
        score = 100 * sum(marks.values()) / (2 * len(CHECKLIST))
        note = comment.strip()[:MAX_NOTE]
        with self._db.transaction() as db:
            if db.execute("SELECT id FROM contacts WHERE id = ?", (cid,)).fetchone() is None:
                raise StoreError(f"there is no contact {cid!r}")
            db.execute(
                "DELETE FROM contact_reviews WHERE contact = ? AND reviewer = ?", (cid, reviewer)
            )
            db.execute(
                "INSERT INTO contact_reviews (contact, reviewer, at, greeting, diagnosis,"
                " resolution, manners, score, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, reviewer, at, *(marks[k] for k in CHECKLIST), score, note),
            )
        return ReviewRow(
            cid, reviewer, at, marks["greeting"], marks["diagnosis"], marks["resolution"],
            marks["manners"], score, note,
        )  # fmt: skip

    def reviews(self, cid: str) -> list[ReviewRow]:
        rows = self._db.execute(
            "SELECT contact, reviewer, at, greeting, diagnosis, resolution, manners, score,"
            " comment FROM contact_reviews WHERE contact = ? ORDER BY at",
            (cid,),
        ).fetchall()
        return [ReviewRow(*r) for r in rows]

    def set_survey(self, cid: str, score: int, comment: str, at: float) -> None:
        """The customer's satisfaction (1–5) and comment, once."""
        if not 1 <= score <= 5:
            raise StoreError("a satisfaction score is 1 to 5")
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE contacts SET satisfaction = ?, comment = ?, updated = ?"
                " WHERE id = ? AND satisfaction IS NULL",
                (score, comment.strip()[:MAX_NOTE], at, cid),
            ).rowcount
            if changed:
                _emit(db, "survey.answered", "id", cid, at)

    # ------------------------------------------------------------ deletion

    def purge(self, before: float) -> int:
        """Retention: delete contacts asked for before ``before`` (ended ones only),
        their notes, and the desk's rows about them that are as old."""
        with self._db.transaction() as db:
            for table in ("contact_notes", "contact_reviews"):
                db.execute(
                    f"DELETE FROM {table} WHERE contact IN (SELECT id FROM contacts"
                    " WHERE asked < ? AND state NOT IN ('waiting', 'in_session',"
                    " 'callback_open'))",
                    (before,),
                )
            count = db.execute(
                "DELETE FROM contacts WHERE asked < ?"
                " AND state NOT IN ('waiting', 'in_session', 'callback_open')",
                (before,),
            ).rowcount
            db.execute("DELETE FROM desk_callbacks WHERE asked < ? AND state <> 'open'", (before,))
            db.execute("DELETE FROM desk_flags WHERE at < ?", (before,))
            db.execute("DELETE FROM desk_log WHERE at < ?", (before,))
        return int(count)

    def forget_customer(self, *, installation: str = "", contact: str = "") -> int:
        """A customer's erasure request: everything kept about them — contacts and their
        notes, callback requests, flags, blocks, the desk log's lines about their
        installation. Returns how many contacts went."""
        if not installation and not contact.strip():
            raise StoreError("name the customer: an installation id, or a phone or e-mail")
        installations = {installation} if installation else set()
        with self._db.transaction() as db:
            if contact.strip():
                for table, column in (
                    ("contacts", "customer_contact"),
                    ("desk_callbacks", "contact"),
                ):
                    rows = db.execute(
                        f"SELECT DISTINCT installation FROM {table} WHERE LOWER({column}) = ?",
                        (contact.strip().lower(),),
                    ).fetchall()
                    installations |= {str(r[0]) for r in rows if r[0]}
            clauses: list[str] = []
            params: list[object] = []
            if installations:
                marks = ", ".join("?" * len(installations))
                clauses.append(f"installation IN ({marks})")
                params += sorted(installations)
            if contact.strip():
                clauses.append("LOWER(customer_contact) = ?")
                params.append(contact.strip().lower())
            where = " OR ".join(clauses)
            rows = db.execute(f"SELECT id FROM contacts WHERE {where}", params).fetchall()
            ids = {str(r[0]) for r in rows}
            if ids:
                marks = ", ".join("?" * len(ids))
                db.execute(f"DELETE FROM contact_notes WHERE contact IN ({marks})", sorted(ids))
                db.execute(f"DELETE FROM contact_reviews WHERE contact IN ({marks})", sorted(ids))
                db.execute(f"DELETE FROM contacts WHERE id IN ({marks})", sorted(ids))
            cb_where = where.replace("customer_contact", "contact")
            found = db.execute(f"SELECT id FROM desk_callbacks WHERE {cb_where}", params)
            subjects = ids | {str(r[0]) for r in found.fetchall()}
            db.execute(f"DELETE FROM desk_callbacks WHERE {cb_where}", params)
            if installations:
                marks = ", ".join("?" * len(installations))
                inst = sorted(installations)
                for table, column in (
                    ("desk_flags", "installation"),
                    ("desk_blocks", "installation"),
                    ("desk_tickets", "installation"),
                    ("desk_log", "subject"),
                    ("desk_log", "actor"),
                ):
                    db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", inst)
            if subjects:
                marks = ", ".join("?" * len(subjects))
                db.execute(f"DELETE FROM desk_log WHERE subject IN ({marks})", sorted(subjects))
        return len(ids)


# ---------------------------------------------------------------- reports

#: How a report can group contacts.
GROUPS = ("day", "week", "queue", "team", "agent")


@dataclasses.dataclass(frozen=True, slots=True)
class ReportRow:
    """One group of a report (a day, a week, a queue, a team or an agent)."""

    key: str
    contacts: int
    served: int  # a session started
    abandoned: int  # left the queue before anyone took them
    callbacks: int  # callback requests
    wait_p50: float | None  # seconds, of those served from a queue
    wait_p90: float | None
    handle_avg: float | None  # seconds, of sessions that ended
    resolved_said: int  # contacts whose agent said whether it was resolved
    resolved: int  # ... and said yes, on this contact
    satisfaction_avg: float | None
    satisfaction_count: int
    quality_avg: float | None = None  # percent of the checklist, over the reviews
    quality_count: int = 0

    @property
    def abandon_rate(self) -> float | None:
        asked = self.served + self.abandoned
        return self.abandoned / asked if asked else None

    @property
    def fcr(self) -> float | None:
        """First-contact resolution: resolved on this contact, of those the agent rated."""
        return self.resolved / self.resolved_said if self.resolved_said else None


def _group_sql(group: str, offset_s: int) -> tuple[str, list[object]]:
    """The SQL expression of a report's group key, and its parameters. Days and weeks
    are whole numbers (days since 1970-01-01 in the desk's zone; for weeks, the
    Monday's), plain arithmetic on both engines: formatting a date for each of a
    million rows cost more than the rest of the report. The zone's offset is its
    offset at the period's start (a summer-time change within the period moves that
    hour's contacts to the neighbouring day)."""
    if group in ("queue", "team", "agent"):
        return group, []
    day = "FLOOR((asked + ?) / 86400.0)"
    if group == "day":
        return f"CAST({day} AS INTEGER)", [offset_s]
    # 1970-01-05 (day 4) was a Monday
    return f"CAST({day} - (({day} - 4) - 7 * FLOOR(({day} - 4) / 7.0)) AS INTEGER)", [
        offset_s, offset_s, offset_s,
    ]  # fmt: skip


def _day_name(key: object) -> str:
    """A day-number key as the date it is (ISO), or the key as text."""
    if isinstance(key, int | float):
        return (dt.date(1970, 1, 1) + dt.timedelta(days=int(key))).isoformat()
    return "" if key is None else str(key)


class Reports:
    """Reports over the contact records: one hash-aggregated pass over the contacts
    (by group and 5-second wait bucket: no sort of the rows), one over the reviews;
    the same SQL on both engines."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def report(
        self,
        since: float,
        until: float,
        group: str = "day",
        *,
        zone: str = "UTC",
        queue: str = "",
        team: str = "",
        agent: str = "",
    ) -> list[ReportRow]:
        """Contacts asked for in ``[since, until)``, grouped; days and weeks (from
        Monday) in the desk's time ``zone``."""
        if group not in GROUPS:
            raise StoreError(f"a report groups by {', '.join(GROUPS)}, not {group!r}")
        try:
            tz = zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise StoreError(f"{zone!r} is not a time zone") from None
        offset = dt.datetime.fromtimestamp(since, tz).utcoffset() or dt.timedelta()
        key, key_params = _group_sql(group, int(offset.total_seconds()))
        where = ["asked >= ?", "asked < ?"]
        params: list[object] = [since, until]
        for column, value in (("queue", queue), ("team", team), ("agent", agent)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        clause = " AND ".join(where)
        # One pass over the rows, hash-aggregated by group and wait bucket (waits
        # counted in WAIT_BUCKET_S-second buckets; -1: not served from a queue), summed
        # up per group here; the percentiles are interpolated within the buckets.
        served_wait = "kind = 'queue' AND started IS NOT NULL AND wait_s IS NOT NULL"
        # A day's percentiles over more than two months: coarser buckets (fewer rows).
        width = WAIT_BUCKET_S if group != "day" or until - since <= 62 * 86400 else 30
        totals: dict[str, list[float]] = {}
        buckets: dict[str, list[tuple[int, int]]] = {}
        for k, bucket, *sums in self._db.execute(
            f"SELECT {key} AS k,"
            f" CASE WHEN {served_wait} THEN CAST(wait_s / {width} AS INTEGER)"
            " ELSE -1 END AS b, COUNT(*),"
            " SUM(CASE WHEN started IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN state = 'abandoned' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN kind = 'callback' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN state = 'ended' THEN handle_s END),"
            " COUNT(CASE WHEN state = 'ended' THEN handle_s END),"
            " SUM(CASE WHEN resolved IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN resolved = 1 THEN 1 ELSE 0 END),"
            " SUM(satisfaction), COUNT(satisfaction)"
            f" FROM contacts WHERE {clause} GROUP BY k, b",
            [*key_params, *params],
        ).fetchall():
            name = _day_name(k)
            acc = totals.setdefault(name, [0.0] * len(sums))
            for i, value in enumerate(sums):
                acc[i] += float(value or 0)
            if bucket is not None and int(bucket) >= 0:
                buckets.setdefault(name, []).append((int(bucket), int(sums[0])))
        qkey = _qualified(key)
        quality = {
            _day_name(k): (float(avg), int(n))
            for k, avg, n in self._db.execute(
                f"SELECT {qkey} AS k, AVG(r.score), COUNT(*) FROM contact_reviews r"
                f" JOIN contacts c ON c.id = r.contact WHERE {_qualified(clause)} GROUP BY k",
                [*key_params, *params],
            ).fetchall()
        }
        out = []
        for k in sorted(totals):
            n, served, abandoned, callbacks, handled, ended, said, resolved, stars, rated = totals[
                k
            ]
            counted = sorted(buckets.get(k, []))
            out.append(
                ReportRow(
                    k,
                    int(n),
                    int(served),
                    int(abandoned),
                    int(callbacks),
                    _bucket_percentile(counted, 0.5, width),
                    _bucket_percentile(counted, 0.9, width),
                    handled / ended if ended else None,
                    int(said),
                    int(resolved),
                    stars / rated if rated else None,
                    int(rated),
                    *quality.get(k, (None, 0)),
                )  # fmt: skip
            )
        return out


def _qualified(sql: str) -> str:
    """A report's SQL on ``contacts c`` joined with another table (columns named)."""
    return re.sub(r"(?<![.\w'])(asked|queue|team|agent)\b(?!')", r"c.\1", sql)


#: Report percentiles of waits are exact to within this many seconds (30 for a
#: report by day over more than two months).
WAIT_BUCKET_S = 5


def _bucket_percentile(
    counted: list[tuple[int, int]], q: float, width: float = WAIT_BUCKET_S
) -> float | None:
    """The ``q`` quantile, interpolated between the two nearest ranks as PostgreSQL's
    ``percentile_cont`` does, of values counted in buckets of ``width`` seconds
    (``(bucket, count)`` in order): each value is taken as spread evenly within its
    bucket, so the answer is within one bucket of the exact one."""
    total = sum(n for _, n in counted)
    if not total:
        return None

    def value(i: int) -> float:  # the i-th smallest (0-based)
        seen = 0
        for bucket, n in counted:
            if i < seen + n:
                return width * (bucket + (i - seen + 0.5) / n)
            seen += n
        return width * (counted[-1][0] + 1.0)

    rank = q * (total - 1)
    low = int(rank)
    if low + 1 >= total:
        return value(low)
    return value(low) + (value(low + 1) - value(low)) * (rank - low)
