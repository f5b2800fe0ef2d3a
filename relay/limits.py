"""Rate limits and the congestion gauge: small pure objects that take ``now`` as an argument.

* :class:`TokenBucket` — a rate with a burst; ``take`` says how long to wait.
* :class:`RateLimiter` — one bucket per key (a client IP), for "N per minute"
  limits; idle keys are forgotten so its memory is bounded.
* :func:`congestion_level` — which of the levels 0..3 a queue is at, with
  hysteresis so a queue hovering at a threshold does not flood the sender.
"""

from __future__ import annotations

import dataclasses

__all__ = ["RateLimiter", "TokenBucket", "congestion_level"]


@dataclasses.dataclass(slots=True)
class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up. Tokens may go into debt."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, burst: float, now: float) -> TokenBucket:
        return cls(rate, burst, burst, now)

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def allow(self, now: float, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if there are that many; say whether it was allowed."""
        self._refill(now)
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def has(self, now: float, cost: float = 1.0) -> bool:
        self._refill(now)
        return self.tokens >= cost

    def take(self, now: float, cost: float) -> float:
        """Take ``cost`` tokens (possibly into debt); return seconds to wait before going on."""
        self._refill(now)
        self.tokens -= cost
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def is_full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.burst


class RateLimiter:
    """ "At most ``per_minute`` events per key per minute", with a burst of the same size.

    ``per_minute`` 0 disables the limit. At most ``max_keys`` keys are tracked;
    beyond that the oldest are dropped (an attacker with that many addresses is
    beyond what a per-IP limit can stop anyway).
    """

    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                del self._buckets[next(iter(self._buckets))]
            rate = self.per_minute / 60.0
            bucket = self._buckets[key] = TokenBucket.full(rate, self.per_minute, now)
        return bucket

    def allow(self, key: str, now: float) -> bool:
        """Count one event for ``key``; False if it is over the limit."""
        if not self.per_minute:
            return True
        return self._bucket(key, now).allow(now)

    def exhausted(self, key: str, now: float) -> bool:
        """True if one more event for ``key`` would be over the limit (counts nothing)."""
        if not self.per_minute:
            return False
        bucket = self._buckets.get(key)
        return bucket is not None and not bucket.has(now)

    def prune(self, now: float) -> None:
        """Forget keys whose bucket has refilled: they carry no information."""
        for key in [k for k, b in self._buckets.items() if b.is_full(now)]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


#: A queue at or above these fractions of its limit is at level 1, 2, 3.
CONGESTION_UP = (0.25, 0.5, 0.9)
#: ... and it leaves a level only once it is below these.
CONGESTION_DOWN = (0.05, 0.25, 0.5)


def congestion_level(queued: int, limit: int, current: int) -> int:
    """The congestion level (0..3) of a queue of ``queued`` bytes out of ``limit``."""
    fill = queued / limit if limit else 0.0
    level = current
    while level < 3 and fill >= CONGESTION_UP[level]:
        level += 1
    while level > 0 and fill < CONGESTION_DOWN[level - 1]:
        level -= 1
    return level
