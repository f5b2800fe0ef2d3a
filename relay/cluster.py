"""Live state shared by the nodes of a relay cluster, in Redis.

One node owns a session: both of its connections are on that node and its bytes
never cross to another. Redis only helps find it and pick it up again:

* ``node:<id>`` — each running node's public URL and whether it is draining,
  with a time to live of ``node_ttl_s`` that the node renews every third of it.
  A node whose key expired is gone (killed, frozen, cut off).
* ``np:<nameplate>`` — a hash: the owning node and session id while the code is in
  use, plus the resume state once both sides confirmed the key (the *hashes* of the
  two resume tokens and the agent's public record — never a key or a token; the relay
  stays blind), or the reason it ended while it is remembered. Claimed with one
  atomic script, so two nodes can never hand out the same code.
* ``npz:<digits>`` — a sorted set of the codes of each length in use or remembered,
  so every node chooses the code length from the cluster's count.
* ``rl:<limit>:<address>`` — a token bucket per limit and client address, taken
  from by one atomic script, so a client meets the same limit whichever node it
  reaches.

Every key starts with ``assist:`` (several clusters may share a Redis by database
number). Times inside the scripts come from Redis's own clock, so nodes with
skewed clocks still agree. docs/cluster.md tells admins the same, and what
happens when Redis cannot be reached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec

from relay.store import AgentRecord

log = logging.getLogger("relay.cluster")

__all__ = [
    "ClusterError",
    "ClusterUnavailableError",
    "Found",
    "NodeInfo",
    "RedisCoordinator",
    "ResumeState",
    "redis_down",
]

PREFIX = "assist:"


class ClusterError(Exception):
    """The cluster cannot be joined as configured; the message says why in one sentence."""


class ClusterUnavailableError(ClusterError):
    """Redis did not answer."""


def redis_down() -> tuple[type[BaseException], ...]:
    """The exceptions that mean Redis did not answer (as opposed to refusing a command)."""
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


@dataclasses.dataclass(frozen=True, slots=True)
class NodeInfo:
    id: str
    url: str
    draining: bool = False


class ResumeState(msgspec.Struct, array_like=True, frozen=True):
    """What a node needs to take over an established session: no keys, no tokens."""

    sid: str
    nameplate: str
    agent_name: str
    agent_display_name: str
    agent_org: str
    agent_token_id: str
    agent_created: float
    agent_token_hash: bytes
    customer_token_hash: bytes
    resumes: int = 0
    sent_agent: int = 0
    sent_customer: int = 0
    #: Member 1 handed the room over or was removed: it may not resume anywhere.
    lead_gone: bool = False

    @property
    def agent(self) -> AgentRecord:
        return AgentRecord(
            self.agent_name,
            self.agent_display_name,
            self.agent_org,
            self.agent_token_id,
            self.agent_created,
        )


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(ResumeState)


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    """Where a nameplate that is not on this node is.

    * ``unknown`` — not in use anywhere, nor remembered;
    * ``remembered`` — ended (``reason``: why, e.g. ``expired``, ``pairing_failed``);
    * ``elsewhere`` — owned by the live node ``node``: redirect there;
    * ``adopted`` — this node now owns it (its owner is gone, or moved it here): take
      ``state`` and let the apps resume;
    * ``orphan`` — its owner is gone and this node did not take it (draining, or the
      session had no resume state yet).
    """

    kind: Literal["unknown", "remembered", "elsewhere", "adopted", "orphan"]
    reason: str = ""
    node: NodeInfo | None = None
    state: ResumeState | None = None


# ---------------------------------------------------------------- scripts

# Claim a new code for this node if it is free; answer how many codes of its length the
# cluster has in use or remembered (or -1 when it was taken).
_CLAIM = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'sid', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], now_ms + tonumber(ARGV[3]), ARGV[4])
return redis.call('ZCARD', KEYS[2])
"""

