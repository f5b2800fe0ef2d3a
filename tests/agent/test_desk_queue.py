"""The help desk in the agent's window: the waiting list and the callbacks, what the
buttons send, and presence that goes Away after idle and comes back by itself."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from assist_agent.presence import IdleWatch
from assist_agent.windows.desk_queue import BlockDialog, QueuePanel, RescheduleDialog
from common.errors import DeskError
from common.messages import CallbackItem, Outcome, WaitingItem

NOW = int(time.time())
WAITING = (
    WaitingItem("t-old", "internet", 754, "Park Jiwoo 박지우", "인터넷이 자꾸 끊겨요", 2, False),
    WaitingItem("t-away", "internet", 300, "Lee Minho", "Printer offline", 0, True),
    WaitingItem("t-new", "pc", 12, "Choi Yuna", "Virus warning popup", 0, False),
)
CALLS = (
    CallbackItem("cb-late", "billing", NOW - 3600, NOW - 1800, "Kim Sora", "010-2222-3333",
                 "Charged twice", False, NOW - 86400),
    CallbackItem("cb-next", "billing", NOW + 1800, NOW + 3600, "Jung Hoon", "", "Refund",
                 True, NOW - 600, True),
)  # fmt: skip


def test_the_waiting_list_shows_who_how_long_and_the_repeat_mark(qtbot: QtBot) -> None:
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.set_waiting(WAITING, 3)
    assert panel.tabs.tabText(0) == "Waiting (3)"
    first = panel.waiting.topLevelItem(0)
    assert first is not None
    assert first.text(0) == "12:34" and "↻ 2 earlier" in first.text(2)
    assert "Their connection dropped" in panel.waiting.topLevelItem(1).toolTip(2)
    taken: list[str] = []
    panel.take_ticket.connect(taken.append)
    nexts: list[bool] = []
    panel.take_next.connect(lambda: nexts.append(True))
    panel.waiting.topLevelItem(1).setSelected(True)  # away: nobody can answer them now
    assert not panel.take_button.isEnabled()
    panel.waiting.clearSelection()
    panel.waiting.topLevelItem(2).setSelected(True)
    panel.take_button.click()
    panel.take_next_button.click()
    assert taken == ["t-new"] and nexts == [True]
    panel.set_busy(True)  # in a session: finish it first
    assert not panel.take_next_button.isEnabled() and not panel.take_button.isEnabled()
    panel.set_waiting((), 0)
    assert panel.empty.isVisibleTo(panel) and not panel.take_next_button.isEnabled()


def test_callbacks_by_window_with_the_late_one_marked_and_outcomes_sent(
    qtbot: QtBot, monkeypatch: object
) -> None:
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.set_callbacks(CALLS)
    assert panel.tabs.tabText(1) == "Callbacks (2)"
    late, nxt = panel.calls.topLevelItem(0), panel.calls.topLevelItem(1)
    assert late is not None and nxt is not None
    assert late.text(0).endswith("(late)") and nxt.text(3) == "in the app (open now)"
    sent: list[tuple[str, Outcome, int, str]] = []
    panel.outcome.connect(lambda *a: sent.append(a))
    assert not panel.done_button.isEnabled()
    late.setSelected(True)
    panel.no_answer_button.click()
    monkeypatch.setattr(RescheduleDialog, "ask", classmethod(lambda cls, p, c: NOW + 86400))  # type: ignore[attr-defined]
    panel.reschedule_button.click()
    assert sent == [
        ("cb-late", Outcome.NO_ANSWER, 0, ""),
        ("cb-late", Outcome.RESCHEDULED, NOW + 86400, ""),
    ]
    late.setSelected(False)
    nxt.setSelected(True)  # their app waits: call them in the app
    taken: list[str] = []
    panel.take_ticket.connect(taken.append)
    assert panel.call_app_button.isEnabled()
    panel.call_app_button.click()
    assert taken == ["cb:cb-next"]
    panel.show_notice(DeskError("CALLBACK_GONE"))
    assert "no longer open" in panel.status.text()


def test_idle_goes_away_and_input_comes_back(qtbot: QtBot) -> None:
    clock = [1000.0]
    watch = IdleWatch(away_after_s=600)
    watch._clock = lambda: clock[0]  # noqa: SLF001 - a fake clock
    watch.last_input = clock[0]
    events: list[str] = []
    watch.went_away.connect(lambda: events.append("away"))
    watch.came_back.connect(lambda: events.append("back"))
    clock[0] += 599
    watch.check()
    assert events == []
    clock[0] += 2
    watch.check()
    watch.check()
    assert events == ["away"]
    from PySide6.QtCore import QEvent, QObject

    watch.eventFilter(QObject(), QEvent(QEvent.Type.KeyPress))
    assert events == ["away", "back"]


def test_a_supervisor_blocks_a_waiting_customer_and_an_agent_cannot(
    qtbot: QtBot, monkeypatch: object
) -> None:
    panel = QueuePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_waiting(WAITING, 3)
    assert not panel.block_button.isVisible()  # an agent: no such button
    panel.set_supervisor(True)
    assert panel.block_button.isVisible() and not panel.block_button.isEnabled()
    panel.waiting.topLevelItem(1).setSelected(True)  # away customers can be blocked too
    assert panel.block_button.isEnabled()
    asked: list[str] = []

    def ask(cls: object, parent: object, name: str) -> tuple[int, str]:
        asked.append(name)
        return 7 * 24 * 60, "threatened the agent"

    monkeypatch.setattr(BlockDialog, "ask", classmethod(ask))  # type: ignore[attr-defined]
    sent: list[tuple[str, int, str]] = []
    panel.block.connect(lambda *a: sent.append(a))
    panel.block_button.click()
    assert asked == ["Lee Minho"]
    assert sent == [("t-away", 7 * 24 * 60, "threatened the agent")]
    panel.show_blocked(NOW + 7 * 86400)
    assert panel.status.text().startswith("Blocked from the queues until ")


def test_the_block_dialog_needs_a_reason(qtbot: QtBot) -> None:
    dialog = BlockDialog("Park Jiwoo 박지우")
    qtbot.addWidget(dialog)
    dialog._accept()
    assert "say why" in dialog.error.text() and dialog.result() == 0
    dialog.reason.setPlainText("  shouted at the agent  ")
    dialog.duration.setCurrentIndex(0)
    dialog._accept()
    assert dialog.result() == 1 and dialog.choice() == (60, "shouted at the agent")
