"""The customer's desktop in the autopilot demo: a settings page with a problem to fix.

The customer's X server would otherwise show a black screen, and that is what the
agent would see. This fills it with something a support call is about: a system
settings window where automatic updates are off. The agent points at the switch,
the customer turns it on, and both sides see the page change.

Commands (see :mod:`tools.demo_runner`): ``ready`` answers with where things are,
in screen pixels, as JSON (``switch`` and ``check``, the button: ``[x, y, w, h]``, and
``switch_on``: the colour of a switch that is on);
``click switch`` moves the pointer there and clicks it, as the customer would.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QCursor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tools.demo_runner import Runner, click

PANEL_H = 34
#: The track of a switch that is on (tools.demo waits for the agent to see it).
SWITCH_ON = "#a8c7fa"
STYLE = """
QWidget { font-size: 15px; color: #e8eaed; }
#settings { background: #1f2227; border-radius: 12px; }
#titleBar { background: #2b2f36; border-top-left-radius: 12px; border-top-right-radius: 12px;
            border-bottom: 1px solid #3a3f47; }
#titleBar QLabel { font-size: 14px; font-weight: 600; color: #c9ccd1; }
#sidebar { background: #191c20; border-bottom-left-radius: 12px; border-right: 1px solid #30343b; }
#sidebar QLabel { padding: 9px 18px; border-radius: 8px; font-size: 15px; color: #c9ccd1; }
#sidebar QLabel#current { background: #2c3e5c; color: #a8c7fa; font-weight: 600; }
#pageTitle { font-size: 30px; font-weight: 600; }
#banner { border-radius: 10px; }
#banner QLabel { font-size: 16px; }
#card { background: #262a30; border: 1px solid #353a42; border-radius: 12px; }
#rowTitle { font-size: 16px; font-weight: 600; }
#rowText, #footer { color: #9aa0a6; font-size: 14px; }
#divider { background: #353a42; }
QPushButton#primary { background: #a8c7fa; color: #0b1d3a; border: none; border-radius: 18px;
                      padding: 10px 26px; font-size: 15px; font-weight: 600; }
QPushButton#flat { background: transparent; color: #a8c7fa; border: none; font-size: 15px;
                   padding: 10px 12px; }