# Find a code; take its session over when its owner is gone (or moved it here) and the
# caller may adopt. KEYS: np:<code>. ARGV: me, adopt (0/1), key prefix, ttl_ms, and
# ``gone``: the owner's id when the caller found it refusing connections (it died just
# now and its key has not expired yet).
_LOCATE = """
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {'unknown'} end
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
if f['reason'] then return {'remembered', f['reason']} end
local owner = f['owner'] or ''
local node = redis.call('GET', ARGV[3] .. 'node:' .. owner)
if owner ~= ARGV[1] and node and owner ~= ARGV[5] then return {'elsewhere', owner, node} end
if not f['state'] then return {'orphan', owner} end
if ARGV[2] ~= '1' then return {'orphan', owner, '', f['state']} end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'adopted', owner, '', f['state']}
"""

# A session ended: forget its owner and state, remember why for memory_ms.
_RELEASE = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'reason', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], now_ms + tonumber(ARGV[3]), ARGV[4])
return 1
"""

# Keep this node's codes alive: KEYS are np:<code> and npz:<digits> in pairs. A code of
# ours that Redis lost (it was restarted empty) is claimed again, so no other node hands
# it out while it is in use here.
_KEEP = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
local kept = 0
for i = 1, #KEYS, 2 do
  local owner = redis.call('HGET', KEYS[i], 'owner')
  if not owner and redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'owner', ARGV[1])
    owner = ARGV[1]
  end
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    redis.call('ZADD', KEYS[i + 1], now_ms + tonumber(ARGV[2]), ARGV[2 + (i + 1) / 2])
    kept = kept + 1
  end
end
return kept
"""

# Hand a session to another node (drain): only the owner may.
_MOVE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'state', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""

# A token bucket shared by every node: ``per_minute`` a minute with a burst of as many.
# ARGV: per_minute. Answers 1 when this event is within the limit.
_BUCKET = """
local now = redis.call('TIME')
local now_s = now[1] + now[2] / 1000000
local burst = tonumber(ARGV[1])
local rate = burst / 60
local b = redis.call('HMGET', KEYS[1], 't', 's')
local tokens = tonumber(b[1]) or burst
local stamp = tonumber(b[2]) or now_s
tokens = math.min(burst, tokens + math.max(0, now_s - stamp) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now_s))
redis.call('EXPIRE', KEYS[1], 61)
return ok
"""

# Register this node: its id must not be held by another running process.
_REGISTER = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, rec = pcall(cjson.decode, cur)
  if not ok or rec['instance'] ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""


def _digits_key(nameplate: str) -> str:
    return f"{PREFIX}npz:{len(nameplate)}"


