"""Load for the relay benchmarks: paired sessions that send stamped ``Data`` messages.

Used two ways:

* in-process by :mod:`bench.relay_bench` (:func:`pair`, :func:`throughput`);
* as a child process, several at once, for the many-sessions run::

      python -m bench.relay_load --target relay --url ws://... --token T \\
          --sessions 50 --rate 10 --size 20000 --warmup 2 --seconds 10

  It opens its sessions, prints ``ready``, waits for ``go`` on stdin, then
  each session's customer side sends ``rate`` messages a second of ``size``
  bytes to its agent side (at a random phase, so sends are spread) for
  ``warmup + seconds``, and prints one JSON line: the delivery latencies in
  ms of the messages sent after the warm-up, and counts.

A message carries its send time (``time.monotonic_ns``, taken just before
``send``) in its first 8 bytes; the receiver subtracts it from the time the
message came out of ``recv``. Both ends live in this process, so one clock.

Targets: ``relay`` (the project's relay: Hello, Auth, Create / Hello, Join,
Paired, Established, then ``Data``), ``bare`` (:mod:`bench.forwarder`: one
pairing message, then the same bytes) and ``direct`` (a websockets server in
this very process: the sender talks straight to the receiver, no hop between;
the floor that the load generator itself costs).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import secrets
import struct
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bench.procs import client_ssl
from common.messages import (
    MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Create,
    Created,
    Established,
    Hello,
    Join,
    Kind,
    Layer,
    Message,
    Paired,
    Redirect,
    Role,
    Welcome,
    parse,
)

_STAMP = struct.Struct(">Q")
_OPTIONS: dict[str, Any] = {
    "compression": None,
    "max_size": MAX_MESSAGE_BYTES,
    "open_timeout": 60,
    "ping_interval": None,
}


async def _expect(ws: ClientConnection, cls: type[Message], timeout: float = 60) -> Message:
    while True:
        async with asyncio.timeout(timeout):
            raw = await ws.recv()
        assert isinstance(raw, bytes)
        msg = parse(raw, Layer.RELAY)
        if isinstance(msg, cls):
            return msg
        if type(msg).__name__ in ("Error", "PeerLeft"):
            raise RuntimeError(f"the relay said {msg!r} while we waited for {cls.__name__}")


async def join(url: str, nameplate: str) -> tuple[ClientConnection, int]:
    """A customer's Join at ``url``, following a cluster node's Redirect as the apps do;
    returns the connection (Paired not yet read) and how many redirects it followed."""
    hops = 0
    while True:
        customer = await connect(url, ssl=client_ssl(url), **_OPTIONS)
        await customer.send(Hello(PROTOCOL_VERSION, Role.CUSTOMER, "bench").serialize())
        await _expect(customer, Welcome)
        await customer.send(Join(nameplate).serialize())
        async with asyncio.timeout(60):
            raw = await customer.recv()
        assert isinstance(raw, bytes)
        msg = parse(raw, Layer.RELAY)
        if isinstance(msg, Redirect) and hops < 4:
            hops += 1
            url = msg.url
            await customer.close()
            continue
        if not isinstance(msg, Paired):
            raise RuntimeError(f"the relay said {msg!r} to a Join")
        return customer, hops


async def create(url: str, token: str) -> tuple[ClientConnection, str]:
    """An agent signed in at ``url`` with a new code: (its connection, the nameplate)."""
    agent = await connect(url, ssl=client_ssl(url), **_OPTIONS)
    await agent.send(Hello(PROTOCOL_VERSION, Role.AGENT, "bench").serialize())
    await _expect(agent, Welcome)
    await agent.send(Auth(token, bytes(32)).serialize())
    await _expect(agent, AuthOk)
    await agent.send(Create().serialize())
    created = await _expect(agent, Created)
    assert isinstance(created, Created)
    return agent, created.nameplate


async def pair_relay(
    url: str, token: str, join_url: str = ""
) -> tuple[ClientConnection, ClientConnection]:
    """An agent and a customer paired and established through the project's relay (the
    customer joins at ``join_url`` when given: another node of a cluster)."""
    agent, nameplate = await create(url, token)
    customer, _ = await join(join_url or url, nameplate)
    await _expect(agent, Paired)
    tokens = secrets.token_bytes(32), secrets.token_bytes(32)
    done = Established(*(hashlib.sha256(t).digest() for t in tokens)).serialize()
    await agent.send(done)
    await customer.send(done)
    return agent, customer


async def pair_bare(url: str) -> tuple[ClientConnection, ClientConnection]:
    key = secrets.token_bytes(16)
    agent = await connect(url, ssl=client_ssl(url), **_OPTIONS)
    await agent.send(key)
    customer = await connect(url, ssl=client_ssl(url), **_OPTIONS)
    await customer.send(key)
    return agent, customer


class DirectServer:
    """A websockets server in this process that hands each connection to whoever waits for it."""

    def __init__(self) -> None:
        self._accepted: asyncio.Queue[ServerConnection] = asyncio.Queue()
        self._server: Any = None
        self.url = ""

    async def start(self) -> None:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, compression=None, max_size=MAX_MESSAGE_BYTES
        )
        self.url = f"ws://127.0.0.1:{next(iter(self._server.sockets)).getsockname()[1]}"

    async def _handle(self, ws: ServerConnection) -> None:
        await self._accepted.put(ws)
        await ws.wait_closed()

    async def pair(self) -> tuple[Any, ClientConnection]:
        customer = await connect(self.url, ssl=client_ssl(self.url), **_OPTIONS)
        agent = await self._accepted.get()
        return agent, customer

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def stamped(size: int, seq: int = 0, *, data_kind: bool) -> bytearray:
    """A message of ``size`` bytes: [Data kind byte] 8-byte stamp slot, 8-byte seq, padding."""
    head = bytes([Kind.DATA]) if data_kind else b""
    body = bytearray(head + bytes(16) + random.randbytes(max(0, size - len(head) - 16)))
    struct.pack_into(">Q", body, len(head) + 8, seq)
    return body


async def run_sessions(args: argparse.Namespace) -> dict[str, Any]:
    direct = DirectServer() if args.target == "direct" else None
    if direct is not None:
        await direct.start()

    async def open_one() -> tuple[Any, Any]:
        if args.target == "relay":
            return await pair_relay(args.url, args.token, args.join_url)
        if args.target == "bare":
            return await pair_bare(args.url)
        assert direct is not None
        return await direct.pair()

    sessions: list[tuple[Any, Any]] = []
    for start in range(0, args.sessions, 10):  # a few at a time: each Auth costs a scrypt
        batch = range(start, min(args.sessions, start + 10))
        sessions += await asyncio.gather(*(open_one() for _ in batch))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)

    data_kind = args.target == "relay"
    offset = 1 if data_kind else 0
    latencies: list[float] = []
    sent = received = late = 0
    t0 = time.monotonic_ns()
    measure_from = t0 + round(args.warmup * 1e9)
    stop_at = measure_from + round(args.seconds * 1e9)

    async def receive(ws: Any) -> None:
        nonlocal received, late
        try:
            async for raw in ws:
                now = time.monotonic_ns()
                (stamp,) = _STAMP.unpack_from(raw, offset)
                if stamp >= measure_from:
                    latencies.append((now - stamp) / 1e6)
                    received += 1
        except ConnectionClosed:
            pass

    async def send(ws: Any) -> None:
        nonlocal sent
        message = stamped(args.size, data_kind=data_kind)
        gap = 1e9 / args.rate
        first = t0 + random.uniform(0, gap)  # spread the sessions' sends
        n = 0
        while True:
            wait = (first + n * gap - time.monotonic_ns()) / 1e9
            if wait > 0:
                await asyncio.sleep(wait)
            now = time.monotonic_ns()
            if now >= stop_at:
                return
            _STAMP.pack_into(message, offset, now)
            await ws.send(bytes(message))
            if now >= measure_from:
                sent += 1
            n += 1

    receivers = [asyncio.create_task(receive(agent)) for agent, _ in sessions]
    await asyncio.gather(*(send(customer) for _, customer in sessions))
    await asyncio.sleep(min(2.0, max(0.5, args.seconds / 5)))  # stragglers
    for task in receivers:
        task.cancel()
    for agent, customer in sessions:
        for ws in (customer, agent):
            ws.transport.abort()
    if direct is not None:
        await direct.close()
    return {"sent": sent, "received": received, "latencies_ms": latencies}


async def throughput(
    agent: Any, customer: Any, *, messages: int, size: int, data_kind: bool, timeout: float = 120
) -> float:
    """Bytes per second of ``messages`` messages of ``size`` bytes, customer to agent."""
    message = bytes(stamped(size, data_kind=data_kind))
    done = asyncio.Event()
    got = 0

    async def receive() -> None:
        nonlocal got
        async for _ in agent:
            got += 1
            if got == messages:
                done.set()
                return

    reader = asyncio.create_task(receive())
    start = time.perf_counter()
    async with asyncio.timeout(timeout):
        for _ in range(messages):
            await customer.send(message)
        await done.wait()
    elapsed = time.perf_counter() - start
    reader.cancel()
    return messages * size / elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", choices=("relay", "bare", "direct"), required=True)
    p.add_argument("--url", default="")
    p.add_argument("--token", default="")
    p.add_argument("--join-url", default="", help="customers join here (another node)")
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--rate", type=float, default=10.0, help="messages per second per session")
    p.add_argument("--size", type=int, default=20_000, help="bytes per message")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    result = asyncio.run(run_sessions(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
