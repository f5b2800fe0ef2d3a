"""Pairing and session state: the relay's core, with no sockets, threads or database.

The driver (:mod:`relay.server`) tells a :class:`Relay` what happened — a
connection opened, a control message arrived, a ``Data`` message of so many
bytes arrived, a connection closed, time passed — and carries out the actions it
returns (:mod:`relay.actions`), in order:

* :class:`Send` a message to a connection, :class:`Close` a connection (after
  everything queued before it is sent);
* :class:`CheckToken` / :class:`RecheckAgent`: look the agent up in the database
  and report back with :meth:`Relay.token_checked` / :meth:`Relay.agent_rechecked`;
* :class:`SessionStarted`, :class:`SessionPaired`, :class:`SessionEstablished`,
  :class:`SessionEnded`: write the audit log.

Rules the core enforces (docs/admin.md tells admins the same):

* One connection carries at most one session; when the session ends, its
  connections are closed after the last message.
* A nameplate is used once. Every ended session's nameplate is remembered for
  ``nameplate_memory_s`` — refused on ``Join`` and never reallocated — so a stale
  code can never reach someone else's new session.
* A ``Join`` on a claimed nameplate is refused with ``NAMEPLATE_IN_USE``. Before
  key confirmation that also ends the session (``PeerLeft(INTRUDER)`` to both):
  someone else knows or is guessing the nameplate, and the agent should read out
  a new code. After confirmation the intruder cannot do harm, so it is only
  refused and logged.
* A drop before key confirmation ends the session (there is no resume token yet).
  After it, the session waits ``grace_s`` for a ``Resume``.
* A ``Join`` of a nameplate that was burned (a failed key confirmation, or a
  third party) is answered ``CODE_BURNED``: "someone else tried this code".
* Floods: at most ``max_connections`` connections; once only ``agent_reserve``
  are left, a newcomer must say it is an agent or is closed (``RELAY_FULL``).
  Hello must come within ``open_timeout_s`` and the first request within
  ``request_timeout_s`` of it. Limits are per client address, an IPv6 address
  counting as its /64. Refused agent tokens are limited per address, and past
  the limit a token is refused without being checked.
* Scanning: when more than ``scan_alarm_per_minute`` joins fail across the
  relay, new nameplates have at least 6 digits for ``scan_cooldown_s``.
* Every ``audit_flush_s`` the open sessions' byte counts go to the audit log
  (:class:`SessionProgress`), so a crash loses at most that much.

The core reads the time through the ``monotonic`` and ``wall`` callables it is
given, so tests can drive it with a fake clock.

This module is longer than the others (about 750 lines) on purpose: it is one
state machine whose handlers share the same tables of connections, sessions and
nameplates, and a transition is easiest to follow in one file. What it returns
is in :mod:`relay.actions`; the rate limits it uses are in :mod:`relay.limits`.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import time
from collections import Counter
from collections.abc import Callable

from common.errors import RELAY_ERROR_TEXT, ErrorCode
from common.messages import (
    NAMEPLATE_MAX_DIGITS,
    NAMEPLATE_MIN_DIGITS,
    PROTOCOL_VERSION,
    U32,
    Auth,
    AuthOk,
    Bye,
    Create,
    Created,
    Error,
    Established,
    Hello,
    Join,
    Message,
    Paired,
    PairingFailed,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Redirect,
    Resume,
    Resumed,
    Role,
    Welcome,
)
from relay.actions import (
    Action,
    AskLimit,
    CheckToken,
    ClaimNameplate,
    Close,
    CountLimit,
    Locate,
    MoveSession,
    RecheckAgent,
    ReleaseNameplate,
    Route,
    SaveResume,
    Send,
    SessionEnded,
    SessionEstablished,
    SessionMoved,
    SessionPaired,
    SessionProgress,
    SessionStarted,
)
from relay.cluster import Found, NodeInfo, ResumeState
from relay.config import Settings
from relay.limits import RateLimiter, TokenBucket
from relay.metrics import Metrics
from relay.org import SignInCredentials
from relay.store import AgentRecord

log = logging.getLogger("relay.sessions")

__all__ = ["Relay", "address_key"]

# Websocket close codes.
NORMAL = 1000
GOING_AWAY = 1001
POLICY = 1008


# ---------------------------------------------------------------- state


class Phase(enum.Enum):
    NEW = "new"  # waiting for Hello
    GREETED = "greeted"  # Hello accepted
    READY = "ready"  # an agent whose token was accepted
    IN_SESSION = "in_session"
    CLOSING = "closing"  # we closed it; everything it sends is ignored


class State(enum.Enum):
    WAITING = "waiting"  # created, no customer yet
    PAIRED = "paired"  # both there, key confirmation under way
    ESTABLISHED = "established"  # both confirmed: resumable


@dataclasses.dataclass(slots=True, eq=False)
class Conn:
    id: int
    ip: str
    key: str  # what limits count by: the address, or its /64 for IPv6
    phase: Phase
    deadline: float | None  # close it if still not in a session by then
    role: Role | None = None
    agent: AgentRecord | None = None
    session: Session | None = None
    #: Admitted into the agents' reserve: must sign in as an agent, or it is closed.
    probation: bool = False
    #: Cluster: codes drawn for this agent's Create so far (another node had them).
    claims: int = 0
    #: Cluster: a Locate or a claim is under way for this connection.
    asking: bool = False
    #: Cluster: the Resume waiting for its Locate.
    resume: Resume | None = None
    #: Cluster: this Join/Resume was counted against the cluster's join limit.
    limit_asked: bool = False


@dataclasses.dataclass(slots=True, eq=False)
class Session:
    sid: str
    nameplate: str
    agent: AgentRecord
    created: float
    bandwidth: TokenBucket | None
    state: State = State.WAITING
    paired_at: float = 0.0
    conns: dict[Role, int] = dataclasses.field(default_factory=dict)
    away_until: dict[Role, float] = dataclasses.field(default_factory=dict)
    votes: dict[Role, tuple[bytes, bytes]] = dataclasses.field(default_factory=dict)
    token_hashes: dict[Role, bytes] = dataclasses.field(default_factory=dict)
    sent: dict[Role, int] = dataclasses.field(
        default_factory=lambda: {Role.AGENT: 0, Role.CUSTOMER: 0}
    )
    resumes: int = 0
    moving: bool = False  # draining: being handed to another node


def other(role: Role) -> Role:
    return Role.CUSTOMER if role is Role.AGENT else Role.AGENT


def error(code: ErrorCode) -> Error:
    return Error(code, RELAY_ERROR_TEXT[code])


def address_key(ip: str) -> str:
    """What per-address limits count by: an IPv4 address as it is (also when mapped into
    IPv6), an IPv6 address as its /64, which one subscriber usually holds whole."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


