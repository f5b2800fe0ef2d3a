"""The agent's marks as the customer's app holds them: a QObject, so the overlay only paints.

:class:`Marks` keeps the :class:`~common.annotations.Board` of shapes and the
:class:`~common.annotations.LaserTrail` for the monitor being shared, takes the
agent's annotation and laser messages, and emits ``changed`` whenever what is
visible changes: on a message, and by itself as shapes fade and expire and the
laser trail fades (a timer set from :meth:`Board.next_change`). The
:class:`~assist_client.windows.overlay.OverlayWindow` paints what :meth:`shapes`
and :meth:`laser_points` return.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from common.annotations import Board, LaserTrail, next_redraw
from common.messages import Message, Shape, ShapesClear


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class Marks(QObject):
    """See the module docstring. ``fades``: the screen can show translucency."""

    changed = Signal(list)  # ids of shapes sent again (a painter's cache of them is stale)

    def __init__(
        self,
        monitor: int,
        *,
        fades: bool = True,
        clock: Callable[[], int] = monotonic_ms,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.monitor = monitor
        self.fades = fades
        self.clock = clock
        self.board = Board()
        self.laser = LaserTrail()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.tick)

    # ------------------------------------------------------------ input

    def on_annotation(self, msg: Message) -> None:
        if isinstance(msg, Shape) and msg.monitor != self.monitor:
            return
        redrawn = [msg.shape_id] if isinstance(msg, Shape) else []
        if self.board.apply(msg, self.clock()):
            self._changed(redrawn)

    def on_laser(self, monitor: int, x: int, y: int, visible: bool) -> None:
        if monitor != self.monitor or not visible:
            return
        self.laser.add(monitor, x, y, self.clock())
        self._changed([])

    def set_monitor(self, monitor: int) -> None:
        """Another monitor is shared: the marks of the old one are dropped."""
        self.monitor = monitor
        self.clear()

    def clear(self) -> None:
        self.board.apply(ShapesClear(), self.clock())
        self.laser.clear()
        self._changed([])

    # ------------------------------------------------------------ output

    def shapes(self, now: int | None = None) -> list[tuple[Shape, float]]:
        """Visible shapes with their opacity (1 where the screen cannot fade)."""
        now = self.clock() if now is None else now
        items = self.board.visible(now)
        return items if self.fades else [(s, 1.0) for s, _ in items]

    def laser_points(self, now: int | None = None) -> list[tuple[int, int, float]]:
        """The laser trail in the monitor's physical pixels, with opacity."""
        now = self.clock() if now is None else now
        return [
            (x, y, opacity if self.fades else 1.0) for _, (x, y), opacity in self.laser.visible(now)
        ]

    # ------------------------------------------------------------ time

    def tick(self) -> None:
        """Time passed: drop what expired and tell the painter."""
        self._changed([])

    def _changed(self, redrawn: list[int]) -> None:
        now = self.clock()
        self.board.expire(now)
        self.changed.emit(redrawn)
        self._schedule(now)

    def _schedule(self, now: int) -> None:
        due = next_redraw(self.board, self.laser, now, fades=self.fades)
        if due is None:
            self._timer.stop()
        else:
            self._timer.start(max(1, due))
