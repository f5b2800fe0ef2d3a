"""The agent's marks on the customer's real screen: a click-through, always-on-top overlay.

One :class:`OverlayWindow` covers the shared monitor (its logical geometry). It
paints what its :class:`~assist_client.marks.Marks` (the shapes, the laser
trail, their fading and expiry) holds, with the shared
:func:`assist_ui.shapes.paint_shapes`, and repaints when the marks change. A
shape at physical pixel ``P`` of the monitor is painted at widget point
``P / scale``, which the device pixel ratio turns back into physical pixel ``P``.

X11 without a compositor (Xvfb, many plain desktops) cannot show translucent
windows: a translucent full-screen window would paint black. So the window is
shaped (``setMask``, XShape) to exactly the pixels the marks cover, computed
per shape from a rendering of it, and without a compositor the marks are
painted fully opaque (the highlighter as an outline, fading as a plain
disappearance). The same region, in the monitor's physical pixels, is reported
by ``masks_changed`` so the app can mask it out of every frame: the agent never
sees the overlay twice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import (
    QBitmap,
    QColor,
    QGuiApplication,
    QImage,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPaintEvent,
    QPen,
    QPicture,
    QRegion,
)
from PySide6.QtWidgets import QWidget

from assist_client.marks import Marks, monotonic_ms
from assist_client.monitors import Monitor
from assist_ui.shapes import paint_laser, paint_shapes, rgba
from common.messages import Message, Shape, ShapeTool

#: Physical pixels per cell of the masks sent to the encoder.
MASK_CELL = 8
PhysRect = tuple[int, int, int, int]


def coarsen(
    rects: list[tuple[float, float, float, float]], width: int, height: int, cell: int = MASK_CELL
) -> list[PhysRect]:
    """Cover ``rects`` (physical pixels) with few rectangles on a grid of ``cell`` pixels.

    A region traced from anti-aliased strokes has a rectangle per scanline; the
    encoder gets at most a rectangle per run of cells instead, merged downwards.
    """
    cols, rows = -(-width // cell), -(-height // cell)
    grid = np.zeros((rows, cols), bool)
    for x, y, w, h in rects:
        c0, r0 = max(0, int(x // cell)), max(0, int(y // cell))
        c1, r1 = min(cols, int(-(-(x + w) // cell))), min(rows, int(-(-(y + h) // cell)))
        if c1 > c0 and r1 > r0:
            grid[r0:r1, c0:c1] = True
    out: list[PhysRect] = []
    open_runs: dict[tuple[int, int], int] = {}  # (c0, c1) -> first row
    for r in range(rows + 1):
        runs: set[tuple[int, int]] = set()
        if r < rows and grid[r].any():
            edges = np.flatnonzero(np.diff(np.concatenate(([0], grid[r].view(np.int8), [0]))))
            runs = {(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)}
        for run in [k for k in open_runs if k not in runs]:
            first = open_runs.pop(run)
            out.append((run[0] * cell, first * cell, (run[1] - run[0]) * cell, (r - first) * cell))
        for run in runs:
            open_runs.setdefault(run, r)
    return sorted(out)


def _can_shape_windows() -> bool:
    return QGuiApplication.platformName() not in ("offscreen", "minimal")


class OverlayWindow(QWidget):
    """See the module docstring. Feed it with :meth:`on_annotation` and :meth:`on_laser`."""

    masks_changed = Signal(list)  # [(x, y, w, h)] physical pixels of the shared monitor

    def __init__(
        self,
        monitor: Monitor,
        *,
        translucent: bool = True,
        clock: Callable[[], int] = monotonic_ms,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowTransparentForInput
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setWindowTitle(self.tr("Assist — the agent's marks"))
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setAutoFillBackground(False)
        self.translucent = translucent
        self.marks = Marks(monitor.index, fades=translucent, clock=clock, parent=self)
        self.marks.changed.connect(self._refresh)
        self._regions: dict[int, QRegion] = {}  # painted pixels of each shape (a cache)
        self._region = QRegion()
        self._masks: list[PhysRect] = []
        self.monitor = monitor
        self.set_monitor(monitor)

    # ------------------------------------------------------------ geometry

    def set_monitor(self, monitor: Monitor) -> None:
        """Cover this monitor (the agent now sees it); marks of another monitor are dropped."""
        self.monitor = monitor
        self.setGeometry(QRect(*monitor.logical_geometry()))
        self.marks.set_monitor(monitor.index)

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        """Physical pixel of the monitor -> this widget's logical coordinates."""
        return x / self.monitor.scale, y / self.monitor.scale

    @property
    def stroke_scale(self) -> float:
        """Widget units per physical screen pixel (keeps widths the size the agent drew)."""
        return 1.0 / self.monitor.scale

    # ------------------------------------------------------------ input (forwarded)

    def on_annotation(self, msg: Message) -> None:
        self.marks.on_annotation(msg)

    def on_laser(self, monitor: int, x: int, y: int, visible: bool) -> None:
        self.marks.on_laser(monitor, x, y, visible)

    def clear(self) -> None:
        self.marks.clear()

    # ------------------------------------------------------------ painting

    def _laser_points(self, now: int) -> list[tuple[float, float, float]]:
        return [(*self.to_widget(x, y), opacity) for x, y, opacity in self.marks.laser_points(now)]

    def paint_marks(self, painter: QPainter, now: int | None = None) -> None:
        """Paint every visible mark in this widget's logical coordinates."""
        now = self.marks.clock() if now is None else now
        for shape, opacity in self.marks.shapes(now):
            self._paint_one(painter, shape, opacity)
        points = self._laser_points(now)
        if points:
            paint_laser(painter, points, self.stroke_scale)

    def _paint_one(self, painter: QPainter, shape: Shape, opacity: float = 1.0) -> None:
        if shape.tool is ShapeTool.HIGHLIGHTER and not self.translucent:
            self._paint_highlighter_outline(painter, shape)
        else:
            paint_shapes(painter, [(shape, opacity)], self.to_widget, self.stroke_scale)

    def _paint_highlighter_outline(self, painter: QPainter, shape: Shape) -> None:
        """Without a compositor a translucent band would hide the text: draw its outline."""
        pts = [QPointF(*self.to_widget(*p)) for p in shape.points]
        if not pts:
            return
        path = QPainterPath(pts[0])
        for p in pts[1:]:
            path.lineTo(p)
        stroker = QPainterPathStroker()
        stroker.setWidth(max(shape.width * 4 * self.stroke_scale, 12 * self.stroke_scale))
        stroker.setCapStyle(Qt.PenCapStyle.FlatCap)
        stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        outline = stroker.createStroke(path).simplified()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(rgba(shape.color), max(1.0, 3 * self.stroke_scale)))
        painter.drawPath(outline)
        painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.fillRect(event.rect(), QColor(0, 0, 0, 0))
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        self.paint_marks(painter)
        painter.end()

    def render_image(self, now: int | None = None) -> QImage:
        """The marks as the screen would show them: physical size, the monitor's pixel ratio."""
        image = QImage(
            self.monitor.width, self.monitor.height, QImage.Format.Format_ARGB32_Premultiplied
        )
        image.setDevicePixelRatio(self.monitor.scale)
        image.fill(0)
        painter = QPainter(image)
        self.paint_marks(painter, now)
        painter.end()
        return image

    # ------------------------------------------------------------ shape of the window

    def _shape_region(self, shape: Shape) -> QRegion:
        """The widget pixels one shape covers (computed once per shape)."""
        region = self._regions.get(shape.shape_id)
        if region is not None:
            return region
        picture = QPicture()
        p = QPainter(picture)
        self._paint_one(p, shape)
        p.end()
        box = picture.boundingRect().adjusted(-4, -4, 4, 4)
        if box.isEmpty():
            region = QRegion()
        else:
            image = QImage(box.width(), box.height(), QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)
            p = QPainter(image)
            p.translate(-box.x(), -box.y())
            self._paint_one(p, shape)
            p.end()
            if self.translucent:  # soft edges stay visible: keep every touched pixel
                bitmap = QBitmap.fromImage(image.createMaskFromColor(0, Qt.MaskMode.MaskInColor))
            else:
                bitmap = QBitmap.fromImage(
                    image.createAlphaMask(Qt.ImageConversionFlag.ThresholdAlphaDither)
                )
            region = QRegion(bitmap).translated(box.topLeft())
        self._regions[shape.shape_id] = region
        return region

    def _laser_region(self, now: int) -> QRegion:
        region = QRegion()
        base = 9.0 * max(self.stroke_scale, 0.5)
        for x, y, _ in self._laser_points(now):
            r = int(base * (2 if self.translucent else 1)) + 2
            region = region.united(
                QRegion(QRect(int(x) - r, int(y) - r, 2 * r, 2 * r), QRegion.RegionType.Ellipse)
            )
        return region

    def _refresh(self, redrawn: list[int] | None = None) -> None:
        now = self.marks.clock()
        shapes = self.marks.shapes(now)
        for sid in redrawn or ():
            self._regions.pop(sid, None)
        shown = {shape.shape_id for shape, _ in shapes}
        self._regions = {sid: r for sid, r in self._regions.items() if sid in shown}
        region = QRegion()
        for shape, _ in shapes:
            region = region.united(self._shape_region(shape))
        region = region.united(self._laser_region(now))
        self._region = region
        self._report_masks(region)
        if region.isEmpty():
            self.hide()
        else:
            if not self.translucent and _can_shape_windows():
                self.setMask(region)
            if not self.isVisible():
                self.show()
            self.update()

    def _report_masks(self, region: QRegion) -> None:
        """The region in physical pixels, as a short list of rectangles for the encoder."""
        rects = [(r.x(), r.y(), r.width(), r.height()) for r in region]  # type: ignore[attr-defined]
        s = self.monitor.scale
        physical = [(x * s, y * s, w * s, h * s) for x, y, w, h in rects]
        masks = coarsen(physical, self.monitor.width, self.monitor.height)
        if masks != self._masks:
            self._masks = masks
            self.masks_changed.emit(masks)

    @property
    def masks(self) -> list[PhysRect]:
        return list(self._masks)

    def covers(self, x: int, y: int) -> bool:
        """Whether the window shows anything at this physical pixel of the monitor."""
        wx, wy = self.to_widget(x, y)
        return self._region.contains(QPoint(int(wx), int(wy)))