class RedisCoordinator:
    """The cluster's shared state through ``redis.asyncio`` (see the module docstring).

    Every method is a coroutine and raises :class:`ClusterUnavailableError` when
    Redis does not answer; :attr:`healthy` says how the last call went, for
    ``/readyz`` and the log.
    """

    def __init__(
        self,
        url: str,
        me: NodeInfo,
        *,
        node_ttl_s: float = 3.0,
        timeout_s: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        import redis.asyncio as aioredis

        self.url = url
        self.me = me
        self.node_ttl_ms = max(500, int(node_ttl_s * 1000))
        self.instance = secrets.token_hex(8)
        self.healthy = True
        self._wall = wall
        try:
            self._redis = aioredis.Redis.from_url(
                url,
                socket_timeout=timeout_s,
                socket_connect_timeout=timeout_s,
                health_check_interval=10,
                retry_on_timeout=False,
            )
        except ValueError as exc:
            raise ClusterError(f"redis_url {url!r} is not a Redis address: {exc}") from None
        self._claim = self._redis.register_script(_CLAIM)
        self._locate = self._redis.register_script(_LOCATE)
        self._release = self._redis.register_script(_RELEASE)
        self._keep = self._redis.register_script(_KEEP)
        self._move = self._redis.register_script(_MOVE)
        self._bucket = self._redis.register_script(_BUCKET)
        self._register = self._redis.register_script(_REGISTER)

    @property
    def redis(self) -> Any:
        """The ``redis.asyncio`` client (the desk's waiting room shares it)."""
        return self._redis

    async def _call(self, what: str, coro: Any) -> Any:
        try:
            result = await coro
        except redis_down() as exc:
            if self.healthy:
                log.error("Redis at %s does not answer (%s): %s", self.url, what, exc)
            self.healthy = False
            raise ClusterUnavailableError(f"Redis at {self.url} does not answer: {exc}") from None
        if not self.healthy:
            log.warning("Redis at %s answers again", self.url)
        self.healthy = True
        return result

    # ------------------------------------------------------------ nodes

    def _node_value(self, draining: bool) -> str:
        return json.dumps(
            {
                "url": self.me.url,
                "draining": draining,
                "instance": self.instance,
                "started": round(self._wall(), 3),
            }
        )

    async def start(self) -> None:
        """Join the cluster. Raises :class:`ClusterError` if another running node has
        this node id (a node killed a moment ago frees it within ``node_ttl_s``)."""
        deadline = time.monotonic() + self.node_ttl_ms / 1000 + 0.5
        while True:
            ok = await self._call("register", self._register_once(False))
            if ok:
                log.info("joined the cluster at %s as node %r", self.url, self.me.id)
                return
            if time.monotonic() >= deadline:
                raise ClusterError(
                    f"node_id {self.me.id!r} is in use by another running relay node; give "
                    "each node its own node_id"
                )
            await asyncio.sleep(0.25)

    async def _register_once(self, draining: bool) -> int:
        return int(
            await self._register(
                keys=[f"{PREFIX}node:{self.me.id}", f"{PREFIX}nodes"],
                args=[self._node_value(draining), self.instance, self.node_ttl_ms, self.me.id],
            )
        )

    async def beat(self, draining: bool, nameplates: Iterable[str], grace_s: float) -> None:
        """Say this node is alive; keep its codes and sessions' resume state for
        ``grace_s`` past the moment it stops saying so."""
        ok = await self._call("heartbeat", self._register_once(draining))
        if not ok:
            log.error(
                "node_id %r was taken by another process while this node ran; check that "
                "every node has its own node_id",
                self.me.id,
            )
        codes = list(nameplates)
        if not codes:
            return
        keys: list[str] = []
        for code in codes:
            keys += [f"{PREFIX}np:{code}", _digits_key(code)]
        ttl = self.node_ttl_ms + int(grace_s * 1000)
        await self._call("heartbeat", self._keep(keys=keys, args=[self.me.id, ttl, *codes]))

    async def stop(self) -> None:
        """Leave the cluster (a clean stop; a killed node just stops beating)."""
        import redis.exceptions

        try:
            key = f"{PREFIX}node:{self.me.id}"
            raw = await self._redis.get(key)
            if raw is not None and json.loads(raw).get("instance") == self.instance:
                await self._redis.delete(key)
        except (redis.exceptions.RedisError, OSError, ValueError):
            pass
        await self._redis.aclose()
        # Connections a command was still using when the pool closed go too.
        await self._redis.connection_pool.disconnect(inuse_connections=True)

    async def nodes(self) -> list[NodeInfo]:
        """The nodes alive now (this one included), by id."""
        ids = sorted(
            i.decode() for i in await self._call("nodes", self._redis.smembers(f"{PREFIX}nodes"))
        )
        if not ids:
            return []
        values = await self._call("nodes", self._redis.mget([f"{PREFIX}node:{i}" for i in ids]))
        out = []
        for node_id, raw in zip(ids, values, strict=True):
            if raw is None:
                continue
            rec = json.loads(raw)
            out.append(NodeInfo(node_id, str(rec["url"]), bool(rec.get("draining"))))
        return out

    async def ping(self) -> None:
        await self._call("ping", self._redis.ping())

    # ------------------------------------------------------------ codes and sessions

    async def claim(self, nameplate: str, sid: str, ttl_s: float) -> int | None:
        """Claim ``nameplate`` for this node: the cluster's count of codes of its length
        in use or remembered, or None if another node has it."""
        taken = await self._call(
            "claim",
            self._claim(
                keys=[f"{PREFIX}np:{nameplate}", _digits_key(nameplate)],
                args=[self.me.id, sid, max(1, int(ttl_s * 1000)), nameplate],
            ),
        )
        return None if int(taken) < 0 else int(taken)

    async def established(self, state: ResumeState, ttl_s: float) -> None:
        """Both sides confirmed the key: keep what a node needs to take the session over."""
        key = f"{PREFIX}np:{state.nameplate}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "state", _ENCODER.encode(state))
            pipe.pexpire(key, max(1, int(ttl_s * 1000)))
            await self._call("established", pipe.execute())

    async def locate(self, nameplate: str, *, adopt: bool, ttl_s: float, gone: str = "") -> Found:
        """Where ``nameplate`` is (see :class:`Found`); with ``adopt``, take over a
        session whose owner is gone or moved it here. ``gone``: a node the caller saw
        refuse connections, to count as gone before its key expires."""
        reply = await self._call(
            "locate",
            self._locate(
                keys=[f"{PREFIX}np:{nameplate}"],
                args=[
                    self.me.id,
                    "1" if adopt else "0",
                    PREFIX,
                    max(1, int(ttl_s * 1000)),
                    gone or "\x00",
                ],
            ),
        )
        kind = reply[0].decode()
        if kind == "remembered":
            return Found("remembered", reason=reply[1].decode())
        if kind == "elsewhere":
            rec = json.loads(reply[2])
            node = NodeInfo(reply[1].decode(), str(rec["url"]), bool(rec.get("draining")))
            return Found("elsewhere", node=node)
        if kind in ("adopted", "orphan"):
            state = _DECODER.decode(reply[3]) if len(reply) > 3 and reply[3] else None
            if kind == "adopted":
                was = reply[1].decode(errors="replace")
                log.info("took over the session of code %s from node %r", nameplate, was)
            return Found(kind, state=state)
        return Found("unknown")

    async def release(self, nameplate: str, reason: str, memory_s: float) -> None:
        """A session of this node ended: remember the code and why for ``memory_s``."""
        await self._call(
            "release",
            self._release(
                keys=[f"{PREFIX}np:{nameplate}", _digits_key(nameplate)],
                args=[self.me.id, reason, max(1, int(memory_s * 1000)), nameplate],
            ),
        )

    async def move(self, state: ResumeState, to: NodeInfo, ttl_s: float) -> bool:
        """Hand a session to ``to`` (drain); it takes it when the apps resume there."""
        moved = await self._call(
            "move",
            self._move(
                keys=[f"{PREFIX}np:{state.nameplate}"],
                args=[self.me.id, to.id, _ENCODER.encode(state), max(1, int(ttl_s * 1000))],
            ),
        )
        return bool(moved)

    # ------------------------------------------------------------ limits

    async def failures(self, keys: list[str]) -> list[int]:
        """How many failures each key has in its current window (see :meth:`failed`)."""
        got = await self._call("failures", self._redis.mget([f"{PREFIX}fail:{k}" for k in keys]))
        return [int(v or 0) for v in got]

    async def failed(self, keys: list[str], window_s: int = 60) -> None:
        """One more failure for each key, counted across the cluster in a window that
        starts with the first (the console's sign-in limits)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.incr(f"{PREFIX}fail:{k}")
                pipe.expire(f"{PREFIX}fail:{k}", window_s, nx=True)
            await self._call("failures", pipe.execute())

    async def allow(self, limit: str, key: str, per_minute: int) -> bool:
        """One event of ``limit`` from ``key``, counted across the cluster: within it?"""
        if not per_minute:
            return True
        ok = await self._call(
            "rate limit", self._bucket(keys=[f"{PREFIX}rl:{limit}:{key}"], args=[per_minute])
        )
        return bool(ok)
