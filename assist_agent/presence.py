"""The agent's desk connection as a QObject: presence, colleagues, invitations.

:class:`DeskLink` runs a :class:`~common.member.DeskEndpoint` on its own
:class:`~assist_net.driver.NetworkThread` while the agent is signed in, so
colleagues see them (available, busy, away) and can ask them into a session.
Events arrive on the network thread and are re-emitted as queued signals; every
method may be called from the GUI thread (it never waits on the network).
"""

from __future__ import annotations

import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QObject, Signal

from assist_net.driver import Connection, NetworkThread
from assist_net.target import TargetLike
from common.endpoint import Event, Failed, InviteUpdate, Reconnecting, SignedIn
from common.member import ColleaguesChanged, DeskEndpoint, InvitationArrived
from common.messages import EndReason, PresenceState

log = logging.getLogger(__name__)


class DeskLink(QObject):
    colleagues_changed = Signal(object)  # tuple[Colleague, ...]
    invited = Signal(object)  # Invited: someone asks us in (or our request to watch is granted)
    invite_update = Signal(object)  # InviteStatus (a supervisor's request)
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

    def supervise(self, agent: str, reason: str = "") -> None:
        if self._net is not None:
            self._net.call_endpoint("supervise", agent, reason)

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
            case Failed(error=err):
                log.warning("the desk connection ended: %s", err)
                self.failed.emit(err)
