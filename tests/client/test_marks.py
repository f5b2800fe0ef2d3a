"""The customer's Marks: what the agent drew, fading and expiring by itself, with a fake clock."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from assist_client.marks import Marks
from common.annotations import FADE_FRAME_MS as FRAME_MS
from common.annotations import FADE_OUT_MS, Pen, Sketchbook
from common.messages import ShapeRemove, ShapeTool


def test_marks_follow_messages_and_wake_for_fading_and_expiry(qtbot: QtBot) -> None:
    now = [1000]
    marks = Marks(0, clock=lambda: now[0])
    book = Sketchbook()
    arrow = book.make(ShapeTool.ARROW, [(10, 10), (90, 90)], Pen(fade_ms=3000))
    with qtbot.wait_signal(marks.changed) as changed:
        marks.on_annotation(arrow)
    assert changed.args == [[arrow.shape_id]]  # a re-sent shape: caches of it are stale
    assert [s for s, _ in marks.shapes()] == [arrow]
    assert marks._timer.isActive() and marks._timer.interval() == 3000 - FADE_OUT_MS

    now[0] = 3000 + 500  # fading: repaint every frame
    marks.tick()
    assert 0 < marks.shapes()[0][1] < 1
    assert marks._timer.interval() == FRAME_MS
    now[0] = 4001  # gone
    with qtbot.wait_signal(marks.changed):
        marks.tick()
    assert marks.shapes() == [] and not marks._timer.isActive()


def test_the_laser_animates_and_other_monitors_are_ignored(qtbot: QtBot) -> None:
    now = [0]
    marks = Marks(0, clock=lambda: now[0])
    with qtbot.assert_not_emitted(marks.changed):
        marks.on_laser(1, 10, 10, True)  # the agent points at another monitor
    marks.on_laser(0, 10, 20, True)
    assert marks.laser_points() == [(10, 20, 1.0)]
    assert marks._timer.interval() == FRAME_MS


def test_without_translucency_shapes_stay_whole_until_they_go(qtbot: QtBot) -> None:
    now = [0]
    marks = Marks(0, fades=False, clock=lambda: now[0])
    book = Sketchbook()
    pen = book.make(ShapeTool.PEN, [(0, 0), (50, 50)], Pen(fade_ms=2000))
    marks.on_annotation(pen)
    assert marks._timer.interval() == 2000
    now[0] = 1900
    assert marks.shapes() == [(pen, 1.0)]
    marks.on_annotation(ShapeRemove((pen.shape_id,)))
    assert marks.shapes() == [] and not marks._timer.isActive()
