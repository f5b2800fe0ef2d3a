"""The control prompt and the file prompt: one answer each, nothing pre-accepted, and
the bar says who is in control."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from assist_client.monitors import Monitor
from assist_client.windows.bar import SharingBar
from assist_client.windows.control_request import ControlRequestDialog
from assist_client.windows.file_offer import FileOfferDialog
from assist_ui.transfers import Offer
from common.messages import FileDirection, FileEndState

MONITOR = Monitor(0, 0, 0, 1280, 800, 1.0, 0.0, 0.0, "s", True)


def test_the_control_prompt_defaults_to_no_and_closing_declines_once(qtbot: QtBot) -> None:
    dialog = ControlRequestDialog("Alice Kim", "Acme Support", True, "mail settings")
    qtbot.addWidget(dialog)
    answers: list[bool] = []
    dialog.answered.connect(answers.append)
    dialog.show()
    assert dialog.decline_button.hasFocus() or dialog.focusWidget() is dialog.decline_button
    assert not dialog.allow_button.isDefault() and not dialog.allow_button.autoDefault()
    dialog.close()
    dialog.reject()
    assert answers == [False]


def test_a_withdrawn_control_prompt_answers_nothing(qtbot: QtBot) -> None:
    dialog = ControlRequestDialog("Alice Kim", "", False, "")
    qtbot.addWidget(dialog)
    answers: list[bool] = []
    dialog.answered.connect(answers.append)
    dialog.show()
    dialog.withdraw()
    assert answers == [] and not dialog.isVisible()


def test_the_bar_turns_to_control_and_back(qtbot: QtBot) -> None:
    bar = SharingBar("Alice Kim", "Acme Support")
    qtbot.addWidget(bar)
    bar.place_on(MONITOR)
    bar.show()
    bar.set_controller(1, "Alice Kim")
    assert bar.state == "control" and bar.stop_control_button.isVisible()
    assert "Alice Kim is controlling your computer" in bar.text.text()
    bar.on_protected("KeePass")
    assert "KeePass" in bar.text.text()
    with qtbot.wait_signal(bar.stop_control_requested):
        bar.stop_control_button.click()
    bar.set_controller(0, "")
    assert bar.state == "sharing" and not bar.stop_control_button.isVisible()
    bar.set_controller(1, "Alice Kim")
    bar.on_paused()
    assert bar.state == "paused"


def test_the_file_prompt_saves_only_after_yes_and_shows_where(qtbot: QtBot, tmp_path: Path) -> None:
    offer = Offer(7, 1, "fix.sh", "fix.sh", 4000, FileDirection.TO_CUSTOMER)
    dialog = FileOfferDialog(offer, "Alice Kim", tmp_path)
    qtbot.addWidget(dialog)
    got: list[tuple[int, object]] = []
    dialog.answered.connect(lambda t, f: got.append((t, f)))
    dialog.show()
    assert dialog.focusWidget() is dialog.decline_button
    dialog.accept()
    assert got == [(7, tmp_path)] and dialog.isVisible() and dialog.cancel_button.isVisible()
    dialog.on_progress(7, 2000, 4000)
    assert dialog.progress.value() == 500
    dialog.on_finished(7, FileEndState.DONE, str(tmp_path / "fix.sh"))
    assert dialog.show_button.isVisible() and "fix.sh" in dialog.status.text()


def test_closing_the_file_prompt_declines(qtbot: QtBot, tmp_path: Path) -> None:
    offer = Offer(9, 1, "a.zip", "a.zip", 10, FileDirection.TO_CUSTOMER)
    dialog = FileOfferDialog(offer, "Alice Kim", tmp_path)
    qtbot.addWidget(dialog)
    got: list[tuple[int, object]] = []
    dialog.answered.connect(lambda t, f: got.append((t, f)))
    dialog.show()
    dialog.close()
    assert got == [(9, None)]
