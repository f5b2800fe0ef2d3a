"""Painting annotation shapes with QPainter, the same way on both sides.

The agent's viewer and the customer's overlay both call :func:`paint_shapes`
with a function that maps the customer's physical screen pixels to the
widget's coordinates, and the number of widget units per screen pixel (so
line widths and text keep their size relative to what is on screen).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from common.annotations import arrow_head
from common.messages import Shape, ShapeTool

ToWidget = Callable[[float, float], tuple[float, float]]

LASER_COLOR = QColor(255, 32, 32)


def rgba(value: int, opacity: float = 1.0) -> QColor:
    r, g, b, a = (value >> 24) & 0xFF, (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
    return QColor(r, g, b, round(a * opacity))


def _point(to_widget: ToWidget, p: tuple[int, int]) -> QPointF:
    x, y = to_widget(p[0], p[1])
    return QPointF(x, y)


def step_radius(width: int) -> float:
    return 14.0 + width * 1.5


def paint_shape(
    painter: QPainter, shape: Shape, opacity: float, to_widget: ToWidget, scale: float
) -> None:
    color = rgba(shape.color, opacity)
    pts = [_point(to_widget, p) for p in shape.points]
    if not pts:
        return
    width = max(1.0, shape.width * scale)
    pen = QPen(
        color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    tool = shape.tool
    if tool in (ShapeTool.PEN, ShapeTool.HIGHLIGHTER):
        if tool is ShapeTool.HIGHLIGHTER:
            color.setAlphaF(color.alphaF() * 0.35)
            pen = QPen(
                color,
                max(width * 4, 12 * scale),
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.FlatCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        painter.setPen(pen)
        if len(pts) == 1:
            painter.drawPoint(pts[0])
        else:
            path = QPainterPath(pts[0])
            for p in pts[1:]:
                path.lineTo(p)
            painter.drawPath(path)
    elif tool is ShapeTool.ARROW:
        a, b = pts[0], pts[-1]
        head = arrow_head((round(a.x()), round(a.y())), (round(b.x()), round(b.y())), round(width))
        painter.setPen(pen)
        base = QPointF((head[1][0] + head[2][0]) / 2, (head[1][1] + head[2][1]) / 2)
        painter.drawLine(a, base)
        painter.setBrush(QBrush(color))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in head]))
    elif tool in (ShapeTool.RECT, ShapeTool.ELLIPSE):
        painter.setPen(pen)
        rect = QRectF(pts[0], pts[-1]).normalized()
        if tool is ShapeTool.RECT:
            painter.drawRect(rect)
        else:
            painter.drawEllipse(rect)
    elif tool is ShapeTool.TEXT:
        _paint_label(painter, pts[0], shape.text, color, scale, opacity)
    elif tool is ShapeTool.STEP:
        radius = step_radius(shape.width) * scale
        painter.setPen(QPen(QColor(255, 255, 255, round(255 * opacity)), max(1.0, 2 * scale)))
        painter.setBrush(QBrush(color))
        painter.drawEllipse(pts[0], radius, radius)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, round(radius * 1.1)))
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255, round(255 * opacity)))
        box = QRectF(pts[0].x() - radius, pts[0].y() - radius, 2 * radius, 2 * radius)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(shape.number))
        if shape.text:
            anchor = QPointF(pts[0].x() + radius * 1.3, pts[0].y() - radius * 0.6)
            _paint_label(painter, anchor, shape.text, color, scale, opacity)


def _paint_label(
    painter: QPainter, at: QPointF, text: str, color: QColor, scale: float, opacity: float
) -> None:
    """Text on a light rounded box so it reads on any background."""
    font = QFont()
    font.setPixelSize(max(6, round(20 * scale)))
    font.setBold(True)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    rect = metrics.boundingRect(
        QRectF(0, 0, 2000 * scale, 2000 * scale), int(Qt.TextFlag.TextWordWrap), text
    )
    pad = 6 * scale
    box = QRectF(at.x(), at.y(), rect.width() + 2 * pad, rect.height() + 2 * pad)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, round(225 * opacity)))
    painter.drawRoundedRect(box, 6 * scale, 6 * scale)
    painter.setPen(QPen(color))
    painter.drawText(box.adjusted(pad, pad, -pad, -pad), int(Qt.TextFlag.TextWordWrap), text)


def paint_shapes(
    painter: QPainter, items: Iterable[tuple[Shape, float]], to_widget: ToWidget, scale: float
) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for shape, opacity in items:
        paint_shape(painter, shape, opacity, to_widget, scale)
    painter.restore()


def paint_laser(
    painter: QPainter, trail: Iterable[tuple[float, float, float]], scale: float
) -> None:
    """Paint laser points (widget x, y, opacity): a glowing red dot with a fading tail."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    items = list(trail)
    for i, (x, y, opacity) in enumerate(items):
        head = i == len(items) - 1
        radius = (9.0 if head else 5.0) * max(scale, 0.5)
        glow = QColor(LASER_COLOR)
        glow.setAlphaF(0.25 * opacity)
        painter.setBrush(glow)
        painter.drawEllipse(QPointF(x, y), radius * 2, radius * 2)
        core = QColor(LASER_COLOR)
        core.setAlphaF(opacity)
        painter.setBrush(core)
        painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.restore()
