"""The side panel's tabs: chat with quick replies, numbered steps, and notes.

The widgets show the :class:`~assist_agent.guidance.Guidance` model and forward
what the agent types to it.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assist_agent.guidance import ChatLine, Guidance


class CannedRepliesDialog(QDialog):
    """Edit the quick replies, one per line."""

    def __init__(self, replies: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Quick replies"))
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText("\n".join(replies))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("One reply per line:"), self))
        layout.addWidget(self.editor)
        layout.addWidget(buttons)
        self.resize(460, 320)

    @classmethod
    def edit(cls, replies: list[str], parent: QWidget | None = None) -> list[str] | None:
        dialog = cls(replies, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return [line for line in dialog.editor.toPlainText().splitlines() if line.strip()]


class ChatTab(QWidget):
    def __init__(self, guidance: Guidance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guidance = guidance
        self._lines: list[str] = []
        self.transcript = QTextBrowser(self)
        self.transcript.setOpenLinks(False)
        self.input = QLineEdit(self)
        self.input.setPlaceholderText(self.tr("Write to the customer…"))
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("primary")
        self.quick = QToolButton(self)
        self.quick.setText(self.tr("Quick replies"))
        self.quick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.quick.setMenu(QMenu(self.quick))
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.quick, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(row)
        self.input.returnPressed.connect(self.send)
        self.send_button.clicked.connect(self.send)
        guidance.chat_added.connect(self.on_chat_added)
        guidance.canned_changed.connect(self.on_canned_changed)
        self.on_canned_changed()

    def send(self) -> None:
        if self.guidance.send_chat(self.input.text()):
            self.input.clear()

    def set_can_send(self, can: bool) -> None:
        self.input.setEnabled(can)
        self.send_button.setEnabled(can)
        self.quick.setEnabled(can)

    def clear(self) -> None:
        self._lines.clear()
        self.transcript.clear()

    def on_chat_added(self, line: ChatLine) -> None:
        when = dt.datetime.fromtimestamp(line.sent_ms / 1000).strftime("%H:%M")
        who = self.tr("You") if line.from_agent else self.tr("Customer")
        color, align = ("#1e66d0", "right") if line.from_agent else ("#263238", "left")
        text = html.escape(line.text).replace("\n", "<br>")
        self._lines.append(
            f'<table width="100%" cellpadding="2"><tr><td align="{align}">'
            f'<span style="color:#90a4ae; font-size:11px">{html.escape(who)} · {when}</span>'
            f'<br><span style="color:{color}">{text}</span></td></tr></table>'
        )
        self.transcript.setHtml("".join(self._lines))
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())

    def on_canned_changed(self) -> None:
        menu = self.quick.menu()
        menu.clear()
        for reply in self.guidance.canned:
            act = menu.addAction(reply if len(reply) < 60 else reply[:57] + "…")
            act.triggered.connect(lambda _=False, r=reply: self._use_reply(r))
        menu.addSeparator()
        menu.addAction(self.tr("Edit quick replies…")).triggered.connect(self._edit_replies)

    def _use_reply(self, reply: str) -> None:
        self.input.setText(reply)
        self.input.setFocus()

    def _edit_replies(self) -> None:
        replies = CannedRepliesDialog.edit(self.guidance.canned, self)
        if replies is not None:
            self.guidance.set_canned(replies)


class StepsTab(QWidget):
    def __init__(self, guidance: Guidance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.guidance = guidance
        self.list = QListWidget(self)
        self.input = QLineEdit(self)
        self.input.setPlaceholderText(self.tr("Describe the next step…"))
        self.add_button = QPushButton(self.tr("Add step"), self)
        self.add_button.setObjectName("primary")
        hint = QLabel(
            self.tr(
                "The customer sees these steps. Tick a step when it is done; "
                "double-click to reword it."
            ),
            self,
        )
        hint.setWordWrap(True)
        hint.setObjectName("identity")
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)
        layout.addLayout(row)
        self.input.returnPressed.connect(self.add)
        self.add_button.clicked.connect(self.add)
        self.list.itemChanged.connect(self._on_item_changed)
        guidance.steps_changed.connect(self.refresh)
        self._refreshing = False

    def add(self) -> None:
        if self.guidance.add_step(self.input.text()) is not None:
            self.input.clear()

    def refresh(self) -> None:
        self._refreshing = True
        self.list.clear()
        for step in self.guidance.steps:
            item = QListWidgetItem(f"{step.number}. {step.text}")
            item.setData(Qt.ItemDataRole.UserRole, step.number)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsEditable
                | Qt.ItemFlag.ItemIsSelectable
            )
            item.setCheckState(Qt.CheckState.Checked if step.done else Qt.CheckState.Unchecked)
            item.setToolTip(self.tr("Step {n}").format(n=step.number))
            self.list.addItem(item)
        self._refreshing = False

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._refreshing:
            return
        number = int(item.data(Qt.ItemDataRole.UserRole))
        text = item.text()
        prefix = f"{number}. "
        if text.startswith(prefix):
            text = text[len(prefix) :]
        self.guidance.edit_step(number, text)
        self.guidance.set_step_done(number, item.checkState() == Qt.CheckState.Checked)


class NotesTab(QWidget):
    notes_edited = Signal(str)
    keep_screenshot_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlaceholderText(
            self.tr("Your notes about this session: the problem, what you did, what is left.")
        )
        self.keep_screenshot = QCheckBox(self.tr("Save a final screenshot with the session"), self)
        hint = QLabel(
            self.tr(
                "Notes, chat, steps and the customer's rating are saved in your history "
                "when the session ends."
            ),
            self,
        )
        hint.setWordWrap(True)
        hint.setObjectName("identity")
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.keep_screenshot)
        layout.addWidget(hint)
        self.editor.textChanged.connect(lambda: self.notes_edited.emit(self.editor.toPlainText()))
        self.keep_screenshot.toggled.connect(self.keep_screenshot_toggled)


class SessionTabs(QTabWidget):
    def __init__(self, guidance: Guidance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chat = ChatTab(guidance, self)
        self.steps = StepsTab(guidance, self)
        self.notes = NotesTab(self)
        self.addTab(self.chat, self.tr("Chat"))
        self.addTab(self.steps, self.tr("Steps"))
        self.addTab(self.notes, self.tr("Notes"))
