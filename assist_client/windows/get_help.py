"""The Get help screens: the form, the waiting screen and the callback form.

They only show and forward: the session (:class:`~assist_client.session.CustomerSession`)
waits in the queue, :class:`~assist_client.desk.DeskClient` asks the desk, and the
app (:mod:`assist_client.app`) moves between screens. Off-hours the form says when
the desk opens and offers only a callback request.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from assist_client.help_form import (
    position_text,
    problems,
    queue_line,
    wait_text,
    window_text,
)
from assist_client.windows.style import STYLE
from assist_ui.i18n import error_text, when_text
from common.errors import AssistError
from common.identity import Pin
from common.messages import MAX_SHORT_TEXT, CallbackBooked, QueueInfo, Queues, Windows

__all__ = ["CallbackWindow", "GetHelpWindow", "WaitingWindow"]

_NOTICE = """
QFrame#Notice { background: #e8f0fe; border: 2px solid #1565c0; border-radius: 10px; }
QListWidget::item { padding: 7px 4px; }
"""


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Heading")
    label.setWordWrap(True)
    return label


def _wrapped(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def _grow(window: QWidget) -> None:
    """After a part appeared: make the window tall enough for its wrapped sentences at
    its current width (Qt's minimum size does not count word wrap)."""
    layout = window.layout()
    if layout is None:
        return
    need = layout.totalHeightForWidth(window.width())
    if need > window.height():
        window.resize(window.width(), need)


class _Window(QWidget):
    """A top-level Get help window that grows to fit its wrapped sentences."""

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, lambda: _grow(self))


