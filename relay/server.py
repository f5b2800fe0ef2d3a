"""The asyncio driver: websockets in, the session core in the middle, websockets out.

Per connection there is one reader (the websockets handler) and one writer task.
The reader feeds control messages to :class:`relay.sessions.Relay` and routes
``Data`` messages itself: the very ``bytes`` object websockets handed us goes
into the peer's outgoing queue, unparsed and uncopied.

Memory stays bounded without dropping anything the endpoints need:

* websockets refuses messages above ``max_message_bytes`` (close 1009) and holds
  at most a few received frames before it stops reading the socket;
* each connection's outgoing queue is bounded in bytes (``max_queue_bytes``):
  when a receiver's queue is full, the relay stops reading from the sender, so
  TCP pushes back on the sender; and the sender is told ``Congestion(level)``
  as the queue fills and drains, so it can lower its frame rate or quality.

Audit rows are written by one worker thread, in order; token checks run in
other threads. Nothing here logs a token or a byte of ``Data``.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import dataclasses
import ipaddress
import logging
import ssl
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from common.errors import ProtocolError
from common.messages import U32, Congestion, Kind, Layer, parse
from relay.actions import (
    Action,
    CheckToken,
    Close,
    RecheckAgent,
    Send,
    SessionEnded,
    SessionEstablished,
    SessionPaired,
    SessionProgress,
    SessionStarted,
)
from relay.config import ConfigError, Settings
from relay.limits import congestion_level
from relay.lograte import RepeatFilter
from relay.metrics import Metrics, serve_metrics
from relay.org import Issuer, SignInCredentials, credentials_for, load_key, read_passphrase
from relay.sessions import Relay
from relay.store import AgentRecord, Store, StoreError

log = logging.getLogger("relay.server")

__all__ = ["RelayServer"]

_DATA = Kind.DATA
#: websockets holds at most this many received frames before it stops reading the socket.
_RECV_FRAMES = (4, 1)
_TICK_MAX = 0.5


class _CloseMarker:
    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code, self.reason = code, reason


class Connection:
    """One websocket: its bounded outgoing queue and the state of its congestion gauge."""

    __slots__ = (
        "cid",
        "ws",
        "queue",
        "queued",
        "wakeup",
        "room",
        "level",
        "congestion",
        "closing",
        "writer",
    )

    def __init__(self, cid: int, ws: ServerConnection) -> None:
        self.cid = cid
        self.ws = ws
        self.queue: collections.deque[bytes | _CloseMarker] = collections.deque()
        self.queued = 0  # bytes in ``queue`` plus the one being sent
        self.wakeup = asyncio.Event()
        self.room = asyncio.Event()  # set while a sender may add to this queue
        self.room.set()
        self.level = 0  # congestion level of this queue (as a receiver)
        self.congestion: Congestion | None = None  # to send to this endpoint (as a sender)
        self.closing = False
        self.writer: asyncio.Task[None] | None = None


def _issuer(settings: Settings) -> Issuer | None:
    """The organisation key the relay renews with, if the admin gave it one."""
    if settings.org_key_file is None:
        return None
    passphrase = read_passphrase(settings.org_key_passphrase_file)
    try:
        key = load_key(settings.org_key_file, passphrase)
    except StoreError as exc:
        raise ConfigError(f"org_key_file: {exc}") from None
    if key.private is None:
        raise ConfigError("org_key_file: this is the public half; give the private key file")
    return Issuer(key, days=settings.certificate_days)


class RelayServer:
    """The relay: start with :meth:`start`, stop with :meth:`stop` (graceful)."""

    def __init__(self, settings: Settings, store: Store, metrics: Metrics | None = None) -> None:
        settings = with_connection_limits(settings)
        self.settings = settings
        self.store = store
        self.metrics = metrics if metrics is not None else Metrics()
        self.metrics.max_connections = settings.max_connections
        self.core = Relay(settings, self.metrics)
        self._log_filter = RepeatFilter(on_suppressed=self._suppressed)
        self.conns: dict[int, Connection] = {}
        self.port = 0
        self.metrics_port: int | None = None
        self._server: Server | None = None
        self._metrics_server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._audit = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="relay-audit")
        self._stopping = False
        self._queued_total = 0
        self._issuer = _issuer(settings)

    def _sign_in(
        self, token: str, public_key: bytes
    ) -> tuple[AgentRecord | None, SignInCredentials | None]:
        """Worker thread: the token's agent, and its certificate for this key."""
        agent = self.store.check_token(token)
        if agent is None:
            return None, None
        return agent, credentials_for(
            self.store,
            agent,
            public_key,
            time.time(),
            self._issuer,
            self.settings.renew_before_days * 86400,
        )

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        scheme = "wss" if self.settings.tls else "ws"
        return f"{scheme}://{_url_host(self.settings.host)}:{self.port}"

    def _suppressed(self, count: int) -> None:
        self.metrics.log_lines_suppressed_total += count

    async def start(self) -> None:
        st = self.settings
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._log_filter)
        lost = await asyncio.to_thread(self.store.mark_lost)
        if lost:
            log.warning(
                "%d session(s) were cut by a crash of the last run: marked relay_crashed", lost
            )
        log.info(
            "max_connections %d (%d kept for agents signing in)",
            st.max_connections,
            st.agent_reserve,
        )
        self._server = await serve(
            self._handle,
            st.host,
            st.port,
            compression=None,
            process_request=self._process_request,
            open_timeout=st.open_timeout_s or None,
            ping_interval=st.ping_interval_s or None,
            ping_timeout=st.ping_timeout_s or None,
            close_timeout=st.close_timeout_s,
            max_size=st.max_message_bytes,
            max_queue=_RECV_FRAMES,
            ssl=_ssl_context(st) if st.tls else None,
        )
        if st.tls:
            _size_tls_buffers(st.tls_read_buffer_bytes)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        if st.metrics_port is not None:
            self._metrics_server = await serve_metrics(
                st.metrics_host, st.metrics_port, self.metrics, lambda: not self._stopping
            )
            self.metrics_port = next(iter(self._metrics_server.sockets)).getsockname()[1]
        self._ticker = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        """Stop accepting, tell every endpoint, close within ``shutdown_timeout_s``, flush."""
        if self._stopping:
            return
        self._stopping = True
        if self._server is not None:
            log.info("shutting down: %d session(s) open", self.core.open_sessions)
        if self._server is not None:
            self._server.close(close_connections=False)
        await self._apply(self.core.shutdown())
        handlers = [c.writer for c in self.conns.values() if c.writer is not None]
        if handlers:
            _, pending = await asyncio.wait(handlers, timeout=self.settings.shutdown_timeout_s)
            for conn in list(self.conns.values()):
                if conn.writer in pending:
                    conn.ws.transport.abort()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.close_timeout_s):
                    await self._server.wait_closed()
        if self._ticker is not None:
            self._ticker.cancel()
        if self._metrics_server is not None:
            self._metrics_server.close()
        await asyncio.to_thread(self._audit.shutdown, True)
        if self._server is not None:
            log.info("stopped")
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._log_filter)

    # ------------------------------------------------------------ connections

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            if self._stopping:
                return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "stopping\n")
            return ws.respond(HTTPStatus.OK, "ok\n")
        if len(self.conns) >= self.settings.max_connections:
            # Full: refuse before the websocket opens, the cheapest way to say no.
            self.metrics.relay_full_total += 1
            log.warning("max_connections (%d) reached: refused a connection", len(self.conns))
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "relay full, try again later\n")
        return None

    def _client_ip(self, ws: ServerConnection) -> str:
        if self.settings.proxy_headers:
            forwarded = ws.request.headers.get("X-Forwarded-For") if ws.request else None
            if forwarded:
                try:  # the entry our proxy appended; anything but an address is ignored
                    return str(ipaddress.ip_address(forwarded.rsplit(",", 1)[-1].strip()))
                except ValueError:
                    log.warning("ignored an X-Forwarded-For that is not an address")
        address: Any = ws.remote_address
        return str(address[0]) if address else "?"

    async def _handle(self, ws: ServerConnection) -> None:
        if self._stopping:
            return
        ip = self._client_ip(ws)
        cid, actions = self.core.connect(ip)
        log.debug("conn %d from %s: open", cid, ip)
        conn = Connection(cid, ws)
        self.conns[cid] = conn
        self.metrics.connections_open += 1
        conn.writer = asyncio.create_task(self._write_loop(conn))
        try:
            await self._apply(actions)
            await self._read_loop(conn)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == 1009:
                self.metrics.oversize_messages_total += 1
                log.info("conn %d: message larger than max_message_bytes: closed (1009)", cid)
        finally:
            log.debug("conn %d: closed (%s)", cid, ws.close_code)
            self.metrics.connections_open -= 1
            conn.closing = True
            conn.room.set()
            await self._apply(self.core.closed(cid))
            del self.conns[cid]
            self._drop_queue(conn)
            conn.wakeup.set()
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conn.writer

    async def _read_loop(self, conn: Connection) -> None:
        core, cid = self.core, conn.cid
        async for raw in conn.ws:
            if conn.closing:
                continue
            if type(raw) is not bytes:
                actions = core.protocol_error(cid, "a text frame")
            elif len(raw) > 1 and raw[0] == _DATA:
                route = core.data(cid, len(raw))
                actions = route.actions
                if route.peer is not None:
                    peer = self.conns.get(route.peer)
                    if peer is not None:
                        self._push(peer, raw, conn)
                        if not peer.room.is_set():
                            await peer.room.wait()
                if route.wait_s > 0:
                    await asyncio.sleep(route.wait_s)
                if not actions:
                    continue
            else:
                try:
                    msg = parse(raw, Layer.RELAY)
                except ProtocolError as exc:
                    actions = core.protocol_error(cid, getattr(exc, "detail", "unparsable"))
                else:
                    actions = core.receive(cid, msg)
            await self._apply(actions)

    # ------------------------------------------------------------ queues

    def _push(self, conn: Connection, data: bytes, sender: Connection | None) -> None:
        """Queue ``data`` towards ``conn``; a Data push may raise its congestion level."""
        if conn.closing:
            return
        conn.queue.append(data)
        conn.queued += len(data)
        self._queued_total += len(data)
        conn.wakeup.set()
        if sender is not None:
            limit = self.settings.max_queue_bytes
            if conn.queued >= limit:
                conn.room.clear()
            self._gauge(conn, sender)

    def _gauge(self, receiver: Connection, sender: Connection | None) -> None:
        """Tell the sender if the receiver's congestion level changed."""
        level = congestion_level(receiver.queued, self.settings.max_queue_bytes, receiver.level)
        if level == receiver.level:
            return
        receiver.level = level
        if sender is None:
            peer = self.core.peer_of(receiver.cid)
            sender = self.conns.get(peer) if peer is not None else None
        if sender is None or sender.closing:
            return
        self.metrics.congestion_events_total += 1
        sender.congestion = Congestion(level, min(U32, receiver.queued))
        sender.wakeup.set()

    def _drop_queue(self, conn: Connection) -> None:
        self._queued_total -= conn.queued
        conn.queue.clear()
        conn.queued = 0

    async def _write_loop(self, conn: Connection) -> None:
        ws, limit = conn.ws, self.settings.max_queue_bytes
        # websockets' keepalive cannot catch a reader that stopped (its ping waits behind
        # our data), so a message that cannot be written in time drops the connection.
        timeout = self.settings.write_timeout_s or None
        try:
            while True:
                await conn.wakeup.wait()
                conn.wakeup.clear()
                while conn.queue or conn.congestion is not None:
                    if conn.congestion is not None:
                        note, conn.congestion = conn.congestion, None
                        async with asyncio.timeout(timeout):
                            await ws.send(note.serialize())
                        continue
                    item = conn.queue[0]
                    if isinstance(item, _CloseMarker):
                        await self._close(conn, item)
                        return
                    async with asyncio.timeout(timeout):
                        await ws.send(item)
                    conn.queue.popleft()
                    conn.queued -= len(item)
                    self._queued_total -= len(item)
                    if conn.queued < limit // 2:
                        conn.room.set()
                    if conn.level:
                        self._gauge(conn, None)
        except ConnectionClosed:
            pass
        except TimeoutError:
            self.metrics.stalled_connections_total += 1
            log.info("conn %d: not reading for %.0f s: dropped", conn.cid, timeout)
            ws.transport.abort()
        finally:
            conn.room.set()

    async def _close(self, conn: Connection, marker: _CloseMarker) -> None:
        try:
            async with asyncio.timeout(self.settings.close_timeout_s + 1):
                await conn.ws.close(marker.code, marker.reason)
        except TimeoutError:
            conn.ws.transport.abort()

    # ------------------------------------------------------------ actions

    async def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                conn = self.conns.get(action.conn)
                if conn is not None:
                    self._push(conn, action.message.serialize(), None)
            elif isinstance(action, Close):
                conn = self.conns.get(action.conn)
                if conn is not None and not conn.closing:
                    conn.queue.append(_CloseMarker(action.code, action.reason))
                    conn.closing = True
                    conn.room.set()
                    conn.wakeup.set()
            elif isinstance(action, CheckToken):
                agent, creds = await asyncio.to_thread(
                    self._sign_in, action.token, action.public_key
                )
                await self._apply(self.core.token_checked(action.conn, agent, creds))
            elif isinstance(action, RecheckAgent):
                agent = await asyncio.to_thread(
                    self.store.agent_still_valid, action.name, action.token_id
                )
                await self._apply(self.core.agent_rechecked(action.conn, agent))
            else:
                self._audit_write(action)
        self.metrics.sessions_open = self.core.open_sessions

    def _audit_write(self, event: Action) -> None:
        st = self.store
        call: Callable[[], None]
        if isinstance(event, SessionStarted):

            def call() -> None:
                st.session_started(event.sid, event.agent, event.nameplate, event.at)
        elif isinstance(event, SessionPaired):

            def call() -> None:
                st.session_paired(event.sid, event.at)
        elif isinstance(event, SessionEstablished):

            def call() -> None:
                st.session_established(event.sid, event.at)
        elif isinstance(event, SessionProgress):

            def call() -> None:
                st.sessions_progress(event.at, event.rows)
        elif isinstance(event, SessionEnded):

            def call() -> None:
                st.session_ended(
                    event.sid,
                    event.at,
                    event.reason,
                    event.bytes_agent_to_customer,
                    event.bytes_customer_to_agent,
                    event.resumes,
                )
        else:  # pragma: no cover - every action type is handled above
            raise TypeError(event)
        try:
            future = self._audit.submit(call)
        except RuntimeError:  # after stop(); the core has no sessions left by then
            log.error("audit event after shutdown was not written: %s", type(event).__name__)
            return
        future.add_done_callback(_log_audit_failure)

    async def _tick_loop(self) -> None:
        st = self.settings
        shortest = min(
            t
            for t in (
                st.nameplate_ttl_s,
                st.pairing_timeout_s,
                st.grace_s,
                st.open_timeout_s,
                st.request_timeout_s,
                st.idle_timeout_s,
                st.audit_flush_s,
            )
            if t > 0
        )
        interval = max(0.01, min(_TICK_MAX, shortest / 10))
        while True:
            await asyncio.sleep(interval)
            try:
                await self._apply(self.core.tick())
            except Exception:  # a bug here must not stop expiry for good
                log.exception("tick failed")
            self.metrics.queued_bytes = self._queued_total
            self.metrics.long_nameplates = int(
                self.core.monotonic() < self.core.long_nameplates_until
            )

    # ------------------------------------------------------------ introspection

    def queued_bytes(self) -> int:
        """Bytes waiting in outgoing queues right now (for tests and metrics)."""
        return self._queued_total


