"""The customer's screen: painted from decoded updates, zoomable, and drawn on.

:class:`Viewer` keeps the reconstructed screen as a QImage. Updates arrive
already decoded (:class:`~assist_agent.frames.FrameUpdate`): painting them in
is a copy of the changed patches, and only the matching part of the widget is
repainted. After painting an update it emits :attr:`Viewer.frame_painted`,
which acknowledges those frames to the customer.

Pointer positions go through the current
:class:`~common.annotations.ViewTransform` into customer pixels and on to
the :class:`~assist_agent.drawing.Drawing`; shapes come back from it and are
painted with the same transform, so marks never move when zooming.

While the customer has granted this agent control (:attr:`Viewer.control`), the
pointer, the wheel, keys and an input method's text go to
:class:`~assist_agent.control.AgentControl` instead of the pen, through the same
transform, and a purple frame and caption say so.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QWidget

from assist_agent.control import AgentControl, keysym_for
from assist_agent.drawing import Drawing
from assist_agent.frames import FrameUpdate
from assist_ui.shapes import paint_laser, paint_shapes
from common.annotations import ViewTransform

ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 0.1, 8.0, 1.25
BACKGROUND = QColor("#263238")
#: If an update is not painted within this time (window hidden, minimised), ack it anyway.
PAINT_WATCHDOG_MS = 250
CONTROL_COLOUR = QColor("#8e24aa")
_BUTTONS = {Qt.MouseButton.LeftButton: 1, Qt.MouseButton.MiddleButton: 2}
_BUTTONS[Qt.MouseButton.RightButton] = 3
_BUTTONS[Qt.MouseButton.BackButton] = 8
_BUTTONS[Qt.MouseButton.ForwardButton] = 9


def image_from_bgra(pixels: object) -> QImage:
    """A QImage owning a copy of BGRA numpy pixels (any thread). BGRA is Qt's RGB32."""
    import numpy as np

    assert isinstance(pixels, np.ndarray)
    h, w = pixels.shape[:2]
    contiguous = np.ascontiguousarray(pixels)
    img = QImage(contiguous.data, w, h, contiguous.strides[0], QImage.Format.Format_RGB32)
    return img.copy()


