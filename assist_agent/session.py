"""One support session, seen from the agent's side: a QObject over the network and decode threads.

:class:`AgentSession` owns an :class:`~common.endpoint.Endpoint` running on a
:class:`~assist_net.driver.NetworkThread` and a
:class:`~assist_agent.frames.FramePipeline` decoding frames on its own thread.
Network events reach it as a queued signal, so every slot and every public
method runs on the thread that owns it (the GUI thread, or the headless main
thread). It only needs QtCore: the window and the headless runner both use it.

The same class runs a **seat** in a colleague's session (``invited=``): a
:class:`~common.member.MemberEndpoint` instead, no code, the state ``JOINING``
until the customer lets us in, and no rating to wait for. The lead invites
colleagues with :meth:`invite` and hears how it goes (``invite_update``).

Ending: :meth:`end` tells the customer (``SessionEnd(AGENT_ENDED)``), then
waits up to ``rating_wait_s`` for their ``Rating`` (:meth:`skip_rating` stops
waiting) before saying bye to the relay. When the customer ends, we wait the
same way for their rating or their leaving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QObject, QTimer, Signal

from assist_agent.control import AgentControl
from assist_agent.frames import FramePipeline, FrameUpdate, MakeImage
from assist_agent.model import (
    CONNECTED,
    OPEN,
    Ending,
    Outcome,
    State,
    outcome_for_customer_end,
    outcome_for_error,
)
from assist_agent.stats import FrameStats
from assist_net.driver import Connection, NetworkThread
from assist_net.target import TargetLike
from assist_ui.transfers import Transfers
from common.endpoint import (
    BlockSet,
    Closed,
    CodeReady,
    Congested,
    ContactHistory,
    CustomerTaken,
    Endpoint,
    Event,
    Failed,
    InviteUpdate,
    MemberChanged,
    NewcomerRefused,
    Notice,
    PeerCameBack,
    PeerJoined,
    PeerWentAway,
    Received,
    Reconnecting,
    ResumedSession,
    Secured,
    SignedIn,
)
from common.errors import AssistError
from common.files import DEFAULT_LIMIT
from common.member import EnteredRoom, MemberEndpoint
from common.messages import (
    Briefing,
    Chat,
    Consent,
    ConsentState,
    ControlChange,
    ControlState,
    DrawPermission,
    EndReason,
    FileAck,
    FileAnswer,
    FileChunk,
    FileDirection,
    FileEnd,
    FileOffer,
    FlagKind,
    Frame,
    FrameAck,
    Invited,
    InviteKind,
    MemberRole,
    Message,
    MonitorInfo,
    Monitors,
    Pause,
    Rating,
    Roster,
    SessionEnd,
    Took,
)

log = logging.getLogger(__name__)

_FILE_MESSAGES = (FileOffer, FileAnswer, FileChunk, FileAck, FileEnd)

RATING_WAIT_S = 60.0


class AgentSession(QObject):
    """See the module docstring. Create, connect signals, then :meth:`start`."""

    state_changed = Signal(object)  # State
    signed_in = Signal(str, str, str)  # name, display name, organisation
    card_received = Signal(bytes)  # this key's identity card (renewed by the relay), or b""
    code_ready = Signal(str, int)  # the code as read aloud, seconds until it expires
    #: The help desk: the customer this session took from the queue (what they wrote),
    #: and a refusal of something asked during the session (a flag).
    customer_taken = Signal(object)  # Took
    notice = Signal(object)  # AssistError
    blocked = Signal(int)  # the customer is kept out of the queues until (Unix s)
    #: The customer's earlier contacts with the desk (newest first), as the session starts.
    history_received = Signal(object)  # tuple[HistoryItem, ...]
    customer_joined = Signal()
    secured = Signal()
    consent_given = Signal(bool, int)  # allow_draw, monitor index
    monitors_received = Signal(object)  # Monitors
    first_frame_decoded = Signal()
    frame_ready = Signal(object)  # FrameUpdate, emitted from the decode thread (queued)
    pause_changed = Signal(bool)
    chat_received = Signal(object)  # Chat
    rating_received = Signal(int, str)
    congestion_changed = Signal(int)
    session_ended = Signal(object)  # Outcome
    #: Rooms: how an invitation goes, who can see the screen (the customer's list), a
    #: colleague's request that failed its check, the briefing after a hand-over.
    invite_update = Signal(object)  # InviteStatus
    roster_received = Signal(object)  # Roster
    newcomer_refused = Signal(object)  # AssistError
    briefing_received = Signal(object)  # Briefing
    #: This app no longer leads (the customer approved a hand-over): introduce, then leave.
    handed_over = Signal(str)  # the new lead's name

    _network_event = Signal(object, bool)  # Event, peer present (from the network thread)
    _decode_failed = Signal(object)
    _first_frame = Signal()

    def __init__(
        self,
        relay: TargetLike,
        token: str,
        *,
        key: Ed25519PrivateKey | None = None,
        make_image: MakeImage | None = None,
        display: bool = True,
        rating_wait_s: float = RATING_WAIT_S,
        invited: Invited | None = None,
        take: str | None = None,
        file_limit: int = DEFAULT_LIMIT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        #: The help desk: take this ticket ("" = the next customer) instead of a code.
        self.take = take
        self.took: Took | None = None
        #: A seat in a colleague's session (the invitation), or None: our own session.
        self.invited = invited
        self.member = 1 if invited is None else 0
        self.roster: tuple = ()  # type: ignore[type-arg]
        #: For the history: who came in or left, with whose yes ({at, event, who}).
        self.room_log: list[dict[str, object]] = []
        self.leads = invited is None  # a seat leads once the customer approves a hand-over
        self.relay = relay
        self.state = State.STARTING
        self.code: str | None = None
        self.nameplate: str | None = None
        self.expires_s = 0
        self.agent: tuple[str, str, str] = ("", "", "")
        self.allow_draw = False
        self.monitor = 0
        self.monitors: tuple[MonitorInfo, ...] = ()
        self.paused = False
        self.rating: tuple[int, str] | None = None
        #: The contact's id in the desk's records (a customer from the queue), for notes.
        self.contact = ""
        self.outcome: Outcome | None = None
        self.started_at = time.time()
        self.connected_at: float | None = None
        self.ended_at: float | None = None
        self.stats = FrameStats()
        self._consented = False
        self._ending: Outcome | None = None
        self._before_drop = State.DECIDING
        self._rating_wait_s = rating_wait_s
        self._rating_timer = QTimer(self)
        self._rating_timer.setSingleShot(True)
        self._rating_timer.timeout.connect(self.skip_rating)
        #: Remote control: asking, the customer's answer, input while granted.
        self.control = AgentControl(self.send, lambda: self.member, lambda: self.monitor, self)
        #: File hand-over with the customer (member 0 here: the customer's app).
        self.files = Transfers(
            self._send_file_message,
            direction=FileDirection.TO_CUSTOMER,
            limit=file_limit,
            first_id=2,
            parent=self,
        )
        self.files.recorded.connect(self._on_file_recorded)
        self._network_event.connect(self._on_network_event)
        self._decode_failed.connect(self._on_decode_failed)
        self._first_frame.connect(self.first_frame_decoded)
        endpoint: Endpoint | MemberEndpoint
        if invited is None and take is not None:
            endpoint = Endpoint.taker(token, take, key=key)
        elif invited is None:
            endpoint = Endpoint.agent(token, key=key)
        else:
            assert key is not None  # a seat signs its offer with this app's key
            endpoint = MemberEndpoint(token, invited, key=key)
        self._endpoint = endpoint
        self.connection = Connection(relay, endpoint, self._from_network)
        self._net = NetworkThread(self.connection)
        self.pipeline = FramePipeline(
            stats=self.stats,
            on_ack=self._ack,
            on_error=self._decode_failed.emit,
            on_update=self.frame_ready.emit if display else None,
            on_first_frame=self._first_frame.emit,
            make_image=make_image,
        )

    # ------------------------------------------------------------ public

    def start(self) -> None:
        self.pipeline.start()
        self._net.start()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    @property
    def is_connected(self) -> bool:
        return self.state in CONNECTED

    def send(self, messages: Message | Iterable[Message]) -> bool:
        """Send application messages to the customer; False when nobody is there to get them."""
        if self.state not in CONNECTED:
            return False
        for msg in [messages] if isinstance(messages, Message) else list(messages):
            self._net.send_app(msg)
        return True

    def invite(self, agent: str, kind: InviteKind, reason: str, note: str = "") -> bool:
        """Lead: ask a colleague in to help, or to take over (``HANDOVER``, with ``note``
        for them). The customer is asked before they see anything."""
        if self.state not in CONNECTED or not self.leads:
            return False
        self._net.call_endpoint("invite", agent, kind, reason, note)
        return True

    def flag(self, kind: FlagKind, reason: str) -> bool:
        """Flag this contact (a customer from the queue): abusive, repeat, specialist."""
        if self.took is None or self.state not in CONNECTED:
            return False
        self._net.call_endpoint("flag", kind, reason)
        return True

    def note(self, text: str, resolved: int = -1, tags: str = "") -> bool:
        """The agent's notes on this contact, for the desk's records (the newest
        replaces the last)."""
        if self.state not in CONNECTED:
            return False
        self._net.call_endpoint("note", text, resolved, tags)
        return True

    def block(self, minutes: int, reason: str) -> bool:
        """Supervisor: keep this customer (from the queue) out of the queues a while."""
        if self.took is None or self.state not in CONNECTED:
            return False
        self._net.call_endpoint("block", minutes, reason)
        return True

    def let_draw(self, member: int, allowed: bool) -> bool:
        """Lead: let a supervisor draw on the customer's screen, or stop them."""
        if self.state not in CONNECTED or not self.leads:
            return False
        self._net.send_app(DrawPermission(member, allowed))
        return True

    def leave(self) -> None:
        """After handing over (or as a helper): leave the session without ending it for
        the customer and the others."""
        if self.state is State.ENDED:
            return
        self._ending = Outcome(Ending.AGENT_ENDED)
        self._bye(EndReason.AGENT_ENDED)

    def _send_file_message(self, _member: int, msg: Message) -> None:
        """Any thread: a file message to the customer (the network loop sends it)."""
        if self.state in CONNECTED:
            self._net.send_app(msg)

    def send_file(self, path: Path) -> int:
        """Offer the customer a file; their app asks them. 0 if nobody is there."""
        if self.state not in (State.SHARING, State.PAUSED):
            return 0
        return self.files.offer(path, 0)

    def _on_file_recorded(self, entry: dict[str, object]) -> None:
        """The history keeps each file's name, size and SHA-256, never its content."""
        direction = "file_sent" if entry["outgoing"] else "file_received"
        detail = f"{entry['name']} · {entry['size']} bytes · SHA-256 {entry['sha256']}"
        self._log(f"{direction}_{entry['state']}", detail)

    def _log(self, event: str, who: str) -> None:
        self.room_log.append({"at": round(time.time(), 3), "event": event, "who": who})

    @property
    def is_seat(self) -> bool:
        return self.invited is not None

    def displayed(self, update: FrameUpdate) -> None:
        """The window painted ``update``: acknowledge its frames."""
        self.pipeline.displayed(update.seq)

    def end(self) -> None:
        """The agent ends the session (or cancels the code)."""
        if self.state in (State.WAITING_RATING, State.ENDED):
            return
        if not self.leads:
            self.leave()  # a helper, or after handing over: the session goes on
            return
        if self.connected_at is not None:
            self._net.send_app(SessionEnd(EndReason.AGENT_ENDED, ""))
        if not self._consented:  # nothing was shared: there is nothing to rate
            self._ending = Outcome(Ending.AGENT_ENDED)
            self._bye(EndReason.AGENT_ENDED)
            return
        self._await_rating(Outcome(Ending.AGENT_ENDED))

    def skip_rating(self) -> None:
        """Stop waiting for the customer's rating and close the session."""
        if self.state is State.WAITING_RATING and self._ending is not None:
            self._bye(self._ending.end_reason)

    def shutdown(self, timeout: float = 3.0) -> None:
        """The app is closing: end at once, without waiting for a rating."""
        if self.state is not State.ENDED:
            if self.connected_at is not None and self.state is not State.WAITING_RATING:
                self._net.send_app(SessionEnd(EndReason.AGENT_ENDED, ""))
            if self._ending is None:
                self._ending = Outcome(Ending.AGENT_ENDED)
            self._bye(self._ending.end_reason)
        self._net.join(timeout)
        self.pipeline.stop(wait=True, timeout=timeout)
        self.files.shutdown()
        if self.state is not State.ENDED:
            self._finish(Outcome(Ending.AGENT_ENDED) if self._ending is None else self._ending)

    # ------------------------------------------------------------ threads

    def _from_network(self, event: Event) -> None:
        """On the network thread: frames go straight to the decoder, the rest to our thread."""
        if isinstance(event, Received) and isinstance(event.message, Frame):
            self.pipeline.submit(event.message)
            return
        if isinstance(event, Received) and isinstance(event.message, _FILE_MESSAGES):
            self.files.on_message(0, event.message)  # file bytes skip the GUI thread
            return
        if isinstance(event, Secured):
            self.stats.paired()
        if isinstance(event, Congested):
            self.stats.congestion = event.level
        self._network_event.emit(event, self._endpoint.peer_present)

    def _ack(self, frame_ids: list[int]) -> None:
        """On the decode thread: acknowledge frames (sent from the network thread)."""
        self._net.call(self._send_acks, frame_ids)

    def _send_acks(self, frame_ids: list[int]) -> None:
        for fid in frame_ids:
            self.connection.send_app(FrameAck(fid))

    # ------------------------------------------------------------ our thread

    def _set_state(self, state: State) -> None:
        if state is not self.state:
            log.debug("state %s -> %s", self.state.value, state.value)
            self.state = state
            if state not in (State.SHARING, State.PAUSED) and (
                self.control.holder or self.control.asked
            ):
                self.control.reset()  # the customer's app ends it too (docs/security.md)
            if state not in (State.SHARING, State.PAUSED) and self.files.active:
                self.files.shutdown()  # the customer's app drops them too
            self.state_changed.emit(state)

    def _sharing_state(self) -> State:
        if not self._consented:
            return State.DECIDING
        return State.PAUSED if self.paused else State.SHARING

    def _on_network_event(self, event: Event, peer_present: bool) -> None:
        if self.state is State.ENDED:
            return
        match event:
            case SignedIn(name=name, display_name=display, org=org):
                self.agent = (name, display, org)
                self.signed_in.emit(name, display, org)
                self.card_received.emit(event.certificate)
            case CodeReady(code=code, expires_s=expires):
                self.code, self.nameplate, self.expires_s = code.display(), code.nameplate, expires
                self._set_state(State.WAITING)
                self.code_ready.emit(self.code, expires)
            case Notice(error=err):
                self.notice.emit(err)
            case BlockSet(until=until):
                self.blocked.emit(until)
            case ContactHistory(contact=contact, items=items):
                self.contact = contact
                self.history_received.emit(items)
            case CustomerTaken(took=took):
                self.took, self.nameplate = took, took.nameplate
                self.customer_taken.emit(took)
            case PeerJoined():
                self._set_state(State.DECIDING)
                self.customer_joined.emit()
            case EnteredRoom(member=member):
                self.member = member
                self._set_state(State.JOINING)
            case Secured():
                if self.invited is not None:
                    who = self.invited.from_display_name or self.invited.from_name
                    self._log("joined", who)
                self.connected_at = time.time()
                self._set_state(State.DECIDING)
                self.secured.emit()
            case InviteUpdate(status=status):
                self._log(f"invite_{status.state.name.lower()}", status.display_name)
                self.invite_update.emit(status)
            case NewcomerRefused(error=err):
                self.newcomer_refused.emit(err)
            case MemberChanged():
                pass  # the customer's Roster is what counts (it names who they allowed)
            case Received(message=msg):
                self._on_message(msg)
            case Reconnecting():
                self._remember_state()
                self._set_state(State.RECONNECTING)
            case ResumedSession():
                self._back(State.CUSTOMER_AWAY if not peer_present else None)
            case PeerWentAway():
                self._remember_state()
                self._set_state(State.CUSTOMER_AWAY)
            case PeerCameBack():
                self._back(None)
            case Congested(level=level):
                self.congestion_changed.emit(level)
            case Closed():
                self._finish(self._ending or Outcome(Ending.AGENT_ENDED))
            case Failed(error=err):
                self._finish(self._ending or outcome_for_error(err))

    def _remember_state(self) -> None:
        if self.state not in (State.RECONNECTING, State.CUSTOMER_AWAY):
            self._before_drop = self.state

    def _back(self, instead: State | None) -> None:
        if self.state is State.WAITING_RATING:
            return
        if instead is not None:
            self._set_state(instead)
        elif self._before_drop in CONNECTED:
            self._set_state(self._sharing_state())
        else:
            self._set_state(self._before_drop)

    def _on_message(self, msg: Message) -> None:
        match msg:
            case Consent(state=ConsentState.GRANTED, allow_draw=allow, monitor=monitor):
                self._consented, self.allow_draw, self.monitor = True, allow, monitor
                if self.state not in (State.WAITING_RATING, State.RECONNECTING):
                    self._set_state(self._sharing_state())
                self.consent_given.emit(allow, monitor)
            case Consent(state=ConsentState.DECLINED):
                self._ending = Outcome(Ending.DECLINED)
                self._bye(EndReason.DECLINED)
            case Consent(state=ConsentState.WITHDRAWN):
                self._await_rating(Outcome(Ending.CUSTOMER_STOPPED))
            case Monitors(current=current):
                self.monitors, self.monitor = msg.monitors, current
                self.monitors_received.emit(msg)
            case Pause(paused=paused):
                self.paused = paused
                if self.state in (State.SHARING, State.PAUSED):
                    self._set_state(self._sharing_state())
                self.pause_changed.emit(paused)
            case Chat():
                self.chat_received.emit(msg)
            case Roster(members=members):
                before = {e.member: e for e in self.roster}
                after = {e.member: e for e in members}
                for m in after.keys() - before.keys():
                    if m != self.member and before:
                        self._log("allowed", after[m].display_name)
                for m in before.keys() - after.keys():
                    self._log("left", before[m].display_name)
                was_lead = self.leads
                self.roster = members
                lead = next((e for e in members if e.role is MemberRole.LEAD), None)
                self.leads = lead is not None and lead.member == self.member
                if was_lead and not self.leads and lead is not None:
                    self._log("handed_over", lead.display_name)
                    self.handed_over.emit(lead.display_name)
                elif self.leads and not was_lead:
                    self._log("took_over", "")
                self.roster_received.emit(msg)
            case Briefing():
                self.briefing_received.emit(msg)
            case ControlState(change=change, member=member):
                mine = member == self.member
                if change is ControlChange.GRANTED and mine:
                    self._log("control_granted", "")
                elif change is ControlChange.DENIED and mine:
                    self._log("control_denied", "")
                elif self.control.mine and not msg.holder:
                    self._log("control_ended", change.name.lower())
                self.control.on_state(msg)
            case Rating(stars=stars, comment=comment):
                self.rating = (stars, comment)
                self.rating_received.emit(stars, comment)
                if self.state is State.WAITING_RATING:
                    self.skip_rating()
            case SessionEnd(reason=reason):
                outcome = outcome_for_customer_end(reason)
                if outcome.ending is Ending.DECLINED or not self.leads:
                    # A helper gets no rating: the customer rates the lead.
                    self._ending = outcome
                    self._bye(outcome.end_reason)
                else:
                    self._await_rating(outcome)
            case _:
                log.info("ignoring %s", type(msg).__name__)

    def _await_rating(self, outcome: Outcome) -> None:
        if self._ending is None:
            self._ending = outcome
        if self.state is State.WAITING_RATING:
            return
        self._set_state(State.WAITING_RATING)
        if self.rating is not None:
            self.skip_rating()
        else:
            self._rating_timer.start(round(self._rating_wait_s * 1000))

    def _on_decode_failed(self, err: AssistError) -> None:
        if self.state is State.ENDED or self._ending is not None:
            return
        self._ending = outcome_for_error(err)
        if self.state in CONNECTED:
            self._net.send_app(SessionEnd(EndReason.ERROR, "the agent could not decode a frame"))
        self._bye(EndReason.ERROR)

    def _bye(self, reason: EndReason) -> None:
        self._rating_timer.stop()
        if self._net.alive:
            self._net.bye(reason)
        elif self.state is not State.ENDED:
            self._finish(self._ending or Outcome(Ending.AGENT_ENDED))

    def _finish(self, outcome: Outcome) -> None:
        if self.state is State.ENDED:
            return
        self._rating_timer.stop()
        self.outcome = outcome
        self.ended_at = time.time()
        self.pipeline.stop()
        log.info("session ended: %s", outcome.ending.value)
        self._set_state(State.ENDED)
        self.session_ended.emit(outcome)
