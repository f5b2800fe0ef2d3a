"""The consent prompt: who is asking, a plain warning, what will be shared, may they draw.

Nothing is pre-accepted: there is no default button (Enter does not share),
the focus starts on "Don't share", and closing the prompt or pressing Escape
declines. :meth:`ConsentDialog.ask` is the one entry point, so tests replace it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from assist_client.monitors import Monitor
from assist_client.windows.style import STYLE
from assist_client.x11 import STOP_KEY_SEQUENCE
from common.identity import CheckedIdentity

THUMB_SIZE = (240, 135)


@dataclasses.dataclass(frozen=True)
class ConsentChoice:
    allow_draw: bool
    monitor: int  # protocol index


class IdentityBadge(QFrame):
    """Verified (green, with the organisation's key to compare on the phone) or not
    verified (orange: the name is the relay's word), in words, not only colour. The
    consent prompt shows it for the agent, the join prompt for each newcomer."""

    def __init__(
        self,
        identity: CheckedIdentity | None,
        parent: QWidget | None = None,
        *,
        vouched: bool = False,
    ) -> None:
        """``vouched``: someone the agent brought in (the name is their own, passed on by
        the agent), not the agent the relay paired us with."""
        super().__init__(parent)
        self.verified = identity is not None and identity.verified
        self.setObjectName("Verified" if self.verified else "Unverified")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        if self.verified:
            assert identity is not None
            head = self.tr("✔ Verified: {org} vouches for this person").format(org=identity.org)
            if identity.team:
                head += " · " + self.tr("team {team}").format(team=identity.team)
            lines = [
                self.tr(
                    "Their identity was checked against {org}'s key, which this computer trusts."
                ).format(org=identity.org)
            ]
        elif identity is not None and identity.fingerprint:
            head = self.tr("Not verified")
            lines = [
                self.tr(
                    "This name is signed with an organisation key this computer does not "
                    "know. Compare the key below with the one on the organisation's own web "
                    "page before you continue."
                )
            ]
        elif vouched:
            head = self.tr("Not verified")
            lines = [
                self.tr(
                    "This name was passed on by the agent helping you; it is not signed by "
                    "a key this computer trusts. Ask the agent who this is before you allow."
                )
            ]
        else:
            head = self.tr("Not verified")
            lines = [
                self.tr(
                    "This name comes from the relay server, not from a key this computer "
                    "trusts. Make sure you know who you are talking to."
                )
            ]
        if identity is not None and identity.fingerprint:
            lines.append(
                self.tr("Organisation key: {fingerprint}").format(fingerprint=identity.fingerprint)
            )
            lines.append(self.tr("On the phone? Ask them to read it out and compare."))
        title = QLabel(head)
        title.setObjectName("BadgeTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        for text in lines:
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)


class ConsentDialog(QDialog):
    """Use :meth:`ask`; it returns a :class:`ConsentChoice`, or None for no."""

    def __init__(
        self,
        agent_name: str,
        org: str,
        monitors: Sequence[Monitor],
        parent: QWidget | None = None,
        identity: CheckedIdentity | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Share your screen?"))
        self.setStyleSheet(STYLE)
        self.setModal(True)
        self.setMinimumWidth(620)
        self.monitors = list(monitors)
        self._thumbs: dict[int, QLabel] = {}

        who = QLabel(agent_name)
        who.setObjectName("AgentName")
        who.setWordWrap(True)
        org_label = QLabel(
            self.tr("from {org}").format(org=org) if org else self.tr("(no organisation given)")
        )
        org_label.setStyleSheet("font-size: 20px; font-weight: 600;")
        org_label.setWordWrap(True)
        badge = self.badge = IdentityBadge(identity)
        self.verified = badge.verified
        asks = QLabel(self.tr("wants to see your screen to help you."))
        asks.setWordWrap(True)

        warning = QFrame()
        warning.setObjectName("Warning")
        wl = QHBoxLayout(warning)
        wl.setContentsMargins(16, 14, 16, 14)
        icon = QLabel("⚠")
        icon.setStyleSheet("font-size: 30px; color: #b26a00;")
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text = QLabel(
            self.tr(
                "Only continue if you contacted this organisation yourself. Never share your "
                "screen with someone who called you out of the blue."
            )
        )
        text.setWordWrap(True)
        text.setStyleSheet("font-weight: 600;")
        wl.addWidget(icon)
        wl.addWidget(text, 1)

        what = QLabel(self.tr("What will be shared"))
        what.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.monitor_group = QButtonGroup(self)
        shared = self._monitor_chooser()
        note = QLabel(
            self.tr(
                "The agent sees everything on this screen, but cannot click or type. "
                "Windows on other monitors are not shared."
            )
            if len(self.monitors) > 1
            else self.tr("The agent sees everything on your screen, but cannot click or type.")
        )
        note.setWordWrap(True)

        self.draw_box = QCheckBox(self.tr("Let the agent draw on my screen"))
        self.draw_box.setChecked(True)
        draw_note = QLabel(
            self.tr("Arrows and boxes that show you where to click. Only you can click.")
        )
        draw_note.setObjectName("Subtle")
        draw_note.setWordWrap(True)
        draw_note.setContentsMargins(30, 0, 0, 0)

        control = QLabel(
            self.tr(
                "A bar at the top of your screen shows when sharing is on. You can pause or "
                "stop at any time, or press {keys} to stop at once."
            ).format(keys=STOP_KEY_SEQUENCE)
        )
        control.setObjectName("Subtle")
        control.setWordWrap(True)

        self.decline_button = QPushButton(self.tr("Don't share"))
        self.share_button = QPushButton(self.tr("Share my screen"))
        self.share_button.setObjectName("Primary")
        for b in (self.decline_button, self.share_button):
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setMinimumHeight(52)
        self.decline_button.clicked.connect(self.reject)
        self.share_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 30, 36, 26)
        layout.setSpacing(12)
        layout.addWidget(who)
        layout.addWidget(org_label)
        layout.addWidget(badge)
        layout.addWidget(asks)
        layout.addSpacing(4)
        layout.addWidget(warning)
        layout.addSpacing(6)
        layout.addWidget(what)
        layout.addWidget(shared)
        layout.addWidget(note)
        layout.addSpacing(4)
        layout.addWidget(self.draw_box)
        layout.addWidget(draw_note)
        layout.addWidget(control)
        layout.addSpacing(6)
        buttons = QHBoxLayout()
        buttons.addWidget(self.decline_button, 1)
        buttons.addSpacing(12)
        buttons.addWidget(self.share_button, 2)
        layout.addLayout(buttons)
        self.decline_button.setFocus()
        self.resize(self.sizeHint().expandedTo(self.minimumSize()))

    def _monitor_chooser(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        if len(self.monitors) == 1:
            m = self.monitors[0]
            label = QLabel(
                self.tr("Your whole screen ({width} × {height})").format(
                    width=m.width, height=m.height
                )
            )
            grid.addWidget(label, 0, 0)
            return box
        for i, m in enumerate(self.monitors):
            radio = QRadioButton(
                self.tr("Monitor {number}").format(number=i + 1)
                + (self.tr(" (main)") if m.primary else "")
            )
            radio.setChecked(m.primary)
            self.monitor_group.addButton(radio, m.index)
            thumb = QLabel(self.tr("Preview…"))
            thumb.setFixedSize(*THUMB_SIZE)
            thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
            thumb.setStyleSheet("background: #eceff1; border: 1px solid #c4c7c5;")
            self._thumbs[m.index] = thumb
            size = QLabel(f"{m.width} × {m.height}")
            size.setObjectName("Subtle")
            size.setContentsMargins(30, 0, 0, 0)
            grid.addWidget(thumb, 0, i)
            grid.addWidget(radio, 1, i)
            grid.addWidget(size, 2, i)
        if self.monitor_group.checkedId() < 0:
            self.monitor_group.buttons()[0].setChecked(True)
        box.setMinimumHeight(grid.sizeHint().height())  # never squeeze the previews
        return box

    @Slot(int, QImage)
    def on_thumbnail(self, index: int, image: QImage) -> None:
        label = self._thumbs.get(index)
        if label is not None:
            pixmap = QPixmap.fromImage(image).scaled(
                label.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            label.setPixmap(pixmap)

    def choice(self) -> ConsentChoice:
        chosen = self.monitor_group.checkedId()
        if chosen < 0:
            chosen = self.monitors[0].index
        return ConsentChoice(self.draw_box.isChecked(), chosen)

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        agent_name: str,
        org: str,
        monitors: Sequence[Monitor],
        previews: QObject | None = None,
        identity: CheckedIdentity | None = None,
    ) -> ConsentChoice | None:
        """Show the prompt; the customer's choice, or None if they declined or closed it."""
        dialog = cls(agent_name, org, monitors, parent, identity)
        if previews is not None:
            previews.thumbnail_ready.connect(dialog.on_thumbnail)  # type: ignore[attr-defined]
            previews.start()  # type: ignore[attr-defined]
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.choice()
            return None
        finally:
            dialog.deleteLater()


class MonitorSwitchDialog(QDialog):
    """The agent asked to see another monitor: the customer decides. Use :meth:`ask`."""

    def __init__(self, agent_name: str, monitor: Monitor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Share another monitor?"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(480)
        text = QLabel(
            self.tr("{name} asks to see monitor {number} instead of the current one.").format(
                name=agent_name, number=monitor.index + 1
            )
        )
        text.setWordWrap(True)
        text.setStyleSheet("font-size: 18px;")
        keep = QPushButton(self.tr("Keep the current one"))
        switch = QPushButton(self.tr("Share monitor {number}").format(number=monitor.index + 1))
        switch.setObjectName("Primary")
        for b in (keep, switch):
            b.setAutoDefault(False)
        keep.clicked.connect(self.reject)
        switch.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(30, 26, 30, 22)
        layout.addWidget(text)
        layout.addSpacing(12)
        row = QHBoxLayout()
        row.addWidget(keep)
        row.addWidget(switch)
        layout.addLayout(row)
        keep.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, agent_name: str, monitor: Monitor) -> bool:
        dialog = cls(agent_name, monitor, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
