"""A real relay on 127.0.0.1 (port 0) running on its own thread, for tests whose code under test
runs its own network threads (the apps) rather than the test's event loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from tests.helpers.relay_harness import add_agent, running_relay


class RelayThread:
    """``with RelayThread(tmp_path) as relay: relay.url, relay.token``."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.url = ""
        self.token = add_agent(data_dir, "alice", "Alice Kim", "Acme Support")
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="test-relay", daemon=True)

    def __enter__(self) -> RelayThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the relay did not start")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _main(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with running_relay(self.data_dir, **self.settings) as server:
            self.url = server.url
            self._ready.set()
            await self._stop.wait()
