"""The agent's desk connection as a QObject: presence, colleagues, invitations, and the
help desk's lists (who waits in my queues, the callbacks to make).

:class:`DeskLink` runs a :class:`~common.member.DeskEndpoint` on its own
:class:`~assist_net.driver.NetworkThread` while the agent is signed in, so
colleagues see them (available, busy, away) and can ask them into a session.
Events arrive on the network thread and are re-emitted as queued signals; every
method may be called from the GUI thread (it never waits on the network).
"""

from __future__ import annotations

import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QEvent, QObject, Signal

from assist_net.driver import Connection, NetworkThread
from assist_net.target import TargetLike
from common.endpoint import BlockSet, Event, Failed, InviteUpdate, Reconnecting, SignedIn
from common.member import (
    CallbacksChanged,
    ColleaguesChanged,
    DeskEndpoint,
    DeskNotice,
    InvitationArrived,
    QueueChanged,
    QueuesKnown,
)
from common.messages import EndReason, Outcome, PresenceState

log = logging.getLogger(__name__)

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class DeskLink(QObject):
    colleagues_changed = Signal(object)  # tuple[Colleague, ...]
    invited = Signal(object)  # Invited: someone asks us in (or our request to watch is granted)
    invite_update = Signal(object)  # InviteStatus (a supervisor's request)
    #: The help desk: who waits in my queues, the open callbacks, a refusal to show.
    queue_changed = Signal(object, int)  # tuple[WaitingItem, ...], how many wait in all
    callbacks_changed = Signal(object)  # tuple[CallbackItem, ...]
    desk_notice = Signal(object)  # AssistError
    blocked = Signal(int)  # a block we asked for is in force until (Unix s)
    queues_known = Signal(object)  # tuple[QueueInfo, ...]
    connected = Signal(bool)  # signed in at the desk / reconnecting
    failed = Signal(object)  # AssistError: the desk connection ended
    _event = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = PresenceState.AVAILABLE
        self.colleagues: tuple = ()  # type: ignore[type-arg]
        self._net: NetworkThread | None = None
        self._event.connect(self._on_event)

    @property
    def running(self) -> bool:
        return self._net is not None and self._net.alive

    def start(self, target: TargetLike, token: str, key: Ed25519PrivateKey) -> None:
        self.stop()
        endpoint = DeskEndpoint(token, key=key, state=self.state)
        self._net = NetworkThread(Connection(target, endpoint, self._event.emit))
        self._net.start()

    def stop(self) -> None:
        net, self._net = self._net, None
        if net is not None:
            net.bye(EndReason.AGENT_ENDED)
            net.join(1.0)

    def set_state(self, state: PresenceState) -> None:
        self.state = state
        if self._net is not None:
            self._net.call_endpoint("set_presence", state)

    def answer(self, invite_id: int, accept: bool) -> None:
        if self._net is not None:
            self._net.call_endpoint("answer", invite_id, accept)

    def callback_outcome(
        self, callback_id: str, outcome: Outcome, window_start: int = 0, note: str = ""
    ) -> None:
        if self._net is not None:
            self._net.call_endpoint("callback_outcome", callback_id, outcome, window_start, note)

    def note(self, contact: str, text: str) -> None:
        """The agent's notes on a contact whose session has ended (the desk's records)."""
        if self._net is not None:
            self._net.call_endpoint("note", contact, text)

    def supervise(self, agent: str, reason: str = "") -> None:
        if self._net is not None:
            self._net.call_endpoint("supervise", agent, reason)

    def block(self, ticket: str, minutes: int, reason: str) -> None:
        """Supervisor: keep the customer waiting with ``ticket`` out of the queues."""
        if self._net is not None:
            self._net.call_endpoint("block", ticket, minutes, reason)

    def _on_event(self, event: Event) -> None:
        match event:
            case SignedIn():
                self.connected.emit(True)
            case Reconnecting():
                self.connected.emit(False)
            case ColleaguesChanged(colleagues=people):
                self.colleagues = people
                self.colleagues_changed.emit(people)
            case InvitationArrived(invited=invited):
                self.invited.emit(invited)
            case InviteUpdate(status=status):
                self.invite_update.emit(status)
            case QueueChanged(waiting=items, total=total):
                self.queue_changed.emit(items, total)
            case CallbacksChanged(callbacks=items):
                self.callbacks_changed.emit(items)
            case DeskNotice(error=err):
                self.desk_notice.emit(err)
            case BlockSet(until=until):
                self.blocked.emit(until)
            case QueuesKnown(queues=queues):
                self.queues_known.emit(queues)
            case Failed(error=err):
                log.warning("the desk connection ended: %s", err)
                self.failed.emit(err)


class IdleWatch(QObject):
    """Sets the agent Away after ``away_after_s`` without keyboard or mouse input in the
    app, and Available again at the next input — only if it was this watch that set
    Away (an agent who chose Away or Busy stays so)."""

    went_away = Signal()
    came_back = Signal()

    def __init__(self, away_after_s: float = 600.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        import time

        from PySide6.QtCore import QTimer

        self._clock = time.monotonic
        self.away_after_s = away_after_s
        self.last_input = self._clock()
        self.away = False
        self._timer = QTimer(self)
        self._timer.setInterval(15_000)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _INPUT:
            self.last_input = self._clock()
            if self.away:
                self.away = False
                self.came_back.emit()
        return False

    def check(self) -> None:
        if not self.away and self._clock() - self.last_input >= self.away_after_s:
            self.away = True
            self.went_away.emit()
