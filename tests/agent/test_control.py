"""The agent's side of remote control: input leaves the viewer only while the customer's
app says this agent holds control, mapped through the view into the customer's pixels."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QInputMethodEvent
from pytestqt.qtbot import QtBot

from assist_agent.control import AgentControl, keysym_for
from assist_agent.drawing import Drawing
from assist_agent.windows.viewer import Viewer
from common.messages import (
    ControlChange,
    ControlRequest,
    ControlState,
    Input,
    InputKind,
    Message,
)


class Sent(list[Message]):
    def __call__(self, msg: Message) -> bool:
        self.append(msg)
        return True

    def inputs(self) -> list[tuple[InputKind, int, int, int, bool, str]]:
        return [
            (e.kind, e.x, e.y, e.code, e.down, e.text)
            for m in self
            if isinstance(m, Input)
            for e in m.events
        ]


def _viewer(qtbot: QtBot) -> tuple[Viewer, AgentControl, Sent]:
    sent = Sent()
    control = AgentControl(sent, lambda: 1, lambda: 0)
    viewer = Viewer(Drawing())
    qtbot.addWidget(viewer)
    image = QImage(1600, 1000, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    viewer.canvas = image
    viewer.control = control
    viewer.resize(800, 500)  # fit: half size, no offset
    viewer.show()
    return viewer, control, sent


def test_keysyms_mean_the_same_character_on_any_layout() -> None:
    assert keysym_for(Qt.Key.Key_A, "a") == ord("a")
    assert keysym_for(Qt.Key.Key_A, "A") == ord("a")  # Shift travels as its own key
    assert keysym_for(Qt.Key.Key_Exclam, "!") == ord("!")
    assert keysym_for(Qt.Key.Key_Return) == 0xFF0D
    assert keysym_for(Qt.Key.Key_Hangul) == 0xFF31  # the customer's IME switches
    assert keysym_for(Qt.Key.Key_F5) == 0xFFC2
    assert keysym_for(0x01001234, "é") == 0xE9
    assert keysym_for(0x01001234, "한") == 0x0100D55C
    assert keysym_for(Qt.Key.Key_A, "a", native=0x61) == 0x61


def test_nothing_is_sent_until_the_customer_grants_control(qtbot: QtBot) -> None:
    viewer, control, sent = _viewer(qtbot)
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton, pos=QPointF(100, 50).toPoint())
    qtbot.keyClick(viewer, Qt.Key.Key_A)
    assert sent.inputs() == []
    assert control.request("to fix your mail")
    assert sent == [ControlRequest("to fix your mail")]
    assert not control.request("again")  # one question at a time
    control.on_state(ControlState(0, ControlChange.DENIED, 1, False, ""))
    assert not control.asked and not control.mine
    qtbot.keyClick(viewer, Qt.Key.Key_B)
    assert sent.inputs() == []


def test_granted_clicks_keys_and_korean_text_go_in_the_customers_pixels(qtbot: QtBot) -> None:
    viewer, control, sent = _viewer(qtbot)
    control.request("")
    control.on_state(ControlState(1, ControlChange.GRANTED, 1, False, ""))
    viewer.set_control_text("You are in control")
    zoom = viewer.effective_zoom()
    t = viewer.transform()
    pos = QPointF(t.offset_x + 300 * zoom, t.offset_y + 200 * zoom)
    qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton, pos=pos.toPoint())
    qtbot.keyClick(viewer, Qt.Key.Key_A)
    event = QInputMethodEvent()
    event.setCommitString("안녕")
    _send_event(viewer, event)
    got = sent.inputs()
    buttons = [g for g in got if g[0] is InputKind.BUTTON]
    assert [(b[3], b[4]) for b in buttons] == [(1, True), (1, False)]
    assert all(abs(b[1] - 300) <= 2 and abs(b[2] - 200) <= 2 for b in buttons), buttons
    keys = [g for g in got if g[0] is InputKind.KEY]
    assert [(k[3], k[4]) for k in keys] == [(ord("a"), True), (ord("a"), False)]
    assert (InputKind.TEXT, 0, 0, 0, True, "안녕") in got
    # Taken back: the viewer stops sending at once.
    control.on_state(ControlState(0, ControlChange.STOPPED, 1, False, ""))
    before = len(sent)
    qtbot.keyClick(viewer, Qt.Key.Key_C)
    assert len(sent) == before


def _send_event(widget: Viewer, event: QInputMethodEvent) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(widget, event)


def test_clipboard_text_goes_only_while_in_control(qtbot: QtBot) -> None:
    from common.messages import Clipboard

    _viewer_, control, sent = _viewer(qtbot)
    assert not control.clipboard("https://example.org/fix")
    control.on_state(ControlState(1, ControlChange.GRANTED, 1, False, ""))
    assert control.clipboard("https://example.org/fix")
    assert sent[-1] == Clipboard("https://example.org/fix")
