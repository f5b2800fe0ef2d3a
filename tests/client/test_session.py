"""The customer's session: consent first, pause and stop really stop pixels, the agent's end."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from assist_client.session import CustomerSession, State
from common.endpoint import Failed
from common.errors import SessionEndedError
from common.messages import (
    Chat,
    Consent,
    ConsentState,
    EndReason,
    Frame,
    FrameAck,
    Laser,
    Monitors,
    MonitorSwitch,
    Pause,
    Rating,
    SessionEnd,
    Shape,
    ShapeTool,
)
from tests.client.fakes import FakeNetworks, FakeSource
from tests.helpers.qt import emitted

SHAPE = Shape(1, ShapeTool.RECT, 0, 0xFF0000FF, 4, ((10, 10), (50, 50)), "", 0, 0)


def test_the_agent_is_identified_and_consent_is_asked(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    with (
        qtbot.wait_signal(session.agent_identified) as who,
        qtbot.wait_signal(session.consent_needed),
    ):
        networks.last.secure("Alice Agent", "Acme")
    assert who.args == ["Alice Agent", "Acme"]
    assert session.state is State.ASKING
    assert FakeSource.opened == 0 and FakeSource.grabs == 0


def test_declining_consent_captures_nothing(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    with emitted(qtbot, session.finished):
        session.decline()
    qtbot.wait(200)
    assert FakeSource.opened == 0 and FakeSource.grabs == 0
    assert networks.last.frames() == []
    consent = networks.last.of_type(Consent)
    assert [c.state for c in consent] == [ConsentState.DECLINED]  # type: ignore[attr-defined]
    assert [e.reason for e in networks.last.of_type(SessionEnd)] == [EndReason.DECLINED]  # type: ignore[attr-defined]
    assert networks.last.byes == [EndReason.DECLINED]


def test_granting_sends_consent_monitors_then_frames(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 1)
    qtbot.waitUntil(lambda: bool(networks.last.frames()), timeout=5000)
    kinds = [type(m) for m in networks.last.sent]
    assert kinds[:2] == [Consent, Monitors]
    consent, monitors = networks.last.sent[0], networks.last.sent[1]
    assert consent == Consent(ConsentState.GRANTED, True, 1)
    assert isinstance(monitors, Monitors) and monitors.current == 1 and len(monitors.monitors) == 2
    first = networks.last.frames()[0]
    assert first.keyframe and (first.width, first.height) == (800, 600)


def test_pause_sends_no_frames_and_resume_starts_with_a_keyframe(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    acker = _auto_ack(session, networks)
    qtbot.waitUntil(lambda: bool(len(networks.last.frames()) >= 3), timeout=5000)
    with qtbot.wait_signal(session.paused):
        session.pause()
    paused_at = len(networks.last.sent)
    assert networks.last.sent[-1] == Pause(True)
    grabs = FakeSource.grabs
    qtbot.wait(500)
    assert not any(isinstance(m, Frame) for m in networks.last.sent[paused_at:])
    assert FakeSource.grabs == grabs  # not even captured while paused
    session.resume()
    qtbot.waitUntil(
        lambda: bool(any(isinstance(m, Frame) for m in networks.last.sent[paused_at:])),
        timeout=5000,
    )
    after = [m for m in networks.last.sent[paused_at:] if isinstance(m, Frame | Pause)]
    assert after[0] == Pause(False)
    assert isinstance(after[1], Frame) and after[1].keyframe
    acker.stop()


def test_stop_ends_the_session_at_once(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    _auto_ack(session, networks)
    qtbot.waitUntil(lambda: bool(len(networks.last.frames()) >= 2), timeout=5000)
    streamer = session.streamer
    assert streamer is not None
    with qtbot.wait_signal(session.ended) as ended:
        session.stop()
    stopped_at = len(networks.last.sent)
    assert ended.args == [EndReason.CUSTOMER_STOPPED]
    assert networks.last.sent[-1] == SessionEnd(EndReason.CUSTOMER_STOPPED, "")
    qtbot.wait(300)
    assert not any(isinstance(m, Frame) for m in networks.last.sent[stopped_at:])
    assert not streamer.running
    session.rate(5, "Very kind")
    with emitted(qtbot, session.finished) as finished:
        session.finish()
    assert finished.args == [0]
    assert networks.last.of_type(Rating) == [Rating(5, "Very kind")]
    assert networks.last.byes == [EndReason.CUSTOMER_STOPPED]


def test_the_agent_ending_stops_capture_and_asks_for_a_rating(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    qtbot.waitUntil(lambda: bool(networks.last.frames()), timeout=5000)
    with qtbot.wait_signal(session.ended) as ended:
        networks.last.deliver(SessionEnd(EndReason.AGENT_ENDED, ""))
    assert ended.args == [EndReason.AGENT_ENDED]
    assert session.streamer is None
    # The agent leaves before the rating: still a normal end.
    with emitted(qtbot, session.finished) as finished:
        networks.last.on_event(Failed(SessionEndedError("The other side left the session.")))
    assert finished.args == [0]


def test_marks_are_ignored_when_drawing_was_not_allowed(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(False, 0)
    with (
        qtbot.assert_not_emitted(session.annotation_received),
        qtbot.assert_not_emitted(session.laser_moved),
    ):
        networks.last.deliver(SHAPE)
        networks.last.deliver(Laser(0, 5, 5, True))
    with qtbot.wait_signal(session.chat_received):
        networks.last.deliver(Chat(1, "hello", 0))


def test_marks_arrive_when_drawing_is_allowed(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    with qtbot.wait_signal(session.annotation_received) as got:
        networks.last.deliver(SHAPE)
    assert got.args == [SHAPE]


def test_monitor_switch_is_asked_and_switches(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    _auto_ack(session, networks)
    qtbot.waitUntil(lambda: bool(networks.last.frames()), timeout=5000)
    with qtbot.wait_signal(session.monitor_switch_requested) as asked:
        networks.last.deliver(MonitorSwitch(1))
    assert asked.args[0].index == 1
    mark = len(networks.last.sent)
    session.switch_monitor(1)
    assert networks.last.sent[mark] == Monitors(tuple(m.info() for m in session.monitors), 1)
    qtbot.waitUntil(
        lambda: any(isinstance(m, Frame) and m.width == 800 for m in networks.last.sent[mark:]),
        timeout=5000,
    )
    switched = next(m for m in networks.last.sent[mark:] if isinstance(m, Frame))
    assert switched.keyframe and switched.width == 800


def test_no_more_frames_in_flight_than_the_window(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    # The screen changes all the time, but nobody acknowledges: the window fills and stays full.
    qtbot.waitUntil(
        lambda: session.streamer is not None and session.streamer.stats.skipped_window_full > 3,
        timeout=5000,
    )
    ids = {f.frame_id for f in networks.last.frames()}
    assert len(ids) == 3
    assert session.streamer is not None and session.streamer.stats.skipped_window_full > 0
    session.streamer.on_ack(max(ids))
    qtbot.waitUntil(
        lambda: bool(len({f.frame_id for f in networks.last.frames()}) > 3), timeout=5000
    )


def test_a_static_screen_sends_nothing_and_captures_rarely(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    FakeSource.reset(static=True)
    networks.last.secure()
    session.grant(True, 0)
    _auto_ack(session, networks)
    qtbot.waitUntil(lambda: bool(networks.last.frames()), timeout=5000)
    qtbot.wait(500)  # let the capture pace back off
    frames, grabs = len(networks.last.frames()), FakeSource.grabs
    qtbot.wait(1000)
    assert len(networks.last.frames()) == frames == 1  # the keyframe, then nothing
    assert FakeSource.grabs - grabs <= 4  # a few captures a second


class _Acker:
    def __init__(self, session: CustomerSession, networks: FakeNetworks) -> None:
        from PySide6.QtCore import QTimer

        self.session = session
        self.networks = networks
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        frames = self.networks.last.frames()
        if frames and self.session.streamer is not None:
            self.session.streamer.on_ack(frames[-1].frame_id)

    def stop(self) -> None:
        self.timer.stop()


def _auto_ack(session: CustomerSession, networks: FakeNetworks) -> _Acker:
    return _Acker(session, networks)


def test_frame_acks_from_the_network_thread_reach_the_streamer(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
):
    networks.last.secure()
    session.grant(True, 0)
    qtbot.waitUntil(
        lambda: bool(len({f.frame_id for f in networks.last.frames()}) == 3), timeout=5000
    )
    last = max(f.frame_id for f in networks.last.frames())
    networks.last.deliver(FrameAck(last))  # delivered as the network thread would, not via the GUI
    # No qtbot here on purpose: flow control must work without the GUI thread's event loop.
    deadline = time.monotonic() + 2
    while len({f.frame_id for f in networks.last.frames()}) <= 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len({f.frame_id for f in networks.last.frames()}) > 3
