"""The first window: type (or paste) the code the agent read out, then wait for them."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist_client.windows.style import STYLE, code_font
from assist_ui.i18n import error_text
from common.codes import parse_code
from common.errors import INSECURE_WARNING, AssistError, CodeError


def group_digits(text: str) -> str:
    """Show typed or pasted digits in groups of three; leave anything else as typed."""
    folded = unicodedata.normalize("NFKC", text)
    digits = [c for c in folded if c.isascii() and c.isdigit()]
    others = [c for c in folded if not (c.isascii() and c.isdigit())]
    if any(not (c.isspace() or c in "-._/·") for c in others):
        return text  # a letter or symbol: keep it so the error can name it
    d = "".join(digits)
    return " ".join(d[i : i + 3] for i in range(0, len(d), 3))


class JoinWindow(QWidget):
    """Asks for the code. Emits ``code_submitted`` with a parsed SessionCode."""

    code_submitted = Signal(object)  # SessionCode
    help_wanted = Signal()  # "Ask for help without a code" (the desk's queues)
    closed = Signal()

    def __init__(
        self, relay_url: str, parent: QWidget | None = None, *, insecure: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("JoinWindow")
        self.setWindowTitle(self.tr("Assist — get help with your computer"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(640)

        heading = QLabel(self.tr("Get help from your support agent"))
        heading.setObjectName("Heading")
        heading.setWordWrap(True)
        intro = QLabel(self.tr("Type the code your support agent gave you. You can also paste it."))
        intro.setWordWrap(True)

        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("CodeEdit")
        self.code_edit.setFont(code_font(40))
        self.code_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_edit.setPlaceholderText("123 456 789")
        self.code_edit.setMinimumHeight(76)
        self.code_edit.setAccessibleName(self.tr("Session code"))
        self.code_edit.textEdited.connect(self._on_edited)
        self.code_edit.returnPressed.connect(self._submit)

        self.error_label = QLabel()
        self.error_label.setObjectName("Error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label.hide()

        self.connect_button = QPushButton(self.tr("Connect"))
        self.connect_button.setObjectName("Primary")
        self.connect_button.setMinimumHeight(56)
        self.connect_button.clicked.connect(self._submit)

        self.help_button = QPushButton(self.tr("No code? Ask for help from the desk"))
        self.help_button.clicked.connect(self.help_wanted)
        self.help_button.hide()  # only with an organisation pinned (see set_can_ask_help)

        relay = QLabel(self.tr("Relay: {url}").format(url=relay_url))
        relay.setObjectName("Subtle")
        relay.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 36, 40, 28)
        layout.setSpacing(16)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.connect_button, 2)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addSpacing(8)
        layout.addWidget(relay)
        self.insecure_label = QLabel(QCoreApplication.translate("errors", INSECURE_WARNING))
        self.insecure_label.setObjectName("Error")
        self.insecure_label.setWordWrap(True)
        self.insecure_label.setVisible(insecure)
        layout.addWidget(self.insecure_label)

    # ------------------------------------------------------------ forwarding

    @Slot(str)
    def _on_edited(self, text: str) -> None:
        grouped = group_digits(text)
        if grouped != text:
            self.code_edit.setText(grouped)
            self.code_edit.setCursorPosition(len(grouped))
        self.error_label.hide()

    @Slot()
    def _submit(self) -> None:
        if not self.connect_button.isEnabled():
            return
        try:
            code = parse_code(self.code_edit.text())
        except CodeError as err:
            self.on_error(err)
            self.code_edit.setFocus()
            return
        self.error_label.hide()
        self.code_submitted.emit(code)

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        self.closed.emit()
        super().closeEvent(event)  # type: ignore[arg-type]

    # ------------------------------------------------------------ slots for the app

    def set_can_ask_help(self, can: bool) -> None:
        """Get help is offered only for an organisation this computer pins: without a
        code, its certificate is what proves who answers."""
        self.help_button.setVisible(can)

    def set_code(self, text: str) -> None:
        self.code_edit.setText(group_digits(text))
        self.error_label.hide()

    @Slot(object)
    def on_error(self, error: AssistError) -> None:
        """Show what went wrong and let the person try again."""
        self.error_label.setText(error_text(error))
        self.error_label.show()
        self.status_label.hide()
        self.code_edit.setEnabled(True)
        self.connect_button.setEnabled(True)

    @Slot()
    def on_connecting(self) -> None:
        self.error_label.hide()
        self.code_edit.setEnabled(False)
        self.connect_button.setEnabled(False)
        self.status_label.setText(self.tr("Connecting to the support desk…"))
        self.status_label.show()

    @Slot(str, str)
    def on_agent_identified(self, name: str, org: str) -> None:
        self.status_label.setText(self.tr("Connected securely to {name}.").format(name=name))
