"""The annotation model: the agent's marks as vector shapes, on both sides.

Shapes are :class:`common.messages.Shape` messages, in physical pixels of the
customer's shared monitor, so the agent's zoom and the customer's HiDPI scale
never shift them. Two users of this module:

* the agent's :class:`Sketchbook` turns tool gestures into shapes, keeps
  undo/redo, and says which messages to send for each action;
* both sides' :class:`Board` holds what is visible now: it applies Shape,
  ShapeRemove and ShapesClear messages and fades shapes out after ``fade_ms``
  (0 = pinned). :class:`LaserTrail` does the same for the laser pointer.

Plus the pure geometry both painters share (arrow heads, rectangles from
drags, the mapping between a monitor's physical pixels and the desktop's
logical coordinates, and the agent viewer's zoom transform). Time is passed in
as milliseconds, so everything here is testable without a clock.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from common.messages import (
    MAX_COORD,
    MAX_POINTS,
    Message,
    MonitorInfo,
    Points,
    Shape,
    ShapeRemove,
    ShapesClear,
    ShapeTool,
)

#: How long a shape takes to fade out at the end of its life.
FADE_OUT_MS = 800
#: How long a laser point stays visible.
LASER_TRAIL_MS = 700
DEFAULT_FADE_MS = 8000
#: While something fades, the marks are painted again this often (about 30 times a second).
FADE_FRAME_MS = 33

Point = tuple[int, int]

# ---------------------------------------------------------------- building shapes


def clamp_point(x: float, y: float) -> Point:
    return (
        max(-MAX_COORD, min(MAX_COORD, round(x))),
        max(-MAX_COORD, min(MAX_COORD, round(y))),
    )


def simplify(points: list[Point], min_step: int = 2) -> list[Point]:
    """Drop points closer than ``min_step`` to the last kept one, and cap the count."""
    out: list[Point] = []
    for p in points:
        if not out or abs(p[0] - out[-1][0]) + abs(p[1] - out[-1][1]) >= min_step:
            out.append(p)
    if len(points) > 1 and out[-1] != points[-1]:
        out.append(points[-1])
    if len(out) > MAX_POINTS:
        stride = math.ceil(len(out) / (MAX_POINTS - 1))
        out = out[::stride] + [out[-1]]
    return out


@dataclasses.dataclass
class Pen:
    """The agent's current drawing settings."""

    color: int = 0xE53935FF  # RGBA
    width: int = 4
    fade_ms: int = DEFAULT_FADE_MS  # 0 = pinned


class Sketchbook:
    """The agent's side: gestures become shapes; undo, redo and clear make messages."""

    def __init__(self, monitor: int = 0) -> None:
        self.monitor = monitor
        self._next_id = 1
        self._next_step = 1
        self._done: list[tuple[str, list[Shape]]] = []  # ("add"|"clear", shapes)
        self._undone: list[tuple[str, list[Shape]]] = []
        self.shapes: dict[int, Shape] = {}

    @property
    def next_step_number(self) -> int:
        return self._next_step

    def make(
        self,
        tool: ShapeTool,
        points: Iterable[Point],
        pen: Pen,
        *,
        text: str = "",
    ) -> Shape:
        """Build a shape from a gesture (screen pixels). Pen strokes are simplified."""
        pts = list(points)
        if tool in (ShapeTool.PEN, ShapeTool.HIGHLIGHTER):
            pts = simplify(pts)
        elif tool in (ShapeTool.ARROW, ShapeTool.RECT, ShapeTool.ELLIPSE):
            pts = [pts[0], pts[-1]]
        else:  # TEXT and STEP are anchored at one point
            pts = [pts[-1]]
        number = 0
        if tool is ShapeTool.STEP:
            number = self._next_step
            self._next_step += 1
        shape = Shape(
            self._next_id,
            tool,
            self.monitor,
            pen.color,
            pen.width,
            Points(pts),
            text,
            number,
            pen.fade_ms,
        )
        self._next_id += 1
        return shape

    def add(self, shape: Shape) -> list[Message]:
        self.shapes[shape.shape_id] = shape
        self._done.append(("add", [shape]))
        self._undone.clear()
        return [shape]

    def clear(self) -> list[Message]:
        if not self.shapes:
            return []
        self._done.append(("clear", list(self.shapes.values())))
        self._undone.clear()
        self.shapes.clear()
        return [ShapesClear()]

    def forget(self, shape_ids: Iterable[int]) -> None:
        """Shapes that faded out by themselves leave the model (they cannot be undone)."""
        for sid in shape_ids:
            self.shapes.pop(sid, None)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo(self) -> list[Message]:
        if not self._done:
            return []
        action, shapes = self._done.pop()
        self._undone.append((action, shapes))
        if action == "add":
            for s in shapes:
                self.shapes.pop(s.shape_id, None)
            return [ShapeRemove(tuple(s.shape_id for s in shapes))]
        for s in shapes:  # undo a clear: bring everything back
            self.shapes[s.shape_id] = s
        return list(shapes)

    def redo(self) -> list[Message]:
        if not self._undone:
            return []
        action, shapes = self._undone.pop()
        self._done.append((action, shapes))
        if action == "add":
            for s in shapes:
                self.shapes[s.shape_id] = s
            return list(shapes)
        for s in shapes:
            self.shapes.pop(s.shape_id, None)
        return [ShapesClear()]