def _log_audit_failure(future: concurrent.futures.Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("could not write the audit log: %s", exc)


def _size_tls_buffers(read_buffer: int) -> None:
    """asyncio gives every TLS connection a read buffer of ``SSLProtocol.max_size``
    (256 KiB), which made an idle ``wss://`` connection cost ~300 KB of relay memory.
    A TLS record carries at most 16 KiB, so a smaller buffer still takes whole records
    per read (``tls_read_buffer_bytes``; docs/performance.md has the measurements)."""
    import asyncio.sslproto

    asyncio.sslproto.SSLProtocol.max_size = max(16 * 1024 + 256, read_buffer)


def _ssl_context(settings: Settings) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    assert settings.tls_cert is not None and settings.tls_key is not None  # checked by Settings
    try:
        ctx.load_cert_chain(settings.tls_cert, settings.tls_key)
    except OSError as exc:  # ssl.SSLError is an OSError too
        why = getattr(exc, "reason", None) or exc.strerror or exc
        raise ConfigError(
            f"cannot use the TLS certificate {settings.tls_cert} and key {settings.tls_key}: {why}"
        ) from None
    return ctx


#: File descriptors kept free of connections: the database, logs, the listening sockets.
FD_HEADROOM = 64


def open_files_limit() -> int:
    """Raise the soft open-files limit to the hard one (where allowed); return it."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def with_connection_limits(settings: Settings) -> Settings:
    """``max_connections`` and ``agent_reserve`` as they will be enforced (0 means "auto")."""
    fds = open_files_limit()
    most = max(1, fds - FD_HEADROOM)
    cap = settings.max_connections or most
    if cap > most:
        log.warning(
            "max_connections %d is more than the open-files limit (%d) allows: using %d "
            "(raise the limit, e.g. LimitNOFILE= in the systemd unit)",
            cap,
            fds,
            most,
        )
        cap = most
    reserve = settings.agent_reserve or max(1, cap // 10)
    reserve = min(reserve, cap - 1) if cap > 1 else 0
    return dataclasses.replace(settings, max_connections=cap, agent_reserve=reserve)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
