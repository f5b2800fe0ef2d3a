"""In-process relay nodes sharing one Redis and one database, for cluster tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from relay.config import Settings
from relay.server import RelayServer
from relay.store import Store
from tools.servers import free_port

FAST = {"node_ttl_s": 1.0, "grace_s": 10.0}


@contextlib.asynccontextmanager
async def cluster(
    tmp_path: Path, redis_url: str, database_url: str, n: int = 2, **settings: Any
) -> AsyncIterator[list[RelayServer]]:
    """``n`` in-process nodes n1, n2, ... on one Redis and one database."""
    nodes: list[RelayServer] = []
    stores: list[Store] = []
    try:
        for i in range(n):
            port = free_port()
            store = Store.open(tmp_path, database_url)
            stores.append(store)
            conf = {**FAST, **settings}
            server = RelayServer(
                Settings(
                    host="127.0.0.1",
                    port=port,
                    data_dir=tmp_path,
                    database_url=database_url,
                    redis_url=redis_url,
                    node_id=f"n{i + 1}",
                    public_url=f"ws://127.0.0.1:{port}",
                    **conf,
                ),
                store,
            )
            await server.start()
            nodes.append(server)
        yield nodes
    finally:
        for server in nodes:
            await server.stop()
        for store in stores:
            store.close()
