"""The help desk's wait estimate against a simulated day (issue 15).

The desk's own rules run unchanged: a :class:`relay.desk.lobby.Lobby` on a fake
clock, fed a day of events. Each round is one working day (09:00–18:00) of two
queues served by overlapping teams:

* customers arrive as a Poisson process whose rate follows a day's shape (a
  morning and an afternoon peak, quiet at lunch), to about 85 % of the desk's
  capacity over the day;
* handle times are log-normal (median 6 minutes, a long tail: σ = 0.6);
* some customers give up: each has a patience drawn from an exponential
  distribution (mean 20 minutes) and leaves the queue when it runs out;
* agents take the next customer as soon as they are free, by the desk's
  routing (longest waiting first in their queues); each finished session is
  learnt as a handle time.

For every customer who is served, the estimate they were shown on joining is
compared with how long they actually waited. Reported, medians over rounds
(each its own seed) with min–max: the median and 90th-percentile absolute error
in minutes, the mean signed error (positive: estimates too long), the share of
customers whose shown wait (rounded up to 1, 2, 3, 5, 10 … minutes) was at least
what they waited, and the share within ±2 minutes or ±25 %.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
import random
import statistics
import tomllib
from typing import Any

from relay.desk.config import desk_from_mapping
from relay.desk.lobby import Joined, Lobby, Taken

DESK = """
zone = "UTC"
callback_offer_above_s = 1200

[[queue]]
id = "internet"
name = "Internet"
teams = ["network", "generalists"]
max_waiting = 500
handle_s = 420
[queue.hours]
mon-fri = "09:00-18:00"

