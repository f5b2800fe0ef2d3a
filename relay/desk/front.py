"""The desk's front door on one relay: customers asking, waiting and booking callbacks,
agents' desks seeing the queues — as messages in, actions out.

:class:`DeskFront` is sans-I/O like :class:`relay.sessions.Relay`, which owns it and
hands it the desk's messages. It keeps the :class:`relay.desk.lobby.Lobby` (who
waits where), which connection holds which ticket, the open callback requests and
the blocks (both read from the database by the driver, which also writes what
changes: :class:`BookCallback`, :class:`RecordOutcome`, :class:`CustomerTaken`).
Pairing a taken customer with the agent is the session core's job; this object
only says who was taken.

Rules beyond the lobby's (docs/admin.md, "The help desk"):

* asks and callback requests are limited per client address and per installation
  (``desk_asks_per_minute``): a flood gets a sentence, never a crash;
* a customer who drops keeps their ticket for the lobby's grace period and gets it
  back on a new connection with the ticket's secret (:class:`Back`), never with the
  ticket alone, which agents see;
* every desk connection of an agent is sent the waiting list of the queues the
  agent's team serves and the open callbacks of those queues, when either changes
  (at most once a tick).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from common.errors import ProtocolError
from common.messages import (
    CALLBACK_TICKET,
    MAX_DESK_LIST,
    U32,
    Ask,
    Back,
    Block,
    Blocked,
    CallbackBooked,
    CallbackItem,
    CallbackList,
    CallbackOutcome,
    CallMe,
    DeskRefused,
    Layer,
    ListWindows,
    Outcome,
    PresenceState,
    QueueInfo,
    Queues,
    Standing,
    WaitingItem,
    WaitingList,
    Windows,
    parse,
)
from relay.actions import (
    Action,
    AgentBusy,
    BlockInstallation,
    BookCallback,
    Close,
    ContactAsked,
    ContactLeft,
    DropTicket,
    JoinShared,
    KeepTicket,
    LookUpEarlier,
    RecordOutcome,
    Send,
)
from relay.desk.callbacks import WINDOW_MINUTES, CallbackPlanner, WindowRefusal
from relay.desk.config import Desk
from relay.desk.estimate import shown_wait
from relay.desk.hours import hhmm
from relay.desk.lobby import Joined, Lobby, NotJoined, RemoteAgent, Taken, WhyNot
from relay.desk.lobby import Standing as LobbyStanding
from relay.desk.reasons import error_reason
from relay.desk.routing import Refusal, Waiting
from relay.desk.shared import AWAY_AFTER_S, Snapshot
from relay.limits import RateLimiter
from relay.metrics import Metrics
from relay.store import AgentRecord, BlockRow, CallbackRow

__all__ = ["FLUSH_S", "SYNC_S", "DeskFront"]

#: How often the driver flushes standings after takes and leaves (seconds).
FLUSH_S = 0.1
#: Cluster: how often each node mirrors the cluster's waiting room from Redis. A take
#: on another node reaches this node's customers within SYNC_S + FLUSH_S.
SYNC_S = 0.25
#: The longest waiting list an agent's app is sent (``total`` says how many wait in
#: all): nobody reads further down, and the list goes to every desk on each change.
LIST_SHOWN = 200


@dataclasses.dataclass(slots=True)
class _Asker:
    cid: int | None
    ask: Ask  # as sent: what agents see, and the rejoin secret's hash
    earlier: int = 0
    #: Cluster: when the ticket joined (Redis's clock; None until Redis said), and
    #: whether this node holds it (asked or came back here) or only mirrors it.
    joined: float | None = None
    mine: bool = True


@dataclasses.dataclass(slots=True)
class _DeskConn:
    agent: AgentRecord
    sent: tuple[object, object] | None = None  # the lists it was last sent


def _details(ask: Ask) -> dict[str, str]:
    """What the lobby keeps with a ticket."""
    return {"name": ask.name, "description": ask.description}


def _refused(
    why: str | WhyNot | Refusal | WindowRefusal, *, offer_callback: bool = False, opens: float = 0
) -> DeskRefused:
    """A refusal naming a :class:`common.errors.DeskError` sentence."""
    reason = why if isinstance(why, str) else error_reason(why)
    return DeskRefused(reason, offer_callback, max(0, int(opens)))


class DeskFront:
    """See the module docstring."""

    def __init__(
        self,
        desk: Desk,
        *,
        grace_s: float,
        asks_per_minute: int,
        max_sessions: int = 1,
        monotonic: Callable[[], float],
        wall: Callable[[], float],
        metrics: Metrics | None = None,
    ) -> None:
        self.desk = desk
        self.metrics = metrics if metrics is not None else Metrics()
        self._wall = wall
        self._monotonic = monotonic
        self.lobby = Lobby(desk, grace_s=grace_s, monotonic=monotonic, wall=self._now_dt)
        self.max_sessions = max_sessions
        self.askers: dict[str, _Asker] = {}
        self._ticket_of: dict[int, str] = {}
        self.callbacks: dict[str, CallbackRow] = {}
        self.desks: dict[int, _DeskConn] = {}
        self._asks = RateLimiter(asks_per_minute)
        #: Queues whose places changed since the last :meth:`flush`.
        self.dirty: set[str] = set()
        #: Database work from places given up (see :meth:`take_outbox`).
        self.outbox: list[Action] = []
        #: Cluster: this node's id (None on one relay). The lobby then mirrors the
        #: cluster's waiting room (:meth:`sync`); Redis decides joins and takes.
        self.node: str | None = None
        #: Cluster: handle times learnt here, to publish; callbacks whose customers
        #: wait in the app on other nodes (id -> node).
        self.learnt: list[tuple[str, float]] = []
        self.remote_apps: dict[str, str] = {}
        #: Cluster: the nodes heard from lately (this one included).
        self.alive_nodes: set[str] = set()
        self._offset: tuple[float, float] | None = None  # (ours - Redis's, until when)
        #: Cluster: customers of ours an agent of another node claimed and is coming
        #: for (not to be picked here meanwhile).
        self.reserved: set[str] = set()

    def _no(
        self,
        cid: int,
        why: str | WhyNot | Refusal | WindowRefusal,
        *,
        offer_callback: bool = False,
        opens: float = 0,
    ) -> Send:
        """A refusal to ``cid``, counted by reason for the metrics."""
        return Send(cid, self._counted(_refused(why, offer_callback=offer_callback, opens=opens)))

    def _counted(self, msg: DeskRefused) -> DeskRefused:
        refused = self.metrics.desk_refused_total
        refused[msg.reason] = refused.get(msg.reason, 0) + 1
        return msg

    def set_desk(self, desk: Desk) -> None:
        """The desk file's queues with the changes made at run time laid over them
        (relay/desk/changes.py). Whoever waits keeps their place; their standing, and
        the agents' lists (teams may have changed), go out on the next tick."""
        self.desk = desk
        self.lobby.set_desk(desk)
        self.dirty.update(q.id for q in desk.queues)

    # ------------------------------------------------------------ customers

    def _now_dt(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._wall(), dt.UTC)

    def _limited(self, *keys: str) -> bool:
        now = self._monotonic()
        return not all([self._asks.allow(k, now) for k in keys])

    def ask(self, cid: int, address: str, msg: Ask) -> tuple[list[Action], str | None]:
        """A customer asks for help. Returns what to do and their ticket (None if refused)."""
        if self._limited("ip:" + address, "inst:" + msg.installation):
            return [self._no(cid, "RATE_LIMITED")], None
        if msg.callback:
            return self._await_callback(cid, msg)
        ticket = secrets.token_urlsafe(12)
        got = self.lobby.join(ticket, msg.queue, msg.installation, _details(msg))
        if isinstance(got, NotJoined):
            opens = got.opens_at.timestamp() if got.opens_at is not None else 0
            return [self._no(cid, got.why, offer_callback=got.offer_callback, opens=opens)], None
        assert isinstance(got, Joined)
        self.askers[ticket] = _Asker(cid, msg)
        self._ticket_of[cid] = ticket
        if self.node is not None:  # Redis decides (the whole cluster's queue): joined()
            queue = self.desk.queue(msg.queue)
            assert queue is not None  # the lobby joined it
            join = JoinShared(
                cid, ticket, msg.queue, msg.installation, queue.max_waiting, msg.serialize()
            )
            return [join, LookUpEarlier(ticket, msg.installation)], ticket
        self.metrics.desk_asks_total += 1
        wall = self._wall()
        keep = KeepTicket(ticket, msg.queue, msg.installation, wall, msg.serialize())
        return [
            Send(cid, self._standing(got.standing)),
            LookUpEarlier(ticket, msg.installation),
            keep,
            self._contact(ticket, msg, wall),
        ], ticket

    @staticmethod
    def _contact(ticket: str, msg: Ask, at: float) -> ContactAsked:
        return ContactAsked(
            ticket, msg.queue, msg.installation, msg.name, msg.contact, msg.description, at
        )

    def _await_callback(self, cid: int, msg: Ask) -> tuple[list[Action], str | None]:
        """A customer whose callback was booked "in the app" waits for the call: no
        place in line; the agent sees "app open" and can call in the app."""
        row = self.callbacks.get(msg.callback)
        if (
            row is None
            or row.channel != "app"
            or row.installation != msg.installation
            or row.queue != msg.queue
        ):
            return [self._no(cid, "NO_CALLBACK")], None
        ticket = CALLBACK_TICKET + row.id
        old = self.askers.get(ticket)
        if old is not None and old.cid is not None:
            self._ticket_of.pop(old.cid, None)
        self.askers[ticket] = _Asker(None, msg)
        self._attach(ticket, cid)
        return [Send(cid, Standing(ticket, msg.queue, 0, -1, False))], ticket

    def _attach(self, ticket: str, cid: int) -> None:
        """``cid`` now holds ``ticket`` (a new connection takes over an old one)."""
        asker = self.askers[ticket]
        if asker.cid is not None:
            self._ticket_of.pop(asker.cid, None)
        asker.cid = cid
        self._ticket_of[cid] = ticket

    @staticmethod
    def _standing(s: LobbyStanding) -> Standing:
        wait = -1 if s.shown_min is None else min(U32, s.shown_min)
        return Standing(s.ticket, s.queue, s.position, wait, s.offer_callback)

    def back(self, cid: int, msg: Back) -> tuple[list[Action], str | None]:
        """A customer whose connection dropped is back with their ticket's secret."""
        asker = self.askers.get(msg.ticket)
        proof = hashlib.sha256(msg.secret).digest()
        if asker is None or not hmac.compare_digest(proof, asker.ask.rejoin_hash):
            return [self._no(cid, "LOST_PLACE")], None
        if msg.ticket.startswith(CALLBACK_TICKET):
            self._attach(msg.ticket, cid)
            return [Send(cid, Standing(msg.ticket, asker.ask.queue, 0, -1, False))], msg.ticket
        standing = self.lobby.back(msg.ticket)
        if standing is None:
            self._forget(msg.ticket)
            return [self._no(cid, "LOST_PLACE")], None
        asker.mine = True  # cluster: held here now (perhaps asked on another node)
        self._attach(msg.ticket, cid)
        out: list[Action] = [Send(cid, self._standing(standing))]
        if self.node is not None and asker.joined is not None:
            # Redis learns at once that the customer is here (before they hear it), so
            # an agent on any node is sent here to them.
            out.insert(0, self._rejoin(msg.ticket, asker))
        return out, msg.ticket

    def leave(self, cid: int) -> str | None:
        """The customer left the queue on purpose; the queue they left."""
        ticket = self._ticket_of.get(cid)
        if ticket is None:
            return None
        if ticket.startswith(CALLBACK_TICKET):  # stops waiting in the app; still booked
            self._forget(ticket)
            return None
        gone = self.lobby.leave(ticket)
        self._forget(ticket, "abandoned")
        return gone.queue if gone is not None else None

    def dropped(self, cid: int) -> None:
        """A connection closed: a waiting customer keeps their place for the grace period
        (an agent's desk is :meth:`desk_closed`)."""
        ticket = self._ticket_of.pop(cid, None)
        if ticket is None:
            return
        asker = self.askers.get(ticket)
        if asker is not None and asker.cid == cid:
            asker.cid = None
            if not ticket.startswith(CALLBACK_TICKET):
                self.lobby.away(ticket)

    def _forget(self, ticket: str, ended: str = "") -> None:
        """Let go of a waiting customer's place. ``ended``: how their contact ended
        without a session (``abandoned``, ``blocked``), recorded by the node that held
        them (every node mirrors a cluster's line; only one records)."""
        self.reserved.discard(ticket)
        asker = self.askers.pop(ticket, None)
        if ended and asker is not None and asker.mine and not ticket.startswith(CALLBACK_TICKET):
            self.outbox.append(ContactLeft(ticket, ended, self._wall()))
        if asker is not None and asker.cid is not None:
            self._ticket_of.pop(asker.cid, None)
        if asker is not None and not ticket.startswith(CALLBACK_TICKET):
            self.outbox.append(DropTicket(ticket))

    def take_outbox(self) -> list[Action]:
        """Database work that came of a place given up (taken, left, expired, blocked):
        the driver runs it after whatever it was applying."""
        out, self.outbox = self.outbox, []
        return out

    def restore(self, rows: Iterable[tuple[str, str, str, float, bytes]]) -> int:
        """Places kept by the last run (one node): away until their customers come back
        with their secrets within the grace period. Returns how many."""
        now = self._wall()
        count = 0
        for ticket, queue, installation, joined, raw in rows:
            try:
                ask = parse(raw, Layer.RELAY)
            except ProtocolError:
                ask = None
            if isinstance(ask, Ask) and self.lobby.restore(
                ticket, queue, installation, now - joined, _details(ask)
            ):
                self.askers[ticket] = _Asker(None, ask)
                count += 1
            else:
                self.outbox.append(DropTicket(ticket))
        return count

    def earlier(self, ticket: str, count: int) -> None:
        """The answer to :class:`LookUpEarlier`."""
        asker = self.askers.get(ticket)
        if asker is not None:
            asker.earlier = count

    def ticket_of(self, cid: int) -> str | None:
        return self._ticket_of.get(cid)

    # ------------------------------------------------------------ the cluster's mirror

    def joined(self, cid: int, ticket: str, why: WhyNot | str | None, at: float) -> list[Action]:
        """Redis's answer to :class:`JoinShared`: the customer is in the cluster's queue
        (``why`` None; ``at``: when, on Redis's clock) or refused for ``why``."""
        asker = self.askers.get(ticket)
        if asker is None or asker.cid != cid:
            return []  # gone meanwhile (left, dropped and expired): already let go
        if why is None:
            self.metrics.desk_asks_total += 1
            asker.joined = at
            standing = self.lobby.standing(ticket)
            if standing is None:  # pragma: no cover - the lobby holds it until forgotten
                return []
            self.lobby.mark_told(ticket)
            return [Send(cid, self._standing(standing)), self._contact(ticket, asker.ask, at)]
        self.lobby.leave(ticket)
        self.askers.pop(ticket, None)
        self._ticket_of.pop(cid, None)
        return [self._no(cid, why, offer_callback=why is WhyNot.FULL)]

    def held_here(self) -> list[str]:
        """Tickets whose customers are connected to this node (marked seen in Redis)."""
        return [t for t, a in self.askers.items() if a.cid is not None and a.mine]

    def apps_here(self) -> list[str]:
        """Callback ids whose customers wait in the app on this node."""
        return [
            t.removeprefix(CALLBACK_TICKET)
            for t, a in self.askers.items()
            if t.startswith(CALLBACK_TICKET) and a.cid is not None
        ]

    def agents_here(self) -> list[RemoteAgent]:
        """This node's agents (at a desk here, or in a desk session here), to publish."""
        desks = {d.agent.name for d in self.desks.values()}
        return [dataclasses.replace(a, desk=a.name in desks) for a in self.lobby.local_agents()]

    def sync(self, snap: Snapshot, agents: Iterable[RemoteAgent]) -> list[Action]:
        """Mirror the cluster's waiting room (read from Redis by the driver every
        :data:`SYNC_S`): others' customers join and leave the lobby, everyone's order
        comes from Redis's clock, others' agents count in the estimates. Returns what
        to do: tickets of ours that left the queue with no agent on the way (Redis lost
        them, or the agent never came) go back in at their old place."""
        assert self.node is not None
        mono = self._monotonic()
        # Redis's clock to ours: the smallest difference seen lately (the reply's delay
        # only adds to it), so places do not jitter with the event loop's lag.
        offset = mono - snap.now
        if self._offset is None or offset < self._offset[0] or mono > self._offset[1]:
            self._offset = (offset, mono + 60.0)
        out: list[Action] = []
        seen: set[str] = set()
        for e in snap.entries:
            seen.add(e.ticket)
            since = min(mono, e.joined + self._offset[0])
            asker = self.askers.get(e.ticket)
            if asker is None:
                try:
                    ask = parse(e.ask or b"", Layer.RELAY)
                except ProtocolError:
                    continue  # not ours to mend: its node or the expiry lets it go
                if not isinstance(ask, Ask):
                    continue
                asker = self.askers[e.ticket] = _Asker(None, ask, joined=e.joined, mine=False)
                self.lobby.restore(e.ticket, e.queue, e.installation, mono - since, _details(ask))
                self.dirty.add(e.queue)
                out.append(LookUpEarlier(e.ticket, e.installation))  # the repeat mark here too
            asker.joined = e.joined
            if self.lobby.resort(e.ticket, since):
                self.dirty.add(e.queue)
            if asker.cid is None:  # not connected here: away unless its node sees it
                away = snap.now - e.seen > AWAY_AFTER_S or e.node == self.node
                self.lobby.mark_away(e.ticket, away)
            self.lobby.mark_mirrored(e.ticket, asker.cid is None)
        self.reserved -= seen  # back in line (their agent never came)
        for ticket, asker in list(self.askers.items()):
            if ticket in seen or ticket.startswith(CALLBACK_TICKET) or asker.joined is None:
                continue
            if asker.cid is not None and asker.mine:
                if ticket not in snap.claimed:  # no agent on the way: back in line
                    self.reserved.discard(ticket)
                    out.append(self._rejoin(ticket, asker))
                else:
                    self.reserved.add(ticket)
                continue
            gone = self.lobby.leave(ticket)  # taken or left on another node
            del self.askers[ticket]
            if gone is not None:
                self.dirty.add(gone.queue)
        for queue, samples in snap.handle.items():
            self.lobby.set_handle_times(queue, samples)
        self.lobby.set_remote_agents(agents)
        self.remote_apps = {c: n for c, n in snap.apps.items() if n != self.node}
        self.alive_nodes = {*snap.agents, self.node}
        return out

    def _rejoin(self, ticket: str, asker: _Asker) -> JoinShared:
        """Back in line at the place it had: it counted in the queue's limit when it
        joined, so a full queue does not keep it out now."""
        ask = asker.ask
        return JoinShared(
            -1, ticket, ask.queue, ask.installation, U32, ask.serialize(), asker.joined
        )

    def pick(
        self,
        agent: AgentRecord,
        ticket: str,
        exclude: set[str],
        busy: dict[str, int] | None = None,
    ) -> str | DeskRefused:
        """Cluster: the ticket ``agent`` would take (``ticket``, or the next one), not
        yet taken — the driver claims it in Redis, then :meth:`take` here or on the
        customer's node. ``exclude``: tickets someone else claimed first. ``busy``: the
        agent's desk sessions on each node, as Redis counts them now."""
        self._agent_here(agent)
        if busy is not None:
            elsewhere = sum(n for node, n in busy.items() if node != self.node and n > 0)
            self.lobby.set_elsewhere(agent.name, elsewhere)
        if ticket.startswith(CALLBACK_TICKET):
            cb = ticket.removeprefix(CALLBACK_TICKET)
            if not self._app_open(cb) or cb not in self.callbacks or ticket in exclude:
                return self._counted(_refused("CALLBACK_GONE"))
            return ticket
        got = self.lobby.pick(agent.name, ticket or None, frozenset(exclude | self.reserved))
        if isinstance(got, Refusal):
            return self._counted(_refused(got))
        # Being claimed: another agent of this node pressing at the same moment gets
        # the next customer rather than racing for this one (see :meth:`claimed`).
        self.reserved.add(got.ticket)
        return got.ticket

    def claimed(self, ticket: str) -> None:
        """Cluster: an agent (of any node) has claimed ``ticket`` in Redis: it is out of
        line now for everyone here, without waiting for the next sync — so other
        agents of this node do not all reach for the same customer. A customer of ours
        stays held until their agent arrives."""
        asker = self.askers.get(ticket)
        if asker is None or ticket.startswith(CALLBACK_TICKET):
            return
        if asker.cid is not None and asker.mine:
            self.reserved.add(ticket)
            self.dirty.add(asker.ask.queue)
            return
        gone = self.lobby.leave(ticket)
        del self.askers[ticket]
        if gone is not None:
            self.dirty.add(gone.queue)

    def put_back(self, ticket: str) -> list[Action]:
        """Cluster: a customer of ours claimed for an agent who could not be paired with
        them after all goes back in line at their place (not after the claim expires)."""
        asker = self.askers.get(ticket)
        if asker is None or asker.joined is None or ticket.startswith(CALLBACK_TICKET):
            return []
        self.reserved.discard(ticket)
        return [self._rejoin(ticket, asker)]

    def app_node(self, ticket: str) -> str | None:
        """Cluster: the node whose customer waits in the app for this callback ticket
        (None: here, or nowhere)."""
        asker = self.askers.get(ticket)
        if asker is not None and asker.cid is not None:
            return None
        return self.remote_apps.get(ticket.removeprefix(CALLBACK_TICKET))

    # ------------------------------------------------------------ queues and callbacks

    def queues(self) -> Queues:
        now = self._now_dt()
        out = []
        for q in self.desk.queues:
            is_open = q.hours.is_open(now)
            opens = q.hours.next_opening(now) if not is_open else None
            closes = q.hours.closes_at(now) if is_open and not q.hours.always_open else None
            waiting = self.lobby.waiting(q.id)
            serving = self.lobby.router.serving(q.id, self.lobby.agents())
            # What someone joining now would be told: the place after the last.
            shown = shown_wait(self.lobby.estimate_at(q, len(waiting) + 1))
            wait = -1 if shown is None else min(U32, shown)
            out.append(
                QueueInfo(
                    q.id,
                    q.name,
                    q.name_ko,
                    is_open,
                    int(opens.timestamp()) if opens else 0,
                    int(closes.timestamp()) if closes else 0,
                    len(waiting),
                    wait,
                    min(0xFFFF, len(serving)),
                )
            )
        return Queues(tuple(out))

    def picture(self, limit: int = 200) -> dict[str, Any]:
        """The live desk as the console shows it: each queue (open, waiting, the longest
        wait, agents serving, the wait a newcomer is told), the waiting customers
        (longest first, at most ``limit``), and the agents with their sessions. Times
        are Unix seconds, so the page counts waits on by itself."""
        wall, mono = self._wall(), self._monotonic()
        queues: list[dict[str, Any]] = []
        for info in self.queues().queues:
            longest = min((w.since for w in self.lobby.waiting(info.id)), default=None)
            queues.append(
                {
                    "id": info.id,
                    "name": info.name,
                    "name_ko": info.name_ko,
                    "open": info.open,
                    "waiting": info.waiting,
                    "wait_min": info.wait_min if info.wait_min <= 24 * 60 else -1,
                    "serving": info.serving,
                    "longest_since": None if longest is None else round(wall - (mono - longest)),
                }
            )
        everyone = sorted(
            (w for q in self.desk.queues for w in self.lobby.waiting(q.id)),
            key=lambda w: (w.since, w.ticket),
        )
        people: list[dict[str, Any]] = []
        for w in everyone[:limit]:
            asker = self.askers.get(w.ticket)
            if asker is None:
                continue
            people.append(
                {
                    "queue": w.queue,
                    "name": asker.ask.name,
                    "topic": asker.ask.description[:120],
                    "since": round(wall - (mono - w.since)),
                    "earlier": asker.earlier,
                    "away": asker.cid is None and asker.mine,
                }
            )
        agents = [
            {
                "name": a.name,
                "presence": a.presence.value,
                "sessions": a.sessions,
                "max_sessions": a.max_sessions,
            }
            for a in sorted(self.lobby.agents(), key=lambda a: a.name)
        ]
        return {"queues": queues, "waiting": people, "agents": agents}

    def _planner(self, queue_id: str) -> CallbackPlanner | None:
        queue = self.desk.queue(queue_id)
        if queue is None:
            return None
        staff = len(self.lobby.router.serving(queue_id, self.lobby.agents()))
        return CallbackPlanner(queue.hours, self.lobby.handle_s(queue_id) or queue.handle_s, staff)

    def _booked(self, queue_id: str, but: str = "") -> list[dt.datetime]:
        """Window starts of the queue's open callbacks (``but`` one being moved)."""
        return [
            dt.datetime.fromtimestamp(c.window_start, dt.UTC)
            for c in self.callbacks.values()
            if c.queue == queue_id and c.id != but
        ]

    def windows(self, cid: int, msg: ListWindows) -> list[Action]:
        planner = self._planner(msg.queue)
        if planner is None:
            return [self._no(cid, "UNKNOWN_QUEUE")]
        offer = planner.offer(self._now_dt(), self._booked(msg.queue))
        starts = tuple(int(start.timestamp()) for start, _ in offer)
        return [Send(cid, Windows(msg.queue, starts, WINDOW_MINUTES))]

    def call_me(self, cid: int, address: str, msg: CallMe) -> list[Action]:
        if self._limited("ip:" + address, "inst:" + msg.installation):
            return [self._no(cid, "RATE_LIMITED")]
        planner = self._planner(msg.queue)
        if planner is None:
            return [self._no(cid, "UNKNOWN_QUEUE")]
        if self.lobby.blocked(msg.installation):
            return [self._no(cid, "BLOCKED")]
        if not msg.in_app and len(msg.contact.strip()) < 3:
            return [self._no(cid, "NEED_CONTACT")]
        chosen = dt.datetime.fromtimestamp(msg.window_start, dt.UTC)
        window = planner.check(self._now_dt(), chosen, self._booked(msg.queue))
        if isinstance(window, WindowRefusal):
            return [self._no(cid, window)]
        start, end = window
        return [
            BookCallback(
                cid,
                msg.queue,
                msg.installation,
                msg.name,
                msg.contact,
                "app" if msg.in_app else "phone",
                msg.description,
                (start.timestamp(), end.timestamp()),
                self._wall(),
            )
        ]

    # ------------------------------------------------------------ the public help page

    def help_queues(self) -> list[dict[str, Any]]:
        """Each queue as the public help page shows it: open now, today's hours, the
        wait someone asking now is told, when it opens next, and the callback windows
        it offers (Unix seconds)."""
        now = self._now_dt()
        by_id = {q.id: q for q in self.desk.queues}
        out: list[dict[str, Any]] = []
        for info in self.queues().queues:
            queue = by_id[info.id]
            planner = self._planner(info.id)
            offer = planner.offer(now, self._booked(info.id)) if planner is not None else []
            zone = queue.hours.zone
            today = now.astimezone(zone).date()
            out.append(
                {
                    "id": info.id,
                    "name": info.name,
                    "name_ko": info.name_ko,
                    "open": info.open,
                    "always": queue.hours.always_open,
                    "today": [(hhmm(a), hhmm(b)) for a, b in queue.hours.spans_on(today)],
                    "zone": str(zone),
                    "wait_min": info.wait_min,
                    "opens_at": info.opens_at,
                    "windows": [(w.timestamp(), e.timestamp()) for w, e in offer],
                }
            )
        return out

    def help_request(
        self, address: str, queue_id: str, contact: str, window_start: float | None
    ) -> tuple[float, float] | str:
        """Someone asks from the public help page to be called back: the window (the
        soonest offered when ``window_start`` is None), or a refusal's reason."""
        if self._limited("ip:" + address, "contact:" + contact.strip().lower()):
            return "RATE_LIMITED"
        planner = self._planner(queue_id)
        if planner is None:
            return "UNKNOWN_QUEUE"
        if len(contact.strip()) < 3:
            return "NEED_CONTACT"
        now, booked = self._now_dt(), self._booked(queue_id)
        if window_start is None:
            offer = planner.offer(now, booked)
            if not offer:
                return "WINDOW_FULL"
            start, end = offer[0]
            return start.timestamp(), end.timestamp()
        got = planner.check(now, dt.datetime.fromtimestamp(window_start, dt.UTC), booked)
        if isinstance(got, WindowRefusal):
            return error_reason(got)
        return got[0].timestamp(), got[1].timestamp()

    def help_booked(self, row: CallbackRow) -> None:
        """A callback asked for on the help page is in the database: agents see it."""
        self.callbacks[row.id] = row

    def booked(self, cid: int, row: CallbackRow | None, why: str = "") -> list[Action]:
        """The answer to :class:`BookCallback`: the row kept, or None and a sentence code."""
        if row is None:
            return [self._no(cid, why or "UNAVAILABLE")]
        self.callbacks[row.id] = row
        return [
            Send(cid, CallbackBooked(row.id, int(row.window_start), int(row.window_end))),
        ]

    def outcome(self, cid: int, agent: AgentRecord, msg: CallbackOutcome) -> list[Action]:
        row = self.callbacks.get(msg.id)
        if row is None:
            return [self._no(cid, "CALLBACK_GONE")]
        window = None
        if msg.outcome is Outcome.RESCHEDULED:
            planner = self._planner(row.queue)
            if planner is None:  # the queue left the desk file since it was booked
                return [self._no(cid, "UNKNOWN_QUEUE")]
            chosen = dt.datetime.fromtimestamp(msg.window_start, dt.UTC)
            got = planner.check(self._now_dt(), chosen, self._booked(row.queue, but=row.id))
            if isinstance(got, WindowRefusal):
                return [self._no(cid, got)]
            window = (got[0].timestamp(), got[1].timestamp())
        outcome = msg.outcome.name.lower()  # the store's words: done, no_answer, ...
        return [RecordOutcome(cid, agent.name, row.id, outcome, window, msg.note)]

    def recorded(self, cid: int, row: CallbackRow | None, why: str = "") -> list[Action]:
        """The answer to :class:`RecordOutcome`."""
        if row is None:
            return [self._no(cid, why or "CALLBACK_GONE")]
        if row.state == "open":
            self.callbacks[row.id] = row
        else:
            self.callbacks.pop(row.id, None)
            self._forget(CALLBACK_TICKET + row.id)  # an app waiting for it: not any more
        return []

    def set_callbacks(self, rows: Iterable[CallbackRow]) -> None:
        """The open callback requests, as the database has them (at start, then now and
        then: another node or the CLI may have changed them)."""
        self.callbacks = {r.id: r for r in rows if r.state == "open"}
        for ticket in [t for t in self.askers if t.startswith(CALLBACK_TICKET)]:
            if ticket.removeprefix(CALLBACK_TICKET) not in self.callbacks:
                self._forget(ticket)

    def block(
        self, cid: int, agent: AgentRecord, msg: Block, installation: str | None = None
    ) -> list[Action]:
        """A supervisor blocks a customer from the queues: the one waiting with
        ``msg.ticket`` (their desk's list), or ``installation`` (their session's
        customer). Kept first; :meth:`blocked` applies it."""
        if not agent.supervises:
            return [self._no(cid, "NOT_SUPERVISOR")]
        if installation is None:
            asker = self.askers.get(msg.ticket)
            if asker is None or msg.ticket.startswith(CALLBACK_TICKET):
                return [self._no(cid, "GONE")]
            installation = asker.ask.installation
        now = self._wall()
        until = now + msg.minutes * 60
        return [BlockInstallation(cid, installation, until, agent.name, msg.reason, now)]

    def blocked(self, action: BlockInstallation, kept: bool) -> list[Action]:
        """The block is kept (or the database did not answer): in force here at once —
        a customer of this installation waiting here is told and let go — and the
        supervisor is told until when."""
        if not kept:
            return [self._no(action.conn, "UNAVAILABLE")]
        until = dt.datetime.fromtimestamp(action.until, dt.UTC)
        ticket = self.lobby.ticket_of(action.installation)
        self.lobby.block(action.installation, until, action.actor, action.reason)
        out: list[Action] = []
        asker = self.askers.get(ticket) if ticket is not None else None
        if ticket is not None and asker is not None:
            if asker.cid is not None:  # waiting here: told, not left waiting for nobody
                out += [self._no(asker.cid, "BLOCKED"), Close(asker.cid, 1000, "blocked")]
            self.moved(asker.ask.queue)
            self._forget(ticket, "blocked")
        return [*out, Send(action.conn, Blocked(int(action.until)))]

    def set_blocks(self, rows: Iterable[BlockRow]) -> None:
        """Blocks in force, as the database has them (supervisors set them with the CLI)."""
        current = {r.installation: r for r in rows}
        for b in list(self.lobby.blocks()):
            if b.installation not in current:
                self.lobby.unblock(b.installation)
        for r in current.values():
            until = dt.datetime.fromtimestamp(r.until, dt.UTC)
            known = self.lobby.blocked(r.installation)
            if known is None or known.until != until:
                ticket = self.lobby.ticket_of(r.installation)
                self.lobby.block(r.installation, until, r.actor, r.reason)
                if ticket is not None:
                    asker = self.askers.get(ticket)
                    if asker is not None and asker.cid is not None:
                        # Waiting here: told in a sentence, not left waiting for nobody.
                        self.outbox.append(self._no(asker.cid, "BLOCKED"))
                        self.outbox.append(Close(asker.cid, 1000, "blocked"))
                    self._forget(ticket, "blocked")

    # ------------------------------------------------------------ agents

    def desk_opened(self, cid: int, agent: AgentRecord, state: PresenceState) -> None:
        """An agent's desk connection said how available they are."""
        self.desks.setdefault(cid, _DeskConn(agent))
        self._agent_here(agent)
        self.lobby.set_away(agent.name, state is not PresenceState.AVAILABLE)

    def _agent_here(self, agent: AgentRecord) -> None:
        if self.lobby.agent(agent.name) is None:
            teams = [agent.team] if agent.team else []
            self.lobby.agent_signed_in(agent.name, teams, self.max_sessions)

    def desk_closed(self, cid: int, in_session: Callable[[str], bool]) -> None:
        """A desk connection closed: an agent with no desk and no desk session left is
        signed out of the lobby (no longer counted as serving)."""
        gone = self.desks.pop(cid, None)
        if gone is None:
            return
        name = gone.agent.name
        if not any(d.agent.name == name for d in self.desks.values()) and not in_session(name):
            self.lobby.agent_signed_out(name)

    def take(
        self, agent: AgentRecord, ticket: str, *, claimed: bool = False
    ) -> tuple[Taken, _Asker] | DeskRefused:
        """An agent takes ``ticket`` (or the next customer, for an empty ticket).
        ``claimed``: the cluster's Redis gave it to them after the routing rules said
        yes on the agent's own node (whose view of the agent is the current one)."""
        self._agent_here(agent)
        if ticket.startswith(CALLBACK_TICKET):
            return self._call_in_app(agent, ticket, claimed=claimed)
        if claimed:
            got = self.lobby.take_claimed(agent.name, ticket)
        elif ticket:
            got = self.lobby.take(agent.name, ticket)
        else:
            got = self.lobby.take_next(agent.name)
        if isinstance(got, Refusal):
            return self._counted(_refused(got))
        asker = self.askers.get(got.waiting.ticket)
        if asker is None or asker.cid is None:  # pragma: no cover - the lobby passes them over
            return self._counted(_refused(Refusal.GONE))
        self._forget(got.waiting.ticket)
        self._taken(agent.name)
        return got, asker

    def _taken(self, agent: str) -> None:
        self.metrics.desk_taken_total += 1
        if self.node is not None:
            self.outbox.append(AgentBusy(agent, 1))

    def _call_in_app(
        self, agent: AgentRecord, ticket: str, *, claimed: bool = False
    ) -> tuple[Taken, _Asker] | DeskRefused:
        asker = self.askers.get(ticket)
        row = self.callbacks.get(ticket.removeprefix(CALLBACK_TICKET))
        if asker is None or asker.cid is None or row is None:
            return self._counted(_refused("CALLBACK_GONE"))
        waiting = Waiting(ticket, row.queue, self._monotonic(), row.installation)
        why = self.lobby.take_callback(agent.name, waiting, claimed=claimed)
        if why is not None:
            return self._counted(_refused(why))
        self._forget(ticket)
        self._taken(agent.name)
        return Taken(waiting, 0.0, _details(asker.ask)), asker

    def session_ended(self, agent: str, queue: str, handle_s: float | None) -> None:
        """A desk session ended after ``handle_s`` (None: it never got going, so it
        teaches nothing about handle times); the agent is free again."""
        self.lobby.session_ended(agent, queue, handle_s)
        if self.node is not None:
            self.outbox.append(AgentBusy(agent, -1))
            if handle_s is not None:
                self.learnt.append((queue, handle_s))
        record = self.lobby.agent(agent)
        if (
            self.node is not None
            and record is not None
            and not any(d.agent.name == agent for d in self.desks.values())
            and record.sessions == 0
        ):
            # Came here only to take a customer of this node (their desk is on
            # another): not counted here once done, or they would count twice.
            self.lobby.agent_signed_out(agent)

    # ------------------------------------------------------------ time

    def moved(self, queue_id: str | None) -> None:
        """Places in this queue changed (a take, a leave): :meth:`flush` tells them."""
        if queue_id is not None:
            self.dirty.add(queue_id)

    def flush(self) -> list[Action]:
        """The standings of queues whose places changed since the last flush. The
        driver calls it every :data:`FLUSH_S`: a burst of takes becomes one message per
        customer, and nobody hears of a move more than that late (plus the send)."""
        dirty, self.dirty = self.dirty, set()
        return [a for q in sorted(dirty) for a in self.standings(q)]

    def standings(self, queue_id: str | None = None) -> list[Action]:
        """Tell the customers (of one queue) whose place or wait changed."""
        out: list[Action] = []
        for s in self.lobby.changed_standings(queue_id):
            asker = self.askers.get(s.ticket)
            if asker is not None and asker.cid is not None:
                out.append(Send(asker.cid, self._standing(s)))
        return out

    def tick(self) -> list[Action]:
        """Let go of places held too long; tell customers whose standing changed, and
        desks whose lists changed (those at most once a tick: agents read them, and a
        list goes to every desk)."""
        for w in self.lobby.expire():
            self._forget(w.ticket, "abandoned")
        self.metrics.desk_waiting = {q.id: len(self.lobby.waiting(q.id)) for q in self.desk.queues}
        self.dirty.clear()
        out = self.standings()
        by_team: dict[str, tuple[WaitingList, CallbackList]] = {}
        for cid, d in self.desks.items():
            team = d.agent.team
            if team not in by_team:  # one list per team: the same object to each desk
                by_team[team] = self._lists(d.agent)
            waiting, calls = by_team[team]
            # Waited seconds change every second (the app counts on by itself): a list
            # is news when its people, their marks or the callbacks change.
            key = (tuple((i.ticket, i.earlier, i.away) for i in waiting.items), calls)
            if key != d.sent:
                d.sent = key
                out += [Send(cid, waiting), Send(cid, calls)]
        return out

    def _app_open(self, callback_id: str) -> bool:
        asker = self.askers.get(CALLBACK_TICKET + callback_id)
        return (asker is not None and asker.cid is not None) or callback_id in self.remote_apps

    def _lists(self, agent: AgentRecord) -> tuple[WaitingList, CallbackList]:
        teams = {agent.team} if agent.team else set()
        queues = [q.id for q in self.desk.queues if q.teams & teams]
        now = self._monotonic()
        # Across the agent's queues, longest waiting first; the first LIST_SHOWN of them.
        waiting = sorted(
            (w for queue_id in queues for w in self.lobby.waiting(queue_id)),
            key=lambda w: (w.since, w.ticket),
        )
        shown = [(w, a) for w in waiting if (a := self.askers.get(w.ticket)) is not None]
        items = [
            WaitingItem(
                w.ticket,
                w.queue,
                min(U32, int(now - w.since)),
                asker.ask.name,
                asker.ask.description[:120],
                asker.earlier,
                asker.cid is None,
            )
            for w, asker in shown[:LIST_SHOWN]
        ]
        total = len(waiting)
        rows = sorted(
            (c for c in self.callbacks.values() if c.queue in queues),
            key=lambda c: (c.window_start, c.asked, c.id),
        )[:MAX_DESK_LIST]
        calls = tuple(
            CallbackItem(
                c.id,
                c.queue,
                int(c.window_start),
                int(c.window_end),
                c.name[:64] or "?",
                c.contact[:64],
                c.description[:500] or "-",
                c.channel == "app",
                int(c.asked),
                self._app_open(c.id),
            )
            for c in rows
        )
        return WaitingList(tuple(items), min(U32, total)), CallbackList(calls)
