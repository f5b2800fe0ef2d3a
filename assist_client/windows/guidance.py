"""The guidance panel: the agent's numbered steps and chat, and a box to write back."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from assist_client.monitors import Monitor
from assist_client.windows.style import STYLE
from common.messages import Chat, Step


class GuidancePanel(QWidget):
    """Shows steps and chat; emits ``chat_typed`` when the customer sends a line."""

    chat_typed = Signal(str)
    visibility_changed = Signal(bool)
    file_chosen = Signal(object)  # Path: the customer chose a file to send to the agent

    def __init__(self, agent_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("GuidancePanel")
        self.setWindowTitle(self.tr("Assist — help from {name}").format(name=agent_name))
        self.setStyleSheet(STYLE)
        self.agent_name = agent_name
        self._steps: dict[int, Step] = {}
        self._lines: list[str] = []

        steps_title = QLabel(self.tr("Steps"))
        steps_title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.steps_view = QTextBrowser()
        self.steps_view.setMinimumHeight(120)
        self.steps_view.setPlaceholderText(self.tr("The agent's steps will appear here."))
        chat_title = QLabel(self.tr("Messages"))
        chat_title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.chat_view = QTextBrowser()
        self.chat_view.setMinimumHeight(180)
        self.chat_view.setPlaceholderText(self.tr("Messages from the agent will appear here."))
        self.input = QLineEdit()
        self.input.setPlaceholderText(self.tr("Write to the agent…"))
        self.input.returnPressed.connect(self._send)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("Primary")
        self.send_button.clicked.connect(self._send)

        self.file_button = QPushButton(self.tr("Send a file…"))
        self.file_button.setToolTip(
            self.tr("Send a file to the agent (a log, a screenshot). You choose which.")
        )
        self.file_button.clicked.connect(self._choose_file)

        self.hide_button = QPushButton(self.tr("Hide"))
        self.hide_button.setToolTip(
            self.tr("Hide this panel. The Messages button in the sharing bar brings it back.")
        )
        self.hide_button.clicked.connect(self.hide)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(steps_title, 1)
        top.addWidget(self.hide_button)
        layout.addLayout(top)
        layout.addWidget(self.steps_view, 2)
        layout.addWidget(chat_title)
        layout.addWidget(self.chat_view, 3)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        layout.addWidget(self.file_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.resize(420, 600)

    def place_on(self, monitor: Monitor) -> None:
        """Right-hand side of the shared monitor, below the sharing bar."""
        x, y, w, h = monitor.logical_geometry()
        width, height = min(420, w // 3), min(620, h - 120)
        self.setGeometry(x + w - width - 24, y + 90, width, height)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.visibility_changed.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.visibility_changed.emit(False)

    @Slot()
    def _send(self) -> None:
        text = self.input.text().strip()
        if text:
            self.chat_typed.emit(text)
            self.input.clear()

    @Slot()
    def _choose_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Which file should the agent get?"))
        if chosen:
            self.file_chosen.emit(Path(chosen))

    def add_note(self, text: str) -> None:
        """A line from Assist itself (a file sent, a file that did not arrive)."""
        self._add_line("Assist", text, False)

    def _add_line(self, who: str, text: str, mine: bool) -> None:
        when = dt.datetime.now().strftime("%H:%M")
        colour = "#1565c0" if mine else "#202124"
        body = html.escape(text).replace("\n", "<br>")
        self._lines.append(
            f'<p style="margin:6px 0"><b style="color:{colour}">{html.escape(who)}</b> '
            f'<span style="color:#5f6368;font-size:13px">{when}</span><br>{body}</p>'
        )
        self.chat_view.setHtml("".join(self._lines))
        bar = self.chat_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    @Slot(object)
    def on_chat_received(self, msg: Chat) -> None:
        self._add_line(self.agent_name, msg.text, False)

    @Slot(object)
    def on_chat_sent(self, msg: Chat) -> None:
        self._add_line(self.tr("You"), msg.text, True)

    @Slot(object)
    def on_step(self, step: Step) -> None:
        self._steps[step.number] = step
        items = []
        for n in sorted(self._steps):
            s = self._steps[n]
            text = html.escape(s.text)
            if s.done:
                mark = '<span style="color:#2e7d32">✔</span> '
                text = f'<span style="color:#5f6368">{text}</span>'
            else:
                mark = ""
            items.append(f'<p style="margin:6px 0;font-size:17px"><b>{n}.</b> {mark}{text}</p>')
        self.steps_view.setHtml("".join(items))

    @Slot()
    def on_ended(self) -> None:
        self.input.setEnabled(False)
        self.send_button.setEnabled(False)
        self.file_button.setEnabled(False)