# ---------------------------------------------------------------- showing shapes


class Board:
    """What is visible now, on either side. Times are milliseconds (any monotonic clock).

    Re-adding a shape (redo, or undoing a clear) restarts its fade timer.
    """

    def __init__(self) -> None:
        self._shapes: dict[int, tuple[Shape, int]] = {}

    def apply(self, msg: Message, now_ms: int) -> bool:
        """Apply an annotation message; False if it was not one."""
        match msg:
            case Shape():
                self._shapes[msg.shape_id] = (msg, now_ms)
            case ShapeRemove(shape_ids=ids):
                for sid in ids:
                    self._shapes.pop(sid, None)
            case ShapesClear():
                self._shapes.clear()
            case _:
                return False
        return True

    def expire(self, now_ms: int) -> list[int]:
        """Drop shapes whose time is up; returns their ids."""
        gone = [
            sid
            for sid, (s, born) in self._shapes.items()
            if s.fade_ms and now_ms - born >= s.fade_ms
        ]
        for sid in gone:
            del self._shapes[sid]
        return gone

    def visible(self, now_ms: int) -> list[tuple[Shape, float]]:
        """Shapes to paint, oldest first, with their opacity (fading near the end)."""
        out = []
        for shape, born in self._shapes.values():
            opacity = 1.0
            if shape.fade_ms:
                left = shape.fade_ms - (now_ms - born)
                if left <= 0:
                    continue
                opacity = min(1.0, left / min(FADE_OUT_MS, shape.fade_ms))
            out.append((shape, opacity))
        return out

    def next_change(self, now_ms: int, *, fades: bool = True) -> int | None:
        """Milliseconds until what :meth:`visible` shows changes by itself; 0 while a shape
        is fading (every frame differs); None if nothing will change.

        With ``fades=False`` (a screen that cannot show translucency) shapes do not
        fade: the next change is when one disappears.
        """
        due: int | None = None
        for shape, born in self._shapes.values():
            if not shape.fade_ms:
                continue
            end = born + shape.fade_ms
            if fades:
                start_fade = end - min(FADE_OUT_MS, shape.fade_ms)
                wait = 0 if now_ms >= start_fade else start_fade - now_ms
            else:
                wait = max(1, end - now_ms)
            due = wait if due is None else min(due, wait)
        return due

    def __len__(self) -> int:
        return len(self._shapes)


