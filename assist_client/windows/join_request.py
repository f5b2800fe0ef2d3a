"""The prompt when someone else asks to see the screen: a specialist the agent invited,
a colleague taking over, or a supervisor who wants to watch.

Like the first consent prompt: who (their card checked by this computer, the same
badge), why (the agent's reason), what they will see, and Allow / Don't allow with
the focus on "Don't allow". Nothing is pre-accepted; closing it or pressing Escape
declines. It does not block the shared screen: it answers through :attr:`answered`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from assist_client.windows.consent import IdentityBadge
from assist_client.windows.prompt import YesNoPrompt
from assist_client.windows.style import STYLE
from common.messages import MemberRole
from common.room import Candidate


class JoinRequestDialog(YesNoPrompt):
    """See the module docstring. ``answered(member, allowed)`` is emitted exactly once."""

    answered = Signal(int, bool)

    def __init__(self, candidate: Candidate, lead_name: str, allow_draw: bool) -> None:
        super().__init__()
        self.candidate = candidate
        self.member = candidate.member
        who = candidate.who
        self.setWindowTitle(self.tr("Let someone else see your screen?"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(600)

        name = QLabel(who.display_name or self.tr("Someone"))
        name.setObjectName("AgentName")
        name.setWordWrap(True)
        if candidate.role is MemberRole.LEAD:
            asks = self.tr(
                "{lead} wants to hand your session over to this colleague. They will "
                "take over; {lead} leaves after introducing them. You do not need a new code."
            )
        elif candidate.role is MemberRole.SUPERVISOR:
            asks = self.tr(
                "A supervisor who asks to watch, to coach {lead}. They see your screen too; "
                "they cannot click or type."
            )
        else:
            asks = self.tr("{lead} asks this colleague to help and to see your screen too.")
        role_line = QLabel(asks.format(lead=lead_name))
        role_line.setWordWrap(True)
        role_line.setStyleSheet("font-size: 18px;")
        self.badge = IdentityBadge(who, vouched=True)

        reason_box = QFrame()
        reason_box.setObjectName("Warning")
        rl = QVBoxLayout(reason_box)
        rl.setContentsMargins(16, 10, 16, 10)
        why = QLabel(
            self.tr("Why: {reason}").format(reason=candidate.reason or self.tr("(none given)"))
        )
        why.setWordWrap(True)
        why.setStyleSheet("font-weight: 600;")
        rl.addWidget(why)

        if candidate.role is MemberRole.SUPERVISOR:
            sees = self.tr(
                "If you allow, they see everything on the shared screen. They do not draw "
                "unless {lead} lets them."
            )
        elif allow_draw:
            sees = self.tr(
                "If you allow, they see everything on the shared screen, as {lead} does, and "
                "can draw on it to show you where to click."
            )
        else:
            sees = self.tr(
                "If you allow, they see everything on the shared screen, as {lead} does."
            )
        what = QLabel(sees.format(lead=lead_name))
        what.setWordWrap(True)
        control = QLabel(
            self.tr(
                "Everyone who can see your screen is listed in the bar at the top. You can "
                "remove anyone from there at any time."
            )
        )
        control.setObjectName("Subtle")
        control.setWordWrap(True)

        self.decline_button = QPushButton(self.tr("Don't allow"))
        self.allow_button = QPushButton(self.tr("Allow"))
        self.allow_button.setObjectName("Primary")
        for b in (self.decline_button, self.allow_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setMinimumHeight(52)
        self.decline_button.clicked.connect(self.reject)
        self.allow_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 30, 36, 26)
        layout.setSpacing(12)
        layout.addWidget(name)
        layout.addWidget(role_line)
        layout.addWidget(self.badge)
        layout.addWidget(reason_box)
        layout.addWidget(what)
        layout.addWidget(control)
        layout.addSpacing(6)
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline_button, 1)
        buttons.addSpacing(12)
        buttons.addWidget(self.allow_button, 2)
        layout.addLayout(buttons)
        self.decline_button.setFocus()
        self.resize(self.sizeHint().expandedTo(self.minimumSize()))

    def _emit(self, allowed: bool) -> None:
        self.answered.emit(self.member, allowed)
