"""How long a waiting customer will wait: the estimate and the handle times behind it.

**Handle time.** :class:`HandleTimes` keeps the last :data:`WINDOW` handle times
of a queue (seconds from an agent taking a customer to the session's end). The
*typical* handle time is their mean, leaving out any longer than :data:`OUTLIER`
times their median, so one session an agent forgot to end does not double
everyone's estimate while the long tail of real sessions still counts (on the
simulated days of ``bench/desk_bench.py`` this kept the mean error within
5 seconds, where dropping the longest tenth made estimates half a minute short); with
fewer than :data:`MIN_SAMPLES` it is the queue's configured prior, blended in
while samples arrive (``(prior·(MIN_SAMPLES − n) + Σ samples) / MIN_SAMPLES``).

**Estimate.** Call the typical handle time *H*. Each agent serving the queue
frees up at some time *rᵢ* from now: 0 if available, else ``max(H − eᵢ, H·MIN_LEFT)``
where *eᵢ* is how long their current session has run (a session already longer
than *H* is assumed to end soon, not now). An agent who serves *m* queues gives
this one a share ``1/m`` of their time, so after the current session they free
up every ``H·m`` seconds. The customer at position *k* (1 = next) is taken when
the *k*-th of all those free-up times comes: the *k*-th smallest of
``{ rᵢ + j·H·mᵢ : every agent i, j = 0, 1, 2, … }``. With no agent signed in for
the queue there is no estimate (``None``): the app says so and offers a callback.

The estimate is what a customer sees; :func:`shown_wait` rounds it the way it is
shown (never "0 minutes", steps that do not flicker). Its error against a
simulated day is measured by the bench (docs/performance.md).
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import math
import statistics
from collections.abc import Iterable, Sequence

__all__ = [
    "MIN_LEFT",
    "MIN_SAMPLES",
    "OUTLIER",
    "WINDOW",
    "AgentLoad",
    "HandleTimes",
    "estimate_wait",
    "estimate_waits",
    "shown_wait",
]

WINDOW = 50
MIN_SAMPLES = 10
OUTLIER = 4.0
MIN_LEFT = 0.1
#: A handle time outside these bounds is a mistake (a session ended at once, or left
#: open over a weekend) and is not learnt from.
SAMPLE_BOUNDS_S = (5.0, 4 * 3600.0)


class HandleTimes:
    """The last :data:`WINDOW` handle times of a queue; see the module docstring."""

    def __init__(self, prior_s: float, samples: Iterable[float] = ()) -> None:
        if not prior_s > 0:
            raise ValueError("the prior handle time must be positive")
        self.prior_s = float(prior_s)
        self._samples: collections.deque[float] = collections.deque(maxlen=WINDOW)
        for s in samples:
            self.add(s)

    def add(self, seconds: float) -> bool:
        """Learn one handle time; False (and ignored) if out of :data:`SAMPLE_BOUNDS_S`."""
        low, high = SAMPLE_BOUNDS_S
        if not low <= seconds <= high:
            return False
        self._samples.append(float(seconds))
        return True

    def __len__(self) -> int:
        return len(self._samples)

    @property
    def typical_s(self) -> float:
        samples = sorted(self._samples)
        if len(samples) < MIN_SAMPLES:
            return (self.prior_s * (MIN_SAMPLES - len(samples)) + sum(samples)) / MIN_SAMPLES
        middle = statistics.median(samples)
        kept = [x for x in samples if x <= OUTLIER * middle]
        return sum(kept) / len(kept)


@dataclasses.dataclass(frozen=True, slots=True)
class AgentLoad:
    """One agent serving the queue: how long their session has run (None: available)
    and how many queues they serve."""

    busy_for_s: float | None
    queues: int = 1


def estimate_wait(position: int, agents: Sequence[AgentLoad], handle_s: float) -> float | None:
    """Seconds until the customer at ``position`` (1 = next) is taken; None without agents."""
    if position < 1:
        raise ValueError("positions start at 1")
    waits = estimate_waits(position, agents, handle_s)
    return None if waits is None else waits[-1]


def estimate_waits(count: int, agents: Sequence[AgentLoad], handle_s: float) -> list[float] | None:
    """The estimates of positions 1 to ``count`` at once (one pass, not ``count``);
    None without agents."""
    if not agents:
        return None
    heap: list[tuple[float, float]] = []
    for a in agents:
        cycle = handle_s * max(1, a.queues)
        if a.busy_for_s is None:
            free = 0.0
        else:
            free = max(handle_s - a.busy_for_s, handle_s * MIN_LEFT)
        heap.append((free, cycle))
    heapq.heapify(heap)
    waits: list[float] = []
    for _ in range(count):
        free, cycle = heapq.heappop(heap)
        heapq.heappush(heap, (free + cycle, cycle))
        waits.append(free)
    return waits


#: What the apps show: minutes rounded up to these steps, then whole hours.
SHOWN_STEPS_MIN = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120)


def shown_wait(seconds: float | None) -> int | None:
    """The estimate in whole minutes as shown: rounded up to the next step of
    :data:`SHOWN_STEPS_MIN` (at least 1), then to whole hours; None stays None."""
    if seconds is None:
        return None
    minutes = max(1.0, seconds / 60.0)
    for step in SHOWN_STEPS_MIN:
        if minutes <= step:
            return step
    return int(math.ceil(minutes / 60.0)) * 60
