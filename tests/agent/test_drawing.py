"""Every tool makes the right vector shape in customer pixels, whatever the zoom."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from assist_agent.drawing import Drawing, Tool
from assist_agent.frames import FrameUpdate
from assist_agent.windows import main_window
from assist_agent.windows.toolbar import DrawingToolbar
from assist_agent.windows.viewer import Viewer, image_from_bgra
from common.messages import Laser, Message, Shape, ShapeRemove, ShapesClear, ShapeTool
from tests.agent.conftest import solid_update

SCREEN = (1920, 1080)


class Harness:
    """A viewer showing a 1920x1080 customer screen, with the messages its drawing sends."""

    def __init__(self, qtbot: QtBot) -> None:
        self.drawing = Drawing()
        self.viewer = Viewer(self.drawing)
        qtbot.add_widget(self.viewer)
        self.viewer.resize(960, 600)
        self.viewer.show()
        qtbot.wait_exposed(self.viewer)
        self.viewer.show_update(solid_update(*SCREEN))
        self.drawing.set_screen(*SCREEN)
        self.drawing.set_enabled(True)
        self.drawing.set_fade(60)
        self.sent: list[Message] = []
        self.drawing.messages_ready.connect(self.sent.extend)

    def zoom(self, level: str) -> None:
        if level == "fit":
            self.viewer.set_fit(True)
        else:
            self.viewer.set_zoom(float(level))
            # scroll somewhere in the middle, so offsets are not zero
            self.viewer.horizontalScrollBar().setValue(
                self.viewer.horizontalScrollBar().maximum() // 3
            )
            self.viewer.verticalScrollBar().setValue(self.viewer.verticalScrollBar().maximum() // 2)

    def widget_pos(self, sx: float, sy: float) -> QPointF:
        x, y = self.viewer.transform().to_widget(sx, sy)
        return QPointF(x, y)

    def visible_screen_point(self, fx: float, fy: float) -> tuple[int, int]:
        """A customer pixel that is on screen now, at fractions (fx, fy) of the viewport."""
        vp = self.viewer.viewport()
        return self.viewer.transform().to_screen(vp.width() * fx, vp.height() * fy)

    def mouse(
        self, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton, buttons: Qt.MouseButton
    ) -> None:
        vp = self.viewer.viewport()
        event = QMouseEvent(
            kind, pos, vp.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(vp, event)

    def drag(self, points: list[tuple[int, int]]) -> None:
        left = Qt.MouseButton.LeftButton
        none = Qt.MouseButton.NoButton
        self.mouse(QEvent.Type.MouseButtonPress, self.widget_pos(*points[0]), left, left)
        for p in points[1:]:
            self.mouse(QEvent.Type.MouseMove, self.widget_pos(*p), none, left)
        self.mouse(QEvent.Type.MouseButtonRelease, self.widget_pos(*points[-1]), left, none)

    def shapes(self) -> list[Shape]:
        return [m for m in self.sent if isinstance(m, Shape)]


@pytest.fixture
def h(qtbot: QtBot) -> Iterator[Harness]:
    yield Harness(qtbot)


def close(a: tuple[int, int], b: tuple[int, int], tol: int = 1) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


ZOOMS = ["fit", "0.5", "1", "2.5"]


@pytest.mark.parametrize("zoom", ZOOMS)
@pytest.mark.parametrize(
    "tool, shape_tool",
    [(Tool.ARROW, ShapeTool.ARROW), (Tool.RECT, ShapeTool.RECT), (Tool.ELLIPSE, ShapeTool.ELLIPSE)],
)
def test_drag_tools_send_start_and_end_in_customer_pixels(
    h: Harness, zoom: str, tool: Tool, shape_tool: ShapeTool
) -> None:
    h.zoom(zoom)
    h.drawing.set_tool(tool)
    a, b = h.visible_screen_point(0.2, 0.3), h.visible_screen_point(0.7, 0.8)
    mid = ((a[0] + b[0]) // 2, (a[1] + b[1]) // 3)
    h.drag([a, mid, b])
    (shape,) = h.shapes()
    assert shape.tool is shape_tool
    assert len(shape.points) == 2
    tol = 1 if float(zoom if zoom != "fit" else 1) >= 1 else 3  # one widget pixel is > 1 screen px
    assert close(shape.points[0], a, tol) and close(shape.points[1], b, tol), (shape.points, a, b)
    assert shape.fade_ms == 60_000 and shape.color == h.drawing.color


@pytest.mark.parametrize("zoom", ZOOMS)
@pytest.mark.parametrize("tool", [Tool.PEN, Tool.HIGHLIGHTER])
def test_strokes_follow_the_pointer_in_customer_pixels(h: Harness, zoom: str, tool: Tool) -> None:
    h.zoom(zoom)
    h.drawing.set_tool(tool)
    x0, y0 = h.visible_screen_point(0.2, 0.5)
    x1, _ = h.visible_screen_point(0.8, 0.5)
    path = [(x0 + (x1 - x0) * i // 20, y0 + (i % 5) * 8) for i in range(21)]
    h.drag(path)
    (shape,) = h.shapes()
    assert shape.tool is SHAPE[tool]
    assert close(shape.points[0], path[0], 3) and close(shape.points[-1], path[-1], 3)
    assert len(shape.points) >= 5
    for p in shape.points:  # every point lies on the drawn path
        assert min(abs(p[0] - q[0]) + abs(p[1] - q[1]) for q in path) <= 6


SHAPE = {Tool.PEN: ShapeTool.PEN, Tool.HIGHLIGHTER: ShapeTool.HIGHLIGHTER}


@pytest.mark.parametrize("zoom", ZOOMS)
def test_step_markers_are_numbered_and_placed_where_clicked(h: Harness, zoom: str) -> None:
    h.zoom(zoom)
    h.drawing.set_tool(Tool.STEP)
    first, second = h.visible_screen_point(0.3, 0.3), h.visible_screen_point(0.6, 0.6)
    h.drag([first])
    h.drag([second])
    s1, s2 = h.shapes()
    assert (s1.tool, s1.number, s2.number) == (ShapeTool.STEP, 1, 2)
    tol = 3 if zoom in ("fit", "0.5") else 1
    assert close(s1.points[0], first, tol) and close(s2.points[0], second, tol)


@pytest.mark.parametrize("zoom", ZOOMS)
def test_text_asks_for_words_and_anchors_them(
    h: Harness, zoom: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        main_window.TextPrompt, "ask", classmethod(lambda cls, parent: "여기를 누르세요")
    )
    h.drawing.text_requested.connect(
        lambda x, y: h.drawing.place_text(x, y, main_window.TextPrompt.ask(h.viewer) or "")
    )
    h.zoom(zoom)
    h.drawing.set_tool(Tool.TEXT)
    at = h.visible_screen_point(0.4, 0.4)
    h.drag([at])
    (shape,) = h.shapes()
    assert shape.tool is ShapeTool.TEXT and shape.text == "여기를 누르세요"
    assert close(shape.points[0], at, 3)


def test_laser_follows_while_held_throttled_and_hides_on_release(h: Harness) -> None:
    h.drawing.set_tool(Tool.LASER)
    a, b = h.visible_screen_point(0.1, 0.1), h.visible_screen_point(0.9, 0.9)
    path = [(a[0] + (b[0] - a[0]) * i // 200, a[1] + (b[1] - a[1]) * i // 200) for i in range(201)]
    h.drag(path)  # 200 moves within a few milliseconds
    lasers = [m for m in h.sent if isinstance(m, Laser)]
    assert lasers[0].visible and close((lasers[0].x, lasers[0].y), a, 3)
    assert not lasers[-1].visible and close((lasers[-1].x, lasers[-1].y), b, 3)
    assert len(lasers) < 20, "laser updates are throttled to about 60 a second"
    assert h.shapes() == [], "the laser leaves no shape behind"


def test_a_click_with_a_drag_tool_is_not_a_shape(h: Harness) -> None:
    h.drawing.set_tool(Tool.RECT)
    h.drag([h.visible_screen_point(0.5, 0.5)])
    assert h.sent == []


def test_undo_redo_and_clear_send_what_the_customer_needs(h: Harness, qtbot: QtBot) -> None:
    toolbar = DrawingToolbar()
    qtbot.add_widget(toolbar)
    h.drawing.history_changed.connect(toolbar.on_history_changed)
    h.drawing.set_tool(Tool.ARROW)
    h.drag([h.visible_screen_point(0.2, 0.2), h.visible_screen_point(0.5, 0.5)])
    h.drag([h.visible_screen_point(0.3, 0.6), h.visible_screen_point(0.6, 0.7)])
    first, second = h.shapes()
    assert toolbar.act_undo.isEnabled() and not toolbar.act_redo.isEnabled()
    h.sent.clear()
    h.drawing.undo()
    assert h.sent == [ShapeRemove((second.shape_id,))]
    assert toolbar.act_redo.isEnabled()
    h.sent.clear()
    h.drawing.redo()
    assert h.sent == [second]
    h.sent.clear()
    h.drawing.clear()
    assert h.sent == [ShapesClear()]
    assert [s for s, _ in h.drawing.visible()] == []
    h.sent.clear()
    h.drawing.undo()  # bring both back
    assert h.sent == [first, second]
    assert {s.shape_id for s, _ in h.drawing.visible()} == {first.shape_id, second.shape_id}


def test_marks_stay_on_the_same_customer_pixels_when_zooming(h: Harness) -> None:
    """Paint a pinned rectangle, then check its edge sits on the same pixel at several zooms."""
    h.drawing.set_pinned(True)
    h.drawing.set_width(10)
    h.drawing.set_color(0x00FF00FF)  # pure green: absent from the test screen
    h.drawing.set_tool(Tool.RECT)
    h.drawing.press(800, 400)
    h.drawing.move(1100, 600)
    h.drawing.release(1100, 600)
    (shape,) = h.shapes()
    assert shape.points == ((800, 400), (1100, 600)) and shape.fade_ms == 0
    for zoom in ("fit", "0.75", "1", "2"):
        h.zoom(zoom)
        if zoom != "fit":
            h.viewer.set_zoom(float(zoom))
            t = h.viewer.transform()
            # centre the rectangle's top-left corner in view
            h.viewer.horizontalScrollBar().setValue(round(800 * t.zoom - 300))
            h.viewer.verticalScrollBar().setValue(round(400 * t.zoom - 200))
        image = h.viewer.viewport().grab().toImage()
        x, y = h.viewer.transform().to_widget(950, 400)  # middle of the top edge
        color = QColor(image.pixel(QPoint(round(x), round(y))))
        assert color.green() > 200 and color.red() < 80, (zoom, color.name())
        x, y = h.viewer.transform().to_widget(950, 500)  # inside the rectangle: the screen
        inside = QColor(image.pixel(QPoint(round(x), round(y))))
        assert inside.green() < 120, (zoom, inside.name())


def test_without_permission_nothing_is_drawn(h: Harness) -> None:
    h.drawing.set_enabled(False)
    h.drawing.set_tool(Tool.ARROW)
    h.drag([h.visible_screen_point(0.2, 0.2), h.visible_screen_point(0.5, 0.5)])
    assert h.sent == []


def test_toolbar_greys_out_tools_and_says_why(qtbot: QtBot) -> None:
    toolbar = DrawingToolbar()
    qtbot.add_widget(toolbar)
    toolbar.on_drawing_enabled(False, "The customer did not allow drawing on their screen.")
    arrow = toolbar.tool_actions[Tool.ARROW]
    assert not arrow.isEnabled()
    assert "did not allow drawing" in arrow.toolTip()
    toolbar.on_drawing_enabled(True)
    assert arrow.isEnabled() and "(A)" in arrow.toolTip()


def test_tool_shortcuts_are_the_documented_letters(qtbot: QtBot) -> None:
    toolbar = DrawingToolbar()
    qtbot.add_widget(toolbar)
    keys = {t: a.shortcut().toString() for t, a in toolbar.tool_actions.items()}
    assert keys == {
        Tool.PEN: "P",
        Tool.ARROW: "A",
        Tool.RECT: "R",
        Tool.ELLIPSE: "E",
        Tool.TEXT: "T",
        Tool.HIGHLIGHTER: "H",
        Tool.STEP: "N",
        Tool.LASER: "L",
    }


@pytest.mark.parametrize("zoom", ZOOMS)
def test_pointer_mapping_matches_the_painted_screen(h: Harness, zoom: str) -> None:
    """A green square painted on the customer's screen is where the transform says it is."""
    square = np.zeros((40, 40, 4), np.uint8)
    square[...] = (0, 255, 0, 255)
    h.viewer.show_update(
        FrameUpdate(2, 2, *SCREEN, False, ((1000, 500, image_from_bgra(square)),), (-1, -1))
    )
    h.zoom(zoom)
    if zoom != "fit":  # bring the square into view
        t = h.viewer.transform()
        h.viewer.horizontalScrollBar().setValue(round(1000 * t.zoom - 200))
        h.viewer.verticalScrollBar().setValue(round(500 * t.zoom - 150))
    t = h.viewer.transform()
    if zoom == "1":  # independent of the transform: one pixel each, shifted by the scroll bars
        sx, sy = h.viewer.horizontalScrollBar().value(), h.viewer.verticalScrollBar().value()
        assert t.to_screen(10, 20) == (10 + sx, 20 + sy)
    if zoom == "fit":
        vp = h.viewer.viewport()
        assert t.zoom == pytest.approx(min(vp.width() / 1920, vp.height() / 1080))
    image = h.viewer.viewport().grab().toImage()
    x, y = t.to_widget(1020, 520)
    assert QColor(image.pixel(QPoint(round(x), round(y)))).name() == "#00ff00"
    x, y = t.to_widget(1060, 520)  # just right of the square: the screen's own colour
    assert QColor(image.pixel(QPoint(round(x), round(y)))).name() != "#00ff00"
    # and a click on the square's centre lands on the square's customer pixels
    h.drawing.set_tool(Tool.STEP)
    h.drag([(1020, 520)])
    (shape,) = h.shapes()
    assert close(shape.points[0], (1020, 520), 3)


def test_the_drawing_sleeps_until_a_mark_starts_to_fade(qtbot: QtBot) -> None:
    """No 30 Hz ticking for a 60 s mark: one wake-up when it starts to fade; none when pinned."""
    now = [10_000]
    drawing = Drawing(clock_ms=lambda: now[0])
    drawing.set_screen(*SCREEN)
    drawing.set_enabled(True)
    drawing.set_fade(60)
    drawing.set_tool(Tool.RECT)
    drawing.press(100, 100)
    drawing.move(300, 300)
    drawing.release(300, 300)
    assert drawing._ticker.isActive() and drawing._ticker.isSingleShot()
    assert drawing._ticker.remainingTime() > 50_000
    drawing.clear()
    drawing.pinned = True
    drawing.press(100, 100)
    drawing.move(300, 300)
    drawing.release(300, 300)
    drawing._tick()
    assert not drawing._ticker.isActive()