class GetHelpWindow(_Window):
    """The form: organisation, queue, what is wrong, who to contact, and (ticked) the
    system details shown exactly as they would be sent."""

    asked = Signal(object, str, str, str, bool)  # Pin, queue id, name, contact, attach
    callback_wanted = Signal(object, str)  # Pin, queue id
    back_to_code = Signal()
    refresh_wanted = Signal()

    def __init__(
        self,
        pins: tuple[Pin, ...],
        system_text: str,
        lang: str = "en",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("JoinWindow")
        self.setWindowTitle(self.tr("Assist — ask for help"))
        self.setStyleSheet(STYLE + _NOTICE)
        self.pins = pins
        self.lang = lang
        self.queues: tuple[QueueInfo, ...] = ()

        intro = _wrapped(
            self.tr(
                "Ask your organisation's support desk for help. An agent takes your request "
                "when it is your turn; you will see who they are before anything is shared."
            )
        )
        self.org_combo = QComboBox()
        for pin in pins:
            self.org_combo.addItem(pin.org, pin)
        self.org_combo.setVisible(len(pins) > 1)
        self.org_label = _wrapped(name="AgentName")
        self.org_label.setText(pins[0].org if pins else "")
        self.org_label.setVisible(len(pins) == 1)

        self.queue_list = QListWidget()
        self.queue_list.setFixedHeight(110)
        self.queue_list.setAccessibleName(self.tr("Queue"))
        self.queue_list.currentRowChanged.connect(self._on_queue_chosen)
        self.loading = _wrapped(self.tr("Asking the desk which queues are open…"), "Subtle")

        self.closed_notice = QFrame()
        self.closed_notice.setObjectName("Notice")
        self.closed_text = _wrapped()
        box = QVBoxLayout(self.closed_notice)
        box.addWidget(self.closed_text)
        self.closed_notice.hide()

        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(
            self.tr("For example: my internet drops every few minutes since yesterday.")
        )
        self.description.setFixedHeight(96)
        self.description.setAccessibleName(self.tr("What do you need help with?"))
        self.description.textChanged.connect(self._on_description)
        self.counter = _wrapped("", "Subtle")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(64)
        self.contact_edit = QLineEdit()
        self.contact_edit.setMaxLength(64)
        self.contact_edit.setPlaceholderText(self.tr("010-1234-5678 or name@example.com"))
        for edit in (self.name_edit, self.contact_edit):
            edit.setMinimumHeight(44)

        self.attach = QCheckBox(self.tr("Attach system information for the agent"))
        self.system_text = system_text
        self.system_preview = _wrapped(system_text, "Subtle")
        self.system_preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.system_preview.hide()
        self.attach.toggled.connect(self.system_preview.setVisible)

        self.error_label = _wrapped(name="Error")
        self.error_label.hide()

        self.ask_button = QPushButton(self.tr("Ask for help"))
        self.ask_button.setObjectName("Primary")
        self.ask_button.clicked.connect(self._ask)
        self.callback_button = QPushButton(self.tr("Ask for a callback instead"))
        self.callback_button.clicked.connect(self._callback)
        self.code_button = QPushButton(self.tr("I have a code"))
        self.code_button.clicked.connect(self.back_to_code)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(10)
        form.addRow(self.tr("Help from"), self.org_combo if len(pins) > 1 else self.org_label)
        form.addRow(self.tr("Your name"), self.name_edit)
        form.addRow(self.tr("Phone or e-mail"), self.contact_edit)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 24)
        layout.setSpacing(12)
        layout.addWidget(_heading(self.tr("Ask for help")))
        intro.setMinimumWidth(600)  # on a child: the window's own minimum is the layout's
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(_wrapped(self.tr("Which kind of help?")))
        layout.addWidget(self.loading)
        layout.addWidget(self.queue_list)
        layout.addWidget(self.closed_notice)
        layout.addWidget(_wrapped(self.tr("What do you need help with?")))
        layout.addWidget(self.description)
        layout.addWidget(self.counter)
        layout.addWidget(self.attach)
        layout.addWidget(self.system_preview)
        layout.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addWidget(self.code_button)
        row.addStretch(1)
        row.addWidget(self.callback_button)
        row.addWidget(self.ask_button)
        layout.addLayout(row)
        self._on_description()
        self._on_queue_chosen(-1)

    # ------------------------------------------------------------ what the app tells it

    def pin(self) -> Pin | None:
        data = self.org_combo.currentData()
        return data if isinstance(data, Pin) else (self.pins[0] if self.pins else None)

    @Slot(object)
    def set_queues(self, queues: Queues) -> None:
        chosen = self.queue_id()
        self.queues = queues.queues
        self.loading.hide()
        self.queue_list.blockSignals(True)
        self.queue_list.clear()
        for q in self.queues:
            item = QListWidgetItem(queue_line(q, self.lang))
            item.setData(Qt.ItemDataRole.UserRole, q.id)
            self.queue_list.addItem(item)
        self.queue_list.blockSignals(False)
        rows = max(1, min(6, len(self.queues)))
        self.queue_list.setFixedHeight(rows * self.queue_list.sizeHintForRow(0) + 8)
        ids = [q.id for q in self.queues]
        self.queue_list.setCurrentRow(ids.index(chosen) if chosen in ids else 0)
        self._on_queue_chosen(self.queue_list.currentRow())

    def queue_id(self) -> str:
        item = self.queue_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def _queue(self) -> QueueInfo | None:
        return next((q for q in self.queues if q.id == self.queue_id()), None)

    @Slot(object)
    def show_error(self, error: AssistError) -> None:
        self.error_label.setText(error_text(error))
        self.error_label.show()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        self.ask_button.setEnabled(not busy and self._can_ask())
        self.callback_button.setEnabled(not busy and self._queue() is not None)

    # ------------------------------------------------------------ forwarding

    def _can_ask(self) -> bool:
        q = self._queue()
        return q is not None and q.open

    @Slot(int)
    def _on_queue_chosen(self, _row: int) -> None:
        q = self._queue()
        closed = q is not None and not q.open
        if closed and q is not None:
            opens = (
                self.tr("It opens {when}.").format(when=when_text(q.opens_at)) if q.opens_at else ""
            )
            self.closed_text.setText(
                self.tr(
                    "This desk is closed right now. {opens} You can leave a callback request "
                    "now and an agent will contact you when it is open."
                ).format(opens=opens)
            )
        self.closed_notice.setVisible(closed)
        self.ask_button.setVisible(not closed)
        self.callback_button.setText(
            self.tr("Leave a callback request") if closed else self.tr("Ask for a callback instead")
        )
        self.callback_button.setObjectName("Primary" if closed else "")
        self.callback_button.setStyleSheet("")  # re-polish for the new object name
        self.set_busy(False)
        QTimer.singleShot(0, lambda: _grow(self))

    @Slot()
    def _on_description(self) -> None:
        n = len(self.description.toPlainText())
        self.counter.setText(self.tr("{n} of {max} characters").format(n=n, max=MAX_SHORT_TEXT))

    def description_text(self) -> str:
        return self.description.toPlainText().strip()

    def _check(self, need_contact: bool) -> bool:
        found = problems(
            self.name_edit.text(),
            self.contact_edit.text(),
            self.description_text(),
            need_contact=need_contact,
        )
        self.error_label.setText("\n".join(found))
        self.error_label.setVisible(bool(found))
        return not found

    @Slot()
    def _ask(self) -> None:
        pin = self.pin()
        if pin is None or not self._can_ask() or not self._check(need_contact=False):
            return
        self.set_busy(True)
        self.asked.emit(
            pin,
            self.queue_id(),
            self.name_edit.text().strip(),
            self.contact_edit.text().strip(),
            self.attach.isChecked(),
        )

    @Slot()
    def _callback(self) -> None:
        pin = self.pin()
        if pin is not None and self._queue() is not None:
            self.error_label.hide()
            self.callback_wanted.emit(pin, self.queue_id())