"""
SECTIONS = (
    "Network & internet",
    "Bluetooth & devices",
    "Display",
    "Sound",
    "Notifications",
    "Apps",
    "Privacy & security",
    "System updates",
    "Accounts",
    "About this computer",
)
ROWS = (
    ("Install updates automatically", "Security fixes are installed as soon as they come out."),
    ("Download over metered connections", "Mobile data or a hotspot may cost you money."),
    ("Tell me when a restart is needed", "A notice appears when an update needs a restart."),
    ("Get updates for other products", "Office programs and printer drivers, among others."),
)
STARTING = (False, False, True, True)


class Switch(QAbstractButton):
    """An on/off switch drawn like the ones in phone and desktop settings."""

    def __init__(self, on: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setChecked(on)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(56, 30)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(1, 1, self.width() - 2, self.height() - 2)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(SWITCH_ON if self.isChecked() else "#5f6368"))
        p.drawRoundedRect(track, track.height() / 2, track.height() / 2)
        d = track.height() - 8
        x = track.right() - d - 4 if self.isChecked() else track.left() + 4
        p.setBrush(QColor("#0b1d3a" if self.isChecked() else "#e8eaed"))
        p.drawEllipse(QRectF(x, track.top() + 4, d, d))


class Desktop(QWidget):
    """The whole screen: wallpaper, a top panel, and the settings window."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.setWindowTitle("Desktop")
        self.setStyleSheet(STYLE)
        self.setGeometry(QApplication.primaryScreen().geometry())
        self.settings = QFrame(self)
        self.settings.setObjectName("settings")
        self.settings.setGeometry(self._window_rect())
        self.switches: list[Switch] = []
        self._build(self.settings)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.update)
        self._clock.start(30_000)

    def _window_rect(self) -> QRect:
        """Left of centre: the guidance panel of Assist opens on the right-hand side."""
        w, h = self.width(), self.height()
        width, height = min(1300, w - 120), min(820, h - PANEL_H - 100)
        return QRect(min(110, (w - width) // 2), PANEL_H + 56, width, height)

    def _build(self, window: QFrame) -> None:
        title_bar = QFrame(window)
        title_bar.setObjectName("titleBar")
        title_bar.setFixedHeight(42)
        tl = QHBoxLayout(title_bar)
        tl.setContentsMargins(18, 0, 18, 0)
        tl.addWidget(QLabel("Settings"))
        tl.addStretch(1)
        tl.addWidget(QLabel("—     ☐     ✕"))

        sidebar = QFrame(window)
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(300)
        sl = QVBoxLayout(sidebar)
        sl.setContentsMargins(14, 18, 14, 18)
        sl.setSpacing(2)
        for name in SECTIONS:
            label = QLabel(name)
            if name == "System updates":
                label.setObjectName("current")
            sl.addWidget(label)
        sl.addStretch(1)

        page = QWidget(window)
        pl = QVBoxLayout(page)
        pl.setContentsMargins(48, 34, 48, 30)
        pl.setSpacing(18)
        heading = QLabel("System updates")
        heading.setObjectName("pageTitle")
        pl.addWidget(heading)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(20, 16, 20, 16)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        bl.addWidget(self.banner_text, 1)
        pl.addWidget(self.banner)

        card = QFrame()
        card.setObjectName("card")
        cl = QVBoxLayout(card)
        cl.setContentsMargins(24, 8, 24, 8)
        cl.setSpacing(0)
        self.rows: list[QWidget] = []
        for i, ((title, text), on) in enumerate(zip(ROWS, STARTING, strict=True)):
            if i:
                line = QFrame()
                line.setObjectName("divider")
                line.setFixedHeight(1)
                cl.addWidget(line)
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 16, 0, 16)
            words = QVBoxLayout()
            words.setSpacing(4)
            t = QLabel(title)
            t.setObjectName("rowTitle")
            d = QLabel(text)
            d.setObjectName("rowText")
            words.addWidget(t)
            words.addWidget(d)
            rl.addLayout(words, 1)
            switch = Switch(on)
            switch.toggled.connect(self._show_status)
            rl.addWidget(switch, 0, Qt.AlignmentFlag.AlignVCenter)
            rl.addSpacing(150)  # room beside the switch, as in a wide settings page
            self.switches.append(switch)
            self.rows.append(row)
            cl.addWidget(row)
        pl.addWidget(card)

        buttons = QHBoxLayout()
        self.check = QPushButton("Check for updates")
        self.check.setObjectName("primary")
        history = QPushButton("Update history")
        history.setObjectName("flat")
        buttons.addWidget(self.check)
        buttons.addWidget(history)
        buttons.addStretch(1)
        pl.addLayout(buttons)
        footer = QLabel("Last checked 12 days ago  ·  Version 23.04.2  ·  Device: Office-PC-07")
        footer.setObjectName("footer")
        pl.addWidget(footer)
        pl.addStretch(1)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(sidebar)
        body.addWidget(page, 1)
        outer = QVBoxLayout(window)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(title_bar)
        outer.addLayout(body, 1)
        self._show_status()

    def _show_status(self) -> None:
        if self.switches[0].isChecked():
            self.banner.setStyleSheet("#banner { background: #16301f; border: 1px solid #2e6b43; }")
            self.banner_text.setStyleSheet("color: #8fd6a5;")
            self.banner_text.setText(
                "✔  Automatic updates are on. Your computer will stay up to date."
            )
        else:
            self.banner.setStyleSheet("#banner { background: #3a2f12; border: 1px solid #7a5c17; }")
            self.banner_text.setStyleSheet("color: #f8d477;")
            self.banner_text.setText(
                "⚠  Updates are paused. 3 important security updates are waiting to be installed."
            )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        sky = QLinearGradient(0, 0, self.width(), self.height())
        sky.setColorAt(0.0, QColor("#16324f"))
        sky.setColorAt(0.55, QColor("#1d5c7a"))
        sky.setColorAt(1.0, QColor("#2f8f8a"))
        p.fillRect(self.rect(), sky)
        p.fillRect(0, 0, self.width(), PANEL_H, QColor("#111418"))
        p.setPen(QColor("#e8eaed"))
        font = p.font()
        font.setPixelSize(14)
        font.setBold(True)
        p.setFont(font)
        bar = QRect(18, 0, self.width() - 36, PANEL_H)
        p.drawText(bar, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, "Apps")
        p.drawText(bar, Qt.AlignmentFlag.AlignCenter, "Tuesday 10:42")
        p.drawText(
            bar, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, "Wi-Fi   Sound   82%"
        )
        shadow = self.settings.geometry().adjusted(-2, -1, 2, 4)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 70))
        p.drawRoundedRect(QRectF(shadow), 14, 14)

    def where(self, widget: QWidget) -> list[int]:
        top_left = widget.mapToGlobal(QPoint(0, 0))
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]


class DesktopPilot(Runner):
    def __init__(self, desktop: Desktop) -> None:
        super().__init__()
        self.desktop = desktop

    def do_ready(self, _: str) -> None:
        d = self.desktop

        def answer() -> None:
            spots = {
                "switch": d.where(d.switches[0]),
                "check": d.where(d.check),
                "switch_on": SWITCH_ON,
            }
            self.reply(json.dumps(spots))

        self.when("the desktop to show", d.isVisible, answer, settle_ms=300)

    def do_click(self, name: str) -> None:
        if name != "switch":
            raise ValueError(f"nothing called {name!r} to click")
        switch = self.desktop.switches[0]
        QCursor.setPos(switch.mapToGlobal(switch.rect().center()))  # the real X pointer moves
        click(switch)
        self.when("the switch to turn on", switch.isChecked, settle_ms=200)


def main() -> int:
    app = QApplication(sys.argv[:1])
    desktop = Desktop()
    desktop.show()
    QCursor.setPos(desktop.width() // 2 + 180, desktop.height() // 2 + 260)
    _pilot = DesktopPilot(desktop)  # the name keeps it alive while the loop runs
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
