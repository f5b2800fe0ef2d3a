"""What the desk tells other systems: API tokens, webhooks and their delivery log.

**API tokens** (``at1_<id>.<secret>``) carry scopes: ``contacts:read``,
``reports:read``, ``queues:read``, ``queues:manage``. Like agents' tokens, only an
HMAC of the secret is kept, keyed by the database's own key; the id finds the row.

**Webhooks** are a transactional outbox. When a contact ends, a callback is asked
for, or a customer answers the survey, the row that says so and one delivery per
subscribed webhook are written in the same transaction (:func:`enqueue`): a crash
between the two cannot lose an event, and no event is sent that did not happen.
The relay's :class:`relay.webhooks.WebhookSender` claims due deliveries (every
node of a cluster may; a claim is a lease, so a node that dies mid-send leaves its
deliveries to the others after :data:`LEASE_S`), posts them signed, and records
each attempt: delivered on a 2xx, else tried again after :data:`BACKOFF_S`, then
``failed``. The console shows the log and can send one again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from relay.sql import Database, StoreError, Transaction

__all__ = [
    "BACKOFF_S",
    "EVENTS",
    "LEASE_S",
    "SCOPES",
    "Delivery",
    "Hook",
    "Integrations",
    "TokenRow",
    "enqueue",
    "sign",
]

EVENTS = ("contact.ended", "callback.requested", "survey.answered")
SCOPES = ("contacts:read", "reports:read", "queues:read", "queues:manage")
TOKEN_PREFIX = "at1_"
#: Seconds before each retry; after the last, a delivery has ``failed``.
BACKOFF_S = (10, 30, 60, 300, 900, 3600, 3 * 3600, 6 * 3600)
#: A claimed delivery not recorded within this long is due again (its node died).
LEASE_S = 60.0
_URL = re.compile(r"https?://[^\s/?#]+(/\S*)?")


@dataclasses.dataclass(frozen=True, slots=True)
class TokenRow:
    id: str
    name: str
    scopes: tuple[str, ...]
    created: float
    created_by: str
    last_used: float | None
    revoked: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Hook:
    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    created: float
    active: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    hook: str
    event: str
    payload: str
    created: float
    state: str  # pending, sending, delivered, failed
    attempts: int
    next_at: float
    last_status: int | None
    last_error: str
    done_at: float | None


_DELIVERY = (
    "id, hook, event, payload, created, state, attempts, next_at, last_status, last_error, done_at"
)


def enqueue(db: Transaction, event: str, data: Mapping[str, Any], at: float) -> int:
    """One delivery of ``event`` for each active webhook subscribed to it, in the
    caller's transaction. Returns how many."""
    rows = db.execute(
        "SELECT id FROM webhooks WHERE active = 1 AND (' ' || events || ' ') LIKE ?",
        (f"% {event} %",),
    ).fetchall()
    for (hook,) in rows:
        did = secrets.token_hex(12)
        body = {"id": did, "event": event, "created": round(at, 3), "data": dict(data)}
        db.execute(
            "INSERT INTO webhook_deliveries (id, hook, event, payload, created, state, next_at)"
            " VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (did, hook, event, json.dumps(body, ensure_ascii=False, separators=(",", ":")), at, at),
        )
    return len(rows)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Assist-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>">`` (docs/integration.md shows the receiving side)."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Integrations:
    """API tokens and webhooks in the database; safe from any worker thread."""

    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key

    def _mac(self, secret: str) -> bytes:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).digest()

    # ------------------------------------------------------------ tokens

    def add_token(self, name: str, scopes: list[str], by: str) -> str:
        """A new API token; returned once, kept only as an HMAC."""
        name = name.strip()
        if not 1 <= len(name) <= 64:
            raise StoreError("name the token (1 to 64 characters), e.g. after the system using it")
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise StoreError(f"a token's scopes are some of {', '.join(SCOPES)}")
        tid, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO api_tokens (id, name, scopes, token_hash, created, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (tid, name, " ".join(sorted(set(scopes))), self._mac(secret), time.time(), by),
            )
        return f"{TOKEN_PREFIX}{tid}.{secret}"

    def check_token(self, token: str) -> TokenRow | None:
        """The token's row if it is valid and not revoked (and it counts as used)."""
        if not token.startswith(TOKEN_PREFIX) or "." not in token or len(token) > 200:
            return None
        tid, secret = token[len(TOKEN_PREFIX) :].split(".", 1)
        row = self._db.execute(
            "SELECT id, name, scopes, created, created_by, last_used, revoked, token_hash"
            " FROM api_tokens WHERE id = ?",
            (tid,),
        ).fetchone()
        if row is None or row[6] is not None:
            return None
        if not hmac.compare_digest(bytes(row[7]), self._mac(secret)):
            return None
        now = time.time()
        if row[5] is None or now - float(row[5]) > 60:
            with self._db.transaction() as db:
                db.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", (now, tid))
        return TokenRow(row[0], row[1], tuple(row[2].split()), row[3], row[4], row[5], row[6])

    def tokens(self) -> list[TokenRow]:
        rows = self._db.execute(
            "SELECT id, name, scopes, created, created_by, last_used, revoked FROM api_tokens"
            " ORDER BY created DESC"
        ).fetchall()
        return [TokenRow(r[0], r[1], tuple(r[2].split()), r[3], r[4], r[5], r[6]) for r in rows]

    def revoke_token(self, tid: str) -> None:
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (time.time(), tid),
            ).rowcount
        if not changed:
            raise StoreError(f"there is no API token {tid!r} in use")

    # ------------------------------------------------------------ webhooks

    def add_hook(self, url: str, events: list[str]) -> Hook:
        url = url.strip()
        if not _URL.fullmatch(url) or len(url) > 500:
            raise StoreError("a webhook address looks like https://crm.example.org/assist-events")
        if not events or any(e not in EVENTS for e in events):
            raise StoreError(f"a webhook's events are some of {', '.join(EVENTS)}")
        hook = Hook(
            secrets.token_hex(6),
            url,
            tuple(e for e in EVENTS if e in events),
            "whsec_" + secrets.token_urlsafe(24),
            time.time(),
            True,
        )
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO webhooks (id, url, events, secret, created, active)"
                " VALUES (?, ?, ?, ?, ?, 1)",
                (hook.id, hook.url, " ".join(hook.events), hook.secret, hook.created),
            )
        return hook

    def hooks(self) -> list[Hook]:
        rows = self._db.execute(
            "SELECT id, url, events, secret, created, active FROM webhooks ORDER BY created"
        ).fetchall()
        return [Hook(r[0], r[1], tuple(r[2].split()), r[3], r[4], bool(r[5])) for r in rows]

    def hook(self, hid: str) -> Hook | None:
        return next((h for h in self.hooks() if h.id == hid), None)

    def set_hook_active(self, hid: str, active: bool) -> None:
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE webhooks SET active = ? WHERE id = ?", (int(active), hid)
            ).rowcount
        if not changed:
            raise StoreError(f"there is no webhook {hid!r}")

    # ------------------------------------------------------------ deliveries

    def claim(self, now: float, limit: int = 50) -> list[Delivery]:
        """Due deliveries, leased to the caller for :data:`LEASE_S`."""
        due = self._db.execute(
            "SELECT 1 FROM webhook_deliveries WHERE state IN ('pending', 'sending')"
            " AND next_at <= ? LIMIT 1",
            (now,),
        ).fetchone()
        if due is None:  # the usual answer: a read, no write lock
            return []
        with self._db.transaction() as db:
            rows = db.execute(
                "UPDATE webhook_deliveries SET state = 'sending', next_at = ?"
                " WHERE state IN ('pending', 'sending') AND next_at <= ? AND id IN ("
                " SELECT id FROM webhook_deliveries WHERE state IN ('pending', 'sending')"
                " AND next_at <= ? ORDER BY next_at LIMIT ?)"
                f" RETURNING {_DELIVERY}",
                (now + LEASE_S, now, now, limit),
            ).fetchall()
        return sorted((Delivery(*r) for r in rows), key=lambda d: (d.created, d.id))

    def attempted(self, did: str, status: int | None, error: str, now: float) -> str:
        """Record one attempt: ``delivered`` on a 2xx, else ``pending`` again after the
        next back-off, or ``failed`` after the last. Returns the new state."""
        ok = status is not None and 200 <= status < 300
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT attempts FROM webhook_deliveries WHERE id = ?", (did,)
            ).fetchone()
            if row is None:
                return "gone"
            attempts = int(row[0]) + 1
            if ok:
                state, next_at, done = "delivered", now, now
            elif attempts > len(BACKOFF_S):
                state, next_at, done = "failed", now, now
            else:
                state, next_at, done = "pending", now + BACKOFF_S[attempts - 1], None
            db.execute(
                "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?,"
                " last_status = ?, last_error = ?, done_at = ? WHERE id = ?",
                (state, attempts, next_at, status, error[:500], done, did),
            )
        return state

    def send_again(self, did: str, now: float) -> None:
        """An admin sends a delivery again (failed or not): due at once."""
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE webhook_deliveries SET state = 'pending', next_at = ?, done_at = NULL"
                " WHERE id = ? AND state <> 'sending'",
                (now, did),
            ).rowcount
        if not changed:
            raise StoreError(f"there is no delivery {did!r} to send again (it may be sending)")

    def deliveries(
        self, hook: str = "", state: str = "", limit: int = 100, offset: int = 0
    ) -> tuple[list[Delivery], int]:
        where, params = [], []
        if hook:
            where.append("hook = ?")
            params.append(hook)
        if state:
            where.append("state = ?")
            params.append(state)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        total = int(
            self._db.execute(f"SELECT COUNT(*) FROM webhook_deliveries{clause}", params).fetchone()[
                0
            ]
        )
        rows = self._db.execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries{clause}"
            " ORDER BY created DESC, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [Delivery(*r) for r in rows], total

    def backlog(self) -> int:
        return int(
            self._db.execute(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE state IN ('pending', 'sending')"
            ).fetchone()[0]
        )
