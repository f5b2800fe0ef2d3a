"""The waiting room of a relay cluster, in Redis: every node sees every waiting
customer, and a customer is taken exactly once.

The rules stay where they are (:class:`relay.desk.routing.Router` picks whom an
agent takes); Redis only holds the tables and makes the two steps that must not
race atomic, with scripts run on its own clock:

* ``desk:q:<queue>`` — a sorted set of ticket ids by the time they joined;
* ``desk:t:<ticket>`` — a hash: queue, installation, joined, when the customer's
  node last saw them connected (``seen``), details (JSON);
* ``desk:inst:<installation>`` — the installation's waiting ticket (one at a time).

**Join** checks the installation has no ticket and the queue is under its limit,
then writes all three. **Claim** removes a ticket from all three and returns it,
or nothing if it was gone. *Take next* on any node reads the queues
(:meth:`SharedWaitingRoom.waiting`), lets the router pick, and claims that
ticket; if another node's agent claimed it first the claim returns nothing and
the node picks again from a fresh read. So two agents pressing Take next at the
same moment on two nodes never get the same customer, and neither gets nobody
while someone waits (``tests/relay/test_desk_shared.py``). Queues outlive any
node: a node that restarts or dies leaves them in Redis. The node a customer is
connected to marks their ticket seen every tick; one not seen for
:data:`AWAY_AFTER_S` is passed over (nobody could answer), and once the grace
period is over any node lets it go (:meth:`SharedWaitingRoom.expire`), so a
customer whose node died keeps their place if they reconnect within it.

Every key starts with ``assist:`` like the rest of the cluster's (relay/cluster.py).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from relay.cluster import PREFIX, ClusterUnavailableError, redis_down
from relay.desk.estimate import WINDOW as HANDLE_WINDOW
from relay.desk.lobby import WhyNot
from relay.desk.routing import Agent, Router, Waiting

__all__ = ["Claimed", "Entry", "Join", "SharedWaitingRoom", "Snapshot"]

#: A bound on picks that lost their race, against a bug spinning forever. Each lost
#: race is another agent's success, so Take next ends long before: with a customer,
#: or when nobody it may take is waiting.
MAX_TAKE_ATTEMPTS = 1000
#: A ticket not marked seen by its node for this long counts as away (a node marks
#: its connected customers every tick, a second).
AWAY_AFTER_S = 5.0

_JOIN = """
local held = redis.call('GET', KEYS[3])
if held and held ~= ARGV[1] then return {-1, ''} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then  -- in line already: the customer is on this node now
  redis.call('HSET', KEYS[2], 'node', ARGV[6], 'seen', tostring(now))
  redis.call('ZADD', ARGV[9] .. 'desk:seen', now, ARGV[1])
  redis.call('HSET', ARGV[9] .. 'desk:where', ARGV[1], ARGV[6])
  return {1, score}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return {-2, ''} end
local joined = now
if ARGV[8] ~= '' then joined = tonumber(ARGV[8]) end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[2], 'queue', ARGV[4], 'installation', ARGV[2],
           'joined', tostring(joined), 'seen', tostring(now), 'details', ARGV[5],
           'node', ARGV[6], 'ask', ARGV[7])
redis.call('ZADD', KEYS[1], joined, ARGV[1])
redis.call('ZADD', ARGV[9] .. 'desk:seen', now, ARGV[1])
redis.call('HSET', ARGV[9] .. 'desk:where', ARGV[1], ARGV[6])
return {1, tostring(joined)}
"""

# ARGV[3]: who claims it (an agent; '' when the customer's own node lets it go).
# An agent's claim is remembered for ARGV[4] ms, so the customer's node knows an
# agent is on the way (the ticket is gone from the queue, the customer still waits).
_CLAIM = """
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return false end
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
redis.call('ZREM', ARGV[2] .. 'desk:q:' .. h['queue'], ARGV[1])
if redis.call('GET', ARGV[2] .. 'desk:inst:' .. h['installation']) == ARGV[1] then
  redis.call('DEL', ARGV[2] .. 'desk:inst:' .. h['installation'])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[2] .. 'desk:seen', ARGV[1])
