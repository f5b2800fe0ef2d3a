"""The customer's side of the autopilot demo: the real customer app, driven like a person would.

It is :class:`assist_client.app.ClientApp` as ``assist-client`` runs it, on the
customer's screen. The consent and rating prompts are the app's own dialogs, put
up by ``ConsentDialog.ask`` and ``EndingDialog.ask``: the autopilot waits until one
is on the screen (so it can be photographed) and then clicks its real buttons.
Commands (see :mod:`tools.demo_runner`):

``ready``                       the app is running
``open``                        the join window appears
``type CODE``                   type the code the agent read out
``connect``                     click **Connect**; then answers ``verified``/``not-verified``
``share``                       click **Share my screen**; answers once the sharing bar shows
``marks N``                     N of the agent's marks are on the screen
``heard TEXT`` / ``chat TEXT``  the agent's message or step arrived / write back
``ending``                      the rating prompt shows
``stars N COMMENT``             pick N stars and write a comment
``send``                        click **Send rating**; the app then closes by itself
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtWidgets import QApplication

from assist_client import config
from assist_client.app import ClientApp
from assist_client.session import State
from assist_client.windows.consent import ConsentDialog
from assist_client.windows.ending import EndingDialog
from assist_ui import i18n
from tools.demo_runner import Runner, centre_on_screen, click, showing, shown, type_into


class CustomerPilot(Runner):
    def __init__(self, client: ClientApp) -> None:
        super().__init__()
        self.client = client

    def _state(self) -> State | None:
        return self.client.session.state if self.client.session is not None else None

    def do_ready(self, _: str) -> None:
        self.reply()

    def do_open(self, _: str) -> None:
        join = self.client.join
        join.show()
        centre_on_screen(join)
        join.activateWindow()
        self.when("the join window", join.isVisible, settle_ms=300)

    def do_type(self, code: str) -> None:
        edit = self.client.join.code_edit
        type_into(edit, code.replace("-", ""))
        self.when("the code in the box", lambda: edit.text().replace(" ", "").isdigit())

    def do_connect(self, _: str) -> None:
        click(self.client.join.connect_button)

        def verified() -> None:  # answers "verified" or "not-verified": the demo checks it
            self.reply("verified" if showing(ConsentDialog).verified else "not-verified")

        self.when(
            "the consent prompt",
            lambda: shown(ConsentDialog) is not None,
            verified,
            settle_ms=400,
        )

    def do_share(self, _: str) -> None:
        click(showing(ConsentDialog).share_button)

        def sharing() -> bool:
            bar = self.client.bar
            return self._state() is State.SHARING and bar is not None and bar.isVisible()

        self.when("the sharing bar", sharing, settle_ms=300)

    def do_marks(self, count: str) -> None:
        def marks_shown() -> bool:
            overlay = self.client.overlay
            if overlay is None or not overlay.isVisible():
                return False
            return len(overlay.marks.shapes()) >= int(count)

        self.when(f"{count} marks on the screen", marks_shown, settle_ms=300)

    def do_heard(self, text: str) -> None:
        def arrived() -> bool:
            panel = self.client.guidance
            if panel is None or not panel.isVisible():
                return False
            return text in panel.chat_view.toPlainText() + panel.steps_view.toPlainText()

        self.when(f"the agent to send {text!r}", arrived, settle_ms=200)

    def do_chat(self, text: str) -> None:
        panel = self.client.guidance
        if panel is None:
            raise RuntimeError("there is no guidance panel to write in")
        type_into(panel.input, text)
        click(panel.send_button)
        self.when("the message to be sent", lambda: text in panel.chat_view.toPlainText())

    def do_ending(self, _: str) -> None:
        self.when("the rating prompt", lambda: shown(EndingDialog) is not None, settle_ms=400)

    def do_stars(self, argument: str) -> None:
        stars, _, comment = argument.partition(" ")
        dialog = showing(EndingDialog)
        click(dialog.stars.button(int(stars)))
        if comment:
            type_into(dialog.comment, comment)
        self.when("the rating to be filled in", dialog.send_button.isEnabled, settle_ms=200)

    def do_send(self, _: str) -> None:
        click(showing(EndingDialog).send_button)
        self.reply()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The customer's app, run by tools.demo.")
    parser.add_argument("--relay", required=True)
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Assist")
    app.setQuitOnLastWindowClosed(False)
    i18n.install(app, "en")
    # Trusts ASSIST_CA_FILE, and the organisation pinned in client.toml, as the app does.
    client = ClientApp(config.relay_target(args.relay), trust=config.trust())
    _pilot = CustomerPilot(client)  # the name keeps it alive while the loop runs
    app.exec()
    if client.session is not None:
        client.session.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
