"""What the relay's core asks its driver to do: the actions :class:`relay.sessions.Relay`
returns, and the :class:`Route` of one ``Data`` message.

Each is a small frozen dataclass the driver (:mod:`relay.server`) carries out in
order: :class:`Send` and :class:`Close` go to connections, :class:`CheckToken`
and :class:`RecheckAgent` to the database (answers come back through the core),
and the ``Session*`` events to the audit log.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

from common.messages import Message

if TYPE_CHECKING:
    from relay.cluster import NodeInfo, ResumeState

__all__ = [
    "Action",
    "AskLimit",
    "BookCallback",
    "ContactAsked",
    "ContactLeft",
    "KeepNote",
    "KeepSurvey",
    "LookUpHistory",
    "CustomerTaken",
    "DropTicket",
    "FlagContact",
    "KeepTicket",
    "LookUpEarlier",
    "RecordOutcome",
    "CheckToken",
    "ClaimNameplate",
    "Close",
    "CountLimit",
    "Locate",
    "MoveSession",
    "ReleaseNameplate",
    "SaveResume",
    "SessionMoved",
    "RecheckAgent",
    "Fanout",
    "RoomEvent",
    "Route",
    "Send",
    "SessionEnded",
    "SessionEstablished",
    "SessionPaired",
    "SessionProgress",
    "SessionStarted",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Send:
    conn: int
    message: Message


@dataclasses.dataclass(frozen=True, slots=True)
class Close:
    conn: int
    code: int
    reason: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class CheckToken:
    """Look the token up; record the app's key and find its certificate."""

    conn: int
    token: str
    public_key: bytes = b""

    def __repr__(self) -> str:
        return f"CheckToken(conn={self.conn}, token=<hidden>)"


@dataclasses.dataclass(frozen=True, slots=True)
class RecheckAgent:
    conn: int
    name: str
    token_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class SessionStarted:
    sid: str
    agent: str
    nameplate: str
    at: float
    #: The desk contact the session serves (a ticket, a callback's id), or "" (a code).
    contact: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class SessionPaired:
    sid: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class SessionEstablished:
    sid: str
    at: float
    pairing_s: float = 0.0  # from the customer's join to both sides confirming


@dataclasses.dataclass(frozen=True, slots=True)
class SessionProgress:
    """Every open session's counts so far, and that it was alive ``at`` (crash safety):
    rows of (sid, bytes agent to customer, bytes customer to agent, resumes)."""

    at: float
    rows: tuple[tuple[str, int, int, int], ...]


@dataclasses.dataclass(frozen=True, slots=True)
class SessionEnded:
    sid: str
    at: float
    reason: str
    bytes_agent_to_customer: int
    bytes_customer_to_agent: int
    resumes: int


@dataclasses.dataclass(frozen=True, slots=True)
class RoomEvent:
    """Audit: who came into or left a session's room, with whose say-so.

    ``event``: invited, accepted, declined, expired, entered, admitted, refused,
    removed, left, lead (a hand-over took effect), supervise (a supervisor asked).
    ``agent`` is whom it is about, ``by`` who caused it (an agent's name, or
    ``customer``), ``member`` their seat (0 before they have one)."""

    sid: str
    at: float
    event: str
    agent: str
    by: str
    member: int = 0
    detail: str = ""


# ---------------------------------------------------------------- cluster (docs/cluster.md)


@dataclasses.dataclass(frozen=True, slots=True)
class ClaimNameplate:
    """Claim this new code cluster-wide; answer with :meth:`Relay.nameplate_claimed`."""

    conn: int
    nameplate: str
    sid: str


@dataclasses.dataclass(frozen=True, slots=True)
class Locate:
    """Find a code that is not on this node; answer with :meth:`Relay.located`.
    ``resume``: the Resume that asked (a node may then take the session over)."""

    conn: int
    nameplate: str
    resume: Message | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SaveResume:
    """Both sides confirmed the key: keep what another node needs to take over."""

    state: ResumeState


@dataclasses.dataclass(frozen=True, slots=True)
class ReleaseNameplate:
    """A session of this node ended: the cluster remembers its code and why."""

    nameplate: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class MoveSession:
    """Draining: hand this session to ``to``; answer with :meth:`Relay.moved`."""

    state: ResumeState
    to: NodeInfo


@dataclasses.dataclass(frozen=True, slots=True)
class CountLimit:
    """Count one event of a rate limit across the cluster; if it is over, tell the core
    with :meth:`Relay.cluster_limited`. Nothing waits for it."""

    limit: str
    key: str
    per_minute: int


@dataclasses.dataclass(frozen=True, slots=True)
class AskLimit:
    """Count this request against a rate limit across the cluster, tell the core the
    answer (:meth:`Relay.cluster_limited` if over), then hand it ``message`` again."""

    conn: int
    limit: str
    key: str
    per_minute: int
    message: Message


@dataclasses.dataclass(frozen=True, slots=True)
class SessionMoved:
    """Audit: this node now carries the session (taken over or moved here)."""

    sid: str
    at: float


# ---------------------------------------------------------------- the help desk
# Database work for relay.desk.front.DeskFront; answers go back through it.


