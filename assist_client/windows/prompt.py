"""What every yes/no prompt of the customer's shares: one answer, and only one.

Allow is ``accept``, Don't allow is ``reject``; closing the window or pressing
Escape declines; :meth:`YesNoPrompt.withdraw` closes it without an answer (the one
who asked left). Subclasses say how the answer goes out (:meth:`_emit`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog


class YesNoPrompt(QDialog):
    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Dialog | Qt.WindowType.WindowStaysOnTopHint)
        self._done = False

    def _emit(self, allowed: bool) -> None:
        raise NotImplementedError

    def _answer(self, allowed: bool) -> None:
        if not self._done:
            self._done = True
            self._emit(allowed)

    @Slot()
    def accept(self) -> None:
        self._answer(True)
        super().accept()

    @Slot()
    def reject(self) -> None:
        self._answer(False)
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._answer(False)
        super().closeEvent(event)

    def withdraw(self) -> None:
        """The question is gone before the customer answered: close without an answer."""
        self._done = True
        self.close()
