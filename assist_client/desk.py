"""The Get help form's questions to the desk, as a QObject: which queues there are,
which callback windows a queue offers, and booking a callback.

Each question runs on its own short :class:`~assist_net.driver.NetworkThread` (one
request, one answer; :class:`common.desk_query.DeskQuery`), so the form never waits
on the network; answers and refusals arrive as queued signals on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from assist_net.driver import Connection, NetworkThread
from assist_net.target import TargetLike
from common.desk_query import DeskAnswer, DeskQuery, Request
from common.endpoint import Event, Failed
from common.messages import CallbackBooked, CallMe, ListQueues, ListWindows, Queues, Windows

log = logging.getLogger(__name__)

__all__ = ["DeskClient", "Runner", "real_runner"]

#: Starts one question; calls back (on any thread) with each event.
Runner = Callable[[TargetLike, DeskQuery, Callable[[Event], None]], object]


def real_runner(target: TargetLike, query: DeskQuery, on_event: Callable[[Event], None]) -> object:
    thread = NetworkThread(Connection(target, query, on_event))
    thread.start()
    return thread


class DeskClient(QObject):
    queues_listed = Signal(object)  # Queues
    windows_listed = Signal(object)  # Windows
    booked = Signal(object)  # CallbackBooked
    failed = Signal(object, str)  # AssistError, which question ("queues", "windows", "book")
    _event = Signal(object, str)

    def __init__(
        self, target: TargetLike, *, runner: Runner = real_runner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.target = target
        self._runner = runner
        self._running: list[object] = []
        self._event.connect(self._on_event)

    def list_queues(self) -> None:
        self._ask(ListQueues(), "queues")

    def list_windows(self, queue: str) -> None:
        self._ask(ListWindows(queue), "windows")

    def book(self, request: CallMe) -> None:
        self._ask(request, "book")

    def _ask(self, request: Request, what: str) -> None:
        query = DeskQuery(request)
        self._running.append(self._runner(self.target, query, lambda e: self._event.emit(e, what)))

    def _on_event(self, event: Event, what: str) -> None:
        match event:
            case DeskAnswer(message=Queues() as msg):
                self.queues_listed.emit(msg)
            case DeskAnswer(message=Windows() as msg):
                self.windows_listed.emit(msg)
            case DeskAnswer(message=CallbackBooked() as msg):
                self.booked.emit(msg)
            case Failed(error=err):
                log.info("desk question %s failed: %s", what, err)
                self.failed.emit(err, what)

    def shutdown(self, timeout: float = 1.0) -> None:
        for thread in self._running:
            join = getattr(thread, "join", None)
            if join is not None:
                join(timeout)
        self._running.clear()
