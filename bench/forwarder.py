"""A bare websockets forwarder: the yardstick the relay is compared with.

``python -m bench.forwarder [--tls-cert F --tls-key F]`` listens on 127.0.0.1
(a free port; the first stdout line is ``listening on wss://127.0.0.1:PORT``, or
``ws://`` without TLS: it serves TLS exactly when the relay it is compared with
does). Each connection's first message is a pairing key; two connections with
the same key are paired, and from then on every message from one is sent to
the other, unchanged. Nothing else: no parsing, no queues of its own, no limits
beyond those of websockets configured like the relay's (no compression, 1 MiB
messages).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import ssl

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from common.messages import MAX_MESSAGE_BYTES


class Forwarder:
    def __init__(self) -> None:
        self._waiting: dict[bytes | str, tuple[ServerConnection, asyncio.Future[ServerConnection]]]
        self._waiting = {}

    async def handle(self, ws: ServerConnection) -> None:
        key = await ws.recv()
        if key in self._waiting:
            other, found = self._waiting.pop(key)
            found.set_result(ws)
            peer = other
        else:
            found = asyncio.get_running_loop().create_future()
            self._waiting[key] = (ws, found)
            try:
                peer = await found
            finally:
                if self._waiting.get(key, (None,))[0] is ws:
                    del self._waiting[key]
        try:
            async for message in ws:
                await peer.send(message)
        except ConnectionClosed:
            pass


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2  # as the relay's
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    forwarder = Forwarder()
    async with serve(
        forwarder.handle, "127.0.0.1", 0, compression=None, max_size=MAX_MESSAGE_BYTES, ssl=tls
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        scheme = "wss" if tls is not None else "ws"
        print(f"listening on {scheme}://127.0.0.1:{port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
