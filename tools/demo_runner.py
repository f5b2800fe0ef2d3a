"""The autopilot's remote control: a Qt process that takes one command a line on stdin.

``make demo`` without a display (or ``--autopilot``) starts the agent's app, the
customer's app and the customer's desktop each in a process of its own, built from
the apps' real parts. :mod:`tools.demo` writes a command such as ``chat Hello`` to
the process's stdin; the :class:`Runner` acts as a person would (QTest clicks on the
real buttons, typing into the real boxes, drags on the real viewer) and answers one
line on stdout once the result is there to be seen: ``ok [value]`` or ``error why``.

Handlers never block. A modal dialog (consent, rating) runs its own event loop
inside a slot of the app, so a handler that waited in a loop of its own could not
return until the dialog closed. Waiting is therefore done with timers
(:meth:`Runner.when`), and commands keep arriving, through a queued signal, inside
the dialog's loop: that is how the autopilot clicks a dialog's button.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

#: Longest wait for anything to show up; a demo step takes a second or two.
TIMEOUT_S = 20.0
POLL_MS = 40

W = TypeVar("W", bound=QWidget)


class Runner(QObject):
    """Reads commands, calls ``do_<command>(argument)``; each handler ends in reply or fail."""

    _line_arrived = Signal(str)
    _input_closed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        queued = Qt.ConnectionType.QueuedConnection
        self._line_arrived.connect(self._dispatch, queued)
        self._input_closed.connect(self.finish, queued)  # tools.demo is gone: do not outlive it
        threading.Thread(target=self._read, name="demo-commands", daemon=True).start()

    def _read(self) -> None:
        for line in sys.stdin:
            self._line_arrived.emit(line.strip())
        self._input_closed.emit()

    def _dispatch(self, line: str) -> None:
        if not line:
            return
        name, _, argument = line.partition(" ")
        handler = getattr(self, f"do_{name}", None)
        if handler is None:
            self.fail(f"unknown command {name!r}")
            return
        self._guarded(lambda: handler(argument))

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - the demo reports it and stops
            traceback.print_exc()
            self.fail(f"{type(exc).__name__}: {exc}")

    def reply(self, value: str = "") -> None:
        print(f"ok {value}".rstrip(), flush=True)

    def fail(self, why: str) -> None:
        print(f"error {why}", flush=True)

    def when(
        self,
        what: str,
        ready: Callable[[], bool],
        then: Callable[[], None] | None = None,
        *,
        settle_ms: int = 0,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        """Once ``ready()`` holds, wait ``settle_ms`` for painting, then ``then()`` (or reply)."""
        deadline = time.monotonic() + timeout_s
        timer = QTimer(self)
        timer.setInterval(POLL_MS)

        def done() -> None:
            self._guarded(then or self.reply)

        def check() -> None:
            try:
                ok, failure = ready(), f"timed out waiting for {what}"
            except Exception as exc:  # noqa: BLE001 - a bug in the check: say so at once
                traceback.print_exc()
                ok, failure, deadline_passed = False, f"{type(exc).__name__}: {exc}", True
            else:
                deadline_passed = time.monotonic() > deadline
            if ok or deadline_passed:
                timer.stop()
                timer.deleteLater()
            if ok:
                QTimer.singleShot(settle_ms, done)
            elif deadline_passed:
                self.fail(failure)

        timer.timeout.connect(check)
        timer.start()

    def do_quit(self, _: str) -> None:
        self.reply()
        self.finish()

    def finish(self) -> None:
        """Leave the event loop (the app's own windows may close first)."""
        QApplication.quit()


# ------------------------------------------------------------------ what a person does


def click(widget: QWidget | None, at: QPoint | None = None) -> None:
    """A left click on a visible, enabled widget (its centre unless ``at``)."""
    if widget is None or not widget.isVisible() or not widget.isEnabled():
        raise RuntimeError(f"cannot click {widget!r}: it is hidden or disabled")
    point = at if at is not None else widget.rect().center()
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def type_into(widget: QWidget, text: str) -> None:
    """Click into a text box and type, key by key."""
    if not text.isascii():  # QTest maps characters to keys for ASCII only (and aborts otherwise)
        raise ValueError(f"the autopilot can only type ASCII, not {text!r}")
    click(widget)
    QTest.keyClicks(widget, text)


def drag(widget: QWidget, points: Sequence[QPoint]) -> None:
    """Press at the first point, move through the others, release at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(widget, left, none, points[0])
    for p in points[1:]:
        QTest.mouseMove(widget, p)
    QTest.mouseRelease(widget, left, none, points[-1])


def path(start: QPoint, end: QPoint, steps: int = 12) -> list[QPoint]:
    """Points along a straight line, as a hand moving a mouse would report them."""
    return [
        QPoint(
            round(start.x() + (end.x() - start.x()) * i / steps),
            round(start.y() + (end.y() - start.y()) * i / steps),
        )
        for i in range(steps + 1)
    ]


def shown(kind: type[W]) -> W | None:
    """The visible top-level window of this class (a dialog that ``exec()`` put up)."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


def showing(kind: type[W]) -> W:
    """Like :func:`shown`, for a window that must be there."""
    window = shown(kind)
    if window is None:
        raise RuntimeError(f"no {kind.__name__} on the screen")
    return window


def centre_on_screen(window: QWidget) -> None:
    """What a window manager would do; the autopilot's X servers have none."""
    window.adjustSize()
    frame = window.frameGeometry()
    frame.moveCenter(window.screen().availableGeometry().center())
    window.move(frame.topLeft())
