"""The customer's app with windows: the one place that wires the session to the windows.

:class:`ClientApp` listens to a :class:`~assist_client.session.CustomerSession`
and shows, in order: the join window (code), the consent prompt, then while
sharing the bar, the overlay of the agent's marks and the guidance panel, and
at the end the rating and the saved recap. Windows only paint and forward;
decisions are the session's.

The stop key (Ctrl+Alt+Shift+S) is grabbed globally on X11 (:mod:`assist_client.x11`);
everywhere it is also an application-wide shortcut, active whenever any Assist
window has the focus. The bar's Stop button is always visible.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCursor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from assist_client import config
from assist_client.desk import DeskClient
from assist_client.help_form import desk_error, window_text
from assist_client.injector import open_backend
from assist_client.monitors import Monitor, enumerate_monitors
from assist_client.previews import PreviewGrabber
from assist_client.recap import Recap
from assist_client.session import CustomerSession, NetworkFactory, State, real_network
from assist_client.streamer import CaptureSource, MssSource
from assist_client.windows.bar import SharingBar
from assist_client.windows.consent import ConsentDialog, MonitorSwitchDialog
from assist_client.windows.control_request import ControlRequestDialog
from assist_client.windows.ending import EndingDialog
from assist_client.windows.file_offer import FileOfferDialog
from assist_client.windows.get_help import CallbackWindow, GetHelpWindow, WaitingWindow
from assist_client.windows.guidance import GuidancePanel
from assist_client.windows.join import JoinWindow
from assist_client.windows.join_request import JoinRequestDialog
from assist_client.windows.overlay import OverlayWindow
from assist_client.x11 import STOP_KEY_SEQUENCE, X11Hotkey, compositing
from assist_net.target import RelayTarget, TargetLike, shown
from assist_ui import i18n
from assist_ui.collector import GuiThreadCollector
from assist_ui.crash import CrashHook
from assist_ui.i18n import error_text
from assist_ui.signals import GRACE_S, SignalWatch
from assist_ui.transfers import Offer
from common.codes import SessionCode
from common.errors import AssistError, DeskError
from common.files import size_text
from common.help import HelpRequest
from common.identity import Pin, Trust
from common.messages import CallbackBooked, CallMe, Chat, EndReason, FileEndState, Step
from common.room import Candidate

log = logging.getLogger(__name__)

CURSOR_POLL_MS = 66


class ClientApp(QObject):
    """Owns the windows of one run of the app; a new session after a failed code is fine."""

    stop_key_pressed = Signal()  # emitted from the hotkey thread, delivered queued
    session_finished = Signal(int)

    def __init__(
        self,
        relay: TargetLike,
        *,
        network_factory: NetworkFactory = real_network,
        monitors: list[Monitor] | None = None,
        source_factory: Callable[[], CaptureSource] = MssSource,
        recap_folder: Path | None = None,
        global_hotkey: bool = True,
        trust: Trust | None = None,
        desk_client: DeskClient | None = None,
        system_text: Callable[[], str] | None = None,
        lang: str = "en",
        input_factory: Callable[[], object] = open_backend,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._input_factory = input_factory
        self.trust = trust or Trust()
        self.lang = lang
        self.relay = relay
        self.relay_url = shown(relay)
        if network_factory is real_network:  # the organisations whose agents are verified
            network_factory = functools.partial(real_network, trust=trust)
        self._network_factory = network_factory
        self._monitors = monitors
        self._source_factory = source_factory
        self._recap_folder = recap_folder or config.recap_dir()
        self.join = JoinWindow(
            self.relay_url, insecure=isinstance(relay, RelayTarget) and relay.warning
        )
        self.join.code_submitted.connect(self.start_session)
        self.join.closed.connect(self._on_join_closed)
        self.session: CustomerSession | None = None
        self.bar: SharingBar | None = None
        self.overlay: OverlayWindow | None = None
        self.guidance: GuidancePanel | None = None
        self.recap = Recap()
        self.recap_path: Path | None = None
        self._cursor: tuple[int, int] | None = None
        self._cursor_timer = QTimer(self)
        self._cursor_timer.setInterval(CURSOR_POLL_MS)
        self._cursor_timer.timeout.connect(self._poll_cursor)
        self._overlay_masks: list[tuple[int, int, int, int]] = []
        #: Open prompts about newcomers, by their seat.
        self.join_requests: dict[int, JoinRequestDialog] = {}
        #: The open control prompt (one request is asked at a time).
        self.control_request: ControlRequestDialog | None = None
        #: One prompt per file offered, by transfer number; and the files we send.
        self.file_offers: dict[int, FileOfferDialog] = {}
        self._sending: dict[int, str] = {}
        self._shortcuts: list[QShortcut] = []
        self._hotkey: X11Hotkey | None = None
        self._want_hotkey = global_hotkey
        self.global_hotkey_active = False
        self._quitting = False
        self.stop_key_pressed.connect(self.stop_sharing)
        self._add_stop_shortcut(self.join)
        # -- Get help (the desk's queues): only for an organisation this computer pins
        self.desk = desk_client or DeskClient(relay, parent=self)
        self._system_text = system_text or self._describe_system
        self.get_help: GetHelpWindow | None = None
        self.waiting: WaitingWindow | None = None
        self.callback: CallbackWindow | None = None
        self.request: HelpRequest | None = None
        self._queues_timer = QTimer(self)
        self._queues_timer.setInterval(30_000)
        self._queues_timer.timeout.connect(self.desk.list_queues)
        self.join.set_can_ask_help(bool(self.trust.pins))
        self.join.help_wanted.connect(self.show_get_help)
        self.desk.failed.connect(self._on_desk_failed)
        self.desk.booked.connect(self._on_booked)
        self._booking: CallMe | None = None
        self._callback_pin: Pin | None = None
        self._callback_when = ""

    # ------------------------------------------------------------ session

    # ------------------------------------------------------------ Get help

    def _describe_system(self) -> str:
        from assist_client.sysinfo import describe

        monitors = self._monitors if self._monitors is not None else enumerate_monitors()
        return describe(monitors)

    @Slot()
    def show_get_help(self) -> None:
        """The Get help form, with the queues as the desk has them now."""
        if not self.trust.pins:
            return
        if self.get_help is None:
            form = GetHelpWindow(self.trust.pins, self._system_text(), self.lang)
            form.asked.connect(self._ask)
            form.callback_wanted.connect(self._want_callback)
            form.back_to_code.connect(self._back_to_code)
            self.desk.queues_listed.connect(form.set_queues)
            self._add_stop_shortcut(form)
            self.get_help = form
        self.join.hide()
        self.get_help.show()
        self.get_help.raise_()
        self.desk.list_queues()
        self._queues_timer.start()

    @Slot()
    def _back_to_code(self) -> None:
        self._queues_timer.stop()
        if self.get_help is not None:
            self.get_help.hide()
        self.join.show()

    @Slot(object, str, str, str, bool)
    def _ask(self, pin: Pin, queue: str, name: str, contact: str, attach: bool) -> None:
        form = self.get_help
        assert form is not None
        self.request = HelpRequest(
            queue,
            pin.fingerprint,
            config.installation_id(),
            name,
            contact,
            form.description_text(),
            form.system_text if attach else "",
        )
        self.start_session(self.request)

    def _queue_name(self, queue_id: str) -> str:
        form = self.get_help
        q = next((q for q in form.queues if q.id == queue_id), None) if form else None
        if q is None:
            return queue_id
        return q.name_ko if self.lang == "ko" and q.name_ko else q.name

    @Slot(int, int, bool)
    def _on_standing(self, position: int, wait_min: int, offer_callback: bool) -> None:
        if self.waiting is None and self.request is not None:
            pin = self.trust.pinned(self.request.org)
            w = WaitingWindow(self._queue_name(self.request.queue), pin.org if pin else "")
            w.leave_requested.connect(self._leave_queue)
            w.callback_requested.connect(self._switch_to_callback)
            self._add_stop_shortcut(w)
            self.waiting = w
        if self.waiting is not None:
            self._queues_timer.stop()
            if self.get_help is not None:
                self.get_help.hide()
            self.join.hide()
            if position == 0:  # waiting for a callback booked in the app
                self.waiting.set_callback(self._callback_when)
                if self.callback is not None:
                    self.callback.hide()
            else:
                self.waiting.set_standing(position, wait_min, offer_callback)
            if not self.waiting.isVisible():
                self.waiting.show()

    @Slot()
    def _on_agent_ready(self) -> None:
        """An agent took the customer: say so where they will notice, even if they are
        working in another window (the consent prompt follows once checked)."""
        if self.waiting is not None:
            self.waiting.on_agent_ready()
            self.waiting.raise_()
            QApplication.alert(self.waiting)
        title = self.tr("Assist: an agent is ready")
        text = self.tr("An agent is ready to help you. Assist shows who they are now.")
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = QSystemTrayIcon(self)
            tray.setIcon(QApplication.windowIcon())
            tray.show()
            tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
            QTimer.singleShot(15_000, tray.deleteLater)
        self.agent_ready_noticed = True

    @Slot()
    def _leave_queue(self) -> None:
        if self.session is not None:
            self.session.leave_queue()
        self._close_waiting()
        self.show_get_help()

    @Slot()
    def _switch_to_callback(self) -> None:
        if self.session is not None:
            self.session.leave_queue()
        self._close_waiting()
        if self.request is not None:
            pin = self.trust.pinned(self.request.org)
            if pin is not None:
                self._want_callback(pin, self.request.queue)

    def _close_waiting(self) -> None:
        if self.waiting is not None:
            self.waiting.close()
            self.waiting.deleteLater()
            self.waiting = None

    @Slot(object, str)
    def _want_callback(self, pin: Pin, queue: str) -> None:
        if self.callback is not None:
            self.callback.close()
            self.callback.deleteLater()
        cb = CallbackWindow(queue, self._queue_name(queue))
        form = self.get_help
        if form is not None:
            cb.prefill(form.name_edit.text(), form.contact_edit.text(), form.description_text())
        cb.book_requested.connect(self._book)
        self.desk.windows_listed.connect(cb.set_windows)
        self.desk.booked.connect(cb.on_booked)
        self.callback = cb
        self._callback_pin = pin
        cb.show()
        cb.raise_()
        self.desk.list_windows(queue)

    @Slot(str, int, bool, str, str, str)
    def _book(
        self, queue: str, start: int, in_app: bool, name: str, contact: str, text: str
    ) -> None:
        call = CallMe(queue, config.installation_id(), name, contact, text, start, in_app)
        self._booking = call
        self.desk.book(call)

    @Slot(object)
    def _on_booked(self, booked: CallbackBooked) -> None:
        """A callback "in the app": wait here for the agent's call (the app stays open;
        the waiting screen says when), verified like any agent who takes a customer."""
        call, pin = self._booking, self._callback_pin
        if call is None or not call.in_app or pin is None:
            return
        self._callback_when = window_text(booked.window_start, 30)
        self.request = HelpRequest(
            call.queue, pin.fingerprint, call.installation, call.name, call.contact,
            call.description, callback=booked.id,
        )  # fmt: skip
        self.start_session(self.request)

    @Slot(object, str)
    def _on_desk_failed(self, error: AssistError, what: str) -> None:
        error = desk_error(error)
        if what == "queues" and self.get_help is not None:
            self.get_help.show_error(error)
        elif self.callback is not None:
            self.callback.show_error(error)

    def _help_failed(self, error: AssistError) -> bool:
        """A Get help session that ended before sharing: back to the form, with the
        sentence; a refusal that offers a callback opens the callback form."""
        if self.request is None or self.get_help is None:
            return False
        self._close_waiting()
        error = desk_error(error)
        self.show_get_help()
        self.get_help.show_error(error)
        if isinstance(error, DeskError) and error.offer_callback:
            pin = self.trust.pinned(self.request.org)
            if pin is not None:
                self._want_callback(pin, self.request.queue)
        return True

    # ------------------------------------------------------------ session

    @Slot(object)
    def start_session(self, code: SessionCode | HelpRequest) -> None:
        if self.session is not None and self.session.state is not State.ENDED:
            return
        monitors = self._monitors if self._monitors is not None else enumerate_monitors()
        self.recap = Recap()
        s = CustomerSession(
            self.relay,
            code,
            monitors,
            network_factory=self._network_factory,
            source_factory=self._source_factory,
            cursor=lambda: self._cursor,
            input_factory=self._input_factory,
            protected=config.protected_windows(),
            file_limit=config.file_limit(),
            parent=self,
        )
        self.session = s
        s.agent_identified.connect(self.join.on_agent_identified)
        s.agent_identified.connect(self._on_agent_identified)
        s.consent_needed.connect(self._on_consent_needed)
        s.newcomer_asks.connect(self._on_newcomer_asks)
        s.newcomer_gone.connect(self._on_newcomer_gone)
        s.newcomer_refused.connect(self._on_newcomer_refused)
        s.sharing_started.connect(self._on_sharing_started)
        s.state_changed.connect(self._on_state)
        s.annotation_received.connect(self._on_annotation)
        s.laser_moved.connect(self._on_laser)
        s.chat_received.connect(self._on_chat_received)
        s.chat_sent.connect(self._on_chat_sent)
        s.step_received.connect(self._on_step)
        s.monitor_switch_requested.connect(self._on_switch_requested)
        s.monitor_switched.connect(self._on_monitor_switched)
        s.ended.connect(self._on_ended)
        s.failed.connect(self._on_failed)
        s.finished.connect(self._on_finished)
        s.queue_standing.connect(self._on_standing)
        s.agent_ready.connect(self._on_agent_ready)
        s.control.asked.connect(self._on_control_asked)
        s.control.withdrawn.connect(self._close_control_request)
        s.control.changed.connect(self._on_control_changed)
        s.control.protected.connect(self._on_protected)
        s.control.clipboard.connect(self._on_clipboard)
        s.file_offered.connect(self._on_file_offered)
        s.files.progress.connect(self._on_file_progress)
        s.files.finished.connect(self._on_file_finished)
        s.files.started.connect(self._on_file_started)
        if isinstance(code, SessionCode):
            self.request = None
            self.join.on_connecting()
        s.start()

    @Slot()
    def stop_sharing(self) -> None:
        """The Stop button or the stop key."""
        if self.session is not None and self.session.sharing:
            self.session.stop()

    @Slot(str, str)
    def _on_agent_identified(self, name: str, org: str) -> None:
        self.recap.agent_name, self.recap.org = name, org

    @Slot()
    def _on_consent_needed(self) -> None:
        s = self.session
        assert s is not None
        previews = PreviewGrabber(s.monitors, parent=self) if len(s.monitors) > 1 else None
        self._close_waiting()
        choice = ConsentDialog.ask(
            self.join, s.agent_name, s.agent_org, s.monitors, previews, identity=s.agent_identity
        )
        if choice is None:
            s.decline()
        else:
            s.grant(choice.allow_draw, choice.monitor)

    @Slot(object)
    def _on_sharing_started(self, monitor: Monitor) -> None:
        s = self.session
        assert s is not None
        self.join.hide()
        self.bar = SharingBar(s.agent_name, s.agent_org)
        self.bar.pause_requested.connect(s.pause)
        self.bar.resume_requested.connect(s.resume)
        self.bar.stop_requested.connect(self.stop_sharing)
        self.bar.guidance_requested.connect(self._toggle_guidance)
        self.bar.remove_requested.connect(s.remove_member)
        self.bar.stop_control_requested.connect(s.control.stop)
        s.members_changed.connect(self.bar.set_members)
        self.bar.set_members(list(s.members.values()))
        self.guidance = GuidancePanel(s.agent_name)
        self.guidance.visibility_changed.connect(self.bar.on_guidance_visible)
        self.guidance.chat_typed.connect(s.send_chat)
        self.guidance.file_chosen.connect(s.send_file)
        self._add_stop_shortcut(self.bar)
        self._add_stop_shortcut(self.guidance)
        if s.allow_draw:
            self.overlay = OverlayWindow(monitor, translucent=_translucency())
            self.overlay.masks_changed.connect(self._on_overlay_masks)
        self._place(monitor)
        self.bar.show()
        self._start_hotkey()
        self._cursor_timer.start()

    def _place(self, monitor: Monitor) -> None:
        if self.bar is not None:
            self.bar.place_on(monitor)
        if self.guidance is not None:
            self.guidance.place_on(monitor)
        if self.overlay is not None:
            self.overlay.set_monitor(monitor)
        self._update_masks()

    @Slot(list)
    def _on_overlay_masks(self, masks: list[tuple[int, int, int, int]]) -> None:
        self._overlay_masks = masks
        self._update_masks()

    def _update_masks(self) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        masks = list(self._overlay_masks)
        if self.bar is not None:
            masks.append(self.bar.physical_rect(s.current))
        s.set_masks(masks)
        self._update_shields()

    def _update_shields(self) -> None:
        """Remote clicks never land on the customer's own Assist windows."""
        s = self.session
        if s is None or s.current is None:
            return
        m = s.current
        windows: list[QWidget | None] = [self.bar, self.guidance, self.control_request]
        windows += list(self.join_requests.values())
        shields = []
        for w in windows:
            if w is not None and w.isVisible():
                g = w.frameGeometry()
                shields.append(
                    (
                        m.x + round((g.x() - m.logical_x) * m.scale),
                        m.y + round((g.y() - m.logical_y) * m.scale),
                        round(g.width() * m.scale),
                        round(g.height() * m.scale),
                    )
                )
        s.control.set_shields(shields)

    @Slot(object)
    def _on_state(self, state: State) -> None:
        bar = self.bar
        if bar is None:
            return
        if state is State.SHARING:
            bar.on_sharing()
        elif state is State.PAUSED:
            bar.on_paused()
        elif state is State.RECONNECTING:
            bar.on_reconnecting()
        elif state is State.AGENT_AWAY:
            bar.on_agent_away()
        if self.session is not None and self.session.current is not None:
            bar.place_on(self.session.current)
            self._update_masks()

    @Slot(object)
    def _on_annotation(self, msg: object) -> None:
        if self.overlay is not None:
            self.overlay.on_annotation(msg)  # type: ignore[arg-type]

    @Slot(int, int, int, bool)
    def _on_laser(self, monitor: int, x: int, y: int, visible: bool) -> None:
        if self.overlay is not None:
            self.overlay.on_laser(monitor, x, y, visible)

    @Slot(object)
    def _on_chat_received(self, msg: Chat) -> None:
        self.recap.add_chat(msg, from_agent=True)
        if self.guidance is not None:
            self.guidance.on_chat_received(msg)
            self._show_guidance()

    @Slot(object)
    def _on_chat_sent(self, msg: Chat) -> None:
        self.recap.add_chat(msg, from_agent=False)
        if self.guidance is not None:
            self.guidance.on_chat_sent(msg)

    @Slot(object)
    def _on_step(self, step: Step) -> None:
        self.recap.add_step(step)
        if self.guidance is not None:
            self.guidance.on_step(step)
            self._show_guidance()

    @Slot()
    def _show_guidance(self) -> None:
        if self.guidance is not None and not self.guidance.isVisible():
            self.guidance.show()

    @Slot()
    def _toggle_guidance(self) -> None:
        """The bar's Messages button: open the panel, or hide it if it is open."""
        if self.guidance is None:
            return
        if self.guidance.isVisible():
            self.guidance.hide()
        else:
            self.guidance.show()

    @Slot(object)
    def _on_switch_requested(self, monitor: Monitor) -> None:
        s = self.session
        if s is None:
            return
        if MonitorSwitchDialog.ask(self.bar, s.agent_name, monitor):
            s.switch_monitor(monitor.index)

    @Slot(object)
    def _on_monitor_switched(self, monitor: Monitor) -> None:
        self._overlay_masks = []
        self._place(monitor)

    # ------------------------------------------------------------ the end

    # ------------------------------------------------------------ the room

    @Slot(object)
    def _on_newcomer_asks(self, candidate: Candidate) -> None:
        """Someone the agent vouched for asks to see the screen: the customer decides."""
        s = self.session
        if s is None:
            return
        lead = s.members.get(s.lead)
        lead_name = lead.display_name if lead is not None else s.agent_name
        dialog = JoinRequestDialog(candidate, lead_name, s.allow_draw)
        dialog.answered.connect(self._on_join_answer)
        self.join_requests[candidate.member] = dialog
        self._add_stop_shortcut(dialog)
        dialog.show()
        dialog.raise_()
        self._update_shields()

    # ------------------------------------------------------------ files

    @Slot(object, str)
    def _on_file_offered(self, offer: Offer, sender: str) -> None:
        """A file for the customer: its own prompt; nothing lands before the yes."""
        dialog = FileOfferDialog(offer, sender, _downloads())
        dialog.answered.connect(self._on_file_answer)
        dialog.cancel_requested.connect(self._cancel_file)
        self.file_offers[offer.transfer] = dialog
        self._add_stop_shortcut(dialog)
        dialog.show()
        dialog.raise_()
        self._update_shields()

    @Slot(int, object)
    def _on_file_answer(self, transfer: int, folder: Path | None) -> None:
        s = self.session
        if s is None:
            return
        if folder is None:
            self.file_offers.pop(transfer, None)
            s.files.decline(transfer)
        else:
            s.files.accept(transfer, folder)
        self._update_shields()

    @Slot(int)
    def _cancel_file(self, transfer: int) -> None:
        if self.session is not None:
            self.session.files.cancel(transfer)

    @Slot(int, str, int, bool)
    def _on_file_started(self, transfer: int, name: str, size: int, outgoing: bool) -> None:
        if outgoing:
            self._sending[transfer] = name
            if self.guidance is not None:
                self.guidance.add_note(
                    self.tr("Sending {name} ({size})…").format(name=name, size=size_text(size))
                )

    @Slot(int, int, int)
    def _on_file_progress(self, transfer: int, done: int, size: int) -> None:
        dialog = self.file_offers.get(transfer)
        if dialog is not None:
            dialog.on_progress(transfer, done, size)

    @Slot(int, object, str)
    def _on_file_finished(self, transfer: int, state: FileEndState, text: str) -> None:
        dialog = self.file_offers.pop(transfer, None)
        if dialog is not None:
            if not dialog.answered_yet:
                dialog.withdraw()  # the sender cancelled before the customer answered
            else:
                dialog.on_finished(transfer, state, text)
        name = self._sending.pop(transfer, None)
        if name is not None and self.guidance is not None:
            if state is FileEndState.DONE:
                self.guidance.add_note(self.tr("{name} arrived.").format(name=name))
            else:
                self.guidance.add_note(f"{name}: {text}")

    # ------------------------------------------------------------ remote control

    @Slot(int, str, str)
    def _on_control_asked(self, member: int, name: str, reason: str) -> None:
        """A member asks to control the computer: its own prompt, nothing pre-accepted."""
        s = self.session
        if s is None:
            return
        self._close_control_request()
        entry = s.members.get(member)
        org = entry.org if entry is not None else s.agent_org
        verified = (
            entry.verified
            if entry is not None
            else bool(s.agent_identity and s.agent_identity.verified)
        )
        dialog = ControlRequestDialog(name, org, verified, reason)
        dialog.answered.connect(self._on_control_answer)
        self.control_request = dialog
        self._add_stop_shortcut(dialog)
        dialog.show()
        dialog.raise_()
        self._update_shields()

    @Slot(bool)
    def _on_control_answer(self, allowed: bool) -> None:
        dialog, self.control_request = self.control_request, None
        if dialog is not None:
            dialog.deleteLater()
        if self.session is not None:
            if allowed:
                self.session.control.allow()
            else:
                self.session.control.deny()
        self._update_shields()

    @Slot()
    def _close_control_request(self) -> None:
        dialog, self.control_request = self.control_request, None
        if dialog is not None:
            dialog.withdraw()
            dialog.deleteLater()

    @Slot(int, str)
    def _on_control_changed(self, holder: int, name: str) -> None:
        if self.bar is not None:
            self.bar.set_controller(holder, name)
            if self.session is not None and self.session.current is not None:
                self.bar.place_on(self.session.current)
            self._update_masks()

    @Slot(str)
    def _on_protected(self, pattern: str) -> None:
        if self.bar is not None:
            self.bar.on_protected(pattern)

    @Slot(str)
    def _on_clipboard(self, text: str) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)

    @Slot(int, bool)
    def _on_join_answer(self, member: int, allowed: bool) -> None:
        dialog = self.join_requests.pop(member, None)
        if dialog is not None:
            dialog.deleteLater()
        if self.session is not None:
            if allowed:
                self.session.allow_member(member)
            else:
                self.session.refuse_member(member)

    @Slot(int)
    def _on_newcomer_gone(self, member: int) -> None:
        dialog = self.join_requests.pop(member, None)
        if dialog is not None:
            dialog.withdraw()
            dialog.deleteLater()

    @Slot(object)
    def _on_newcomer_refused(self, error: AssistError) -> None:
        """Someone's card failed the check: they were kept out; say so, without a prompt."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Assist"), error_text(error))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.setModal(False)
        box.show()

    def _close_sharing_windows(self) -> None:
        self._cursor_timer.stop()
        for member in list(self.join_requests):
            self._on_newcomer_gone(member)
        self._close_control_request()
        for dialog in list(self.file_offers.values()):
            if not dialog.answered_yet:
                dialog.withdraw()
        self.file_offers.clear()
        if self._hotkey is not None:
            self._hotkey.stop()
            self._hotkey = None
        for w in (self.bar, self.overlay):
            if w is not None:
                w.close()
                w.deleteLater()
        self.bar = self.overlay = None
        if self.guidance is not None:
            self.guidance.on_ended()

    def _save_recap(self) -> Path | None:
        if self.recap.empty:
            return None
        try:
            self.recap_path = self.recap.save(self._recap_folder)
        except OSError:
            log.exception("could not save the recap")
            return None
        return self.recap_path

    def _reason_text(self, reason: EndReason) -> str:
        name = self.session.agent_name if self.session is not None else ""
        if reason is EndReason.CUSTOMER_STOPPED:
            return self.tr("You stopped sharing. The agent can no longer see your screen.")
        if reason is EndReason.AGENT_ENDED:
            return self.tr("{name} ended the session. They can no longer see your screen.").format(
                name=name
            )
        return self.tr("The session has ended. The agent can no longer see your screen.")

    @Slot(object)
    def _on_ended(self, reason: EndReason) -> None:
        s = self.session
        assert s is not None
        self._close_sharing_windows()
        path = self._save_recap()
        choice = EndingDialog.ask(None, self._reason_text(reason), s.agent_name, path)
        if choice is not None:
            s.rate(choice.stars, choice.comment)
        if self.guidance is not None:
            self.guidance.close()
        s.finish()

    @Slot(object)
    def _on_failed(self, error: AssistError) -> None:
        s = self.session
        was_sharing = self.bar is not None or (s is not None and s.current is not None)
        self._close_sharing_windows()
        if not was_sharing:
            if self._help_failed(error):
                return
            self.join.show()
            self.join.on_error(error)
            return
        path = self._save_recap()
        EndingDialog.ask(
            None,
            error_text(error),
            s.agent_name if s is not None else "",
            path,
            can_rate=False,
        )
        if self.guidance is not None:
            self.guidance.close()

    @Slot(int)
    def _on_finished(self, exit_code: int) -> None:
        self.session_finished.emit(exit_code)
        s = self.session
        if s is not None and s.current is None and self.request is not None and s.error is None:
            return  # left the queue (maybe for a callback): the form stays
        ended_normally = s is not None and s.error is None
        if self._quitting or ended_normally or (s is not None and s.current is not None):
            QApplication.quit()

    def quit_now(self, _signum: int = 0) -> None:
        """SIGINT/SIGTERM: end the session at once (the agent is told) and quit."""
        self._quitting = True
        s = self.session
        if s is None or s.state is State.ENDED:
            QApplication.quit()
        else:
            s.end_now()

    @Slot()
    def _on_join_closed(self) -> None:
        if self.session is not None and self.session.state not in (State.ENDED,):
            self.session.end_after(EndReason.CUSTOMER_STOPPED)
        else:
            QApplication.quit()

    # ------------------------------------------------------------ stop key and cursor

    def _add_stop_shortcut(self, widget: QWidget) -> None:
        sc = QShortcut(QKeySequence(STOP_KEY_SEQUENCE), widget)
        sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
        sc.activated.connect(self.stop_sharing)
        self._shortcuts.append(sc)

    def _start_hotkey(self) -> None:
        if not self._want_hotkey or QGuiApplication.platformName() != "xcb":
            return
        self._hotkey = X11Hotkey(self._stop_key)
        self.global_hotkey_active = self._hotkey.start()
        log.info("global stop key %s: %s", STOP_KEY_SEQUENCE, self.global_hotkey_active)

    def _stop_key(self) -> None:
        """On the key's thread: queued remote input is dropped now, before the GUI
        thread even sees the key; then sharing stops there."""
        s = self.session
        if s is not None:
            s.control.injector.cancel()
        self.stop_key_pressed.emit()

    @Slot()
    def _poll_cursor(self) -> None:
        s = self.session
        if s is None or s.current is None:
            return
        pos = QCursor.pos()
        m = s.current
        x, y = m.mapping().to_physical(pos.x(), pos.y())
        inside = 0 <= x < m.width and 0 <= y < m.height
        self._cursor = (int(x), int(y)) if inside else None


def _downloads() -> Path:
    """Where files for the customer land unless they choose another folder."""
    import platformdirs

    return Path(platformdirs.user_downloads_dir())


def _translucency() -> bool:
    """Translucent windows work everywhere except X11 without a compositor."""
    if QGuiApplication.platformName() != "xcb":
        return True
    return compositing()


def run_app(
    relay_url: TargetLike,
    code: str | None,
    lang: str | None,
    *,
    trust: Trust | None = None,
    get_help: bool = False,
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Assist")
    app.setQuitOnLastWindowClosed(False)
    GuiThreadCollector(app)  # Qt objects are finalized on this thread only
    chosen = i18n.install(app, lang)
    client = ClientApp(relay_url, trust=trust, lang=chosen)
    result: list[int] = []
    client.session_finished.connect(result.append)
    crash_hook = _install_excepthook(client.join)
    client.join.show()
    if code:
        client.join.set_code(code)
        QTimer.singleShot(0, client.join._submit)
    elif get_help:  # a support link: the organisation is pinned, ask the desk
        QTimer.singleShot(0, client.show_get_help)
    watch = SignalWatch(client.quit_now)
    watch.install()
    app.exec()
    if client.session is not None:
        client.session.shutdown(timeout=GRACE_S)
    watch.uninstall()
    del crash_hook
    return result[-1] if result else 0


def _install_excepthook(parent: QWidget) -> CrashHook:
    """An unexpected exception in a slot or a thread: log it, tell the person in a sentence."""

    def show() -> None:
        QMessageBox.warning(
            parent,
            QApplication.translate("ClientApp", "Assist"),
            QApplication.translate(
                "ClientApp",
                "Something went wrong in Assist. If sharing stopped, start a new session. "
                "Details were written to the log file.",
            ),
        )

    hook = CrashHook(show, "assist_client")
    hook.install()
    return hook
