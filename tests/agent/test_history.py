"""Every session is kept in the agent's history, searchable, and it survives a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from assist_agent import gui
from assist_agent.history import History, SessionRecord
from assist_agent.model import State
from tests.agent.test_window_session import open_session, wait_state
from tests.helpers.fake_customer import FakeCustomer
from tests.helpers.relay_thread import RelayThread


def test_history_rows_are_written_at_the_end_and_survive_a_restart(
    make_agent: Callable[..., gui.Agent],
    relay: RelayThread,
    customers: Callable[..., FakeCustomer],
    qtbot: QtBot,
) -> None:
    agent = make_agent()
    window = agent.window
    session = open_session(agent, qtbot)
    fake = customers(relay.url, session.code)
    wait_state(qtbot, session, State.SHARING)
    qtbot.waitUntil(lambda: not window.viewer.canvas.isNull(), timeout=10_000)
    panel = window.guidance_panel
    agent.desk.guidance.send_chat("Please open the router page")
    fake.chat("The light is blinking orange")
    qtbot.waitUntil(lambda: len(agent.desk.guidance.chat) == 2, timeout=5000)
    agent.desk.guidance.add_step("Restart the router")
    panel.notes.editor.insertPlainText("Router firmware 2.1; 공유기 재부팅 후 해결")
    panel.notes.keep_screenshot.setChecked(True)

    with qtbot.wait_signal(agent.desk.recorder.saved, timeout=10_000) as saved:
        agent.desk.end_session()
    wait_state(qtbot, session, State.ENDED)
    row = saved.args[0]
    window.close()  # the app quits

    again = make_agent()  # ... and starts again, on the same folders
    rec = again.history.get(row)
    assert rec is not None
    assert rec.ending == "agent ended" and rec.ending_text == "You ended the session."
    nameplate, *secret = session.code.split("-")
    assert rec.nameplate == nameplate and rec.code == f"{nameplate}-•••-•••"
    assert "".join(secret) not in rec.code  # the secret digits never reach the disk
    assert (rec.agent_display_name, rec.agent_org) == ("Alice Kim", "Acme Support")
    assert rec.notes == "Router firmware 2.1; 공유기 재부팅 후 해결"
    assert [c["text"] for c in rec.chat] == [
        "Please open the router page",
        "The light is blinking orange",
    ]
    assert [c["from"] for c in rec.chat] == ["agent", "customer"]
    assert rec.steps == [{"number": 1, "text": "Restart the router", "done": False}]
    assert (rec.rating_stars, rec.rating_comment) == (5, "Thank you, that fixed it.")
    assert rec.screenshot is not None
    shot = QImage.fromData(rec.screenshot)
    assert (shot.width(), shot.height()) == (640, 400)
    assert rec.frames > 0 and rec.ended >= rec.started

    # the History view lists it and finds it by chat, notes or comment
    again.window.toolbar.act_history.trigger()
    view = again.window.history_view
    assert view is not None and view.isVisible()
    assert view.list.topLevelItemCount() == 1
    assert "★★★★★" in view.list.topLevelItem(0).text(3)
    assert "Restart the router" in view.detail.toPlainText()
    assert view.shot.pixmap() is not None and not view.shot.pixmap().isNull()
    for query, hits in (("blinking", 1), ("재부팅", 1), ("fixed", 1), ("printer", 0)):
        view.search.setText(query)
        qtbot.waitUntil(lambda h=hits: view.list.topLevelItemCount() == h, timeout=2000)


def test_notes_written_after_the_end_reach_the_saved_row(
    make_agent: Callable[..., gui.Agent], relay: RelayThread, qtbot: QtBot
) -> None:
    agent = make_agent()
    session = open_session(agent, qtbot)
    with qtbot.wait_signal(agent.desk.recorder.saved, timeout=10_000) as saved:
        qtbot.mouseClick(agent.window.code_panel.cancel_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, session, State.ENDED)
    agent.window.guidance_panel.notes.editor.setPlainText("Customer hung up before joining.")
    qtbot.waitUntil(
        lambda: agent.history.get(saved.args[0]).notes == "Customer hung up before joining.",
        timeout=5000,
    )


def test_search_matches_notes_chat_and_comments_only(tmp_path: Path) -> None:
    h = History(tmp_path / "h.sqlite")
    now = time.time()
    a = h.add(SessionRecord(now - 60, now, "agent ended", notes="VPN 100% broken"))
    b = h.add(
        SessionRecord(
            now - 30,
            now,
            "customer stopped",
            chat=[{"from": "customer", "text": "프린터가 안 돼요", "sent_ms": 1}],
            rating_stars=4,
            rating_comment="quick_fix",
        )
    )
    assert [r.id for r in h.search()] == [b, a]  # newest first
    assert [r.id for r in h.search("100%")] == [a]
    assert [r.id for r in h.search("100_")] == []  # % and _ are literal
    assert [r.id for r in h.search("프린터")] == [b]
    assert [r.id for r in h.search("quick_fix")] == [b]
    assert [r.id for r in h.search("customer stopped")] == []  # the ending is not searched
    assert [r.id for r in h.search("sent_ms")] == []  # nor the chat's JSON keys
    assert [r.id for r in h.search("vpn broken")] == [a]  # every word, case-insensitive
    assert h.get(9999) is None
