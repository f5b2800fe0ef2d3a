"""The waiting room: customers in queues, agents taking them, positions and estimates.

A :class:`Lobby` is the desk's state on one relay, with no sockets, threads or
database: the driver tells it what happened (a customer asked for help, left, lost
their connection, came back; an agent's presence changed; an agent took someone;
a session ended) and reads what to tell people (:meth:`Lobby.changed_standings`:
the customers whose position or shown wait changed since they were last told).

Rules (docs/admin.md says the same to admins):

* A customer joins one queue of the desk file, and only while it is open, not
  full (``max_waiting``, counting those who are away) and their installation is
  not blocked; one ticket per installation at a time. A refusal says why and,
  but for a block, offers a callback (off-hours with when the desk opens).
* Joining is also offered a callback when nobody serves the queue right now or
  the estimate is above ``callback_offer_above_s``.
* A waiting customer whose connection drops keeps their place for ``grace_s``
  (:meth:`away` / :meth:`back`); :meth:`expire` lets the place go after that.
  Meanwhile agents pass them over (nobody could answer) and take the next.
* An agent takes the longest-waiting customer of their queues, or a chosen one,
  through :class:`relay.desk.routing.Router`; a taken ticket leaves the lobby at
  once, so it can never be taken twice. While in as many sessions as allowed an
  agent counts as busy; when a session ends its handle time is learnt
  (:class:`relay.desk.estimate.HandleTimes`).
* A supervisor's block of an installation lasts until the wall-clock time given.

The lobby reads the time through ``monotonic`` (waiting times, grace) and
``wall`` (opening hours, blocks) callables, so tests drive it with a fake clock.
In a cluster the same rules run with the tables in Redis (docs/cluster.md); this
object is the single-node coordinator.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable

from relay.desk.config import Desk, Queue
from relay.desk.estimate import AgentLoad, HandleTimes, estimate_waits, shown_wait
from relay.desk.routing import Agent, Presence, Refusal, Router, Waiting

__all__ = [
    "Block",
    "Joined",
    "Lobby",
    "NotJoined",
    "Standing",
    "Taken",
    "WhyNot",
]


class WhyNot(enum.Enum):
    """Why a customer could not join a queue (each has a sentence in the app)."""

    UNKNOWN_QUEUE = "unknown_queue"
    CLOSED = "closed"
    FULL = "full"
    BLOCKED = "blocked"
    ALREADY_WAITING = "already_waiting"


@dataclasses.dataclass(frozen=True, slots=True)
class Standing:
    """Where a waiting customer stands: 1 = next; the estimate in seconds and as shown
    (minutes), both None when nobody serves the queue now."""

    ticket: str
    queue: str
    position: int
    estimate_s: float | None
    shown_min: int | None
    offer_callback: bool

    @property
    def heard(self) -> tuple[int, int | None, bool]:
        """What the customer hears of it (a change in seconds alone is not news)."""
        return (self.position, self.shown_min, self.offer_callback)


@dataclasses.dataclass(frozen=True, slots=True)
class Joined:
    standing: Standing


@dataclasses.dataclass(frozen=True, slots=True)
class NotJoined:
    why: WhyNot
    offer_callback: bool
    opens_at: dt.datetime | None = None  # when closed: the next opening, if within a year


@dataclasses.dataclass(frozen=True, slots=True)
class Taken:
    waiting: Waiting
    waited_s: float
    details: dict[str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    installation: str
    until: dt.datetime
    by: str
    reason: str


@dataclasses.dataclass(slots=True)
class _Ticket:
    waiting: Waiting
    details: dict[str, str]
    away_since: float | None = None
    told: tuple[int, int | None, bool] | None = None  # what the customer last heard
    #: Cluster: another node's customer, mirrored here (nobody here to tell).
    mirrored: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class RemoteAgent:
    """An agent as one node of a cluster publishes them (relay/desk/shared.py): their
    teams, whether they chose away, how long each of their sessions there has run,
    and whether their desk (presence) is on that node."""

    name: str
    teams: tuple[str, ...]
    max_sessions: int
    away: bool
    busy_s: tuple[float, ...]
    desk: bool


@dataclasses.dataclass(slots=True)
class _AgentRecord:
    name: str
    teams: frozenset[str]
    max_sessions: int
    session_starts: list[float]  # monotonic start of each session in progress
    away_by_choice: bool = False
    #: Cluster: starts of their sessions on other nodes (monotonic, from the mirror).
    elsewhere: tuple[float, ...] = ()

    @property
    def starts(self) -> list[float]:
        return [*self.session_starts, *self.elsewhere]

    @property
    def agent(self) -> Agent:
        """The agent as the routing rules see them: busy while in as many sessions as
        allowed, away by their own choice (or when idle)."""
        sessions = len(self.session_starts) + len(self.elsewhere)
        if self.away_by_choice:
            presence = Presence.AWAY
        elif sessions >= self.max_sessions:
            presence = Presence.BUSY
        else:
            presence = Presence.AVAILABLE
        return Agent(self.name, self.teams, presence, sessions, self.max_sessions)


class Lobby:
    """See the module docstring."""

    def __init__(
        self,
        desk: Desk,
        *,
        grace_s: float = 60.0,
        monotonic: Callable[[], float],
        wall: Callable[[], dt.datetime],
    ) -> None:
        self.desk = desk
        self.grace_s = grace_s
        self._monotonic = monotonic
        self._wall = wall
        self.router = Router({q.id: q.teams for q in desk.queues})
        self._tickets: dict[str, _Ticket] = {}
        self._by_installation: dict[str, str] = {}
        self._agents: dict[str, _AgentRecord] = {}
        #: Cluster: agents whose desks are on other nodes (counted in the estimates).
        self._remote: dict[str, _AgentRecord] = {}
        self._handle = {q.id: HandleTimes(q.handle_s) for q in desk.queues}
        self._blocks: dict[str, Block] = {}

    def set_desk(self, desk: Desk) -> None:
        """The same queues with what was changed at run time (hours, limits, teams;
        relay/desk/changes.py): places, agents and handle times stay as they are."""
        assert [q.id for q in desk.queues] == [q.id for q in self.desk.queues]
        self.desk = desk
        self.router = Router({q.id: q.teams for q in desk.queues})

    # ------------------------------------------------------------ customers

    def join(
        self, ticket: str, queue_id: str, installation: str, details: dict[str, str]
    ) -> Joined | NotJoined:
        queue = self.desk.queue(queue_id)
        if queue is None:
            return NotJoined(WhyNot.UNKNOWN_QUEUE, offer_callback=False)
        if self.blocked(installation):
            return NotJoined(WhyNot.BLOCKED, offer_callback=False)
        if installation in self._by_installation:
            return NotJoined(WhyNot.ALREADY_WAITING, offer_callback=False)
        now = self._wall()
        if not queue.hours.is_open(now):
            return NotJoined(WhyNot.CLOSED, True, queue.hours.next_opening(now))
        if sum(1 for t in self._tickets.values() if t.waiting.queue == queue.id) >= (
            queue.max_waiting
        ):
            return NotJoined(WhyNot.FULL, offer_callback=True)
        waiting = Waiting(ticket, queue.id, self._monotonic(), installation)
        self._tickets[ticket] = _Ticket(waiting, dict(details))
        self._by_installation[installation] = ticket
        # The newest is last in line: its standing without ordering the whole queue
        # (a burst of asks stays linear, not quadratic).
        position = sum(1 for t in self._tickets.values() if t.waiting.queue == queue.id)
        estimate = self.estimate_at(queue, position)
        offer = estimate is None or estimate > self.desk.callback_offer_above_s
        standing = Standing(ticket, queue.id, position, estimate, shown_wait(estimate), offer)
        self._tickets[ticket].told = standing.heard
        return Joined(standing)

    def restore(
        self,
        ticket: str,
        queue_id: str,
        installation: str,
        waited_s: float,
        details: dict[str, str],
    ) -> bool:
        """A place kept over a restart: back in line by when it joined, away until the
        customer reconnects (the grace period counts from now). False if its queue is
        gone from the desk file or the installation waits already."""
        if self.desk.queue(queue_id) is None or installation in self._by_installation:
            return False
        now = self._monotonic()
        waiting = Waiting(ticket, queue_id, now - max(0.0, waited_s), installation)
        self._tickets[ticket] = _Ticket(waiting, dict(details), away_since=now)
        self._by_installation[installation] = ticket
        return True

    def leave(self, ticket: str) -> Waiting | None:
        """The customer left the queue (or switched to a callback)."""
        t = self._tickets.pop(ticket, None)
        if t is None:
            return None
        self._by_installation.pop(t.waiting.installation, None)
        return t.waiting

    def away(self, ticket: str) -> None:
        """The customer's connection dropped: keep the place for ``grace_s``."""
        t = self._tickets.get(ticket)
        if t is not None and t.away_since is None:
            t.away_since = self._monotonic()

    def back(self, ticket: str) -> Standing | None:
        """The customer is connected again; None if the place was given up meanwhile."""
        t = self._tickets.get(ticket)
        if t is None:
            return None
        t.away_since = None
        t.told = None  # tell them where they stand now
        return self.standing(ticket)

    def expire(self) -> list[Waiting]:
        """Let go of the places of customers away for longer than ``grace_s``."""
        now = self._monotonic()
        gone = [
            k
            for k, t in self._tickets.items()
            if t.away_since is not None and now - t.away_since > self.grace_s
        ]
        return [w for k in gone if (w := self.leave(k)) is not None]

    def waiting(self, queue_id: str | None = None) -> list[Waiting]:
        """Waiting customers (of one queue), longest waiting first."""
        ws = [t.waiting for t in self._tickets.values()]
        if queue_id is not None:
            ws = [w for w in ws if w.queue == queue_id]
        return sorted(ws, key=lambda w: (w.since, w.ticket))

    def details(self, ticket: str) -> dict[str, str] | None:
        t = self._tickets.get(ticket)
        return None if t is None else dict(t.details)

    def __len__(self) -> int:
        return len(self._tickets)

    # ------------------------------------------------------------ standings

    def standing(self, ticket: str) -> Standing | None:
        t = self._tickets.get(ticket)
        if t is None:
            return None
        for s in self._queue_standings(t.waiting.queue):
            if s.ticket == ticket:
                return s
        return None  # pragma: no cover - a ticket is always in its queue

    def changed_standings(self, queue_id: str | None = None) -> list[Standing]:
        """Standings of connected customers (of one queue) that differ from what they
        were last told (position, shown wait or the callback offer); marks them told."""
        out = []
        for queue in self.desk.queues:
            if queue_id is not None and queue.id != queue_id:
                continue
            for s in self._queue_standings(queue.id, told_only=True):
                t = self._tickets[s.ticket]
                if t.away_since is None and t.told != s.heard:
                    t.told = s.heard
                    out.append(s)
        return out

    def _queue_standings(self, queue_id: str, *, told_only: bool = False) -> list[Standing]:
        """Everyone's standing in the queue (``told_only``: only of customers who can be
        told here, not those another node of a cluster holds)."""
        queue = self.desk.queue(queue_id)
        assert queue is not None
        ws = self.waiting(queue_id)
        if not ws:
            return []
        waits = estimate_waits(len(ws), self.loads(queue), self._handle[queue.id].typical_s)
        out = []
        for i, w in enumerate(ws):
            if told_only and self._tickets[w.ticket].mirrored:
                continue
            estimate = None if waits is None else round(waits[i], 1)
            offer = estimate is None or estimate > self.desk.callback_offer_above_s
            out.append(Standing(w.ticket, queue.id, i + 1, estimate, shown_wait(estimate), offer))
        return out

    def estimate_at(self, queue: Queue, position: int) -> float | None:
        """The estimated wait (seconds) of ``position`` in ``queue``; None when nobody
        serves it now."""
        waits = estimate_waits(position, self.loads(queue), self._handle[queue.id].typical_s)
        return None if waits is None else round(waits[-1], 1)

    def loads(self, queue: Queue) -> list[AgentLoad]:
        now = self._monotonic()
        loads = []
        for a in self.router.serving(queue.id, self.agents()):
            record = self._agents.get(a.name) or self._remote[a.name]
            free = a.sessions < a.max_sessions
            busy_for = None if free else now - min(record.starts)
            loads.append(AgentLoad(busy_for, max(1, len(self.router.queues_of(a)))))
        return loads

    # ------------------------------------------------------------ agents

    def agent_signed_in(self, name: str, teams: Iterable[str], max_sessions: int = 1) -> Agent:
        record = self._agents.get(name)
        starts = record.session_starts if record is not None else []
        self._agents[name] = _AgentRecord(name, frozenset(teams), max_sessions, starts)
        return self._agents[name].agent

    def agent_signed_out(self, name: str) -> None:
        self._agents.pop(name, None)

    def set_away(self, name: str, away: bool) -> Agent | None:
        """The agent chose away (or was idle), or came back to available."""
        record = self._agents.get(name)
        if record is None:
            return None
        record.away_by_choice = away
        return record.agent

    def agent(self, name: str) -> Agent | None:
        record = self._agents.get(name)
        return None if record is None else record.agent

    def agents(self) -> list[Agent]:
        """Everyone serving: this node's agents and (cluster) the other nodes'."""
        return [r.agent for r in (*self._agents.values(), *self._remote.values())]

    def local_agents(self) -> list[RemoteAgent]:
        """This node's agents as another node should count them (cluster)."""
        now = self._monotonic()
        return [
            RemoteAgent(
                r.name,
                tuple(sorted(r.teams)),
                r.max_sessions,
                r.away_by_choice,
                tuple(round(now - t, 1) for t in r.session_starts),
                True,
            )
            for r in self._agents.values()
        ]

    def set_elsewhere(self, name: str, sessions: int) -> None:
        """Cluster: ``name`` is in this many desk sessions on other nodes right now (as
        Redis counts them, fresher than the last published agents)."""
        record = self._agents.get(name)
        if record is None:
            return
        now = self._monotonic()
        kept = sorted(record.elsewhere)[:sessions]
        record.elsewhere = tuple(kept) + (now,) * (sessions - len(kept))

    def set_remote_agents(self, agents: Iterable[RemoteAgent]) -> None:
        """Other nodes' agents, as they last published them (cluster). One agent may
        show on several nodes (their desk on one, a session on another): their
        sessions add up, and their presence is their desk's."""
        now = self._monotonic()
        merged: dict[str, _AgentRecord] = {}
        for a in agents:
            starts = tuple(now - b for b in a.busy_s)
            record = merged.get(a.name)
            if record is None:
                merged[a.name] = record = _AgentRecord(
                    a.name, frozenset(a.teams), a.max_sessions, [], a.away
                )
            elif a.desk:
                record.away_by_choice = a.away
            record.elsewhere += starts
        for name, record in self._agents.items():
            other = merged.pop(name, None)
            record.elsewhere = other.elsewhere if other is not None else ()
        self._remote = merged

    def take_next(self, name: str) -> Taken | Refusal:
        agent = self.agent(name)
        if agent is None:
            return Refusal.NOT_AVAILABLE
        here = [t.waiting for t in self._tickets.values() if t.away_since is None]
        pick = self.router.take_next(agent, here, self._blocked_set())
        if pick is None:  # may not take anyone now, or nobody is waiting (GONE)
            return self.router.refusal(agent, None) or Refusal.GONE
        return self._take(name, pick)

    def take(self, name: str, ticket: str) -> Taken | Refusal:
        agent = self.agent(name)
        if agent is None:
            return Refusal.NOT_AVAILABLE
        t = self._tickets.get(ticket)
        if t is not None and t.away_since is not None:
            t = None  # their connection dropped: they keep their place, but nobody can answer
        why = self.router.refusal(agent, None if t is None else t.waiting, self._blocked_set())
        if why is not None or t is None:
            return why or Refusal.GONE
        return self._take(name, t.waiting)

    def pick(self, name: str, ticket: str | None, exclude: frozenset[str]) -> Waiting | Refusal:
        """Whom ``name`` would take (``ticket``, or the next), leaving them in line: in a
        cluster the driver claims them in Redis first. ``exclude``: claimed by others."""
        agent = self.agent(name)
        if agent is None:
            return Refusal.NOT_AVAILABLE
        if ticket is None:
            here = [
                t.waiting
                for k, t in self._tickets.items()
                if t.away_since is None and k not in exclude
            ]
            pick = self.router.take_next(agent, here, self._blocked_set())
            return pick if pick is not None else self.router.refusal(agent, None) or Refusal.GONE
        t = self._tickets.get(ticket)
        if t is not None and (t.away_since is not None or ticket in exclude):
            t = None
        why = self.router.refusal(agent, None if t is None else t.waiting, self._blocked_set())
        if why is not None or t is None:
            return why or Refusal.GONE
        return t.waiting

    def mark_mirrored(self, ticket: str, mirrored: bool) -> None:
        """Cluster: whether this ticket's customer is held by another node."""
        t = self._tickets.get(ticket)
        if t is not None:
            t.mirrored = mirrored
            if mirrored:
                t.told = None  # if they come here, tell them where they stand

    def mark_away(self, ticket: str, away: bool) -> None:
        """Cluster: whether a mirrored customer can answer now (their node sees them)."""
        t = self._tickets.get(ticket)
        if t is None:
            return
        if not away:
            t.away_since = None
        elif t.away_since is None:
            t.away_since = self._monotonic()

    def resort(self, ticket: str, since: float) -> bool:
        """Cluster: put a ticket where Redis's clock says it joined, so every node orders
        the line alike; True if it moved."""
        t = self._tickets.get(ticket)
        if t is None or t.waiting.since == since:
            return False
        t.waiting = dataclasses.replace(t.waiting, since=since)
        return True

    def mark_told(self, ticket: str) -> None:
        """The customer was just told their standing (cluster: after Redis said yes)."""
        s = self.standing(ticket)
        t = self._tickets.get(ticket)
        if s is not None and t is not None:
            t.told = s.heard

    def set_handle_times(self, queue_id: str, samples: Iterable[float]) -> None:
        """Cluster: the queue's recent handle times as the whole cluster learnt them."""
        h = self._handle.get(queue_id)
        if h is not None:
            self._handle[queue_id] = HandleTimes(h.prior_s, list(samples)[::-1])

    def _take(self, name: str, waiting: Waiting) -> Taken:
        details = self._tickets[waiting.ticket].details
        self.leave(waiting.ticket)
        now = self._monotonic()
        self._agents[name].session_starts.append(now)
        return Taken(waiting, now - waiting.since, dict(details))

    def take_claimed(self, name: str, ticket: str) -> Taken | Refusal:
        """Cluster: ``name`` takes a customer that Redis gave them after the routing
        rules said yes on their own node; here only whether the customer can answer."""
        t = self._tickets.get(ticket)
        if t is None or t.away_since is not None or name not in self._agents:
            return Refusal.GONE
        return self._take(name, t.waiting)

    def take_callback(
        self, name: str, waiting: Waiting, *, claimed: bool = False
    ) -> Refusal | None:
        """An agent calls back a customer whose app waits (not a queue place): the same
        rules as taking from the queue (``claimed``: checked on the agent's own node);
        on success the agent is in a session."""
        agent = self.agent(name)
        if agent is None:
            return Refusal.NOT_AVAILABLE
        why = None if claimed else self.router.refusal(agent, waiting, self._blocked_set())
        if why is None:
            self._agents[name].session_starts.append(self._monotonic())
        return why

    def session_ended(self, name: str, queue_id: str, handle_s: float | None) -> None:
        """An agent's desk session ended after ``handle_s`` (None: it never started, so
        nothing to learn): learn it, free the agent."""
        if queue_id in self._handle and handle_s is not None:
            self._handle[queue_id].add(handle_s)
        record = self._agents.get(name)
        if record is not None and record.session_starts:
            record.session_starts.pop(0)

    def handle_s(self, queue_id: str) -> float | None:
        h = self._handle.get(queue_id)
        return None if h is None else h.typical_s

    # ------------------------------------------------------------ blocks

    def block(self, installation: str, until: dt.datetime, by: str, reason: str) -> Block:
        """Keep an installation out of the queues until ``until``; it leaves its queue."""
        b = Block(installation, until, by, reason)
        self._blocks[installation] = b
        ticket = self._by_installation.get(installation)
        if ticket is not None:
            self.leave(ticket)
        return b

    def blocks(self) -> list[Block]:
        """Blocks in force now."""
        return [b for i in list(self._blocks) if (b := self.blocked(i)) is not None]

    def ticket_of(self, installation: str) -> str | None:
        """The ticket this installation waits with, if it waits."""
        return self._by_installation.get(installation)

    def unblock(self, installation: str) -> bool:
        return self._blocks.pop(installation, None) is not None

    def blocked(self, installation: str) -> Block | None:
        b = self._blocks.get(installation)
        if b is not None and b.until <= self._wall():
            del self._blocks[installation]
            return None
        return b

    def _blocked_set(self) -> frozenset[str]:
        return frozenset(i for i in list(self._blocks) if self.blocked(i) is not None)
