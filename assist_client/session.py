"""The customer's session as a QObject: the network thread and the capture thread, bridged to Qt.

:class:`CustomerSession` owns a :class:`~assist_net.driver.NetworkThread` (the
relay conversation) and, once the customer has said yes, a
:class:`~assist_client.streamer.Streamer` (capture). Events from the network
thread arrive through a queued signal, so every slot here and every signal it
emits runs on the GUI thread. It never shows a window: the app (or the headless
runner) connects its signals to windows and calls its slots.

Message flow from the customer, after ``Secured``::

    consent_needed  ->  grant(): Consent(GRANTED, allow_draw, monitor), Monitors, frames
                        decline(): Consent(DECLINED), SessionEnd(DECLINED), bye
    pause()/resume(): Pause(True) and no pixels / Pause(False) and a keyframe
    stop():           capture stops at once, SessionEnd(CUSTOMER_STOPPED), then the
                      app asks for a rating: rate() sends it, finish() says bye
    SessionEnd from the agent: capture stops, ``ended`` is emitted, same as above

Frame acks and congestion go straight from the network thread to the streamer
(both are thread-safe), so flow control never waits for the GUI.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import msgspec
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from assist_client.control import RemoteControl
from assist_client.injector import open_backend
from assist_client.monitors import Monitor
from assist_client.streamer import CaptureSource, MssSource, Streamer
from assist_net.driver import EXIT_ERROR, EXIT_OK, Connection, NetworkThread, exit_code_for
from assist_net.target import TargetLike
from assist_ui.transfers import Offer, Transfers
from common.codes import SessionCode
from common.control import DEFAULT_PROTECTED, IDLE_S
from common.endpoint import (
    AgentCalled,
    Closed,
    Congested,
    Endpoint,
    Event,
    Failed,
    InQueue,
    MemberChanged,
    NewcomerAsks,
    NewcomerRefused,
    PairingStarted,
    PeerCameBack,
    PeerJoined,
    PeerWentAway,
    Received,
    Reconnecting,
    ResumedSession,
    Secured,
)
from common.errors import AssistError, SessionEndedError
from common.files import DEFAULT_LIMIT
from common.help import HelpRequest
from common.identity import CheckedIdentity, Trust
from common.messages import (
    LEAD_MEMBER,
    Briefing,
    BriefLine,
    BriefStep,
    Chat,
    Clipboard,
    Consent,
    ConsentState,
    ControlChange,
    ControlRelease,
    ControlRequest,
    ControlState,
    DrawPermission,
    EndReason,
    FileAck,
    FileAnswer,
    FileChunk,
    FileDirection,
    FileEnd,
    FileOffer,
    Frame,
    FrameAck,
    Input,
    Laser,
    MemberRole,
    Message,
    Monitors,
    MonitorSwitch,
    Pause,
    Rating,
    Refresh,
    ReportEvent,
    RosterEntry,
    SessionEnd,
    Shape,
    ShapeRemove,
    ShapesClear,
    Step,
)
from common.room import Candidate, roster_entry

log = logging.getLogger(__name__)

_FILE_MESSAGES = (FileOffer, FileAnswer, FileChunk, FileAck, FileEnd)


class State(enum.Enum):
    """What the customer's side is doing; the values are what headless mode prints."""

    CONNECTING = "connecting"
    QUEUED = "waiting in the queue"
    SECURING = "securing the connection"
    ASKING = "waiting for your consent"
    SHARING = "sharing"
    PAUSED = "paused"
    AGENT_AWAY = "waiting for the agent"
    RECONNECTING = "reconnecting"
    ENDING = "ending"
    ENDED = "ended"


class Network(Protocol):
    """What the session needs from the network (a NetworkThread, or a fake in tests)."""

    def start(self) -> None: ...
    def send_app(self, msg: Message) -> None: ...
    def call_endpoint(self, name: str, *args: object) -> None: ...
    def bye(self, reason: EndReason) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...


#: How a session starts: the code the agent read out, or a request from "Get help".
Start = SessionCode | HelpRequest
NetworkFactory = Callable[[TargetLike, Start, Callable[[Event], None]], Network]


def real_network(
    target: TargetLike,
    start: Start,
    on_event: Callable[[Event], None],
    trust: Trust | None = None,
) -> Network:
    """The network thread; ``trust``: the organisations whose agents show as verified
    (for a help request, the only ones who can answer at all)."""
    if isinstance(start, HelpRequest):
        endpoint = Endpoint.seeker(start, trust=trust)
    else:
        endpoint = Endpoint.customer(start, trust=trust)
    return NetworkThread(Connection(target, endpoint, on_event))


