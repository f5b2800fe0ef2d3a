"""The agent window's look: a calm, light workspace with one accent colour."""

from __future__ import annotations

from PySide6.QtGui import QColor

ACCENT = "#1e66d0"
#: Colour of the state dot for each tone.
TONES = {
    "idle": QColor("#90a4ae"),
    "wait": QColor("#f9a825"),
    "live": QColor("#2e7d32"),
    "warn": QColor("#ef6c00"),
    "bad": QColor("#c62828"),
}

STYLE = f"""
QMainWindow, QWidget#workspace {{ background: #eef1f4; }}
QToolBar {{ background: #fafbfc; border: none; border-bottom: 1px solid #d5dbe1;
            spacing: 2px; padding: 4px 6px; }}
QToolBar QToolButton {{ padding: 4px; border-radius: 6px; }}
QToolBar QToolButton:checked {{ background: #dbe7fb; border: 1px solid #9dbcf0; }}
QToolBar QToolButton:hover {{ background: #e8eef7; }}
QToolBar QLabel {{ color: #607d8b; padding: 0 2px 0 8px; }}
QToolButton#endButton {{ background: #c62828; color: white; font-weight: bold;
                         padding: 6px 14px; border-radius: 6px; }}
QToolButton#endButton:hover {{ background: #b71c1c; }}
QToolButton#endButton:disabled {{ background: #e0e0e0; color: #9e9e9e; }}
QFrame#sidePanel {{ background: #fafbfc; border-left: 1px solid #d5dbe1; }}
QFrame#stateCard {{ background: white; border: 1px solid #d5dbe1; border-radius: 10px; }}
QLabel#stateTitle {{ font-size: 17px; font-weight: bold; color: #1f2d3a; }}
QLabel#stateDetail {{ color: #455a64; }}
QLabel#identity {{ color: #78909c; font-size: 12px; }}
QLabel#codeCaption {{ color: #cfd8dc; font-size: 18px; }}
QLabel#codeDigits {{ color: white; font-size: 64px; font-weight: bold; letter-spacing: 4px; }}
QLabel#codeExpiry {{ color: #b0bec5; font-size: 15px; }}
QLabel#panelTitle {{ color: white; font-size: 26px; font-weight: bold; }}
QLabel#panelText {{ color: #cfd8dc; font-size: 15px; }}
QWidget#codePanel {{ background: #263238; }}
QPushButton {{ padding: 6px 14px; border-radius: 6px; border: 1px solid #b0bec5;
               background: white; }}
QPushButton:hover {{ background: #f1f5f9; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: none; font-weight: bold; }}
QPushButton#primary:hover {{ background: #1957b3; }}
QPushButton#primary:disabled {{ background: #b0bec5; }}
QPushButton#big {{ background: {ACCENT}; color: white; border: none; font-weight: bold;
                   font-size: 18px; padding: 12px 28px; border-radius: 8px; }}
QPushButton#big:hover {{ background: #1957b3; }}
QPushButton#onDark {{ background: transparent; color: white; border: 1px solid #78909c; }}
QPushButton#onDark:hover {{ background: #37474f; }}
QTabWidget::pane {{ border: 1px solid #d5dbe1; border-radius: 6px; background: white; }}
QTabBar::tab {{ padding: 6px 14px; }}
QStatusBar {{ background: #fafbfc; color: #455a64; border-top: 1px solid #d5dbe1; }}
QLabel#error {{ color: #c62828; }}
QFrame#signInCard {{ background: white; border: 1px solid #d5dbe1; border-radius: 12px; }}
QLabel#signInTitle {{ font-size: 22px; font-weight: bold; color: #1f2d3a; }}
"""
