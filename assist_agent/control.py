"""Remote control from the agent's side: asking, the state the customer's app reports,
and the viewer's mouse and keys turned into ``Input`` — only while control is granted.

:class:`AgentControl` never decides anything the customer's app does not decide
again: the customer's gate refuses input from anyone not granted, so this object
only keeps the agent from sending input nobody would take, and shows the state
plainly (``changed``). Pointer moves are coalesced (one every ``MOVE_MS``); keys,
buttons, wheel notches and text go at once, each after any move still waiting, so
order is kept.

Keys travel as X keysyms: :func:`keysym_for` maps Qt's key codes (plus the typed
text) to them, so a key means the same character on the customer's layout; text
an input method commits (Korean syllables) goes as one ``TEXT`` event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from common.control import LOCAL_HOLD_S, char_keysym
from common.messages import (
    MAX_CLIPBOARD,
    MAX_INPUT_EVENTS,
    Clipboard,
    ControlChange,
    ControlRelease,
    ControlRequest,
    ControlState,
    Input,
    InputEvent,
    InputKind,
    Message,
)

log = logging.getLogger(__name__)

#: Pointer moves are sent at most this often (milliseconds).
MOVE_MS = 8

K = Qt.Key
#: Qt keys that are not characters -> X keysyms (X11's keysymdef.h).
_SPECIAL: dict[int, int] = {
    K.Key_Backspace: 0xFF08,
    K.Key_Tab: 0xFF09,
    K.Key_Backtab: 0xFF09,
    K.Key_Return: 0xFF0D,
    K.Key_Enter: 0xFF8D,
    K.Key_Pause: 0xFF13,
    K.Key_ScrollLock: 0xFF14,
    K.Key_SysReq: 0xFF15,
    K.Key_Escape: 0xFF1B,
    K.Key_Delete: 0xFFFF,
    K.Key_Home: 0xFF50,
    K.Key_Left: 0xFF51,
    K.Key_Up: 0xFF52,
    K.Key_Right: 0xFF53,
    K.Key_Down: 0xFF54,
    K.Key_PageUp: 0xFF55,
    K.Key_PageDown: 0xFF56,
    K.Key_End: 0xFF57,
    K.Key_Print: 0xFF61,
    K.Key_Insert: 0xFF63,
    K.Key_Menu: 0xFF67,
    K.Key_NumLock: 0xFF7F,
    K.Key_Shift: 0xFFE1,
    K.Key_Control: 0xFFE3,
    K.Key_Meta: 0xFFEB,
    K.Key_Alt: 0xFFE9,
    K.Key_AltGr: 0xFE03,
    K.Key_CapsLock: 0xFFE5,
    K.Key_Super_L: 0xFFEB,
    K.Key_Super_R: 0xFFEC,
    K.Key_Space: 0x0020,
    # Korean keyboards: the Hangul/English and Hanja keys switch the customer's IME.
    K.Key_Hangul: 0xFF31,
    K.Key_Hangul_Hanja: 0xFF34,
    K.Key_Hangul_Start: 0xFF32,
    K.Key_Hangul_End: 0xFF33,
}
for _n in range(1, 25):  # F1..F24
    _SPECIAL[int(K.Key_F1) + _n - 1] = 0xFFBE + _n - 1


def keysym_for(key: int, text: str = "", native: int = 0) -> int:
    """The X keysym for a Qt key event, or 0 when there is none to send.

    ``native`` is Qt's native virtual key: on X11 it is already the keysym. Letters
    go as lower case (Shift travels as its own key); other printable keys as the
    character Qt typed, so "!" is "!" on any layout."""
    if native and 0 < native < 0x20000000:
        return native
    special = _SPECIAL.get(key)
    if special is not None:
        return special
    if int(K.Key_A) <= key <= int(K.Key_Z):
        return key + 0x20
    if 0x20 <= key <= 0x7E:
        return key
    if len(text) == 1 and text.isprintable():
        return char_keysym(text)
    return 0


class AgentControl(QObject):
    """See the module docstring. ``changed`` after every state the customer reports."""

    changed = Signal()
    told = Signal(object)  # ControlState, for the status line and the history

    def __init__(
        self,
        send: Callable[[Message], bool],
        member: Callable[[], int],
        monitor: Callable[[], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send = send
        self._member = member
        self._monitor = monitor
        self.holder = 0
        self.asked = False
        self.blocked = ""
        self.local = False  # the customer is using their own mouse or keyboard
        self.last: ControlState | None = None
        self._seq = 0
        self._move: tuple[int, int] | None = None
        self._pending: list[InputEvent] = []
        self._keys: dict[int, int] = {}  # Qt native scan code -> keysym sent on press
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MOVE_MS)
        self._timer.timeout.connect(self.flush)
        self._local_timer = QTimer(self)
        self._local_timer.setSingleShot(True)
        self._local_timer.setInterval(round((LOCAL_HOLD_S + 0.5) * 1000))
        self._local_timer.timeout.connect(self._local_over)
        self.sent_events = 0
        self.last_key_ns = 0  # wall clock of the last key sent (the bench's round trip)

    @property
    def mine(self) -> bool:
        """This agent holds control now (input is worth sending)."""
        return bool(self.holder) and self.holder == self._member()

    # ------------------------------------------------------------ asking

    def request(self, reason: str = "") -> bool:
        if self.mine or self.asked:
            return False
        if not self._send(ControlRequest(reason[:500])):
            return False
        self.asked = True
        self.changed.emit()
        return True

    def release(self) -> bool:
        if not self.mine:
            return False
        self._pending.clear()
        self._move = None
        return self._send(ControlRelease())

    def on_state(self, state: ControlState) -> None:
        """A ControlState from the customer's app."""
        self.last = state
        if state.member == self._member() and state.change in (
            ControlChange.GRANTED,
            ControlChange.DENIED,
            ControlChange.BUSY,
            ControlChange.UNAVAILABLE,
            ControlChange.PAUSED,
        ):
            self.asked = False
        self.holder = state.holder
        self.blocked = state.detail if state.blocked else ""
        self.local = state.change is ControlChange.LOCAL_INPUT
        if self.local:  # the customer's app says it once per spell; it lasts a second
            self._local_timer.start()
        if not self.mine:
            self._pending.clear()
            self._move = None
            self._keys.clear()
        self.told.emit(state)
        self.changed.emit()

    def _local_over(self) -> None:
        if self.local:
            self.local = False
            self.changed.emit()

    def reset(self) -> None:
        """The session ended or the connection dropped: nobody is in control."""
        self.holder, self.asked, self.blocked, self.local = 0, False, "", False
        self._pending.clear()
        self._keys.clear()
        self.changed.emit()

    # ------------------------------------------------------------ input

    def move(self, x: int, y: int) -> None:
        if not self.mine:
            return
        self._move = (x, y)
        if not self._timer.isActive():
            self._timer.start()

    def button(self, x: int, y: int, button: int, down: bool) -> None:
        self._add(InputEvent(InputKind.BUTTON, x, y, button, down, ""), (x, y))

    def wheel(self, x: int, y: int, notches_y: int, notches_x: int = 0) -> None:
        for count, up, down in ((notches_y, 4, 5), (notches_x, 6, 7)):
            code = up if count > 0 else down
            for _ in range(min(abs(count), 20)):
                self._add(InputEvent(InputKind.WHEEL, x, y, code, True, ""), (x, y))

    def key(self, scan: int, keysym: int, down: bool) -> None:
        """A key pressed or released in the viewer; the release repeats the press's keysym."""
        if down:
            if not keysym:
                return
            self._keys[scan] = keysym
        else:
            keysym = self._keys.pop(scan, keysym)
            if not keysym:
                return
        self._add(InputEvent(InputKind.KEY, 0, 0, keysym, down, ""))

    def clipboard(self, text: str) -> bool:
        """Put text on the customer's clipboard (only while in control; their app checks)."""
        if not self.mine or not text:
            return False
        return self._send(Clipboard(text[:MAX_CLIPBOARD]))

    def text(self, text: str) -> None:
        for i in range(0, len(text), 256):
            self._add(InputEvent(InputKind.TEXT, 0, 0, 0, True, text[i : i + 256]))

    def _add(self, event: InputEvent, at: tuple[int, int] | None = None) -> None:
        if not self.mine:
            return
        if at is not None:
            self._move = None  # the button carries its own position
        self._pending.append(event)
        if event.kind in (InputKind.KEY, InputKind.TEXT):
            self.last_key_ns = time.time_ns()
        self.flush()

    def flush(self) -> None:
        """Send what waits: the last pointer position first, then the rest, in order."""
        self._timer.stop()
        events: list[InputEvent] = []
        if self._move is not None:
            events.append(InputEvent(InputKind.MOVE, *self._move, 0, False, ""))
            self._move = None
        events += self._pending
        self._pending = []
        if not events or not self.mine:
            return
        for i in range(0, len(events), MAX_INPUT_EVENTS):
            self._seq = (self._seq + 1) & 0xFFFFFFFF
            chunk = tuple(events[i : i + MAX_INPUT_EVENTS])
            if self._send(Input(self._seq, self._monitor(), chunk)):
                self.sent_events += len(chunk)
