"""A TCP proxy on 127.0.0.1 whose connections a test can cut, as a failing network would.

It forwards bytes unchanged between its clients and one target (the relay), so
an app pointed at :attr:`TcpProxy.url` talks to the relay through it.
:meth:`TcpProxy.cut` resets every connection it carries (abortive close, so
both ends see a reset rather than a goodbye) and keeps listening: the apps'
reconnects go through it again::

    with TcpProxy(relay.port) as proxy:
        ... start the customer with --relay proxy.url ...
        proxy.cut()
        proxy.wait_accepted(2)   # the customer came back

In-process it runs its own event loop on a thread. As a command it prints
``listening on 127.0.0.1:PORT``, cuts on SIGUSR1 and ends on SIGTERM or SIGINT::

    python -m tests.helpers.tcp_proxy --target 127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any

HOST = "127.0.0.1"
_CHUNK = 65536


class TcpProxy:
    """See the module docstring. A context manager; also ``start()``/``close()``."""

    def __init__(self, target_port: int, target_host: str = HOST, *, tls: bool = False) -> None:
        self.target = (target_host, target_port)
        self.scheme = "wss" if tls else "ws"  # it passes bytes; TLS runs end to end through it
        self.port = 0
        self.accepted = 0
        self._cond = threading.Condition()
        self._writers: set[asyncio.StreamWriter] = set()
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy")

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.port}"

    # ------------------------------------------------------------ from the test's thread

    def start(self) -> TcpProxy:
        self._thread.start()
        self._run(self._listen())
        return self

    def cut(self) -> int:
        """Reset every connection now; returns how many client connections were cut."""
        return self._run(self._cut())

    def wait_accepted(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` client connections have been accepted in all."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.accepted >= count, timeout):
                raise AssertionError(f"{self.accepted} connections through the proxy, not {count}")

    def close(self) -> None:
        if self._thread.is_alive():
            self._run(self._shutdown())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coro: Coroutine[Any, Any, int], timeout: float = 5.0) -> int:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ------------------------------------------------------------ on the proxy's loop

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._accept, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(client_w)
        self._clients.add(client_w)
        with self._cond:
            self.accepted += 1
            self._cond.notify_all()
        upstream_w: asyncio.StreamWriter | None = None
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
            self._writers.add(upstream_w)
            await asyncio.gather(_pipe(client_r, upstream_w), _pipe(upstream_r, client_w))
        except OSError:
            pass  # the target is gone: the client sees its connection reset
        finally:
            for writer in (client_w, upstream_w):
                if writer is not None:
                    self._writers.discard(writer)
                    self._clients.discard(writer)
                    _reset(writer)
            self._tasks.discard(task)

    async def _cut(self) -> int:
        clients, tasks = len(self._clients), list(self._tasks)
        for writer in list(self._writers):
            _reset(writer)
        # Let those handlers see their sockets die, so a cut is over when this returns.
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
        return clients

    async def _shutdown(self) -> int:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            _reset(writer)
        # The handlers end on their own once their sockets are gone (cancelling them
        # would make asyncio's stream callback log a spurious error).
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        if self._server is not None:
            await self._server.wait_closed()
        return 0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction; pass an orderly end on as a half-close."""
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
    except (ConnectionError, OSError):
        _reset(writer)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close at once with a TCP reset (SO_LINGER 0), as a failing network would."""
    sock = writer.transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, metavar="HOST:PORT")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    cut, stop = threading.Event(), threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: cut.set())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with TcpProxy(int(port), host or HOST) as proxy:
        print(f"listening on {HOST}:{proxy.port}", flush=True)
        while not stop.is_set():
            if cut.wait(0.2):
                cut.clear()
                print(f"cut {proxy.cut()} connections", flush=True)


if __name__ == "__main__":
    main()