class CustomerSession(QObject):
    """See the module docstring. Signals are past tense; slots are the customer's choices."""

    state_changed = Signal(object)  # State
    agent_identified = Signal(str, str)  # display name, organisation
    consent_needed = Signal()
    sharing_started = Signal(object)  # Monitor
    paused = Signal()
    resumed = Signal()
    monitor_switch_requested = Signal(object)  # Monitor
    monitor_switched = Signal(object)  # Monitor
    annotation_received = Signal(object)  # Shape, ShapeRemove or ShapesClear
    laser_moved = Signal(int, int, int, bool)  # monitor, x, y, visible
    chat_received = Signal(object)  # Chat
    chat_sent = Signal(object)  # Chat
    step_received = Signal(object)  # Step
    file_offered = Signal(object, str)  # Offer, who offers it
    #: Rooms: someone the lead vouched for asks to join (the prompt), someone's request
    #: failed its check (a notice), and who can see the screen now (the bar's list).
    newcomer_asks = Signal(object)  # Candidate
    newcomer_refused = Signal(object)  # AssistError
    newcomer_gone = Signal(int)  # member: they left before the customer answered
    members_changed = Signal(list)  # list[RosterEntry]
    #: Get help: where the customer stands (position, wait in minutes or -1, whether
    #: a callback is offered), and that an agent took them (the consent prompt follows).
    queue_standing = Signal(int, int, bool)
    agent_ready = Signal()
    reconnecting = Signal()
    reconnected = Signal()
    ended = Signal(object)  # EndReason: the sharing part is over; ask for a rating
    failed = Signal(object)  # AssistError
    finished = Signal(int)  # exit code: the connection is closed for good
    _event_arrived = Signal(object)

    def __init__(
        self,
        url: TargetLike,
        code: Start,
        monitors: list[Monitor],
        *,
        network_factory: NetworkFactory = real_network,
        source_factory: Callable[[], CaptureSource] = MssSource,
        window: int = 3,
        cursor: Callable[[], tuple[int, int] | None] | None = None,
        input_factory: Callable[[], object] = open_backend,
        protected: Sequence[str] = DEFAULT_PROTECTED,
        control_idle_s: float = IDLE_S,
        file_limit: int = DEFAULT_LIMIT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.code = code
        self.monitors = monitors
        self._network_factory = network_factory
        self._source_factory = source_factory
        self._window = window
        self._cursor = cursor
        self._net: Network | None = None
        self.streamer: Streamer | None = None
        self._lock = threading.Lock()  # guards self.streamer for the network thread
        self.state = State.CONNECTING
        self.agent_name = ""
        self.agent_org = ""
        #: Who is asking, as the identity check found (verified or the relay's word).
        self.agent_identity: CheckedIdentity | None = None
        self.allow_draw = False
        self.current: Monitor | None = None
        self.end_reason: EndReason | None = None
        self.error: AssistError | None = None
        self.exit_code: int | None = None
        self._secured = False
        self._chat_id = 0
        #: Who can see the screen, by seat (member 1 is the agent who read out the code).
        self.members: dict[int, RosterEntry] = {}
        self.lead = LEAD_MEMBER
        self._asking: dict[int, Candidate] = {}
        #: Marks of each member as the overlay knows them: (member, their id) -> ours.
        self._shape_ids: dict[tuple[int, int], int] = {}
        self._next_shape = 1
        self.max_members = 16
        #: What a new lead is briefed with after a hand-over: the steps and the chat.
        self._steps: dict[int, Step] = {}
        self._chat: list[BriefLine] = []
        #: Remote control: its own consent, one member at a time (assist_client/control.py).
        self.control = RemoteControl(
            self._send_all,
            self.member_name,
            report=self._report,
            backend_factory=input_factory,
            patterns=protected,
            idle_s=control_idle_s,
            parent=self,
        )
        #: File hand-over: the customer's own prompt for each file that comes in.
        self.files = Transfers(
            self._send_file_message,
            direction=FileDirection.FROM_CUSTOMER,
            limit=file_limit,
            first_id=1,
            parent=self,
        )
        self.files.offered.connect(self._on_file_offered)
        self.files.recorded.connect(self._on_file_recorded)
        self._event_arrived.connect(self._on_event)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._set_state(State.CONNECTING)
        self._net = self._network_factory(self.url, self.code, self._on_network_event)
        self._net.start()

    def _on_network_event(self, event: Event) -> None:
        """Called on the network thread. Acks and congestion go straight to the streamer,
        remote input straight to the control gate (which refuses it unless granted)."""
        if isinstance(event, Received) and isinstance(event.message, Input):
            self.control.on_input(event.member if event.member >= 0 else LEAD_MEMBER, event.message)
            return
        if isinstance(event, Received) and isinstance(event.message, _FILE_MESSAGES):
            member = event.member if event.member >= 0 else LEAD_MEMBER
            if not self.members or member in self.members:  # file bytes skip the GUI thread
                self.files.on_message(member, event.message)
            return
        if isinstance(event, Received) and isinstance(event.message, FrameAck | Refresh):
            with self._lock:
                if self.streamer is not None:
                    if isinstance(event.message, FrameAck):
                        self.streamer.on_ack(event.message.frame_id)
                    elif event.member >= 0 and self._allowed(event.member):
                        self.streamer.refresh(event.member)
            return
        if isinstance(event, Congested):
            with self._lock:
                if self.streamer is not None:
                    self.streamer.on_congestion(event.level)
            return
        self._event_arrived.emit(event)

    def _send(self, msg: Message) -> None:
        if self._net is not None:
            self._net.send_app(msg)

    def _send_all(self, msg: Message) -> None:
        """To everyone who can see the screen, each on their own channel."""
        if self._net is not None:
            self._net.call_endpoint("send_all", msg)

    def _report(self, event: ReportEvent, member: int, detail: str) -> None:
        """A control or file event for the relay's audit log (names and sizes, no content)."""
        if self._net is not None:
            self._net.call_endpoint("report", event, member, detail)

    # ------------------------------------------------------------ files

    def _send_file_message(self, member: int, msg: Message) -> None:
        """Any thread: a file message to one member, on their own channel."""
        if self._net is not None:
            self._net.call_endpoint("send_to", member, msg)

    @Slot(object)
    def send_file(self, path: object) -> int:
        """The customer sends a file to the agent who leads (after their own choice)."""
        if self.state not in (State.SHARING, State.PAUSED) or not self.lead:
            return 0
        return self.files.offer(Path(str(path)), self.lead)

    @Slot(object)
    def _on_file_offered(self, offer: Offer) -> None:
        """A member offers a file: ask the customer, unless nothing is being shared."""
        if self.state not in (State.SHARING, State.PAUSED, State.AGENT_AWAY):
            self.files.decline(offer.transfer)
            return
        self.file_offered.emit(offer, self.member_name(offer.member))

    @Slot(dict)
    def _on_file_recorded(self, entry: dict[str, object]) -> None:
        state, outgoing = entry["state"], entry["outgoing"]
        event = {
            "done": ReportEvent.FILE_FROM_CUSTOMER if outgoing else ReportEvent.FILE_TO_CUSTOMER,
            "declined": ReportEvent.FILE_DECLINED,
            "too_large": ReportEvent.FILE_DECLINED,
            "cancelled": ReportEvent.FILE_CANCELLED,
        }.get(str(state), ReportEvent.FILE_FAILED)
        size = entry["size"]
        detail = f"{entry['name']} · {size} bytes · SHA-256 {entry['sha256']} · {state}"
        member = entry["member"]
        self._report(event, member if isinstance(member, int) else 0, detail)

    def _allowed(self, member: int) -> bool:
        return member in self.members

    def member_name(self, member: int) -> str:
        """The name the customer knows a member by (the lead's verified name)."""
        entry = self.members.get(member)
        if entry is not None:
            return entry.display_name
        return self.agent_name

    def _set_state(self, state: State) -> None:
        if state is not self.state or state is State.CONNECTING:
            self.state = state
            self.state_changed.emit(state)

    @property
    def sharing(self) -> bool:
        return self.streamer is not None

    # ------------------------------------------------------------ the customer's choices

    @Slot(bool, int)
    def grant(self, allow_draw: bool, monitor_index: int) -> None:
        """The customer said yes: tell the agent, then start capturing."""
        if self.state is not State.ASKING:
            return
        monitor = self._monitor(monitor_index)
        self.allow_draw = allow_draw
        self.current = monitor
        self._send(Consent(ConsentState.GRANTED, allow_draw, monitor.index))
        lead = self.agent_identity or CheckedIdentity(False, self.agent_name, self.agent_org)
        if self._net is not None:  # the screen goes out once, under the room's key
            self._net.call_endpoint("start_room", lead, self.max_members)
        self.members = {
            LEAD_MEMBER: roster_entry(LEAD_MEMBER, lead, MemberRole.LEAD, can_draw=True)
        }
        self.members_changed.emit(list(self.members.values()))
        self._send(Monitors(tuple(m.info() for m in self.monitors), monitor.index))
        streamer = Streamer(
            self._send_frame,
            monitor.rect,
            source_factory=self._source_factory,
            window=self._window,
            cursor=self._cursor,
            on_error=self._capture_failed,
            send_private=self._send_private,
        )
        with self._lock:
            self.streamer = streamer
        streamer.start()
        self.control.set_monitor(monitor.index, monitor.rect)
        self._set_state(State.SHARING)
        self.sharing_started.emit(monitor)

    @Slot()
    def leave_queue(self) -> None:
        """Get help: the customer leaves the queue (or switches to a callback)."""
        if self.state is not State.QUEUED or self._net is None:
            return
        self._net.call_endpoint("leave")
        self.end_reason = EndReason.CUSTOMER_STOPPED
        self._set_state(State.ENDING)

    @Slot()
    def decline(self) -> None:
        """The customer said no (or closed the prompt): tell the agent and end."""
        if self.state is not State.ASKING:
            return
        self._send(Consent(ConsentState.DECLINED, False, 0))
        self._send(SessionEnd(EndReason.DECLINED, ""))
        self.end_reason = EndReason.DECLINED
        self._set_state(State.ENDING)
        self.finish()

    @Slot()
    def pause(self) -> None:
        if self.streamer is None or self.state is not State.SHARING:
            return
        self.control.end(ControlChange.PAUSED)  # before anything else: no input after this
        self.streamer.pause()  # after this returns, no frame is sent
        self._send_all(Pause(True))
        self._set_state(State.PAUSED)
        self.paused.emit()

    @Slot()
    def resume(self) -> None:
        if self.streamer is None or self.state is not State.PAUSED:
            return
        self._send_all(Pause(False))
        self.streamer.resume()
        self._set_state(State.SHARING)
        self.resumed.emit()

    @Slot()
    def stop(self) -> None:
        """Stop sharing at once and tell the agent. The connection stays for the rating."""
        if self.state in (State.ENDING, State.ENDED):
            return
        self.control.end(ControlChange.STOPPED)
        self._stop_capture()
        if self._secured:
            self._send_all(SessionEnd(EndReason.CUSTOMER_STOPPED, ""))
        self._end(EndReason.CUSTOMER_STOPPED)

    @Slot(object)
    def end_after(self, reason: EndReason) -> None:
        """End on purpose for ``reason`` without a rating (headless ``--duration``)."""
        if self.state in (State.ENDING, State.ENDED):
            return
        self._stop_capture()
        if self._secured:
            self._send_all(SessionEnd(reason, ""))
        self.end_reason = reason
        self._set_state(State.ENDING)
        self.finish()

    @Slot()
    def end_now(self) -> None:
        """End whatever the state (SIGINT/SIGTERM, quitting): stop sharing, tell the
        agent if the channel is up, and say bye at once, without asking for a rating."""
        if self.state is State.ENDED:
            return
        if self.state is State.ENDING:
            self.finish()
            return
        self.end_after(EndReason.CUSTOMER_STOPPED)

    @Slot(int, str)
    def rate(self, stars: int, comment: str) -> None:
        if self._secured and self.state is State.ENDING and 1 <= stars <= 5:
            self._send(Rating(stars, comment[:1000]))
            if self._net is not None:  # the desk's records too (its satisfaction reports)
                self._net.call_endpoint("survey", stars, comment[:1000])

    @Slot()
    def finish(self) -> None:
        """Say goodbye to the relay; ``finished`` follows when the connection is closed."""
        if self._net is None or self.exit_code is not None:
            self._finished(EXIT_OK)
            return
        self._net.bye(self.end_reason or EndReason.CUSTOMER_STOPPED)

    @Slot(str)
    def send_chat(self, text: str) -> None:
        text = text.strip()
        if not text or not self._secured or self.state in (State.ENDED,):
            return
        self._chat_id += 1
        msg = Chat(self._chat_id, text[:4000], int(time.time() * 1000))
        self._chat.append(BriefLine("customer", msg.text, msg.sent_ms))
        self._send_all(msg)
        self.chat_sent.emit(msg)

    @Slot(int)
    def switch_monitor(self, index: int) -> None:
        """Share another monitor (the customer agreed to the agent's request)."""
        if self.streamer is None or self.state not in (State.SHARING, State.PAUSED):
            return
        monitor = self._monitor(index)
        self.current = monitor
        self.streamer.set_masks(())
        self.streamer.set_rect(monitor.rect)
        self.control.set_monitor(monitor.index, monitor.rect)
        self._send_all(Monitors(tuple(m.info() for m in self.monitors), monitor.index))
        self.monitor_switched.emit(monitor)

    def set_masks(self, rects: list[tuple[int, int, int, int]]) -> None:
        """Areas of the shared monitor (its physical pixels) the agent must not see."""
        if self.streamer is not None:
            self.streamer.set_masks(rects)

    # ------------------------------------------------------------ internals

    def _monitor(self, index: int) -> Monitor:
        for m in self.monitors:
            if m.index == index:
                return m
        return self.monitors[0]

    def _send_frame(self, frame: Frame) -> None:
        """On the capture thread: hand the frame to the network loop (never blocks); it
        is sealed once for everyone in the room."""
        if self._net is not None:
            self._net.call_endpoint("cast", frame)

    def _send_private(self, member: int, frame: Frame) -> None:
        """On the capture thread: a whole picture for one member who fell behind."""
        if self._net is not None:
            self._net.call_endpoint("send_to", member, frame)

    # ------------------------------------------------------------ the room

    @Slot(int)
    def allow_member(self, member: int) -> None:
        """The customer allowed someone in: a new key epoch for all, and their welcome."""
        candidate = self._asking.pop(member, None)
        if candidate is None or self._net is None or not self.sharing:
            return
        self.members[member] = roster_entry(
            member,
            candidate.who,
            candidate.role,
            can_draw=candidate.role is not MemberRole.SUPERVISOR,
        )
        if candidate.role is MemberRole.LEAD:
            old = self.members.get(self.lead)
            if old is not None:  # one lead at a time: the old one stays on as a helper
                self.members[self.lead] = msgspec.structs.replace(old, role=MemberRole.HELPER)
            self.lead = member
        self._net.call_endpoint("allow", member)
        self._send_pause_state_to(member)
        if self.streamer is not None:  # their first picture, even of a still screen
            self.streamer.refresh(member)
        if candidate.role is MemberRole.LEAD:  # not a blank screen: what happened so far
            steps = tuple(
                BriefStep(s.number, s.text, s.done) for _, s in sorted(self._steps.items())
            )
            briefing = Briefing(candidate.note, steps[:999], tuple(self._chat[-500:]))
            self._net.call_endpoint("send_to", member, briefing)
        self.members_changed.emit(list(self.members.values()))

    @Slot(int)
    def refuse_member(self, member: int) -> None:
        """Don't allow (or the prompt was closed): they never get a key."""
        if self._asking.pop(member, None) is not None and self._net is not None:
            self._net.call_endpoint("refuse", member)

    @Slot(int)
    def remove_member(self, member: int) -> None:
        """Take someone out at once: the next epoch is sealed without them."""
        if member not in self.members or self._net is None:
            return
        self._net.call_endpoint("remove", member)
        self._forget_member(member)

    def _send_pause_state_to(self, member: int) -> None:
        """A newcomer learns the monitors and whether sharing is paused."""
        if self._net is None or self.current is None:
            return
        entry = self.members.get(member)
        draw = self.allow_draw and entry is not None and entry.can_draw
        consent = Consent(ConsentState.GRANTED, draw, self.current.index)
        self._net.call_endpoint("send_to", member, consent)
        monitors = Monitors(tuple(m.info() for m in self.monitors), self.current.index)
        self._net.call_endpoint("send_to", member, monitors)
        if self.streamer is not None and self.streamer.paused:
            self._net.call_endpoint("send_to", member, Pause(True))

    def _forget_member(self, member: int) -> None:
        self.control.member_left(member)
        self.files.member_left(member)
        if self.members.pop(member, None) is None:
            return
        if self.lead == member:
            self.lead = LEAD_MEMBER if LEAD_MEMBER in self.members else 0
        gone = [ours for (m, _), ours in self._shape_ids.items() if m == member]
        self._shape_ids = {k: v for k, v in self._shape_ids.items() if k[0] != member}
        if gone and self.allow_draw:  # their marks leave with them
            self.annotation_received.emit(ShapeRemove(tuple(gone)))
        self.members_changed.emit(list(self.members.values()))

    def _mark(self, msg: Message, member: int) -> Message | None:
        """A member's mark as the overlay should draw it: their own numbering mapped to
        ours (so one member never removes another's marks), in their colour."""
        entry = self.members.get(member)
        if entry is None or not entry.can_draw:
            return None
        if member == LEAD_MEMBER:
            return msg
        match msg:
            case Shape():
                key = (member, msg.shape_id)
                ours = self._shape_ids.get(key)
                if ours is None:
                    ours = self._shape_ids[key] = (1 << 31) + self._next_shape
                    self._next_shape += 1
                return msgspec.structs.replace(msg, shape_id=ours, color=entry.color)
            case ShapeRemove(shape_ids=ids):
                mine = tuple(
                    self._shape_ids.pop((member, i)) for i in ids if (member, i) in self._shape_ids
                )
                return ShapeRemove(mine) if mine else None
            case ShapesClear():
                mine = tuple(v for (m, _), v in self._shape_ids.items() if m == member)
                self._shape_ids = {k: v for k, v in self._shape_ids.items() if k[0] != member}
                return ShapeRemove(mine) if mine else None
        return msg

    def _capture_failed(self, detail: str) -> None:
        """On the capture thread: the screen could not be captured."""
        log.error("capture failed: %s", detail)
        text = QCoreApplication.translate(
            "CustomerSession",
            "Assist could not capture your screen, so sharing stopped. "
            "Close other screen-sharing programs and start a new session.",
        )
        self._event_arrived.emit(Failed(SessionEndedError(text)))

    def _stop_capture(self) -> None:
        self.control.end(ControlChange.ENDED)
        self.files.shutdown()
        self.control.set_monitor(-1, None)
        with self._lock:
            streamer, self.streamer = self.streamer, None
        if streamer is not None:
            streamer.stop()

    def shutdown(self, timeout: float = 3.0) -> None:
        """After the event loop: stop capturing and let the network thread finish.

        Called once the app's loop has returned, so no window waits on it; it keeps
        the network thread from touching Qt objects while the interpreter exits.
        """
        self._stop_capture()
        self.control.shutdown()
        self.files.shutdown()
        if self._net is not None:
            self._net.join(timeout)

    def _end(self, reason: EndReason) -> None:
        self.end_reason = reason
        self._set_state(State.ENDING)
        self.ended.emit(reason)

    def _finished(self, code: int) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        self._stop_capture()
        self._set_state(State.ENDED)
        self.finished.emit(code)

    @Slot(object)
    def _on_event(self, event: Event) -> None:
        match event:
            case InQueue(position=position, wait_min=wait, offer_callback=offer):
                self._set_state(State.QUEUED)
                self.queue_standing.emit(position, wait, offer)
            case AgentCalled():
                self._set_state(State.SECURING)
                self.agent_ready.emit()
            case PairingStarted():
                self._set_state(State.SECURING)
            case PeerJoined(agent_display_name=name, agent_org=org, identity=who):
                # Only after key confirmation and the identity check (common.endpoint).
                self.agent_name, self.agent_org, self.agent_identity = name, org, who
                self.agent_identified.emit(name, org)
            case Secured():
                self._secured = True
                self._set_state(State.ASKING)
                self.consent_needed.emit()
            case Received(message=msg, member=member):
                self._on_message(msg, member)
            case NewcomerAsks(candidate=candidate):
                if self.sharing:
                    self._asking[candidate.member] = candidate
                    self.newcomer_asks.emit(candidate)
                elif self._net is not None:
                    self._net.call_endpoint("refuse", candidate.member)
            case NewcomerRefused(error=err):
                self.newcomer_refused.emit(err)
            case MemberChanged(member=member, present=False):
                if self._asking.pop(member, None) is not None:
                    self.newcomer_gone.emit(member)
                self._forget_member(member)
            case Reconnecting():
                self.control.end(ControlChange.LEFT)  # nobody can see what they'd click
                self.files.shutdown()  # the acks are gone: send again once back
                if self.state not in (State.ENDING, State.ENDED, State.QUEUED):
                    self._set_state(State.RECONNECTING)
                self.reconnecting.emit()
            case ResumedSession():
                self._back()
                if self.streamer is not None:  # frames sent meanwhile are gone
                    self.streamer.restart()
                self.reconnected.emit()
            case PeerWentAway():
                self.control.member_left(LEAD_MEMBER if not self.members else self.lead)
                self.files.member_left(LEAD_MEMBER if not self.members else self.lead)
                if self.state in (State.SHARING, State.PAUSED):
                    self._set_state(State.AGENT_AWAY)
            case PeerCameBack():
                self._back()
            case Closed():
                self._finished(EXIT_OK)
            case Failed(error=err):
                self._failed(err)

    def _back(self) -> None:
        if self.state in (State.RECONNECTING, State.AGENT_AWAY):
            if self.streamer is None:
                self._set_state(State.ASKING if not self.current else State.SHARING)
            else:
                self._set_state(State.PAUSED if self.streamer.paused else State.SHARING)

    def _failed(self, err: AssistError) -> None:
        if self.state is State.ENDING and isinstance(err, SessionEndedError):
            # The other side left after the session had ended on purpose: a normal end.
            self._finished(EXIT_OK)
            return
        self._stop_capture()
        self.error = err
        self.failed.emit(err)
        code = exit_code_for(Failed(err))
        self._finished(code if code != EXIT_OK else EXIT_ERROR)

    def _on_message(self, msg: Message, member: int = LEAD_MEMBER) -> None:
        if member < 0:
            member = LEAD_MEMBER  # a network that knows no rooms (tests' fakes)
        if member not in self.members and self.members:
            return  # removed a moment ago, or never allowed: not theirs to say
        match msg:
            case Shape() | ShapeRemove() | ShapesClear():
                mark = self._mark(msg, member) if self.members else msg
                if mark is not None and self.allow_draw and self.streamer is not None:
                    self.annotation_received.emit(mark)
            case Laser(monitor=mon, x=x, y=y, visible=visible):
                if self.allow_draw and self.streamer is not None and member == self.lead:
                    self.laser_moved.emit(mon, x, y, visible)
            case Chat():
                entry = self.members.get(member)
                author = entry.display_name if entry is not None else self.agent_name[:64]
                self._chat.append(BriefLine(author[:64], msg.text, msg.sent_ms))
                if member != self.lead and entry is not None:  # say who wrote it
                    msg = msgspec.structs.replace(
                        msg, text=f"{entry.display_name}: {msg.text}"[:4000]
                    )
                self.chat_received.emit(msg)
            case DrawPermission(member=who, allowed=allowed):
                entry = self.members.get(who)
                if member == self.lead and entry is not None and self._net is not None:
                    self.members[who] = msgspec.structs.replace(entry, can_draw=allowed)
                    self._net.call_endpoint("set_can_draw", who, allowed)
                    if self.current is not None:
                        consent = Consent(
                            ConsentState.GRANTED, self.allow_draw and allowed, self.current.index
                        )
                        self._net.call_endpoint("send_to", who, consent)
                    self.members_changed.emit(list(self.members.values()))
            case Step():
                if member == self.lead or not self.members:
                    self._steps[msg.number] = msg
                    self.step_received.emit(msg)
            case MonitorSwitch(index=index):
                if self.streamer is not None and any(m.index == index for m in self.monitors):
                    if self.current is None or index != self.current.index:
                        self.monitor_switch_requested.emit(self._monitor(index))
            case ControlRequest(reason=reason):
                entry = self.members.get(member)
                if entry is not None and entry.role is MemberRole.SUPERVISOR:
                    # A supervisor watches and coaches; the prompt said they cannot click.
                    holder = self.control.holder
                    self._send_all(ControlState(holder, ControlChange.DENIED, member, False, ""))
                elif self.state is State.SHARING:
                    self.control.request(member, reason)
                else:  # paused, or not sharing: control is not on offer now
                    self._send_all(ControlState(0, ControlChange.PAUSED, member, False, ""))
            case ControlRelease():
                self.control.release(member)
            case Clipboard():
                self.control.on_clipboard(member, msg)
            case SessionEnd(reason=reason):
                if member != self.lead and self.members:
                    return  # a helper leaving: the room goes on (MemberChanged follows)
                if self.state not in (State.ENDING, State.ENDED):
                    self._stop_capture()
                    self._end(reason)
            case _:
                pass  # Consent, Pause, Rating ... are the customer's own messages
