"""The annotation model: gestures to shapes, undo/redo, fading, and the shared geometry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.annotations import (
    FADE_FRAME_MS,
    FADE_OUT_MS,
    LASER_TRAIL_MS,
    Board,
    LaserTrail,
    MonitorMapping,
    Pen,
    Sketchbook,
    ViewTransform,
    arrow_head,
    drag_rect,
    next_redraw,
    simplify,
)
from common.messages import (
    MAX_POINTS,
    Layer,
    MonitorInfo,
    Shape,
    ShapeRemove,
    ShapesClear,
    ShapeTool,
    parse,
)


def test_each_tool_makes_the_shape_it_should() -> None:
    book = Sketchbook(monitor=1)
    pen = Pen(color=0x00FF00FF, width=6, fade_ms=0)
    arrow = book.make(ShapeTool.ARROW, [(10, 10), (50, 60), (100, 120)], pen)
    assert arrow.points == ((10, 10), (100, 120)) and arrow.monitor == 1
    rect = book.make(ShapeTool.RECT, [(5, 5), (7, 7), (40, 30)], pen)
    assert rect.points == ((5, 5), (40, 30))
    text = book.make(ShapeTool.TEXT, [(300, 200)], pen, text="여기를 누르세요")
    assert text.points == ((300, 200),) and text.text == "여기를 누르세요"
    s1 = book.make(ShapeTool.STEP, [(1, 1)], pen)
    s2 = book.make(ShapeTool.STEP, [(2, 2)], pen)
    assert (s1.number, s2.number) == (1, 2)
    ids = {arrow.shape_id, rect.shape_id, text.shape_id, s1.shape_id, s2.shape_id}
    assert len(ids) == 5
    for shape in (arrow, rect, text, s1, s2):  # every shape is a valid message
        assert parse(shape.serialize(), Layer.APP) == shape


def test_undo_redo_and_clear_produce_the_messages_to_send() -> None:
    book = Sketchbook()
    a = book.make(ShapeTool.PEN, [(0, 0), (10, 10)], Pen())
    b = book.make(ShapeTool.RECT, [(0, 0), (10, 10)], Pen())
    assert book.add(a) == [a]
    assert book.add(b) == [b]
    assert book.undo() == [ShapeRemove((b.shape_id,))]
    assert book.redo() == [b]
    assert book.clear() == [ShapesClear()]
    assert book.shapes == {}
    assert book.undo() == [a, b]  # undoing a clear brings everything back
    assert set(book.shapes) == {a.shape_id, b.shape_id}
    assert book.redo() == [ShapesClear()]
    assert book.undo() and book.undo() and book.undo()
    assert not book.can_undo and book.undo() == []
    book.redo()
    c = book.make(ShapeTool.ELLIPSE, [(0, 0), (5, 5)], Pen())
    book.add(c)
    assert not book.can_redo  # a new action drops the redo history


def test_board_applies_messages_and_fades_unpinned_shapes() -> None:
    board = Board()
    book = Sketchbook()
    fading = book.make(ShapeTool.ARROW, [(0, 0), (9, 9)], Pen(fade_ms=2000))
    pinned = book.make(ShapeTool.RECT, [(0, 0), (9, 9)], Pen(fade_ms=0))
    board.apply(fading, now_ms=1000)
    board.apply(pinned, now_ms=1000)
    assert [s for s, _ in board.visible(1500)] == [fading, pinned]
    (_, opacity), _ = board.visible(2900)
    assert 0 < opacity < 1  # fading out near the end
    assert board.expire(3000) == [fading.shape_id]
    assert [s for s, _ in board.visible(999_999)] == [pinned]
    board.apply(ShapeRemove((pinned.shape_id,)), 5000)
    assert len(board) == 0
    assert board.apply(Shape(9, ShapeTool.PEN, 0, 0, 1, ((0, 0),), "", 0, 0), 0)
    board.apply(ShapesClear(), 0)
    assert len(board) == 0


def test_the_board_says_when_what_it_shows_will_change() -> None:
    board = Board()
    book = Sketchbook()
    assert board.next_change(0) is None  # nothing to show
    pinned = book.make(ShapeTool.RECT, [(0, 0), (9, 9)], Pen(fade_ms=0))
    board.apply(pinned, now_ms=0)
    assert board.next_change(0) is None  # pinned shapes never change by themselves
    fading = book.make(ShapeTool.ARROW, [(0, 0), (9, 9)], Pen(fade_ms=5000))
    board.apply(fading, now_ms=1000)
    # It starts to fade FADE_OUT_MS before it ends, and changes every frame from then on.
    assert board.next_change(1000) == 5000 - FADE_OUT_MS
    assert board.next_change(6000 - FADE_OUT_MS) == 0
    # A screen that cannot fade shows it whole until it goes.
    assert board.next_change(1000, fades=False) == 5000
    board.expire(6000)
    assert board.next_change(6000) is None


def test_both_apps_redraw_only_while_something_changes() -> None:
    """next_redraw: a frame while fading or while the laser shows, else the exact wait."""
    board, trail, book = Board(), LaserTrail(), Sketchbook()
    assert next_redraw(board, trail, 0) is None
    board.apply(book.make(ShapeTool.RECT, [(0, 0), (9, 9)], Pen(fade_ms=0)), now_ms=0)
    assert next_redraw(board, trail, 0) is None  # pinned: no timer at all
    board.apply(book.make(ShapeTool.ARROW, [(0, 0), (9, 9)], Pen(fade_ms=30_000)), now_ms=0)
    assert next_redraw(board, trail, 0) == 30_000 - FADE_OUT_MS  # sleeps until the fade
    assert next_redraw(board, trail, 29_500) == FADE_FRAME_MS  # fading: every frame
    trail.add(0, 5, 5, now_ms=100)
    assert next_redraw(board, trail, 200) == FADE_FRAME_MS  # the trail animates
    assert next_redraw(board, trail, 200 + LASER_TRAIL_MS) == 30_000 - FADE_OUT_MS - 900


def test_laser_trail_fades() -> None:
    trail = LaserTrail()
    trail.add(0, 10, 10, now_ms=0)
    trail.add(0, 20, 20, now_ms=300)
    (_, _, first), (_, _, second) = trail.visible(400)
    assert first < second <= 1.0
    assert trail.visible(5000) == []


@given(
    st.lists(
        st.tuples(st.integers(-100, 5000), st.integers(-100, 5000)),
        min_size=1,
        max_size=MAX_POINTS * 3,
    )
)
def test_simplified_strokes_fit_a_message_and_keep_their_ends(points: list) -> None:
    out = simplify(points)
    assert len(out) <= MAX_POINTS
    assert out[0] == points[0] and out[-1] == points[-1]


def test_arrow_head_points_at_the_tip() -> None:
    tip, left, right = arrow_head((0, 0), (100, 0), 4)
    assert tip == (100.0, 0.0)
    assert left[0] < 100 and right[0] < 100 and left[1] == -right[1]


def test_drag_rect_any_direction() -> None:
    assert drag_rect((50, 40), (10, 0)) == (10, 0, 40, 40)


@pytest.mark.parametrize("scale_pct", [100, 125, 200])
def test_monitor_mapping_round_trips(scale_pct: int) -> None:
    mon = MonitorInfo(1, 3840, 0, 2560, 1440, scale_pct, "DP-2", False)
    m = MonitorMapping.of(mon, logical_x=1920, logical_y=0)
    lx, ly = m.to_logical(400, 300)
    assert (lx, ly) == (1920 + 400 / (scale_pct / 100), 300 / (scale_pct / 100))
    assert m.to_physical(lx, ly) == pytest.approx((400, 300))


@pytest.mark.parametrize("zoom", [0.25, 0.5, 1.0, 2.0, 3.5])
def test_view_transform_maps_widget_points_to_screen_pixels(zoom: float) -> None:
    view = ViewTransform(zoom, offset_x=13, offset_y=-40)
    wx, wy = view.to_widget(640, 360)
    assert view.to_screen(wx, wy) == (640, 360)


def test_fit_keeps_aspect_and_centres() -> None:
    view = ViewTransform.fit(1920, 1080, 960, 800)
    assert view.zoom == 0.5
    assert view.to_widget(0, 0) == (0.0, (800 - 540) / 2)