redis.call('HDEL', ARGV[2] .. 'desk:where', ARGV[1])
if ARGV[3] ~= '' then
  redis.call('SET', ARGV[2] .. 'desk:claimed:' .. ARGV[1], ARGV[3], 'PX', ARGV[4])
  -- The customer waits on another node than the agent's (ARGV[5]): the agent is sent
  -- there, and this tells that node whom the agent came for.
  if h['node'] and h['node'] ~= '' and h['node'] ~= ARGV[5] then
    redis.call('SET', ARGV[2] .. 'desk:for:' .. ARGV[3], ARGV[1] .. ' ' .. h['node'],
               'PX', ARGV[4])
  end
end
return f
"""

# Each node's agents at their desks (or in desk sessions), for the estimate: one
# hash field per node with the time Redis wrote it; readers skip stale ones.
_PUBLISH = """
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], t[1] .. ' ' .. ARGV[2])
return 1
"""

# The node a customer is connected to marks their tickets seen (every tick); one not
# seen for ARGV[1] seconds is away: passed over by Take next, and let go after the
# grace period by :meth:`SharedWaitingRoom.expire` (ARGV[2] seconds).
_TOUCH = """
local t = redis.call('TIME')
local now = tostring(tonumber(t[1]) + tonumber(t[2]) / 1000000)
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'seen', now, 'node', ARGV[1])
    redis.call('ZADD', ARGV[2] .. 'desk:seen', now, ARGV[i + 2])
    redis.call('HSET', ARGV[2] .. 'desk:where', ARGV[i + 2], ARGV[1])
  end
end
return #KEYS
"""

_EXPIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local gone = {}
for _, ticket in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[2] .. 'desk:t:' .. ticket
  local seen = tonumber(redis.call('HGET', key, 'seen') or '0')
  if now - seen > tonumber(ARGV[1]) then
    local inst = redis.call('HGET', key, 'installation')
    redis.call('ZREM', KEYS[1], ticket)
    if inst and redis.call('GET', ARGV[2] .. 'desk:inst:' .. inst) == ticket then
      redis.call('DEL', ARGV[2] .. 'desk:inst:' .. inst)
    end
    redis.call('DEL', key)
    redis.call('ZREM', ARGV[2] .. 'desk:seen', ticket)
    redis.call('HDEL', ARGV[2] .. 'desk:where', ticket)
    table.insert(gone, ticket)
  end
end
return gone
"""

_NOW = """
local t = redis.call('TIME')
return tostring(tonumber(t[1]) + tonumber(t[2]) / 1000000)
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _queue_key(queue: str) -> str:
    return f"{PREFIX}desk:q:{queue}"


def _ticket_key(ticket: str) -> str:
    return f"{PREFIX}desk:t:{ticket}"


def _installation_key(installation: str) -> str:
    return f"{PREFIX}desk:inst:{installation}"


def _claimed_key(ticket: str) -> str:
    return f"{PREFIX}desk:claimed:{ticket}"


def _for_key(agent: str) -> str:
    return f"{PREFIX}desk:for:{agent}"


def _handle_key(queue: str) -> str:
    return f"{PREFIX}desk:handle:{queue}"


def _busy_key(node: str) -> str:
    return f"{PREFIX}desk:busy:{node}"


def _callback_key(callback_id: str) -> str:
    return f"{PREFIX}desk:call:{callback_id}"


AGENTS_KEY = f"{PREFIX}desk:agents"
#: When each waiting customer was last seen connected, and on which node (one read
#: for everyone, not one per ticket).
SEEN_KEY = f"{PREFIX}desk:seen"
WHERE_KEY = f"{PREFIX}desk:where"
#: Counts changes to the callbacks (booked, recorded): a node that sees it move
#: reloads them from the database.
VERSION_KEY = f"{PREFIX}desk:version"
APPS_KEY = f"{PREFIX}desk:apps"
#: A node's published agents older than this are skipped (it publishes every sync).
AGENTS_STALE_S = 5
#: How long an agent's claim waits for the agent to reach the customer's node.
ON_THE_WAY_MS = 30_000


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One waiting customer as the cluster has them (times on Redis's clock)."""

    ticket: str
    queue: str
    joined: float
    installation: str
    seen: float
    node: str
    ask: bytes | None  # only for tickets the caller did not know yet


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """The cluster's waiting room at ``now`` (Redis's clock), for one node's mirror."""

    now: float
    entries: list[Entry]
    #: Tickets the caller holds that left the queues because an agent claimed them.
    claimed: frozenset[str]
    #: The recent handle times of each queue, newest first.
    handle: dict[str, list[float]]
    #: Other nodes' agents (JSON each node published) and customers waiting in the app
    #: for a callback (callback id -> node).
    agents: dict[str, str]
    apps: dict[str, str]
    #: Moves when callbacks change anywhere (:meth:`SharedWaitingRoom.changed`).
    version: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Join:
    """One ticket to put in a queue (see :meth:`SharedWaitingRoom.join_at`)."""

    ticket: str
    queue: str
    installation: str
    max_waiting: int
    details: dict[str, str]
    node: str = ""
    ask: bytes = b""
    joined: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Claimed:
    """A ticket an agent claimed: who waits, what they asked, and on which node."""

    waiting: Waiting
    details: dict[str, str]
    node: str
    ask: bytes


