"""A real relay with its console, served over TLS from the run's throwaway CA.

* :func:`console_relay` — in the test's own event loop, with an aiohttp client
  (:class:`Browser`) that trusts the CA: for the route-by-route and security tests;
* :class:`RelayThread` — the same relay in a thread of its own, for Playwright's
  (synchronous) browser tests; coroutines run in its loop with :meth:`call`.

Agents: ``ada`` (admin), ``sam`` (supervisor), ``alice`` and ``bob`` (agents, team
network), each with :data:`PASSWORD`. The desk has one queue, ``internet``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import re
import ssl
import threading
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from common.messages import Ask
from relay.server import RelayServer
from relay.store import Store
from tests.helpers.relay_harness import running_relay
from tools.throwaway_ca import Issued, ThrowawayCA

T = TypeVar("T")

PASSWORD = "correct horse battery"
ORG_KEY = bytes(range(32))
AGENTS = {
    "ada": ("Ada Admin", "admin", ""),
    "sam": ("Sam Supervisor 샘", "supervisor", "network"),
    "alice": ("Alice Kim 김앨리스", "agent", "network"),
    "bob": ("Bob Park 박밥", "agent", "network"),
}
DESK = """
zone = "Asia/Seoul"
[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["network"]
"""


@dataclasses.dataclass
class Setup:
    data: Path
    desk: Path
    tokens: dict[str, str]
    tls: Issued
    ca: ThrowawayCA
    database_url: str = ""

    def settings(self) -> dict[str, Any]:
        return {
            "database_url": self.database_url,
            "desk_file": self.desk,
            "tls_cert": self.tls.cert,
            "tls_key": self.tls.key,
            "console_port": 0,
        }


def prepare(
    tmp_path: Path, ca: ThrowawayCA, tls: Issued | None = None, database_url: str = ""
) -> Setup:
    """The relay's data (SQLite in ``tmp_path``, or the PostgreSQL ``database_url``)."""
    data = tmp_path / "relay"
    desk = tmp_path / "desk.toml"
    desk.write_text(DESK, encoding="utf-8")
    store = Store.open(data, database_url)
    tokens = {}
    try:
        for name, (display, role, team) in AGENTS.items():
            tokens[name] = store.add_agent(name, display, "Acme 지원")
            store.set_role(name, role)
            store.set_team(name, team)
            store.console.set_password(name, PASSWORD)
        # The organisation's public key (its support link is on the help page); agents
        # sign in without certificates here.
        store.register_organisation("Acme 지원", ORG_KEY, require=False)
    finally:
        store.close()
    return Setup(data, desk, tokens, tls or ca.issue(f"console-{tmp_path.name}"), ca, database_url)


def ask(
    installation: str, name: str = "Hong Gildong 홍길동", topic: str = "인터넷이 끊겨요"
) -> Ask:
    return Ask(
        "internet", "fp", installation, name, "010-1234-5678", topic, "",
        os.urandom(32), os.urandom(16), hashlib.sha256(os.urandom(32)).digest(),
    )  # fmt: skip


class Browser:
    """An HTTP client with its own cookie jar, trusting the throwaway CA."""

    def __init__(self, base: str, ca: ThrowawayCA) -> None:
        self.base = base
        self.ssl = ssl.create_default_context(cafile=str(ca.cert_path))
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.ssl),
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for an IP address
        )
        self.csrf = ""

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kw: Any) -> tuple[int, str, aiohttp.ClientResponse]:
        kw.setdefault("allow_redirects", False)
        async with self.session.get(self.base + path, **kw) as r:
            body = await r.text()
            self._csrf_from(body)
            return r.status, body, r

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = None, **kw: Any
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        form = dict(data or {})
        form.setdefault("csrf", self.csrf if csrf is None else csrf)
        kw.setdefault("allow_redirects", False)
        async with self.session.post(self.base + path, data=form, **kw) as r:
            body = await r.text()
            self._csrf_from(body)
            return r.status, body, r

    def _csrf_from(self, body: str) -> None:
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        if found:
            self.csrf = found.group(1)

    async def sign_in(self, name: str, password: str = PASSWORD) -> int:
        await self.get("/signin")
        status, _, _ = await self.post("/signin", {"name": name, "password": password})
        if status == 303:
            await self.get("/contacts")  # the session's CSRF token, from a page
        return status


@contextlib.asynccontextmanager
async def console_relay(setup: Setup) -> AsyncIterator[tuple[RelayServer, str]]:
    async with running_relay(setup.data, **setup.settings()) as relay:
        assert relay.console is not None
        yield relay, f"https://127.0.0.1:{relay.console.port}"


class RelayThread:
    """The relay in a thread with its own event loop (Playwright's sync API owns this one)."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.relay: RelayServer | None = None
        self.base = ""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="relay", daemon=True)

    def __enter__(self) -> RelayThread:
        self._thread.start()
        if not self._ready.wait(30) or self._error is not None:
            raise RuntimeError(f"the relay did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _main(self) -> None:
        try:
            # asyncio.run: at the end, the browser's connections the console closed get
            # the loop iterations that close their sockets.
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the test through __enter__
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with console_relay(self.setup) as (relay, base):
            self.relay, self.base = relay, base
            self._ready.set()
            await self._stop.wait()
        await asyncio.sleep(0.1)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)
