"""SIGINT and SIGTERM end either app within two seconds, in every state.

Python runs its signal handlers only when the main thread runs Python code,
and Qt's event loop waits in C; an app that is stuck (a network thread that
never answers, a nested dialog) must still end. So the signal is taken at the C
level: :func:`signal.set_wakeup_fd` writes the signal's number to a socket,
and a small watcher thread reads it at once, whatever the GUI thread is doing.

* The first signal asks the app to end properly: ``on_signal`` runs on the GUI
  thread (through a queued Qt signal) and typically ends the session with a
  bye, so the peer is told, and quits the event loop.
* If the process is still alive :data:`GRACE_S` later, or a second signal
  arrives, it exits at once with ``128 + signal number`` (the shell's
  convention), after flushing its output.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

#: How long the app gets to end properly after SIGINT/SIGTERM before it is ended hard.
GRACE_S = 1.5
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalWatch(QObject):
    """Install with :meth:`install` (main thread) and keep a reference while the app runs."""

    received = Signal(int)  # emitted by the watcher thread, delivered on the GUI thread

    def __init__(
        self,
        on_signal: Callable[[int], None],
        *,
        grace_s: float = GRACE_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._grace_s = grace_s
        self._count = 0
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._old: dict[int, object] = {}
        self.received.connect(self._deliver)

    def install(self) -> None:
        rsock, wsock = socket.socketpair()
        wsock.setblocking(False)
        self._sockets = (rsock, wsock)
        signal.set_wakeup_fd(wsock.fileno(), warn_on_full_buffer=False)
        for sig in SIGNALS:
            # A Python-level handler must exist so the default action (die at once,
            # without a bye) does not run; the work is done by the watcher thread.
            self._old[sig] = signal.signal(sig, lambda *_: None)
        threading.Thread(target=self._watch, name="assist-signals", daemon=True).start()

    def uninstall(self) -> None:
        with contextlib.suppress(ValueError):  # not the main thread, or interpreter ending
            signal.set_wakeup_fd(-1)
        for sig, old in self._old.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, old)  # type: ignore[arg-type]
        self._old.clear()

    def _watch(self) -> None:
        assert self._sockets is not None
        rsock = self._sockets[0]
        while True:
            try:
                data = rsock.recv(16)
            except OSError:
                return
            if not data:
                return
            for signum in data:
                if signum not in SIGNALS:
                    continue
                self._count += 1
                if self._count == 1:
                    log.info("signal %d: ending", signum)
                    timer = threading.Timer(self._grace_s, _exit_now, (signum,))
                    timer.daemon = True
                    timer.start()
                    self.received.emit(signum)
                else:
                    _exit_now(signum)

    @Slot(int)
    def _deliver(self, signum: int) -> None:
        try:
            self._on_signal(signum)
        except Exception:  # noqa: BLE001 - ending must go on; the watchdog is armed
            log.exception("ending on signal %d failed", signum)
            _exit_now(signum)


def _exit_now(signum: int) -> None:
    """End the process at once; what was printed is flushed first."""
    log.warning("did not end within %.1f s of signal %d: exiting now", GRACE_S, signum)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    os._exit(128 + signum)
