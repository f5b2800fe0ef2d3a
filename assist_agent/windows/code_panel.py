"""What the left side shows before there is a screen: the code to read aloud, or what happened.

While waiting, the code is shown large in groups of three with a copy button
and a countdown to its expiry, so the agent can read it over the phone.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assist_agent.texts import countdown


class CodePanel(QWidget):
    new_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codePanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.code = ""
        self._expires_at = 0.0
        self.title = QLabel(self)
        self.title.setObjectName("panelTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.caption = QLabel(self)
        self.caption.setObjectName("codeCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digits = QLabel(self)
        self.digits.setObjectName("codeDigits")
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digits.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.expiry = QLabel(self)
        self.expiry.setObjectName("codeExpiry")
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        self.text.setObjectName("panelText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.copy_button = QPushButton(self.tr("Copy code"), self)
        self.copy_button.setObjectName("onDark")
        self.copy_button.clicked.connect(self.copy_code)
        self.cancel_button = QPushButton(self.tr("Cancel this code"), self)
        self.cancel_button.setObjectName("onDark")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.new_button = QPushButton(self.tr("New session"), self)
        self.new_button.setObjectName("big")
        self.new_button.clicked.connect(self.new_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.new_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(12)
        layout.addWidget(self.caption)
        layout.addWidget(self.digits)
        layout.addWidget(self.expiry)
        layout.addSpacing(16)
        layout.addWidget(self.text)
        layout.addSpacing(20)
        layout.addLayout(row)
        layout.addStretch(3)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def show_message(self, title: str, text: str, *, offer_new: bool = False) -> None:
        self._timer.stop()
        self.title.setText(title)
        self.title.show()
        self.text.setText(text)
        self.text.setVisible(bool(text))
        for w in (self.caption, self.digits, self.expiry, self.copy_button, self.cancel_button):
            w.hide()
        self.new_button.setVisible(offer_new)

    def show_code(self, code: str, expires_s: int, hint: str) -> None:
        self.code = code
        self._expires_at = time.monotonic() + expires_s
        self.title.hide()
        self.caption.setText(self.tr("Read this code to the customer"))
        self.digits.setText(code.replace("-", " "))
        self.text.setText(hint)
        for w in (
            self.caption,
            self.digits,
            self.expiry,
            self.text,
            self.copy_button,
            self.cancel_button,
        ):
            w.show()
        self.new_button.hide()
        self._tick()
        self._timer.start()

    def seconds_left(self) -> float:
        return max(0.0, self._expires_at - time.monotonic())

    def _tick(self) -> None:
        self.expiry.setText(
            self.tr("Expires in {time}").format(time=countdown(self.seconds_left()))
        )

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code)
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(1500, self, self._copy_done)

    def _copy_done(self) -> None:
        self.copy_button.setText(self.tr("Copy code"))
