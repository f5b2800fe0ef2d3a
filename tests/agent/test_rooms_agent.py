"""The agent's side of rooms: the colleagues panel, the invitation prompt, the history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from assist_agent.history import History, SessionRecord
from assist_agent.windows.colleagues import ColleaguesPanel, InvitationDialog, InviteDialog
from common.messages import Colleague, Invited, InviteKind, PresenceState

PEOPLE = (
    Colleague("jisoo", "Lee Jisoo", "Network", PresenceState.AVAILABLE, False),
    Colleague("doyun", "Park Doyun", "Network", PresenceState.BUSY, True),
    Colleague("minji", "Kim Minji", "Desk", PresenceState.AVAILABLE, True),
)


def pick(panel: ColleaguesPanel, name: str) -> None:
    for i in range(panel.list.count()):
        if panel.list.item(i).toolTip() == name:
            panel.list.setCurrentRow(i)


def test_only_the_lead_invites_and_only_someone_free(qtbot: QtBot, monkeypatch) -> None:
    panel = ColleaguesPanel("minji")
    qtbot.addWidget(panel)
    panel.set_colleagues(PEOPLE)
    names = [panel.list.item(i).toolTip() for i in range(panel.list.count())]
    assert "minji" not in names  # not ourselves
    pick(panel, "jisoo")
    assert not panel.help_button.isEnabled()  # no session yet
    panel.set_session(True, True)
    assert panel.help_button.isEnabled() and panel.handover_button.isEnabled()
    pick(panel, "doyun")
    assert not panel.help_button.isEnabled()  # already in a session
    pick(panel, "jisoo")
    panel.set_session(True, False)  # a helper does not invite
    assert not panel.help_button.isEnabled()
    panel.set_session(True, True)
    monkeypatch.setattr(InviteDialog, "ask", classmethod(lambda cls, p, n, k: ("wifi", "note")))
    with qtbot.wait_signal(panel.invite_requested) as asked:
        panel.handover_button.click()
    assert asked.args == ["jisoo", InviteKind.HANDOVER, "wifi", "note"]


def test_a_supervisor_may_watch_a_colleague_in_a_session(qtbot: QtBot) -> None:
    panel = ColleaguesPanel("minji")
    qtbot.addWidget(panel)
    panel.supervisor = True
    panel.set_colleagues(PEOPLE)
    pick(panel, "doyun")
    assert panel.watch_button.isEnabled()
    with qtbot.wait_signal(panel.supervise_requested) as asked:
        panel.watch_button.click()
    assert asked.args == ["doyun"]


def test_an_invitation_is_declined_when_closed_and_cannot_be_accepted_while_busy(
    qtbot: QtBot,
) -> None:
    inv = Invited(
        7, "482", InviteKind.HELP, "minji", "Kim Minji", "Acme", "wifi", bytes(32), b"", 60
    )
    dialog = InvitationDialog(inv, busy=True)
    qtbot.addWidget(dialog)
    assert not dialog.accept_button.isEnabled()
    with qtbot.wait_signal(dialog.answered) as answer:
        dialog.reject()
    assert answer.args == [inv, False]


def test_the_history_keeps_who_was_in_the_room_and_upgrades_an_old_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    db = sqlite3.connect(path)  # a history from before rooms: no room column
    db.executescript(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL,"
        " ended REAL NOT NULL, code TEXT NOT NULL DEFAULT '', nameplate TEXT NOT NULL DEFAULT '',"
        " agent_name TEXT NOT NULL DEFAULT '', agent_display_name TEXT NOT NULL DEFAULT '',"
        " agent_org TEXT NOT NULL DEFAULT '', ending TEXT NOT NULL, ending_text TEXT NOT NULL"
        " DEFAULT '', notes TEXT NOT NULL DEFAULT '', chat TEXT NOT NULL DEFAULT '[]',"
        " chat_text TEXT NOT NULL DEFAULT '', steps TEXT NOT NULL DEFAULT '[]', rating_stars"
        " INTEGER, rating_comment TEXT NOT NULL DEFAULT '', frames INTEGER NOT NULL DEFAULT 0,"
        " screenshot BLOB);"
        "INSERT INTO sessions (started, ended, ending) VALUES (1, 2, 'agent ended');"
    )
    db.commit()
    db.close()
    history = History(path)
    assert history.search()[0].room == []
    room = [{"at": 3.0, "event": "invite_joined", "who": "Lee Jisoo"}]
    row = history.add(SessionRecord(started=3, ended=4, ending="agent ended", room=room))
    got = history.get(row)
    assert got is not None and got.room == room
