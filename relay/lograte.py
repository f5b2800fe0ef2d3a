"""Log-rate limiting: a flood must not turn into a flood of log lines.

A relay under attack (or out of file descriptors) meets the same problem over
and over: the same warning for each refused connection, ``socket.accept()
out of system resource`` every second, a handshake failure per socket. One
line each is useful; forty-five thousand fill the disk and hide everything
else. :class:`RepeatFilter` lets the first ``burst`` records with the same
logger, level and message template through in each ``window_s`` and drops the
rest; the first such line of a later window says how many were dropped::

    WARNING relay.sessions: rate limit: too many connections from 10.0.0.7
    WARNING relay.sessions: rate limit: too many connections from 10.0.0.9 (4,812 more
    like this were not logged)

The ``assist_relay_log_lines_suppressed_total`` metric counts them as they go.

It is a pure filter: the clock is a parameter, so tests drive it with numbers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RepeatFilter"]


class RepeatFilter(logging.Filter):
    """Attach to a handler; see the module docstring."""

    def __init__(
        self,
        *,
        burst: int = 5,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        on_suppressed: Callable[[int], None] | None = None,
        max_keys: int = 1000,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self.clock = clock
        self.on_suppressed = on_suppressed
        self.max_keys = max_keys
        # key -> [window start, records seen in it]
        self._seen: dict[tuple[str, int, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        entry = self._seen.get(key)
        if entry is None or now - entry[0] >= self.window_s:
            dropped = int(entry[1]) - self.burst if entry is not None else 0
            if len(self._seen) >= self.max_keys and key not in self._seen:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = [now, 1.0]
            if dropped > 0:
                record.msg = f"{record.msg} ({dropped:,} more like this were not logged)"
            return True
        entry[1] += 1
        if entry[1] <= self.burst:
            return True
        if self.on_suppressed is not None:
            self.on_suppressed(1)
        return False