[[queue]]
id = "billing"
name = "Billing"
teams = ["billing", "generalists"]
max_waiting = 500
handle_s = 420
[queue.hours]
mon-fri = "09:00-18:00"
"""

#: Agents by team: two network, two billing, two generalists serving both.
AGENTS = {
    "net1": ["network"],
    "net2": ["network"],
    "bil1": ["billing"],
    "bil2": ["billing"],
    "gen1": ["generalists"],
    "gen2": ["generalists"],
}
HANDLE_MEDIAN_S = 360.0
HANDLE_SIGMA = 0.6
PATIENCE_MEAN_S = 1200.0
LOAD = 0.85
DAY_S = 9 * 3600.0


def _shape(t: float) -> float:
    """Relative arrival rate over the day (t seconds after 09:00): peaks at about
    10:30 and 14:30, a dip at lunch; averages 1."""
    hours = t / 3600.0
    morning = math.exp(-(((hours - 1.5) / 1.2) ** 2))
    afternoon = math.exp(-(((hours - 5.5) / 1.4) ** 2))
    return 0.35 + 0.9 * morning + 0.9 * afternoon


_SHAPE_MEAN = sum(_shape(t) for t in range(0, int(DAY_S), 60)) / (DAY_S / 60)
_SHAPE_PEAK = max(_shape(t) for t in range(0, int(DAY_S), 60))


@dataclasses.dataclass
class _Customer:
    ticket: str
    queue: str
    joined: float
    estimate_s: float | None
    shown_min: int | None
    waited_s: float | None = None


def simulate_day(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    mean_handle = HANDLE_MEDIAN_S * math.exp(HANDLE_SIGMA**2 / 2)
    capacity_per_s = len(AGENTS) / mean_handle
    peak_rate = LOAD * capacity_per_s / _SHAPE_MEAN * _SHAPE_PEAK
    start = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)  # a Monday
    clock = {"t": 0.0}
    lobby = Lobby(
        desk_from_mapping(tomllib.loads(DESK)),
        grace_s=60.0,
        monotonic=lambda: clock["t"],
        wall=lambda: start + dt.timedelta(seconds=clock["t"]),
    )
    for name, teams in AGENTS.items():
        lobby.agent_signed_in(name, teams)
    events: list[tuple[float, int, str, str]] = []  # (time, order, kind, subject)
    order = 0

    def push(t: float, kind: str, subject: str) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (t, order, kind, subject))

    # Arrivals: a thinned Poisson process over the day's shape.
    t, n = 0.0, 0
    while True:
        t += rng.expovariate(peak_rate)
        if t >= DAY_S - 600:  # the last ten minutes: nobody new
            break
        if rng.random() <= _shape(t) / _SHAPE_PEAK:  # thinning: the same peak as the rate
            n += 1
            push(t, "arrive", f"c{n}")
    customers: dict[str, _Customer] = {}
    in_session: dict[str, tuple[str, float]] = {}  # agent -> (queue, started)

    def serve_free_agents() -> None:
        for name in AGENTS:
            if name in in_session:
                continue
            got = lobby.take_next(name)
            if isinstance(got, Taken):
                c = customers[got.waiting.ticket]
                c.waited_s = clock["t"] - c.joined
                in_session[name] = (c.queue, clock["t"])
                handle = rng.lognormvariate(math.log(HANDLE_MEDIAN_S), HANDLE_SIGMA)
                push(clock["t"] + handle, "end", name)

    while events:
        t, _, kind, subject = heapq.heappop(events)
        clock["t"] = t
        if kind == "arrive":
            queue = "internet" if rng.random() < 0.6 else "billing"
            joined = lobby.join(subject, queue, f"pc-{subject}", {})
            if isinstance(joined, Joined):
                s = joined.standing
                customers[subject] = _Customer(subject, queue, t, s.estimate_s, s.shown_min)
                push(t + rng.expovariate(1.0 / PATIENCE_MEAN_S), "give_up", subject)
        elif kind == "give_up":
            lobby.leave(subject)  # no-op if already taken
        elif kind == "end":
            queue, started = in_session.pop(subject)
            lobby.session_ended(subject, queue, t - started)
        serve_free_agents()

    served = [c for c in customers.values() if c.waited_s is not None and c.estimate_s is not None]
    errors = [(c.estimate_s - c.waited_s) / 60.0 for c in served]  # type: ignore[operator]
    absolute = sorted(abs(e) for e in errors)

    def share(ok: list[bool]) -> float:
        return round(100.0 * sum(ok) / len(ok), 1) if ok else 0.0

    waited = [c.waited_s / 60.0 for c in served]  # type: ignore[operator]
    return {
        "arrived": n,
        "served": len(served),
        "gave_up": len(customers) - len([c for c in customers.values() if c.waited_s is not None]),
        "waited_min_median": round(statistics.median(waited), 2) if waited else None,
        "waited_min_p90": round(_pct(sorted(waited), 0.9), 2) if waited else None,
        "abs_error_min_median": round(statistics.median(absolute), 2) if absolute else None,
        "abs_error_min_p90": round(_pct(absolute, 0.9), 2) if absolute else None,
        "bias_min": round(statistics.fmean(errors), 2) if errors else None,
        "shown_not_exceeded_pct": share(
            [c.shown_min is not None and c.shown_min * 60.0 >= c.waited_s for c in served]  # type: ignore[operator]
        ),
        "within_2min_or_25pct": share(
            [
                abs(c.estimate_s - c.waited_s) <= max(120.0, 0.25 * c.waited_s)  # type: ignore[operator]
                for c in served
            ]
        ),
    }


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def run(rounds: int = 5) -> dict[str, Any]:
    """``rounds`` simulated days (seeds 1 … rounds); medians with min–max."""
    days = [simulate_day(seed) for seed in range(1, rounds + 1)]
    out: dict[str, Any] = {"rounds": rounds, "agents": len(AGENTS), "days": days}
    for key in days[0]:
        values = [d[key] for d in days if d[key] is not None]
        if values:
            out[key] = {
                "median": round(statistics.median(values), 2),
                "min": min(values),
                "max": max(values),
            }
    out["abs_error_min_median_of_days"] = out["abs_error_min_median"]["median"]
    return out


def main() -> None:
    import json

    result = run()
    print(json.dumps({k: v for k, v in result.items() if k != "days"}, indent=2))


if __name__ == "__main__":
    main()
