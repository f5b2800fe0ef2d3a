"""The whole customer app with its windows, a fake network and a fake screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from assist_client.app import ClientApp
from assist_client.windows.consent import ConsentChoice, ConsentDialog
from assist_client.windows.ending import EndingDialog, RatingChoice
from common.messages import (
    Chat,
    Consent,
    ConsentState,
    EndReason,
    Rating,
    SessionEnd,
    Shape,
    ShapeTool,
    Step,
)
from tests.client.fakes import CODE, MONITOR, FakeDesktop, FakeNetworks, FakeSource
from tests.helpers.qt import emitted


@pytest.fixture
def app(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, networks: FakeNetworks
) -> ClientApp:
    monkeypatch.setattr("assist_client.app.QApplication.quit", lambda: None)
    client = ClientApp(
        "ws://127.0.0.1:1",
        network_factory=networks,
        monitors=[MONITOR],
        source_factory=FakeSource,
        recap_folder=tmp_path / "recaps",
        global_hotkey=False,
        input_factory=FakeDesktop,
    )
    qtbot.addWidget(client.join)
    return client


def _answer_consent(monkeypatch: pytest.MonkeyPatch, choice: ConsentChoice | None) -> list[tuple]:
    asked: list[tuple] = []

    def ask(cls, parent, name, org, monitors, previews=None, identity=None):  # noqa: ANN001
        asked.append((name, org, [m.index for m in monitors]))
        return choice

    monkeypatch.setattr(ConsentDialog, "ask", classmethod(ask))
    return asked


def _answer_rating(monkeypatch: pytest.MonkeyPatch, choice: RatingChoice | None) -> list[tuple]:
    shown: list[tuple] = []

    def ask(cls, parent, reason, name, path, *, can_rate=True):  # noqa: ANN001
        shown.append((reason, name, path))
        return choice

    monkeypatch.setattr(EndingDialog, "ask", classmethod(ask))
    return shown


def test_declining_in_the_prompt_captures_nothing(
    app: ClientApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, networks: FakeNetworks
):
    asked = _answer_consent(monkeypatch, None)
    app.start_session(CODE)
    with emitted(qtbot, app.session_finished):
        networks.last.secure("Alice Agent", "Acme")
    assert asked == [("Alice Agent", "Acme", [0])]
    assert FakeSource.opened == 0 and FakeSource.grabs == 0
    assert networks.last.frames() == []
    assert [c.state for c in networks.last.of_type(Consent)] == [ConsentState.DECLINED]  # type: ignore[attr-defined]
    assert app.bar is None


def test_sharing_shows_the_bar_marks_and_guidance_then_stop_key_ends(
    app: ClientApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, networks: FakeNetworks
):
    _answer_consent(monkeypatch, ConsentChoice(True, 0))
    shown = _answer_rating(monkeypatch, RatingChoice(5, "Thanks"))
    app.start_session(CODE)
    networks.last.secure("Alice Agent", "Acme")
    assert app.bar is not None and app.bar.isVisible()
    assert "Alice Agent (Acme)" in app.bar.text.text()
    qtbot.waitUntil(lambda: bool(networks.last.frames()), timeout=5000)
    # The bar is masked out of the frames the agent sees.
    assert app.session is not None and app.session.streamer is not None
    assert app.session.streamer._masks and app.session.streamer._masks[-1][1] == 0

    networks.last.deliver(
        Shape(1, ShapeTool.ARROW, 0, 0xFF0000FF, 4, ((10, 300), (200, 300)), "", 0, 0)
    )
    assert app.overlay is not None and app.overlay.isVisible() and app.overlay.masks
    networks.last.deliver(Step(1, "Open Settings", False))
    networks.last.deliver(Chat(1, "Hello!", 0))
    assert app.guidance is not None and app.guidance.isVisible()
    assert "Hello!" in app.guidance.chat_view.toPlainText()
    app.guidance.chat_typed.emit("Hi")
    assert networks.last.of_type(Chat)[-1].text == "Hi"  # type: ignore[attr-defined]
    # The bar's Messages button opens and closes the panel and shows which it is;
    # the panel's own Hide button closes it too.
    bar, panel = app.bar, app.guidance
    assert bar.guidance_button.isChecked()
    qtbot.mouseClick(bar.guidance_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible() and not bar.guidance_button.isChecked()
    qtbot.mouseClick(bar.guidance_button, Qt.MouseButton.LeftButton)
    assert panel.isVisible() and bar.guidance_button.isChecked()
    qtbot.mouseClick(panel.hide_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible() and not bar.guidance_button.isChecked()
    networks.last.deliver(Chat(2, "Still there?", 0))  # a new message brings it back
    assert panel.isVisible()

    with emitted(qtbot, app.session_finished):
        app.stop_key_pressed.emit()  # what the global key thread does
    assert SessionEnd(EndReason.CUSTOMER_STOPPED, "") in networks.last.sent
    assert networks.last.of_type(Rating) == [Rating(5, "Thanks")]
    reason, name, recap = shown[0]
    assert "You stopped sharing" in reason and name == "Alice Agent"
    assert recap is not None and recap.exists()
    page = recap.read_text(encoding="utf-8")
    assert "Open Settings" in page and "Hello!" in page and "Hi" in page
    assert app.bar is None and app.overlay is None


def test_a_wrong_code_is_shown_in_the_join_window(
    app: ClientApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, networks: FakeNetworks
):
    from common.endpoint import Failed
    from common.errors import WrongCodeError

    app.start_session(CODE)
    with emitted(qtbot, app.session_finished) as finished:
        networks.last.on_event(Failed(WrongCodeError()))
    assert finished.args == [3]
    assert app.join.error_label.text().startswith("The code did not match")
    assert app.join.connect_button.isEnabled()
    assert len(networks.made) == 1
    app.start_session(CODE)  # the person can try again with a new code
    assert len(networks.made) == 2


def test_control_is_asked_in_its_own_prompt_and_the_bar_says_who(
    app: ClientApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, networks: FakeNetworks
) -> None:
    from common.messages import ControlChange, ControlRequest, ControlState

    _answer_consent(monkeypatch, ConsentChoice(True, 0))
    app.start_session(CODE)
    networks.last.secure("Alice Agent", "Acme")
    qtbot.waitUntil(lambda: app.bar is not None)
    s = app.session
    assert s is not None and app.bar is not None
    networks.last.deliver(ControlRequest("to fix your mail"))
    qtbot.waitUntil(lambda: app.control_request is not None)
    dialog = app.control_request
    assert dialog is not None and dialog.isVisible()
    assert "Alice Agent asks to control your computer" in dialog.windowTitle() + "".join(
        w.text() for w in dialog.findChildren(type(app.bar.text))
    )
    dialog.allow_button.click()
    qtbot.waitUntil(lambda: app.bar is not None and app.bar.state == "control")
    assert app.bar.stop_control_button.isVisible()
    assert "Alice Agent is controlling your computer" in app.bar.text.text()
    app.bar.stop_control_button.click()
    qtbot.waitUntil(lambda: app.bar is not None and app.bar.state == "sharing")
    changes = [m.change for m in networks.last.of_type(ControlState)]  # type: ignore[attr-defined]
    assert changes == [ControlChange.GRANTED, ControlChange.STOPPED]


def test_a_file_for_the_customer_waits_for_their_yes_in_its_own_prompt(
    app: ClientApp,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    networks: FakeNetworks,
    tmp_path: Path,
) -> None:
    import hashlib

    from common.messages import (
        FileAnswer,
        FileChunk,
        FileDirection,
        FileEnd,
        FileEndState,
        FileOffer,
    )

    _answer_consent(monkeypatch, ConsentChoice(True, 0))
    app.start_session(CODE)
    networks.last.secure("Alice Agent", "Acme")
    qtbot.waitUntil(lambda: app.bar is not None)
    data = b"echo fixed\n"
    offer = FileOffer(
        2, FileDirection.TO_CUSTOMER, "fix.sh", len(data), hashlib.sha256(data).digest()
    )
    networks.last.deliver(offer)
    qtbot.waitUntil(lambda: bool(app.file_offers))
    (dialog,) = app.file_offers.values()
    assert networks.last.of_type(FileAnswer) == []  # nothing before the yes
    dialog.folder = tmp_path / "Downloads"
    dialog.accept_button.click()
    qtbot.waitUntil(lambda: bool(networks.last.of_type(FileAnswer)))
    networks.last.deliver(FileChunk(2, 0, data))
    qtbot.waitUntil(lambda: bool(networks.last.of_type(FileEnd)), timeout=5000)
    end = networks.last.of_type(FileEnd)[0]
    assert end.state is FileEndState.DONE  # type: ignore[attr-defined]
    assert (tmp_path / "Downloads" / "fix.sh").read_bytes() == data
    qtbot.waitUntil(lambda: dialog.show_button.isVisible())