class LaserTrail:
    """Recent laser positions, fading over :data:`LASER_TRAIL_MS`."""

    def __init__(self) -> None:
        self._points: list[tuple[int, Point, int]] = []  # (monitor, point, time)

    def add(self, monitor: int, x: int, y: int, now_ms: int) -> None:
        self._points.append((monitor, (x, y), now_ms))
        self._points = self._points[-64:]

    def visible(self, now_ms: int) -> list[tuple[int, Point, float]]:
        self._points = [p for p in self._points if now_ms - p[2] < LASER_TRAIL_MS]
        return [(m, pt, 1.0 - (now_ms - t) / LASER_TRAIL_MS) for m, pt, t in self._points]

    def clear(self) -> None:
        self._points.clear()


def next_redraw(board: Board, laser: LaserTrail, now_ms: int, *, fades: bool = True) -> int | None:
    """Milliseconds until the marks must be painted again, or None while nothing will change.

    The one timing rule of both apps: every frame (:data:`FADE_FRAME_MS`) while a
    shape fades or the laser trail shows, otherwise exactly when the next shape
    starts to fade (or, with ``fades=False``, disappears); no timer at all for
    pinned shapes alone.
    """
    due = board.next_change(now_ms, fades=fades)
    if due == 0:
        due = FADE_FRAME_MS
    if laser.visible(now_ms):
        due = FADE_FRAME_MS if due is None else min(due, FADE_FRAME_MS)
    return due


# ---------------------------------------------------------------- geometry


def arrow_head(tail: Point, tip: Point, width: int) -> list[tuple[float, float]]:
    """The three corners of an arrow's head at ``tip``, sized by the line width."""
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    size = max(12.0, width * 4.0)
    half = size * 0.5
    base_x, base_y = tip[0] - ux * size, tip[1] - uy * size
    return [
        (float(tip[0]), float(tip[1])),
        (base_x - uy * half, base_y + ux * half),
        (base_x + uy * half, base_y - ux * half),
    ]


def drag_rect(a: Point, b: Point) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the rectangle spanned by a drag from ``a`` to ``b``."""
    return min(a[0], b[0]), min(a[1], b[1]), abs(b[0] - a[0]), abs(b[1] - a[1])


@dataclasses.dataclass(frozen=True)
class MonitorMapping:
    """A monitor's physical pixels <-> the desktop's logical (device-independent) coordinates.

    ``logical_x/y`` is where the OS puts the monitor's top-left corner in logical
    coordinates (Qt's ``QScreen.geometry()``); ``scale`` is its device pixel ratio.
    """

    logical_x: float
    logical_y: float
    scale: float

    @classmethod
    def of(cls, monitor: MonitorInfo, logical_x: float, logical_y: float) -> MonitorMapping:
        return cls(logical_x, logical_y, monitor.scale_pct / 100.0)

    def to_logical(self, x: float, y: float) -> tuple[float, float]:
        return self.logical_x + x / self.scale, self.logical_y + y / self.scale

    def to_physical(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.logical_x) * self.scale, (y - self.logical_y) * self.scale


@dataclasses.dataclass
class ViewTransform:
    """The agent viewer's zoom and scroll: widget coordinates <-> customer pixels."""

    zoom: float = 1.0
    offset_x: float = 0.0  # widget position of customer pixel (0, 0)
    offset_y: float = 0.0

    def to_screen(self, wx: float, wy: float) -> Point:
        return clamp_point((wx - self.offset_x) / self.zoom, (wy - self.offset_y) / self.zoom)

    def to_widget(self, sx: float, sy: float) -> tuple[float, float]:
        return self.offset_x + sx * self.zoom, self.offset_y + sy * self.zoom

    @classmethod
    def fit(cls, screen_w: int, screen_h: int, widget_w: int, widget_h: int) -> ViewTransform:
        """Scale the whole screen into the widget, centred, keeping the aspect ratio."""
        if screen_w <= 0 or screen_h <= 0:
            return cls()
        zoom = min(widget_w / screen_w, widget_h / screen_h)
        return cls(zoom, (widget_w - screen_w * zoom) / 2, (widget_h - screen_h * zoom) / 2)
