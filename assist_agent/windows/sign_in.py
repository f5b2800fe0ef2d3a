"""The sign-in page: relay address and agent token, shown when the token is missing or refused."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class SignInPage(QWidget):
    sign_in_requested = Signal(str, str)  # relay URL, token

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        card = QFrame(self)
        card.setObjectName("signInCard")
        card.setFixedWidth(520)
        title = QLabel(self.tr("Sign in to Assist"), card)
        title.setObjectName("signInTitle")
        intro = QLabel(
            self.tr(
                "Use the agent token your administrator gave you. It is remembered on this "
                "computer, readable only by your user account."
            ),
            card,
        )
        intro.setWordWrap(True)
        self.relay = QLineEdit(card)
        self.relay.setPlaceholderText("wss://relay.example.com")
        self.token = QLineEdit(card)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste your agent token"))
        self.status = QLabel(card)
        self.status.setWordWrap(True)
        self.status.setObjectName("stateDetail")
        self.button = QPushButton(self.tr("Sign in"), card)
        self.button.setObjectName("primary")
        self.button.setDefault(True)
        form = QFormLayout()
        form.addRow(self.tr("Relay address"), self.relay)
        form.addRow(self.tr("Agent token"), self.token)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(12)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.button.clicked.connect(self._submit)
        self.token.returnPressed.connect(self._submit)
        self.relay.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        if not self.token.text().strip():
            self.show_error(self.tr("Please paste your agent token."))
            self.token.setFocus()
            return
        self.sign_in_requested.emit(self.relay.text().strip(), self.token.text().strip())

    def set_values(self, relay: str, token: str | None) -> None:
        self.relay.setText(relay)
        self.token.setText(token or "")

    def show_busy(self) -> None:
        self.status.setObjectName("stateDetail")
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Signing in…"))
        self.button.setEnabled(False)

    def show_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #c62828;")
        self.status.setText(text)
        self.button.setEnabled(True)
