"""Who may do what in the console, and the sign-in's rate limits (pure policy).

Roles rank ``agent`` < ``supervisor`` < ``admin``: every page and action names the
least role it needs (:func:`allowed`), and an agent sees only the contacts they
were part of (:func:`sees_contact`). Failed sign-ins are limited per address and
per account name (:class:`SignInLimits`), so guessing is slow from one address and
against one account from many; in a cluster the same limits are counted in Redis
across every node (:meth:`SignInLimits.keys`), so more nodes do not mean more
guesses.
"""

from __future__ import annotations

import dataclasses

from relay.limits import RateLimiter

__all__ = ["RANK", "SignInLimits", "allowed", "sees_contact"]

RANK = {"agent": 0, "supervisor": 1, "admin": 2}


def allowed(role: str, needed: str) -> bool:
    return RANK.get(role, -1) >= RANK[needed]


def sees_contact(role: str, name: str, agents: str) -> bool:
    """Supervisors and admins see every contact; an agent those they were part of."""
    return allowed(role, "supervisor") or name in agents.split()


@dataclasses.dataclass
class SignInLimits:
    """Failed sign-ins allowed per minute from one address, and per account."""

    per_address: int = 10
    per_account: int = 5

    def __post_init__(self) -> None:
        self._address = RateLimiter(self.per_address, max_keys=50_000)
        self._account = RateLimiter(self.per_account, max_keys=50_000)

    def keys(self, address: str, name: str) -> tuple[list[str], list[int]]:
        """The keys and limits a cluster counts failures under (relay/cluster.py)."""
        return ["signin:a:" + address, "signin:n:" + name], [self.per_address, self.per_account]

    def blocked(self, address: str, name: str, now: float) -> bool:
        """True if a sign-in from ``address`` for ``name`` must wait (counts nothing)."""
        return self._address.exhausted(address, now) or self._account.exhausted(name, now)

    def failed(self, address: str, name: str, now: float) -> None:
        self._address.allow(address, now)
        self._account.allow(name, now)

    def prune(self, now: float) -> None:
        self._address.prune(now)
        self._account.prune(now)
