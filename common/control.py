"""Remote control as the customer's app decides it: who may type and click, and when not.

:class:`ControlGate` is the policy, fed the customer's answers, the members'
messages, local input and the time; it returns the :class:`ControlState` to tell
everyone (or ``None``) and says of every remote input whether it may run. It
knows nothing of X11, Qt or threads; ``assist_client/control.py`` runs it.

The rules (docs/security.md, "Remote control"):

* Control is its own consent: a member asks (``ControlRequest``), the customer's
  app asks the customer, and only a yes grants it — to that one member, for this
  session only. One request is asked at a time; one member holds control at a time.
* Input runs only from the holder, only while nothing holds it back: not for
  ``local_hold_s`` after the customer's own mouse or keyboard moved (their input
  comes first), not while a protected window has the focus.
* Control ends by itself when sharing pauses, when the session ends, when the
  holder leaves or drops, and after ``idle_s`` without input from the holder; the
  customer ends it at once with Stop control, the stop key or Stop.
"""

from __future__ import annotations

import dataclasses
import enum
import unicodedata
from collections.abc import Iterable

from common.messages import ControlChange, ControlState

#: How long the customer's own input holds remote input back (seconds).
LOCAL_HOLD_S = 1.0
#: Control ends after this long without input from the member in control (seconds).
IDLE_S = 300.0

#: Windows where control is refused even without an organisation's list: password
#: managers and the words banks' sites put in their titles (English and Korean).
DEFAULT_PROTECTED = (
    "KeePass",
    "1Password",
    "Bitwarden",
    "LastPass",
    "Dashlane",
    "Enpass",
    "password manager",
    "online banking",
    "인터넷뱅킹",
    "인터넷 뱅킹",
    "은행",
    "뱅킹",
)


class Verdict(enum.Enum):
    """Whether one remote input may run now, and if not, why."""

    RUN = "run"
    NOT_GRANTED = "not granted"  # this member does not hold control (or nobody does)
    LOCAL = "local input"  # the customer is using their own mouse or keyboard
    BLOCKED = "protected window"  # a protected window has the focus


def char_keysym(ch: str) -> int:
    """The X keysym that types one character: Latin-1 as itself, Return and Tab by
    name, anything else (Korean syllables, symbols of other scripts) as X11's Unicode
    keysym 0x01000000 + code point. Both apps use it: the agent to send a key, the
    customer's injector to type committed text."""
    cp = ord(ch)
    if ch == "\n":
        return 0xFF0D
    if ch == "\t":
        return 0xFF09
    if 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xFF:
        return cp
    return 0x01000000 | cp


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def protected_match(title: str, app: str, patterns: Iterable[str]) -> str:
    """The first pattern found in a window's title or application name (case and width
    ignored, so "KEEPASS" and "ｋｅｅｐａｓｓ" match "keepass"), or "" if none does."""
    hay = f"{_fold(title)}\n{_fold(app)}"
    for pattern in patterns:
        folded = _fold(pattern.strip())
        if folded and folded in hay:
            return pattern.strip()
    return ""


@dataclasses.dataclass
class ControlGate:
    """The customer's side of remote control; every method takes ``now`` (monotonic s)."""

    idle_s: float = IDLE_S
    local_hold_s: float = LOCAL_HOLD_S
    #: False where this system cannot take remote input: requests are answered so.
    available: bool = True
    holder: int = 0
    asking: int = 0
    #: The protected pattern that matched the focused window, or "" when none did.
    blocked: str = ""
    _last_input: float = 0.0
    _local_until: float = 0.0
    _local_told: bool = False

    # ------------------------------------------------------------ asking

    def request(self, member: int) -> tuple[bool, ControlState | None]:
        """A member asks for control: (ask the customer?, what to tell them otherwise)."""
        if not self.available:
            return False, self._state(ControlChange.UNAVAILABLE, member)
        if self.holder == member:
            return False, self._state(ControlChange.GRANTED, member)
        if self.asking or self.holder:
            return False, self._state(ControlChange.BUSY, member)
        self.asking = member
        return True, None

    def answer(self, allowed: bool, now: float) -> ControlState | None:
        """The customer's answer to the request on screen."""
        member, self.asking = self.asking, 0
        if not member:
            return None
        if not allowed:
            return self._state(ControlChange.DENIED, member)
        self.holder = member
        self._last_input = now
        self._local_until = 0.0
        return self._state(ControlChange.GRANTED, member)

    # ------------------------------------------------------------ input

    def admit(self, member: int, now: float) -> Verdict:
        """May this member's input run now? Counts as activity when it is theirs."""
        if not self.holder or member != self.holder:
            return Verdict.NOT_GRANTED
        self._last_input = now
        if self.blocked:
            return Verdict.BLOCKED
        if now < self._local_until:
            return Verdict.LOCAL
        return Verdict.RUN

    def local_input(self, now: float) -> ControlState | None:
        """The customer's own mouse or keyboard moved: remote input waits. The members
        are told once per spell of local input."""
        if not self.holder:
            return None
        self._local_until = now + self.local_hold_s
        if self._local_told:
            return None
        self._local_told = True
        return self._state(ControlChange.LOCAL_INPUT, self.holder)

    def tick(self, now: float) -> ControlState | None:
        """Called often while control is held: ends it after the idle limit."""
        if self._local_told and now >= self._local_until:
            self._local_told = False
        if self.holder and now - self._last_input >= self.idle_s:
            return self.end(ControlChange.IDLE)
        return None

    def focus(self, pattern: str) -> ControlState | None:
        """The focused window matched this protected pattern ("" for none)."""
        if pattern == self.blocked:
            return None
        self.blocked = pattern
        if not self.holder:
            return None
        change = ControlChange.BLOCKED if pattern else ControlChange.UNBLOCKED
        return self._state(change, self.holder)

    # ------------------------------------------------------------ ending

    def end(self, change: ControlChange) -> ControlState | None:
        """Control ends (STOPPED, RELEASED, PAUSED, IDLE, LEFT, ENDED); None if nobody held it.

        A request still on screen is withdrawn too (the app closes the prompt)."""
        member, self.holder = self.holder, 0
        self.asking = 0
        self._local_told = False
        if not member:
            return None
        return self._state(change, member)

    def release(self, member: int) -> ControlState | None:
        """The holder gives control back; anyone else saying so changes nothing."""
        if member != self.holder:
            return None
        return self.end(ControlChange.RELEASED)

    def member_left(self, member: int) -> ControlState | None:
        """A member left or dropped: their request is withdrawn, their control ends."""
        if member == self.asking:
            self.asking = 0
        if member == self.holder:
            return self.end(ControlChange.LEFT)
        return None

    def _state(self, change: ControlChange, member: int) -> ControlState:
        return ControlState(self.holder, change, member, bool(self.blocked), self.blocked[:500])
