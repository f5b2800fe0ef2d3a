"""The asyncio driver both apps use to talk to the relay.

It owns one websocket at a time and moves bytes between it and a
:class:`common.endpoint.Endpoint`: everything the protocol decides happens in
the endpoint. What lives here is only what needs a socket or a clock:
connecting (TLS for ``wss://``, checked as :mod:`assist_net.target` says),
reconnecting with back-off to resume a dropped session, idle acknowledgements,
and handing events to the app.

Apps with a window run it on a :class:`NetworkThread` so the GUI thread never
waits on the network; headless modes run :meth:`Connection.run` directly.

After a drop it keeps trying to resume for :data:`RESUME_WINDOW_S` (30 s). The
environment variable ``ASSIST_RESUME_WINDOW_S`` (seconds, a positive number)
changes that default, so end-to-end tests need not wait 30 s for a relay that
is gone; anything else in it is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import os
import ssl
import threading
import time
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from assist_net.target import (
    RelayTarget,
    TargetLike,
    certificate_error,
    checked,
    pin_mismatch,
    pin_of_der,
    shown,
)
from common.desk_query import DeskQuery
from common.endpoint import Closed, Endpoint, Event, Failed
from common.errors import (
    AssistError,
    CodeError,
    ConnectionLostError,
    DeskError,
    ErrorCode,
    IdentityError,
    InternalError,
    RelayAddressError,
    RelayCertificateError,
    RelayRedirectError,
    RelayRefusedError,
    RelayUnreachableError,
    ResumeFailedError,
    WrongCodeError,
)
from common.member import DeskEndpoint, MemberEndpoint
from common.messages import MAX_MESSAGE_BYTES, EndReason, Message, Role
from common.relay_address import parse_redirect

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], None]
#: The three conversations an app has with the relay: a session by code, a seat in
#: someone else's session, and the agent's desk (presence and invitations).
AnyEndpoint = Endpoint | MemberEndpoint | DeskEndpoint | DeskQuery


def _resume_window_s(default: float = 30.0) -> float:
    try:
        value = float(os.environ.get("ASSIST_RESUME_WINDOW_S", default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


#: How long we keep trying to get back to a session after our connection drops.
RESUME_WINDOW_S = _resume_window_s()
_BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0)
_IDLE_ACK_S = 0.5
#: How long a bye waits for the resync after a resume, so held messages go out first.
_BYE_WAIT_S = 3.0
#: Redirects followed in a row without a session answer in between: more is a loop.
_MAX_REDIRECTS = 4


async def open_relay(
    target: RelayTarget, *, open_timeout_s: float = 10.0, ping: bool = True
) -> ClientConnection:
    """Open a websocket to the relay, TLS checked as ``target`` says.

    Raises :class:`RelayCertificateError` for anything about certificates, keys or
    TLS (final: retrying cannot fix it), and ``OSError``, ``InvalidHandshake``,
    ``InvalidURI`` or ``TimeoutError`` for what a retry might fix.
    """
    ssl_context = target.ssl_context()
    try:
        ws = await connect(
            target.url,
            ssl=ssl_context,
            compression=None,
            max_size=MAX_MESSAGE_BYTES + 64,
            open_timeout=open_timeout_s,
            ping_interval=5 if ping else None,
            ping_timeout=10 if ping else None,
            close_timeout=2,
            user_agent_header=None,
        )
    except ssl.SSLError as exc:
        log.warning("TLS with %s failed: %s", target.url, exc)
        raise certificate_error(exc, target) from None
    if target.pin is not None:
        tls = ws.transport.get_extra_info("ssl_object")
        der = tls.getpeercert(binary_form=True) if tls is not None else None
        if der is None or pin_of_der(der) != target.pin:
            log.warning("the relay at %s does not have the pinned key", target.url)
            ws.transport.abort()
            raise pin_mismatch(target)
    return ws


class Connection:
    """Runs an :class:`Endpoint` over the relay websocket until the session ends.

    ``target`` is a :class:`~assist_net.target.RelayTarget`, or an address string that
    is parsed as one (system trust store, no pin), or the :class:`RelayAddressError`
    that checking the settings raised: that ends the run at once with its sentence.
    """

    def __init__(
        self,
        target: TargetLike,
        endpoint: AnyEndpoint,
        on_event: EventHandler,
        *,
        resume_window_s: float = RESUME_WINDOW_S,
        open_timeout_s: float = 10.0,
    ) -> None:
        resolved = checked(target)
        self.target = resolved if isinstance(resolved, RelayTarget) else None
        #: Where the next connection goes: ``target``, or the node a relay redirected us to.
        self.current = self.target
        self._redirects = 0
        self._address_error = resolved if isinstance(resolved, RelayAddressError) else None
        self.url = shown(target)
        self.endpoint = endpoint
        self._on_event = on_event
        self._resume_window_s = resume_window_s
        self._open_timeout_s = open_timeout_s
        self._ws: ClientConnection | None = None
        self._wake = asyncio.Event()
        self._ever_connected = False
        self._bye_pending: EndReason | None = None
        self._bye_deadline = 0.0
        self._opening: asyncio.Future[ClientConnection] | None = None
        self.final: Event | None = None
        self.bytes_sent = 0
        self.bytes_received = 0

    # -- called from the loop (directly, or via NetworkThread.call)

    def send_app(self, msg: Message) -> bool:
        ok = self.endpoint.send_app(msg)
        self._wake.set()
        return ok

    def call_endpoint(self, name: str, *args: object) -> None:
        """Call one of the endpoint's methods (``cast``, ``allow``, ``invite`` ...) and
        send what it queued."""
        getattr(self.endpoint, name)(*args)
        self._wake.set()

    def bye(self, reason: EndReason) -> None:
        """End on purpose. What is still held for a resume goes out first, if it can."""
        channel = self.endpoint.channel
        if self._ws is not None and channel is not None and channel.suspended:
            # Back on the line but not yet in step with the peer: the last words
            # (SessionEnd, a rating) are held until the resync; say bye after it.
            self._bye_pending = reason
            self._bye_deadline = time.monotonic() + _BYE_WAIT_S
        else:
            self.endpoint.bye(reason)
            if self._opening is not None:  # still connecting: stop trying
                self._opening.cancel()
        self._wake.set()

    def _maybe_bye(self) -> None:
        if self._bye_pending is None:
            return
        channel = self.endpoint.channel
        in_step = channel is None or not channel.suspended
        if in_step or time.monotonic() >= self._bye_deadline:
            reason, self._bye_pending = self._bye_pending, None
            self.endpoint.bye(reason)

    def drop_connection(self) -> None:
        """Close the websocket as if the network failed (tests and diagnostics)."""
        if self._ws is not None:
            self._ws.transport.abort()

    # -- the loop

    async def run(self) -> Event:
        """Connect, run the session, reconnect to resume; return the final event.

        Never raises (but for cancellation by its owner): whatever goes wrong ends as a
        :class:`Failed` event that the app is told about, so a failure can never
        leave a person looking at "connecting" forever.
        """
        try:
            await self._run()
        except asyncio.CancelledError:
            raise  # the owner stopped us on purpose: nothing to report
        except Exception:  # noqa: BLE001 - a bug must reach the person as a sentence
            log.exception("the connection to %s failed unexpectedly", self.url)
            self.fail(InternalError())
            with contextlib.suppress(Exception):
                if self._ws is not None:
                    self._ws.transport.abort()
        assert self.final is not None
        return self.final

    async def _run(self) -> None:
        if self._address_error is not None:
            self.fail(self._address_error)
            return
        while self.final is None:
            ws = await self._connect()
            if ws is None:
                if self.final is None:
                    self.fail(self._unreachable())
                break
            await self._serve(ws)
            if self.final is None and self._follow_redirect():
                continue
            self.current = self.target  # after a drop, start again at the front door
            if self.final is None and not self.endpoint.can_resume:
                self.fail(self._lost())

    def _follow_redirect(self) -> bool:
        """A node sent us elsewhere: go there if it is the same cluster (else fail)."""
        url = self.endpoint.take_redirect()
        if url is None:
            return False
        assert self.target is not None and self.current is not None
        here = self.current.url
        node = parse_redirect(self.target.address, url)
        if node is None:
            log.warning("refused a redirect from %s to %r: not the same service", here, url)
            self.fail(RelayRedirectError(url=here, target=url[:100]))
            return False
        self._redirects += 1
        if self._redirects > _MAX_REDIRECTS:
            log.warning("more than %d redirects in a row; last from %s", _MAX_REDIRECTS, here)
            self.fail(RelayRedirectError(RelayRedirectError.LOOP, url=here))
            return False
        log.info("the relay at %s sent us to %s", here, node.url)
        self.current = dataclasses.replace(self.target, address=node)
        return True

    def fail(self, error: AssistError) -> None:
        """End with ``error`` (once); the app hears it as a :class:`Failed` event."""
        self.endpoint.abandon()
        self._finish(Failed(error))

    def _finish(self, event: Event) -> None:
        if self.final is None:
            self.final = event
            try:
                self._on_event(event)
            except Exception:  # noqa: BLE001 - the app's handler; the run still ends
                log.exception("the app's event handler failed on %s", type(event).__name__)

    async def _connect(self) -> ClientConnection | None:
        deadline = time.monotonic() + (self._resume_window_s if self._ever_connected else 0)
        attempt = 0
        while True:
            if self._bye_pending is not None:
                reason, self._bye_pending = self._bye_pending, None
                self.endpoint.bye(reason)
            if self.endpoint.ended:
                # Ended while away: nobody to tell; the relay times the session out.
                self._dispatch()
                return None
            assert self.current is not None  # an address error ended the run before
            self._opening = asyncio.ensure_future(
                open_relay(self.current, open_timeout_s=self._open_timeout_s)
            )
            try:
                ws = await self._opening
            except asyncio.CancelledError:
                if not self.endpoint.ended:
                    raise
                self._dispatch()  # bye while connecting: nobody to tell, end now
                return None
            except RelayCertificateError as err:
                # Retrying cannot fix a certificate: say so now, not after 30 s.
                self.fail(err)
                return None
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                log.info("connecting to %s failed: %s", self.current.url, exc)
                if self.current is not self.target:
                    # A node we were sent to is gone (its session is about to be taken
                    # over): back to the front door, and that was no redirect loop.
                    self.current = self.target
                    self._redirects = 0
                if time.monotonic() >= deadline or isinstance(exc, InvalidURI):
                    return None
                self._wake.clear()
                with contextlib.suppress(TimeoutError):  # a bye wakes it early
                    await asyncio.wait_for(
                        self._wake.wait(), _BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)]
                    )
                attempt += 1
                continue
            finally:
                self._opening = None
            self._ever_connected = True
            self._ws = ws
            return ws

    async def _serve(self, ws: ClientConnection) -> None:
        """Run one websocket until the session ends or the connection drops."""
        self.endpoint.connected()
        writer = asyncio.create_task(self._write_loop(ws))
        try:
            async for wire in ws:
                if isinstance(wire, str):
                    continue  # the relay never sends text; ignore rather than crash
                self.bytes_received += len(wire)
                self.endpoint.receive(wire)
                if self.endpoint.redirect_to is not None:
                    await ws.close()
                    break
                self._dispatch()
                if self.endpoint.has_output or self._bye_pending is not None:
                    self._wake.set()  # (not for every frame ack: nothing to write then)
                if self.final is not None:
                    await self._flush(ws)
                    await ws.close()
                    break
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await writer
            self._ws = None
        if self.final is None:
            self.endpoint.connection_lost()
            self._dispatch()

    async def _write_loop(self, ws: ClientConnection) -> None:
        while True:
            try:
                # (asyncio.timeout, not wait_for: no task made per wake, and the writer
                # wakes for every frame and every ack.)
                async with asyncio.timeout(_IDLE_ACK_S):
                    await self._wake.wait()
            except TimeoutError:
                self.endpoint.idle()
            self._wake.clear()
            self._maybe_bye()
            await self._flush(ws)
            self._dispatch()
            if self.final is not None:
                await ws.close()
                return

    async def _flush(self, ws: ClientConnection) -> None:
        for wire in self.endpoint.data_to_send():
            self.bytes_sent += len(wire)
            await ws.send(wire)

    def _dispatch(self) -> None:
        events = self.endpoint.events()
        if events:  # the session moved on: redirects so far were not a loop
            self._redirects = 0
        for event in events:
            if isinstance(event, Failed | Closed):
                self._finish(event)
            else:
                self._on_event(event)

    def _unreachable(self) -> AssistError:
        if self._ever_connected:
            return ResumeFailedError.for_side(
                customer=self.endpoint.role is Role.CUSTOMER, relay_gone=True
            )
        return RelayUnreachableError(url=self.url)

    def _lost(self) -> AssistError:
        return ConnectionLostError()


class NetworkThread:
    """Runs a :class:`Connection` on its own thread and event loop.

    ``on_event`` is called on the network thread; Qt apps turn it into a signal
    (queued to the GUI thread). :meth:`call` runs a function on the loop.
    """

    def __init__(self, connection: Connection, on_final: EventHandler | None = None) -> None:
        self.connection = connection
        self._on_final = on_final
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="assist-network", daemon=True)
        self.final: Event | None = None

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.set_exception_handler(self._loop_exception)
        try:
            self.final = self.loop.run_until_complete(self.connection.run())
        except BaseException:  # noqa: BLE001 - the app must see a sentence, not a traceback
            log.exception("network thread failed")
            self.connection.fail(InternalError())
            self.final = self.connection.final
        finally:
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
        if self._on_final is not None and self.final is not None:
            self._on_final(self.final)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        """An exception nobody awaited (a callback, a forgotten task): end, and say so."""
        exc = context.get("exception")
        log.error("network loop: %s", context.get("message"), exc_info=exc if exc else None)  # type: ignore[arg-type]
        if isinstance(exc, Exception):
            self.connection.fail(InternalError())
            if self.connection._ws is not None:
                self.connection._ws.transport.abort()

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` on the network loop (thread-safe, never blocks).

        If ``fn`` raises, the session ends with :class:`InternalError` (and the log
        keeps the traceback) instead of the exception vanishing in the loop.
        """
        if not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closing
                self.loop.call_soon_threadsafe(fn, *args)

    def send_app(self, msg: Message) -> None:
        self.call(self.connection.send_app, msg)

    def call_endpoint(self, name: str, *args: object) -> None:
        """Run ``endpoint.<name>(*args)`` on the network loop (never blocks)."""
        self.call(self.connection.call_endpoint, name, *args)

    def bye(self, reason: EndReason) -> None:
        self.call(self.connection.bye, reason)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


