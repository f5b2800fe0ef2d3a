"""The prompt when someone asks to control the computer: its own question, after sharing.

It looks different from the sharing prompt on purpose (a purple band, "control"
in the title) and says plainly: who (verified or not), why, what control means
("they can move your mouse and type"), a warning about banking and passwords, how
to take control back, and Don't allow / Allow control with the focus on "Don't
allow". Nothing is pre-accepted and nothing is remembered: closing it or pressing
Escape declines, and the next session asks again.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from assist_client.windows.prompt import YesNoPrompt
from assist_client.windows.style import STYLE
from assist_client.x11 import STOP_KEY_SEQUENCE

#: The colour of everything about control (the prompt's band, the bar in control).
CONTROL_COLOUR = "#6a1b9a"


class ControlRequestDialog(YesNoPrompt):
    """See the module docstring. ``answered(allowed)`` is emitted exactly once."""

    answered = Signal(bool)

    def __init__(self, name: str, org: str, verified: bool, reason: str) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Let someone control your computer?"))
        self.setStyleSheet(
            STYLE
            + f"""
            QFrame#Band {{ background: {CONTROL_COLOUR}; border-radius: 10px; }}
            QFrame#Band QLabel {{ color: white; }}
            QPushButton#AllowControl {{ background: {CONTROL_COLOUR}; color: white;
                border: none; font-size: 18px; font-weight: 600; border-radius: 8px; }}
            QPushButton#AllowControl:hover {{ background: #4a148c; }}
            """
        )
        self.setMinimumWidth(620)

        band = QFrame()
        band.setObjectName("Band")
        bl = QVBoxLayout(band)
        bl.setContentsMargins(18, 14, 18, 14)
        head = QLabel(self.tr("{name} asks to control your computer").format(name=name))
        head.setWordWrap(True)
        head.setStyleSheet("font-size: 22px; font-weight: 700;")
        who = org if org else self.tr("no organisation given")
        badge = self.tr("✔ verified") if verified else self.tr("not verified")
        sub = QLabel(f"{who} · {badge}")
        sub.setStyleSheet("font-size: 16px;")
        bl.addWidget(head)
        bl.addWidget(sub)

        why = QLabel(self.tr("Why: {reason}").format(reason=reason or self.tr("(none given)")))
        why.setWordWrap(True)
        why.setStyleSheet("font-size: 17px; font-weight: 600;")
        means = QLabel(
            self.tr(
                "If you allow, {name} can move your mouse, click and type on this computer, "
                "as if they sat in front of it. You keep seeing everything they do. This is "
                "for this session only; next time you are asked again."
            ).format(name=name)
        )
        means.setWordWrap(True)
        means.setStyleSheet("font-size: 17px;")

        warning = QFrame()
        warning.setObjectName("Warning")
        wl = QVBoxLayout(warning)
        wl.setContentsMargins(16, 10, 16, 10)
        bank = QLabel(
            self.tr(
                "Do not open your bank's website or type a password while someone else is "
                "in control. A real support desk never asks for your banking password, a "
                "payment or a gift card."
            )
        )
        bank.setWordWrap(True)
        bank.setStyleSheet("font-weight: 600;")
        wl.addWidget(bank)

        back = QLabel(
            self.tr(
                "Your own mouse and keyboard always come first. To take control back at "
                "once, press Stop control in the bar at the top, or {keys}."
            ).format(keys=STOP_KEY_SEQUENCE)
        )
        back.setObjectName("Subtle")
        back.setWordWrap(True)

        self.decline_button = QPushButton(self.tr("Don't allow"))
        self.allow_button = QPushButton(self.tr("Allow control"))
        self.allow_button.setObjectName("AllowControl")
        for b in (self.decline_button, self.allow_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setMinimumHeight(52)
        self.decline_button.clicked.connect(self.reject)
        self.allow_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(band)
        layout.addWidget(why)
        layout.addWidget(means)
        layout.addWidget(warning)
        layout.addWidget(back)
        layout.addSpacing(6)
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline_button, 2)
        buttons.addSpacing(12)
        buttons.addWidget(self.allow_button, 1)
        layout.addLayout(buttons)
        self.decline_button.setFocus()
        self.resize(self.sizeHint().expandedTo(self.minimumSize()))

    def _emit(self, allowed: bool) -> None:
        self.answered.emit(allowed)
