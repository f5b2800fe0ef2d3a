"""The agent's side of the autopilot demo: the real agent window, driven like a person would.

The window is built exactly as ``assist-agent`` builds it (:func:`assist_agent.gui.build`
and :func:`assist_agent.gui.start`) and fills the agent's screen. Commands (see
:mod:`tools.demo_runner`), each answered once its result shows:

``ready``                    signed in
``new``                      click **New session**; answers with the code
``deciding`` / ``sharing``   the customer is deciding / the customer's screen is shown
``pin``                      click **Pin**, so the marks stay
``draw TOOL X Y [X2 Y2]``    pick TOOL (``arrow``, ``rect``, ``step``...) in the toolbar and
                             drag (or click) on the viewer; points in customer pixels
``step TEXT``                add a numbered step in the Steps tab
``chat TEXT`` / ``heard TEXT``  write to the customer / their message arrived
``sees X Y #RRGGBB``          the customer's screen, as painted here, has that colour there
``end`` / ``ended``          click **End session** / the session is over
``quit``                     close the window (as the agent would) and exit
"""

from __future__ import annotations

import argparse
import sys
import time

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget

from assist_agent import config, gui
from assist_agent.drawing import Tool
from assist_agent.model import State
from assist_agent.windows.main_window import EndConfirm
from assist_agent.windows.style import STYLE
from assist_ui import i18n
from tools.demo_runner import Runner, click, drag, path, type_into

#: The customer's screen counts as calm after this long without a new frame.
CALM_S = 0.4


class AgentPilot(Runner):
    def __init__(self, agent: gui.Agent) -> None:
        super().__init__()
        self.agent = agent
        self.window = agent.window
        self.painted = 0
        self.last_paint = 0.0
        self.window.viewer.frame_painted.connect(self._on_painted)

    def _on_painted(self, _update: object) -> None:
        self.painted += 1
        self.last_paint = time.monotonic()

    def _state(self) -> State | None:
        session = self.agent.desk.session
        return session.state if session is not None else None

    def do_ready(self, _: str) -> None:
        self.when("the agent to sign in", lambda: self.agent.desk.identity is not None)

    def do_new(self, _: str) -> None:
        panel = self.window.code_panel
        click(panel.new_button)

        def shown() -> bool:
            return self._state() is State.WAITING and panel.digits.isVisible()

        self.when("a code", shown, lambda: self.reply(panel.code), settle_ms=300)

    def do_deciding(self, _: str) -> None:
        self.when("the customer to join", lambda: self._state() is State.DECIDING, settle_ms=200)

    def do_sharing(self, _: str) -> None:
        def showing() -> bool:
            w = self.window
            return (
                self._state() is State.SHARING
                and w.left.currentWidget() is w.viewer
                and self.painted > 0
                and time.monotonic() - self.last_paint > CALM_S
            )

        self.when("the customer's screen", showing, settle_ms=200)

    def do_pin(self, _: str) -> None:
        toolbar = self.window.toolbar
        click(toolbar.widgetForAction(toolbar.act_pin))
        self.when("pinned marks", lambda: self.agent.desk.drawing.pinned)

    def do_draw(self, argument: str) -> None:
        tool_name, *numbers = argument.split()
        tool = Tool(tool_name)
        toolbar, viewer, drawing = self.window.toolbar, self.window.viewer, self.agent.desk.drawing
        click(toolbar.widgetForAction(toolbar.tool_actions[tool]))
        transform = viewer.transform()
        coords = [int(n) for n in numbers]
        points = [
            QPoint(*(round(v) for v in transform.to_widget(x, y)))
            for x, y in zip(coords[::2], coords[1::2], strict=True)
        ]
        before = len(drawing.visible())
        drag(viewer.viewport(), path(points[0], points[-1]) if len(points) > 1 else points)
        self.when(f"the {tool_name} mark", lambda: len(drawing.visible()) > before, settle_ms=150)

    def _open_tab(self, page: QWidget) -> None:
        tabs = self.window.guidance_panel
        bar = tabs.tabBar()
        click(bar, bar.tabRect(tabs.indexOf(page)).center())

    def do_step(self, text: str) -> None:
        steps = self.window.guidance_panel.steps
        self._open_tab(steps)
        before = steps.list.count()
        type_into(steps.input, text)
        click(steps.add_button)
        self.when("the step to be added", lambda: steps.list.count() > before)

    def do_chat(self, text: str) -> None:
        chat = self.window.guidance_panel.chat
        self._open_tab(chat)
        type_into(chat.input, text)
        click(chat.send_button)
        self.when("the message to be sent", lambda: text in chat.transcript.toPlainText())

    def do_heard(self, text: str) -> None:
        transcript = self.window.guidance_panel.chat.transcript
        self.when(f"the customer to write {text!r}", lambda: text in transcript.toPlainText())

    def do_sees(self, argument: str) -> None:
        """Wait until the customer's screen, as the agent has it, shows this colour here."""
        x, y, colour = argument.split()
        want = QColor(colour)

        def showing() -> bool:
            image = self.window.viewer.canvas
            if not image.valid(int(x), int(y)):
                return False
            got = image.pixelColor(int(x), int(y))
            return (
                max(
                    abs(got.red() - want.red()),
                    abs(got.green() - want.green()),
                    abs(got.blue() - want.blue()),
                )
                <= 24
            )

        self.when(f"{colour} at {x},{y} of the customer's screen", showing, settle_ms=300)

    def do_end(self, _: str) -> None:
        # "End session" asks once while a customer is there; the autopilot says yes.
        EndConfirm.ask = classmethod(lambda cls, parent: True)  # type: ignore[method-assign,assignment]
        click(self.window.toolbar.end_button)
        self.when("the rating wait", lambda: self._state() is State.WAITING_RATING, settle_ms=200)

    def do_ended(self, _: str) -> None:
        self.when("the end of the session", lambda: self._state() is State.ENDED, settle_ms=300)

    def finish(self) -> None:
        self.window.close()  # as the agent would: the window ends the session, saves history
        super().finish()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The agent's window, run by tools.demo.")
    parser.add_argument("--relay", required=True)
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Assist Agent")
    i18n.install(app, "en")
    app.setStyleSheet(STYLE)
    settings = config.resolve(args.relay, None, "en")  # the token: ASSIST_AGENT_TOKEN
    agent = gui.build(settings)
    agent.window.setGeometry(agent.window.screen().availableGeometry())
    agent.window.show()
    gui.start(agent, settings)
    _pilot = AgentPilot(agent)  # the name keeps it alive while the loop runs
    code = app.exec()
    return code


if __name__ == "__main__":
    sys.exit(main())
