"""The card at the top of the side panel: where the session stands, always visible."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assist_agent.model import State
from assist_agent.windows.style import TONES

TONE_OF = {
    State.SIGNING_IN: "wait",
    State.READY: "idle",
    State.STARTING: "wait",
    State.WAITING: "wait",
    State.DECIDING: "wait",
    State.SHARING: "live",
    State.PAUSED: "warn",
    State.RECONNECTING: "warn",
    State.CUSTOMER_AWAY: "warn",
    State.WAITING_RATING: "wait",
    State.ENDED: "idle",
}


class Dot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = TONES["idle"]
        self.setFixedSize(QSize(14, 14))

    def set_color(self, color: QColor) -> None:
        self.color = color
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.color)
        p.drawEllipse(1, 1, 12, 12)


class StateCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stateCard")
        self.dot = Dot(self)
        self.title = QLabel(self)
        self.title.setObjectName("stateTitle")
        self.title.setWordWrap(True)
        self.detail = QLabel(self)
        self.detail.setObjectName("stateDetail")
        self.detail.setWordWrap(True)
        self.identity = QLabel(self)
        self.identity.setObjectName("identity")
        self.identity.setWordWrap(True)
        self.card = QLabel(self)
        self.card.setObjectName("identityCard")
        self.card.setWordWrap(True)
        self.card.hide()
        self.new_button = QPushButton(self.tr("New session"), self)
        self.new_button.setObjectName("primary")
        self.skip_button = QPushButton(self.tr("Don't wait for the rating"), self)
        self.skip_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.dot, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.title, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addLayout(head)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        layout.addWidget(self.identity)
        layout.addWidget(self.card)

    def show_state(self, state: State, title: str, detail: str, *, error: bool = False) -> None:
        self.dot.set_color(TONES["bad" if error else TONE_OF[state]])
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.new_button.setVisible(state in (State.READY, State.ENDED))
        self.skip_button.setVisible(state is State.WAITING_RATING)

    def set_identity(self, display_name: str, org: str) -> None:
        who = f"{display_name} · {org}" if org else display_name
        self.identity.setText(self.tr("Signed in as {who}").format(who=who))

    def set_card(self, text: str, tone: str) -> None:
        """This computer's identity card: a line under who is signed in, coloured by tone."""
        color = TONES[tone].name() if tone != "idle" else ""
        self.card.setStyleSheet(f"color: {color};" if color else "")
        self.card.setText(text)
        self.card.show()