class SharedWaitingRoom:
    """One node's handle on the cluster's waiting room (``redis.asyncio`` client)."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._join = redis.register_script(_JOIN)
        self._claim = redis.register_script(_CLAIM)
        self._touch = redis.register_script(_TOUCH)
        self._expire = redis.register_script(_EXPIRE)
        self._now = redis.register_script(_NOW)
        self._publish = redis.register_script(_PUBLISH)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except redis_down() as exc:
            raise ClusterUnavailableError(f"Redis does not answer: {exc}") from None

    async def join(self, *args: Any, **kwargs: Any) -> WhyNot | None:
        """None when the ticket is in the queue; else ALREADY_WAITING or FULL (see
        :meth:`join_at`)."""
        return (await self.join_at(*args, **kwargs))[0]

    async def join_at(
        self,
        ticket: str,
        queue: str,
        installation: str,
        max_waiting: int,
        details: dict[str, str],
        *,
        node: str = "",
        ask: bytes = b"",
        joined: float | None = None,
    ) -> tuple[WhyNot | None, float]:
        """(None, when it joined on Redis's clock) when the ticket is in the queue; else
        (ALREADY_WAITING or FULL, 0).

        ``joined`` (Redis's clock) puts a ticket back at the place it had (a claim
        whose agent never arrived); a ticket already in the queue keeps its place and
        is marked as on ``node`` (its customer came back there)."""
        join = Join(ticket, queue, installation, max_waiting, details, node, ask, joined)
        return (await self.join_many([join]))[0]

    async def join_many(self, joins: list[Join]) -> list[tuple[WhyNot | None, float]]:
        """Several joins in one round trip (a burst of asks), each atomic on its own;
        the answers in order."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for j in joins:
                await self._join(
                    keys=[
                        _queue_key(j.queue),
                        _ticket_key(j.ticket),
                        _installation_key(j.installation),
                    ],
                    args=[
                        j.ticket,
                        j.installation,
                        j.max_waiting,
                        j.queue,
                        json.dumps(j.details),
                        j.node,
                        j.ask,
                        "" if j.joined is None else repr(j.joined),
                        PREFIX,
                    ],
                    client=pipe,
                )
            got = await self._call(pipe.execute())
        out: list[tuple[WhyNot | None, float]] = []
        for code, at in got:
            why = {1: None, -1: WhyNot.ALREADY_WAITING, -2: WhyNot.FULL}[int(code)]
            out.append((why, float(_text(at)) if why is None else 0.0))
        return out

    async def claim(self, ticket: str) -> tuple[Waiting, dict[str, str]] | None:
        """Take the ticket out of the room (because the customer left, was taken here,
        or was blocked); None if it was gone already."""
        got = await self.claim_for(ticket, "")
        return None if got is None else (got.waiting, got.details)

    async def claim_for(self, ticket: str, agent: str, here: str = "") -> Claimed | None:
        """Take the ticket out of the room for ``agent`` (remembered a while, so the
        customer's node knows someone is on the way); None if it was gone already.
        If the customer waits on another node than ``here`` (the agent's), that node
        will know whom the agent comes for (:meth:`arrived`)."""
        raw = await self._call(
            self._claim(
                keys=[_ticket_key(ticket)], args=[ticket, PREFIX, agent, ON_THE_WAY_MS, here]
            )
        )
        if not raw:
            return None
        fields = {_text(k): v for k, v in zip(raw[::2], raw[1::2], strict=True)}
        text = {k: _text(v) for k, v in fields.items() if k != "ask"}
        waiting = Waiting(ticket, text["queue"], float(text["joined"]), text["installation"])
        ask = fields.get("ask", b"")
        return Claimed(
            waiting,
            json.loads(text["details"]),
            text.get("node", ""),
            ask if isinstance(ask, bytes) else ask.encode(),
        )

    async def touch(self, tickets: Iterable[str], node: str = "") -> None:
        """These customers are connected here (call every tick)."""
        names = list(tickets)
        if names:
            keys = [_ticket_key(t) for t in names]
            await self._call(self._touch(keys=keys, args=[node, PREFIX, *names]))

    async def expire(self, queues: Iterable[str], grace_s: float) -> list[str]:
        """Let go of the places of customers not seen for ``grace_s`` (their node died,
        or they never came back); any node may call it, as often as it likes."""
        gone: list[str] = []
        for q in dict.fromkeys(queues):
            raw = await self._call(self._expire(keys=[_queue_key(q)], args=[grace_s, PREFIX]))
            gone += [_text(t) for t in raw]
        return gone

    async def waiting(
        self, queues: Iterable[str], *, away_after_s: float | None = None
    ) -> list[Waiting]:
        """Everyone waiting in these queues, longest waiting first (one round trip
        for the queues, one for the tickets); with ``away_after_s``, only those seen
        within that many seconds (the others keep their place but cannot answer)."""
        snap = await self.snapshot(queues, known=None)
        out = [
            Waiting(e.ticket, e.queue, e.joined, e.installation)
            for e in snap.entries
            if away_after_s is None or snap.now - e.seen <= away_after_s
        ]
        return sorted(out, key=lambda w: (w.since, w.ticket))

    async def snapshot(
        self,
        queues: Iterable[str],
        *,
        known: set[str] | None,
        mine: Iterable[str] = (),
    ) -> Snapshot:
        """The waiting room for one node's mirror, in two round trips: the queues (with
        Redis's time, handle times, agents and in-app callbacks), then each ticket's
        state — and what they asked, for tickets not in ``known``. ``mine``: tickets
        the caller holds; those an agent claimed are named in :attr:`Snapshot.claimed`."""
        names = list(dict.fromkeys(queues))
        mine = list(mine)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.time()
            for q in names:
                pipe.zrange(_queue_key(q), 0, -1, withscores=True)
            for q in names:
                pipe.lrange(_handle_key(q), 0, -1)
            pipe.hgetall(AGENTS_KEY)
            pipe.hgetall(APPS_KEY)
            pipe.zrange(SEEN_KEY, 0, -1, withscores=True)
            pipe.hgetall(WHERE_KEY)
            pipe.get(VERSION_KEY)
            got = await self._call(pipe.execute())
        secs, micros = got[0]
        now = float(secs) + float(micros) / 1e6
        n = len(names)
        ranges, handles = got[1 : 1 + n], got[1 + n : 1 + 2 * n]
        agents_raw, apps_raw, seen_raw, where_raw, version = got[1 + 2 * n : 6 + 2 * n]
        listed = [
            (q, _text(t), float(score))
            for q, members in zip(names, ranges, strict=True)
            for t, score in members
        ]
        seen = {_text(t): float(score) for t, score in seen_raw}
        where = {_text(t): _text(node) for t, node in where_raw.items()}
        in_line = {t for _, t, _ in listed}
        # Only what is new needs a second round trip: tickets this node has not seen
        # yet (who they are, what they asked) and its own that left the line.
        new = [t for _, t, _ in listed if known is None or t not in known]
        missing = [t for t in mine if t not in in_line]
        fields: dict[str, tuple[str, bytes | None]] = {}
        claimed: set[str] = set()
        if new or missing:
            async with self._redis.pipeline(transaction=False) as pipe:
                for t in new:
                    pipe.hmget(_ticket_key(t), ["installation", "ask"])
                for t in missing:
                    pipe.exists(_claimed_key(t))
                values = await self._call(pipe.execute())
            for t, v in zip(new, values[: len(new)], strict=True):
                if v[0] is not None:
                    ask = v[1]
                    fields[t] = (_text(v[0]), ask.encode() if isinstance(ask, str) else ask)
            claimed = {t for t, flag in zip(missing, values[len(new) :], strict=True) if flag}
        entries: list[Entry] = []
        for q, t, joined in listed:
            if t in fields:
                installation, ask = fields[t]
            elif known is not None and t in known:
                installation, ask = "", None  # the caller knows them already
            else:
                continue  # claimed between the two reads
            entries.append(
                Entry(t, q, joined, installation, seen.get(t, joined), where.get(t, ""), ask)
            )
        agents: dict[str, str] = {}
        for node, value in agents_raw.items():
            at, _, payload = _text(value).partition(" ")
            if now - float(at) <= AGENTS_STALE_S:
                agents[_text(node)] = payload
        apps: dict[str, str] = {}
        for cid, value in apps_raw.items():
            at, _, node = _text(value).partition(" ")
            if now - float(at) <= AGENTS_STALE_S:
                apps[_text(cid)] = node
        return Snapshot(
            now,
            entries,
            frozenset(claimed),
            {q: [float(_text(x)) for x in h] for q, h in zip(names, handles, strict=True)},
            agents,
            apps,
            int(version or 0),
        )

    async def publish(
        self, node: str, agents: str, apps: Iterable[str], handles: Iterable[tuple[str, float]]
    ) -> None:
        """This node's agents (JSON), the callback ids whose customers wait in the app
        here, and handle times learnt here since the last call."""
        async with self._redis.pipeline(transaction=False) as pipe:
            await self._publish(keys=[AGENTS_KEY], args=[node, agents], client=pipe)
            for cid in apps:  # (a script in a pipeline is queued when awaited)
                await self._publish(keys=[APPS_KEY], args=[cid, node], client=pipe)
            for queue, seconds in handles:
                pipe.lpush(_handle_key(queue), repr(seconds))
                pipe.ltrim(_handle_key(queue), 0, HANDLE_WINDOW - 1)
            await self._call(pipe.execute())

    async def count_busy(self, node: str, agent: str, delta: int) -> None:
        await self._call(self._redis.hincrby(_busy_key(node), agent, delta))

    async def reset_busy(self, node: str) -> None:
        """A node starting carries no sessions yet (it may have been killed before)."""
        await self._call(self._redis.delete(_busy_key(node)))

    async def changed(self) -> None:
        """Callbacks changed here (booked, recorded): the other nodes reload them."""
        await self._call(self._redis.incr(VERSION_KEY))

    async def send_for(self, agent: str, ticket: str, node: str) -> None:
        """``agent`` claimed ``ticket``, whose customer waits on ``node``: tell that node
        (when the agent arrives) whom they came for. Queue tickets do this inside
        their claim; in-app callbacks are claimed another way."""
        await self._call(self._redis.set(_for_key(agent), f"{ticket} {node}", px=ON_THE_WAY_MS))

    async def arrived(
        self, agent: str, node: str, nodes: Iterable[str] = ()
    ) -> tuple[str | None, dict[str, int]]:
        """In one round trip: the ticket ``agent`` claimed elsewhere for a customer on
        ``node`` (once; None if none), and the agent's desk sessions on ``nodes``."""
        names = list(nodes)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.getdel(_for_key(agent))
            for n in names:
                pipe.hget(_busy_key(n), agent)
            got = await self._call(pipe.execute())
        busy = {n: int(v) for n, v in zip(names, got[1:], strict=True) if v is not None}
        if got[0] is None:
            return None, busy
        ticket, _, where = _text(got[0]).partition(" ")
        return (ticket if where == node else None), busy

    async def call_once(self, callback_id: str, agent: str) -> bool:
        """Claim an in-app callback for ``agent``: False if another agent is calling."""
        got = await self._call(
            self._redis.set(_callback_key(callback_id), agent, nx=True, px=ON_THE_WAY_MS)
        )
        return bool(got)

    async def take_next(
        self,
        router: Router,
        agent: Agent,
        blocked: frozenset[str] = frozenset(),
        *,
        away_after_s: float = AWAY_AFTER_S,
    ) -> tuple[Waiting, dict[str, str]] | None:
        """The customer ``agent`` gets on Take next, claimed for it; None if nobody
        (that it may take, and who is connected) is waiting."""
        for _ in range(MAX_TAKE_ATTEMPTS):
            here = await self.waiting(router.queues_of(agent), away_after_s=away_after_s)
            pick = router.take_next(agent, here, blocked)
            if pick is None:
                return None
            got = await self.claim(pick.ticket)
            if got is not None:
                return got
        return None
