"""The prompt when someone offers the customer a file: its own question, one per file.

Who sends it, the file's name and size, where it will be saved (Downloads by
default, "Choose folder…" to change it), and that nothing opens or runs by itself.
Don't accept / Save file, with the focus on "Don't accept"; closing it declines.
Once accepted, the same window shows the progress with Cancel, then where the
file is, with "Show in folder".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from assist_client.windows.style import STYLE
from assist_ui.transfers import Offer
from common.files import size_text
from common.messages import FileEndState


class FileOfferDialog(QDialog):
    """See the module docstring. ``answered(transfer, folder or None)`` once;
    ``cancel_requested(transfer)`` while the file is coming."""

    answered = Signal(int, object)  # transfer, Path | None
    cancel_requested = Signal(int)

    def __init__(self, offer: Offer, sender: str, folder: Path) -> None:
        super().__init__(None, Qt.WindowType.Dialog | Qt.WindowType.WindowStaysOnTopHint)
        self.offer = offer
        self.folder = folder
        self._done = False
        self.setWindowTitle(self.tr("Accept a file?"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(560)

        head = QLabel(self.tr("{name} wants to send you a file").format(name=sender))
        head.setObjectName("AgentName")
        head.setWordWrap(True)
        box = QFrame()
        box.setObjectName("Warning")
        bl = QVBoxLayout(box)
        bl.setContentsMargins(16, 10, 16, 10)
        self.file_label = QLabel(f"{offer.safe}\n{size_text(offer.size)}")
        self.file_label.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.file_label.setWordWrap(True)
        bl.addWidget(self.file_label)
        safe = QLabel(
            self.tr(
                "It is only saved: nothing opens or runs by itself. Open it only if you "
                "expected it from {name}."
            ).format(name=sender)
        )
        safe.setWordWrap(True)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setObjectName("Subtle")
        self.choose_button = QPushButton(self.tr("Choose folder…"))
        self.choose_button.clicked.connect(self._choose)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()

        self.decline_button = QPushButton(self.tr("Don't accept"))
        self.accept_button = QPushButton(self.tr("Save file"))
        self.accept_button.setObjectName("Primary")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.show_button = QPushButton(self.tr("Show in folder"))
        self.close_button = QPushButton(self.tr("Close"))
        for b in (
            self.decline_button,
            self.accept_button,
            self.cancel_button,
            self.show_button,
            self.close_button,
        ):
            b.setAutoDefault(False)
            b.setDefault(False)
            b.setMinimumHeight(48)
        self.cancel_button.hide()
        self.show_button.hide()
        self.close_button.hide()
        self.decline_button.clicked.connect(self.reject)
        self.accept_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(offer.transfer))
        self.show_button.clicked.connect(self._show_folder)
        self.close_button.clicked.connect(self.close)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 26, 32, 22)
        layout.setSpacing(12)
        layout.addWidget(head)
        layout.addWidget(box)
        layout.addWidget(safe)
        where_row = QHBoxLayout()
        where_row.addWidget(self.where, 1)
        where_row.addWidget(self.choose_button)
        layout.addLayout(where_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        for b in (
            self.decline_button,
            self.accept_button,
            self.cancel_button,
            self.show_button,
            self.close_button,
        ):
            buttons.addWidget(b, 1)
        layout.addLayout(buttons)
        self._show_where()
        self.decline_button.setFocus()
        self.resize(self.sizeHint().expandedTo(self.minimumSize()))

    def _show_where(self) -> None:
        self.where.setText(self.tr("Saved in: {folder}").format(folder=str(self.folder)))

    @Slot()
    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, self.tr("Where should the file go?"), str(self.folder)
        )
        if chosen:
            self.folder = Path(chosen)
            self._show_where()

    @property
    def answered_yet(self) -> bool:
        return self._done

    def _answer(self, folder: Path | None) -> None:
        if not self._done:
            self._done = True
            self.answered.emit(self.offer.transfer, folder)

    @Slot()
    def accept(self) -> None:
        """Save: the window stays, showing the progress with Cancel."""
        self._answer(self.folder)
        for b in (self.decline_button, self.accept_button, self.choose_button):
            b.hide()
        self.progress.show()
        self.cancel_button.show()
        self.status.setText(self.tr("Receiving…"))
        self.status.show()

    @Slot()
    def reject(self) -> None:
        self._answer(None)
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._done:
            self._answer(None)
        elif self.cancel_button.isVisible():  # closing while it comes: cancel it
            self.cancel_requested.emit(self.offer.transfer)
        super().closeEvent(event)

    @Slot(int, int, int)
    def on_progress(self, transfer: int, done: int, size: int) -> None:
        if transfer == self.offer.transfer and size:
            self.progress.setValue(round(1000 * done / size))
            self.status.setText(
                self.tr("Receiving… {done} of {size}").format(
                    done=size_text(done), size=size_text(size)
                )
            )

    @Slot(int, object, str)
    def on_finished(self, transfer: int, state: FileEndState, text: str) -> None:
        if transfer != self.offer.transfer:
            return
        self._done = True
        self.cancel_button.hide()
        self.close_button.show()
        self.progress.setValue(1000 if state is FileEndState.DONE else self.progress.value())
        if state is FileEndState.DONE:
            self.saved = Path(text)
            self.status.setText(self.tr("Saved: {path}").format(path=text))
            self.show_button.show()
        else:
            self.status.setText(text)
        self.status.show()

    def _show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved.parent)))

    def withdraw(self) -> None:
        """The offer is gone (the sender cancelled or left) before an answer."""
        self._done = True
        self.close()
