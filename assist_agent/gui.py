"""Starting the agent's window: its objects, sign-in, and the last-resort error handler."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from assist_agent import config, history
from assist_agent.config import ConfigFile, Settings
from assist_agent.desk import Desk
from assist_agent.drawing import Drawing
from assist_agent.guidance import CANNED_FILE, Guidance
from assist_agent.history import History
from assist_agent.presence import IdleWatch
from assist_agent.recorder import Recorder
from assist_agent.session import RATING_WAIT_S
from assist_agent.windows.main_window import MainWindow
from assist_agent.windows.style import STYLE
from assist_agent.windows.viewer import image_from_bgra
from assist_ui import i18n
from assist_ui.collector import GuiThreadCollector
from assist_ui.signals import SignalWatch


class ErrorNotice:
    """Tells the agent something unexpected happened (details are in the log)."""

    @classmethod
    def show(cls, parent: QWidget | None) -> None:
        QMessageBox.warning(
            parent,
            QCoreApplication.translate("ErrorNotice", "Something went wrong"),
            QCoreApplication.translate(
                "ErrorNotice",
                "Something unexpected went wrong. Your session may go on; if it does not, "
                "start a new one. The details were written to the log file.",
            ),
        )


@dataclass
class Agent:
    """Everything the window runs on, built in one place (tests build it too)."""

    desk: Desk
    window: MainWindow
    history: History


def build(
    settings: Settings,
    *,
    config_file: ConfigFile | None = None,
    rating_wait_s: float = RATING_WAIT_S,
) -> Agent:
    data = config.data_dir()
    store = History(data / history.FILE_NAME)
    drawing = Drawing()
    guidance = Guidance(data / CANNED_FILE)
    recorder = Recorder(store)
    desk = Desk(
        settings,
        config_file=config_file or ConfigFile(),
        recorder=recorder,
        guidance=guidance,
        drawing=drawing,
        make_image=image_from_bgra,
        rating_wait_s=rating_wait_s,
    )
    recorder.setParent(desk)
    drawing.setParent(desk)
    guidance.setParent(desk)
    window = MainWindow(desk, store)
    desk.setParent(window)
    return Agent(desk, window, store)


def start(agent: Agent, settings: Settings, *, new_session: bool = False) -> None:
    """Sign in with the remembered token, or ask for one.

    With ``new_session`` (``--new-session``) the first successful sign-in starts a
    session at once, and its code is printed as ``code: NNN-NNN-NNN`` when it is ready.
    """
    if new_session:
        _session_after_sign_in(agent.desk)
    if settings.token:
        agent.window.show_sign_in(settings.relay, settings.token)
        agent.desk.sign_in()
    else:
        agent.window.show_sign_in(settings.relay, None)


def _session_after_sign_in(desk: Desk) -> None:
    def on_signed_in() -> None:
        desk.signed_in.disconnect(on_signed_in)
        session = desk.new_session()
        if session is not None:
            session.code_ready.connect(_print_code)

    desk.signed_in.connect(on_signed_in)


def _print_code(code: str, _expires_s: int) -> None:
    if sys.stdout is not None:  # None in a Windows GUI process without a console
        print(f"code: {code}", flush=True)


def run_gui(settings: Settings, *, new_session: bool = False) -> int:
    from assist_agent import logs

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Assist Agent")
    GuiThreadCollector(app)  # Qt objects are finalized on this thread only
    i18n.install(app, settings.lang)
    app.setStyleSheet(STYLE)
    agent = build(settings)
    crash_hook = logs.install_excepthook(lambda: ErrorNotice.show(agent.window))
    agent.window.show()
    # Away after 10 minutes without input in the app, available again at the next.
    idle = IdleWatch(parent=agent.window)
    app.installEventFilter(idle)
    idle.went_away.connect(lambda: agent.desk.idle(True))
    idle.came_back.connect(lambda: agent.desk.idle(False))
    start(agent, settings, new_session=new_session)

    # Ctrl+C or a TERM signal closes the window properly: the session ends (the customer
    # is told), history is saved; assist_ui.signals ends the process if that takes too long.
    def close_window(_signum: int) -> None:
        agent.window.close()

    watch = SignalWatch(close_window, parent=agent.window)
    watch.install()
    code = app.exec()
    watch.uninstall()
    del crash_hook
    return code
