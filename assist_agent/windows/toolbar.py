"""The drawing and view toolbar: tools with shortcuts, colour, width, fade, undo, zoom, monitor.

It only shows state and forwards: its actions and signals are wired to the
:class:`~assist_agent.drawing.Drawing` and the viewer by the main window.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from assist_agent.drawing import FADE_CHOICES_S, PALETTE, WIDTH_CHOICES, Tool
from assist_agent.windows.icons import swatch_icon, tool_icon
from common.messages import MonitorInfo


class DrawingToolbar(QToolBar):
    tool_chosen = Signal(object)  # Tool
    color_chosen = Signal(int)  # RGBA
    width_chosen = Signal(int)
    fade_chosen = Signal(int)  # seconds
    monitor_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMovable(False)
        self.setIconSize(QSize(24, 24))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.tool_actions: dict[Tool, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        names = {
            Tool.PEN: (self.tr("Pen"), "P"),
            Tool.ARROW: (self.tr("Arrow"), "A"),
            Tool.RECT: (self.tr("Rectangle"), "R"),
            Tool.ELLIPSE: (self.tr("Ellipse"), "E"),
            Tool.TEXT: (self.tr("Text"), "T"),
            Tool.HIGHLIGHTER: (self.tr("Highlighter"), "H"),
            Tool.STEP: (self.tr("Numbered step marker"), "N"),
            Tool.LASER: (self.tr("Laser pointer (hold the button)"), "L"),
        }
        self._names = names
        for tool, (name, key) in names.items():
            act = QAction(tool_icon(tool), name, self)
            act.setCheckable(True)
            act.setShortcut(QKeySequence(key))
            act.setData(tool)
            act.triggered.connect(lambda _=False, t=tool: self.tool_chosen.emit(t))
            group.addAction(act)
            self.addAction(act)
            self.tool_actions[tool] = act
        self.addSeparator()

        self.color_button = QToolButton(self)
        self.color_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.color_button.setToolTip(self.tr("Colour"))
        menu = QMenu(self.color_button)
        color_names = [
            self.tr("Red"),
            self.tr("Orange"),
            self.tr("Yellow"),
            self.tr("Green"),
            self.tr("Blue"),
            self.tr("Purple"),
            self.tr("Black"),
            self.tr("White"),
        ]
        for rgba, cname in zip(PALETTE, color_names, strict=True):
            act = menu.addAction(swatch_icon(rgba), cname)
            act.triggered.connect(lambda _=False, c=rgba: self.color_chosen.emit(c))
        self.color_button.setMenu(menu)
        self.addWidget(self.color_button)

        self.addWidget(QLabel(self.tr("Width")))
        self.width_box = QComboBox(self)
        for w in WIDTH_CHOICES:
            self.width_box.addItem(str(w), w)
        self.width_box.setToolTip(self.tr("Line width"))
        self.width_box.activated.connect(
            lambda i: self.width_chosen.emit(int(self.width_box.itemData(i)))
        )
        self.addWidget(self.width_box)

        self.addWidget(QLabel(self.tr("Fade")))
        self.fade_box = QComboBox(self)
        for s in FADE_CHOICES_S:
            self.fade_box.addItem(self.tr("{n} s").format(n=s), s)
        self.fade_box.setToolTip(self.tr("Marks fade away after this time unless pinned"))
        self.fade_box.activated.connect(
            lambda i: self.fade_chosen.emit(int(self.fade_box.itemData(i)))
        )
        self.addWidget(self.fade_box)
        self.act_pin = QAction(self.tr("Pin"), self)
        self.act_pin.setCheckable(True)
        self.act_pin.setToolTip(self.tr("Pin new marks: they stay until you remove them"))
        self.addAction(self.act_pin)
        self.addSeparator()

        self.act_undo = self._action(self.tr("Undo"), QKeySequence.StandardKey.Undo, "↶")
        self.act_redo = self._action(self.tr("Redo"), QKeySequence.StandardKey.Redo, "↷")
        self.act_clear = self._action(self.tr("Clear all marks"), "Ctrl+Shift+X", "✕")
        self.act_undo.setEnabled(False)
        self.act_redo.setEnabled(False)
        self.addSeparator()
        self.act_zoom_out = self._action(self.tr("Zoom out"), QKeySequence.StandardKey.ZoomOut, "−")
        self.act_zoom_in = self._action(self.tr("Zoom in"), QKeySequence.StandardKey.ZoomIn, "+")
        self.act_actual = self._action(self.tr("Actual size (1:1)"), "Ctrl+0", "1:1")
        self.act_fit = self._action(self.tr("Fit to window"), "Ctrl+9", self.tr("Fit"))
        self.act_fit.setCheckable(True)
        self.act_fit.setChecked(True)
        self.zoom_label = QLabel("100%")
        self.zoom_label.setMinimumWidth(44)
        self.addWidget(self.zoom_label)
        self.addSeparator()

        self.monitor_button = QToolButton(self)
        self.monitor_button.setText(self.tr("Monitor"))
        self.monitor_button.setToolTip(self.tr("Ask the customer to share another monitor"))
        self.monitor_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.monitor_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.monitor_button.setMenu(QMenu(self.monitor_button))
        self.monitor_button.setEnabled(False)
        self.addWidget(self.monitor_button)

        #: Remote control: ask, wait, release (the customer's app decides).
        self.control_button = QToolButton(self)
        self.control_button.setObjectName("controlButton")
        self.control_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.control_button.setCheckable(True)
        self.control_button.setText(self.tr("Ask for control"))
        self.control_button.setToolTip(
            self.tr("Ask the customer to let you use their mouse and keyboard")
        )
        self.control_button.setEnabled(False)
        self.control_button.setStyleSheet(
            "QToolButton#controlButton:checked { background: #8e24aa; color: white;"
            " border-radius: 4px; padding: 2px 8px; }"
        )
        self.addWidget(self.control_button)
        self.clipboard_button = QToolButton(self)
        self.clipboard_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.clipboard_button.setText(self.tr("Send clipboard"))
        self.clipboard_button.setToolTip(
            self.tr("Put the text on your clipboard on the customer's (only while in control)")
        )
        self.clipboard_button.setVisible(False)
        self.addWidget(self.clipboard_button)
        self.file_button = QToolButton(self)
        self.file_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.file_button.setText(self.tr("Send file…"))
        self.file_button.setToolTip(
            self.tr("Offer the customer a file; they decide whether to save it")
        )
        self.file_button.setEnabled(False)
        self.addWidget(self.file_button)

        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.act_history = QAction(self.tr("History"), self)
        self.act_history.setShortcut("Ctrl+H")
        self.act_history.setToolTip(self.tr("Past sessions (Ctrl+H)"))
        self.addAction(self.act_history)
        self.end_button = QToolButton(self)
        self.end_button.setObjectName("endButton")
        self.end_button.setText(self.tr("End session"))
        self.end_button.setEnabled(False)
        self.addWidget(self.end_button)
        self._enabled = True
        self._can = (False, False)
        self._tips: dict[QWidget, str] = {
            w: w.toolTip() for w in (self.color_button, self.width_box, self.fade_box)
        }

    def _action(self, name: str, key: QKeySequence.StandardKey | str, label: str) -> QAction:
        act = QAction(label, self)
        act.setShortcut(QKeySequence(key))
        shortcut = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{name} ({shortcut})" if shortcut else name)
        act.setIconText(label)
        self.addAction(act)
        return act

    # ------------------------------------------------------------ showing state

    def on_tool_changed(self, tool: Tool) -> None:
        self.tool_actions[tool].setChecked(True)

    def on_pen(self, color: int, width: int, fade_s: int, pinned: bool) -> None:
        self.color_button.setIcon(swatch_icon(color))
        self.width_box.setCurrentIndex(max(0, self.width_box.findData(width)))
        self.fade_box.setCurrentIndex(max(0, self.fade_box.findData(fade_s)))
        self.fade_box.setEnabled(not pinned)
        self.act_pin.setChecked(pinned)

    def on_history_changed(self, can_undo: bool, can_redo: bool) -> None:
        self._can = (can_undo, can_redo)
        self.act_undo.setEnabled(can_undo and self._enabled)
        self.act_redo.setEnabled(can_redo and self._enabled)

    def on_drawing_enabled(self, enabled: bool, reason: str = "") -> None:
        self._enabled = enabled
        self.on_history_changed(*self._can)
        widgets = [self.color_button, self.width_box, self.fade_box]
        for tool, act in self.tool_actions.items():
            act.setEnabled(enabled)
            name, key = self._names[tool]
            act.setToolTip(f"{name} ({key})" if enabled or not reason else f"{name}: {reason}")
        for act in (self.act_pin, self.act_clear):
            act.setEnabled(enabled)
        for w in widgets:
            w.setEnabled(enabled)
            w.setToolTip(self._tips[w] if enabled or not reason else reason)

    def set_control(self, text: str, enabled: bool, checked: bool, tip: str = "") -> None:
        """How the control button reads: Ask, Waiting…, Release control, or who has it."""
        self.control_button.setText(text)
        self.control_button.setEnabled(enabled)
        self.control_button.setChecked(checked)
        if tip:
            self.control_button.setToolTip(tip)

    def on_zoom_changed(self, zoom: float, fit: bool) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")
        self.act_fit.setChecked(fit)

    def set_monitors(self, monitors: tuple[MonitorInfo, ...], current: int) -> None:
        menu = self.monitor_button.menu()
        menu.clear()
        for m in monitors:
            label = f"{m.index + 1}: {m.name} ({m.width}×{m.height})"
            act = menu.addAction(label)
            act.setCheckable(True)
            act.setChecked(m.index == current)
            act.triggered.connect(lambda _=False, i=m.index: self.monitor_chosen.emit(i))
        self.monitor_button.setEnabled(len(monitors) > 1)
