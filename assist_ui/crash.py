"""The last-resort handler both apps install: a crash becomes a sentence, never a silent stop.

An exception nobody caught — in a Qt slot (``sys.excepthook``) or on any other
thread (``threading.excepthook``: capture, decoding, the hotkey, a sign-in) —
is written to the log with its traceback, and the person is shown the app's
sentence on the GUI thread. Exceptions on other threads reach the GUI thread
through a queued Qt signal, because widgets may only be touched there.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Signal

__all__ = ["CrashHook"]


class CrashHook(QObject):
    """Create on the GUI thread, then :meth:`install`. ``show`` runs on the GUI thread."""

    _crashed = Signal()

    def __init__(self, show: Callable[[], None], logger: str) -> None:
        super().__init__()
        self._show = show
        self._log = logging.getLogger(logger)
        self._showing = threading.Lock()
        self._crashed.connect(self._show_once)

    def install(self) -> None:
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook

    def _hook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        self._log.error("unexpected error", exc_info=(kind, exc, tb))
        self._crashed.emit()

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or args.exc_type is SystemExit:
            return
        self._log.error(
            "unexpected error in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        self._crashed.emit()  # queued to the GUI thread when emitted from another one

    def _show_once(self) -> None:
        if not self._showing.acquire(blocking=False):
            return  # one notice at a time, however many errors follow
        try:
            self._show()
        except Exception:  # noqa: BLE001 - never raise from the last resort
            self._log.exception("could not show the error")
        finally:
            self._showing.release()
