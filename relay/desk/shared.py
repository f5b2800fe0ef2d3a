"""The waiting room of a relay cluster, in Redis: every node sees every waiting
customer, and a customer is taken exactly once.

The rules stay where they are (:class:`relay.desk.routing.Router` picks whom an
agent takes); Redis only holds the tables and makes the two steps that must not
race atomic, with scripts run on its own clock:

* ``desk:q:<queue>`` — a sorted set of ticket ids by the time they joined;
* ``desk:t:<ticket>`` — a hash: queue, installation, joined, details (JSON);
* ``desk:inst:<installation>`` — the installation's waiting ticket (one at a time).

**Join** checks the installation has no ticket and the queue is under its limit,
then writes all three. **Claim** removes a ticket from all three and returns it,
or nothing if it was gone. *Take next* on any node reads the queues
(:meth:`SharedWaitingRoom.waiting`), lets the router pick, and claims that
ticket; if another node's agent claimed it first the claim returns nothing and
the node picks again from a fresh read. So two agents pressing Take next at the
same moment on two nodes never get the same customer, and neither gets nobody
while someone waits (``tests/relay/test_desk_shared.py``). Queues outlive any
node: a node that restarts or dies leaves them in Redis.

Every key starts with ``assist:`` like the rest of the cluster's (relay/cluster.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from relay.cluster import PREFIX, ClusterUnavailableError
from relay.desk.lobby import WhyNot
from relay.desk.routing import Agent, Router, Waiting

__all__ = ["SharedWaitingRoom"]

#: A bound on picks that lost their race, against a bug spinning forever. Each lost
#: race is another agent's success, so Take next ends long before: with a customer,
#: or when nobody it may take is waiting.
MAX_TAKE_ATTEMPTS = 1000

_JOIN = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return -2 end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('SET', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[2], 'queue', ARGV[4], 'installation', ARGV[2],
           'joined', tostring(now), 'details', ARGV[5])
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

    async def _call(self, coro: Any) -> Any:
        import redis.exceptions

        try:
            return await coro
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
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

    async def waiting(self, queues: Iterable[str]) -> list[Waiting]:
        """Everyone waiting in these queues, longest waiting first (one round trip
        for the queues, one for the installations)."""
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
                pipe.hget(_ticket_key(t), "installation")
            installs = await self._call(pipe.execute())
        out = [
            Waiting(t, q, since, _text(i))
            for (q, t, since), i in zip(entries, installs, strict=True)
            if i is not None  # claimed between the two reads
        ]
        return sorted(out, key=lambda w: (w.since, w.ticket))

    async def take_next(
        self, router: Router, agent: Agent, blocked: frozenset[str] = frozenset()
    ) -> tuple[Waiting, dict[str, str]] | None:
        """The customer ``agent`` gets on Take next, claimed for it; None if nobody
        (that it may take) is waiting."""
        for _ in range(MAX_TAKE_ATTEMPTS):
            pick = router.take_next(agent, await self.waiting(router.queues_of(agent)), blocked)
            if pick is None:
                return None
            got = await self.claim(pick.ticket)
            if got is not None:
                return got
        return None