class WaitingWindow(_Window):
    """Waiting in the queue: the place, the estimate, what happens next, leave or switch."""

    leave_requested = Signal()
    callback_requested = Signal()

    def __init__(self, queue_name: str, org: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JoinWindow")
        self.setWindowTitle(self.tr("Assist — waiting for an agent"))
        self.setStyleSheet(STYLE + _NOTICE)
        where = _wrapped(self.tr("{org} · {queue}").format(org=org, queue=queue_name), "AgentName")
        self.position = _heading("")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.wait = _wrapped()
        self.wait.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.wait.setStyleSheet("font-size: 20px;")
        self.status = _wrapped("", "Subtle")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        nxt = QFrame()
        nxt.setObjectName("Verified")
        box = QVBoxLayout(nxt)
        title = _wrapped(self.tr("What happens next"), "BadgeTitle")
        box.addWidget(title)
        box.addWidget(
            _wrapped(
                self.tr(
                    "When an agent takes your request, Assist shows you their verified name "
                    "and asks whether to share your screen. Nothing is shared before you say "
                    "yes. You can keep using your computer meanwhile: Assist will let you know."
                )
            )
        )
        self.leave_button = QPushButton(self.tr("Leave the queue"))
        self.leave_button.clicked.connect(self.leave_requested)
        self.callback_button = QPushButton(self.tr("Call me back instead"))
        self.callback_button.clicked.connect(self.callback_requested)
        self.callback_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 28)
        layout.setSpacing(14)
        self.heading = _heading(self.tr("You are in the queue"))
        layout.addWidget(self.heading)
        where.setMinimumWidth(520)
        layout.addWidget(where)
        layout.addSpacing(8)
        layout.addWidget(self.position)
        layout.addWidget(self.wait)
        layout.addWidget(self.status)
        layout.addSpacing(8)
        layout.addWidget(nxt)
        row = QHBoxLayout()
        row.addWidget(self.leave_button)
        row.addStretch(1)
        row.addWidget(self.callback_button)
        layout.addLayout(row)
        self.set_standing(0, -1, False)

    @Slot(int, int, bool)
    def set_standing(self, position: int, wait_min: int, offer_callback: bool) -> None:
        if position <= 0:
            self.position.setText(self.tr("Joining the queue…"))
            self.wait.setText("")
        else:
            self.position.setText(position_text(position))
            self.wait.setText(wait_text(wait_min))
        self.status.setText("")
        self.callback_button.setVisible(offer_callback)
        self.callback_button.setObjectName("Primary" if offer_callback else "")
        self.callback_button.setStyleSheet("")
        QTimer.singleShot(0, lambda: _grow(self))

    def set_callback(self, when: str) -> None:
        """Waiting for a callback booked in the app, not a place in line."""
        self.heading.setText(self.tr("Waiting for your callback"))
        self.position.setText(self.tr("Your callback is booked"))
        self.wait.setText(
            self.tr("An agent will contact you here, {when}. Keep Assist open.").format(when=when)
        )
        self.leave_button.setText(self.tr("Stop waiting in the app"))
        self.callback_button.hide()
        QTimer.singleShot(0, lambda: _grow(self))

    @Slot()
    def on_reconnecting(self) -> None:
        self.status.setText(
            self.tr("The connection dropped. Reconnecting — you keep your place for a while.")
        )

    @Slot()
    def on_agent_ready(self) -> None:
        self.position.setText(self.tr("An agent is ready for you"))
        self.wait.setText(self.tr("Checking who they are…"))
        self.leave_button.setEnabled(False)
        self.callback_button.hide()


