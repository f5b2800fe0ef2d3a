"""The agent's main window: the one place that wires the desk's objects to the widgets.

Layout: a toolbar (tools, colour, width, fade, undo, zoom, monitor, End
session); on the left the customer's screen (or, before there is one, the
code to read aloud); on the right a state card and the Chat / Steps / Notes
tabs; a status line with frame rate, latency, bandwidth and connection quality.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from assist_agent.desk import Desk
from assist_agent.frames import FrameUpdate
from assist_agent.history import History
from assist_agent.model import CONNECTED, OPEN, Ending, Outcome, State
from assist_agent.session import AgentSession
from assist_agent.texts import (
    card_text,
    ending_text,
    quality_text,
    size_text,
    state_detail,
    state_title,
)
from assist_agent.windows.code_panel import CodePanel
from assist_agent.windows.colleagues import ColleaguesPanel, InvitationDialog
from assist_agent.windows.desk_queue import BlockDialog, FlagDialog, QueuePanel
from assist_agent.windows.guidance_panel import SessionTabs
from assist_agent.windows.history_view import HistoryView
from assist_agent.windows.sign_in import SignInPage
from assist_agent.windows.state_card import StateCard
from assist_agent.windows.toolbar import DrawingToolbar
from assist_agent.windows.viewer import Viewer
from assist_net.target import RelayTarget
from assist_ui.i18n import error_text, when_text
from assist_ui.shapes import paint_shapes
from assist_ui.transfers import Offer
from common.errors import INSECURE_WARNING, AssistError
from common.identity import CardState
from common.messages import (
    Briefing,
    CallbackItem,
    ControlChange,
    ControlState,
    FileEndState,
    HistoryItem,
    Invited,
    InviteKind,
    Monitors,
    Took,
    WaitingItem,
)

_TROUBLE = {Ending.ERROR, Ending.BAD_TOKEN, Ending.UNREACHABLE, Ending.CODE_MISMATCH}


class TextPrompt:
    """Asks for the words of a text mark (replaced in tests)."""

    @classmethod
    def ask(cls, parent: QWidget) -> str | None:
        text, ok = QInputDialog.getText(
            parent,
            QCoreApplication.translate("TextPrompt", "Text mark"),
            QCoreApplication.translate("TextPrompt", "Text to show on the customer's screen:"),
        )
        return text if ok else None


class ControlPrompt:
    """Asks why the agent wants control (the customer's prompt shows it); replaced in tests."""

    @classmethod
    def ask(cls, parent: QWidget) -> str | None:
        text, ok = QInputDialog.getText(
            parent,
            QCoreApplication.translate("ControlPrompt", "Ask for control"),
            QCoreApplication.translate(
                "ControlPrompt", "Why do you need control? The customer reads this:"
            ),
        )
        return text.strip() if ok else None


class FilePrompt:
    """Asks which file to offer the customer (replaced in tests)."""

    @classmethod
    def ask(cls, parent: QWidget) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(
            parent, QCoreApplication.translate("FilePrompt", "Which file should the customer get?")
        )
        return Path(chosen) if chosen else None


class FileAccept:
    """Asks whether to save a file the customer sends (replaced in tests)."""

    @classmethod
    def ask(cls, parent: QWidget, offer: Offer, folder: Path) -> bool:
        text = QCoreApplication.translate(
            "FileAccept", "The customer sends {name} ({size}). Save it in {folder}?"
        ).format(name=offer.safe, size=size_text(offer.size), folder=str(folder))
        answer = QMessageBox.question(
            parent, QCoreApplication.translate("FileAccept", "A file from the customer"), text
        )
        return answer == QMessageBox.StandardButton.Yes


def _downloads() -> Path:
    import platformdirs

    return Path(platformdirs.user_downloads_dir()) / "Assist"


class EndConfirm:
    """Asks once before "End session" ends a session with a customer (replaced in tests)."""

    @classmethod
    def ask(cls, parent: QWidget) -> bool:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(QCoreApplication.translate("EndConfirm", "End session"))
        box.setText(
            QCoreApplication.translate(
                "EndConfirm", "End the session with the customer now? Their screen stops sharing."
            )
        )
        end = box.addButton(
            QCoreApplication.translate("EndConfirm", "End session"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        keep = box.addButton(
            QCoreApplication.translate("EndConfirm", "Keep helping"),
            QMessageBox.ButtonRole.RejectRole,
        )
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is end


class MainWindow(QMainWindow):
    def __init__(self, desk: Desk, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.history = history
        self.drawing = desk.drawing
        self.guidance = desk.guidance
        self.session: AgentSession | None = None
        self.setWindowTitle(self.tr("Assist — Agent"))
        self.resize(1440, 880)

        self.toolbar = DrawingToolbar(self)
        self.addToolBar(self.toolbar)
        self.sign_in_page = SignInPage(self)
        self.code_panel = CodePanel(self)
        self.viewer = Viewer(self.drawing, self)
        self.left = QStackedWidget(self)
        # Before there is a screen: the code (or what happened) over the desk's queues.
        self.queue_panel = QueuePanel(self)
        self.queue_panel.hide()  # shown once the relay sends the desk's lists
        self.home = QSplitter(Qt.Orientation.Vertical, self)
        self.home.addWidget(self.code_panel)
        self.home.addWidget(self.queue_panel)
        self.home.setSizes([420, 420])
        self.left.addWidget(self.home)
        self.left.addWidget(self.viewer)
        self.state_card = StateCard(self)
        self.colleagues = ColleaguesPanel(parent=self)
        self.colleagues.setMaximumHeight(300)
        self.invitations: list[InvitationDialog] = []
        self.guidance_panel = SessionTabs(self.guidance, self)
        side = QFrame(self)
        side.setObjectName("sidePanel")
        side.setMinimumWidth(340)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 12, 12, 12)
        side_layout.setSpacing(12)
        side_layout.addWidget(self.state_card)
        self.customer_card = QLabel(self)
        self.customer_card.setObjectName("customerCard")
        self.customer_card.setWordWrap(True)
        self.customer_card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.customer_card.setStyleSheet(
            "#customerCard { background: #eef3fb; border: 1px solid #c5d3ea; border-radius: 8px;"
            " padding: 10px; }"
        )
        self.customer_card.hide()
        side_layout.addWidget(self.customer_card)
        self.flag_button = QPushButton(self.tr("Flag this contact…"), self)
        self.flag_button.clicked.connect(self._flag)
        self.flag_button.hide()
        self.block_button = QPushButton(self.tr("Block from the queues…"), self)
        self.block_button.setToolTip(
            self.tr("Keep this customer's computer out of the queues for a while")
        )
        self.block_button.clicked.connect(self._block)
        self.block_button.hide()  # supervisors, with a customer from the queue
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.flag_button)
        contact_row.addWidget(self.block_button)
        contact_row.addStretch(1)
        side_layout.addLayout(contact_row)
        side_layout.addWidget(self.colleagues)
        side_layout.addWidget(self.guidance_panel, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.addWidget(self.left)
        self.split.addWidget(side)
        self.split.setStretchFactor(0, 1)
        self.split.setSizes([1060, 380])
        self.split.setObjectName("workspace")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.sign_in_page)
        self.pages.addWidget(self.split)
        self.setCentralWidget(self.pages)
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)
        self.paint_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.paint_label)
        # --insecure (ws:// to another host): say so for as long as the window is open.
        self.insecure_label = QLabel(QCoreApplication.translate("errors", INSECURE_WARNING), self)
        self.insecure_label.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.insecure_label.setWordWrap(True)
        target = desk.settings.target(desk.relay)
        self.insecure_label.setVisible(isinstance(target, RelayTarget) and target.warning)
        self.statusBar().addPermanentWidget(self.insecure_label, 2)
        self.history_view: HistoryView | None = None
        self._file_names: dict[int, str] = {}
        self._sending_file: set[int] = set()
        self._stats_timer = QTimer(self)
        self._stats_timer.setInterval(500)
        self._stats_timer.timeout.connect(self.update_status)
        self.last_paint_ms = 0.0
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        self._wire()
        self.show_ready()

    # ------------------------------------------------------------ wiring (the one place)

    def _wire(self) -> None:
        desk, drawing, tb = self.desk, self.drawing, self.toolbar
        desk.signing_in.connect(self.on_signing_in)
        desk.signed_in.connect(self.on_signed_in)
        desk.card_changed.connect(self.on_card_changed)
        desk.sign_in_failed.connect(self.on_sign_in_failed)
        desk.session_started.connect(self.on_session_started)
        desk.screenshot_source = self.final_screenshot
        desk.recorder.failed.connect(self.on_history_failed)
        self.sign_in_page.sign_in_requested.connect(desk.sign_in)
        desk.link.colleagues_changed.connect(self.colleagues.set_colleagues)
        desk.invitation.connect(self.on_invitation)
        self.colleagues.presence_chosen.connect(desk.set_presence)
        self.colleagues.invite_requested.connect(self._invite)
        self.colleagues.supervise_requested.connect(desk.supervise)
        self.colleagues.draw_permission.connect(desk.let_draw)
        desk.presence_changed.connect(self.colleagues.show_presence)
        desk.link.queue_changed.connect(self._on_queue)
        desk.link.callbacks_changed.connect(self._on_callbacks)
        desk.link.desk_notice.connect(self.queue_panel.show_notice)
        desk.link.queues_known.connect(self.queue_panel.set_queues)
        self.queue_panel.take_next.connect(lambda: desk.take(""))
        self.queue_panel.take_ticket.connect(desk.take)
        self.queue_panel.outcome.connect(desk.callback_outcome)
        self.queue_panel.block.connect(desk.link.block)
        desk.link.blocked.connect(self.queue_panel.show_blocked)

        tb.tool_chosen.connect(drawing.set_tool)
        tb.color_chosen.connect(drawing.set_color)
        tb.width_chosen.connect(drawing.set_width)
        tb.fade_chosen.connect(drawing.set_fade)
        tb.act_pin.toggled.connect(drawing.set_pinned)
        tb.act_undo.triggered.connect(drawing.undo)
        tb.act_redo.triggered.connect(drawing.redo)
        tb.act_clear.triggered.connect(drawing.clear)
        tb.control_button.clicked.connect(lambda _c=False: self._toggle_control())
        tb.file_button.clicked.connect(lambda _c=False: self._send_file())
        tb.clipboard_button.clicked.connect(lambda _c=False: self._send_clipboard())
        tb.act_zoom_in.triggered.connect(self.viewer.zoom_in)
        tb.act_zoom_out.triggered.connect(self.viewer.zoom_out)
        tb.act_actual.triggered.connect(lambda: self.viewer.set_zoom(1.0))
        tb.act_fit.toggled.connect(self.viewer.set_fit)
        tb.act_history.triggered.connect(self.show_history)
        tb.monitor_chosen.connect(desk.switch_monitor)
        tb.end_button.clicked.connect(self._end_clicked)
        drawing.tool_changed.connect(tb.on_tool_changed)
        drawing.pen_changed.connect(self._show_pen)
        drawing.history_changed.connect(tb.on_history_changed)
        drawing.enabled_changed.connect(self._on_drawing_enabled)
        drawing.text_requested.connect(self._ask_text)
        self.viewer.zoom_changed.connect(tb.on_zoom_changed)
        self.viewer.frame_painted.connect(self._on_painted)
        self.viewer.paint_timed.connect(self._on_paint_timed)

        self.code_panel.new_requested.connect(desk.new_session)
        self.code_panel.cancel_requested.connect(desk.end_session)
        self.state_card.new_button.clicked.connect(desk.new_session)
        self.state_card.skip_button.clicked.connect(desk.skip_rating)
        notes = self.guidance_panel.notes
        notes.notes_edited.connect(desk.set_notes)
        notes.keep_screenshot_toggled.connect(self._keep_screenshot)

        tb.on_tool_changed(drawing.tool)
        self._show_pen()
        self._on_drawing_enabled(drawing.enabled)

    def _wire_session(self, session: AgentSession) -> None:
        session.state_changed.connect(self._on_session_state)
        session.code_ready.connect(self.on_code_ready)
        session.frame_ready.connect(self.on_frame)
        session.pause_changed.connect(self.on_paused)
        session.monitors_received.connect(self.on_monitors)
        session.consent_given.connect(self._on_consent)
        session.session_ended.connect(self.on_ended)
        session.invite_update.connect(self.colleagues.on_invite_update)
        session.roster_received.connect(self.colleagues.on_roster)
        session.roster_received.connect(lambda _r: self._room_changed())
        session.newcomer_refused.connect(
            lambda err: self.colleagues.status.setText(error_text(err))
        )
        session.handed_over.connect(self.on_handed_over)
        session.briefing_received.connect(self._on_briefing)
        session.customer_taken.connect(self.on_customer_taken)
        session.history_received.connect(self.on_history)
        session.notice.connect(lambda err: self.status_label.setText(error_text(err)))
        session.files.offered.connect(self._on_file_offered)
        session.files.started.connect(self._on_file_started)
        session.files.progress.connect(self._on_file_progress)
        session.files.finished.connect(self._on_file_finished)
        session.control.changed.connect(self._on_control_changed)
        session.control.told.connect(self._on_control_told)
        self.viewer.control = session.control
        self._on_control_changed()
        session.blocked.connect(
            lambda until: self.status_label.setText(
                self.tr("Blocked from the queues until {when}.").format(when=when_text(until))
            )
        )

    # ------------------------------------------------------------ files

    def _send_clipboard(self) -> None:
        session = self.session
        clipboard = QGuiApplication.clipboard()
        if session is not None and clipboard is not None:
            if session.control.clipboard(clipboard.text()):
                self.status_label.setText(self.tr("Your clipboard text is on the customer's."))

    def _send_file(self) -> None:
        session = self.session
        if session is None:
            return
        if self._sending_file:  # the button reads "Cancel file" while one goes out
            for transfer in list(self._sending_file):
                session.files.cancel(transfer)
            return
        path = FilePrompt.ask(self)
        if path is not None and session.send_file(path):
            self.status_label.setText(
                self.tr("Offering {name} to the customer…").format(name=path.name)
            )

    def _on_file_offered(self, offer: Offer) -> None:
        """The customer sends a file: save it (in Downloads) or not; nothing opens it."""
        session = self.session
        if session is None:
            return
        folder = _downloads()
        if FileAccept.ask(self, offer, folder):
            session.files.accept(offer.transfer, folder)
        else:
            session.files.decline(offer.transfer)

    def _on_file_started(self, transfer: int, name: str, size: int, outgoing: bool) -> None:
        self._file_names[transfer] = name
        if outgoing:
            self._sending_file.add(transfer)
            self.toolbar.file_button.setText(self.tr("Cancel file"))

    def _on_file_progress(self, transfer: int, done: int, size: int) -> None:
        name = self._file_names.get(transfer, "")
        if size:
            self.status_label.setText(
                self.tr("{name}: {pct} %").format(name=name, pct=round(100 * done / size))
            )

    def _on_file_finished(self, transfer: int, state: FileEndState, text: str) -> None:
        name = self._file_names.pop(transfer, "")
        self._sending_file.discard(transfer)
        if not self._sending_file:
            self.toolbar.file_button.setText(self.tr("Send file…"))
        if state is FileEndState.DONE:
            self.status_label.setText(self.tr("{name} arrived.").format(name=name))
        else:
            self.status_label.setText(f"{name}: {text}")

    # ------------------------------------------------------------ remote control

    def _toggle_control(self) -> None:
        session = self.session
        if session is None:
            return
        if session.control.mine:
            session.control.release()
        elif not session.control.asked:
            reason = ControlPrompt.ask(self)
            if reason is not None:
                session.control.request(reason)
        self._on_control_changed()

    def _on_control_changed(self) -> None:
        session = self.session
        tb = self.toolbar
        if session is None:
            tb.set_control(self.tr("Ask for control"), False, False)
            tb.file_button.setEnabled(False)
            self.viewer.set_control_text("")
            return
        c = session.control
        sharing = session.state is State.SHARING
        tb.file_button.setEnabled(session.state in (State.SHARING, State.PAUSED))
        tb.clipboard_button.setVisible(c.mine)
        if c.mine:
            tb.set_control(
                self.tr("Release control"),
                True,
                True,
                self.tr("Give the mouse and keyboard back to the customer"),
            )
            if c.blocked:
                text = self.tr("A protected window is in front ({what}): input is refused").format(
                    what=c.blocked
                )
            elif c.local:
                text = self.tr("The customer is using their mouse or keyboard: yours waits")
            else:
                text = self.tr("You are in control of the customer's computer")
            self.viewer.set_control_text(text)
        else:
            self.viewer.set_control_text("")
            if c.asked:
                tb.set_control(self.tr("Waiting for the customer…"), False, False)
            elif c.holder:
                who = next(
                    (e.display_name for e in session.roster if e.member == c.holder),
                    self.tr("a colleague"),
                )
                tb.set_control(self.tr("{name} is in control").format(name=who), False, False)
            else:
                tb.set_control(self.tr("Ask for control"), sharing, False)

    def _on_control_told(self, state: ControlState) -> None:
        session = self.session
        if session is None or state.member != session.member:
            return
        words = {
            ControlChange.GRANTED: self.tr("The customer let you control their computer."),
            ControlChange.DENIED: self.tr("The customer did not allow control."),
            ControlChange.STOPPED: self.tr("The customer took control back."),
            ControlChange.RELEASED: self.tr("You gave control back."),
            ControlChange.PAUSED: self.tr("Control ended: the customer paused sharing."),
            ControlChange.IDLE: self.tr("Control ended after a while without input."),
            ControlChange.LEFT: self.tr("Control ended: the connection dropped."),
            ControlChange.ENDED: self.tr("Control ended with the session."),
            ControlChange.UNAVAILABLE: self.tr(
                "The customer's computer cannot take remote input (Wayland, or Assist was "
                "not given the permission). Guide them with marks instead."
            ),
            ControlChange.BUSY: self.tr("Someone else asked first or is in control."),
        }.get(state.change)
        if words:
            self.status_label.setText(words)

    # ------------------------------------------------------------ signing in

    def show_sign_in(self, relay: str, token: str | None, error: str = "") -> None:
        self.sign_in_page.set_values(relay, token)
        if error:
            self.sign_in_page.show_error(error)
        self.toolbar.hide()
        self.pages.setCurrentWidget(self.sign_in_page)

    def on_signing_in(self) -> None:
        self.sign_in_page.show_busy()
        self.state_card.show_state(
            State.SIGNING_IN, state_title(State.SIGNING_IN), state_detail(State.SIGNING_IN)
        )

    def on_signed_in(self, name: str, display: str, org: str) -> None:
        self.state_card.set_identity(display, org)
        self.colleagues.own_name = name
        self.colleagues.supervisor = self.desk.supervisor
        self.queue_panel.set_supervisor(self.desk.supervisor)
        self.pages.setCurrentWidget(self.split)
        self.toolbar.show()
        if self.session is None:
            self.show_ready()

    def on_card_changed(self, card: CardState) -> None:
        self.state_card.set_card(*card_text(card))

    def on_sign_in_failed(self, err: AssistError) -> None:
        self.show_sign_in(self.desk.relay, self.desk.token, error_text(err))

    def show_ready(self) -> None:
        self.state_card.show_state(State.READY, state_title(State.READY), state_detail(State.READY))
        self.code_panel.show_message(
            self.tr("Ready to help"), state_detail(State.READY), offer_new=True
        )
        self.left.setCurrentWidget(self.home)
        self._set_open(False)

    # ------------------------------------------------------------ the session

    def _on_queue(self, items: tuple[WaitingItem, ...], total: int) -> None:
        self.queue_panel.show()
        self.queue_panel.set_waiting(items, total)

    def _on_callbacks(self, items: tuple[CallbackItem, ...]) -> None:
        self.queue_panel.show()
        self.queue_panel.set_callbacks(items)

    def on_customer_taken(self, took: Took) -> None:
        """A customer from the queue: who they are and what they wrote, beside the screen."""
        if not self._current():
            return
        lines = [f"<b>{html.escape(took.name)}</b>"]
        meta = [html.escape(took.queue), self.tr("waited {m} min").format(m=took.waited_s // 60)]
        if took.contact:
            meta.insert(0, html.escape(took.contact))
        lines.append(" · ".join(meta))
        if took.earlier:
            lines.append(self.tr("Contacted the desk {n} time(s) before.").format(n=took.earlier))
        lines.append(f"“{html.escape(took.description)}”")
        if took.system:
            lines.append(f"<span style='color:#5f6368'>{html.escape(took.system)}</span>")
        self.customer_card.setText("<br>".join(lines))
        self.customer_card.show()
        self.flag_button.show()
        self.block_button.setVisible(self.desk.supervisor)

    def on_history(self, items: tuple[HistoryItem, ...]) -> None:
        """The customer's earlier contacts, under what they wrote (newest first)."""
        if not items or not self.customer_card.isVisible():
            return
        states = {
            "ended": self.tr("ended"),
            "abandoned": self.tr("left the queue"),
            "callback_done": self.tr("called back"),
            "callback_no_answer": self.tr("no answer"),
            "callback_open": self.tr("callback booked"),
            "in_session": self.tr("in a session"),
        }
        title = self.tr("Earlier contacts")
        lines = [f"<br><b>{html.escape(title)}</b>"]
        for item in items:
            day = time.strftime("%Y-%m-%d", time.localtime(item.asked))
            said = {1: self.tr("resolved"), 0: self.tr("not resolved")}.get(item.resolved, "")
            what = " · ".join(
                x
                for x in (
                    day,
                    html.escape(item.queue),
                    html.escape(states.get(item.state, item.state)),
                    said,
                    html.escape(item.agents.replace(" ", ", ")),
                )
                if x
            )
            lines.append(f"{what}<br>“{html.escape(item.topic)}”")
            if item.note:
                lines.append(f"<span style='color:#5f6368'>{html.escape(item.note)}</span>")
        self.customer_card.setText(self.customer_card.text() + "<br>".join(lines))

    def _flag(self) -> None:
        session = self.session
        if session is None or session.took is None:
            return
        chosen = FlagDialog.ask(self, session.took.name)
        if chosen is not None and session.flag(*chosen):
            self.status_label.setText(self.tr("The contact is flagged for your supervisor."))

    def _block(self) -> None:
        session = self.session
        if session is None or session.took is None:
            return
        chosen = BlockDialog.ask(self, session.took.name)
        if chosen is not None:
            session.block(*chosen)

    def on_session_started(self, session: AgentSession) -> None:
        self.session = session
        self.queue_panel.set_busy(True)
        self.customer_card.hide()
        self.flag_button.hide()
        self.block_button.hide()
        self.toolbar.end_button.setText(
            self.tr("Leave session") if session.is_seat else self.tr("End session")
        )
        self.viewer.clear()
        self.viewer.set_paused(False)
        self.guidance_panel.chat.clear()
        self.guidance_panel.notes.editor.clear()
        self.toolbar.set_monitors((), 0)
        self._wire_session(session)
        self._stats_timer.start()
        self.show_state(session.state)

    def _current(self) -> bool:
        return self.sender() is self.session and self.session is not None

    def _on_session_state(self, state: State) -> None:
        if self._current():
            self.show_state(state)

    def show_state(self, state: State) -> None:
        session = self.session
        allow = session.allow_draw if session is not None else True
        if state is State.ENDED:
            return  # on_ended shows why
        self.state_card.show_state(state, state_title(state), state_detail(state, allow_draw=allow))
        has_screen = not self.viewer.canvas.isNull()
        if state is State.STARTING:
            self.code_panel.show_message(state_title(state), state_detail(state))
        elif state is State.DECIDING:
            self.code_panel.show_message(state_title(state), state_detail(state))
        if state in (State.SHARING, State.PAUSED) or (has_screen and state in CONNECTED):
            self.left.setCurrentWidget(self.viewer)
        elif not has_screen:
            self.left.setCurrentWidget(self.home)
        if state in (State.RECONNECTING, State.CUSTOMER_AWAY, State.WAITING_RATING):
            self.viewer.set_paused(True, state_title(state))
        elif state is State.PAUSED:
            self.viewer.set_paused(True, state_title(State.PAUSED))
        else:
            self.viewer.set_paused(False)
        self._set_open(state in OPEN)
        self.guidance_panel.chat.set_can_send(state in CONNECTED)
        self._room_changed()
        self._on_control_changed()

    def on_code_ready(self, code: str, expires_s: int) -> None:
        if not self._current():
            return
        self.code_panel.show_code(code, expires_s, state_detail(State.WAITING))
        self.left.setCurrentWidget(self.home)

    def on_frame(self, update: FrameUpdate) -> None:
        if not self._current():
            return
        if self.left.currentWidget() is not self.viewer:
            self.left.setCurrentWidget(self.viewer)
        self.viewer.show_update(update)

    def _on_painted(self, update: FrameUpdate) -> None:
        if self.session is not None:
            self.session.displayed(update)

    def _on_paint_timed(self, ms: float) -> None:
        self.last_paint_ms = ms

    def on_paused(self, paused: bool) -> None:
        if self._current() and self.session is not None:
            self.show_state(self.session.state)

    def on_monitors(self, msg: Monitors) -> None:
        if self._current():
            self.toolbar.set_monitors(msg.monitors, msg.current)

    def _on_consent(self, _allow_draw: bool, _monitor: int) -> None:
        if self._current() and self.session is not None:
            self._on_drawing_enabled(self.drawing.enabled)
            self.show_state(self.session.state)

    def on_ended(self, outcome: Outcome) -> None:
        if not self._current():
            return
        self.queue_panel.set_busy(False)
        text = ending_text(outcome)
        if self.session is not None and self.session.rating is not None:
            stars, comment = self.session.rating
            rated = self.tr("The customer rated the session {stars}.").format(
                stars="★" * stars + "☆" * (5 - stars)
            )
            text += "\n" + rated + (f" “{comment}”" if comment else "")
        trouble = outcome.ending in _TROUBLE
        self.state_card.show_state(State.ENDED, state_title(State.ENDED), text, error=trouble)
        self._set_open(False)
        self.guidance_panel.chat.set_can_send(False)
        self._stats_timer.stop()
        self.update_status()
        if self.viewer.canvas.isNull():
            self.code_panel.show_message(state_title(State.ENDED), text, offer_new=True)
            self.left.setCurrentWidget(self.home)
        else:
            self.viewer.set_paused(True, state_title(State.ENDED))

    # ------------------------------------------------------------ the room

    def _room_changed(self) -> None:
        s = self.session
        live = s is not None and s.state in CONNECTED
        self.colleagues.set_session(live, s is not None and s.leads)

    def _invite(self, name: str, kind: InviteKind, reason: str, note: str) -> None:
        self.desk.invite(name, kind, reason, note)

    def on_invitation(self, invited: Invited) -> None:
        dialog = InvitationDialog(invited, self.desk.busy, self)
        dialog.answered.connect(self._on_invitation_answer)
        self.invitations.append(dialog)
        dialog.show()
        dialog.raise_()

    def _on_invitation_answer(self, invited: Invited, accepted: bool) -> None:
        self.invitations = [d for d in self.invitations if d.invited is not invited]
        if accepted:
            self.desk.accept(invited)
        else:
            self.desk.decline(invited)

    def _on_briefing(self, briefing: Briefing) -> None:
        """Taking over: the steps and chat so far are in the tabs; the note in Notes."""
        self.desk.guidance.brief(briefing)
        if briefing.note:
            self.guidance_panel.notes.editor.setPlainText(
                self.tr("Hand-over note: {note}").format(note=briefing.note)
            )

    def on_handed_over(self, name: str) -> None:
        """The customer approved our hand-over: say so; End session leaves, it does not end."""
        self.colleagues.status.setText(
            self.tr("{name} leads the session now. Introduce them, then leave.").format(name=name)
        )
        self.toolbar.end_button.setText(self.tr("Leave session"))
        self._room_changed()

    def _set_open(self, is_open: bool) -> None:
        self.toolbar.end_button.setEnabled(is_open)

    # ------------------------------------------------------------ drawing

    def _show_pen(self) -> None:
        d = self.drawing
        self.toolbar.on_pen(d.color, d.width, d.fade_s, d.pinned)

    def _on_drawing_enabled(self, enabled: bool) -> None:
        reason = ""
        if not enabled and self.session is not None and self.session.state in CONNECTED:
            reason = self.tr("The customer did not allow drawing on their screen.")
        elif not enabled:
            reason = self.tr("Drawing is possible while the customer shares their screen.")
        self.toolbar.on_drawing_enabled(enabled, reason)

    def _end_clicked(self) -> None:
        """Ending while a customer is connected is asked once; a waiting code just ends."""
        session = self.desk.session
        confirm = session is not None and session.leads and session.state in CONNECTED
        if confirm and not EndConfirm.ask(self):  # (a helper's End only leaves: not asked)
            return
        self.desk.end_session()

    def _ask_text(self, x: int, y: int) -> None:
        text = TextPrompt.ask(self)
        if text:
            self.drawing.place_text(x, y, text)

    def _keep_screenshot(self, keep: bool) -> None:
        self.desk.keep_screenshot = keep

    def final_screenshot(self) -> QImage | None:
        """The customer's last screen with the marks still showing on it."""
        if self.viewer.canvas.isNull():
            return None
        image = self.viewer.canvas.copy()
        painter = QPainter(image)
        paint_shapes(painter, self.drawing.visible(), lambda x, y: (x, y), 1.0)
        painter.end()
        return image

    # ------------------------------------------------------------ status line and history

    def update_status(self) -> None:
        session = self.session
        if session is None or session.state not in (State.SHARING, State.PAUSED):
            self.status_label.setText("")
            self.paint_label.setText("")
            return
        session.stats.sample_bytes(session.connection.bytes_received)
        live = session.stats.live(expecting=session.state is State.SHARING)
        latency = f"{live.latency_ms:.0f} ms" if live.latency_ms is not None else "— ms"
        self.status_label.setText(
            self.tr("{fps} fps · latency {latency} · {rate}/s · connection {quality}").format(
                fps=f"{live.fps:.0f}",
                latency=latency,
                rate=size_text(live.bytes_per_s),
                quality=quality_text(live.quality),
            )
        )
        self.paint_label.setText(self.tr("paint {ms} ms").format(ms=f"{self.last_paint_ms:.1f}"))

    def on_history_failed(self, detail: str) -> None:
        self.statusBar().showMessage(
            self.tr("This session could not be saved in your history ({detail}).").format(
                detail=detail
            ),
            15_000,
        )

    def show_history(self) -> None:
        if self.history_view is None:
            self.history_view = HistoryView(self.history, self)
        self.history_view.refresh()
        self.history_view.show()
        self.history_view.raise_()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self._stats_timer.stop()
        self.desk.shutdown()
        super().closeEvent(event)
