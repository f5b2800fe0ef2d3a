"""The customer's windows: what a person reads and what their clicks do."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from assist_client.windows.bar import SharingBar
from assist_client.windows.consent import ConsentChoice, ConsentDialog
from assist_client.windows.ending import EndingDialog
from assist_client.windows.guidance import GuidancePanel
from assist_client.windows.join import JoinWindow, group_digits
from assist_ui import i18n
from common.codes import SessionCode
from common.identity import CheckedIdentity
from common.messages import Chat, Step
from tests.client.fakes import MONITOR, SECOND

WARNING = "Only continue if you contacted this organisation yourself."


@pytest.fixture
def korean(qapp: QApplication):
    i18n.install(qapp, "ko")
    yield
    i18n.install(qapp, "en")


def test_the_bar_shows_the_agents_name_and_org(qtbot: QtBot):
    bar = SharingBar("Alice Agent", "Acme")
    qtbot.addWidget(bar)
    assert bar.text.text() == "Your screen is being shared with Alice Agent (Acme)"
    with qtbot.wait_signal(bar.stop_requested):
        qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    with qtbot.wait_signal(bar.pause_requested):
        qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    bar.on_paused()
    assert "paused" in bar.text.text() and bar.pause_button.text() == "Resume"
    with qtbot.wait_signal(bar.resume_requested):
        qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    bar.on_reconnecting()
    assert "Reconnecting" in bar.text.text()
    bar.on_sharing()
    assert "Alice Agent (Acme)" in bar.text.text()


def test_the_bar_speaks_korean(qtbot: QtBot, korean: None):
    bar = SharingBar("김민아", "에이스 고객센터")
    qtbot.addWidget(bar)
    assert bar.text.text() == "김민아 (에이스 고객센터) 님에게 화면을 공유하고 있습니다"
    assert bar.stop_button.text() == "공유 중지"


def test_the_bar_sits_at_the_top_centre_and_knows_its_physical_pixels(qtbot: QtBot):
    bar = SharingBar("Alice Agent", "Acme")
    qtbot.addWidget(bar)
    bar.place_on(SECOND)
    g = bar.geometry()
    assert g.y() == 0 and abs((g.x() + g.width() / 2) - (640 + 400)) <= 1
    x, y, w, h = bar.physical_rect(SECOND)
    assert x <= g.x() - 640 and x + w >= g.x() - 640 + g.width() and y == 0


def test_consent_shows_who_asks_and_warns(qtbot: QtBot):
    dialog = ConsentDialog("Alice Agent", "Acme", [MONITOR])
    qtbot.addWidget(dialog)
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    joined = " ".join(labels)
    assert "Alice Agent" in joined and "from Acme" in joined
    assert WARNING in joined and "called you out of the blue" in joined
    assert "640 × 480" in joined
    assert not dialog.share_button.isDefault() and not dialog.share_button.autoDefault()


def test_closing_the_consent_prompt_declines(qtbot: QtBot):
    dialog = ConsentDialog("Alice Agent", "Acme", [MONITOR])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.close()
    assert dialog.result() == ConsentDialog.DialogCode.Rejected
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter never shares by accident
    assert dialog.result() == ConsentDialog.DialogCode.Rejected


def test_consent_with_several_monitors_offers_a_choice(qtbot: QtBot):
    dialog = ConsentDialog("Alice Agent", "Acme", [MONITOR, SECOND])
    qtbot.addWidget(dialog)
    assert dialog.choice() == ConsentChoice(True, 0)
    dialog.monitor_group.button(1).setChecked(True)
    dialog.draw_box.setChecked(False)
    assert dialog.choice() == ConsentChoice(False, 1)


def test_join_groups_digits_and_explains_mistakes(qtbot: QtBot):
    assert group_digits("482519307") == "482 519 307"
    assert group_digits("482-519-307") == "482 519 307"
    assert group_digits("４８２ ５１９ ３０７") == "482 519 307"
    assert group_digits("48O 519") == "48O 519"
    window = JoinWindow("ws://127.0.0.1:8765")
    qtbot.addWidget(window)
    qtbot.keyClicks(window.code_edit, "482519")
    assert window.code_edit.text() == "482 519"
    with qtbot.assert_not_emitted(window.code_submitted):
        qtbot.mouseClick(window.connect_button, Qt.MouseButton.LeftButton)
    assert "too short" in window.error_label.text()
    qtbot.keyClicks(window.code_edit, "308")
    with qtbot.assert_not_emitted(window.code_submitted):
        qtbot.keyClick(window.code_edit, Qt.Key.Key_Return)
    assert "typo" in window.error_label.text()
    qtbot.keyClick(window.code_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(window.code_edit, "9")
    with qtbot.wait_signal(window.code_submitted) as submitted:
        qtbot.keyClick(window.code_edit, Qt.Key.Key_Return)
    assert submitted.args == [SessionCode("482", "519309")]


def test_join_window_speaks_korean(qtbot: QtBot, korean: None):
    window = JoinWindow("ws://127.0.0.1:8765")
    qtbot.addWidget(window)
    assert window.connect_button.text() == "연결"
    window.set_code("48A")
    window._submit()
    assert window.error_label.text().startswith("'A'")
    assert "숫자" in window.error_label.text()


def test_guidance_shows_steps_and_chat_and_sends(qtbot: QtBot):
    panel = GuidancePanel("Alice Agent")
    qtbot.addWidget(panel)
    panel.on_step(Step(1, "Open Settings", True))
    panel.on_step(Step(2, "Click Add printer", False))
    panel.on_chat_received(Chat(1, "Hello <b>there</b>", 0))
    assert "Open Settings" in panel.steps_view.toPlainText()
    assert "2. Click Add printer" in panel.steps_view.toPlainText()
    assert "Hello <b>there</b>" in panel.chat_view.toPlainText()  # shown as text, not markup
    qtbot.keyClicks(panel.input, "It worked")
    with qtbot.wait_signal(panel.chat_typed) as typed:
        qtbot.keyClick(panel.input, Qt.Key.Key_Return)
    assert typed.args == ["It worked"] and panel.input.text() == ""


def test_ending_dialog_rates_with_stars_and_comment(qtbot: QtBot, tmp_path: Path):
    dialog = EndingDialog("You stopped sharing.", "Alice Agent", tmp_path / "recap.html")
    qtbot.addWidget(dialog)
    assert dialog.rating() is None and not dialog.send_button.isEnabled()
    qtbot.mouseClick(dialog.stars.button(4), Qt.MouseButton.LeftButton)
    dialog.comment.setPlainText("Very patient")
    assert dialog.send_button.isEnabled()
    assert dialog.rating() is not None and dialog.rating().stars == 4  # type: ignore[union-attr]
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "recap.html" in texts and "How did Alice Agent do?" in texts


FP = "10431 50316 44874 39421 09013 38841"


def badge_text(dialog: ConsentDialog) -> str:
    return " ".join(w.text() for w in dialog.badge.findChildren(QLabel))


def test_consent_says_verified_with_the_key_to_compare(qtbot: QtBot):
    who = CheckedIdentity(True, "Kim Minji", "Acme Support", "Network", "minji", FP, 0)
    dialog = ConsentDialog(who.display_name, who.org, [MONITOR], None, who)
    qtbot.addWidget(dialog)
    assert dialog.verified and dialog.badge.objectName() == "Verified"
    text = badge_text(dialog)
    assert "Verified: Acme Support vouches for this person" in text and "team Network" in text
    assert FP in text and "read it out and compare" in text


@pytest.mark.parametrize(
    "who,words",
    [
        (CheckedIdentity(False, "Kim", "Acme Support"), "comes from the relay server"),
        (CheckedIdentity(False, "Kim", "Acme Support", fingerprint=FP), "does not know"),
    ],
)
def test_consent_says_not_verified_in_words_not_only_colour(
    qtbot: QtBot, who: CheckedIdentity, words: str
):
    for identity in (who, None):
        dialog = ConsentDialog("Kim", "Acme Support", [MONITOR], None, identity)
        qtbot.addWidget(dialog)
        assert not dialog.verified and dialog.badge.objectName() == "Unverified"
        assert "Not verified" in badge_text(dialog)
    assert words in badge_text(ConsentDialog("Kim", "Acme", [MONITOR], None, who))
