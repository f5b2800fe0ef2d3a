"""Timing a call in process, for the micro-benchmarks (messages, identity).

A round is one loop of enough calls to take about ``round_s``; callers run
rounds of their case and of its yardstick alternately and report medians.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def calls_per_round(fn: Callable[[], Any], round_s: float) -> int:
    """How many calls of ``fn`` take about ``round_s`` seconds."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        spent = time.perf_counter() - t
        if spent > round_s / 5 or n >= 1 << 20:
            return max(1, int(n * round_s / max(spent, 1e-9)))
        n *= 2


def us_per_call(fn: Callable[[], Any], n: int) -> float:
    """Microseconds per call over ``n`` calls."""
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n * 1e6
