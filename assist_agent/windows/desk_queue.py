"""The help desk at the agent's desk: who waits in my queues, and the callbacks to make.

Two tabs. **Waiting**: longest waiting first, how long (counting on by itself), the
queue, the customer with a repeat mark when they contacted the desk before, what
they wrote; "Take next" or "Take selected". A customer whose connection dropped
keeps their place but is greyed: nobody can answer them until they are back.
**Callbacks**: by window, a late one marked; "Done", "No answer" and "Reschedule…".
The panel only shows and forwards; the desk (:mod:`assist_agent.desk`) acts.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assist_ui.i18n import error_text, when_text
from common.errors import AssistError
from common.messages import (
    CALLBACK_TICKET,
    CallbackItem,
    FlagKind,
    Outcome,
    QueueInfo,
    WaitingItem,
)

__all__ = ["BlockDialog", "FlagDialog", "QueuePanel", "RescheduleDialog"]

_LATE = QColor("#b3261e")
_AWAY = QColor("#9e9e9e")


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _columns(tree: QTreeWidget) -> None:
    """Every column as wide as its contents; the last (their words) takes the rest."""
    header = tree.header()
    last = tree.columnCount() - 1
    for col in range(last):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(last, QHeaderView.ResizeMode.Stretch)
    tree.setStyleSheet("QTreeWidget::item { padding: 5px 4px; }")


class QueuePanel(QWidget):
    take_next = Signal()
    take_ticket = Signal(str)
    outcome = Signal(str, object, int, str)  # callback id, Outcome, new window start, note
    block = Signal(str, int, str)  # ticket, minutes, why (supervisors)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self.busy = False
        self._items: tuple[WaitingItem, ...] = ()
        self._total = 0
        self._received = time.monotonic()
        self._calls: tuple[CallbackItem, ...] = ()
        self._names: dict[str, str] = {}  # queue id -> its name in the app's language
        self.tabs = QTabWidget(self)

        self.waiting = QTreeWidget()
        self.waiting.setRootIsDecorated(False)
        self.waiting.setAlternatingRowColors(True)
        self.waiting.setHeaderLabels(
            [self.tr("Waiting"), self.tr("Queue"), self.tr("Customer"), self.tr("Their words")]
        )
        _columns(self.waiting)
        self.waiting.itemSelectionChanged.connect(self._update_buttons)
        self.waiting.itemDoubleClicked.connect(lambda _i, _c: self._take_selected())
        self.take_next_button = QPushButton(self.tr("Take next"))
        self.take_next_button.setObjectName("big")
        self.take_next_button.clicked.connect(self.take_next)
        self.take_button = QPushButton(self.tr("Take selected"))
        self.take_button.clicked.connect(self._take_selected)
        self.block_button = QPushButton(self.tr("Block…"))
        self.block_button.setToolTip(
            self.tr("Keep this customer's computer out of the queues for a while")
        )
        self.block_button.clicked.connect(self._block_selected)
        self.block_button.setVisible(False)  # supervisors only (set_supervisor)
        self.empty = QLabel(self.tr("Nobody is waiting in your queues."))
        self.empty.setObjectName("panelText")
        wait_page = QWidget()
        w = QVBoxLayout(wait_page)
        w.setContentsMargins(0, 8, 0, 0)
        w.addWidget(self.waiting, 1)
        w.addWidget(self.empty)
        row = QHBoxLayout()
        row.addWidget(self.take_next_button)
        row.addWidget(self.take_button)
        row.addStretch(1)
        row.addWidget(self.block_button)
        w.addLayout(row)

        self.calls = QTreeWidget()
        self.calls.setRootIsDecorated(False)
        self.calls.setAlternatingRowColors(True)
        self.calls.setHeaderLabels(
            [
                self.tr("When"),
                self.tr("Queue"),
                self.tr("Customer"),
                self.tr("Contact"),
                self.tr("Their words"),
            ]
        )
        _columns(self.calls)
        self.calls.itemSelectionChanged.connect(self._update_buttons)
        self.done_button = QPushButton(self.tr("Done"))
        self.done_button.clicked.connect(lambda: self._outcome(Outcome.DONE))
        self.no_answer_button = QPushButton(self.tr("No answer"))
        self.no_answer_button.clicked.connect(lambda: self._outcome(Outcome.NO_ANSWER))
        self.reschedule_button = QPushButton(self.tr("Reschedule…"))
        self.reschedule_button.clicked.connect(self._reschedule)
        self.call_app_button = QPushButton(self.tr("Call in the app"))
        self.call_app_button.setToolTip(
            self.tr("The customer's Assist is open and waiting: they are asked to share")
        )
        self.call_app_button.clicked.connect(self._call_in_app)
        calls_page = QWidget()
        c = QVBoxLayout(calls_page)
        c.setContentsMargins(0, 8, 0, 0)
        c.addWidget(self.calls, 1)
        row = QHBoxLayout()
        row.addWidget(self.call_app_button)
        row.addWidget(self.done_button)
        row.addWidget(self.no_answer_button)
        row.addWidget(self.reschedule_button)
        row.addStretch(1)
        c.addLayout(row)

        self.tabs.addTab(wait_page, "")
        self.tabs.addTab(calls_page, "")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("panelText")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.set_waiting((), 0)
        self.set_callbacks(())

    # ------------------------------------------------------------ what the desk tells it

    @Slot(object, int)
    def set_waiting(self, items: tuple[WaitingItem, ...], total: int) -> None:
        chosen = self.selected_ticket()
        if items is not self._items:  # new news (not a rename): count on from now
            self._received = time.monotonic()
        self._items, self._total = items, total
        self.waiting.clear()
        for item in items:
            who = item.name
            if item.earlier:
                who += "  " + self.tr("↻ {n} earlier").format(n=item.earlier)
            row = QTreeWidgetItem(
                ["", self._queue(item.queue), who, " ".join(item.description.split())]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, item.ticket)
            if item.away:
                row.setToolTip(2, self.tr("Their connection dropped; they keep their place."))
                for col in range(4):
                    row.setForeground(col, QBrush(_AWAY))
            self.waiting.addTopLevelItem(row)
            if item.ticket == chosen:
                row.setSelected(True)
        self._tick()
        self.tabs.setTabText(0, self.tr("Waiting ({n})").format(n=total))
        self.empty.setVisible(not items)
        self._update_buttons()

    @Slot(object)
    def set_callbacks(self, items: tuple[CallbackItem, ...]) -> None:
        self._calls = items
        self.calls.clear()
        now = time.time()
        for item in items:
            when = f"{when_text(item.window_start)}–{when_text(item.window_end)[-5:]}"
            late = now >= item.window_end
            if late:
                when += "  " + self.tr("(late)")
            if item.in_app:
                contact = (
                    self.tr("in the app (open now)") if item.app_open else self.tr("in the app")
                )
            else:
                contact = item.contact
            row = QTreeWidgetItem(
                [when, self._queue(item.queue), item.name, contact, item.description]
            )
            row.setData(0, Qt.ItemDataRole.UserRole, item.id)
            if late:
                row.setForeground(0, QBrush(_LATE))
            self.calls.addTopLevelItem(row)
        self.tabs.setTabText(1, self.tr("Callbacks ({n})").format(n=len(items)))
        self._update_buttons()

    @Slot(object)
    def set_queues(self, queues: tuple[QueueInfo, ...]) -> None:
        """The queues' names (Korean ones in a Korean app), in place of their ids."""
        korean = QLocale().language() is QLocale.Language.Korean
        self._names = {q.id: (q.name_ko if korean and q.name_ko else q.name) for q in queues}
        self.set_waiting(self._items, self._total)
        self.set_callbacks(self._calls)

    def _queue(self, queue_id: str) -> str:
        return self._names.get(queue_id, queue_id)

    def set_supervisor(self, supervisor: bool) -> None:
        """Supervisors may block a waiting customer from the queues."""
        self.block_button.setVisible(supervisor)

    @Slot(int)
    def show_blocked(self, until: int) -> None:
        self.status.setText(
            self.tr("Blocked from the queues until {when}.").format(when=when_text(until))
        )

    def set_busy(self, busy: bool) -> None:
        """In a session: taking another customer waits until it ends."""
        self.busy = busy
        self._update_buttons()

    @Slot(object)
    def show_notice(self, error: AssistError) -> None:
        self.status.setText(error_text(error))

    # ------------------------------------------------------------ forwarding

    def selected_ticket(self) -> str:
        items = self.waiting.selectedItems()
        return str(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else ""

    def selected_callback(self) -> CallbackItem | None:
        items = self.calls.selectedItems()
        if not items:
            return None
        cid = items[0].data(0, Qt.ItemDataRole.UserRole)
        return next((c for c in self._calls if c.id == cid), None)

    def _update_buttons(self) -> None:
        here = [i for i in self._items if not i.away]
        self.take_next_button.setEnabled(not self.busy and bool(here))
        ticket = self.selected_ticket()
        chosen = next((i for i in self._items if i.ticket == ticket), None)
        self.take_button.setEnabled(not self.busy and chosen is not None and not chosen.away)
        self.block_button.setEnabled(chosen is not None)
        tip = self.tr("Finish your session first.") if self.busy else ""
        self.take_next_button.setToolTip(tip)
        call = self.selected_callback()
        for b in (self.done_button, self.no_answer_button, self.reschedule_button):
            b.setEnabled(call is not None)
        self.call_app_button.setEnabled(call is not None and call.app_open and not self.busy)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._received
        for i in range(self.waiting.topLevelItemCount()):
            row = self.waiting.topLevelItem(i)
            if row is not None and i < len(self._items):
                row.setText(0, _clock(self._items[i].waited_s + elapsed))

    @Slot()
    def _take_selected(self) -> None:
        ticket = self.selected_ticket()
        if ticket and self.take_button.isEnabled():
            self.status.clear()
            self.take_ticket.emit(ticket)

    @Slot()
    def _block_selected(self) -> None:
        ticket = self.selected_ticket()
        chosen = next((i for i in self._items if i.ticket == ticket), None)
        if chosen is None:
            return
        got = BlockDialog.ask(self, chosen.name)
        if got is not None:
            self.status.clear()
            self.block.emit(ticket, *got)

    def _call_in_app(self) -> None:
        call = self.selected_callback()
        if call is not None and call.app_open and not self.busy:
            self.status.clear()
            self.take_ticket.emit(CALLBACK_TICKET + call.id)

    def _outcome(self, outcome: Outcome) -> None:
        call = self.selected_callback()
        if call is not None:
            self.status.clear()
            self.outcome.emit(call.id, outcome, 0, "")

    @Slot()
    def _reschedule(self) -> None:
        call = self.selected_callback()
        if call is None:
            return
        start = RescheduleDialog.ask(self, call)
        if start is not None:
            self.outcome.emit(call.id, Outcome.RESCHEDULED, start, "")


class RescheduleDialog(QDialog):
    """Pick a new window start (on the half hour; the desk checks it is within hours)."""

    def __init__(self, call: CallbackItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Reschedule the callback"))
        self.edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(call.window_start + 86400))
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.edit.setCalendarPopup(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        text = self.tr(
            "When should {name} be contacted instead? Windows start on the hour "
            "or half hour, within the desk's opening hours."
        ).format(name=call.name)
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def start(self) -> int:
        secs = self.edit.dateTime().toSecsSinceEpoch()
        return int(secs - secs % 1800)

    @classmethod
    def ask(cls, parent: QWidget, call: CallbackItem) -> int | None:
        dialog = cls(call, parent)
        return dialog.start() if dialog.exec() == QDialog.DialogCode.Accepted else None


class FlagDialog(QDialog):
    """Flag the contact of this session: why, in a word and a sentence (kept with the
    customer's installation; supervisors read flags and may block an installation)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Flag this contact"))
        self.kind = QComboBox()
        for kind, text in (
            (FlagKind.ABUSIVE, self.tr("Abusive")),
            (FlagKind.REPEAT, self.tr("Keeps coming back with the same problem")),
            (FlagKind.SPECIALIST, self.tr("Needs a specialist")),
        ):
            self.kind.addItem(text, kind)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("What happened, for your supervisor"))
        self.reason.setFixedHeight(90)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Flag the contact with {name}:").format(name=name)))
        layout.addWidget(self.kind)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("Please say why; your supervisor reads it."))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget, name: str) -> tuple[FlagKind, str] | None:
        dialog = cls(name, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return FlagKind(dialog.kind.currentData()), dialog.reason.toPlainText().strip()[:500]


class BlockDialog(QDialog):
    """A supervisor keeps a customer's computer out of the queues: for how long, and
    why (the desk log keeps who and why; a waiting customer is told at once)."""

    #: The choices offered, in minutes.
    DURATIONS = (60, 24 * 60, 7 * 24 * 60, 30 * 24 * 60)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Block from the queues"))
        self.duration = QComboBox()
        for minutes, label in zip(
            self.DURATIONS,
            (self.tr("1 hour"), self.tr("1 day"), self.tr("1 week"), self.tr("30 days")),
            strict=True,
        ):
            self.duration.addItem(label, minutes)
        self.duration.setCurrentIndex(1)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why, for the desk log"))
        self.reason.setFixedHeight(90)
        explain = QLabel(
            self.tr(
                "{name}'s computer will not be able to ask this desk for help until the "
                "block ends. If they are waiting now, they are told and leave the queue. "
                "The block is logged with your name and your reason."
            ).format(name=name)
        )
        explain.setWordWrap(True)
        explain.setMinimumWidth(380)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        block = buttons.addButton(self.tr("Block"), QDialogButtonBox.ButtonRole.AcceptRole)
        block.setObjectName("danger")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(QLabel(self.tr("For how long:")))
        layout.addWidget(self.duration)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("Please say why; the desk log keeps it."))
            return
        self.accept()

    def choice(self) -> tuple[int, str]:
        return int(self.duration.currentData()), self.reason.toPlainText().strip()[:500]

    @classmethod
    def ask(cls, parent: QWidget, name: str) -> tuple[int, str] | None:
        dialog = cls(name, parent)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
