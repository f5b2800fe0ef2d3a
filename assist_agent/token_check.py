"""Checking an agent token with the relay before any session is created.

The relay signs an agent in with ``Hello`` + ``Auth`` and answers ``AuthOk``
(who it thinks we are) or an error. The endpoint would then ask for a
nameplate; :func:`check_token` hangs up before that, so signing in never opens
a session. :class:`SignIn` runs the check on a thread for the window.
"""

from __future__ import annotations

import asyncio
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QObject, Signal
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from assist_net.driver import open_relay
from assist_net.target import TargetLike, checked
from common.endpoint import Endpoint, Failed, SignedIn
from common.errors import (
    AssistError,
    ConnectionLostError,
    InternalError,
    RelayUnreachableError,
)

TIMEOUT_S = 10.0


async def check_token(
    target: TargetLike,
    token: str,
    timeout: float = TIMEOUT_S,
    key: Ed25519PrivateKey | None = None,
) -> SignedIn:
    """Sign in and hang up. Raises an :class:`AssistError` saying why it failed.

    With ``key`` the relay records this computer's key (its certificate is issued
    for it) and answers with the certificate it has, in ``SignedIn.certificate``."""
    resolved = checked(target)
    if isinstance(resolved, AssistError):
        raise resolved
    target = resolved
    endpoint = Endpoint.agent(token, key=key)
    try:
        async with asyncio.timeout(timeout):
            async with await open_relay(target, open_timeout_s=timeout, ping=False) as ws:
                endpoint.connected()
                for out in endpoint.data_to_send():
                    await ws.send(out)
                async for wire in ws:
                    if isinstance(wire, str):
                        continue
                    endpoint.receive(wire)
                    for event in endpoint.events():
                        if isinstance(event, SignedIn):
                            return event  # the queued Create is never sent
                        if isinstance(event, Failed):
                            raise event.error
                raise ConnectionLostError()
    except AssistError:
        raise
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError):
        raise RelayUnreachableError(url=target.url) from None
    except ConnectionClosed:
        raise ConnectionLostError() from None


class SignIn(QObject):
    """Checks a token off the GUI thread; one check at a time."""

    succeeded = Signal(object)  # SignedIn
    failed = Signal(object)  # AssistError

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, url: TargetLike, token: str, key: Ed25519PrivateKey | None = None) -> None:
        if self.busy:
            return
        self._thread = threading.Thread(
            target=self._run, args=(url, token, key), name="assist-sign-in", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, url: TargetLike, token: str, key: Ed25519PrivateKey | None) -> None:
        try:
            who = asyncio.run(check_token(url, token, key=key))
        except AssistError as err:
            self.failed.emit(err)
        except Exception:  # noqa: BLE001 - a person sees a sentence, the log the traceback
            import logging

            logging.getLogger(__name__).exception("sign-in failed")
            self.failed.emit(InternalError())
        else:
            self.succeeded.emit(who)
