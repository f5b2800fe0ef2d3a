"""Remote control in the customer's session: its own yes, one person, input mapped into the
shared monitor, and every way it ends — with a desktop that only records what it is asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from assist_client.monitors import Monitor
from assist_client.session import CustomerSession
from common.endpoint import Received
from common.messages import (
    Clipboard,
    ControlChange,
    ControlRelease,
    ControlRequest,
    ControlState,
    Input,
    InputEvent,
    InputKind,
)
from tests.client.fakes import CODE, MONITOR, FakeDesktop, FakeNetworks, FakeSource

#: A second monitor right of the first, at 200 % (its logical size is half its pixels).
HIDPI = Monitor(1, 640, 0, 1600, 1200, 2.0, 640.0, 0.0, "screen-2", False)


@pytest.fixture
def desktop() -> FakeDesktop:
    return FakeDesktop()


@pytest.fixture
def sharing(
    qtbot: QtBot, networks: FakeNetworks, desktop: FakeDesktop
) -> Iterator[CustomerSession]:
    """A session sharing the 200 % monitor, right of the first."""
    s = CustomerSession(
        "ws://127.0.0.1:1",
        CODE,
        [MONITOR, HIDPI],
        network_factory=networks,
        source_factory=FakeSource,
        input_factory=lambda: desktop,
        control_idle_s=0.6,
    )
    s.start()
    networks.last.secure()
    s.grant(True, 1)
    yield s
    s.shutdown(1.0)


def _input(*events: InputEvent, monitor: int = 1) -> Input:
    return Input(1, monitor, tuple(events))


def _key(ch: str) -> InputEvent:
    return InputEvent(InputKind.KEY, 0, 0, ord(ch), True, "")


def _told(networks: FakeNetworks) -> list[ControlChange]:
    return [m.change for m in networks.last.of_type(ControlState)]  # type: ignore[attr-defined]


def _grant(session: CustomerSession, networks: FakeNetworks, qtbot: QtBot) -> None:
    with qtbot.wait_signal(session.control.asked) as asked:
        networks.last.deliver(ControlRequest("to fix your mail"))
    assert asked.args == [1, "Alice Agent", "to fix your mail"]
    with qtbot.wait_signal(session.control.changed) as changed:
        session.control.allow()
    assert changed.args == [1, "Alice Agent"]


def test_input_without_a_grant_is_refused_by_the_app(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    """What a relay could try (it cannot seal a record, but the app's gate says no too)."""
    networks.last.on_event(Received(_input(_key("a")), 1))
    networks.last.on_event(Received(_input(_key("b")), 2))
    qtbot.wait(150)
    assert desktop.injected() == []
    assert sharing.control.refused == 2
    # Asked but not yet answered: still nothing.
    networks.last.deliver(ControlRequest(""))
    networks.last.deliver(_input(_key("c")))
    qtbot.wait(150)
    assert desktop.injected() == []


def test_a_granted_click_lands_on_the_same_pixel_of_the_shared_hidpi_monitor(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    _grant(sharing, networks, qtbot)
    assert _told(networks) == [ControlChange.GRANTED]
    click = [
        InputEvent(InputKind.BUTTON, 1500, 1100, 1, True, ""),
        InputEvent(InputKind.BUTTON, 1500, 1100, 1, False, ""),
    ]
    networks.last.deliver(
        _input(*click, _key("h"), InputEvent(InputKind.TEXT, 0, 0, 0, True, "한"))
    )
    qtbot.waitUntil(lambda: len(desktop.injected()) == 5, timeout=3000)
    # Physical pixels of the monitor at +640+0: the desktop point is its origin plus the point.
    assert desktop.injected() == [
        ("move", 640 + 1500, 1100),
        ("button", 1, True, 2140, 1100),
        ("button", 1, False, 2140, 1100),
        ("key", ord("h"), True),
        ("text", "한"),
    ]
    # A point beyond the monitor is clamped into it, never onto the neighbour.
    networks.last.deliver(_input(InputEvent(InputKind.MOVE, 5000, -20, 0, False, "")))
    qtbot.waitUntil(lambda: len(desktop.injected()) == 6, timeout=3000)
    assert desktop.injected()[-1] == ("move", 640 + 1599, 0)
    # Input for a monitor the agent no longer sees is dropped.
    networks.last.deliver(_input(_key("x"), monitor=0))
    qtbot.wait(150)
    assert len(desktop.injected()) == 6


def test_only_the_granted_member_and_only_one_at_a_time(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    _grant(sharing, networks, qtbot)
    networks.last.on_event(Received(ControlRequest("me too"), 1))
    assert _told(networks)[-1] is ControlChange.GRANTED  # asks again: already theirs
    networks.last.deliver(ControlRelease())
    qtbot.waitUntil(lambda: _told(networks)[-1] is ControlChange.RELEASED, timeout=2000)
    networks.last.deliver(_input(_key("z")))
    qtbot.wait(150)
    assert desktop.injected() == []


def test_stop_during_a_burst_runs_nothing_queued_after_it(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    _grant(sharing, networks, qtbot)
    desktop.slow = 0.01
    for i in range(200):
        networks.last.deliver(_input(_key("abcdefghij"[i % 10])))
    qtbot.waitUntil(lambda: len(desktop.injected()) >= 5, timeout=3000)
    sharing.control.stop()
    at_stop = len(desktop.injected())
    qtbot.wait(300)
    assert len(desktop.injected()) <= at_stop + 1  # at most the one being injected
    assert _told(networks)[-1] is ControlChange.STOPPED
    assert sharing.control.holder == 0
    networks.last.deliver(_input(_key("q")))
    qtbot.wait(100)
    assert ("key", ord("q"), True) not in desktop.injected()


@pytest.mark.parametrize("how", ["pause", "stop", "agent left", "connection dropped"])
def test_control_ends_with_sharing_and_the_agent(
    how: str,
    sharing: CustomerSession,
    networks: FakeNetworks,
    desktop: FakeDesktop,
    qtbot: QtBot,
) -> None:
    from common.endpoint import PeerWentAway, Reconnecting

    _grant(sharing, networks, qtbot)
    expected = {
        "pause": ControlChange.PAUSED,
        "stop": ControlChange.STOPPED,
        "agent left": ControlChange.LEFT,
        "connection dropped": ControlChange.LEFT,
    }[how]
    with qtbot.wait_signal(sharing.control.changed) as changed:
        if how == "pause":
            sharing.pause()
        elif how == "stop":
            sharing.stop()
        elif how == "agent left":
            networks.last.on_event(PeerWentAway(30.0))
        else:
            networks.last.on_event(Reconnecting())
    assert changed.args == [0, ""]
    assert _told(networks)[-1] is expected
    networks.last.deliver(_input(_key("k")))
    qtbot.wait(100)
    assert desktop.injected() == []


def test_control_ends_after_a_spell_without_input(
    sharing: CustomerSession, networks: FakeNetworks, qtbot: QtBot
) -> None:
    sharing.control._timer.setInterval(50)
    _grant(sharing, networks, qtbot)
    qtbot.waitUntil(lambda: ControlChange.IDLE in _told(networks), timeout=3000)
    assert sharing.control.holder == 0


def test_a_protected_window_in_front_refuses_typing_and_tells_both_sides(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    _grant(sharing, networks, qtbot)
    with qtbot.wait_signal(sharing.control.protected, timeout=3000) as protected:
        desktop.title = ("KeePassXC - passwords.kdbx", "keepassxc KeePassXC")
    assert protected.args == ["KeePass"]  # KeePass, KeePassXC, KeePassX
    blocked = networks.last.of_type(ControlState)[-1]
    assert blocked.change is ControlChange.BLOCKED and blocked.detail == "KeePass"  # type: ignore[attr-defined]
    networks.last.deliver(_input(_key("p")))
    networks.last.deliver(Clipboard("secret"))
    qtbot.wait(150)
    assert desktop.injected() == []
    with qtbot.wait_signal(sharing.control.protected, timeout=3000):
        desktop.title = ("Mail", "thunderbird")
    assert _told(networks)[-1] is ControlChange.UNBLOCKED
    networks.last.deliver(_input(_key("p")))
    qtbot.waitUntil(lambda: desktop.injected() == [("key", ord("p"), True)], timeout=2000)


def test_the_customers_own_mouse_holds_remote_input_back(
    sharing: CustomerSession, networks: FakeNetworks, desktop: FakeDesktop, qtbot: QtBot
) -> None:
    _grant(sharing, networks, qtbot)
    qtbot.wait(120)  # the watch has seen where the pointer is
    with qtbot.wait_signal(sharing.control.local_input, timeout=3000):
        desktop.where = (10, 10)  # the customer moved their own mouse
    assert _told(networks)[-1] is ControlChange.LOCAL_INPUT
    networks.last.deliver(_input(_key("m")))
    qtbot.wait(100)
    assert desktop.injected() == []


def test_clipboard_text_only_from_the_member_in_control(
    sharing: CustomerSession, networks: FakeNetworks, qtbot: QtBot
) -> None:
    got: list[str] = []
    sharing.control.clipboard.connect(got.append)
    networks.last.deliver(Clipboard("before"))
    _grant(sharing, networks, qtbot)
    networks.last.deliver(Clipboard("https://example.org/fix"))
    assert got == ["https://example.org/fix"]


def test_asking_while_paused_is_answered_not_prompted(
    sharing: CustomerSession, networks: FakeNetworks, qtbot: QtBot
) -> None:
    sharing.pause()
    asked: list[object] = []
    sharing.control.asked.connect(lambda *a: asked.append(a))
    networks.last.deliver(ControlRequest("now"))
    assert not asked
    assert _told(networks)[-1] is ControlChange.PAUSED


def test_no_remote_input_on_this_system_is_said_plainly(
    qtbot: QtBot, networks: FakeNetworks
) -> None:
    s = CustomerSession(
        "ws://127.0.0.1:1",
        CODE,
        [MONITOR],
        network_factory=networks,
        source_factory=FakeSource,
        input_factory=lambda: None,
    )
    s.start()
    networks.last.secure()
    s.grant(True, 0)
    asked: list[object] = []
    s.control.asked.connect(lambda *a: asked.append(a))
    networks.last.deliver(ControlRequest(""))
    assert not asked
    assert _told(networks) == [ControlChange.UNAVAILABLE]
    s.shutdown(1.0)


def test_a_supervisor_cannot_be_given_control(
    sharing: CustomerSession, networks: FakeNetworks, qtbot: QtBot
) -> None:
    """The join prompt told the customer a supervisor cannot click or type."""
    from common.messages import MemberRole, RosterEntry

    sharing.members[3] = RosterEntry(
        3, "Han Bora", "Acme", "", MemberRole.SUPERVISOR, True, 0, False
    )
    asked: list[object] = []
    sharing.control.asked.connect(lambda *a: asked.append(a))
    networks.last.on_event(Received(ControlRequest("let me show them"), 3))
    qtbot.wait(50)
    assert not asked
    told = networks.last.of_type(ControlState)[-1]
    assert told.change is ControlChange.DENIED and told.member == 3  # type: ignore[attr-defined]
