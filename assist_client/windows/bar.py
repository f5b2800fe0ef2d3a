"""The sharing bar: an always-on-top strip at the top centre of the shared screen.

It says who sees the screen, and has big Pause/Resume and Stop buttons. When more
than one person can see the screen (a helper, a supervisor), a second row lists
each of them, with their colour (the colour of their marks), their role, and a
button that removes them at once. Its
colour and words change with the state (sharing, paused, reconnecting, agent
away) so the state is obvious at a glance. The app masks its rectangle out of
every frame, so the agent never sees it.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assist_client.monitors import Monitor
from assist_client.x11 import STOP_KEY_SEQUENCE
from common.messages import MemberRole, RosterEntry

_COLOURS = {
    "sharing": "#0b5394",
    "control": "#6a1b9a",  # as the control prompt (windows/control_request.py)
    "paused": "#b45309",
    "reconnecting": "#4b5563",
    "away": "#4b5563",
}


class SharingBar(QWidget):
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    guidance_requested = Signal()  # the Messages button: show or hide the panel
    remove_requested = Signal(int)  # a member's Remove button: their seat
    stop_control_requested = Signal()  # Stop control: the customer takes it back

    def __init__(self, agent_name: str, org: str, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setWindowTitle(self.tr("Assist — sharing"))
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setObjectName("SharingBar")
        who = f"{agent_name} ({org})" if org else agent_name
        self._sharing_text = self.tr("Your screen is being shared with {who}").format(who=who)
        self.state = "sharing"

        self.dot = QLabel("●")
        self.text = QLabel(self._sharing_text)
        self.text.setObjectName("BarText")
        self.guidance_button = QPushButton(self.tr("Messages"))
        self.guidance_button.setCheckable(True)  # pressed while the panel is open
        self.guidance_button.setToolTip(self.tr("Show or hide the agent's steps and messages"))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.stop_button = QPushButton(self.tr("Stop sharing"))
        self.stop_button.setObjectName("Stop")
        self.stop_button.setToolTip(
            self.tr("Stops sharing at once. Shortcut: {keys}").format(keys=STOP_KEY_SEQUENCE)
        )
        self.stop_control_button = QPushButton(self.tr("Stop control"))
        self.stop_control_button.setObjectName("StopControl")
        self.stop_control_button.setToolTip(
            self.tr(
                "Takes control back at once; sharing goes on. Shortcut: {keys} stops both"
            ).format(keys=STOP_KEY_SEQUENCE)
        )
        self.stop_control_button.hide()
        self.stop_control_button.clicked.connect(self.stop_control_requested)
        self.controller = ""
        for b in (
            self.guidance_button,
            self.pause_button,
            self.stop_control_button,
            self.stop_button,
        ):
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.guidance_button.clicked.connect(lambda _checked: self.guidance_requested.emit())
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button.clicked.connect(self.stop_requested)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 6, 8, 6)
        outer.setSpacing(4)
        layout = QHBoxLayout()
        layout.setSpacing(10)
        layout.addWidget(self.dot)
        layout.addWidget(self.text, 1)
        layout.addSpacing(12)
        layout.addWidget(self.guidance_button)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.stop_control_button)
        layout.addWidget(self.stop_button)
        outer.addLayout(layout)
        #: Everyone who can see the screen, when there is more than one.
        self.people = QWidget()
        self.people.setObjectName("People")
        self._people_row = QHBoxLayout(self.people)
        self._people_row.setContentsMargins(0, 2, 0, 2)
        self._people_row.setSpacing(8)
        self.people.hide()
        outer.addWidget(self.people)
        self.members: list[RosterEntry] = []
        self.remove_buttons: dict[int, QPushButton] = {}
        self._apply()

    # ------------------------------------------------------------ look

    def _apply(self) -> None:
        bg = _COLOURS[self.state]
        self.setStyleSheet(
            f"""
            #SharingBar {{ background: {bg}; border-bottom-left-radius: 12px;
                           border-bottom-right-radius: 12px; }}
            QLabel {{ color: white; font-size: 17px; font-weight: 600; }}
            QPushButton {{ background: rgba(255,255,255,0.16); color: white;
                           border: 1px solid rgba(255,255,255,0.55); border-radius: 8px;
                           padding: 8px 18px; font-size: 16px; font-weight: 600; }}
            QPushButton:hover {{ background: rgba(255,255,255,0.28); }}
            QPushButton:checked {{ background: white; color: #0b3d91; }}
            QPushButton#Stop {{ background: #d32f2f; border: 1px solid #ffcdd2; }}
            QPushButton#Stop:hover {{ background: #b71c1c; }}
            QPushButton#StopControl {{ background: white; color: #4a148c; border: none; }}
            QPushButton#StopControl:hover {{ background: #f3e5f5; }}
            QLabel#Person {{ font-size: 15px; font-weight: 600; }}
            QPushButton#Remove {{ padding: 2px 10px; font-size: 14px; border-radius: 6px; }}
            """
        )
        dot = {"sharing": "#ff5252", "paused": "#ffe0b2", "control": "#ffd54f"}.get(
            self.state, "#e0e0e0"
        )
        self.dot.setStyleSheet(f"color: {dot}; font-size: 20px;")
        self.adjustSize()

    # ------------------------------------------------------------ who sees the screen

    def _role_text(self, role: MemberRole) -> str:
        return {
            MemberRole.LEAD: self.tr("agent"),
            MemberRole.HELPER: self.tr("helper"),
            MemberRole.SUPERVISOR: self.tr("supervisor"),
        }[role]

    @Slot(list)
    def set_members(self, members: list[RosterEntry]) -> None:
        """Who can see the screen now: the words, and one entry each with Remove."""
        self.members = list(members)
        while self._people_row.count():
            item = self._people_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.remove_buttons.clear()
        if len(self.members) > 1:
            self._sharing_text = self.tr("Your screen is being shared with {count} people:").format(
                count=len(self.members)
            )
            for m in self.members:
                dot = QLabel("●")
                dot.setStyleSheet(f"color: #{m.color:06x}; font-size: 18px;")
                who = f"{m.display_name} · {self._role_text(m.role)}"
                if not m.verified:
                    who += " · " + self.tr("not verified")
                label = QLabel(who)
                label.setObjectName("Person")
                remove = QPushButton(self.tr("Remove"))
                remove.setObjectName("Remove")
                remove.setCursor(Qt.CursorShape.PointingHandCursor)
                remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                remove.setToolTip(
                    self.tr("{name} stops seeing your screen at once").format(name=m.display_name)
                )
                remove.clicked.connect(
                    lambda _c=False, member=m.member: self.remove_requested.emit(member)
                )
                self.remove_buttons[m.member] = remove
                for w in (dot, label, remove):
                    self._people_row.addWidget(w)
                self._people_row.addSpacing(10)
            self._people_row.addStretch(1)
            self.people.show()
        else:
            if self.members:
                m = self.members[0]
                who = f"{m.display_name} ({m.org})" if m.org else m.display_name
                self._sharing_text = self.tr("Your screen is being shared with {who}").format(
                    who=who
                )
            self.people.hide()
        if self.state == "sharing":
            self.text.setText(self._sharing_text)
        self.adjustSize()

    # ------------------------------------------------------------ control

    def _control_text(self) -> str:
        return self.tr(
            "{name} is controlling your computer. Your own mouse and keyboard come first."
        ).format(name=self.controller)

    @Slot(int, str)
    def set_controller(self, holder: int, name: str) -> None:
        """Who is in control ("" for nobody): the bar turns purple and says who."""
        self.controller = name if holder else ""
        self.stop_control_button.setVisible(bool(self.controller))
        if self.controller and self.state in ("sharing", "control"):
            self._set("control", self._control_text(), self.tr("Pause"))
        elif not self.controller and self.state == "control":
            self._set("sharing", self._sharing_text, self.tr("Pause"))

    @Slot(str)
    def on_protected(self, pattern: str) -> None:
        """A protected window has the focus ("" when it no longer does)."""
        if self.state != "control":
            return
        if pattern:
            self.text.setText(
                self.tr(
                    "A protected window is in front ({what}): {name} cannot type or click "
                    "until you leave it."
                ).format(what=pattern, name=self.controller)
            )
        else:
            self.text.setText(self._control_text())
        self.adjustSize()

    def place_on(self, monitor: Monitor) -> None:
        """Top centre of the monitor's logical geometry, at most 90 % of its width."""
        x, y, w, _ = monitor.logical_geometry()
        limit = int(w * 0.9)
        self.text.setWordWrap(False)
        self.setMinimumSize(0, 0)
        self.setMaximumWidth(16777215)
        natural = self.sizeHint().width()
        if natural > limit:  # a narrow screen: wrap the words rather than overflow
            self.text.setWordWrap(True)
        width = min(natural, limit)
        layout = self.layout()
        if natural > limit and layout is not None:
            height = layout.totalHeightForWidth(width)
        else:
            height = self.sizeHint().height()
        self.setFixedWidth(width)
        self.setGeometry(QRect(x + (w - width) // 2, y, width, height))

    def physical_rect(self, monitor: Monitor, margin: int = 4) -> tuple[int, int, int, int]:
        """Where the bar is, in the monitor's physical pixels (for masking it out of frames)."""
        g = self.frameGeometry()
        s = monitor.scale
        x = (g.x() - monitor.logical_x) * s - margin
        y = (g.y() - monitor.logical_y) * s - margin
        return (
            max(0, int(x)),
            max(0, int(y)),
            int(g.width() * s) + 2 * margin,
            int(g.height() * s) + 2 * margin,
        )

    # ------------------------------------------------------------ forwarding

    @Slot()
    def _on_pause_clicked(self) -> None:
        if self.state == "paused":
            self.resume_requested.emit()
        else:
            self.pause_requested.emit()

    # ------------------------------------------------------------ slots for the app

    def _set(self, state: str, text: str, pause_label: str) -> None:
        self.state = state
        self.text.setText(text)
        self.pause_button.setText(pause_label)
        self._apply()

    @Slot(bool)
    def on_guidance_visible(self, visible: bool) -> None:
        self.guidance_button.setChecked(visible)

    @Slot()
    def on_sharing(self) -> None:
        if self.controller:
            self._set("control", self._control_text(), self.tr("Pause"))
        else:
            self._set("sharing", self._sharing_text, self.tr("Pause"))

    @Slot()
    def on_paused(self) -> None:
        self._set(
            "paused",
            self.tr("Sharing is paused. Nobody can see your screen."),
            self.tr("Resume"),
        )

    @Slot()
    def on_reconnecting(self) -> None:
        self._set(
            "reconnecting",
            self.tr("Connection lost. Reconnecting…"),
            self.pause_button.text(),
        )

    @Slot()
    def on_agent_away(self) -> None:
        self._set(
            "away",
            self.tr("The agent's connection dropped. Waiting for them to come back…"),
            self.pause_button.text(),
        )