#: Exit codes of the headless modes (both apps). 6: the customer's app refused the
#: agent's identity card (nothing was shared).
EXIT_OK, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_ERROR = 0, 2, 3, 4, 5
EXIT_IDENTITY = 6

_REFUSALS = {
    ErrorCode.BAD_TOKEN,
    ErrorCode.NOT_AUTHORIZED,
    ErrorCode.NAMEPLATE_UNKNOWN,
    ErrorCode.NAMEPLATE_IN_USE,
    ErrorCode.NAMEPLATE_EXPIRED,
    ErrorCode.CODE_BURNED,
    ErrorCode.RATE_LIMITED,
    ErrorCode.TOO_MANY_CONNECTIONS,
    ErrorCode.TOO_MANY_SESSIONS,
    ErrorCode.CERTIFICATE_MISSING,
    ErrorCode.CERTIFICATE_EXPIRED,
    ErrorCode.CERTIFICATE_REVOKED,
}


def exit_code_for(final: Event | None) -> int:
    """Map how a session ended to the documented headless exit code."""
    if final is None or isinstance(final, Closed):
        return EXIT_OK
    if not isinstance(final, Failed):
        return EXIT_ERROR
    err = final.error
    if isinstance(err, RelayAddressError | CodeError):
        return EXIT_USAGE
    if isinstance(err, WrongCodeError | DeskError):
        return EXIT_REFUSED
    if isinstance(err, IdentityError):
        return EXIT_IDENTITY
    if isinstance(err, RelayRefusedError) and err.code in _REFUSALS:
        return EXIT_REFUSED
    if isinstance(err, RelayUnreachableError):
        return EXIT_UNREACHABLE
    return EXIT_ERROR