class Viewer(QAbstractScrollArea):
    frame_painted = Signal(object)  # FrameUpdate now on screen
    zoom_changed = Signal(float, bool)  # zoom, fit
    paint_timed = Signal(float)  # milliseconds the last paint took (for the status line)

    def __init__(self, drawing: Drawing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drawing = drawing
        self.canvas = QImage()
        self.cursor_pos = (-1, -1)
        self.fit = True
        self.zoom = 1.0
        self.paused = False
        self.dimmed_text = ""
        self._pending: list[FrameUpdate] = []
        self._panning: QPoint | None = None
        #: Remote control, when the window wires it; input goes there while it is ours.
        self.control: AgentControl | None = None
        self.control_text = ""
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().setAutoFillBackground(False)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(PAINT_WATCHDOG_MS)
        self._watchdog.timeout.connect(self._report_painted)
        drawing.changed.connect(self.viewport().update)
        drawing.enabled_changed.connect(self._on_drawing_enabled)
        self._on_drawing_enabled(drawing.enabled)

    # ------------------------------------------------------------ frames

    def show_update(self, update: FrameUpdate) -> None:
        """Paint a decoded update into the screen image and schedule a repaint."""
        resized = self.canvas.size().toTuple() != (update.width, update.height)
        if update.full or resized:
            image = update.patches[0][2] if update.full and update.patches else None
            if isinstance(image, QImage) and image.size().toTuple() == (
                update.width,
                update.height,
            ):
                self.canvas = image
            else:
                self.canvas = QImage(update.width, update.height, QImage.Format.Format_RGB32)
                self.canvas.fill(QColor("black"))
                self._paint_patches(update)
            self._layout()
            self.viewport().update()
            self.zoom_changed.emit(self.effective_zoom(), self.fit)
        else:
            self._paint_patches(update)
            t = self.transform()
            for x, y, img in update.patches:
                x0, y0 = t.to_widget(x, y)
                x1, y1 = t.to_widget(x + img.width(), y + img.height())
                self.viewport().update(
                    QRectF(x0, y0, x1 - x0, y1 - y0).toAlignedRect().adjusted(-2, -2, 2, 2)
                )
        if update.cursor != self.cursor_pos:
            self._update_cursor_area(self.cursor_pos)
            self.cursor_pos = update.cursor
            self._update_cursor_area(self.cursor_pos)
        self._pending.append(update)
        if not self.isVisible():
            self._report_painted()
        else:
            self._watchdog.start()

    def _paint_patches(self, update: FrameUpdate) -> None:
        p = QPainter(self.canvas)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        for x, y, img in update.patches:
            p.drawImage(x, y, img)
        p.end()

    def _report_painted(self) -> None:
        self._watchdog.stop()
        pending, self._pending = self._pending, []
        for update in pending:
            self.frame_painted.emit(update)

    def _update_cursor_area(self, pos: tuple[int, int]) -> None:
        if pos[0] >= 0:
            x, y = self.transform().to_widget(*pos)
            self.viewport().update(QRect(int(x) - 4, int(y) - 4, 30, 36))

    def clear(self) -> None:
        self.canvas = QImage()
        self.cursor_pos = (-1, -1)
        self._layout()
        self.viewport().update()

    def set_paused(self, paused: bool, text: str = "") -> None:
        self.paused, self.dimmed_text = paused, text
        self.viewport().update()

    # ------------------------------------------------------------ zoom and scroll

    def transform(self) -> ViewTransform:
        w, h = self.canvas.width(), self.canvas.height()
        vw, vh = self.viewport().width(), self.viewport().height()
        if w <= 0 or h <= 0:
            return ViewTransform()
        if self.fit:
            return ViewTransform.fit(w, h, vw, vh)
        cw, ch = w * self.zoom, h * self.zoom
        ox = (vw - cw) / 2 if cw <= vw else -self.horizontalScrollBar().value()
        oy = (vh - ch) / 2 if ch <= vh else -self.verticalScrollBar().value()
        return ViewTransform(self.zoom, ox, oy)

    def effective_zoom(self) -> float:
        return self.transform().zoom if self.canvas.width() > 0 else self.zoom

    def set_fit(self, fit: bool) -> None:
        if fit == self.fit:
            return
        if not fit:
            self.zoom = self.effective_zoom()
        self.fit = fit
        self._layout()
        self.viewport().update()
        self.zoom_changed.emit(self.effective_zoom(), self.fit)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom (1.0: one customer pixel per screen pixel), keeping ``anchor`` in place."""
        zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        if anchor is None:
            anchor = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        before = self.transform()
        sx = (anchor.x() - before.offset_x) / before.zoom
        sy = (anchor.y() - before.offset_y) / before.zoom
        self.fit = False
        self.zoom = zoom
        self._layout()
        # Scroll so the customer pixel under the anchor stays under it.
        self.horizontalScrollBar().setValue(round(sx * zoom - anchor.x()))
        self.verticalScrollBar().setValue(round(sy * zoom - anchor.y()))
        self.viewport().update()
        self.zoom_changed.emit(self.zoom, self.fit)

    def zoom_in(self) -> None:
        self.set_zoom(self.effective_zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.effective_zoom() / ZOOM_STEP)

    def _layout(self) -> None:
        w, h = self.canvas.width(), self.canvas.height()
        vw, vh = self.viewport().width(), self.viewport().height()
        for bar, content, view in (
            (self.horizontalScrollBar(), w * self.zoom, vw),
            (self.verticalScrollBar(), h * self.zoom, vh),
        ):
            if self.fit or content <= view:
                bar.setRange(0, 0)
            else:
                bar.setRange(0, round(content - view))
                bar.setPageStep(view)
                bar.setSingleStep(max(20, view // 20))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._layout()
        if self.fit and not self.canvas.isNull():
            self.zoom_changed.emit(self.effective_zoom(), self.fit)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if self._controlling() and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            assert self.control is not None
            x, y = self._screen_point(event.position())
            self._wheel_rest += event.angleDelta().y()
            self._wheel_rest_x += event.angleDelta().x()
            notches, self._wheel_rest = int(self._wheel_rest / 120), self._wheel_rest % 120
            across, self._wheel_rest_x = int(self._wheel_rest_x / 120), self._wheel_rest_x % 120
            if notches or across:
                self.control.wheel(x, y, notches, across)
            event.accept()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self.effective_zoom() * ZOOM_STEP**steps, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    # ------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        started = time.perf_counter()
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), BACKGROUND)
        if not self.canvas.isNull():
            t = self.transform()
            target = QRectF(
                t.offset_x, t.offset_y, self.canvas.width() * t.zoom, self.canvas.height() * t.zoom
            )
            # Smooth unless pixels map exactly (1:1) or the agent zoomed in to inspect them.
            smooth = abs(t.zoom - 1.0) > 1e-3 and t.zoom < 2.0
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.drawImage(target, self.canvas)
            self._paint_cursor(p, t)
            paint_shapes(p, self.drawing.visible(), t.to_widget, t.zoom)
            trail = [(*t.to_widget(*pt), o) for _, pt, o in self.drawing.laser_points()]
            if trail:
                paint_laser(p, trail, t.zoom)
            if self.paused:
                p.fillRect(target, QColor(38, 50, 56, 150))
                if self.dimmed_text:
                    self._paint_banner(p, target, self.dimmed_text)
            elif self.control_text:
                frame = QRectF(self.viewport().rect()).adjusted(2, 2, -2, -2)
                p.setPen(QPen(CONTROL_COLOUR, 4))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(frame)
                self._paint_banner(p, target, self.control_text, CONTROL_COLOUR)
        p.end()
        if self._pending:
            self._report_painted()
        self.paint_timed.emit((time.perf_counter() - started) * 1000)

    def _paint_banner(
        self, p: QPainter, target: QRectF, text: str, colour: QColor | None = None
    ) -> None:
        """A caption on a pill near the top so it hides nothing (dimmed screen, control)."""
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setBold(True)
        p.setFont(f)
        box = p.fontMetrics().boundingRect(text).adjusted(-18, -10, 18, 10)
        visible = target.intersected(QRectF(self.viewport().rect()))
        box.moveCenter(QPoint(round(visible.center().x()), round(visible.top() + 48)))
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour if colour is not None else QColor(38, 50, 56, 230))
        p.drawRoundedRect(QRectF(box), box.height() / 2, box.height() / 2)
        p.setPen(QColor("white"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.restore()

    def _paint_cursor(self, p: QPainter, t: ViewTransform) -> None:
        if self.cursor_pos[0] < 0:
            return
        x, y = t.to_widget(*self.cursor_pos)
        arrow = QPolygonF(
            [
                QPointF(x + dx, y + dy)
                for dx, dy in ((0, 0), (0, 20), (5, 15), (9, 24), (12, 23), (8, 14), (15, 14))
            ]
        )
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor("white"))
        p.setBrush(QColor("black"))
        p.drawPolygon(arrow)
        p.restore()

    # ------------------------------------------------------------ pointer

    def _screen_point(self, pos: QPointF) -> tuple[int, int]:
        return self.transform().to_screen(pos.x(), pos.y())

    def _on_drawing_enabled(self, enabled: bool) -> None:
        self.viewport().setCursor(
            Qt.CursorShape.CrossCursor if enabled else Qt.CursorShape.ArrowCursor
        )

    # ------------------------------------------------------------ remote control

    def _controlling(self) -> bool:
        return self.control is not None and self.control.mine and not self.canvas.isNull()

    def set_control_text(self, text: str) -> None:
        """The caption while this agent is in control ("" when not): also switches the
        pointer and keys over to the customer's computer."""
        self.control_text = text
        self._wheel_rest = self._wheel_rest_x = 0
        on = bool(text)
        self.viewport().setMouseTracking(on)
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, on)
        if on:
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            self.setFocus()
        else:
            self._on_drawing_enabled(self.drawing.enabled)
        self.viewport().update()

    _wheel_rest = 0
    _wheel_rest_x = 0

    def event(self, event: QEvent) -> bool:
        # In control every key is the customer's: the window's shortcuts stand aside.
        if event.type() == QEvent.Type.ShortcutOverride and self._controlling():
            event.accept()
            return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Qt's names
        if self._controlling():
            return False  # Tab goes to the customer's computer
        return super().focusNextPrevChild(next)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self._controlling():
            assert self.control is not None
            if not event.isAutoRepeat():
                keysym = keysym_for(event.key(), event.text(), event.nativeVirtualKey())
                self.control.key(event.nativeScanCode() or event.key(), keysym, False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:  # noqa: N802
        if self._controlling() and event.commitString():
            assert self.control is not None
            self.control.text(event.commitString())
            event.accept()
            return
        super().inputMethodEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.canvas.isNull():
            return
        if self._controlling() and event.button() in _BUTTONS:
            assert self.control is not None
            self.setFocus()
            self.control.button(
                *self._screen_point(event.position()), _BUTTONS[event.button()], True
            )
            return
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = event.position().toPoint()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.setFocus()
            self.drawing.press(*self._screen_point(event.position()))
        elif event.button() == Qt.MouseButton.RightButton:
            self.drawing.cancel()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._controlling():
            assert self.control is not None
            self.control.move(*self._screen_point(event.position()))
            return
        if self._panning is not None:
            delta = event.position().toPoint() - self._panning
            self._panning = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
        elif event.buttons() & Qt.MouseButton.LeftButton:
            self.drawing.move(*self._screen_point(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._controlling() and event.button() in _BUTTONS:
            assert self.control is not None
            x, y = self._screen_point(event.position())
            self.control.button(x, y, _BUTTONS[event.button()], False)
            return
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = None
        elif event.button() == Qt.MouseButton.LeftButton:
            self.drawing.release(*self._screen_point(event.position()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if self._controlling():
            assert self.control is not None
            if not event.isAutoRepeat():
                keysym = keysym_for(event.key(), event.text(), event.nativeVirtualKey())
                self.control.key(event.nativeScanCode() or event.key(), keysym, True)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.drawing.cancel()
            return
        super().keyPressEvent(event)
