"""Run a real relay on 127.0.0.1 port 0 and talk to it with real websocket clients.

* :func:`running_relay` — an in-process relay (same event loop as the test);
* :class:`RelayProcess` — ``python -m relay.cli serve`` as a subprocess, for
  signals, logs and memory; with ``tls=`` (a certificate from
  :mod:`tools.throwaway_ca`) it serves ``wss://`` as a deployed relay does;
* :class:`Client` — a thin scripted endpoint: send a message, expect one;
* :func:`pair` / :func:`establish` — the usual opening of a session, in one call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from common.errors import ErrorCode
from common.messages import (
    PROTOCOL_VERSION,
    Auth,
    Create,
    Created,
    Data,
    Error,
    Established,
    Hello,
    Join,
    Layer,
    Message,
    Paired,
    Resume,
    Role,
    parse,
)
from relay.config import Settings
from relay.server import RelayServer
from relay.store import Store
from tools import procs
from tools.throwaway_ca import Issued

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 5.0
M = TypeVar("M", bound=Message)


_open_clients: list[Client] = []


def run(coro: Any) -> Any:
    """Run a test coroutine (tests are plain functions; no plugin needed).

    Every :class:`Client` the test opened is closed afterwards, pass or fail.
    """

    async def main() -> Any:
        try:
            return await coro
        finally:
            clients = list(_open_clients)
            _open_clients.clear()
            for client in clients:
                client.ws.transport.abort()
            for client in clients:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await client.ws.wait_closed()

    return asyncio.run(main())


def add_agent(
    data_dir: Path, name: str = "alice", display_name: str = "Alice Agent", org: str = "Acme"
) -> str:
    store = Store.open(data_dir)
    try:
        return store.add_agent(name, display_name, org)
    finally:
        store.close()


@contextlib.asynccontextmanager
async def running_relay(data_dir: Path, **settings: Any) -> AsyncIterator[RelayServer]:
    """An in-process relay on 127.0.0.1, port 0, with ``settings`` overriding defaults."""
    store = Store.open(data_dir, settings.get("database_url", ""))
    server = RelayServer(Settings(host="127.0.0.1", port=0, data_dir=data_dir, **settings), store)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        store.close()


class Client:
    """One endpoint's websocket, speaking relay messages."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        _open_clients.append(self)

    @classmethod
    async def connect(cls, url: str, role: Role | None = None, **kwargs: Any) -> Client:
        """Connect; with a ``role``, also send Hello and wait for Welcome."""
        kwargs.setdefault("compression", None)
        kwargs.setdefault("open_timeout", TIMEOUT)
        client = cls(await connect(url, **kwargs))
        if role is not None:
            await client.send(Hello(PROTOCOL_VERSION, role, "relay-tests"))
            await client.expect_kind(2)  # Welcome
        return client

    async def send(self, msg: Message | bytes | str) -> None:
        """Send a message, or raw bytes / a text frame as a misbehaving client would."""
        await self.ws.send(msg if isinstance(msg, bytes | str) else msg.serialize())

    async def recv_raw(self, timeout: float = TIMEOUT) -> bytes:
        async with asyncio.timeout(timeout):
            raw = await self.ws.recv()
        assert isinstance(raw, bytes), raw
        return raw

    async def recv(self, timeout: float = TIMEOUT) -> Message:
        return parse(await self.recv_raw(timeout), Layer.RELAY)

    async def expect(self, cls: type[M], timeout: float = TIMEOUT) -> M:
        msg = await self.recv(timeout)
        assert isinstance(msg, cls), f"expected {cls.__name__}, got {msg!r}"
        return msg

    async def expect_kind(self, kind: int) -> bytes:
        raw = await self.recv_raw()
        assert raw[0] == kind, parse(raw, Layer.RELAY)
        return raw

    async def expect_error(self, code: ErrorCode) -> Error:
        err = await self.expect(Error)
        assert err.code is code, err
        return err

    async def expect_closed(self, timeout: float = TIMEOUT) -> int | None:
        """Wait for the relay to close; return the close code it sent."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd is not None else None
        raise AssertionError("not closed")  # pragma: no cover

    async def expect_silence(self, seconds: float = 0.2) -> None:
        try:
            async with asyncio.timeout(seconds):
                raw = await self.ws.recv()
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {raw!r:.80}")

    async def close(self) -> None:
        await self.ws.close()

    def drop(self) -> None:
        """Vanish without a closing handshake, like a lost network."""
        self.ws.transport.abort()


async def agent_create(url: str, token: str, **options: Any) -> tuple[Client, str]:
    agent = await Client.connect(url, Role.AGENT, **options)
    await agent.send(Auth(token, bytes(32)))
    await agent.expect_kind(4)  # AuthOk
    await agent.send(Create())
    created = await agent.expect(Created)
    return agent, created.nameplate


async def customer_join(url: str, nameplate: str, **options: Any) -> Client:
    customer = await Client.connect(url, Role.CUSTOMER, **options)
    await customer.send(Join(nameplate))
    return customer


async def pair(
    url: str,
    token: str,
    agent_options: dict[str, Any] | None = None,
    customer_options: dict[str, Any] | None = None,
) -> tuple[Client, Client, str]:
    """An agent creates, a customer joins; both have seen Paired.

    The options go to ``websockets.connect`` for that side (``ssl``, ``max_queue``...).
    """
    agent, nameplate = await agent_create(url, token, **(agent_options or {}))
    customer = await customer_join(url, nameplate, **(customer_options or {}))
    await agent.expect(Paired)
    await customer.expect(Paired)
    return agent, customer, nameplate


async def establish(agent: Client, customer: Client) -> tuple[bytes, bytes]:
    """Both sides report key confirmation with made-up resume tokens; returns the tokens."""
    tokens = secrets.token_bytes(32), secrets.token_bytes(32)
    msg = Established(hashlib.sha256(tokens[0]).digest(), hashlib.sha256(tokens[1]).digest())
    await agent.send(msg)
    await customer.send(msg)
    return tokens


async def resume(url: str, nameplate: str, role: Role, token: bytes) -> Client:
    client = await Client.connect(url, role)
    await client.send(Resume(nameplate, role, token))
    return client


async def roundtrip(agent: Client, customer: Client, payload: bytes = b"ping") -> None:
    """One Data each way arrives unchanged."""
    msg = Data(payload).serialize()
    await agent.send(msg)
    assert await customer.recv_raw() == msg
    await customer.send(msg)
    assert await agent.recv_raw() == msg


class RelayProcess(procs.RelayProcess):
    """``assist-relay serve --port 0`` in a subprocess (:mod:`tools.procs`); its log goes to
    ``log_path``. :meth:`stop` also says how long the relay took to exit."""

    def __init__(
        self,
        data_dir: Path,
        *extra: str,
        env: dict[str, str] | None = None,
        tls: Issued | None = None,
    ) -> None:
        super().__init__(data_dir, *extra, env=env, tls=tls, error=AssertionError)
        assert self.log is not None
        self.log_path = self.log

    def stop(  # type: ignore[override]
        self, sig: int = signal.SIGTERM, timeout: float = 10.0
    ) -> tuple[int, float]:
        """Send ``sig``; return (exit code, seconds it took to exit)."""
        start = time.monotonic()
        code = super().stop(sig, grace=timeout)
        return code, time.monotonic() - start


def cli(data_dir: Path, *args: str) -> str:
    """Run an admin command as a process (as an admin would, while the relay runs)."""
    return procs.admin(data_dir, *args)
