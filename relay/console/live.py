"""The live desk: one picture of the queues, the waiting customers, the agents and the
rooms, made once a second while anyone watches, and sent to every watcher.

The cost does not grow with the number of supervisors watching: the picture is built
once per tick (one small database read for the rooms, which on a cluster are on
every node) and its JSON is encoded once; each watcher's stream only writes those
bytes. A picture that did not change is not sent (the page counts waited seconds on
by itself); a comment line every :data:`KEEPALIVE_S` keeps proxies from closing an
idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("relay.console")

__all__ = ["LiveDesk", "TICK_S", "KEEPALIVE_S"]

#: How often the picture is remade while someone watches (seconds).
TICK_S = 1.0
#: A keep-alive comment on an otherwise quiet stream (seconds).
KEEPALIVE_S = 15.0
#: A watcher whose browser reads this far behind is dropped (it reconnects).
MAX_BEHIND = 8

Picture = dict[str, Any]


class LiveDesk:
    """``build`` makes the picture (it may read the database in a worker thread)."""

    def __init__(self, build: Callable[[], Awaitable[Picture]], tick_s: float = TICK_S) -> None:
        self._build = build
        self._tick_s = tick_s
        self._watchers: set[asyncio.Queue[bytes | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._last: bytes = b""
        self._body = ""
        self.pictures = 0  # built (for the bench and the tests)

    @property
    def watchers(self) -> int:
        return len(self._watchers)

    def watch(self) -> asyncio.Queue[bytes | None]:
        """A new watcher: it gets the current picture at once, then each change."""
        q: asyncio.Queue[bytes | None] = asyncio.Queue(MAX_BEHIND)
        if self._last:
            q.put_nowait(self._last)
        self._watchers.add(q)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return q

    def unwatch(self, q: asyncio.Queue[bytes | None]) -> None:
        self._watchers.discard(q)

    async def close(self) -> None:
        for q in list(self._watchers):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(None)
        self._watchers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while self._watchers:
            started = time.monotonic()
            try:
                picture = await self._build()
            except Exception:  # a database hiccup: keep the last picture, try again
                log.exception("live desk: could not make the picture")
            else:
                self.pictures += 1
                body = json.dumps(picture, separators=(",", ":"), ensure_ascii=False)
                if body != self._body:
                    # The server's clock goes with it: the page counts waits on from it.
                    self._body = body
                    data = f'data: {{"now":{time.time():.3f},"desk":{body}}}\n\n'.encode()
                    self._last = data
                    for q in list(self._watchers):
                        try:
                            q.put_nowait(data)
                        except asyncio.QueueFull:  # reads too slowly: it reconnects
                            self._watchers.discard(q)
            await asyncio.sleep(max(0.05, self._tick_s - (time.monotonic() - started)))
        self._last = b""
        self._body = ""
