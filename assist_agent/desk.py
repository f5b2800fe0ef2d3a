"""The agent's desk: signing in, opening sessions one after another, and what goes with them.

:class:`Desk` is the logic behind the main window. It checks the token
(:class:`~assist_agent.token_check.SignIn`) and remembers it, creates an
:class:`~assist_agent.session.AgentSession` for each **New session**, and
connects the session to the drawing tools, the guidance panel's model and the
history recorder. The window only wires its widgets to these objects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from assist_agent import agent_key
from assist_agent.config import ConfigFile, Settings
from assist_agent.drawing import Drawing
from assist_agent.frames import FrameUpdate, MakeImage
from assist_agent.guidance import Guidance
from assist_agent.model import Ending, Outcome, State
from assist_agent.presence import DeskLink
from assist_agent.recorder import Recorder
from assist_agent.session import RATING_WAIT_S, AgentSession
from assist_agent.token_check import SignIn
from common import identity
from common.endpoint import SignedIn
from common.errors import AssistError
from common.identity import CardState
from common.messages import (
    NAMEPLATE_CONTACT,
    Invited,
    InviteKind,
    Message,
    Monitors,
    MonitorSwitch,
    PresenceState,
)
from common.messages import Outcome as CallOutcome

log = logging.getLogger(__name__)


#: Notes go to the desk's records this long after the agent stops typing (ms).
NOTES_SYNC_MS = 1500


class Desk(QObject):
    signing_in = Signal()
    signed_in = Signal(str, str, str)  # name, display name, organisation
    card_changed = Signal(object)  # identity.CardState: this computer's identity card
    sign_in_failed = Signal(object)  # AssistError
    session_started = Signal(object)  # AgentSession
    session_finished = Signal(object)  # AgentSession, ended
    #: Someone asks us into their session; the window asks the agent (accept/decline).
    invitation = Signal(object)  # Invited
    #: Presence changed by itself (away after idle, back at the next input).
    presence_changed = Signal(object)  # PresenceState

    def __init__(
        self,
        settings: Settings,
        *,
        config_file: ConfigFile,
        recorder: Recorder,
        guidance: Guidance,
        drawing: Drawing,
        make_image: MakeImage | None = None,
        rating_wait_s: float = RATING_WAIT_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.relay = settings.relay
        self.token = settings.token
        self.config_file = config_file
        self.recorder = recorder
        self.guidance = guidance
        self.drawing = drawing
        self.make_image = make_image
        self.rating_wait_s = rating_wait_s
        self.identity: tuple[str, str, str] | None = None
        self.supervisor = False
        self.key: Ed25519PrivateKey | None = None
        self.card = CardState("none")
        self.session: AgentSession | None = None
        self.keep_screenshot = False
        self.screenshot_source: Callable[[], QImage | None] = lambda: None
        self._sign_in = SignIn(self)
        self._sign_in.succeeded.connect(self._on_signed_in)
        self._sign_in.failed.connect(self._on_sign_in_failed)
        #: Presence and invitations while signed in (colleagues see us, ask us in).
        self.link = DeskLink(self)
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(NOTES_SYNC_MS)
        self._notes_timer.timeout.connect(self._sync_notes)
        self._notes_sent: tuple[AgentSession | None, str] = (None, "")
        self._auto_away = False
        self.link.invited.connect(self._on_invited)
        drawing.messages_ready.connect(self.send)
        guidance.messages_ready.connect(self.send)

    # ------------------------------------------------------------ signing in

    def sign_in(self, relay: str | None = None, token: str | None = None) -> None:
        if relay:
            self.relay = relay.strip()
        if token:
            self.token = token.strip()
        if not self.token:
            return
        self.signing_in.emit()
        if self.key is None:
            try:
                self.key = agent_key.load_or_create()
            except AssistError as err:
                self.sign_in_failed.emit(err)
                return
        self._sign_in.start(self.settings.target(self.relay), self.token, self.key)

    def _on_signed_in(self, who: SignedIn) -> None:
        name, display, org = who.name, who.display_name, who.org
        self.identity = (name, display, org)
        self.supervisor = who.supervisor
        self.set_card(who.certificate)
        try:
            self.config_file.save(relay=self.relay, token=self.token)
        except OSError as exc:
            log.warning("could not remember the token: %s", exc)
        if self.key is not None and self.token:
            self.link.start(self.settings.target(self.relay), self.token, self.key)
        self.signed_in.emit(name, display, org)

    def set_card(self, certificate: bytes) -> None:
        """The card the relay gave at the last sign-in; the window shows its state."""
        own = identity.public_bytes(self.key) if self.key is not None else b""
        self.card = identity.card_state(certificate, own, time.time())
        self.card_changed.emit(self.card)

    def _on_sign_in_failed(self, err: AssistError) -> None:
        self.sign_in_failed.emit(err)

    # ------------------------------------------------------------ sessions

    @property
    def busy(self) -> bool:
        """A session is open or still finishing (waiting for a rating)."""
        return self.session is not None and self.session.state is not State.ENDED

    def new_session(self) -> AgentSession | None:
        """Our own session: a code to read out."""
        return self._open(None)

    def take(self, ticket: str = "") -> AgentSession | None:
        """The help desk: take this waiting customer, or the next one (empty ticket)."""
        return self._open(None, take=ticket)

    def callback_outcome(
        self, callback_id: str, outcome: CallOutcome, window_start: int = 0, note: str = ""
    ) -> None:
        """Record what came of a callback (the desk's list updates by itself)."""
        self.link.callback_outcome(callback_id, outcome, window_start, note)

    def _open(self, invited: Invited | None, take: str | None = None) -> AgentSession | None:
        """A session of ours, or with ``invited`` a seat in a colleague's session."""
        if self.busy or not self.token:
            return None
        old, self.session = self.session, None
        if old is not None:
            old.shutdown(timeout=1.0)
            old.deleteLater()
        session = AgentSession(
            self.settings.target(self.relay),
            self.token,
            key=self.key,
            make_image=self.make_image,
            rating_wait_s=self.rating_wait_s,
            invited=invited,
            take=take,
            parent=self,
        )
        self.session = session
        session.card_received.connect(self.set_card)
        self.guidance.reset()
        self.drawing.reset()
        self.drawing.set_enabled(False)
        session.consent_given.connect(self._on_consent)
        session.monitors_received.connect(self._on_monitors)
        session.frame_ready.connect(self._on_frame)
        session.chat_received.connect(self.guidance.receive_chat)
        session.secured.connect(self.guidance.resend_steps)
        session.rating_received.connect(self._on_rating)
        session.session_ended.connect(self._on_ended)
        self.session_started.emit(session)
        session.start()
        return session

    # ------------------------------------------------------------ rooms

    def set_presence(self, state: PresenceState) -> None:
        self._auto_away = False
        self.link.set_state(state)

    def idle(self, away: bool) -> None:
        """No input for a while (``away``), or input again: an available agent goes Away
        by itself and comes back; an agent who chose Busy or Away stays so."""
        if away and self.link.state is PresenceState.AVAILABLE and not self.busy:
            self.link.set_state(PresenceState.AWAY)
            self._auto_away = True
            self.presence_changed.emit(PresenceState.AWAY)
        elif not away and self._auto_away:
            self._auto_away = False
            self.link.set_state(PresenceState.AVAILABLE)
            self.presence_changed.emit(PresenceState.AVAILABLE)

    def invite(self, agent: str, kind: InviteKind, reason: str, note: str = "") -> bool:
        """Ask a colleague into our session (HELP) or to take it over (HANDOVER)."""
        return self.session is not None and self.session.invite(agent, kind, reason, note)

    def let_draw(self, member: int, allowed: bool) -> None:
        """Lead: let a supervisor in the room draw, or stop them."""
        if self.session is not None:
            self.session.let_draw(member, allowed)

    def supervise(self, agent: str, reason: str = "") -> None:
        """Supervisor: ask to watch ``agent``'s session (the customer is asked)."""
        if not self.busy:
            self.link.supervise(agent, reason)

    def _on_invited(self, invited: Invited) -> None:
        if invited.kind is InviteKind.SUPERVISE:
            if not self.busy:  # the answer to our own request: go in
                self._open(invited)
            return
        self.invitation.emit(invited)

    def accept(self, invited: Invited) -> AgentSession | None:
        """Join a colleague's session (their customer is asked before we see anything)."""
        if self.busy:
            self.link.answer(invited.invite_id, False)
            return None
        self.link.answer(invited.invite_id, True)
        return self._open(invited)

    def decline(self, invited: Invited) -> None:
        self.link.answer(invited.invite_id, False)

    def end_session(self) -> None:
        if self.session is not None:
            self.session.end()

    def skip_rating(self) -> None:
        if self.session is not None:
            self.session.skip_rating()

    def switch_monitor(self, index: int) -> None:
        self.send([MonitorSwitch(index)])

    def send(self, messages: list[Message]) -> None:
        if self.session is not None:
            self.session.send(messages)

    def _on_consent(self, allow_draw: bool, monitor: int) -> None:
        self.drawing.set_monitor(monitor)
        self.drawing.set_enabled(allow_draw)

    def _on_monitors(self, msg: Monitors) -> None:
        self.drawing.set_monitor(msg.current)
        for m in msg.monitors:
            if m.index == msg.current:
                self.drawing.set_screen(m.width, m.height)

    def _on_frame(self, update: FrameUpdate) -> None:
        if self.drawing.screen != (update.width, update.height):
            self.drawing.set_screen(update.width, update.height)

    def _on_rating(self, stars: int, comment: str) -> None:
        if self.session is not None and self.session.outcome is not None:
            self.recorder.update_rating(stars, comment)  # it came after the row was written

    def _on_ended(self, outcome: Outcome) -> None:
        session = self.session
        if session is None:
            return
        self.drawing.set_enabled(False)
        if outcome.ending is Ending.BAD_TOKEN and outcome.error is not None:
            self.identity = None
            self.sign_in_failed.emit(outcome.error)
        if self._notes_timer.isActive():  # typed just before the end: sent now
            self._notes_timer.stop()
            self._sync_notes()
        if session.code is not None or session.is_seat or session.took is not None:
            shot = self.screenshot_source() if self.keep_screenshot else None
            self.recorder.record(session, self.guidance, shot)
        self.session_finished.emit(session)

    def set_notes(self, text: str) -> None:
        self.guidance.set_notes(text)
        if self.session is not None and self.session.outcome is not None:
            self.recorder.update_notes(text)
        self._notes_timer.start()  # to the desk's records once typing pauses

    def _sync_notes(self) -> None:
        """The notes go to the desk's records: in the session through it, afterwards
        through the desk connection (the contact's id, or the session's nameplate).
        Only what changed is sent."""
        session, text = self.session, self.guidance.notes
        if session is None or (session, text) == self._notes_sent:
            return
        if not text and self._notes_sent[0] is not session:
            return  # an empty editor at a session's start is not a note
        if session.outcome is None and session.note(text):
            self._notes_sent = (session, text)
        elif session.contact or session.nameplate:
            # A session started with a code: the relay finds it by its nameplate.
            contact = session.contact or f"{NAMEPLATE_CONTACT}{session.nameplate}"
            self.link.note(contact, text)
            self._notes_sent = (session, text)

    def shutdown(self) -> None:
        """The window is closing: end the session now and finish writing the history."""
        self._sign_in.wait(0.5)
        self.link.stop()
        if self.session is not None:
            self.session.shutdown(timeout=2.0)
        self.recorder.flush()
