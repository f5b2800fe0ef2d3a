"""Tool icons drawn with QPainter, so the app ships no image files and icons stay crisp."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from assist_agent.drawing import Tool

INK = QColor("#37474f")
SIZE = 48


def _icon(paint: Callable[[QPainter], None], color: QColor = INK) -> QIcon:
    icon = QIcon()
    for c, mode in ((color, QIcon.Mode.Normal), (QColor("#b0bec5"), QIcon.Mode.Disabled)):
        pm = QPixmap(SIZE, SIZE)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(c, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        paint(p)
        p.end()
        icon.addPixmap(pm, mode)
    return icon


def _pen(p: QPainter) -> None:
    path = QPainterPath(QPointF(8, 36))
    path.cubicTo(QPointF(16, 10), QPointF(26, 44), QPointF(40, 12))
    p.drawPath(path)


def _arrow(p: QPainter) -> None:
    p.drawLine(QPointF(10, 38), QPointF(36, 12))
    p.setBrush(p.pen().color())
    p.drawPolygon(QPolygonF([QPointF(40, 8), QPointF(24, 12), QPointF(36, 24)]))


def _rect(p: QPainter) -> None:
    p.drawRect(QRectF(9, 13, 30, 22))


def _ellipse(p: QPainter) -> None:
    p.drawEllipse(QRectF(7, 12, 34, 24))


def _text(p: QPainter) -> None:
    f = QFont()
    f.setPixelSize(34)
    f.setBold(True)
    p.setFont(f)
    p.drawText(QRectF(0, 0, SIZE, SIZE), Qt.AlignmentFlag.AlignCenter, "T")


def _highlighter(p: QPainter) -> None:
    c = QColor("#fdd835")
    c.setAlpha(200)
    p.setPen(QPen(c, 12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    p.drawLine(QPointF(8, 30), QPointF(40, 30))
    p.setPen(QPen(INK, 3))
    p.drawLine(QPointF(8, 16), QPointF(40, 16))


def _step(p: QPainter) -> None:
    p.setBrush(p.pen().color())
    p.drawEllipse(QRectF(8, 8, 32, 32))
    p.setPen(QColor("white"))
    f = QFont()
    f.setPixelSize(22)
    f.setBold(True)
    p.setFont(f)
    p.drawText(QRectF(8, 8, 32, 32), Qt.AlignmentFlag.AlignCenter, "1")


def _laser(p: QPainter) -> None:
    glow = QColor(255, 32, 32, 70)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(glow)
    p.drawEllipse(QPointF(24, 24), 18, 18)
    p.setBrush(QColor(255, 32, 32))
    p.drawEllipse(QPointF(24, 24), 8, 8)


_PAINTERS = {
    Tool.PEN: _pen,
    Tool.ARROW: _arrow,
    Tool.RECT: _rect,
    Tool.ELLIPSE: _ellipse,
    Tool.TEXT: _text,
    Tool.HIGHLIGHTER: _highlighter,
    Tool.STEP: _step,
    Tool.LASER: _laser,
}


def tool_icon(tool: Tool) -> QIcon:
    return _icon(_PAINTERS[tool])


def swatch_icon(rgba: int) -> QIcon:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#90a4ae"), 2))
    p.setBrush(QColor((rgba >> 24) & 255, (rgba >> 16) & 255, (rgba >> 8) & 255))
    p.drawEllipse(QRectF(6, 6, 36, 36))
    p.end()
    return QIcon(pm)
