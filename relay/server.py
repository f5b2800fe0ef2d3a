"""The asyncio driver: websockets in, the session core in the middle, websockets out.

Per connection there is one reader (the websockets handler) and one writer task.
The reader feeds control messages to :class:`relay.sessions.Relay` and routes
``Data`` messages itself: the very ``bytes`` object websockets handed us goes
into the peer's outgoing queue, unparsed and uncopied — or, while that queue is
empty and the peer's socket takes it without pausing, straight to the peer's
websocket from the reader, as a bare forwarder would (no turn of the writer task
per message; the order and the back-pressure below are the same).

Memory stays bounded without dropping anything the endpoints need:

* websockets refuses messages above ``max_message_bytes`` (close 1009) and holds
  at most a few received frames before it stops reading the socket;
* each connection's outgoing queue is bounded in bytes (``max_queue_bytes``):
  when a receiver's queue is full, the relay stops reading from the sender, so
  TCP pushes back on the sender; and the sender is told ``Congestion(level)``
  as the queue fills and drains, so it can lower its frame rate or quality.

Audit rows are written by one worker thread, in order, and kept (and retried)
while the database does not answer; token checks run in other threads. With
``redis_url`` the node is one of a cluster: it claims codes, finds and takes over
sessions and counts rate limits through :mod:`relay.cluster`, says it is alive
every third of ``node_ttl_s``, and on SIGUSR1 (``assist-relay drain``) drains.
Nothing here logs a token or a byte of ``Data``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hashlib
import ipaddress
import json
import logging
import queue
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Literal

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State as WsState

from common import identity
from common.errors import ErrorCode, ProtocolError
from common.messages import (
    CALLBACK_TICKET,
    MAX_HISTORY,
    U32,
    Congestion,
    History,
    HistoryItem,
    Kind,
    Layer,
    Skipped,
    parse,
)
from relay.actions import (
    Action,
    AgentBusy,
    AskLimit,
    BlockInstallation,
    BookCallback,
    CheckToken,
    ClaimNameplate,
    Close,
    ContactAsked,
    ContactLeft,
    CountLimit,
    CustomerTaken,
    DeskTake,
    DropTicket,
    Fanout,
    FlagContact,
    JoinShared,
    KeepNote,
    KeepSurvey,
    KeepTicket,
    Locate,
    LookUpEarlier,
    LookUpHistory,
    MoveSession,
    RecheckAgent,
    RecordOutcome,
    ReleaseNameplate,
    RoomEvent,
    SaveResume,
    Send,
    SessionEnded,
    SessionEstablished,
    SessionMoved,
    SessionPaired,
    SessionProgress,
    SessionStarted,
)
from relay.cluster import ClusterError, ClusterUnavailableError, NodeInfo, RedisCoordinator
from relay.config import ConfigError, Settings
from relay.console.app import Console
from relay.desk.changes import QueueSettings
from relay.desk.changes import apply as apply_changes
from relay.desk.config import Desk, read_desk
from relay.desk.front import FLUSH_S, SYNC_S
from relay.desk.lobby import RemoteAgent, WhyNot
from relay.desk.shared import MAX_TAKE_ATTEMPTS, Claimed, Join, SharedWaitingRoom
from relay.limits import congestion_level
from relay.lograte import RepeatFilter
from relay.metrics import Metrics, Timings, serve_metrics
from relay.org import Issuer, SignInCredentials, credentials_for, load_key, read_passphrase
from relay.records import ContactRow, NoteRow
from relay.sessions import Relay, address_key, fan_out
from relay.sql import DatabaseUnavailableError
from relay.store import AgentRecord, CallbackRow, Store, StoreError
from relay.webhooks import SenderThread, WebhookSender

log = logging.getLogger("relay.server")

__all__ = ["RelayServer"]

_DATA = Kind.DATA
_POST = Kind.POST
_CAST = Kind.CAST
#: websockets holds at most this many received frames before it stops reading the socket.
_RECV_FRAMES = (4, 1)
#: How often old contact records are deleted (the retention the admin set).
_RETENTION_EVERY_S = 3600.0
_TICK_MAX = 0.5
#: One forwarded message in this many is timed for the relay-added latency histogram.
_SAMPLE_EVERY = 16
#: How often a node looks for sessions left open by nodes that are gone.
_SWEEP_S = 60.0
#: How often the desk re-reads blocks and open callbacks (the CLI and other nodes
#: change them in the database).
_DESK_RELOAD_S = 15.0


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
        "sample",
        "skipped",
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
        #: A Data message being timed: the very bytes object and when it was read.
        self.sample: tuple[bytes, float] | None = None
        #: Casts skipped for this member since the last one it got (announced first).
        self.skipped = 0


def _writable_now(conn: Connection, size: int) -> bool:
    """Can ``size`` bytes go to ``conn`` straight from the sender's reader? Only while
    nothing waits in its queue (so the order holds), its websocket is open, and its
    socket takes them without pausing (so the send finishes without suspending and
    the sender's reader never waits on this receiver: back-pressure and congestion
    notes stay the queue's business)."""
    if conn.queue or conn.congestion is not None or conn.closing:
        return False
    ws = conn.ws
    if ws.state is not WsState.OPEN or ws.paused:
        return False
    transport = ws.transport
    return transport.get_write_buffer_size() + size <= transport.get_write_buffer_limits()[1]


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


class AuditWriter:
    """One thread that writes audit rows in order. While the database does not answer
    it keeps them (up to ``limit``) and tries again, so an outage loses nothing."""

    def __init__(self, limit: int = 100_000) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._limit = limit
        self._thread = threading.Thread(target=self._run, name="relay-audit", daemon=True)
        self._thread.start()
        self.waiting = 0
        self.down_since: float | None = None

    def submit(self, call: Callable[[], None]) -> None:
        if self._queue.qsize() >= self._limit:
            log.error("audit log: %d rows wait for the database; dropped one", self._limit)
            return
        self._queue.put(call)

    def _run(self) -> None:
        while True:
            call = self._queue.get()
            if call is None:
                return
            delay = 0.25
            while True:
                try:
                    call()
                except DatabaseUnavailableError as exc:
                    if self.down_since is None:
                        self.down_since = time.monotonic()
                        log.error("cannot write the audit log (%s); keeping rows and retrying", exc)
                    self.waiting = self._queue.qsize() + 1
                    time.sleep(delay)
                    delay = min(5.0, delay * 2)
                    continue
                except Exception as exc:  # noqa: BLE001 - a bad row must not stop the others
                    log.error("could not write the audit log: %s", exc)
                if self.down_since is not None:
                    log.warning(
                        "the audit log is written again (database was away %.0f s)",
                        time.monotonic() - self.down_since,
                    )
                    self.down_since = None
                self.waiting = 0
                break

    def close(self, timeout: float) -> None:
        """Write what is queued (waiting at most ``timeout`` for the database), then stop."""
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error(
                "%d audit row(s) could not be written before the relay stopped",
                self._queue.qsize(),
            )


class RelayServer:
    """The relay: start with :meth:`start`, stop with :meth:`stop` (graceful)."""

    def __init__(self, settings: Settings, store: Store, metrics: Metrics | None = None) -> None:
        settings = with_connection_limits(settings)
        self.settings = settings
        self.store = store
        self.node_id = settings.resolved_node_id()
        self.metrics = metrics if metrics is not None else Metrics()
        self.metrics.max_connections = settings.max_connections
        self.metrics.node = self.node_id
        self.timings = Timings(self.metrics)
        desk = read_desk(settings.desk_file.expanduser()) if settings.desk_file else None
        #: The desk as its file says; what was changed at run time (the database's
        #: queue_settings) is laid over it at every reload (relay/desk/changes.py).
        self._file_desk = desk
        self.core = Relay(settings, self.metrics, cluster=bool(settings.redis_url), desk=desk)
        self.coordinator: RedisCoordinator | None = None
        #: The cluster's waiting room (a cluster with a desk file), and the joins
        #: waiting to be sent to it.
        self.room: SharedWaitingRoom | None = None
        self._joining: list[JoinShared] = []
        self._join_wake = asyncio.Event()
        #: The cluster's live nodes' addresses (refreshed by the desk's sync loop), so
        #: a take sent to another node costs no extra round trip.
        self._node_urls: dict[str, str] = {}
        self.draining = False
        #: Set when a draining node has no sessions left (the CLI then stops it).
        self.drained = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        self._db_ok = True
        self._forwarded = 0
        self._log_filter = RepeatFilter(on_suppressed=self._suppressed)
        self.conns: dict[int, Connection] = {}
        self.port = 0
        self.metrics_port: int | None = None
        #: The web console (``console_port``), or None.
        self.console: Console | None = None
        #: Sends webhook deliveries (relay/webhooks.py); made at start.
        self.webhooks: SenderThread | None = None
        self._server: Server | None = None
        self._metrics_server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._audit = AuditWriter()
        self._stopping = False
        self._queued_total = 0
        self._issuer = _issuer(settings)

    def _sign_in(
        self, token: str, public_key: bytes
    ) -> tuple[AgentRecord | None, SignInCredentials | None]:
        """Worker thread: the token's agent, and its certificate for this key."""
        try:
            agent = self.store.check_token(token)
            if agent is None:
                return None, None
            creds = credentials_for(
                self.store,
                agent,
                public_key,
                time.time(),
                self._issuer,
                self.settings.renew_before_days * 86400,
            )
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            return None, SignInCredentials(refusal=ErrorCode.UNAVAILABLE)
        self._database_up()
        return agent, creds

    def _recheck(self, name: str, token_id: str) -> tuple[AgentRecord | None, bool]:
        """Worker thread: the agent if it still exists, and whether the database answered."""
        try:
            agent = self.store.agent_still_valid(name, token_id)
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            return None, False
        self._database_up()
        return agent, True

    def _database_down(self, exc: Exception) -> None:
        self.metrics.cluster_unavailable_total += 1
        if self._db_ok:
            log.error("the database does not answer: %s; new sign-ins are refused", exc)
        self._db_ok = False

    def _database_up(self) -> None:
        if not self._db_ok:
            log.warning("the database answers again; sign-ins work")
        self._db_ok = True

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
        # '' is what a release from before clusters wrote: this node's too.
        lost = await asyncio.to_thread(self.store.mark_lost, self.node_id)
        lost += await asyncio.to_thread(self.store.mark_lost, "")
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
        if st.console_port is not None:
            self.console = Console(
                self,
                tls=st.tls,
                proxy_headers=st.proxy_headers,
                app_download_url=st.app_download_url,
            )
            try:
                await self.console.start(
                    st.console_host, st.console_port, _ssl_context(st) if st.tls else None
                )
            except OSError as exc:
                await self._abort_start()
                raise ConfigError(
                    f"cannot serve the console on {st.console_host}:{st.console_port}:"
                    f" {exc.strerror or exc}"
                ) from None
        if st.redis_url:
            await self._join_cluster()
        if st.metrics_port is not None:
            self._metrics_server = await serve_metrics(
                st.metrics_host,
                st.metrics_port,
                self.timings,
                lambda: not self._stopping,
                self.not_ready,
            )
            self.metrics_port = next(iter(self._metrics_server.sockets)).getsockname()[1]
        if self.core.desk is not None:
            if self.coordinator is not None:
                self.room = SharedWaitingRoom(self.coordinator.redis)
                try:
                    await self.room.reset_busy(self.node_id)
                except ClusterUnavailableError:
                    pass  # started anyway (as with the rest of the cluster's state)
                self._spawn(self._desk_sync_loop())
                self._spawn(self._desk_join_loop())
            await self._reload_desk()
            await self._restore_places()
            self._spawn(self._desk_loop())
            self._spawn(self._desk_flush_loop())
        self._spawn(self._retention_loop())
        self.webhooks = SenderThread(
            WebhookSender(self.store.integrations, user_agent=st.relay_name)
        )
        self.webhooks.start()
        self._ticker = asyncio.create_task(self._tick_loop())

    # ------------------------------------------------------------ the console's view

    def desk_picture(self) -> dict[str, Any]:
        """The live desk for the console (relay/console/live.py)."""
        if self.core.desk is None:
            return {"queues": [], "waiting": [], "agents": []}
        return self.core.desk.picture()

    @property
    def desk_zone(self) -> str:
        return self.core.desk.desk.zone if self.core.desk is not None else "UTC"

    async def cluster_failures_over(self, keys: list[str], limits: list[int]) -> bool:
        """The console's sign-in limits across the cluster: has any key reached its
        limit of failures this minute? (One node, or Redis away: its own limits hold.)"""
        if self.coordinator is None:
            return False
        try:
            counts = await self.coordinator.failures(keys)
        except ClusterUnavailableError:
            return False
        return any(c >= limit for c, limit in zip(counts, limits, strict=True))

    async def cluster_failed(self, keys: list[str]) -> None:
        if self.coordinator is not None:
            with contextlib.suppress(ClusterUnavailableError):
                await self.coordinator.failed(keys)

    @property
    def current_desk(self) -> Desk | None:
        """The queues as they are now: the desk file with the run-time changes."""
        return self.core.desk.desk if self.core.desk is not None else None

    def help_queues(self) -> list[dict[str, Any]]:
        """The queues as the public help page shows them."""
        return self.core.desk.help_queues() if self.core.desk is not None else []

    async def help_callback(
        self,
        address: str,
        queue: str,
        name: str,
        contact: str,
        description: str,
        window_start: float | None,
    ) -> CallbackRow | str:
        """A callback request from the public help page: kept, in the agents' lists at
        once (every node's, through the desk version on a cluster); or why not."""
        desk = self.core.desk
        if desk is None:
            return "UNKNOWN_QUEUE"
        window = desk.help_request(address, queue, contact, window_start)
        if isinstance(window, str):
            return window
        # Requests from the web page have no app: the phone or address they gave
        # stands for the installation (so a repeat from the same number is marked).
        installation = "web-" + hashlib.sha256(contact.strip().lower().encode()).hexdigest()[:24]

        def book() -> CallbackRow | None:
            cid = self.store.add_callback(
                queue=queue, installation=installation, name=name, contact=contact,
                channel="phone", description=description, window=window, asked=time.time(),
            )  # fmt: skip
            return self.store.callback(cid)

        try:
            row = await asyncio.to_thread(book)
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            return "UNAVAILABLE"
        if row is None:  # pragma: no cover - written just above
            return "UNAVAILABLE"
        desk.help_booked(row)
        if self.room is not None:
            with contextlib.suppress(ClusterUnavailableError):
                await self.room.changed()
        return row

    async def help_link(self, host: str) -> str | None:
        """The support link for this relay's organisation (None: no organisation key
        registered). ``host``: the name the page was opened with, for the relay's
        address when no ``public_url`` is set."""
        try:
            org = await asyncio.to_thread(self.store.organisation)
        except StoreError:
            return None
        if org is None:
            return None
        relay = self.settings.public_url.rstrip("/")
        if not relay:
            name = host.split("]")[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
            relay = f"{'wss' if self.settings.tls else 'ws'}://{name}:{self.port}"
        pin = identity.Pin(org.name, identity.fingerprint(org.public_key))
        return identity.support_link(relay, pin)

    async def _retention_loop(self) -> None:
        """Delete contact records older than the retention the admin set, hourly."""
        while True:
            try:
                days = await asyncio.to_thread(self.store.console.retention_days)
                if days:
                    gone = await asyncio.to_thread(
                        self.store.records.purge, time.time() - days * 86400
                    )
                    if gone:
                        log.info("retention: deleted %d contact(s) older than %d days", gone, days)
            except StoreError as exc:
                log.warning("retention: could not delete old records: %s", exc)
            await asyncio.sleep(_RETENTION_EVERY_S)

    async def _join_cluster(self) -> None:
        st = self.settings
        if not st.public_url:
            await self._abort_start()
            raise ConfigError(
                "with redis_url, set public_url: the wss:// address apps use for this node"
            )
        me = NodeInfo(self.node_id, st.public_url.rstrip("/"))
        try:
            self.coordinator = RedisCoordinator(st.redis_url, me, node_ttl_s=st.node_ttl_s)
            await self.coordinator.start()
        except ClusterUnavailableError as exc:
            await self._abort_start()
            raise ConfigError(f"redis_url: {exc}; check the address and that Redis runs") from None
        except ClusterError as exc:
            await self._abort_start()
            raise ConfigError(str(exc)) from None
        self._spawn(self._heartbeat_loop())
        self._spawn(self._sweep_loop())

    async def _abort_start(self) -> None:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._log_filter)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self.coordinator is not None:
            with contextlib.suppress(Exception):
                await self.coordinator.stop()
            self.coordinator = None
        if self.console is not None:
            await self.console.stop()
            self.console = None

    def not_ready(self) -> str | None:
        """Why this node should get no new sessions now, or None (``/readyz``)."""
        if self._stopping:
            return "stopping"
        if self.draining:
            return "draining"
        if not self._db_ok:
            return "database not answering"
        if self.coordinator is not None and not self.coordinator.healthy:
            return "redis not answering"
        return None

    def _spawn(self, coro: Any) -> None:
        """Run ``coro`` in the background; keep a reference so it is not collected."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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
        background = list(self._background)
        for task in background:
            task.cancel()
        if background:  # let them unwind before their Redis connections are closed
            await asyncio.wait(background, timeout=self.settings.close_timeout_s)
        if self._metrics_server is not None:
            self._metrics_server.close()
        if self.console is not None:
            await self.console.stop()
        if self.webhooks is not None:
            await asyncio.to_thread(self.webhooks.stop)
        if self.coordinator is not None:
            await self.coordinator.stop()
        await asyncio.to_thread(self._audit.close, self.settings.shutdown_timeout_s)
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
        if request.path == "/readyz":
            why = self.not_ready()
            if why is not None:
                return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, why + "\n")
            return ws.respond(HTTPStatus.OK, "ready\n")
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
        if self.coordinator is not None:
            await self._ask_limit(
                "connections", address_key(ip), self.settings.connections_per_minute
            )
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
                        self._forwarded += 1
                        if _writable_now(peer, len(raw)):
                            await self._send_now(peer, raw)
                        else:
                            if self._forwarded % _SAMPLE_EVERY == 0 and peer.sample is None:
                                peer.sample = (raw, time.perf_counter())
                            self._push(peer, raw, conn)
                            if not peer.room.is_set():
                                await peer.room.wait()
                if route.wait_s > 0:
                    await asyncio.sleep(route.wait_s)
                if not actions:
                    continue
            elif len(raw) > 1 and raw[0] == _CAST:
                fan = core.cast(cid, len(raw))
                self._fan_out(fan, raw)
                if fan.wait_s > 0:
                    await asyncio.sleep(fan.wait_s)
                if not fan.actions:
                    continue
                actions = fan.actions
            elif len(raw) > 2 and raw[0] == _POST:
                route = core.post(cid, raw[1], len(raw))
                actions = route.actions
                if route.peer is not None:
                    peer = self.conns.get(route.peer)
                    if peer is not None:
                        self._push(peer, raw[:1] + bytes((route.member,)) + raw[2:], conn)
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

    def _fan_out(self, fan: Fanout, raw: bytes) -> None:
        """Queue one Cast towards each member, skipping it for those whose queue is
        full (never holding the customer back for them): see ``sessions.fan_out``."""
        bound = self.settings.cast_queue_bytes
        for cid in fan.peers:
            peer = self.conns.get(cid)
            if peer is None or peer.closing:
                continue
            deliver, skipped = fan_out(peer.queued, bound, peer.skipped, len(raw))
            if not deliver:
                peer.skipped = skipped
                self.metrics.casts_skipped_total += 1
                continue
            if skipped:
                self._push(peer, Skipped(skipped).serialize(), None)
                peer.skipped = 0
            self._forwarded += 1
            if self._forwarded % _SAMPLE_EVERY == 0 and peer.sample is None:
                peer.sample = (raw, time.perf_counter())  # relay-added latency, as for Data
            self._push(peer, raw, None)

    async def _send_now(self, conn: Connection, data: bytes) -> None:
        """Write a Data message to ``conn`` from the sender's reader, as a bare forwarder
        does (see :func:`_writable_now` for when). Saves the writer task's turn on the
        event loop, per message, under load."""
        started = time.perf_counter() if self._forwarded % _SAMPLE_EVERY == 0 else 0.0
        try:
            await conn.ws.send(data)
        except ConnectionClosed:
            return  # its own reader sees the close and ends it
        if started:
            self.timings.relay_added.observe(time.perf_counter() - started)

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
        conn.sample = None
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
                    if conn.sample is not None and conn.sample[0] is item:
                        self.timings.relay_added.observe(time.perf_counter() - conn.sample[1])
                        conn.sample = None
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
        # One message sent to many (a desk's list, a roster) is serialized once.
        wire: dict[int, bytes] = {}
        for action in actions:
            if isinstance(action, Send):
                conn = self.conns.get(action.conn)
                if conn is not None:
                    key = id(action.message)
                    data = wire.get(key)
                    if data is None:
                        data = wire[key] = action.message.serialize()
                    self._push(conn, data, None)
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
                agent, answered = await asyncio.to_thread(
                    self._recheck, action.name, action.token_id
                )
                await self._apply(
                    self.core.agent_rechecked(action.conn, agent, unavailable=not answered)
                )
            elif isinstance(action, ClaimNameplate | Locate | SaveResume | ReleaseNameplate):
                await self._cluster(action)
            elif isinstance(action, MoveSession):
                await self._move(action)
            elif isinstance(action, BookCallback | RecordOutcome | LookUpEarlier):
                self._spawn(self._desk_write(action))
            elif isinstance(action, BlockInstallation):
                self._spawn(self._desk_block(action))
            elif isinstance(action, LookUpHistory):
                self._spawn(self._history(action))
            elif isinstance(action, AskLimit):
                await self._ask_limit(action.limit, action.key, action.per_minute)
                await self._apply(self.core.receive(action.conn, action.message))
            elif isinstance(action, JoinShared) and action.conn >= 0:
                self._desk_join(action)  # an ask: batched with the others of the moment
            elif isinstance(action, JoinShared):
                await self._desk_rejoin(action)  # before the customer hears their place
            elif isinstance(action, DeskTake):
                await self._desk_take(action)
            elif isinstance(action, AgentBusy):
                if self.room is not None:
                    await self._desk_busy(action)
            elif self.room is not None and isinstance(action, KeepTicket | DropTicket):
                if isinstance(action, DropTicket):  # the cluster's room holds the places
                    self._spawn(self._desk_drop(action.ticket))
            else:
                if isinstance(action, SessionEstablished):
                    self.timings.pairing.observe(action.pairing_s)
                self._audit_write(action)
        if self.core.desk is not None and self.core.desk.outbox:
            await self._apply(self.core.desk.take_outbox())
        self.metrics.sessions_open = self.core.open_sessions
        if self.core.cluster:
            for count in self.core.take_counts():
                self._spawn(self._count(count))

    async def _cluster(
        self, action: ClaimNameplate | Locate | SaveResume | ReleaseNameplate
    ) -> None:
        """Carry out one cluster action through Redis (the core stays sans-I/O)."""
        coord, st = self.coordinator, self.settings
        hold_s = st.node_ttl_s + st.grace_s
        try:
            if coord is None:  # left the cluster (stopping)
                raise ClusterUnavailableError("not in the cluster")
            if isinstance(action, ClaimNameplate):
                taken = await coord.claim(action.nameplate, action.sid, hold_s)
                out = self.core.nameplate_claimed(action.conn, action.nameplate, action.sid, taken)
            elif isinstance(action, Locate):
                adopt = action.resume is not None and not self.draining
                found = await coord.locate(action.nameplate, adopt=adopt, ttl_s=hold_s)
                if adopt and found.kind == "elsewhere" and found.node is not None:
                    # A node killed a moment ago still has its key for up to node_ttl_s;
                    # if its port refuses connections, it is gone now: take over.
                    if await _refuses_connections(found.node.url):
                        log.warning("node %r refuses connections: taking over", found.node.id)
                        found = await coord.locate(
                            action.nameplate, adopt=True, ttl_s=hold_s, gone=found.node.id
                        )
                out = self.core.located(action.conn, action.nameplate, found)
            elif isinstance(action, SaveResume):
                await coord.established(action.state, hold_s)
                return
            else:
                await coord.release(action.nameplate, action.reason, st.nameplate_memory_s)
                return
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1
            if isinstance(action, ClaimNameplate):
                out = self.core.nameplate_claimed(
                    action.conn, action.nameplate, action.sid, None, unavailable=True
                )
            elif isinstance(action, Locate):
                out = self.core.located(action.conn, action.nameplate, None)
            else:  # the keys expire by themselves; the session here is unaffected
                return
        await self._apply(out)

    async def _move(self, action: MoveSession) -> None:
        coord = self.coordinator
        hold_s = self.settings.node_ttl_s + self.settings.grace_s
        try:
            if coord is None:
                raise ClusterUnavailableError("not in the cluster")
            ok = await coord.move(action.state, action.to, hold_s)
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1
            ok = False
        await self._apply(self.core.moved(action.state.nameplate, action.to, ok))

    async def _ask_limit(self, limit: str, key: str, per_minute: int) -> None:
        """Count one event across the cluster and wait for the answer (joins, connections:
        the attempt itself is what is limited). Redis away: the local limit alone holds."""
        if self.coordinator is None or not per_minute:
            return
        try:
            allowed = await self.coordinator.allow(limit, key, per_minute)
        except ClusterUnavailableError:
            return
        if not allowed:
            self.core.cluster_limited(limit, key, per_minute)

    async def _count(self, count: CountLimit) -> None:
        coord = self.coordinator
        if coord is None:
            return
        try:
            allowed = await coord.allow(count.limit, count.key, count.per_minute)
        except ClusterUnavailableError:
            return  # the local limit still holds: never fully open
        if not allowed:
            self.core.cluster_limited(count.limit, count.key, count.per_minute)

    def _audit_write(self, event: Action) -> None:
        st = self.store
        call: Callable[[], None]
        node = self.node_id
        if isinstance(event, SessionStarted):

            def call() -> None:
                st.session_started(
                    event.sid, event.agent, event.nameplate, event.at, node, event.contact
                )
        elif isinstance(event, SessionMoved):

            def call() -> None:
                st.session_moved(event.sid, node, event.at)
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
        elif isinstance(event, RoomEvent):

            def call() -> None:
                st.room_event(
                    event.sid,
                    event.at,
                    event.event,
                    event.agent,
                    event.by,
                    event.member,
                    event.detail,
                )
        # The desk's writes that must keep their order (places, flags, contacts).
        elif isinstance(event, KeepTicket):

            def call() -> None:
                st.keep_ticket(
                    event.ticket, event.queue, event.installation, event.joined, event.ask
                )
        elif isinstance(event, ContactAsked):

            def call() -> None:
                st.contact_asked(
                    event.ticket,
                    queue=event.queue,
                    installation=event.installation,
                    name=event.name,
                    contact=event.contact,
                    topic=event.topic,
                    at=event.at,
                )
        elif isinstance(event, KeepNote):

            def call() -> None:
                kept = st.records.keep_app_note(
                    sid=event.sid, contact=event.contact, agent=event.agent, text=event.text,
                    resolved=event.resolved, tags=event.tags, at=event.at,
                )  # fmt: skip
                if not kept:
                    log.info(
                        "note from %r on a contact they were not part of: not kept", event.agent
                    )
        elif isinstance(event, KeepSurvey):

            def call() -> None:
                st.records.survey_of_session(event.sid, event.score, event.comment, event.at)
        elif isinstance(event, ContactLeft):

            def call() -> None:
                st.contact_left(event.ticket, event.state, event.at)
        elif isinstance(event, DropTicket):

            def call() -> None:
                st.drop_ticket(event.ticket)
        elif isinstance(event, FlagContact):

            def call() -> None:
                st.flag(
                    event.installation,
                    event.sid,
                    event.kind,
                    reason=event.reason,
                    actor=event.agent,
                    at=event.at,
                )
        elif isinstance(event, CustomerTaken):

            def call() -> None:
                st.customer_taken(
                    event.installation,
                    event.queue,
                    agent=event.agent,
                    waited_s=event.waited_s,
                    at=event.at,
                )
        else:  # pragma: no cover - every action type is handled above
            raise TypeError(event)
        self._audit.submit(call)

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
            self.metrics.room_members = self.core.room_members
            self.metrics.long_nameplates = int(
                self.core.monotonic() < self.core.long_nameplates_until
            )
            if self.draining and self.core.open_sessions == 0 and not self.drained.is_set():
                log.info("drained: no sessions left")
                self.drained.set()

    # ------------------------------------------------------------ the help desk

    async def _reload_desk(self) -> None:
        """Blocks and open callbacks as the database has them (a worker thread)."""
        desk = self.core.desk
        assert desk is not None
        try:
            now = time.time()
            store = self.store
            blocks, calls, changed = await asyncio.to_thread(
                lambda: (store.blocks(now), store.callbacks(), store.queue_settings())
            )
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            return
        self._database_up()
        desk.set_blocks(blocks)
        desk.set_callbacks(calls)
        assert self._file_desk is not None
        current = apply_changes(self._file_desk, changed)
        if current != desk.desk:
            desk.set_desk(current)

    def queue_settings(self) -> tuple[Desk | None, list[QueueSettings]]:
        """The desk file's queues and what was changed of them (a worker thread)."""
        if self._file_desk is None:
            return None, []
        return self._file_desk, self.store.queue_settings()

    async def change_queue(
        self, queue: str, changes: Mapping[str, Any], *, actor: str, address: str
    ) -> QueueSettings:
        """Change a queue now (from the console, the API): checked, kept with its line
        in the admin log, in force here at once and on every node within a second
        (the desk version tells them to read it). Raises ConfigError with a sentence."""
        file_desk = self._file_desk
        if file_desk is None or self.core.desk is None:
            raise ConfigError("this relay has no help desk (no desk_file in its settings)")

        after = await asyncio.to_thread(
            lambda: self.store.change_queue(file_desk, queue, changes, actor=actor, address=address)
        )
        await self._reload_desk()
        await self._apply(self.core.desk.flush())
        if self.room is not None:
            with contextlib.suppress(ClusterUnavailableError):
                await self.room.changed()
        return after

    async def _restore_places(self) -> None:
        """One node: the places the last run kept, back in line (away until their
        customers reconnect within the grace period). A cluster's are in Redis."""
        desk = self.core.desk
        if desk is None or self.coordinator is not None:
            return
        try:
            rows = await asyncio.to_thread(self.store.tickets)
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            return
        count = desk.restore(rows)
        if count:
            log.info("desk: %d waiting customer(s) kept from the last run", count)
        await self._apply(desk.take_outbox())

    async def _desk_loop(self) -> None:
        while True:
            await asyncio.sleep(_DESK_RELOAD_S)
            try:
                await self._reload_desk()
            except Exception:  # a bug here must not stop the reloads for good
                log.exception("desk reload failed")

    # ------------------------------------------------------------ the help desk in a cluster

    def _desk_join(self, action: JoinShared) -> None:
        """A customer's place in the cluster's queue (or one of ours going back in):
        queued for :meth:`_desk_join_loop`, which sends a burst in one round trip."""
        self._joining.append(action)
        self._join_wake.set()

    async def _desk_rejoin(self, action: JoinShared) -> None:
        """One of ours back in line (came back here, or a claim that came to nothing)."""
        if self.room is None:
            return
        try:
            await self.room.join_at(
                action.ticket, action.queue, action.installation, action.max_waiting, {},
                node=self.node_id, ask=action.ask, joined=action.joined,
            )  # fmt: skip
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1  # the next sync tries again

    async def _desk_join_loop(self) -> None:
        room = self.room
        assert room is not None
        while True:
            await self._join_wake.wait()
            self._join_wake.clear()
            batch, self._joining = self._joining, []
            if not batch:
                continue
            joins = [
                Join(
                    a.ticket,
                    a.queue,
                    a.installation,
                    a.max_waiting,
                    {},
                    self.node_id,
                    a.ask,
                    a.joined,
                )  # fmt: skip
                for a in batch
            ]
            answers: list[tuple[WhyNot | str | None, float]]
            try:
                answers = list(await room.join_many(joins))
            except ClusterUnavailableError:
                self.metrics.cluster_unavailable_total += 1
                answers = [("UNAVAILABLE", 0.0)] * len(batch)
            except Exception:  # a bug must not leave customers waiting for an answer
                log.exception("desk join failed")
                answers = [("UNAVAILABLE", 0.0)] * len(batch)
            out: list[Action] = []
            for action, (why, at) in zip(batch, answers, strict=True):
                if action.conn >= 0:
                    out += self.core.desk_joined(action.conn, action.ticket, why, at)
            await self._apply(out)

    async def _desk_busy(self, action: AgentBusy) -> None:
        assert self.room is not None
        try:
            await self.room.count_busy(self.node_id, action.agent, action.delta)
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1

    async def _desk_drop(self, ticket: str) -> None:
        if self.room is None:
            return
        try:
            await self.room.claim(ticket)
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1  # its node stops marking it: expires

    async def _desk_take(self, action: DeskTake) -> None:
        """Take next (or this one) across the cluster: claim in Redis, then pair here or
        send the agent to the customer's node, where the claim waits for them."""
        room, coord, cid, desk = self.room, self.coordinator, action.conn, self.core.desk
        assert desk is not None
        try:
            if room is None or coord is None:
                raise ClusterUnavailableError("not in the cluster")
            ticket, busy = await room.arrived(action.agent, self.node_id, desk.alive_nodes)
            if ticket is not None:  # sent here by another node, which claimed for us
                await self._apply(self.core.desk_claimed(cid, ticket))
                return
            exclude: set[str] = set()
            for _ in range(MAX_TAKE_ATTEMPTS):
                pick = self.core.desk_pick(cid, action.ticket, exclude, busy)
                if not isinstance(pick, str):
                    await self._apply(pick)
                    return
                try:
                    got = await self._desk_claim(room, pick, action.agent)
                finally:
                    desk.claimed(pick)  # by us or by someone quicker: out of line here
                if got is False:
                    exclude.add(pick)  # someone else was quicker: the next one
                    continue
                node = got.node if isinstance(got, Claimed) else got
                if not node or node == self.node_id:
                    await self._apply(self.core.desk_claimed(cid, pick))  # or put back
                    return
                target = self._node_urls.get(node)
                if target is None:
                    target = next((n.url for n in await coord.nodes() if n.id == node), None)
                if target is None:
                    # Its node is gone: the customer comes back through another node
                    # and finds the place kept.
                    if isinstance(got, Claimed):
                        await self._desk_put_back(room, got)
                    exclude.add(pick)
                    continue
                await self._apply(self.core.desk_elsewhere(cid, target))
                return
            await self._apply(self.core.desk_refused(cid, "GONE"))
        except ClusterUnavailableError:
            self.metrics.cluster_unavailable_total += 1
            await self._apply(self.core.desk_refused(cid, "UNAVAILABLE"))

    async def _desk_put_back(self, room: SharedWaitingRoom, got: Claimed) -> None:
        """A claimed customer nobody could be paired with goes back at their place."""
        w = got.waiting
        await room.join(
            w.ticket, w.queue, w.installation, U32, got.details,
            node=got.node, ask=got.ask, joined=w.since,
        )  # fmt: skip

    async def _desk_claim(
        self, room: SharedWaitingRoom, ticket: str, agent: str
    ) -> Claimed | str | None | Literal[False]:
        """Claim ``ticket`` for ``agent``: what Redis held (with the customer's node),
        for a callback the node whose app waits (None: here), or False if another
        agent claimed it first."""
        desk = self.core.desk
        assert desk is not None
        if ticket.startswith(CALLBACK_TICKET):
            if not await room.call_once(ticket.removeprefix(CALLBACK_TICKET), agent):
                return False
            node = desk.app_node(ticket)
            if node is not None:
                await room.send_for(agent, ticket, node)
            return node
        got = await room.claim_for(ticket, agent, self.node_id)
        return False if got is None else got

    async def _desk_sync_loop(self) -> None:
        """Mirror the cluster's waiting room every SYNC_S (see DeskFront.sync)."""
        desk, room = self.core.desk, self.room
        assert desk is not None and room is not None
        queues = [q.id for q in desk.desk.queues]
        next_expire = 0.0
        seen_version = -1
        while True:
            await asyncio.sleep(SYNC_S)
            try:
                here = desk.held_here()
                await room.touch(here, self.node_id)
                learnt, desk.learnt = desk.learnt, []
                agents = json.dumps([dataclasses.astuple(a) for a in desk.agents_here()])
                await room.publish(self.node_id, agents, desk.apps_here(), learnt)
                if time.monotonic() >= next_expire:
                    next_expire = time.monotonic() + 2.0
                    await room.expire(queues, self.settings.grace_s)
                    if self.coordinator is not None:
                        live = await self.coordinator.nodes()
                        self._node_urls = {n.id: n.url for n in live if not n.draining}
                snap = await room.snapshot(queues, known=set(desk.askers), mine=here)
                if snap.version != seen_version:  # a callback booked or recorded elsewhere
                    seen_version = snap.version
                    await self._reload_desk()
                others = [
                    RemoteAgent(n, tuple(t), int(m), bool(a), tuple(b), bool(d))
                    for node, raw in snap.agents.items()
                    if node != self.node_id
                    for n, t, m, a, b, d in json.loads(raw)
                ]
                await self._apply(desk.sync(snap, others))
            except ClusterUnavailableError:
                self.metrics.cluster_unavailable_total += 1
            except Exception:  # a bug here must not stop the mirror for good
                log.exception("desk sync failed")

    async def _desk_flush_loop(self) -> None:
        """Tell waiting customers their new places soon after takes and leaves."""
        desk = self.core.desk
        assert desk is not None
        while True:
            await asyncio.sleep(FLUSH_S)
            if desk.dirty:
                try:
                    await self._apply(desk.flush())
                except Exception:  # a bug here must not stop the updates for good
                    log.exception("desk flush failed")

    async def _desk_write(self, action: BookCallback | RecordOutcome | LookUpEarlier) -> None:
        """One desk write or lookup in a worker thread; its answer goes back to the core.
        A database that does not answer is a sentence to the person, never a hang."""
        desk, st = self.core.desk, self.store
        assert desk is not None
        try:
            if isinstance(action, BookCallback):
                cb = action

                def book() -> CallbackRow | None:
                    cid = st.add_callback(
                        queue=cb.queue,
                        installation=cb.installation,
                        name=cb.name,
                        contact=cb.contact,
                        channel=cb.channel,
                        description=cb.description,
                        window=cb.window,
                        asked=cb.asked,
                    )
                    return st.callback(cid)

                row = await asyncio.to_thread(book)
                out = desk.booked(cb.conn, row)
            elif isinstance(action, RecordOutcome):
                rec = action
                row = await asyncio.to_thread(
                    lambda: st.callback_outcome(
                        rec.id,
                        rec.outcome,
                        agent=rec.agent,
                        at=time.time(),
                        note=rec.note,
                        window=rec.window,
                    )
                )
                out = desk.recorded(rec.conn, row)
            else:
                count = await asyncio.to_thread(st.earlier_contacts, action.installation)
                desk.earlier(action.ticket, count)
                return
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            out = self._desk_failed(action, "UNAVAILABLE")
        except StoreError as exc:
            log.info("desk: %s", exc)
            out = self._desk_failed(action, "CALLBACK_GONE")
        else:
            if self.room is not None and not isinstance(action, LookUpEarlier):
                # The other nodes reload the callbacks at once.
                try:
                    await self.room.changed()
                except ClusterUnavailableError:
                    pass  # they reload within _DESK_RELOAD_S anyway
        await self._apply(out)

    async def _history(self, action: LookUpHistory) -> None:
        """The earlier contacts of the customer an agent just took, to that agent."""

        def load() -> tuple[list[ContactRow], dict[str, list[NoteRow]]]:
            rows = self.store.records.history(
                installation=action.installation,
                contact=action.phone_or_email,
                but=action.contact,
                limit=MAX_HISTORY,
            )
            return rows, self.store.records.notes_of([r.id for r in rows])

        try:
            rows, notes = await asyncio.to_thread(load)
        except StoreError as exc:
            log.info("history: %s", exc)
            rows, notes = [], {}
        items = tuple(
            HistoryItem(
                int(r.asked),
                r.queue[:32],
                r.topic[:120],
                r.state,
                -1 if r.resolved is None else int(r.resolved),
                r.agents[:200],
                " / ".join(n.text for n in notes.get(r.id, []))[:300],
            )  # fmt: skip
            for r in rows
        )
        await self._apply([Send(action.conn, History(action.contact, items))])

    async def _desk_block(self, action: BlockInstallation) -> None:
        """A supervisor's block: kept in the database (the desk log says who and why),
        then in force here and, through the version in Redis, on every node."""
        desk = self.core.desk
        assert desk is not None
        a = action
        try:
            await asyncio.to_thread(
                lambda: self.store.block(
                    a.installation, a.until, actor=a.actor, reason=a.reason, at=a.at
                )
            )
        except DatabaseUnavailableError as exc:
            self._database_down(exc)
            await self._apply(desk.blocked(action, kept=False))
            return
        log.info("desk: %r blocked an installation for %.0f min", a.actor, (a.until - a.at) / 60)
        if self.room is not None:  # the other nodes reload the blocks before anything else
            try:
                await self.room.changed()
            except ClusterUnavailableError:
                pass  # they reload within _DESK_RELOAD_S anyway
        await self._apply(desk.blocked(action, kept=True))

    def _desk_failed(self, action: Action, why: str) -> list[Action]:
        desk = self.core.desk
        assert desk is not None
        if isinstance(action, BookCallback):
            return desk.booked(action.conn, None, why)
        if isinstance(action, RecordOutcome):
            return desk.recorded(action.conn, None, why)
        return []

    # ------------------------------------------------------------ cluster

    async def _heartbeat_loop(self) -> None:
        """Say this node is alive every third of ``node_ttl_s``, keeping its codes; while
        draining, find the node its sessions move to."""
        coord, st = self.coordinator, self.settings
        assert coord is not None
        interval = st.node_ttl_s / 3
        while True:
            try:
                await coord.beat(self.draining, list(self.core.sessions), st.grace_s)
                if self.draining:
                    await self._apply(self.core.drain(await self._drain_target()))
            except ClusterUnavailableError:
                pass  # logged once by the coordinator; sessions here go on
            except Exception:  # a bug here must not stop the heartbeat for good
                log.exception("heartbeat failed")
            await asyncio.sleep(interval)

    async def _drain_target(self) -> NodeInfo | None:
        """A live node that is not draining (at random, to spread the sessions), or None."""
        assert self.coordinator is not None
        others = [
            n for n in await self.coordinator.nodes() if n.id != self.node_id and not n.draining
        ]
        return random.choice(others) if others else None

    async def _sweep_loop(self) -> None:
        """Close the audit rows of sessions whose node is gone and that no node took over."""
        coord, st = self.coordinator, self.settings
        assert coord is not None
        quiet_s = st.grace_s + st.node_ttl_s + 2 * max(st.audit_flush_s, 1.0)
        while True:
            await asyncio.sleep(_SWEEP_S)
            try:
                alive = {n.id for n in await coord.nodes()}
                nodes = await asyncio.to_thread(self.store.open_session_nodes)
                for node in nodes - alive - {self.node_id}:
                    lost = await asyncio.to_thread(
                        self.store.mark_lost, node, seen_before=time.time() - quiet_s
                    )
                    if lost:
                        log.warning(
                            "node %r is gone: %d of its session(s) marked relay_crashed",
                            node,
                            lost,
                        )
            except (ClusterUnavailableError, StoreError):
                pass
            except Exception:
                log.exception("sweep failed")

    async def drain(self) -> None:
        """Take no new sessions; move established ones to another node (in a cluster) or
        let them finish; :attr:`drained` is set once none is left."""
        if self.draining:
            return
        self.draining = True
        self.metrics.draining = 1
        log.info("draining: %d session(s) open", self.core.open_sessions)
        target = None
        if self.coordinator is not None:
            try:
                await self.coordinator.beat(True, list(self.core.sessions), self.settings.grace_s)
                target = await self._drain_target()
            except ClusterUnavailableError:
                target = None
            if target is None:
                log.warning("no other node to move sessions to: they finish here")
        await self._apply(self.core.drain(target))

    # ------------------------------------------------------------ introspection

    def queued_bytes(self) -> int:
        """Bytes waiting in outgoing queues right now (for tests and metrics)."""
        return self._queued_total


async def _refuses_connections(url: str, timeout_s: float = 0.5) -> bool:
    """True only if the host answers that nothing listens on the port (a process that
    died); no answer within ``timeout_s`` proves nothing (a slow or cut-off machine)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        async with asyncio.timeout(timeout_s):
            _, writer = await asyncio.open_connection(parts.hostname, port)
    except ConnectionRefusedError:
        return True
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return False


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