class CallbackWindow(_Window):
    """Choose when to be contacted, and how; then the booking, confirmed in words."""

    book_requested = Signal(
        str, int, bool, str, str, str
    )  # queue, start, in app, name, contact, text
    closed = Signal()

    def __init__(self, queue_id: str, queue_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JoinWindow")
        self.setWindowTitle(self.tr("Assist — ask for a callback"))
        self.setStyleSheet(STYLE + _NOTICE)
        self.queue_id = queue_id
        self.minutes = 30
        self.intro = _wrapped(
            self.tr(
                "Choose a time when an agent of {queue} can contact you. Times are in this "
                "computer's time zone."
            ).format(queue=queue_name)
        )
        self.windows = QListWidget()
        self.windows.setMinimumHeight(180)
        self.windows.setAccessibleName(self.tr("Time"))
        self.loading = _wrapped(self.tr("Asking the desk for free times…"), "Subtle")
        self.by_phone = QRadioButton(self.tr("Call my phone"))
        self.by_app = QRadioButton(self.tr("Contact me in the Assist app"))
        self.by_phone.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_phone)
        group.addButton(self.by_app)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(64)
        self.contact_edit = QLineEdit()
        self.contact_edit.setMaxLength(64)
        self.contact_edit.setPlaceholderText(self.tr("010-1234-5678 or name@example.com"))
        for edit in (self.name_edit, self.contact_edit):
            edit.setMinimumHeight(44)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(72)
        self.error_label = _wrapped(name="Error")
        self.error_label.hide()
        self.done = QFrame()
        self.done.setObjectName("Verified")
        self.done_text = _wrapped()
        box = QVBoxLayout(self.done)
        box.addWidget(_wrapped(self.tr("Your callback is booked"), "BadgeTitle"))
        box.addWidget(self.done_text)
        self.done.hide()
        self.book_button = QPushButton(self.tr("Book this time"))
        self.book_button.setObjectName("Primary")
        self.book_button.clicked.connect(self._book)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.close)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow(self.tr("Your name"), self.name_edit)
        form.addRow(self.tr("Phone or e-mail"), self.contact_edit)
        form.addRow(self.tr("What about"), self.description)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 24)
        layout.setSpacing(12)
        layout.addWidget(_heading(self.tr("Ask for a callback")))
        self.intro.setMinimumWidth(560)
        layout.addWidget(self.intro)
        layout.addWidget(self.loading)
        layout.addWidget(self.windows)
        how = QHBoxLayout()
        how.addWidget(self.by_phone)
        how.addWidget(self.by_app)
        how.addStretch(1)
        layout.addLayout(how)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.done)
        row = QHBoxLayout()
        row.addWidget(self.close_button)
        row.addStretch(1)
        row.addWidget(self.book_button)
        layout.addLayout(row)
        self.book_button.setEnabled(False)

    def prefill(self, name: str, contact: str, description: str) -> None:
        self.name_edit.setText(name)
        self.contact_edit.setText(contact)
        self.description.setPlainText(description)

    @Slot(object)
    def set_windows(self, windows: Windows) -> None:
        self.loading.hide()
        self.minutes = windows.minutes
        self.windows.clear()
        for start in windows.starts:
            item = QListWidgetItem(window_text(start, windows.minutes))
            item.setData(Qt.ItemDataRole.UserRole, start)
            self.windows.addItem(item)
        if windows.starts:
            self.windows.setCurrentRow(0)
        else:
            self.loading.setText(
                self.tr("Every time in the next week is booked. Please try again tomorrow.")
            )
            self.loading.show()
        self.book_button.setEnabled(bool(windows.starts))

    @Slot(object)
    def show_error(self, error: AssistError) -> None:
        self.error_label.setText(error_text(error))
        self.error_label.show()
        self.book_button.setEnabled(self.windows.count() > 0)

    @Slot(object)
    def on_booked(self, booked: CallbackBooked) -> None:
        how = (
            self.tr("An agent will contact you in the Assist app")
            if self.by_app.isChecked()
            else self.tr("An agent will call you")
        )
        self.done_text.setText(
            self.tr("{how} on {when}. You can close this window.").format(
                how=how, when=window_text(booked.window_start, self.minutes)
            )
        )
        self.done.show()
        self.error_label.hide()
        QTimer.singleShot(0, lambda: _grow(self))
        for w in (self.windows, self.by_phone, self.by_app, self.book_button):
            w.setEnabled(False)
        self.book_button.hide()

    @Slot()
    def _book(self) -> None:
        item = self.windows.currentItem()
        if item is None:
            return
        found = problems(
            self.name_edit.text(),
            self.contact_edit.text(),
            self.description.toPlainText(),
            need_contact=self.by_phone.isChecked(),
        )
        if found:
            self.error_label.setText("\n".join(found))
            self.error_label.show()
            return
        self.book_button.setEnabled(False)
        self.book_requested.emit(
            self.queue_id,
            int(item.data(Qt.ItemDataRole.UserRole)),
            self.by_app.isChecked(),
            self.name_edit.text().strip(),
            self.contact_edit.text().strip(),
            self.description.toPlainText().strip(),
        )

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        self.closed.emit()
        super().closeEvent(event)  # type: ignore[arg-type]
