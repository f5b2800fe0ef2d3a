"""Who takes whom: the desk's routing rules in one small object.

* An agent serves the queues of their teams (:attr:`Agent.teams` against a queue's
  teams), and only while *available*; an agent in as many sessions as the desk
  allows (one, unless the admin raises ``max_sessions``) takes nobody.
* **Take next** gives the customer who has waited longest across the agent's
  queues; on a tie the queue listed first in the desk file, then the earlier
  ticket. Customers whose installation is blocked are skipped (the relay also
  refuses them at the door; this keeps a block set meanwhile effective).
* **Take this one** (an agent picking from the list) obeys the same rules: the
  customer must wait in a queue the agent serves.
* Callback requests are listed by the start of their window, then by when they
  were asked for; one whose window has passed stays on the list, first, marked
  late, until an agent records an outcome.

The relay's driver holds the state (and in a cluster claims a ticket atomically
in Redis, so two agents pressing Take next at once never get the same customer);
this object only decides.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Agent",
    "Callback",
    "Presence",
    "Refusal",
    "Router",
    "Waiting",
]


class Presence(enum.Enum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class Refusal(enum.Enum):
    """Why an agent may not take a customer now (each has a sentence in the app)."""

    NOT_AVAILABLE = "not_available"
    AT_LIMIT = "at_limit"
    NOT_THEIR_QUEUE = "not_their_queue"
    GONE = "gone"
    BLOCKED = "blocked"


@dataclasses.dataclass(frozen=True, slots=True)
class Agent:
    name: str
    teams: frozenset[str]
    presence: Presence
    sessions: int = 0
    max_sessions: int = 1


@dataclasses.dataclass(frozen=True, slots=True)
class Waiting:
    ticket: str
    queue: str
    since: float  # when they joined the queue (seconds, any clock the caller keeps)
    installation: str


@dataclasses.dataclass(frozen=True, slots=True)
class Callback:
    ticket: str
    queue: str
    window_start: float
    window_end: float
    asked: float

    def late(self, now: float) -> bool:
        return now >= self.window_end


class Router:
    """The routing rules over the desk's queues (``queue id -> teams serving it``,
    in the desk file's order)."""

    def __init__(self, queues: Mapping[str, Iterable[str]]) -> None:
        self._teams = {q: frozenset(teams) for q, teams in queues.items()}
        self._order = {q: i for i, q in enumerate(queues)}

    def queues_of(self, agent: Agent) -> list[str]:
        """The queues this agent serves, in the desk file's order."""
        return [q for q, teams in self._teams.items() if teams & agent.teams]

    def refusal(
        self, agent: Agent, waiting: Waiting | None, blocked: frozenset[str] = frozenset()
    ) -> Refusal | None:
        """None if ``agent`` may take ``waiting`` now, else why not."""
        if agent.sessions >= agent.max_sessions:
            return Refusal.AT_LIMIT
        if agent.presence is not Presence.AVAILABLE:
            return Refusal.NOT_AVAILABLE
        if waiting is None:
            return Refusal.GONE
        if not (self._teams.get(waiting.queue, frozenset()) & agent.teams):
            return Refusal.NOT_THEIR_QUEUE
        if waiting.installation in blocked:
            return Refusal.BLOCKED
        return None

    def take_next(
        self,
        agent: Agent,
        waiting: Iterable[Waiting],
        blocked: frozenset[str] = frozenset(),
    ) -> Waiting | None:
        """The customer ``agent`` gets on Take next, or None (nobody, or may not take)."""
        best: Waiting | None = None
        for w in waiting:
            if self.refusal(agent, w, blocked) is not None:
                continue
            if best is None or self._key(w) < self._key(best):
                best = w
        return best

    def _key(self, w: Waiting) -> tuple[float, int, str]:
        return (w.since, self._order.get(w.queue, len(self._order)), w.ticket)

    def serving(self, queue: str, agents: Iterable[Agent]) -> list[Agent]:
        """Agents who serve ``queue`` and are available or in a session (they will be
        free again): the estimate counts them. Away and offline agents do not."""
        teams = self._teams.get(queue, frozenset())
        working = (Presence.AVAILABLE, Presence.BUSY)
        return [a for a in agents if a.presence in working and a.teams & teams]

    @staticmethod
    def callbacks_in_order(callbacks: Sequence[Callback]) -> list[Callback]:
        return sorted(callbacks, key=lambda c: (c.window_start, c.asked, c.ticket))
