"""A text window on the customer's screen that says what reached it: for remote control
tests, the bench's keystroke round trip and the demo.

``python -m tools.text_window --log FILE [--title T] [--geometry X,Y,W,H]`` shows a
big white text box (black text, so each typed character changes the picture) and
appends one JSON line to ``FILE`` for every change: ``{"t": ns, "text": ...}`` when
the text changes, ``{"t": ns, "click": [x, y], "button": n}`` (desktop pixels) for
every mouse press. The first line is ``{"ready": true, ...}`` once the window is
mapped and has the keyboard focus. The title lets a test pose as a protected window.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import QApplication, QPlainTextEdit


class TextWindow(QPlainTextEdit):
    def __init__(self, log: IO[str]) -> None:
        super().__init__()
        self._log = log
        font = QFont("NanumGothic")
        font.setPixelSize(28)
        self.setFont(font)
        self.setStyleSheet("QPlainTextEdit { background: white; color: black; }")
        self.textChanged.connect(self._changed)

    def _write(self, **entry: object) -> None:
        self._log.write(json.dumps({"t": time.time_ns(), **entry}, ensure_ascii=False) + "\n")
        self._log.flush()

    def _changed(self) -> None:
        self._write(text=self.toPlainText())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        g = event.globalPosition()
        button = {Qt.MouseButton.LeftButton: 1, Qt.MouseButton.RightButton: 3}.get(
            event.button(), 2
        )
        self._write(click=[round(g.x()), round(g.y())], button=button)
        super().mousePressEvent(event)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--title", default="Notes")
    p.add_argument("--geometry", default="100,100,700,300", help="X,Y,W,H")
    args = p.parse_args(argv)
    x, y, w, h = (int(v) for v in args.geometry.split(","))
    app = QApplication(sys.argv[:1])
    log = args.log.open("a", encoding="utf-8")
    window = TextWindow(log)
    window.setWindowTitle(args.title)
    window.setGeometry(x, y, w, h)
    window.show()
    window.activateWindow()
    window.setFocus()

    def ready() -> None:
        if not window.hasFocus():
            window.activateWindow()
            window.setFocus()
            QTimer.singleShot(50, ready)
            return
        window._write(ready=True, title=args.title)

    QTimer.singleShot(100, ready)
    code = app.exec()
    log.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
