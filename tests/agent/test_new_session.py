"""``assist-agent --new-session``: signed in, a session starts at once and its code is printed."""

from __future__ import annotations

import re
import select
import signal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from assist_agent import config, gui
from assist_agent.model import State
from tests.agent.conftest import window_process
from tests.helpers.relay_thread import RelayThread
from tests.helpers.xvfb import running_xvfb

REPO = Path(__file__).resolve().parents[2]
CODE_LINE = r"code: (\d{3}-\d{3}-\d{3})"


def test_the_first_sign_in_opens_a_session_and_prints_its_code(
    english: QApplication, relay: RelayThread, qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.resolve(relay.url, relay.token, "en")
    agent = gui.build(settings)
    qtbot.add_widget(agent.window)
    agent.window.show()
    gui.start(agent, settings, new_session=True)

    printed: list[str] = []

    def code_printed() -> bool:
        printed.extend(capsys.readouterr().out.splitlines())
        return bool(printed)

    qtbot.waitUntil(code_printed, timeout=10_000)
    session = agent.desk.session
    assert session is not None and session.state is State.WAITING
    assert printed == [f"code: {session.code}"]
    assert re.fullmatch(CODE_LINE, printed[0])
    window = agent.window
    assert window.left.currentWidget() is window.home
    assert window.code_panel.digits.text() == session.code.replace("-", " ")

    # Only the first sign-in does it: after this code is cancelled, signing in again
    # (a new token, say) leaves the agent ready, with no session they did not ask for.
    agent.desk.end_session()
    qtbot.waitUntil(lambda: session.state is State.ENDED, timeout=10_000)
    with qtbot.wait_signal(agent.desk.signed_in, timeout=10_000):
        agent.desk.sign_in()
    assert agent.desk.session is session
    assert capsys.readouterr().out == ""
    agent.window.close()


def test_without_the_option_signing_in_only_gets_ready(
    english: QApplication, relay: RelayThread, qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config.resolve(relay.url, relay.token, "en")
    agent = gui.build(settings)
    qtbot.add_widget(agent.window)
    agent.window.show()
    with qtbot.wait_signal(agent.desk.signed_in, timeout=10_000):
        gui.start(agent, settings)
    assert agent.desk.session is None
    assert agent.window.state_card.title.text() == "Ready"
    assert capsys.readouterr().out == ""
    agent.window.close()


@pytest.mark.xvfb
def test_the_window_process_prints_the_code_as_a_line_on_a_pipe(
    relay: RelayThread, home: Path
) -> None:
    """What ``make demo`` relies on: the line arrives while the window is still open."""
    with running_xvfb("1280x800x24") as display:
        proc = window_process(relay, home, display, "--lang", "en", "--new-session")
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, "no line within 30 s: was it flushed?"
            line = proc.stdout.readline().rstrip("\n")
            assert re.fullmatch(CODE_LINE, line), (line, proc.poll())
            assert proc.poll() is None
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == "" and "Traceback" not in err
