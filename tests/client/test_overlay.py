"""The agent's marks land exactly where the agent drew them, at any scale, on any monitor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from assist_client.monitors import Monitor
from assist_client.windows.overlay import OverlayWindow, coarsen
from common.messages import Laser, Shape, ShapeRemove, ShapeTool

RED = 0xFF0000FF

PRIMARY = Monitor(0, 0, 0, 1920, 1080, 1.0, 0.0, 0.0, "left", True)
# A 4K monitor at 200 % to the right of it: physical x 1920.., logical x 1920..
HIDPI = Monitor(1, 1920, 0, 3840, 2160, 2.0, 1920.0, 0.0, "right", False)
# A monitor at 150 % below, with a fractional logical origin.
FRACTIONAL = Monitor(2, 0, 1080, 2880, 1620, 1.5, 0.0, 1080.0, "below", False)


def _rect(monitor: int, a: tuple[int, int], b: tuple[int, int], shape_id: int = 1) -> Shape:
    return Shape(shape_id, ShapeTool.RECT, monitor, RED, 4, (a, b), "", 0, 0)


def _overlay(qtbot: QtBot, monitor: Monitor, translucent: bool = True) -> OverlayWindow:
    w = OverlayWindow(monitor, translucent=translucent, clock=lambda: 1000)
    qtbot.addWidget(w)
    return w


def _is_red(colour: QColor) -> bool:
    return colour.red() > 200 and colour.green() < 60 and colour.blue() < 60


@pytest.mark.parametrize("monitor", [PRIMARY, HIDPI, FRACTIONAL], ids=["100%", "200%", "150%"])
@pytest.mark.parametrize("translucent", [True, False], ids=["composited", "plain-x11"])
def test_a_mark_drawn_at_p_is_painted_at_p(qtbot: QtBot, monitor: Monitor, translucent: bool):
    overlay = _overlay(qtbot, monitor, translucent)
    p, q = (600, 300), (1000, 700)
    overlay.on_annotation(_rect(monitor.index, p, q))
    # The window covers the monitor, in logical coordinates.
    assert overlay.geometry() == QRect(*monitor.logical_geometry())
    image = overlay.render_image(1000)
    assert image.devicePixelRatio() == monitor.scale
    assert (image.width(), image.height()) == (monitor.width, monitor.height)
    # The stroke is centred on P: the physical pixel P is red, and so are the edges.
    assert _is_red(image.pixelColor(*p)), image.pixelColor(*p)
    assert _is_red(image.pixelColor(q[0], 500))
    assert _is_red(image.pixelColor(800, q[1]))
    # Not shifted: a few pixels away from the edge is empty, inside and outside.
    assert image.pixelColor(p[0] + 12, p[1] + 12).alpha() == 0
    assert image.pixelColor(p[0] - 12, p[1] - 12).alpha() == 0
    # The window shows (and masks from frames) the stroke, not the inside.
    assert overlay.covers(*p) and not overlay.covers(800, 500)
    assert any(x <= p[0] < x + w and y <= p[1] < y + h for x, y, w, h in overlay.masks)
    assert not any(x <= 800 < x + w and y <= 500 < y + h for x, y, w, h in overlay.masks)


def test_the_desktop_position_of_p_is_the_monitor_origin_plus_p(qtbot: QtBot):
    overlay = _overlay(qtbot, HIDPI)
    p = (1234, 567)
    logical = overlay.geometry().topLeft()
    wx, wy = overlay.to_widget(*p)
    desktop_physical = ((logical.x() + wx - HIDPI.logical_x) * 2 + HIDPI.x, (wy) * 2 + HIDPI.y)
    assert desktop_physical == (HIDPI.x + p[0], HIDPI.y + p[1])


def test_marks_for_another_monitor_are_not_painted(qtbot: QtBot):
    overlay = _overlay(qtbot, HIDPI)
    overlay.on_annotation(_rect(0, (600, 300), (1000, 700)))
    assert not overlay.masks and not overlay.isVisible()


def test_removing_a_mark_hides_the_window_and_unmasks(qtbot: QtBot):
    overlay = _overlay(qtbot, PRIMARY)
    with qtbot.wait_signal(overlay.masks_changed):
        overlay.on_annotation(_rect(0, (10, 10), (100, 100)))
    assert overlay.isVisible()
    with qtbot.wait_signal(overlay.masks_changed) as changed:
        overlay.on_annotation(ShapeRemove((1,)))
    assert changed.args == [[]] and not overlay.isVisible()


def test_marks_fade_out_and_the_laser_fades(qtbot: QtBot):
    now = [1000]
    overlay = OverlayWindow(PRIMARY, clock=lambda: now[0])
    qtbot.addWidget(overlay)
    overlay.on_annotation(Shape(1, ShapeTool.PEN, 0, RED, 4, ((10, 10), (200, 10)), "", 0, 2000))
    laser = Laser(0, 500, 500, True)
    overlay.on_laser(laser.monitor, laser.x, laser.y, laser.visible)
    assert _is_red(overlay.render_image().pixelColor(100, 10))
    assert overlay.render_image().pixelColor(500, 500).alpha() > 0
    now[0] = 3500
    overlay.marks.tick()
    image = overlay.render_image()
    assert image.pixelColor(100, 10).alpha() == 0 and image.pixelColor(500, 500).alpha() == 0
    assert not overlay.isVisible()


def test_every_tool_paints_something(qtbot: QtBot):
    overlay = _overlay(qtbot, PRIMARY, translucent=False)
    tools = [
        (ShapeTool.PEN, ((100, 100), (150, 120), (200, 100))),
        (ShapeTool.ARROW, ((300, 100), (400, 200))),
        (ShapeTool.ELLIPSE, ((500, 100), (600, 200))),
        (ShapeTool.TEXT, ((700, 100),)),
        (ShapeTool.HIGHLIGHTER, ((100, 400), (400, 400))),
        (ShapeTool.STEP, ((600, 400),)),
    ]
    for i, (tool, pts) in enumerate(tools, 1):
        overlay.on_annotation(Shape(i, tool, 0, RED, 4, pts, "Click", i, 0))
    image = overlay.render_image()
    for tool, pts in tools:
        x, y = pts[0] if tool is not ShapeTool.ELLIPSE else (550, 100)
        near = [(x + dx, y + dy) for dx in range(-8, 9) for dy in (-8, 0, 8)]
        assert max(image.pixelColor(*p).alpha() for p in near) > 0, tool


def test_coarse_masks_keep_outlines_hollow():
    masks = coarsen(
        [(0, 0, 400, 4), (0, 296, 400, 4), (0, 0, 4, 300), (396, 0, 4, 300)], 1920, 1080
    )
    assert len(masks) <= 4
    assert not any(x <= 200 < x + w and y <= 150 < y + h for x, y, w, h in masks)
