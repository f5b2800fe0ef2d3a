"""The customer's control gate: input runs only from the one member the customer allowed,
never while their own hand or a protected window says no, and control ends on its own."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from common.control import DEFAULT_PROTECTED, ControlGate, Verdict, protected_match
from common.messages import ControlChange, ControlState

MEMBERS = st.integers(min_value=1, max_value=4)


def test_nothing_runs_before_the_customer_says_yes() -> None:
    gate = ControlGate()
    assert gate.admit(1, 0.0) is Verdict.NOT_GRANTED
    ask, told = gate.request(1)
    assert ask and told is None
    assert gate.admit(1, 0.1) is Verdict.NOT_GRANTED  # asked is not allowed
    assert gate.answer(True, 0.2) == ControlState(1, ControlChange.GRANTED, 1, False, "")
    assert gate.admit(1, 0.3) is Verdict.RUN
    assert gate.admit(2, 0.3) is Verdict.NOT_GRANTED  # only the one named person


def test_a_no_is_told_and_grants_nothing() -> None:
    gate = ControlGate()
    gate.request(3)
    assert gate.answer(False, 1.0) == ControlState(0, ControlChange.DENIED, 3, False, "")
    assert gate.admit(3, 1.1) is Verdict.NOT_GRANTED


def test_one_request_and_one_holder_at_a_time() -> None:
    gate = ControlGate()
    gate.request(1)
    ask, told = gate.request(2)
    assert not ask and told is not None and told.change is ControlChange.BUSY and told.member == 2
    gate.answer(True, 0.0)
    ask, told = gate.request(2)
    assert not ask and told is not None and told.change is ControlChange.BUSY and told.holder == 1


def test_a_system_without_remote_input_says_so() -> None:
    gate = ControlGate(available=False)
    ask, told = gate.request(1)
    assert not ask and told is not None and told.change is ControlChange.UNAVAILABLE


def test_the_customers_own_input_comes_first() -> None:
    gate = ControlGate(local_hold_s=1.0)
    gate.request(1)
    gate.answer(True, 0.0)
    told = gate.local_input(5.0)
    assert told is not None and told.change is ControlChange.LOCAL_INPUT
    assert gate.local_input(5.2) is None  # told once per spell
    assert gate.admit(1, 5.5) is Verdict.LOCAL
    assert gate.admit(1, 6.1) is Verdict.LOCAL  # 5.2 + 1.0 still holds
    assert gate.admit(1, 6.25) is Verdict.RUN


def test_a_protected_window_blocks_input_and_says_which() -> None:
    gate = ControlGate()
    gate.request(1)
    gate.answer(True, 0.0)
    told = gate.focus("KeePassXC")
    assert told == ControlState(1, ControlChange.BLOCKED, 1, True, "KeePassXC")
    assert gate.admit(1, 0.1) is Verdict.BLOCKED
    assert gate.focus("KeePassXC") is None
    told = gate.focus("")
    assert told is not None and told.change is ControlChange.UNBLOCKED and not told.blocked
    assert gate.admit(1, 0.2) is Verdict.RUN


def test_control_ends_after_the_idle_limit_without_input() -> None:
    gate = ControlGate(idle_s=60)
    gate.request(1)
    gate.answer(True, 0.0)
    assert gate.tick(30.0) is None
    gate.admit(1, 30.0)  # input counts as activity
    assert gate.tick(89.0) is None
    told = gate.tick(90.0)
    assert told == ControlState(0, ControlChange.IDLE, 1, False, "")
    assert gate.admit(1, 90.1) is Verdict.NOT_GRANTED


def test_only_the_holder_can_release_and_a_leaver_loses_control() -> None:
    gate = ControlGate()
    gate.request(1)
    gate.answer(True, 0.0)
    assert gate.release(2) is None
    assert gate.member_left(2) is None
    told = gate.member_left(1)
    assert told is not None and told.change is ControlChange.LEFT and told.holder == 0


def test_a_request_on_screen_is_withdrawn_when_the_asker_leaves() -> None:
    gate = ControlGate()
    gate.request(2)
    assert gate.member_left(2) is None
    assert gate.answer(True, 0.0) is None  # the prompt's late yes grants nothing
    assert gate.admit(2, 0.1) is Verdict.NOT_GRANTED


@given(
    title=st.text(max_size=40),
    pattern=st.sampled_from(DEFAULT_PROTECTED),
    upper=st.booleans(),
)
def test_protected_patterns_match_whatever_the_case_or_width(
    title: str, pattern: str, upper: bool
) -> None:
    shown = (pattern.upper() if upper else pattern) + " — " + title
    assert protected_match(shown, "", [pattern]) == pattern
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in pattern)
    assert protected_match("", wide, [pattern]) == pattern


def test_no_pattern_no_match() -> None:
    assert protected_match("Mail — Inbox", "thunderbird", DEFAULT_PROTECTED) == ""
    assert protected_match("국민은행 인터넷뱅킹", "chromium", DEFAULT_PROTECTED) != ""
    assert protected_match("anything", "app", ["", "  "]) == ""


class GateMachine(RuleBasedStateMachine):
    """Whatever happens in whatever order: input runs only for the one member the
    customer allowed last, after that yes, with nothing ending it since."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = ControlGate(idle_s=100.0, local_hold_s=1.0)
        self.now = 0.0
        self.granted = 0  # the model: who the customer allowed, not ended since
        self.asking = 0
        self.blocked = False
        self.local_until = 0.0
        self.last_input = 0.0

    @rule(dt=st.floats(min_value=0, max_value=60))
    def time_passes(self, dt: float) -> None:
        self.now += dt
        told = self.gate.tick(self.now)
        if self.granted and self.now - self.last_input >= 100.0:
            assert told is not None and told.change is ControlChange.IDLE
            self.granted = 0
            self.asking = 0
        else:
            assert told is None

    @rule(member=MEMBERS)
    def ask(self, member: int) -> None:
        ask, _told = self.gate.request(member)
        assert ask == (not self.asking and not self.granted)
        if ask:
            self.asking = member

    @precondition(lambda self: self.asking)
    @rule(allowed=st.booleans())
    def answer(self, allowed: bool) -> None:
        told = self.gate.answer(allowed, self.now)
        assert told is not None
        if allowed:
            self.granted = self.asking
            self.last_input = self.now
            self.local_until = 0.0
        self.asking = 0

    @rule(member=MEMBERS)
    def input(self, member: int) -> None:
        verdict = self.gate.admit(member, self.now)
        if member != self.granted:
            assert verdict is Verdict.NOT_GRANTED
            return
        self.last_input = self.now
        if self.blocked:
            assert verdict is Verdict.BLOCKED
        elif self.now < self.local_until:
            assert verdict is Verdict.LOCAL
        else:
            assert verdict is Verdict.RUN

    @rule()
    def local(self) -> None:
        self.gate.local_input(self.now)
        if self.granted:
            self.local_until = self.now + 1.0

    @rule(pattern=st.sampled_from(["", "KeePass", "은행"]))
    def focus(self, pattern: str) -> None:
        self.gate.focus(pattern)
        self.blocked = bool(pattern)

    @rule(
        change=st.sampled_from([ControlChange.STOPPED, ControlChange.PAUSED, ControlChange.ENDED])
    )
    def end(self, change: ControlChange) -> None:
        told = self.gate.end(change)
        assert (told is not None) == bool(self.granted)
        self.granted = 0
        self.asking = 0

    @rule(member=MEMBERS)
    def leave(self, member: int) -> None:
        self.gate.member_left(member)
        if member == self.granted:
            self.granted = 0
        if member == self.asking:
            self.asking = 0

    @rule(member=MEMBERS)
    def release(self, member: int) -> None:
        told = self.gate.release(member)
        if member == self.granted and member:
            assert told is not None and told.change is ControlChange.RELEASED
            self.granted = 0
            self.asking = 0
        else:
            assert told is None

    @invariant()
    def one_holder_as_the_model_says(self) -> None:
        assert self.gate.holder == self.granted


TestGateMachine = GateMachine.TestCase
TestGateMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
