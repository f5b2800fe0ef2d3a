"""The look of the customer's windows: large, calm, friendly, one place for colours and fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

PRIMARY = "#1565c0"
PRIMARY_DARK = "#0d47a1"
DANGER = "#c62828"
WARNING_BG = "#fff4e5"
WARNING_BORDER = "#f0a030"
OK = "#2e7d32"
PAUSED = "#ef6c00"
MUTED = "#5f6368"

STYLE = f"""
QWidget {{ font-size: 16px; color: #202124; }}
QDialog, QMainWindow, #JoinWindow, #GuidancePanel {{ background: #ffffff; }}
QLabel#Heading {{ font-size: 26px; font-weight: 600; padding-bottom: 4px; }}
QLineEdit#CodeEdit {{ font-size: 40px; font-weight: 700; font-family: "DejaVu Sans Mono",
                      "NanumGothicCoding", monospace; letter-spacing: 3px; padding: 10px; }}
QLabel#Subtle {{ color: {MUTED}; font-size: 14px; }}
QLabel#Error {{ color: {DANGER}; font-size: 16px; }}
QLabel#AgentName {{ font-size: 24px; font-weight: 700; color: {PRIMARY_DARK}; }}
QFrame#Warning {{ background: {WARNING_BG}; border: 2px solid {WARNING_BORDER};
                  border-radius: 10px; }}
QFrame#Warning QLabel {{ font-size: 16px; }}
QFrame#Verified {{ background: #e8f5e9; border: 2px solid {OK}; border-radius: 10px; }}
QFrame#Unverified {{ background: #fff3e0; border: 2px dashed {PAUSED}; border-radius: 10px; }}
QFrame#Verified QLabel, QFrame#Unverified QLabel {{ font-size: 15px; }}
QFrame#Verified QLabel#BadgeTitle {{ color: {OK}; font-size: 18px; font-weight: 700; }}
QFrame#Unverified QLabel#BadgeTitle {{ color: #b23c00; font-size: 18px; font-weight: 700; }}
QPushButton {{ padding: 10px 22px; border-radius: 8px; border: 1px solid #c4c7c5;
               background: #f8f9fa; font-size: 16px; }}
QPushButton:hover {{ background: #eef1f4; }}
QPushButton#Primary {{ background: {PRIMARY}; color: white; border: none; font-size: 18px;
                       font-weight: 600; padding: 14px 30px; }}
QPushButton#Primary:hover {{ background: {PRIMARY_DARK}; }}
QPushButton#Primary:disabled {{ background: #9fb8d8; }}
QPushButton#Danger {{ background: {DANGER}; color: white; border: none; font-weight: 600; }}
QLineEdit, QTextEdit, QPlainTextEdit {{ border: 1px solid #c4c7c5; border-radius: 8px;
                                         padding: 8px; background: white; }}
QCheckBox, QRadioButton {{ font-size: 16px; spacing: 10px; }}
"""


def code_font(pixel_size: int = 40) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPixelSize(pixel_size)
    font.setBold(True)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 2)
    return font
