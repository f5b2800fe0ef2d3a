"""The agent's drawing tools: pointer gestures in customer pixels become Shape and Laser messages.

:class:`Drawing` holds the current tool, colour, width and fade time, the
:class:`~common.annotations.Sketchbook` (undo/redo/clear) and a
:class:`~common.annotations.Board` showing the agent what the customer sees,
fading exactly as it fades there. The viewer converts mouse positions with its
:class:`~common.annotations.ViewTransform` and calls :meth:`Drawing.press`,
:meth:`~Drawing.move` and :meth:`~Drawing.release` with customer pixels, so
zooming never changes a shape.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from common.annotations import (
    DEFAULT_FADE_MS,
    Board,
    LaserTrail,
    Pen,
    Point,
    Sketchbook,
    next_redraw,
)
from common.messages import Laser, Message, Points, Shape, ShapeTool

#: Laser positions are sent at most this often while the button is held.
LASER_RATE_HZ = 60.0
FADE_CHOICES_S = (3, 5, 8, 15, 30, 60)
WIDTH_CHOICES = (2, 4, 6, 10)
#: Colours offered, as RGBA.
PALETTE = (
    0xE53935FF,  # red
    0xFB8C00FF,  # orange
    0xFDD835FF,  # yellow
    0x43A047FF,  # green
    0x1E88E5FF,  # blue
    0x8E24AAFF,  # purple
    0x212121FF,  # black
    0xFFFFFFFF,  # white
)


class Tool(enum.Enum):
    PEN = "pen"
    ARROW = "arrow"
    RECT = "rect"
    ELLIPSE = "ellipse"
    TEXT = "text"
    HIGHLIGHTER = "highlighter"
    STEP = "step"
    LASER = "laser"


SHAPE_OF: dict[Tool, ShapeTool] = {
    Tool.PEN: ShapeTool.PEN,
    Tool.ARROW: ShapeTool.ARROW,
    Tool.RECT: ShapeTool.RECT,
    Tool.ELLIPSE: ShapeTool.ELLIPSE,
    Tool.TEXT: ShapeTool.TEXT,
    Tool.HIGHLIGHTER: ShapeTool.HIGHLIGHTER,
    Tool.STEP: ShapeTool.STEP,
}
#: Tools that follow a drag (the others act where the button is released).
_DRAGGED = {Tool.PEN, Tool.HIGHLIGHTER, Tool.ARROW, Tool.RECT, Tool.ELLIPSE}


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class Drawing(QObject):
    """See the module docstring."""

    messages_ready = Signal(list)  # [Message] for the customer
    changed = Signal()  # what the viewer paints changed
    history_changed = Signal(bool, bool)  # can undo, can redo
    tool_changed = Signal(object)  # Tool
    pen_changed = Signal()
    enabled_changed = Signal(bool)
    text_requested = Signal(int, int)  # the TEXT tool was used here: ask for the words

    def __init__(
        self, *, clock_ms: Callable[[], int] = _now_ms, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock_ms
        self.tool = Tool.ARROW
        self.color = PALETTE[0]
        self.width = 4
        self.fade_s = DEFAULT_FADE_MS // 1000
        self.pinned = False
        self.enabled = False
        self.book = Sketchbook()
        self.board = Board()
        self.laser = LaserTrail()
        self.screen = (0, 0)
        self._gesture: list[Point] | None = None
        self._last_laser = -1_000_000
        self._had_trail = False
        self._ticker = QTimer(self)  # set from next_redraw: no ticks while nothing changes
        self._ticker.setSingleShot(True)
        self._ticker.timeout.connect(self._tick)

    # ------------------------------------------------------------ settings

    @property
    def pen(self) -> Pen:
        return Pen(self.color, self.width, 0 if self.pinned else self.fade_s * 1000)

    def reset(self, monitor: int = 0) -> None:
        """A new session: no shapes, no history."""
        self.book = Sketchbook(monitor)
        self.board = Board()
        self.laser.clear()
        self._gesture = None
        self.history_changed.emit(False, False)
        self.changed.emit()

    def set_monitor(self, monitor: int) -> None:
        self.book.monitor = monitor
        self.changed.emit()

    def set_screen(self, width: int, height: int) -> None:
        self.screen = (width, height)

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self.enabled:
            self.enabled = enabled
            if not enabled:
                self.cancel()
            self.enabled_changed.emit(enabled)

    def set_tool(self, tool: Tool) -> None:
        if tool is not self.tool:
            self.cancel()
            self.tool = tool
            self.tool_changed.emit(tool)

    def set_color(self, rgba: int) -> None:
        self.color = rgba
        self.pen_changed.emit()

    def set_width(self, width: int) -> None:
        self.width = max(1, min(200, width))
        self.pen_changed.emit()

    def set_fade(self, seconds: int) -> None:
        self.fade_s = max(1, seconds)
        self.pen_changed.emit()

    def set_pinned(self, pinned: bool) -> None:
        self.pinned = pinned
        self.pen_changed.emit()

    # ------------------------------------------------------------ gestures (customer pixels)

    def _clamp(self, x: int, y: int) -> Point:
        w, h = self.screen
        if w <= 0 or h <= 0:
            return (x, y)
        return (max(0, min(w - 1, x)), max(0, min(h - 1, y)))

    def press(self, x: int, y: int) -> None:
        if not self.enabled:
            return
        p = self._clamp(x, y)
        self._gesture = [p]
        if self.tool is Tool.LASER:
            self._laser(p, force=True)
        self.changed.emit()

    def move(self, x: int, y: int) -> None:
        if self._gesture is None:
            return
        p = self._clamp(x, y)
        if self.tool is Tool.LASER:
            self._laser(p)
        elif self.tool in _DRAGGED:
            self._gesture.append(p)
        else:
            self._gesture = [p]
        self.changed.emit()

    def release(self, x: int, y: int) -> None:
        if self._gesture is None:
            return
        p = self._clamp(x, y)
        points = [*self._gesture, p]
        self._gesture = None
        if self.tool is Tool.LASER:
            self._send([Laser(self.book.monitor, *p, False)])
            self.changed.emit()
            return
        if self.tool is Tool.TEXT:
            self.text_requested.emit(*p)
            return
        if self.tool in (Tool.ARROW, Tool.RECT, Tool.ELLIPSE) and _tiny(points[0], p):
            self.changed.emit()  # a click is not a shape
            return
        self._commit(self.book.make(SHAPE_OF[self.tool], points, self.pen))

    def cancel(self) -> None:
        """Drop the gesture in progress (Escape, right button, tool change)."""
        if self._gesture is not None:
            if self.tool is Tool.LASER:
                x, y = self._gesture[-1]
                self._send([Laser(self.book.monitor, x, y, False)])
            self._gesture = None
            self.changed.emit()

    def place_text(self, x: int, y: int, text: str) -> None:
        text = text.strip()
        if text and self.enabled:
            self._commit(self.book.make(ShapeTool.TEXT, [self._clamp(x, y)], self.pen, text=text))

    @property
    def drawing(self) -> bool:
        return self._gesture is not None

    # ------------------------------------------------------------ undo / redo / clear

    def undo(self) -> None:
        self._apply(self.book.undo())

    def redo(self) -> None:
        self._apply(self.book.redo())

    def clear(self) -> None:
        self._apply(self.book.clear())

    # ------------------------------------------------------------ what the viewer paints

    def visible(self) -> list[tuple[Shape, float]]:
        now = self._clock()
        items = [(s, o) for s, o in self.board.visible(now) if s.monitor == self.book.monitor]
        preview = self.preview()
        if preview is not None:
            items.append((preview, 0.75))
        return items

    def preview(self) -> Shape | None:
        """The shape being dragged, not yet sent."""
        g = self._gesture
        if g is None or self.tool not in _DRAGGED or len(g) < 2:
            return None
        points = g if self.tool in (Tool.PEN, Tool.HIGHLIGHTER) else [g[0], g[-1]]
        return Shape(
            0,
            SHAPE_OF[self.tool],
            self.book.monitor,
            self.color,
            self.width,
            Points(points[-4096:]),
            "",
            0,
            0,
        )

    def laser_points(self) -> list[tuple[int, Point, float]]:
        return [item for item in self.laser.visible(self._clock()) if item[0] == self.book.monitor]

    # ------------------------------------------------------------ internals

    def _commit(self, shape: Shape) -> None:
        self._apply(self.book.add(shape))

    def _apply(self, messages: list[Message]) -> None:
        if not messages:
            return
        now = self._clock()
        for msg in messages:
            self.board.apply(msg, now)
        self._send(messages)
        self.history_changed.emit(self.book.can_undo, self.book.can_redo)
        self.changed.emit()
        self._schedule(now)

    def _send(self, messages: list[Message]) -> None:
        self.messages_ready.emit(messages)

    def _laser(self, p: Point, force: bool = False) -> None:
        now = self._clock()
        self.laser.add(self.book.monitor, p[0], p[1], now)
        self._schedule(now)
        if force or now - self._last_laser >= 1000 / LASER_RATE_HZ:
            self._last_laser = now
            self._send([Laser(self.book.monitor, p[0], p[1], True)])

    def _tick(self) -> None:
        now = self._clock()
        gone = self.board.expire(now)
        if gone:
            self.book.forget(gone)
        fading = any(o < 1.0 for _, o in self.board.visible(now))
        trail = bool(self.laser.visible(now))
        if gone or fading or trail or self._had_trail:
            self.changed.emit()  # (once more after the trail is gone, to erase it)
        self._had_trail = trail
        self._schedule(now)

    def _schedule(self, now: int) -> None:
        """Wake up when the picture next changes by itself (the customer's overlay's rule)."""
        due = next_redraw(self.board, self.laser, now)
        if due is None and self._had_trail:
            due = 1  # one more paint to erase the last of the trail
        if due is None:
            self._ticker.stop()
        elif not (self._ticker.isActive() and self._ticker.remainingTime() <= due):
            self._ticker.start(max(1, due))  # never push a sooner wake-up later


def _tiny(a: Point, b: Point) -> bool:
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) < 3