#: Nameplates that ended this way were tried by someone else: "ask for a new code".
_BURNED = frozenset({"pairing_failed", "intruder"})


# ---------------------------------------------------------------- the core


class Relay:
    """Every connection and session the relay knows, and the rules between them."""

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        randbelow: Callable[[int], int] = secrets.randbelow,
        cluster: bool = False,
    ) -> None:
        self.settings = settings
        #: Several nodes share codes and resume state (relay.cluster): codes are claimed
        #: cluster-wide, and a code that is not here is looked up before it is refused.
        self.cluster = cluster
        #: Draining: no new sessions; established ones move to ``drain_target``.
        self.draining = False
        self.drain_target: NodeInfo | None = None
        self._cluster_taken: Counter[int] = Counter()
        self._cluster_blocked: dict[tuple[str, str], float] = {}
        self._counts: list[CountLimit] = []
        self.metrics = metrics if metrics is not None else Metrics()
        self.monotonic = monotonic
        self.wall = wall
        self.randbelow = randbelow
        self.conns: dict[int, Conn] = {}
        self.sessions: dict[str, Session] = {}  # by nameplate
        # Used nameplates -> (forget after, why it ended); insertion order is expiry order.
        self.remembered: dict[str, tuple[float, str]] = {}
        self._taken_by_length: Counter[int] = Counter()
        self._next_conn = 1
        self._connections = RateLimiter(settings.connections_per_minute)
        self._joins = RateLimiter(settings.joins_per_minute)
        self._failed_joins = RateLimiter(settings.failed_joins_per_minute)
        self._failed_signins = RateLimiter(settings.failed_signins_per_minute)
        # Relay-wide failed joins: past this budget, someone is scanning codes.
        self._scan = RateLimiter(settings.scan_alarm_per_minute)
        self.long_nameplates_until = 0.0
        self._next_prune = 0.0
        self._next_flush = 0.0

    # ------------------------------------------------------------ events

    def connect(self, ip: str) -> tuple[int, list[Action]]:
        """A websocket connection opened. Returns its id and what to do."""
        now = self.monotonic()
        cid = self._next_conn
        self._next_conn += 1
        conn = Conn(cid, ip, address_key(ip), Phase.NEW, now + self.settings.open_timeout_s)
        self.conns[cid] = conn
        self.metrics.connections_total += 1
        # In a cluster the driver counted this connection in Redis first (cluster_limited).
        if not self._limit("connections", self._connections, conn.key, now, counted=True):
            self.metrics.rate_limited_connections_total += 1
            log.warning("rate limit: too many connections from %s", conn.key)
            return cid, self._refuse(conn, ErrorCode.TOO_MANY_CONNECTIONS)
        cap, reserve = self.settings.max_connections, self.settings.agent_reserve
        if cap:
            if len(self.conns) > cap:
                self.metrics.relay_full_total += 1
                log.warning("max_connections (%d) reached: refused %s", cap, ip)
                return cid, self._refuse(conn, ErrorCode.RELAY_FULL)
            if len(self.conns) > cap - reserve:
                conn.probation = True
        return cid, []

    def receive(self, cid: int, msg: Message) -> list[Action]:
        """A control message (anything but ``Data``) arrived on connection ``cid``."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is Phase.CLOSING:
            return []
        phase = conn.phase
        if phase is Phase.NEW:
            if isinstance(msg, Hello):
                return self._hello(conn, msg)
        elif phase is Phase.IN_SESSION:
            s, role = conn.session, conn.role
            if s is not None and role is not None:
                if isinstance(msg, Established):
                    return self._established(conn, role, s, msg)
                if isinstance(msg, PairingFailed):
                    return self._pairing_failed(conn, role, s)
                if isinstance(msg, Bye):
                    return self._bye(role, s, msg)
        else:  # GREETED or READY
            if isinstance(msg, Resume | Join) and self.cluster and self._joins.per_minute:
                if not conn.limit_asked:  # count it across the cluster before deciding
                    conn.limit_asked = True
                    return [AskLimit(cid, "joins", conn.key, self._joins.per_minute, msg)]
                conn.limit_asked = False
            if isinstance(msg, Resume):
                return self._resume(conn, msg)
            if conn.role is Role.AGENT:
                if isinstance(msg, Auth) and phase is Phase.GREETED:
                    if self._exhausted("failed_signins", self._failed_signins, conn.key):
                        self.metrics.rate_limited_signins_total += 1
                        log.warning("rate limit: too many refused tokens from %s", conn.key)
                        return self._refuse(conn, ErrorCode.RATE_LIMITED)
                    return [CheckToken(cid, msg.token, msg.public_key)]
                if isinstance(msg, Create):
                    if phase is not Phase.READY or conn.agent is None:
                        return self._refuse(conn, ErrorCode.NOT_AUTHORIZED)
                    return [RecheckAgent(cid, conn.agent.name, conn.agent.token_id)]
            else:
                if isinstance(msg, Join):
                    return self._join(conn, msg.nameplate)
                if isinstance(msg, Auth | Create):
                    return self._refuse(conn, ErrorCode.NOT_AUTHORIZED)
        return self.protocol_error(cid, f"{type(msg).__name__} not allowed now")

    def protocol_error(self, cid: int, detail: str) -> list[Action]:
        """Connection ``cid`` sent something unparsable or out of place."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is Phase.CLOSING:
            return []
        self.metrics.protocol_errors_total += 1
        log.info("conn %d from %s: protocol error: %s", cid, conn.ip, detail)
        return self._refuse(conn, ErrorCode.PROTOCOL)

    def token_checked(
        self,
        cid: int,
        agent: AgentRecord | None,
        credentials: SignInCredentials | None = None,
    ) -> list[Action]:
        """The answer to :class:`CheckToken`, with the agent's certificate (if any)."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is not Phase.GREETED:
            return []
        creds = credentials or SignInCredentials()
        if creds.refusal is ErrorCode.UNAVAILABLE:
            return self._refuse(conn, ErrorCode.UNAVAILABLE)
        if agent is None:
            self.metrics.auth_failures_total += 1
            self._limit("failed_signins", self._failed_signins, conn.key, self.monotonic())
            log.warning("conn %d from %s: agent token refused", cid, conn.ip)
            return self._refuse(conn, ErrorCode.BAD_TOKEN)
        if creds.refusal is not None:
            log.warning("conn %d: agent %r refused: %s", cid, agent.name, creds.refusal.name)
            return self._refuse(conn, creds.refusal)
        conn.agent = agent
        conn.phase = Phase.READY
        conn.probation = False
        conn.deadline = self.monotonic() + self.settings.idle_timeout_s
        log.info("conn %d from %s: agent %r signed in", cid, conn.ip, agent.name)
        return [
            Send(
                cid,
                AuthOk(
                    agent.name,
                    agent.display_name,
                    agent.org,
                    creds.certificate,
                    creds.revocations,
                ),
            )
        ]

    def agent_rechecked(
        self, cid: int, agent: AgentRecord | None, *, unavailable: bool = False
    ) -> list[Action]:
        """The answer to :class:`RecheckAgent`: create the session if the agent still exists
        (``unavailable``: the database did not answer)."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is not Phase.READY:
            return []
        if unavailable:
            return self._refuse(conn, ErrorCode.UNAVAILABLE)
        if agent is None:
            self.metrics.auth_failures_total += 1
            log.warning("conn %d: agent %r was removed or its token reset", cid, conn.agent)
            return self._refuse(conn, ErrorCode.BAD_TOKEN)
        return self._create(conn, agent)

    def data(self, cid: int, size: int) -> Route:
        """A ``Data`` message of ``size`` bytes arrived on ``cid``: where does it go?"""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is Phase.CLOSING:
            return Route(None, 0.0, [])
        s = conn.session
        if s is None or s.state is State.WAITING or conn.role is None:
            return Route(None, 0.0, self.protocol_error(cid, "Data outside a paired session"))
        role = conn.role
        s.sent[role] += size
        quota = self.settings.session_quota_bytes
        if quota and s.sent[Role.AGENT] + s.sent[Role.CUSTOMER] > quota:
            self.metrics.quota_exceeded_total += 1
            log.warning("session %s: byte quota used up", s.sid)
            refusal = error(ErrorCode.QUOTA_EXCEEDED)
            return Route(None, 0.0, self._end(s, "quota_exceeded", refusal, refusal, POLICY))
        peer = s.conns.get(other(role))
        if peer is None:  # away: the end-to-end layer resends after the resume
            return Route(None, 0.0, [])
        m = self.metrics
        m.messages_forwarded_total += 1
        if role is Role.AGENT:
            m.bytes_agent_to_customer_total += size
        else:
            m.bytes_customer_to_agent_total += size
        wait = s.bandwidth.take(self.monotonic(), size) if s.bandwidth is not None else 0.0
        return Route(peer, wait, [])

    def peer_of(self, cid: int) -> int | None:
        """The connection on the other side of ``cid``'s session, if it is attached."""
        conn = self.conns.get(cid)
        if conn is None or conn.session is None or conn.role is None:
            return None
        return conn.session.conns.get(other(conn.role))

    def closed(self, cid: int) -> list[Action]:
        """Connection ``cid`` is gone (any reason)."""
        conn = self.conns.pop(cid, None)
        if conn is None or conn.session is None or conn.role is None:
            return []
        s, role = conn.session, conn.role
        conn.session = None
        if s.conns.get(role) != cid:
            return []
        if s.state is not State.ESTABLISHED and role not in s.votes:
            # No resume tokens yet: nothing can pick this session up again.
            log.info("session %s: %s dropped before key confirmation", s.sid, role.name.lower())
            del s.conns[role]
            left = PeerLeft(PeerLeftReason.TIMED_OUT)
            return self._end(s, "dropped", left, left, NORMAL)
        return self._away(s, role)

    # ------------------------------------------------------------ cluster

    def located(self, cid: int, nameplate: str, found: Found | None) -> list[Action]:
        """The answer to :class:`Locate` (None: the cluster's state could not be read)."""
        conn = self.conns.get(cid)
        if conn is None or not conn.asking or conn.phase not in (Phase.GREETED, Phase.READY):
            return []
        conn.asking = False
        now = self.monotonic()
        if found is None:
            return self._refuse(conn, ErrorCode.UNAVAILABLE)
        if found.kind == "elsewhere" and found.node is not None:
            log.info("conn %d: code %s is on node %s: redirected", cid, nameplate, found.node.id)
            return self._redirect(conn, found.node.url)
        resume = conn.resume
        conn.resume = None
        if resume is not None:
            if found.kind == "adopted" and found.state is not None:
                # Both apps may ask at once; the first answer adopts, the second joins it.
                here = nameplate in self.sessions
                out = [] if here else self._adopt(found.state, now)
                return out + self._resume_here(conn, resume, now)
            if found.kind == "orphan" and found.state is not None and self.drain_target:
                return self._redirect(conn, self.drain_target.url)  # we are draining
            return self._resume_here(conn, resume, now)  # refused: nothing to resume
        return self._no_such_code(conn, found.reason if found.kind == "remembered" else None, now)

    def _no_such_code(self, conn: Conn, ended: str | None, now: float) -> list[Action]:
        """A Join of a code that is not in use: say why, if we know how it ended."""
        self._join_failed(conn, now)
        log.info("conn %d from %s: join of an unknown or used nameplate", conn.id, conn.ip)
        code = ErrorCode.NAMEPLATE_UNKNOWN
        if ended == "expired":
            code = ErrorCode.NAMEPLATE_EXPIRED
        elif ended in _BURNED:
            code = ErrorCode.CODE_BURNED
        return [Send(conn.id, error(code))]

    def _redirect(self, conn: Conn, url: str) -> list[Action]:
        self.metrics.redirects_total += 1
        conn.phase = Phase.CLOSING
        conn.deadline = None
        return [Send(conn.id, Redirect(url)), Close(conn.id, NORMAL, "redirect")]

    @staticmethod
    def _state_of(s: Session) -> ResumeState:
        a = s.agent
        return ResumeState(
            s.sid,
            s.nameplate,
            a.name,
            a.display_name,
            a.org,
            a.token_id,
            a.created,
            s.token_hashes[Role.AGENT],
            s.token_hashes[Role.CUSTOMER],
            s.resumes,
            s.sent[Role.AGENT],
            s.sent[Role.CUSTOMER],
        )

    def _adopt(self, state: ResumeState, now: float) -> list[Action]:
        """Take over an established session whose node is gone or handed it here: both
        sides may resume within the grace period, as after a drop."""
        s = Session(
            sid=state.sid,
            nameplate=state.nameplate,
            agent=state.agent,
            created=now,
            bandwidth=self._bucket(now),
            state=State.ESTABLISHED,
            token_hashes={
                Role.AGENT: state.agent_token_hash,
                Role.CUSTOMER: state.customer_token_hash,
            },
            resumes=state.resumes,
        )
        s.sent = {Role.AGENT: state.sent_agent, Role.CUSTOMER: state.sent_customer}
        grace = now + self.settings.grace_s
        s.away_until = {Role.AGENT: grace, Role.CUSTOMER: grace}
        if state.nameplate in self.remembered:
            del self.remembered[state.nameplate]
        else:
            self._taken_by_length[len(state.nameplate)] += 1
        self.sessions[state.nameplate] = s
        self.metrics.sessions_adopted_total += 1
        log.info("session %s: taken over by this node", s.sid)
        return [SessionMoved(s.sid, self.wall())]

    def drain(self, target: NodeInfo | None) -> list[Action]:
        """Stop taking new sessions; hand established ones to ``target`` (another live
        node, or None when there is none: they then finish here)."""
        if not self.draining:
            log.info("draining: no new sessions; %d open", len(self.sessions))
        self.draining = True
        self.drain_target = target
        return self._move_ready()

    def _move_ready(self) -> list[Action]:
        target = self.drain_target
        if not (self.draining and self.cluster and target is not None):
            return []
        out: list[Action] = []
        for s in self.sessions.values():
            if s.state is State.ESTABLISHED and not s.moving:
                s.moving = True
                out.append(MoveSession(self._state_of(s), target))
        return out

    def moved(self, nameplate: str, to: NodeInfo, ok: bool) -> list[Action]:
        """The answer to :class:`MoveSession`: send both apps to ``to`` (or keep the
        session here when the cluster could not take it)."""
        s = self.sessions.get(nameplate)
        if s is None:
            return []
        s.moving = False
        if not ok:
            return []
        del self.sessions[nameplate]
        self._remember(nameplate, self.settings.nameplate_memory_s, "moved", counted=True)
        self.metrics.sessions_moved_total += 1
        out: list[Action] = []
        for cid in s.conns.values():
            conn = self.conns.get(cid)
            if conn is not None and conn.phase is not Phase.CLOSING:
                conn.session = None
                out += self._redirect(conn, to.url)
        s.conns.clear()
        log.info("session %s: moved to node %s", s.sid, to.id)
        return out

    def cluster_limited(self, limit: str, key: str, per_minute: int) -> None:
        """The cluster counted ``key`` over ``limit``: refuse it here too until one more
        event would fit again."""
        self._cluster_blocked[(limit, key)] = self.monotonic() + 60.0 / max(1, per_minute)

    def take_counts(self) -> list[CountLimit]:
        """Events to count across the cluster (the driver does it without waiting)."""
        out, self._counts = self._counts, []
        return out

    def _limit(
        self, name: str, limiter: RateLimiter, key: str, now: float, *, counted: bool = False
    ) -> bool:
        """Count one event: False if over the limit here or in the cluster. ``counted``:
        the driver already counted it in the cluster and told us the answer; otherwise
        it is counted there in the background and the answer applies from the next event."""
        ok = limiter.allow(key, now)
        if self.cluster and limiter.per_minute:
            if not counted:
                self._counts.append(CountLimit(name, key, limiter.per_minute))
            if self._blocked(name, key, now):
                ok = False
        return ok

    def _exhausted(self, name: str, limiter: RateLimiter, key: str) -> bool:
        now = self.monotonic()
        return limiter.exhausted(key, now) or (self.cluster and self._blocked(name, key, now))

    def _blocked(self, name: str, key: str, now: float) -> bool:
        until = self._cluster_blocked.get((name, key))
        if until is None:
            return False
        if until <= now:
            del self._cluster_blocked[(name, key)]
            return False
        return True

    def tick(self) -> list[Action]:
        """Time passed: expire nameplates, pairings, grace periods and idle connections."""
        now = self.monotonic()
        st = self.settings
        out: list[Action] = []
        for s in list(self.sessions.values()):
            if s.state is State.WAITING and now >= s.created + st.nameplate_ttl_s:
                log.info("session %s: nameplate expired unclaimed", s.sid)
                out += self._end(s, "expired", error(ErrorCode.NAMEPLATE_EXPIRED), None, NORMAL)
            elif s.state is State.PAIRED and now >= s.paired_at + st.pairing_timeout_s:
                log.info("session %s: key confirmation did not finish in time", s.sid)
                timeout = error(ErrorCode.TIMEOUT)
                out += self._end(s, "pairing_timeout", timeout, timeout, POLICY)
            elif s.away_until and now >= min(s.away_until.values()):
                log.info("session %s: a side did not resume within the grace period", s.sid)
                left = PeerLeft(PeerLeftReason.TIMED_OUT)
                out += self._end(s, "timed_out", left, left, NORMAL)
        for conn in list(self.conns.values()):
            if (
                conn.deadline is not None
                and now >= conn.deadline
                and conn.phase is not Phase.CLOSING
            ):
                out += self._refuse(conn, ErrorCode.TIMEOUT)
        while self.remembered:
            nameplate, (until, _) = next(iter(self.remembered.items()))
            if until > now:
                break
            del self.remembered[nameplate]
            self._taken_by_length[len(nameplate)] -= 1
        if self.draining:
            out += self._move_ready()
        if now >= self._next_prune:
            self._next_prune = now + 10.0
            for pair in [p for p, until in self._cluster_blocked.items() if until <= now]:
                del self._cluster_blocked[pair]
            for limiter in (
                self._connections,
                self._joins,
                self._failed_joins,
                self._failed_signins,
                self._scan,
            ):
                limiter.prune(now)
        if st.audit_flush_s and now >= self._next_flush:
            self._next_flush = now + st.audit_flush_s
            out += self._progress()
        return out

    def _progress(self) -> list[Action]:
        """One audit write for every open session: its counts, and that it is alive."""
        rows = tuple(
            (s.sid, s.sent[Role.AGENT], s.sent[Role.CUSTOMER], s.resumes)
            for s in self.sessions.values()
        )
        return [SessionProgress(self.wall(), rows)] if rows else []

    def shutdown(self) -> list[Action]:
        """The relay is stopping: end every session, tell and close every connection."""
        bye = error(ErrorCode.RELAY_SHUTDOWN)
        out: list[Action] = []
        for s in list(self.sessions.values()):
            out += self._end(s, "relay_shutdown", bye, bye, GOING_AWAY)
        for conn in self.conns.values():
            if conn.phase is not Phase.CLOSING:
                conn.phase = Phase.CLOSING
                out += [Send(conn.id, bye), Close(conn.id, GOING_AWAY, "relay shutting down")]
        return out

    @property
    def open_sessions(self) -> int:
        return len(self.sessions)

    # ------------------------------------------------------------ handlers

    def _hello(self, conn: Conn, msg: Hello) -> list[Action]:
        if msg.version != PROTOCOL_VERSION:
            log.info("conn %d from %s: protocol version %d refused", conn.id, conn.ip, msg.version)
            return self._refuse(conn, ErrorCode.VERSION)
        if conn.probation and msg.role is not Role.AGENT:
            self.metrics.relay_full_total += 1
            log.warning(
                "conn %d from %s: only agents may use the last connections", conn.id, conn.ip
            )
            return self._refuse(conn, ErrorCode.RELAY_FULL)
        conn.role = msg.role
        conn.phase = Phase.GREETED
        conn.deadline = self.monotonic() + self.settings.request_timeout_s
        return [Send(conn.id, Welcome(PROTOCOL_VERSION, self.settings.relay_name))]

    def _create(self, conn: Conn, agent: AgentRecord) -> list[Action]:
        if self.draining:
            if self.drain_target is not None:
                log.info(
                    "conn %d: draining; agent %r sent to %s",
                    conn.id,
                    agent.name,
                    self.drain_target.id,
                )
                return self._redirect(conn, self.drain_target.url)
            return self._refuse(conn, ErrorCode.RELAY_SHUTDOWN)
        if len(self.sessions) >= self.settings.max_sessions:
            log.warning("refused a session for %r: max_sessions reached", agent.name)
            return self._refuse(conn, ErrorCode.TOO_MANY_SESSIONS)
        nameplate = self._allocate()
        if not self.cluster:
            return self._open(conn, agent, nameplate, secrets.token_hex(8))
        # Reserve it here while the cluster is asked, so no one else here draws it.
        self._remember(nameplate, self.settings.pairing_timeout_s, "claiming")
        conn.claims += 1
        conn.asking = True
        return [ClaimNameplate(conn.id, nameplate, secrets.token_hex(8))]

    def nameplate_claimed(
        self, cid: int, nameplate: str, sid: str, taken: int | None, *, unavailable: bool = False
    ) -> list[Action]:
        """The answer to :class:`ClaimNameplate`: ``taken`` is the cluster's count of codes
        of that length in use, or None if another node has this one."""
        if self.remembered.pop(nameplate, None) is not None:
            self._taken_by_length[len(nameplate)] -= 1
        conn = self.conns.get(cid)
        if conn is None or conn.phase is not Phase.READY or conn.agent is None:
            return []
        conn.asking = False
        if unavailable:
            return self._refuse(conn, ErrorCode.UNAVAILABLE)
        if taken is None:
            # Another node has it: keep away from it while it may be in use, draw again.
            self._remember(nameplate, self.settings.nameplate_ttl_s, "elsewhere")
            if conn.claims >= 8:
                log.warning("could not find a free code in 8 draws: the cluster is full")
                return self._refuse(conn, ErrorCode.TOO_MANY_SESSIONS)
            return self._create(conn, conn.agent)
        self._cluster_taken[len(nameplate)] = taken
        conn.claims = 0
        return self._open(conn, conn.agent, nameplate, sid)

    def _bucket(self, now: float) -> TokenBucket | None:
        """A new session's bandwidth cap (None: no cap)."""
        rate = self.settings.session_bandwidth_bytes_per_s
        burst = max(rate, self.settings.max_message_bytes)
        return TokenBucket.full(rate, burst, now) if rate else None

    def _remember(
        self, nameplate: str, for_s: float, reason: str, *, counted: bool = False
    ) -> None:
        """Keep ``nameplate`` from being handed out (and say how it ended) for ``for_s``.
        ``counted``: it is already in the length counts (a session here just let it go)."""
        if nameplate not in self.remembered and not counted:
            self._taken_by_length[len(nameplate)] += 1
        self.remembered.pop(nameplate, None)
        self.remembered[nameplate] = (self.monotonic() + for_s, reason)

    def _open(self, conn: Conn, agent: AgentRecord, nameplate: str, sid: str) -> list[Action]:
        now = self.monotonic()
        s = Session(
            sid=sid, nameplate=nameplate, agent=agent, created=now, bandwidth=self._bucket(now)
        )
        s.conns[Role.AGENT] = conn.id
        self.sessions[nameplate] = s
        self._taken_by_length[len(nameplate)] += 1
        conn.session, conn.phase, conn.deadline = s, Phase.IN_SESSION, None
        self.metrics.sessions_created_total += 1
        log.info("session %s: created by %r, nameplate %s", s.sid, agent.name, nameplate)
        ttl = min(U32, math.ceil(self.settings.nameplate_ttl_s))
        return [
            SessionStarted(s.sid, agent.name, nameplate, self.wall()),
            Send(conn.id, Created(nameplate, ttl)),
        ]

    def _join_allowed(self, conn: Conn, now: float) -> bool:
        if self._exhausted("failed_joins", self._failed_joins, conn.key) or not self._limit(
            "joins", self._joins, conn.key, now, counted=True
        ):
            self.metrics.rate_limited_joins_total += 1
            log.warning("rate limit: too many join attempts from %s", conn.key)
            return False
        return True

    def _join_failed(self, conn: Conn, now: float) -> None:
        self.metrics.join_failures_total += 1
        self._limit("failed_joins", self._failed_joins, conn.key, now)
        self._scanning_seen(now)

    def _scanning_seen(self, now: float) -> None:
        """A join failed or a pairing was burned: past the relay-wide budget, someone is
        guessing nameplates, so new ones are made longer for a while."""
        if self._scan.allow("*", now):
            return
        if now >= self.long_nameplates_until:
            self.metrics.scan_alarms_total += 1
            log.warning(
                "more than %d failed joins a minute: someone may be scanning codes; new "
                "nameplates have 6 digits for %.0f s",
                self.settings.scan_alarm_per_minute,
                self.settings.scan_cooldown_s,
            )
        self.long_nameplates_until = now + self.settings.scan_cooldown_s

    def _join(self, conn: Conn, nameplate: str) -> list[Action]:
        now = self.monotonic()
        if not self._join_allowed(conn, now):
            return self._refuse(conn, ErrorCode.RATE_LIMITED)
        s = self.sessions.get(nameplate)
        if s is None and self.cluster:
            conn.asking = True
            return [Locate(conn.id, nameplate)]
        if s is None:
            gone = self.remembered.get(nameplate)
            return self._no_such_code(conn, gone[1] if gone is not None else None, now)
        if s.state is not State.WAITING:
            self._join_failed(conn, now)
            self.metrics.intruders_total += 1
            refusal = Send(conn.id, error(ErrorCode.NAMEPLATE_IN_USE))
            if s.state is State.ESTABLISHED:
                log.warning("session %s: refused a join from %s (in use)", s.sid, conn.ip)
                return [refusal]
            log.warning("session %s: a third party from %s joined; closed", s.sid, conn.ip)
            left = PeerLeft(PeerLeftReason.INTRUDER)
            return [refusal, *self._end(s, "intruder", left, left, NORMAL)]
        s.state = State.PAIRED
        s.paired_at = now
        s.conns[Role.CUSTOMER] = conn.id
        conn.session, conn.phase, conn.deadline = s, Phase.IN_SESSION, None
        self.metrics.sessions_paired_total += 1
        log.info("session %s: paired", s.sid)
        paired = Paired(s.agent.display_name, s.agent.org)
        return [
            SessionPaired(s.sid, self.wall()),
            Send(s.conns[Role.AGENT], paired),
            Send(conn.id, paired),
        ]

    def _established(self, conn: Conn, role: Role, s: Session, msg: Established) -> list[Action]:
        pair = (msg.agent_token_hash, msg.customer_token_hash)
        if s.state is State.ESTABLISHED:
            if pair == (s.token_hashes[Role.AGENT], s.token_hashes[Role.CUSTOMER]):
                return []
            return self.protocol_error(conn.id, "Established changed")
        if s.state is not State.PAIRED:
            return self.protocol_error(conn.id, "Established before pairing")
        s.votes[role] = pair
        theirs = s.votes.get(other(role))
        if theirs is None:
            return []
        if theirs != pair:
            log.warning("session %s: the two sides disagree on resume tokens", s.sid)
            return self._burn(s, None)
        s.state = State.ESTABLISHED
        s.token_hashes = {Role.AGENT: pair[0], Role.CUSTOMER: pair[1]}
        s.votes.clear()
        self.metrics.sessions_established_total += 1
        log.info("session %s: established", s.sid)
        out: list[Action] = [SessionEstablished(s.sid, self.wall(), self.monotonic() - s.paired_at)]
        if self.cluster:
            out.append(SaveResume(self._state_of(s)))
            out += self._move_ready()
        return out

    def _pairing_failed(self, conn: Conn, role: Role, s: Session) -> list[Action]:
        if s.state is State.WAITING:
            return self.protocol_error(conn.id, "PairingFailed before pairing")
        log.warning("session %s: key confirmation failed; nameplate burned", s.sid)
        return self._burn(s, role)

    def _burn(self, s: Session, reporter: Role | None) -> list[Action]:
        self.metrics.pairing_failures_total += 1
        self._scanning_seen(self.monotonic())
        left = PeerLeft(PeerLeftReason.PAIRING_FAILED)
        to_agent = None if reporter is Role.AGENT else left
        to_customer = None if reporter is Role.CUSTOMER else left
        return self._end(s, "pairing_failed", to_agent, to_customer, NORMAL)

    def _bye(self, role: Role, s: Session, msg: Bye) -> list[Action]:
        left = PeerLeft(PeerLeftReason.LEFT)
        reason = msg.reason.name.lower()
        log.info("session %s: %s said bye (%s)", s.sid, role.name.lower(), reason)
        if role is Role.AGENT:
            return self._end(s, reason, None, left, NORMAL)
        return self._end(s, reason, left, None, NORMAL)

    def _away(self, s: Session, role: Role) -> list[Action]:
        """``role``'s connection is gone from an established session: hold it."""
        s.conns.pop(role, None)
        grace = self.settings.grace_s
        s.away_until[role] = self.monotonic() + grace
        log.info("session %s: %s dropped; holding %.0f s", s.sid, role.name.lower(), grace)
        peer = s.conns.get(other(role))
        if peer is None:
            return []
        return [Send(peer, PeerAway(min(U32, math.ceil(grace))))]

    def _resume(self, conn: Conn, msg: Resume) -> list[Action]:
        now = self.monotonic()
        if msg.role is not conn.role:
            return self.protocol_error(conn.id, "Resume for the other role")
        if not self._join_allowed(conn, now):
            return self._refuse(conn, ErrorCode.RATE_LIMITED)
        out = self.tick()  # a grace period that just ran out must not be resumed
        if self.cluster and msg.nameplate not in self.sessions:
            conn.asking = True
            conn.resume = msg
            return out + [Locate(conn.id, msg.nameplate, msg)]
        return out + self._resume_here(conn, msg, now)

    def _resume_here(self, conn: Conn, msg: Resume, now: float) -> list[Action]:
        out: list[Action] = []
        s = self.sessions.get(msg.nameplate)
        expected = self._resume_hash(s, msg.role) if s is not None else None
        if (
            s is None
            or expected is None
            or not hmac.compare_digest(hashlib.sha256(msg.token).digest(), expected)
        ):
            self._join_failed(conn, now)
            self.metrics.resume_failures_total += 1
            log.info("conn %d from %s: resume refused", conn.id, conn.ip)
            return out + self._refuse(conn, ErrorCode.RESUME_FAILED)
        role = msg.role
        old = s.conns.get(role)
        if old is not None:
            # The old connection died silently; the new one takes over.
            out += self._away(s, role)
            old_conn = self.conns.get(old)
            if old_conn is not None:
                old_conn.session = None
                old_conn.phase = Phase.CLOSING
                out.append(Close(old, NORMAL, "replaced by a resumed connection"))
        s.away_until.pop(role, None)
        s.conns[role] = conn.id
        s.resumes += 1
        conn.session, conn.phase, conn.deadline = s, Phase.IN_SESSION, None
        self.metrics.resumes_total += 1
        peer = s.conns.get(other(role))
        log.info("session %s: %s resumed", s.sid, role.name.lower())
        out.append(Send(conn.id, Resumed(peer is not None)))
        if peer is not None:
            out.append(Send(peer, PeerBack()))
        return out

    # ------------------------------------------------------------ helpers

    def _refuse(self, conn: Conn, code: ErrorCode) -> list[Action]:
        """Send ``Error(code)`` and close the connection (ending its session, if any)."""
        out: list[Action] = []
        if conn.session is not None:
            out += self._drop_from_session(conn)
        conn.phase = Phase.CLOSING
        conn.deadline = None
        out += [Send(conn.id, error(code)), Close(conn.id, POLICY, code.name.lower())]
        return out

    def _drop_from_session(self, conn: Conn) -> list[Action]:
        """``conn`` is being closed by us: treat it like a drop for its session."""
        s, role = conn.session, conn.role
        conn.session = None
        if s is None or role is None or s.conns.get(role) != conn.id:
            return []
        if self._resume_hash(s, role) is not None:
            return self._away(s, role)
        del s.conns[role]
        left = PeerLeft(PeerLeftReason.TIMED_OUT)
        return self._end(s, "error", left, left, NORMAL)

    @staticmethod
    def _resume_hash(s: Session, role: Role) -> bytes | None:
        """The token hash that lets ``role`` resume ``s``, if it can be resumed yet.

        A side that confirmed the key and sent ``Established`` may resume even before
        the other side's ``Established`` arrives: it already holds a valid session key,
        and a drop in that short window must not cost the customer a new code.
        """
        if s.state is State.ESTABLISHED:
            return s.token_hashes[role]
        if s.state is State.PAIRED and role in s.votes:
            return s.votes[role][0 if role is Role.AGENT else 1]
        return None

    def _end(
        self,
        s: Session,
        reason: str,
        to_agent: Message | None,
        to_customer: Message | None,
        code: int,
    ) -> list[Action]:
        """End ``s``: tell each attached side (if a message is given), close it, audit."""
        if self.sessions.get(s.nameplate) is not s:
            return []
        del self.sessions[s.nameplate]
        # The nameplate stays taken (its length count unchanged) while remembered.
        self._remember(s.nameplate, self.settings.nameplate_memory_s, reason, counted=True)
        self.metrics.sessions_ended_total += 1
        out: list[Action] = [ReleaseNameplate(s.nameplate, reason)] if self.cluster else []
        out += [
            SessionEnded(
                s.sid,
                self.wall(),
                reason,
                s.sent[Role.AGENT],
                s.sent[Role.CUSTOMER],
                s.resumes,
            )
        ]
        for role, msg in ((Role.AGENT, to_agent), (Role.CUSTOMER, to_customer)):
            conn = self.conns.get(s.conns.get(role, 0))
            if conn is None:
                continue
            conn.session = None
            if conn.phase is Phase.CLOSING:
                continue
            conn.phase = Phase.CLOSING
            if msg is not None:
                out.append(Send(conn.id, msg))
            out.append(Close(conn.id, code, reason))
        s.conns.clear()
        log.info("session %s: ended (%s)", s.sid, reason)
        return out

    def _allocate(self) -> str:
        """A random nameplate that is neither in use nor remembered: 3 digits while
        fewer than half of those are taken, else 6, 9 or 12; at least 6 while
        someone seems to be scanning codes."""
        shortest = NAMEPLATE_MIN_DIGITS
        if self.monotonic() < self.long_nameplates_until:
            shortest = max(shortest, 6)
        for digits in range(shortest, NAMEPLATE_MAX_DIGITS + 1, 3):
            space = 10**digits
            taken = max(self._taken_by_length[digits], self._cluster_taken[digits])
            if taken * 2 >= space:
                continue
            while True:  # at least half free: two draws on average
                nameplate = str(self.randbelow(space)).zfill(digits)
                if nameplate not in self.sessions and nameplate not in self.remembered:
                    return nameplate
        raise RuntimeError("every nameplate is taken")  # 10**12 / 2 sessions: cannot happen
