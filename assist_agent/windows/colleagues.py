"""Colleagues: who is signed in (by team, with presence), and the room's own list.

The panel only shows and asks: the desk does the work. In a session it offers
"Ask to help…" and "Hand over…" for the colleague picked; a supervisor sees
"Watch session" for a colleague who is in one. Under the list, the people who
can see the customer's screen now (the customer's own list) and how each
invitation is going.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.messages import (
    Colleague,
    Invited,
    InviteKind,
    InviteState,
    InviteStatus,
    MemberRole,
    PresenceState,
    Roster,
)

_DOT = {
    PresenceState.AVAILABLE: "#2e7d32",
    PresenceState.BUSY: "#ef6c00",
    PresenceState.AWAY: "#9e9e9e",
}


def _dot(color: str) -> QIcon:
    """A round presence dot (the words say the state too)."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


class ColleaguesPanel(QWidget):
    presence_chosen = Signal(object)  # PresenceState
    invite_requested = Signal(str, object, str, str)  # name, InviteKind, reason, note
    supervise_requested = Signal(str)  # name
    draw_permission = Signal(int, bool)  # a supervisor's seat, may draw

    def __init__(self, own_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.own_name = own_name
        self.supervisor = False
        self.in_session = False
        self.leads = False
        title = QLabel(self.tr("Colleagues"))
        title.setStyleSheet("font-weight: 600;")
        self.presence = QComboBox()
        for state, text in (
            (PresenceState.AVAILABLE, self.tr("Available")),
            (PresenceState.BUSY, self.tr("Busy")),
            (PresenceState.AWAY, self.tr("Away")),
        ):
            self.presence.addItem(text, state)
        self.presence.setToolTip(self.tr("What your colleagues see next to your name"))
        self.presence.activated.connect(
            lambda i: self.presence_chosen.emit(self.presence.itemData(i))
        )
        self.list = QListWidget()
        self.list.setMinimumHeight(90)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.help_button = QPushButton(self.tr("Ask to help…"))
        self.handover_button = QPushButton(self.tr("Hand over…"))
        self.watch_button = QPushButton(self.tr("Watch session"))
        self.help_button.clicked.connect(lambda: self._ask(InviteKind.HELP))
        self.handover_button.clicked.connect(lambda: self._ask(InviteKind.HANDOVER))
        self.watch_button.clicked.connect(self._watch)
        self.room = QLabel()
        self.room.setWordWrap(True)
        self.room.setObjectName("roomList")
        #: The lead's say on a supervisor's drawing (shown while one is in the room).
        self.let_draw = QCheckBox()
        self.let_draw.hide()
        self._supervisor_seat = 0
        self.let_draw.toggled.connect(
            lambda on: (
                self.draw_permission.emit(self._supervisor_seat, on)
                if self._supervisor_seat
                else None
            )
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #5f6368;")

        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(self.presence)
        buttons = QHBoxLayout()
        for b in (self.help_button, self.handover_button, self.watch_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.room)
        layout.addWidget(self.let_draw)
        layout.addWidget(self.status)
        self._people: list[Colleague] = []
        self._update_buttons()

    # ------------------------------------------------------------ what it shows

    @Slot(object)
    def show_presence(self, state: PresenceState) -> None:
        """The desk changed it by itself (idle): show it without choosing it again."""
        index = self.presence.findData(state)
        if index >= 0:
            self.presence.setCurrentIndex(index)

    def set_colleagues(self, people: tuple[Colleague, ...]) -> None:
        chosen = self.chosen()
        self._people = [p for p in people if p.name != self.own_name]
        self.list.clear()
        team = None
        for p in self._people:
            if p.team != team:
                team = p.team
                header = QListWidgetItem(team or self.tr("No team"))
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.list.addItem(header)
            state = {
                PresenceState.AVAILABLE: self.tr("available"),
                PresenceState.BUSY: self.tr("busy"),
                PresenceState.AWAY: self.tr("away"),
            }[p.state]
            if p.in_room:
                state += " · " + self.tr("in a session")
            item = QListWidgetItem(_dot(_DOT[p.state]), f"{p.display_name} — {state}")
            item.setData(Qt.ItemDataRole.UserRole, p.name)
            item.setToolTip(p.name)
            self.list.addItem(item)
            if p.name == chosen:
                self.list.setCurrentItem(item)
        if not self._people:
            empty = QListWidgetItem(self.tr("No colleague is signed in."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        self._update_buttons()

    def set_session(self, in_session: bool, leads: bool) -> None:
        self.in_session, self.leads = in_session, leads
        if not in_session:
            self.room.clear()
        self._update_buttons()

    @Slot(object)
    def on_roster(self, roster: Roster) -> None:
        role = {
            MemberRole.LEAD: self.tr("leads"),
            MemberRole.HELPER: self.tr("helps"),
            MemberRole.SUPERVISOR: self.tr("supervises"),
        }
        names = [f"{e.display_name} ({role[e.role]})" for e in roster.members]
        self.room.setText(self.tr("Seeing the screen: {names}").format(names=", ".join(names)))
        sup = next((e for e in roster.members if e.role is MemberRole.SUPERVISOR), None)
        self._supervisor_seat = 0
        if sup is not None and self.leads:
            self.let_draw.setText(self.tr("Let {name} draw too").format(name=sup.display_name))
            self.let_draw.setChecked(sup.can_draw)
            self._supervisor_seat = sup.member
        self.let_draw.setVisible(sup is not None and self.leads)

    @Slot(object)
    def on_invite_update(self, status: InviteStatus) -> None:
        words = {
            InviteState.SENT: self.tr("{name} was asked; waiting for their answer."),
            InviteState.ACCEPTED: self.tr("{name} accepted; the customer is being asked."),
            InviteState.DECLINED: self.tr("{name} declined."),
            InviteState.EXPIRED: self.tr("{name} did not answer in time."),
            InviteState.UNAVAILABLE: self.tr("{name} is not signed in, or the session is full."),
            InviteState.JOINED: self.tr("The customer let {name} in."),
            InviteState.REFUSED: self.tr("The customer did not let {name} in."),
            InviteState.LEFT: self.tr("{name} left the session."),
        }
        self.status.setText(words[status.state].format(name=status.display_name or status.agent))

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return str(value) if value else None

    def _person(self) -> Colleague | None:
        name = self.chosen()
        return next((p for p in self._people if p.name == name), None)

    def _update_buttons(self) -> None:
        p = self._person()
        can_invite = self.in_session and self.leads and p is not None and not p.in_room
        self.help_button.setEnabled(can_invite)
        self.handover_button.setEnabled(can_invite)
        self.watch_button.setVisible(self.supervisor)
        self.watch_button.setEnabled(
            self.supervisor and not self.in_session and p is not None and p.in_room
        )

    # ------------------------------------------------------------ asking

    def _ask(self, kind: InviteKind) -> None:
        p = self._person()
        if p is None:
            return
        answer = InviteDialog.ask(self, p.display_name, kind)
        if answer is not None:
            self.invite_requested.emit(p.name, kind, *answer)

    def _watch(self) -> None:
        p = self._person()
        if p is not None:
            self.supervise_requested.emit(p.name)


class InviteDialog(QDialog):
    """Why (the customer reads it), and for a hand-over a note for the colleague."""

    def __init__(self, name: str, kind: InviteKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        handover = kind is InviteKind.HANDOVER
        title = self.tr("Hand over to {name}") if handover else self.tr("Ask {name} to help")
        self.setWindowTitle(title.format(name=name))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(self.tr("e.g. a specialist for your router"))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(
            self.tr("What they should know: what you tried, what the customer needs.")
        )
        self.note.setVisible(handover)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "{name} takes over the session; you can stay a minute to introduce them. "
                "The customer is asked first and does not need a new code."
            )
            if handover
            else self.tr("{name} will see the customer's screen too, once the customer allows it.")
        )
        intro.setText(intro.text().format(name=name))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(QLabel(self.tr("Why (the customer sees this):")))
        layout.addWidget(self.reason)
        if handover:
            label = self.tr("Note for {name} (the customer does not see it):")
            layout.addWidget(QLabel(label.format(name=name)))
            layout.addWidget(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Hand over") if handover else self.tr("Ask to help")
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, kind: InviteKind) -> tuple[str, str] | None:
        dialog = cls(name, kind, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.reason.text().strip(), dialog.note.toPlainText().strip()
            return None
        finally:
            dialog.deleteLater()


class InvitationDialog(QDialog):
    """A colleague asks us into their session: Accept or Decline (closing declines)."""

    answered = Signal(object, bool)  # Invited, accepted

    def __init__(self, invited: Invited, busy: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.invited = invited
        self._done = False
        self.setWindowTitle(self.tr("Invitation"))
        who = invited.from_display_name or invited.from_name
        text = (
            self.tr("{name} asks you to take over a session.")
            if invited.kind is InviteKind.HANDOVER
            else self.tr("{name} asks you to help in a session.")
        ).format(name=who)
        head = QLabel(text)
        head.setStyleSheet("font-size: 17px; font-weight: 600;")
        head.setWordWrap(True)
        reason = QLabel(self.tr("Why: {reason}").format(reason=invited.reason or "—"))
        reason.setWordWrap(True)
        note = QLabel(
            self.tr("End your own session first to accept.")
            if busy
            else self.tr("The customer is asked before you see their screen.")
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368;")
        self.accept_button = QPushButton(self.tr("Accept"))
        self.accept_button.setEnabled(not busy)
        self.decline_button = QPushButton(self.tr("Decline"))
        self.accept_button.clicked.connect(self.accept)
        self.decline_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.decline_button)
        row.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(reason)
        layout.addWidget(note)
        layout.addLayout(row)
        self.setMinimumWidth(420)

    def _answer(self, accepted: bool) -> None:
        if not self._done:
            self._done = True
            self.answered.emit(self.invited, accepted)

    def accept(self) -> None:
        self._answer(True)
        super().accept()

    def reject(self) -> None:
        self._answer(False)
        super().reject()
