"""Remote control in the customer's app: the gate, the injector and the prompt, wired.

:class:`RemoteControl` runs a :class:`~common.control.ControlGate` (policy) and an
:class:`~assist_client.injector.Injector` (the desktop). The session hands it the
members' control messages; ``Input`` comes straight from the network thread
(:meth:`on_input`, under a lock), so typing never waits for the GUI thread, while
requests, answers and every end of control happen on the GUI thread.

Signals (GUI thread): ``asked(member, name, reason)`` — show the control prompt;
``withdrawn()`` — close it (the asker left, or control cannot be given now);
``changed(holder, name)`` — who is in control ("" for nobody), for the bar;
``protected(pattern)`` — a protected window has the focus ("" when it no longer does);
``local_input()`` — the customer's own hand holds remote input back;
``told(ControlState)`` — every state the members were told (headless prints it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from assist_client.injector import Injector, open_backend
from common.control import DEFAULT_PROTECTED, IDLE_S, ControlGate, Verdict
from common.messages import (
    Clipboard,
    ControlChange,
    ControlState,
    Input,
    Message,
    ReportEvent,
)

#: What reaches the relay's audit log of each state the members are told.
_AUDIT = {
    ControlChange.GRANTED: ReportEvent.CONTROL_GRANTED,
    ControlChange.DENIED: ReportEvent.CONTROL_DENIED,
    ControlChange.BLOCKED: ReportEvent.CONTROL_BLOCKED,
    **{
        c: ReportEvent.CONTROL_ENDED
        for c in (
            ControlChange.STOPPED,
            ControlChange.RELEASED,
            ControlChange.PAUSED,
            ControlChange.IDLE,
            ControlChange.LEFT,
            ControlChange.ENDED,
        )
    },
}

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]


class RemoteControl(QObject):
    asked = Signal(int, str, str)  # member, their name, their reason
    withdrawn = Signal()
    changed = Signal(int, str)  # holder (0: nobody), their name
    protected = Signal(str)
    local_input = Signal()
    told = Signal(object)  # ControlState
    clipboard = Signal(str)
    _local = Signal()
    _focus = Signal(str)

    def __init__(
        self,
        send_all: Callable[[Message], None],
        names: Callable[[int], str],
        *,
        report: Callable[[ReportEvent, int, str], None] = lambda _e, _m, _d: None,
        backend_factory: Callable[[], object] = open_backend,
        patterns: Sequence[str] = DEFAULT_PROTECTED,
        idle_s: float = IDLE_S,
        own_class: str = "Assist",
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send_all = send_all
        self._names = names
        self._report = report
        self._clock = clock
        self._lock = threading.Lock()  # the gate and the shared monitor, for on_input
        self.gate = ControlGate(idle_s=idle_s)
        self._rect: Rect | None = None
        self._monitor = -1
        self.refused = 0  # Input messages refused by the gate (tests, the log)
        self._local.connect(self._on_local)
        self._focus.connect(self._on_focus)
        self.injector = Injector(
            backend_factory,
            on_local=self._local.emit,
            on_focus=self._focus.emit,
            patterns=patterns,
            own_class=own_class,
        )
        self._started = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def _ensure_started(self) -> bool:
        if not self._started:
            self._started = True
            available = self.injector.start()
            with self._lock:
                self.gate.available = available
        return self.gate.available

    def set_shields(self, rects: Sequence[Rect]) -> None:
        """The customer's own windows in desktop pixels (the bar, the prompts)."""
        self.injector.set_shields(rects)

    @property
    def holder(self) -> int:
        return self.gate.holder

    def set_monitor(self, index: int, rect: Rect | None) -> None:
        """The monitor being shared (input is mapped into it), or None when none is."""
        with self._lock:
            self._monitor, self._rect = index, rect

    # ------------------------------------------------------------ members' messages

    def on_input(self, member: int, msg: Input) -> bool:
        """On the network thread: inject if the gate admits it. True if it ran."""
        with self._lock:
            verdict = self.gate.admit(member, self._clock())
            rect = self._rect if msg.monitor == self._monitor else None
        if verdict is not Verdict.RUN or rect is None:
            self.refused += 1
            if verdict is Verdict.NOT_GRANTED:
                log.warning("input from member %d refused: control not granted to them", member)
            return False
        self.injector.submit(rect, msg.events)
        return True

    @Slot(int, str)
    def request(self, member: int, reason: str) -> None:
        self._ensure_started()
        with self._lock:
            ask, state = self.gate.request(member)
        if state is not None:
            self._tell(state)
        if ask:
            self.asked.emit(member, self._names(member), reason)

    def release(self, member: int) -> None:
        with self._lock:
            state = self.gate.release(member)
        self._ended(state)

    def on_clipboard(self, member: int, msg: Clipboard) -> None:
        """Clipboard text only from the member in control, and not into a protected window."""
        with self._lock:
            ok = member == self.gate.holder and not self.gate.blocked
        if ok:
            self.clipboard.emit(msg.text)
        else:
            self.refused += 1

    # ------------------------------------------------------------ the customer

    @Slot()
    def allow(self) -> None:
        with self._lock:
            state = self.gate.answer(True, self._clock())
        if state is None:
            return
        self.injector.set_active(True)
        self._timer.start()
        self._tell(state)
        self.changed.emit(state.holder, self._names(state.holder))

    @Slot()
    def deny(self) -> None:
        with self._lock:
            state = self.gate.answer(False, self._clock())
        if state is not None:
            self._tell(state)

    @Slot()
    def stop(self) -> None:
        """The customer takes control back (Stop control, the stop key, Stop)."""
        self.end(ControlChange.STOPPED)

    def end(self, change: ControlChange) -> None:
        """Control ends for ``change``; queued input is dropped before anything else."""
        self.injector.cancel()
        with self._lock:
            asking = self.gate.asking
            state = self.gate.end(change)
        if asking:
            self.withdrawn.emit()
        self._ended(state)

    def member_left(self, member: int) -> None:
        with self._lock:
            asking = self.gate.asking == member
            state = self.gate.member_left(member)
        if asking:
            self.withdrawn.emit()
        self._ended(state)  # drops their queued input if they held control

    def shutdown(self) -> None:
        self._timer.stop()
        self.injector.stop()

    # ------------------------------------------------------------ internals

    def _ended(self, state: ControlState | None) -> None:
        if state is None:
            return
        self.injector.cancel()
        self.injector.set_active(False)
        self._timer.stop()
        self._tell(state)
        self.changed.emit(0, "")

    def _tell(self, state: ControlState) -> None:
        self._send_all(state)
        event = _AUDIT.get(state.change)
        if event is not None:  # the audit log: who, what, why; never what was typed
            detail = state.detail if event is ReportEvent.CONTROL_BLOCKED else ""
            if event is ReportEvent.CONTROL_ENDED:
                detail = state.change.name.lower()
            self._report(event, state.member, detail)
        self.told.emit(state)

    @Slot()
    def _tick(self) -> None:
        with self._lock:
            state = self.gate.tick(self._clock())
        self._ended(state)

    @Slot()
    def _on_local(self) -> None:
        with self._lock:
            state = self.gate.local_input(self._clock())
        if state is not None:
            self._tell(state)
            self.local_input.emit()

    @Slot(str)
    def _on_focus(self, pattern: str) -> None:
        with self._lock:
            state = self.gate.focus(pattern)
        self.protected.emit(pattern)
        if state is not None:
            self._tell(state)
