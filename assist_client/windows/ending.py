"""The end of a session: why it ended, a 1–5 rating with a comment, and the saved recap.

:meth:`EndingDialog.ask` is the one entry point (tests replace it). It returns
the rating, or None when the customer skipped it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist_client.windows.style import STYLE


@dataclasses.dataclass(frozen=True)
class RatingChoice:
    stars: int
    comment: str


class EndingDialog(QDialog):
    def __init__(
        self,
        reason_text: str,
        agent_name: str,
        recap_path: Path | None,
        *,
        can_rate: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assist — session ended"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(560)
        self.recap_path = recap_path

        heading = QLabel(self.tr("Screen sharing has ended"))
        heading.setObjectName("Heading")
        reason = QLabel(reason_text)
        reason.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 30, 36, 26)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(reason)

        self.stars = QButtonGroup(self)
        self.stars.setExclusive(True)
        self.comment = QPlainTextEdit()
        if can_rate:
            ask = QLabel(self.tr("How did {name} do?").format(name=agent_name))
            ask.setStyleSheet("font-size: 18px; font-weight: 600;")
            layout.addSpacing(6)
            layout.addWidget(ask)
            row = QHBoxLayout()
            for n in range(1, 6):
                b = QPushButton("★")
                b.setCheckable(True)
                b.setFixedSize(64, 64)
                b.setToolTip(self.tr("{count} of 5 stars").format(count=n))
                b.setAccessibleName(self.tr("{count} of 5 stars").format(count=n))
                self.stars.addButton(b, n)
                row.addWidget(b)
            row.addStretch(1)
            layout.addLayout(row)
            self.stars.idClicked.connect(self._paint_stars)
            self.comment.setPlaceholderText(self.tr("Anything you want to tell us? (optional)"))
            self.comment.setFixedHeight(90)
            layout.addWidget(self.comment)
            self._paint_stars(0)

        if recap_path is not None:
            saved = QLabel(
                self.tr("A summary of the help you received was saved to:\n{path}").format(
                    path=str(recap_path)
                )
            )
            saved.setObjectName("Subtle")
            saved.setWordWrap(True)
            saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            open_button = QPushButton(self.tr("Open the summary"))
            open_button.clicked.connect(self._open_recap)
            layout.addSpacing(4)
            layout.addWidget(saved)
            layout.addWidget(open_button, 0, Qt.AlignmentFlag.AlignLeft)

        buttons = QHBoxLayout()
        self.skip_button = QPushButton(self.tr("Close") if not can_rate else self.tr("Skip"))
        self.skip_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        if can_rate:
            self.send_button = QPushButton(self.tr("Send rating"))
            self.send_button.setObjectName("Primary")
            self.send_button.setEnabled(False)
            self.send_button.clicked.connect(self.accept)
            buttons.addWidget(self.send_button)
        layout.addSpacing(6)
        layout.addLayout(buttons)

    @Slot(int)
    def _paint_stars(self, chosen: int) -> None:
        for n in range(1, 6):
            b = self.stars.button(n)
            on = n <= chosen
            b.setStyleSheet(
                f"font-size: 34px; padding: 0; border: none; background: transparent;"
                f"color: {'#f9a825' if on else '#c4c7c5'};"
            )
        if chosen and hasattr(self, "send_button"):
            self.send_button.setEnabled(True)

    @Slot()
    def _open_recap(self) -> None:
        if self.recap_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.recap_path)))

    def rating(self) -> RatingChoice | None:
        stars = self.stars.checkedId()
        if stars < 1:
            return None
        return RatingChoice(stars, self.comment.toPlainText().strip())

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        reason_text: str,
        agent_name: str,
        recap_path: Path | None,
        *,
        can_rate: bool = True,
    ) -> RatingChoice | None:
        dialog = cls(reason_text, agent_name, recap_path, can_rate=can_rate, parent=parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.rating()
            return None
        finally:
            dialog.deleteLater()
