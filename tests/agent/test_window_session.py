"""The window through whole sessions: a real relay on loopback and a scripted customer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from assist_agent import gui
from assist_agent.drawing import Tool
from assist_agent.model import Ending, State
from assist_agent.session import AgentSession
from assist_agent.windows.main_window import EndConfirm
from common.messages import (
    Chat,
    EndReason,
    FrameAck,
    MonitorInfo,
    Monitors,
    MonitorSwitch,
    SessionEnd,
    Shape,
    ShapeTool,
    Step,
)
from tests.helpers.codes import a_guess
from tests.helpers.fake_customer import FakeCustomer
from tests.helpers.relay_thread import RelayThread

MakeAgent = Callable[..., gui.Agent]
Customers = Callable[..., FakeCustomer]


def signed_in(agent: gui.Agent, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: agent.desk.identity is not None, timeout=10_000)


def open_session(agent: gui.Agent, qtbot: QtBot) -> AgentSession:
    signed_in(agent, qtbot)
    session = agent.desk.new_session()
    assert session is not None
    qtbot.waitUntil(lambda: session.code is not None, timeout=10_000)
    return session


def wait_state(qtbot: QtBot, session: AgentSession, state: State, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: session.state is state, timeout=timeout)


def test_the_state_line_follows_a_whole_session(
    make_agent: MakeAgent,
    relay: RelayThread,
    customers: Customers,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = make_agent()
    window = agent.window
    signed_in(agent, qtbot)
    assert window.pages.currentWidget() is window.split
    assert window.state_card.title.text() == "Ready"
    assert "Alice Kim" in window.state_card.identity.text()

    seen: list[tuple[State, str]] = []
    agent.desk.session_started.connect(
        lambda s: s.state_changed.connect(
            lambda st: seen.append((st, window.state_card.title.text()))
        )
    )
    session = open_session(agent, qtbot)
    code_text = window.code_panel.digits.text()
    assert code_text == session.code.replace("-", " ") and len(code_text.split()) == 3
    assert window.code_panel.expiry.text().startswith("Expires in 9:5")
    assert window.left.currentWidget() is window.home

    fake = customers(relay.url, session.code, consent_delay=0.3)
    wait_state(qtbot, session, State.SHARING)
    qtbot.waitUntil(lambda: not window.viewer.canvas.isNull(), timeout=10_000)
    assert window.left.currentWidget() is window.viewer
    assert window.viewer.canvas.size().toTuple() == (640, 400)
    expected = fake._desktop.frame(0)[5, 5]  # background, the same in every frame
    got = QColor(window.viewer.canvas.pixel(QPoint(5, 5)))
    assert (got.blue(), got.green(), got.red()) == tuple(expected[:3])
    qtbot.waitUntil(lambda: len(fake.of_type(FrameAck)) >= 3, timeout=10_000)
    qtbot.waitUntil(lambda: "fps" in window.status_label.text(), timeout=3000)

    fake.pause(True)
    wait_state(qtbot, session, State.PAUSED)
    assert window.viewer.paused
    fake.pause(False)
    wait_state(qtbot, session, State.SHARING)

    # "End session" with a customer there asks once; "Keep helping" changes nothing.
    asked: list[bool] = []
    monkeypatch.setattr(EndConfirm, "ask", classmethod(lambda cls, parent: asked.append(False)))
    qtbot.mouseClick(window.toolbar.end_button, Qt.MouseButton.LeftButton)
    assert asked == [False]
    qtbot.wait(300)
    assert session.state is State.SHARING
    monkeypatch.setattr(EndConfirm, "ask", classmethod(lambda cls, parent: True))
    qtbot.mouseClick(window.toolbar.end_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, session, State.ENDED)
    assert [s for s, _ in seen] == [
        State.WAITING,
        State.DECIDING,
        State.SHARING,
        State.PAUSED,
        State.SHARING,
        State.WAITING_RATING,
        State.ENDED,
    ]
    titles = dict(seen)
    assert titles[State.WAITING] == "Waiting for the customer"
    assert titles[State.DECIDING] == "The customer is deciding"
    assert titles[State.PAUSED] == "Paused by the customer"
    assert titles[State.WAITING_RATING] == "Waiting for the customer's rating"
    assert window.state_card.title.text() == "Session ended"
    detail = window.state_card.detail.text()
    assert "You ended the session." in detail and "★★★★★" in detail
    assert not window.toolbar.end_button.isEnabled()
    assert window.state_card.new_button.isVisible()


def test_declined_expired_and_refused_say_why(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    customers(relay.url, session.code, decline=True)
    wait_state(qtbot, session, State.ENDED)
    assert session.outcome is not None and session.outcome.ending is Ending.DECLINED
    assert agent.window.state_card.detail.text() == "The customer declined to share their screen."

    # a wrong secret: both sides see the mismatch, the nameplate is burned
    session = open_session(agent, qtbot)
    customers(relay.url, a_guess(session.code).display())
    wait_state(qtbot, session, State.ENDED)
    assert session.outcome is not None and session.outcome.ending is Ending.CODE_MISMATCH
    assert "did not match" in agent.window.state_card.detail.text()


def test_an_unused_code_expires(english: object, tmp_path: Path, qtbot: QtBot) -> None:
    from assist_agent import config

    with RelayThread(tmp_path / "relay", nameplate_ttl_s=1.0) as relay:
        settings = config.resolve(relay.url, relay.token, "en")
        agent = gui.build(settings)
        qtbot.add_widget(agent.window)
        agent.window.show()
        gui.start(agent, settings)
        session = open_session(agent, qtbot)
        wait_state(qtbot, session, State.ENDED, timeout=8000)
        assert session.outcome is not None and session.outcome.ending is Ending.EXPIRED
        assert "expired" in agent.window.state_card.detail.text()
        agent.window.close()


def test_a_refused_token_brings_back_the_sign_in_page(
    make_agent: MakeAgent, qtbot: QtBot, home: Path
) -> None:
    agent = make_agent(token="ar1_wrong.token")
    page = agent.window.sign_in_page
    qtbot.waitUntil(lambda: "token" in page.status.text(), timeout=10_000)
    assert agent.window.pages.currentWidget() is page
    assert "did not accept your agent token" in page.status.text()
    assert page.button.isEnabled()
    assert not (home / "config" / "assist" / "agent.toml").exists(), "a refused token is not kept"


def test_signing_in_remembers_the_token_privately(
    make_agent: MakeAgent, relay: RelayThread, qtbot: QtBot, home: Path
) -> None:
    agent = make_agent(start=False)
    agent.window.show_sign_in(relay.url, None)
    agent.window.sign_in_page.token.setText(relay.token)
    qtbot.mouseClick(agent.window.sign_in_page.button, Qt.MouseButton.LeftButton)
    signed_in(agent, qtbot)
    saved = home / "config" / "assist" / "agent.toml"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert relay.token in saved.read_text()


def test_guidance_and_marks_reach_the_customer(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    window = agent.window
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code)
    wait_state(qtbot, session, State.SHARING)
    qtbot.waitUntil(lambda: not window.viewer.canvas.isNull(), timeout=10_000)

    chat = window.guidance_panel.chat
    qtbot.keyClicks(chat.input, "Click the Wi-Fi switch")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    assert fake.wait_for(Chat)[0].text == "Click the Wi-Fi switch"
    fake.chat("Done, it's on")
    qtbot.waitUntil(lambda: "Done, it" in chat.transcript.toPlainText(), timeout=5000)

    steps = window.guidance_panel.steps
    qtbot.keyClicks(steps.input, "Open Network settings")
    qtbot.keyClick(steps.input, Qt.Key.Key_Return)
    assert fake.wait_for(Step)[0] == Step(1, "Open Network settings", False)
    steps.list.item(0).setCheckState(Qt.CheckState.Checked)
    assert fake.wait_for(Step, count=2)[1] == Step(1, "Open Network settings", True)

    agent.desk.drawing.set_tool(Tool.ARROW)
    window.toolbar.tool_actions[Tool.RECT].trigger()
    assert agent.desk.drawing.tool is Tool.RECT
    agent.desk.drawing.press(50, 60)
    agent.desk.drawing.release(300, 200)
    shape = fake.wait_for(Shape)[0]
    assert shape.tool is ShapeTool.RECT and shape.points == ((50, 60), (300, 200))


def test_drawing_is_greyed_out_when_the_customer_did_not_allow_it(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    customers(relay.url, session.code, allow_draw=False)
    wait_state(qtbot, session, State.SHARING)
    arrow = agent.window.toolbar.tool_actions[Tool.ARROW]
    qtbot.waitUntil(lambda: "did not allow drawing" in arrow.toolTip(), timeout=3000)
    assert not arrow.isEnabled()
    assert "did not allow drawing" in agent.window.state_card.detail.text()


def test_a_customer_who_drops_is_waited_for(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code)
    wait_state(qtbot, session, State.SHARING)
    titles: list[str] = []
    session.state_changed.connect(lambda _: titles.append(agent.window.state_card.title.text()))
    fake.drop()
    qtbot.waitUntil(lambda: len(titles) >= 2, timeout=10_000)
    assert titles[:2] == ["The customer is reconnecting", "Sharing"]
    assert session.state is State.SHARING
    # Stop only once the customer's channel is back in step (new acks arrive), otherwise
    # its SessionEnd is still held for resending when it says bye (see the report).
    before = len(fake.of_type(FrameAck))
    qtbot.waitUntil(lambda: len(fake.of_type(FrameAck)) > before + 1, timeout=10_000)
    fake.stop_sharing()
    wait_state(qtbot, session, State.ENDED)
    assert session.outcome is not None and session.outcome.ending is Ending.CUSTOMER_STOPPED
    assert session.rating == (5, "Thank you, that fixed it.")


def test_our_own_drop_shows_reconnecting_and_the_session_goes_on(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code)
    wait_state(qtbot, session, State.SHARING)
    titles: list[str] = []
    session.state_changed.connect(lambda _: titles.append(agent.window.state_card.title.text()))
    session._net.call(session.connection.drop_connection)
    qtbot.waitUntil(lambda: len(titles) >= 2, timeout=10_000)
    assert titles[:2] == ["Reconnecting…", "Sharing"], titles
    before = len(fake.of_type(FrameAck))
    qtbot.waitUntil(lambda: len(fake.of_type(FrameAck)) > before + 2, timeout=10_000)


def test_asking_for_another_monitor_reaches_the_customer(
    make_agent: MakeAgent, relay: RelayThread, customers: Customers, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code)
    wait_state(qtbot, session, State.SHARING)
    two = (
        MonitorInfo(0, 0, 0, 640, 400, 100, "Built-in display", True),
        MonitorInfo(1, 640, 0, 1920, 1080, 150, "DELL U2720Q", False),
    )
    fake.send(Monitors(two, 0))
    button = agent.window.toolbar.monitor_button
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    actions = button.menu().actions()
    assert [a.text() for a in actions] == [
        "1: Built-in display (640×400)",
        "2: DELL U2720Q (1920×1080)",
    ]
    assert actions[0].isChecked()
    actions[1].trigger()
    assert fake.wait_for(MonitorSwitch)[0] == MonitorSwitch(1)


def test_ending_before_the_customer_decided_does_not_wait_for_a_rating(
    make_agent: MakeAgent,
    relay: RelayThread,
    customers: Customers,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = make_agent(rating_wait_s=30)
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code, consent_delay=5.0)
    qtbot.waitUntil(lambda: session.connected_at is not None, timeout=10_000)
    assert agent.window.state_card.title.text() == "The customer is deciding"
    monkeypatch.setattr(EndConfirm, "ask", classmethod(lambda cls, parent: True))
    qtbot.mouseClick(agent.window.toolbar.end_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, session, State.ENDED, timeout=3000)
    assert session.outcome is not None and session.outcome.ending is Ending.AGENT_ENDED
    assert fake.wait_for(SessionEnd)[0].reason is EndReason.AGENT_ENDED


def test_notes_reach_the_desk_records_during_and_after_a_code_session(
    make_agent: MakeAgent,
    relay: RelayThread,
    customers: Customers,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typed in the Notes tab, the notes reach the relay's contact record once typing
    pauses; after the session (the outcome screen) the newest replaces them."""
    from relay.store import Store

    def kept() -> list[str]:
        store = Store.open(relay.data_dir)
        try:
            sessions = store.sessions()
            contact = store.records.by_session(sessions[0].id) if sessions else None
            return [n.text for n in store.records.notes(contact.id)] if contact else []
        finally:
            store.close()

    agent = make_agent()
    window = agent.window
    session = open_session(agent, qtbot)
    customers(relay.url, session.code, consent_delay=0.1)
    wait_state(qtbot, session, State.SHARING)
    editor = window.guidance_panel.notes.editor
    editor.setPlainText("Printer queue stuck")
    qtbot.waitUntil(lambda: kept() == ["Printer queue stuck"], timeout=10_000)
    monkeypatch.setattr(EndConfirm, "ask", classmethod(lambda cls, parent: True))
    qtbot.mouseClick(window.toolbar.end_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, session, State.ENDED)
    editor.setPlainText("Printer queue stuck; cleared the spooler, printing again")
    qtbot.waitUntil(
        lambda: kept() == ["Printer queue stuck; cleared the spooler, printing again"],
        timeout=10_000,
    )