@dataclasses.dataclass(frozen=True, slots=True)
class BookCallback:
    """Keep a callback request in the database; answer with :meth:`DeskFront.booked`."""

    conn: int
    queue: str
    installation: str
    name: str
    contact: str
    channel: str
    description: str
    window: tuple[float, float]
    asked: float


@dataclasses.dataclass(frozen=True, slots=True)
class RecordOutcome:
    """Record an agent's outcome of a callback; answer with :meth:`DeskFront.recorded`."""

    conn: int
    agent: str
    id: str
    outcome: str
    window: tuple[float, float] | None
    note: str


@dataclasses.dataclass(frozen=True, slots=True)
class LookUpEarlier:
    """Count the installation's earlier contacts; answer with :meth:`DeskFront.earlier`."""

    ticket: str
    installation: str


@dataclasses.dataclass(frozen=True, slots=True)
class KeepTicket:
    """Keep a waiting customer's ticket in the database (one node: over a restart)."""

    ticket: str
    queue: str
    installation: str
    joined: float
    ask: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class DropTicket:
    ticket: str


@dataclasses.dataclass(frozen=True, slots=True)
class FlagContact:
    """Keep an agent's flag on a contact (the installation of a desk session)."""

    installation: str
    sid: str
    kind: str
    reason: str
    agent: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class BlockInstallation:
    """A supervisor blocks an installation from the queues: keep it (the desk log says
    who and why), then answer with :meth:`DeskFront.blocked`."""

    conn: int
    installation: str
    until: float
    actor: str
    reason: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class LookUpHistory:
    """Send the agent who took a customer that customer's earlier contacts
    (:class:`common.messages.History`), read in a worker thread."""

    conn: int
    contact: str  # this contact's id (the ticket, or the callback's id)
    installation: str
    phone_or_email: str


@dataclasses.dataclass(frozen=True, slots=True)
class KeepNote:
    """An agent's note, resolution and tags on a contact: in a session (``sid``) or
    after it (``contact``). Kept only if the agent took part in the contact."""

    sid: str
    contact: str
    agent: str
    text: str
    resolved: int
    tags: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class KeepSurvey:
    """The customer's satisfaction with session ``sid``."""

    sid: str
    score: int
    comment: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class ContactAsked:
    """Record a contact: a customer took a place in a queue (relay/records.py)."""

    ticket: str
    queue: str
    installation: str
    name: str
    contact: str
    topic: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class ContactLeft:
    """A waiting customer's contact ended without a session: ``abandoned`` (left, or
    lost their place) or ``blocked``."""

    ticket: str
    state: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class CustomerTaken:
    """Log that an agent took a waiting customer (the desk log; a repeat mark later)."""

    installation: str
    queue: str
    agent: str
    waited_s: float
    at: float


# ---------------------------------------------------------------- the help desk in a cluster
# Redis work for the cluster's waiting room (relay/desk/shared.py).


@dataclasses.dataclass(frozen=True, slots=True)
class JoinShared:
    """Put a ticket in the cluster's queue; answer with :meth:`Relay.desk_joined`.
    ``conn`` -1: a ticket of ours going back in at ``joined`` (nobody to answer)."""

    conn: int
    ticket: str
    queue: str
    installation: str
    max_waiting: int
    ask: bytes
    joined: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AgentBusy:
    """An agent's desk session began (+1) or ended (-1) on this node: counted in Redis at
    once, so the agent's own node knows before it lets them take another."""

    agent: str
    delta: int


@dataclasses.dataclass(frozen=True, slots=True)
class DeskTake:
    """An agent's Take in a cluster: the driver claims the customer in Redis (asking
    :meth:`Relay.desk_pick` whom), then :meth:`Relay.desk_claimed` pairs them here or
    :meth:`Relay.desk_elsewhere` sends the agent to the customer's node."""

    conn: int
    agent: str
    ticket: str


Action = (
    Send
    | Close
    | CheckToken
    | RecheckAgent
    | SessionStarted
    | SessionPaired
    | SessionEstablished
    | SessionProgress
    | SessionEnded
    | SessionMoved
    | RoomEvent
    | ClaimNameplate
    | Locate
    | SaveResume
    | ReleaseNameplate
    | MoveSession
    | AskLimit
    | BookCallback
    | RecordOutcome
    | LookUpEarlier
    | CustomerTaken
    | ContactAsked
    | ContactLeft
    | LookUpHistory
    | KeepNote
    | KeepSurvey
    | KeepTicket
    | DropTicket
    | FlagContact
    | JoinShared
    | DeskTake
    | AgentBusy
    | BlockInstallation
)


class Route(NamedTuple):
    """What to do with one ``Data`` (or ``Post``) message."""

    peer: int | None  # forward the message to this connection (None: drop it)
    wait_s: float  # then pause reading from the sender this long (bandwidth cap)
    actions: list[Action]
    #: A Post: the sender's seat, which replaces the member byte before it is forwarded.
    member: int = -1


class Fanout(NamedTuple):
    """What to do with one ``Cast``: offer it to each of these connections (the driver
    skips it for one whose queue is past ``cast_queue_bytes``; see :func:`relay.
    sessions.fan_out`)."""

    peers: tuple[int, ...]
    actions: list[Action]
    wait_s: float = 0.0
