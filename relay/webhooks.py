"""Sends webhook deliveries (relay/integrations.py keeps them) from a thread of its
own with its own event loop (:class:`SenderThread`): HTTP with aiohttp, the
database in worker threads, at most :data:`CONCURRENCY` requests at a time, each
given :data:`TIMEOUT_S`, and at most :data:`MAX_PER_S` a second. So a slow or dead
receiver, or a backlog of thousands, never holds up the relay's loop, which carries
the sessions (measured: docs/performance.md).

Each POST carries the JSON event and these headers:

* ``Assist-Event``: ``contact.ended``, ``callback.requested`` or ``survey.answered``;
* ``Assist-Delivery``: the delivery's id (the same on every retry: receivers use it
  to ignore a repeat);
* ``Assist-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time

import aiohttp

from relay.integrations import Delivery, Integrations, sign
from relay.sql import StoreError

log = logging.getLogger("relay.webhooks")

__all__ = ["CONCURRENCY", "MAX_PER_S", "TIMEOUT_S", "SenderThread", "WebhookSender"]

#: Requests in flight at once, over every receiver.
CONCURRENCY = 8
#: A backlog drains at most this fast (deliveries a second): steady for the
#: receivers, and light beside the sessions.
MAX_PER_S = 400.0
#: One request's time limit (connect, send and answer), seconds.
TIMEOUT_S = 10.0
#: How often the database is asked for due deliveries when there were none.
POLL_S = 1.0


class WebhookSender:
    def __init__(self, integrations: Integrations, *, user_agent: str = "assist-relay") -> None:
        self.integrations = integrations
        self.user_agent = user_agent
        self.sent = 0  # attempts made (the metrics and the bench read them)
        self.delivered = 0
        self._session: aiohttp.ClientSession | None = None
        self._secrets: dict[str, tuple[str, str]] = {}  # hook id -> (url, secret)
        self._secrets_at = 0.0

    async def run(self) -> None:
        """Until cancelled: claim due deliveries, send them, record each attempt."""
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
            headers={"User-Agent": self.user_agent},
            connector=aiohttp.TCPConnector(limit=CONCURRENCY),
        )
        try:
            while True:
                try:
                    done = await self.round()
                except StoreError as exc:
                    log.warning("webhooks: the database did not answer (%s); trying again", exc)
                    done = 0
                except Exception:  # a bug or a closed pool must not end the sending for good
                    log.exception("webhooks: sending failed; trying again")
                    done = 0
                if not done:
                    await asyncio.sleep(POLL_S)
        finally:
            with contextlib.suppress(Exception):
                await self._session.close()

    async def round(self) -> int:
        """One batch: claim, send concurrently, record. Returns how many were sent."""
        now = time.time()
        batch = await asyncio.to_thread(self.integrations.claim, now, CONCURRENCY * 4)
        if not batch:
            return 0
        if now - self._secrets_at > 5 or any(d.hook not in self._secrets for d in batch):
            hooks = await asyncio.to_thread(self.integrations.hooks)
            self._secrets = {h.id: (h.url, h.secret) for h in hooks}
            self._secrets_at = now
        limit = asyncio.Semaphore(CONCURRENCY)
        started = time.monotonic()
        await asyncio.gather(*(self._send(d, limit) for d in batch))
        # Paced: a batch takes at least its share of a second.
        await asyncio.sleep(max(0.0, len(batch) / MAX_PER_S - (time.monotonic() - started)))
        return len(batch)

    async def _send(self, delivery: Delivery, limit: asyncio.Semaphore) -> None:
        assert self._session is not None
        target = self._secrets.get(delivery.hook)
        status: int | None = None
        error = ""
        if target is None:
            error = "the webhook was removed"
        else:
            url, secret = target
            body = delivery.payload.encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Assist-Event": delivery.event,
                "Assist-Delivery": delivery.id,
                "Assist-Signature": sign(secret, int(time.time()), body),
            }
            async with limit:
                try:
                    async with self._session.post(url, data=body, headers=headers) as r:
                        status = r.status
                        if not 200 <= status < 300:
                            error = (await r.text())[:200]
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    error = f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__
        self.sent += 1
        state = await asyncio.to_thread(
            self.integrations.attempted, delivery.id, status, error, time.time()
        )
        if state == "delivered":
            self.delivered += 1
        elif state == "failed":
            log.warning(
                "webhook delivery %s (%s) failed for good after its retries: %s",
                delivery.id, delivery.event, error or status,
            )  # fmt: skip


class SenderThread:
    """A :class:`WebhookSender` on a thread with its own event loop."""

    def __init__(self, sender: WebhookSender) -> None:
        self.sender = sender
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="relay-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._ready.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sender.run()

        asyncio.run(main())

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel the sender (a delivery in flight is sent again later: its lease ends)."""
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout)
