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
    CALLBACK_TICKET,
    CUSTOMER_MEMBER,
    LEAD_MEMBER,
    NAMEPLATE_MAX_DIGITS,
    NAMEPLATE_MIN_DIGITS,
    PROTOCOL_VERSION,
    U32,
    Admit,
    Ask,
    Auth,
    AuthOk,
    Back,
    Block,
    Bye,
    CallbackOutcome,
    Called,
    CallMe,
    Colleague,
    Colleagues,
    Create,
    Created,
    DeskRefused,
    EndReason,
    Enter,
    Entered,
    Error,
    Established,
    Flag,
    Hello,
    Invite,
    InviteAnswer,
    Invited,
    InviteKind,
    InviteState,
    InviteStatus,
    Join,
    Lead,
    Leave,
    ListQueues,
    ListWindows,
    Member,
    MemberRole,
    Message,
    Note,
    Paired,
    PairingFailed,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Presence,
    PresenceState,
    Redirect,
    Report,
    Resume,
    Resumed,
    Role,
    Survey,
    Take,
    Took,
    Welcome,
)
from common.room import role_for
from relay.actions import (
    Action,
    AskLimit,
    CheckToken,
    ClaimNameplate,
    Close,
    CountLimit,
    CustomerTaken,
    DeskTake,
    Fanout,
    FlagContact,
    KeepNote,
    KeepSurvey,
    Locate,
    LookUpHistory,
    MoveSession,
    RecheckAgent,
    ReleaseNameplate,
    RoomEvent,
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
from relay.desk.config import Desk
from relay.desk.front import DeskFront
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
#: Control and file events one session may add to the audit log (a flood is dropped).
MAX_REPORTS = 2000


# ---------------------------------------------------------------- state


class Phase(enum.Enum):
    NEW = "new"  # waiting for Hello
    GREETED = "greeted"  # Hello accepted
    READY = "ready"  # an agent whose token was accepted
    IN_SESSION = "in_session"
    QUEUED = "queued"  # a customer waiting in a desk queue (no session yet)
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
    #: Agent: the app's own key (from Auth) and its certificate (from the database):
    #: what an invitation tells the colleague to expect the greeting to be signed by.
    public_key: bytes = b""
    certificate: bytes = b""
    #: Agent: a desk connection (signed in, no session: presence and invitations).
    desk: PresenceState | None = None
    #: A member of someone else's room (a helper, a new lead, a supervisor).
    seat: Seat | None = None
    #: Cluster: the Enter waiting for its Locate.
    enter: Enter | None = None


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
    #: Rooms: everyone besides the customer and member 1 (the agent who created it).
    seats: dict[int, Seat] = dataclasses.field(default_factory=dict)
    next_member: int = 2
    #: The member who leads now (may invite); another after a hand-over.
    lead: int = LEAD_MEMBER
    #: Member 1 left after a hand-over or was removed: it may not resume.
    lead_gone: bool = False
    #: A customer taken from a desk queue: (queue, the agent who took them).
    desk: tuple[str, str] | None = None
    #: ... and their installation (what a flag is kept with).
    installation: str = ""
    #: Control and file events the customer reported (capped: an audit row each).
    reports: int = 0


@dataclasses.dataclass(slots=True, eq=False)
class Seat:
    """Someone in a room besides the customer and member 1."""

    member: int
    conn: int
    agent: AgentRecord
    role: MemberRole
    invite: Invitation
    #: The customer allowed them: the shared stream is cast to them.
    admitted: bool = False


@dataclasses.dataclass(slots=True, eq=False)
class Invitation:
    id: int
    nameplate: str
    kind: InviteKind
    #: Who is invited (for SUPERVISE: the supervisor who asked).
    agent: str
    org: str
    #: The connection of the lead who invited (for SUPERVISE: the supervisor's desk).
    inviter: int
    by: str
    reason: str
    expires: float
    accepted: bool = False


def other(role: Role) -> Role:
    return Role.CUSTOMER if role is Role.AGENT else Role.AGENT


def error(code: ErrorCode) -> Error:
    return Error(code, RELAY_ERROR_TEXT[code])


def _detail(msg: Invite) -> str:
    """An invitation as the audit log keeps it: its kind and the lead's reason."""
    return f"{msg.kind.name.lower()}: {msg.reason}"[:500]


def fan_out(queued: int, bound: int, skipped: int, size: int) -> tuple[bool, int]:
    """One Cast towards one member with ``queued`` bytes already waiting for it: deliver
    it (True) or skip it, and how many skips to announce before it (``Skipped``).

    A member whose queue would pass ``bound`` misses records instead of holding the
    customer back, so one slow link never lowers the others' frame rate; its app sees
    the announced gap and asks for a fresh picture. Delivery resumes once the queue
    has drained below half the bound (no flapping at the edge)."""
    if skipped and queued > bound // 2:
        return False, skipped + 1
    if not skipped and queued + size > bound:
        return False, 1
    return True, skipped


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
        desk: Desk | None = None,
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
        self.invites: dict[int, Invitation] = {}
        self._next_invite = 1
        self._dirty_orgs: set[str] = set()
        self._next_prune = 0.0
        self._next_flush = 0.0
        #: The help desk (queues, callbacks), when the relay has a desk file.
        self.desk = (
            DeskFront(
                desk,
                grace_s=settings.grace_s,
                asks_per_minute=settings.desk_asks_per_minute,
                max_sessions=settings.desk_max_sessions,
                monotonic=monotonic,
                wall=wall,
                metrics=self.metrics,
            )
            if desk is not None
            else None
        )
        if self.desk is not None and cluster:
            self.desk.node = settings.resolved_node_id()

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
        elif phase is Phase.QUEUED:
            desk_out = self._desk_customer(conn, msg)
            if desk_out is not None:
                return desk_out
        elif phase is Phase.IN_SESSION:
            s, role = conn.session, conn.role
            if s is not None and conn.seat is not None:
                if isinstance(msg, Bye):
                    return self._seat_leaves(s, conn.seat, "left", conn.seat.agent.name)
                if isinstance(msg, Invite):
                    return self._invite(conn, s, msg)
            elif s is not None and role is not None:
                if isinstance(msg, Invite) and role is Role.AGENT:
                    return self._invite(conn, s, msg)
                if isinstance(msg, Flag) and role is Role.AGENT:
                    return self._flag(conn, s, msg)
                if isinstance(msg, Note) and role is Role.AGENT:
                    # This session's contact, or one it names (an earlier one of theirs).
                    # A connection that resumed did not sign in again: the session's agent.
                    name = (conn.agent or s.agent).name
                    return [self._note(name, "" if msg.contact else s.sid, msg)]
                if isinstance(msg, Survey) and role is Role.CUSTOMER:
                    return [KeepSurvey(s.sid, msg.score, msg.comment, self.wall())]
                if isinstance(msg, Report) and role is Role.CUSTOMER:
                    return self._report(s, msg)
                if isinstance(msg, Block) and role is Role.AGENT and conn.agent is not None:
                    if self.desk is None:
                        return [Send(cid, DeskRefused("NO_DESK"))]
                    if not s.installation or msg.ticket:
                        return [Send(cid, DeskRefused("NOT_BLOCKABLE"))]
                    return self.desk.block(cid, conn.agent, msg, s.installation)
                if isinstance(msg, Admit) and role is Role.CUSTOMER:
                    return self._admit(s, msg)
                if isinstance(msg, Lead) and role is Role.CUSTOMER:
                    return self._lead(s, msg)
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
                    conn.public_key = msg.public_key
                    return [CheckToken(cid, msg.token, msg.public_key)]
                if phase is Phase.READY and conn.agent is not None:
                    if isinstance(msg, Presence):
                        return self._presence(conn, msg.state)
                    if isinstance(msg, InviteAnswer):
                        return self._invite_answer(conn, msg)
                    if isinstance(msg, Invite) and msg.kind is InviteKind.SUPERVISE:
                        return self._supervise(conn, msg)
                    if isinstance(msg, Enter):
                        return self._enter(conn, msg)
                    if isinstance(msg, Take):
                        return self._take(conn, conn.agent, msg.ticket)
                    if isinstance(msg, Note) and msg.contact:
                        return [self._note(conn.agent.name, "", msg)]
                    if isinstance(msg, CallbackOutcome | ListQueues | Block) and self.desk is None:
                        return [Send(cid, DeskRefused("NO_DESK"))]
                    if isinstance(msg, Block) and self.desk is not None:
                        return self.desk.block(cid, conn.agent, msg)
                    if isinstance(msg, CallbackOutcome) and self.desk is not None:
                        return self.desk.outcome(cid, conn.agent, msg)
                    if isinstance(msg, ListQueues) and self.desk is not None:
                        return [Send(cid, self.desk.queues())]
                if isinstance(msg, Create):
                    if phase is not Phase.READY or conn.agent is None:
                        return self._refuse(conn, ErrorCode.NOT_AUTHORIZED)
                    return [RecheckAgent(cid, conn.agent.name, conn.agent.token_id)]
            else:
                if isinstance(msg, Join):
                    return self._join(conn, msg.nameplate)
                desk_out = self._desk_customer(conn, msg)
                if desk_out is not None:
                    return desk_out
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
        conn.certificate = creds.certificate
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
                    agent.supervises,
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
        if s is None or s.state is State.WAITING or conn.role is None or conn.seat is not None:
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
        if conn is None or conn.session is None or conn.role is None or conn.seat is not None:
            return None
        return conn.session.conns.get(other(conn.role))

    def closed(self, cid: int) -> list[Action]:
        """Connection ``cid`` is gone (any reason)."""
        conn = self.conns.pop(cid, None)
        if conn is not None and conn.desk is not None:
            self._dirty(conn)
        if self.desk is not None and conn is not None:
            self.desk.dropped(cid)
            if conn.desk is not None:
                self.desk.desk_closed(cid, self._in_desk_session)
        if conn is not None and conn.seat is not None and conn.session is not None:
            return self._seat_leaves(conn.session, conn.seat, "left", conn.seat.agent.name)
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

    # ------------------------------------------------------------ rooms

    def post(self, cid: int, member: int, size: int) -> Route:
        """A ``Post`` to ``member`` of ``size`` bytes arrived on ``cid``: where does it go?
        The driver forwards it with the member byte replaced by ``Route.member``, the
        sender's seat. A newcomer the customer has not allowed yet may talk only with
        the member who leads (its offer, and the greeting back)."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is Phase.CLOSING:
            return Route(None, 0.0, [])
        s = conn.session
        if s is None or s.state is not State.ESTABLISHED or conn.role is None:
            return Route(None, 0.0, self.protocol_error(cid, "Post outside a room"))
        sender = self._member_of(conn)
        if member == sender:
            return Route(None, 0.0, self.protocol_error(cid, "Post to oneself"))
        to_seat = s.seats.get(member)
        if member == CUSTOMER_MEMBER:
            peer = s.conns.get(Role.CUSTOMER)
        elif member == LEAD_MEMBER:
            peer = None if s.lead_gone else s.conns.get(Role.AGENT)
        else:
            peer = to_seat.conn if to_seat is not None else None
        for that, seat in ((member, conn.seat), (sender, to_seat)):
            if seat is not None and not seat.admitted and that != s.lead:
                return Route(None, 0.0, [])  # not allowed in yet: dropped, not forwarded
        role = conn.role
        s.sent[role] += size
        quota = self.settings.session_quota_bytes
        if quota and s.sent[Role.AGENT] + s.sent[Role.CUSTOMER] > quota:
            return Route(None, 0.0, self._over_quota(s))
        if peer is None:
            return Route(None, 0.0, [])
        self.metrics.messages_forwarded_total += 1
        wait = s.bandwidth.take(self.monotonic(), size) if s.bandwidth is not None else 0.0
        return Route(peer, wait, [], sender)

    def cast(self, cid: int, size: int) -> Fanout:
        """The customer's ``Cast`` of ``size`` bytes: the member connections to offer it to
        (member 1 while it is there, and every seat the customer admitted)."""
        conn = self.conns.get(cid)
        if conn is None or conn.phase is Phase.CLOSING:
            return Fanout((), [])
        s = conn.session
        if (
            s is None
            or s.state is not State.ESTABLISHED
            or conn.role is not Role.CUSTOMER
            or s.conns.get(Role.CUSTOMER) != cid
        ):
            return Fanout((), self.protocol_error(cid, "Cast from someone not sharing"))
        s.sent[Role.CUSTOMER] += size
        quota = self.settings.session_quota_bytes
        if quota and s.sent[Role.AGENT] + s.sent[Role.CUSTOMER] > quota:
            return Fanout((), self._over_quota(s))
        peers = [seat.conn for seat in s.seats.values() if seat.admitted]
        lead = None if s.lead_gone else s.conns.get(Role.AGENT)
        if lead is not None:
            peers.insert(0, lead)
        m = self.metrics
        m.messages_forwarded_total += len(peers)
        m.bytes_customer_to_agent_total += size * len(peers)
        wait = s.bandwidth.take(self.monotonic(), size) if s.bandwidth is not None else 0.0
        return Fanout(tuple(peers), [], wait)

    def _over_quota(self, s: Session) -> list[Action]:
        self.metrics.quota_exceeded_total += 1
        log.warning("session %s: byte quota used up", s.sid)
        refusal = error(ErrorCode.QUOTA_EXCEEDED)
        return self._end(s, "quota_exceeded", refusal, refusal, POLICY)

    @staticmethod
    def _member_of(conn: Conn) -> int:
        if conn.seat is not None:
            return conn.seat.member
        return CUSTOMER_MEMBER if conn.role is Role.CUSTOMER else LEAD_MEMBER

    def _room_conns(self, s: Session, *, but: int = 0) -> list[int]:
        """Every connection in ``s``'s room (customer, member 1, seats), except ``but``."""
        out = [c for c in s.conns.values() if c != but]
        return out + [seat.conn for seat in s.seats.values() if seat.conn != but]

    def _lead_conn(self, s: Session) -> Conn | None:
        if s.lead == LEAD_MEMBER:
            return None if s.lead_gone else self.conns.get(s.conns.get(Role.AGENT, 0))
        seat = s.seats.get(s.lead)
        return self.conns.get(seat.conn) if seat is not None else None

    def _dirty(self, conn: Conn) -> None:
        """An agent's presence or room changed: its organisation's lists go out next tick."""
        if conn.agent is not None:
            self._dirty_orgs.add(conn.agent.org)

    def _desks(self, org: str, name: str | None = None) -> list[Conn]:
        """The signed-in desk connections of ``org`` (of one agent, with ``name``)."""
        return [
            c
            for c in self.conns.values()
            if c.desk is not None
            and c.phase is Phase.READY
            and c.agent is not None
            and c.agent.org == org
            and name in (None, c.agent.name)
        ]

    def _presence(self, conn: Conn, state: PresenceState) -> list[Action]:
        conn.desk = state
        conn.deadline = None  # a desk connection stays open all day
        self._dirty(conn)
        if self.desk is not None and conn.agent is not None:
            self.desk.desk_opened(conn.id, conn.agent, state)
        return []

    def _colleagues(self) -> list[Action]:
        """Each organisation whose presence changed: its list, to every desk in it."""
        out: list[Action] = []
        orgs, self._dirty_orgs = self._dirty_orgs, set()
        for org in orgs:
            desks = self._desks(org)
            if not desks:
                continue
            busy = {
                c.agent.name
                for c in self.conns.values()
                if c.agent is not None and c.agent.org == org and c.session is not None
            }
            seen: dict[str, Colleague] = {}
            for c in desks:
                a = c.agent
                assert a is not None and c.desk is not None  # filtered above
                seen[a.name] = Colleague(a.name, a.display_name, a.team, c.desk, a.name in busy)
            people = sorted(seen.values(), key=lambda p: (p.team, p.display_name, p.name))
            msg = Colleagues(tuple(people[:1000]))
            out += [Send(c.id, msg) for c in desks]
        return out

    def _invite(self, conn: Conn, s: Session, msg: Invite) -> list[Action]:
        """The lead asks a colleague in (HELP) or to take over (HANDOVER)."""
        agent = conn.agent
        if (
            agent is None
            or self._lead_conn(s) is not conn
            or s.state is not State.ESTABLISHED
            or msg.kind is InviteKind.SUPERVISE
        ):
            return self.protocol_error(conn.id, "Invite from someone who does not lead")
        desks = [] if msg.agent == agent.name else self._desks(agent.org, msg.agent)
        if not desks or len(s.seats) >= self.settings.max_helpers:
            why = "not signed in" if not desks else "the room is full"
            log.info("session %s: invitation of %r refused: %s", s.sid, msg.agent, why)
            return [Send(conn.id, InviteStatus(msg.agent, msg.agent, InviteState.UNAVAILABLE, 0))]
        now = self.monotonic()
        inv = Invitation(
            self._next_invite,
            s.nameplate,
            msg.kind,
            msg.agent,
            agent.org,
            conn.id,
            agent.name,
            msg.reason,
            now + self.settings.invite_ttl_s,
        )
        self._next_invite = self._next_invite % U32 + 1
        self.invites[inv.id] = inv
        invited = self._invited(inv, conn)
        target = desks[0].agent
        assert target is not None  # desks are signed in
        log.info("session %s: %r invites %r (%s)", s.sid, agent.name, msg.agent, msg.kind.name)
        return [
            *(Send(d.id, invited) for d in desks),
            Send(conn.id, InviteStatus(msg.agent, target.display_name, InviteState.SENT, 0)),
            RoomEvent(s.sid, self.wall(), "invited", msg.agent, agent.name, 0, _detail(msg)),
        ]

    def _invited(self, inv: Invitation, lead: Conn) -> Invited:
        a = lead.agent
        assert a is not None  # the lead is signed in
        ttl = max(1, math.ceil(inv.expires - self.monotonic()))
        return Invited(
            inv.id,
            inv.nameplate,
            inv.kind,
            a.name,
            a.display_name,
            a.org,
            inv.reason,
            lead.public_key,
            lead.certificate,
            min(U32, ttl),
            lead.seat.member if lead.seat is not None else LEAD_MEMBER,
        )

    def _supervise(self, conn: Conn, msg: Invite) -> list[Action]:
        """A supervisor asks to watch the room ``msg.agent`` leads. The lead is told; the
        customer is asked like for anyone else (there is no silent watching)."""
        agent = conn.agent
        assert agent is not None  # READY
        refused = Send(conn.id, InviteStatus(msg.agent, msg.agent, InviteState.UNAVAILABLE, 0))
        if not agent.supervises:
            log.warning("conn %d: %r asked to supervise without the role", conn.id, agent.name)
            return [Send(conn.id, InviteStatus(msg.agent, msg.agent, InviteState.REFUSED, 0))]
        for s in self.sessions.values():
            lead = self._lead_conn(s)
            if (
                s.state is State.ESTABLISHED
                and lead is not None
                and lead.agent is not None
                and lead.agent.name == msg.agent
                and lead.agent.org == agent.org
            ):
                break
        else:
            return [refused]
        if len(s.seats) >= self.settings.max_helpers:
            return [refused]
        inv = Invitation(
            self._next_invite,
            s.nameplate,
            InviteKind.SUPERVISE,
            agent.name,
            agent.org,
            conn.id,
            agent.name,
            msg.reason,
            self.monotonic() + self.settings.invite_ttl_s,
            accepted=True,
        )
        self._next_invite = self._next_invite % U32 + 1
        self.invites[inv.id] = inv
        log.info("session %s: supervisor %r asks to watch", s.sid, agent.name)
        status = InviteStatus(agent.name, agent.display_name, InviteState.ACCEPTED, 0)
        return [
            Send(conn.id, self._invited(inv, lead)),
            Send(lead.id, status),
            RoomEvent(s.sid, self.wall(), "supervise", agent.name, agent.name, 0, _detail(msg)),
        ]

    def _tell_inviter(
        self, inv: Invitation, state: InviteState, display: str, member: int = 0
    ) -> list[Action]:
        c = self.conns.get(inv.inviter)
        if c is None or c.phase is Phase.CLOSING:
            return []
        return [Send(c.id, InviteStatus(inv.agent, display, state, member))]

    def _invite_answer(self, conn: Conn, msg: InviteAnswer) -> list[Action]:
        inv = self.invites.get(msg.invite_id)
        agent = conn.agent
        assert agent is not None  # READY
        if inv is None or inv.agent != agent.name or inv.accepted:
            return []  # withdrawn, expired or answered on another of their screens
        s = self.sessions.get(inv.nameplate)
        event = "accepted" if msg.accept else "declined"
        out: list[Action] = []
        if s is not None:
            out.append(RoomEvent(s.sid, self.wall(), event, agent.name, agent.name))
        if not msg.accept:
            del self.invites[inv.id]
            return out + self._tell_inviter(inv, InviteState.DECLINED, agent.display_name)
        inv.accepted = True
        inv.expires = self.monotonic() + self.settings.invite_ttl_s  # time to come in
        return out + self._tell_inviter(inv, InviteState.ACCEPTED, agent.display_name)

    def _enter(self, conn: Conn, msg: Enter) -> list[Action]:
        """An invited colleague's session connection takes its seat."""
        s = self.sessions.get(msg.nameplate)
        if s is None and self.cluster:
            conn.asking = True
            conn.enter = msg
            return [Locate(conn.id, msg.nameplate)]
        inv = self.invites.get(msg.invite_id)
        agent = conn.agent
        assert agent is not None  # READY
        if (
            s is None
            or s.state is not State.ESTABLISHED
            or inv is None
            or not inv.accepted
            or inv.nameplate != msg.nameplate
            or inv.agent != agent.name
        ):
            log.info("conn %d: %r entered with no valid invitation", conn.id, agent.name)
            return self._refuse(conn, ErrorCode.INVITE_GONE)
        if len(s.seats) >= self.settings.max_helpers or s.next_member > 255:
            del self.invites[inv.id]
            return self._refuse(conn, ErrorCode.ROOM_FULL)
        del self.invites[inv.id]
        member = s.next_member
        s.next_member += 1
        role = role_for(inv.kind)
        seat = Seat(member, conn.id, agent, role, inv)
        s.seats[member] = seat
        conn.session, conn.seat, conn.phase, conn.deadline = s, seat, Phase.IN_SESSION, None
        conn.role = Role.AGENT
        self._dirty(conn)
        log.info("session %s: %r took seat %d (%s)", s.sid, agent.name, member, role.name)
        here = Member(member, agent.name, agent.display_name, agent.org, role, True)
        return [
            Send(conn.id, Entered(member)),
            *(Send(c, here) for c in self._room_conns(s, but=conn.id)),
            RoomEvent(s.sid, self.wall(), "entered", agent.name, inv.by, member),
        ]

    def _admit(self, s: Session, msg: Admit) -> list[Action]:
        """The customer's word on a member: allowed (cast to them), or out."""
        if msg.member == LEAD_MEMBER:
            if msg.admitted or s.lead_gone:
                return []
            return self._lead_leaves(s, removed=True)
        seat = s.seats.get(msg.member)
        if seat is None:
            return []  # already gone
        if not msg.admitted:
            return self._seat_leaves(s, seat, "removed" if seat.admitted else "refused", "customer")
        if seat.admitted:
            return []
        seat.admitted = True
        log.info("session %s: the customer allowed seat %d in", s.sid, seat.member)
        return [
            *self._tell_inviter(
                seat.invite, InviteState.JOINED, seat.agent.display_name, seat.member
            ),
            RoomEvent(s.sid, self.wall(), "admitted", seat.agent.name, "customer", seat.member),
        ]

    def _lead(self, s: Session, msg: Lead) -> list[Action]:
        """The customer approved a hand-over: ``msg.member`` leads from now on."""
        if msg.member == s.lead:
            return []
        if msg.member == LEAD_MEMBER:
            if s.lead_gone:
                return []
            name = s.agent.name
        else:
            seat = s.seats.get(msg.member)
            if seat is None or not seat.admitted:
                return []
            name = seat.agent.name
        s.lead = msg.member
        log.info("session %s: seat %d leads now", s.sid, msg.member)
        return [RoomEvent(s.sid, self.wall(), "lead", name, "customer", msg.member)]

    def _seat_leaves(
        self, s: Session, seat: Seat, why: str, by: str, *, close: bool = True
    ) -> list[Action]:
        """A seat's connection went (``left``), or the customer said no (``refused``) or
        took them out (``removed``): everyone else in the room hears it."""
        if s.seats.get(seat.member) is not seat:
            return []
        del s.seats[seat.member]
        out: list[Action] = []
        conn = self.conns.get(seat.conn)
        if conn is not None:
            conn.session = conn.seat = None
            self._dirty(conn)
            if close and conn.phase is not Phase.CLOSING:
                conn.phase = Phase.CLOSING
                if why != "left":
                    out.append(Send(conn.id, PeerLeft(PeerLeftReason.REMOVED)))
                out.append(Close(conn.id, NORMAL, why))
        a = seat.agent
        gone = Member(seat.member, a.name, a.display_name, a.org, seat.role, False)
        out += [Send(c, gone) for c in self._room_conns(s)]
        state = InviteState.REFUSED if why == "refused" else InviteState.LEFT
        out += self._tell_inviter(seat.invite, state, a.display_name, seat.member)
        out.append(RoomEvent(s.sid, self.wall(), why, a.name, by, seat.member))
        log.info("session %s: seat %d %s", s.sid, seat.member, why)
        if s.lead == seat.member:
            s.lead = 0 if s.lead_gone else LEAD_MEMBER
        return out + self._empty_room(s)

    def _lead_leaves(self, s: Session, *, removed: bool) -> list[Action]:
        """Member 1 leaves after handing over (``Bye``), or the customer took them out."""
        s.lead_gone = True
        if s.lead == LEAD_MEMBER:
            s.lead = 0
        s.away_until.pop(Role.AGENT, None)
        out: list[Action] = []
        conn = self.conns.get(s.conns.pop(Role.AGENT, 0))
        if conn is not None:
            conn.session = None
            self._dirty(conn)
            if conn.phase is not Phase.CLOSING:
                conn.phase = Phase.CLOSING
                if removed:
                    out.append(Send(conn.id, PeerLeft(PeerLeftReason.REMOVED)))
                out.append(Close(conn.id, NORMAL, "removed" if removed else "left"))
        a = s.agent
        gone = Member(LEAD_MEMBER, a.name, a.display_name, a.org, MemberRole.LEAD, False)
        out += [Send(c, gone) for c in self._room_conns(s)]
        why, by = ("removed", "customer") if removed else ("left", a.name)
        out.append(RoomEvent(s.sid, self.wall(), why, a.name, by, LEAD_MEMBER))
        if self.cluster:
            out.append(SaveResume(self._state_of(s)))
        log.info("session %s: member 1 %s", s.sid, why)
        return out + self._empty_room(s)

    def _empty_room(self, s: Session) -> list[Action]:
        """No agent is left in the room: the session is over for the customer."""
        if s.lead_gone and not s.seats:
            return self._end(s, "left", None, PeerLeft(PeerLeftReason.LEFT), NORMAL)
        return []

    def _expire_invites(self, now: float) -> list[Action]:
        out: list[Action] = []
        for inv in [i for i in self.invites.values() if i.expires <= now]:
            del self.invites[inv.id]
            out += self._tell_inviter(inv, InviteState.EXPIRED, inv.agent)
            s = self.sessions.get(inv.nameplate)
            if s is not None:
                out.append(RoomEvent(s.sid, self.wall(), "expired", inv.agent, inv.by))
        return out

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
        if conn.enter is not None:  # an invited colleague whose room is not on any node
            conn.enter = None
            return self._refuse(conn, ErrorCode.INVITE_GONE)
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
            s.lead_gone,
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
            # Seats hold no resume token and do not follow; a room whose member 1 left
            # runs out its grace period and ends (docs/cluster.md).
            lead_gone=state.lead_gone,
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
        for seat in s.seats.values():  # helpers hold no resume token: asked in again
            conn = self.conns.get(seat.conn)
            if conn is not None and conn.phase is not Phase.CLOSING:
                conn.session = conn.seat = None
                out += self._refuse(conn, ErrorCode.RELAY_SHUTDOWN)
        s.seats.clear()
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
        if self.invites:
            out += self._expire_invites(now)
        if self._dirty_orgs:
            out += self._colleagues()
        if self.desk is not None:
            out += self.desk.tick()
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

    @property
    def room_members(self) -> int:
        """People seated in rooms besides member 1 (helpers, new leads, supervisors)."""
        return sum(len(s.seats) for s in self.sessions.values())

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
        if role is Role.AGENT and s.lead != LEAD_MEMBER and s.seats:
            return self._lead_leaves(s, removed=False)  # after a hand-over: the room goes on
        left = PeerLeft(PeerLeftReason.LEFT)
        if msg.reason is EndReason.IDENTITY_REFUSED:
            left = PeerLeft(PeerLeftReason.IDENTITY_REFUSED)
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
        away = PeerAway(min(U32, math.ceil(grace)))
        return [Send(peer, away) for peer in self._others(s, role)]

    @staticmethod
    def _others(s: Session, role: Role) -> list[int]:
        """Who hears that ``role``'s connection went or came back: the customer for
        member 1; member 1 and everyone seated for the customer."""
        if role is Role.AGENT:
            peer = s.conns.get(Role.CUSTOMER)
            return [] if peer is None else [peer]
        out = [seat.conn for seat in s.seats.values()]
        lead = s.conns.get(Role.AGENT)
        return out if lead is None else [lead, *out]

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
        out += [Send(p, PeerBack()) for p in self._others(s, role)]
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
        if s is not None and conn.seat is not None:
            return self._seat_leaves(s, conn.seat, "left", conn.seat.agent.name, close=False)
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
            if role is Role.AGENT and s.lead_gone:
                return None  # handed over or removed: member 1 may not come back
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
        if s.desk is not None and self.desk is not None:
            handled = self.monotonic() - s.paired_at if s.state is State.ESTABLISHED else None
            self.desk.session_ended(s.desk[1], s.desk[0], handled)
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
        seated = PeerLeft(PeerLeftReason.LEFT) if to_agent is None else to_agent
        for seat in s.seats.values():
            conn = self.conns.get(seat.conn)
            if conn is None:
                continue
            conn.session = conn.seat = None
            self._dirty(conn)
            if conn.phase is not Phase.CLOSING:
                conn.phase = Phase.CLOSING
                out += [Send(conn.id, seated), Close(conn.id, code, reason)]
        s.seats.clear()
        for inv in [i for i in self.invites.values() if i.nameplate == s.nameplate]:
            del self.invites[inv.id]
        for role, msg in ((Role.AGENT, to_agent), (Role.CUSTOMER, to_customer)):
            conn = self.conns.get(s.conns.get(role, 0))
            if conn is not None:
                self._dirty(conn)
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

    # ------------------------------------------------------------ the help desk

    def _desk_customer(self, conn: Conn, msg: Message) -> list[Action] | None:
        """A customer's desk request (queues, asking, coming back, leaving, a callback),
        or None if ``msg`` is none of those."""
        if conn.role is not Role.CUSTOMER or not isinstance(
            msg, ListQueues | ListWindows | Ask | Back | CallMe | Leave
        ):
            return None
        cid, desk = conn.id, self.desk
        if desk is None:
            return [Send(cid, DeskRefused("NO_DESK"))]
        queued = conn.phase is Phase.QUEUED
        if not queued:  # a form's connection: one more request's time, not all day
            conn.deadline = self.monotonic() + self.settings.request_timeout_s
        if isinstance(msg, ListQueues):
            return [Send(cid, desk.queues())]
        if isinstance(msg, ListWindows):
            return desk.windows(cid, msg)
        if isinstance(msg, CallMe):
            return desk.call_me(cid, conn.key, msg)
        if isinstance(msg, Leave):
            if not queued:
                return None
            queue = desk.leave(cid)
            conn.phase, conn.deadline = Phase.CLOSING, None
            log.info("conn %d: left the queue", cid)
            desk.moved(queue)
            return [Close(cid, NORMAL, "left the queue")]
        if queued:
            return None
        if self.draining:
            return self._refuse(conn, ErrorCode.RELAY_SHUTDOWN)
        if isinstance(msg, Ask):
            out, ticket = desk.ask(cid, conn.key, msg)
        else:
            out, ticket = desk.back(cid, msg)
        if ticket is not None:
            conn.phase, conn.deadline = Phase.QUEUED, None
        return out

    def _take(
        self, conn: Conn, agent: AgentRecord, ticket: str, *, claimed: bool = False
    ) -> list[Action]:
        """An agent takes a waiting customer: their two connections become a session at
        once (no code; who answers is proved end to end, common/help.py). In a cluster
        the driver first claims the customer in Redis (``claimed``: it did)."""
        cid = conn.id
        if self.desk is None:
            return [Send(cid, DeskRefused("NO_DESK"))]
        if self.draining:
            return self._refuse(conn, ErrorCode.RELAY_SHUTDOWN)
        if len(self.sessions) >= self.settings.max_sessions:
            return self._refuse(conn, ErrorCode.TOO_MANY_SESSIONS)
        if self.cluster and not claimed:  # Redis decides who gets whom: desk_pick...
            return [DeskTake(cid, agent.name, ticket)]
        got = self.desk.take(agent, ticket, claimed=claimed)
        if isinstance(got, DeskRefused):
            return [Send(cid, got)]
        taken, asker = got
        customer = self.conns.get(asker.cid or 0)
        assert customer is not None  # the lobby only gives customers who are connected
        # Nobody types this nameplate (it is only for resuming): the longest kind.
        nameplate = self._allocate(NAMEPLATE_MAX_DIGITS)
        now = self.monotonic()
        s = Session(
            sid=secrets.token_hex(8),
            nameplate=nameplate,
            agent=agent,
            created=now,
            bandwidth=self._bucket(now),
            state=State.PAIRED,
            paired_at=now,
            desk=(taken.waiting.queue, agent.name),
            installation=taken.waiting.installation,
        )
        s.conns = {Role.AGENT: cid, Role.CUSTOMER: customer.id}
        self.sessions[nameplate] = s
        self._taken_by_length[len(nameplate)] += 1
        for c in (conn, customer):
            c.session, c.phase, c.deadline = s, Phase.IN_SESSION, None
        self._dirty(conn)
        self.metrics.sessions_created_total += 1
        self.metrics.sessions_paired_total += 1
        log.info(
            "session %s: %r took a customer from queue %r after %.0f s",
            s.sid,
            agent.name,
            taken.waiting.queue,
            taken.waited_s,
        )
        ask, wall = asker.ask, self.wall()
        took = Took(
            taken.waiting.ticket,
            nameplate,
            taken.waiting.queue,
            min(U32, int(taken.waited_s)),
            ask.name,
            ask.contact,
            ask.description,
            ask.system,
            ask.org,
            ask.help_key,
            ask.nonce,
            asker.earlier,
        )
        paired = Paired(agent.display_name, agent.org)
        self.desk.moved(taken.waiting.queue)  # everyone behind moved up: flushed soon
        return [
            SessionStarted(
                s.sid,
                agent.name,
                nameplate,
                wall,
                contact=taken.waiting.ticket.removeprefix(CALLBACK_TICKET),
            ),
            SessionPaired(s.sid, wall),
            CustomerTaken(ask.installation, taken.waiting.queue, agent.name, taken.waited_s, wall),
            Send(customer.id, Called(nameplate)),
            Send(cid, took),
            Send(cid, paired),
            Send(customer.id, paired),
            LookUpHistory(
                cid,
                taken.waiting.ticket.removeprefix(CALLBACK_TICKET),
                ask.installation,
                ask.contact,
            ),
        ]

    def _report(self, s: Session, msg: Report) -> list[Action]:
        """The customer's app says control was granted or ended, or a file crossed: an
        audit row about that member, as the customer's word. Capped per session."""
        if s.reports >= MAX_REPORTS:
            return []
        s.reports += 1
        seat = s.seats.get(msg.member)
        who = seat.agent.name if seat is not None else s.agent.name if msg.member == 1 else ""
        event = msg.event.name.lower()
        return [RoomEvent(s.sid, self.wall(), event, who, "customer", msg.member, msg.detail)]

    def _note(self, agent: str, sid: str, msg: Note) -> KeepNote:
        """An agent's note on a contact: this session's (``sid``), or one they name
        afterwards; the store keeps it only if they took part."""
        return KeepNote(sid, msg.contact, agent, msg.text, msg.resolved, msg.tags, self.wall())

    def _flag(self, conn: Conn, s: Session, msg: Flag) -> list[Action]:
        """The agent flags this contact; only a customer from the queue has an
        installation to keep it with."""
        if not s.installation or conn.agent is None:
            return [Send(conn.id, DeskRefused("NOT_FROM_QUEUE"))]
        kind = msg.kind.name.lower()
        log.info("session %s: %r flagged the contact (%s)", s.sid, conn.agent.name, kind)
        return [FlagContact(s.installation, s.sid, kind, msg.reason, conn.agent.name, self.wall())]

    # -- the help desk in a cluster: the driver's answers (relay/server.py, _desk_take)

    def _taker(self, cid: int) -> tuple[Conn, AgentRecord] | None:
        conn = self.conns.get(cid)
        if conn is None or conn.agent is None or conn.phase is not Phase.READY:
            return None  # gone while Redis answered
        return conn, conn.agent

    def desk_pick(
        self, cid: int, ticket: str, exclude: set[str], busy: dict[str, int] | None = None
    ) -> str | list[Action]:
        """Whom the taker on ``cid`` would take now (a ticket to claim), or what to tell
        them (nobody they may take); ``busy``: their desk sessions by node (Redis)."""
        found = self._taker(cid)
        if found is None or self.desk is None:
            return []
        got = self.desk.pick(found[1], ticket, exclude, busy)
        return got if isinstance(got, str) else [Send(cid, got)]

    def desk_claimed(self, cid: int, ticket: str) -> list[Action]:
        """The driver claimed ``ticket`` for the taker on ``cid``; its customer is here.
        If they cannot be paired after all (the taker left, the customer dropped, the
        relay is full), the customer goes back in line at their place at once."""
        assert self.desk is not None
        found = self._taker(cid)
        out = [] if found is None else self._take(found[0], found[1], ticket, claimed=True)
        if ticket in self.desk.askers:  # still waiting here: not taken
            out += self.desk.put_back(ticket)
        return out

    def desk_elsewhere(self, cid: int, url: str) -> list[Action]:
        """The claimed customer waits on another node: the taker goes there (its Take
        is answered there, with the customer Redis keeps for it)."""
        found = self._taker(cid)
        if found is None:
            return []
        log.info("conn %d: the customer taken waits on %s: redirected", cid, url)
        return self._redirect(found[0], url)

    def desk_refused(self, cid: int, reason: str) -> list[Action]:
        found = self._taker(cid)
        return [] if found is None else [Send(cid, DeskRefused(reason))]

    def desk_joined(self, cid: int, ticket: str, why: object, at: float) -> list[Action]:
        """Redis's answer to a customer's JoinShared (see DeskFront.joined)."""
        conn = self.conns.get(cid)
        if conn is None or self.desk is None or conn.phase is not Phase.QUEUED:
            return []
        out = self.desk.joined(cid, ticket, why, at)  # type: ignore[arg-type]
        if why is not None:
            conn.phase = Phase.GREETED
            conn.deadline = self.monotonic() + self.settings.request_timeout_s
        return out

    def _in_desk_session(self, name: str) -> bool:
        return any(s.desk is not None and s.desk[1] == name for s in self.sessions.values())

    def _allocate(self, shortest: int = NAMEPLATE_MIN_DIGITS) -> str:
        """A random nameplate that is neither in use nor remembered: 3 digits while
        fewer than half of those are taken, else 6, 9 or 12; at least 6 while
        someone seems to be scanning codes."""
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
