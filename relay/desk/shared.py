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

import json
from collections.abc import Iterable
from typing import Any

from relay.cluster import PREFIX, ClusterUnavailableError, redis_down
from relay.desk.lobby import WhyNot
from relay.desk.routing import Agent, Router, Waiting

__all__ = ["SharedWaitingRoom"]

#: A bound on picks that lost their race, against a bug spinning forever. Each lost
#: race is another agent's success, so Take next ends long before: with a customer,
#: or when nobody it may take is waiting.
MAX_TAKE_ATTEMPTS = 1000
#: A ticket not marked seen by its node for this long counts as away (a node marks
#: its connected customers every tick, a second).
AWAY_AFTER_S = 5.0

_JOIN = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return -2 end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[2], 'queue', ARGV[4], 'installation', ARGV[2],
           'joined', tostring(now), 'seen', tostring(now), 'details', ARGV[5])
redis.call('ZADD', KEYS[1], now, ARGV[1])
return 1
"""

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
return f
"""


# The node a customer is connected to marks their tickets seen (every tick); one not
# seen for ARGV[1] seconds is away: passed over by Take next, and let go after the
# grace period by :meth:`SharedWaitingRoom.expire` (ARGV[2] seconds).
_TOUCH = """
local t = redis.call('TIME')
local now = tostring(tonumber(t[1]) + tonumber(t[2]) / 1000000)
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HSET', KEYS[i], 'seen', now) end
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


class SharedWaitingRoom:
    """One node's handle on the cluster's waiting room (``redis.asyncio`` client)."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis
        self._join = redis.register_script(_JOIN)
        self._claim = redis.register_script(_CLAIM)
        self._touch = redis.register_script(_TOUCH)
        self._expire = redis.register_script(_EXPIRE)
        self._now = redis.register_script(_NOW)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except redis_down() as exc:
            raise ClusterUnavailableError(f"Redis does not answer: {exc}") from None

    async def join(
        self,
        ticket: str,
        queue: str,
        installation: str,
        max_waiting: int,
        details: dict[str, str],
    ) -> WhyNot | None:
        """None when the ticket is in the queue; else ALREADY_WAITING or FULL."""
        got = await self._call(
            self._join(
                keys=[_queue_key(queue), _ticket_key(ticket), _installation_key(installation)],
                args=[ticket, installation, max_waiting, queue, json.dumps(details)],
            )
        )
        return {1: None, -1: WhyNot.ALREADY_WAITING, -2: WhyNot.FULL}[int(got)]

    async def claim(self, ticket: str) -> tuple[Waiting, dict[str, str]] | None:
        """Take the ticket out of the room (for an agent, or because the customer
        left); None if it was gone already."""
        raw = await self._call(self._claim(keys=[_ticket_key(ticket)], args=[ticket, PREFIX]))
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in zip(raw[::2], raw[1::2], strict=True)}
        waiting = Waiting(ticket, fields["queue"], float(fields["joined"]), fields["installation"])
        return waiting, json.loads(fields["details"])

    async def touch(self, tickets: Iterable[str]) -> None:
        """These customers are connected here (call every tick)."""
        keys = [_ticket_key(t) for t in tickets]
        if keys:
            await self._call(self._touch(keys=keys, args=[]))

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
        names = list(dict.fromkeys(queues))
        async with self._redis.pipeline(transaction=False) as pipe:
            for q in names:
                pipe.zrange(_queue_key(q), 0, -1, withscores=True)
            ranges = await self._call(pipe.execute())
        entries = [
            (q, _text(t), float(score))
            for q, members in zip(names, ranges, strict=True)
            for t, score in members
        ]
        if not entries:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for _, t, _ in entries:
                pipe.hmget(_ticket_key(t), ["installation", "seen"])
            fields = await self._call(pipe.execute())
        now = float(_text(await self._call(self._now(keys=[], args=[]))))
        out = [
            Waiting(t, q, since, _text(installation))
            for (q, t, since), (installation, seen) in zip(entries, fields, strict=True)
            if installation is not None  # claimed between the two reads
            and (away_after_s is None or now - float(_text(seen)) <= away_after_s)
        ]
        return sorted(out, key=lambda w: (w.since, w.ticket))

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
