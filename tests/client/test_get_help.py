"""Get help in the customer's app, with a fake network and a fake desk: the form asks
only for what it needs and checks it, the waiting screen follows the queue, an agent
taking the customer leads to the usual consent prompt with their verified name, a
refusal that offers a callback opens the callback form, and a booked callback is
confirmed in words. Off-hours the form says when the desk opens and offers only a
callback request."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assist_client.app import ClientApp
from assist_client.help_form import problems, wait_text
from assist_client.windows.consent import ConsentChoice, ConsentDialog
from common.desk_query import DeskAnswer, DeskQuery
from common.endpoint import AgentCalled, Event, Failed, InQueue, PairingStarted, PeerJoined, Secured
from common.errors import DeskError
from common.help import HelpRequest
from common.identity import CheckedIdentity, Pin, Trust
from common.messages import (
    CallbackBooked,
    CallMe,
    ListQueues,
    ListWindows,
    QueueInfo,
    Queues,
    Windows,
)
from tests.client.fakes import MONITOR, FakeNetworks, FakeSource

PIN = Pin("Acme Support", "12345 67890 12345 67890 12345 67890")
NOW = int(time.time())
QUEUES = Queues(
    (
        QueueInfo("internet", "Internet", "인터넷", True, 0, NOW + 3600, 2, 7, 3),
        QueueInfo("billing", "Billing", "요금", False, NOW + 7200, 0, 0, -1, 0),
    )
)


class FakeDesk:
    """Answers the form's questions at once, as the relay would."""

    def __init__(self) -> None:
        self.asked: list[DeskQuery] = []
        self.refuse_booking = False

    def __call__(
        self, _target: object, query: DeskQuery, on_event: Callable[[Event], None]
    ) -> None:
        self.asked.append(query)
        req = query.request
        if isinstance(req, ListQueues):
            on_event(DeskAnswer(QUEUES))
        elif isinstance(req, ListWindows):
            on_event(DeskAnswer(Windows(req.queue, (NOW + 3600, NOW + 5400), 30)))
        elif isinstance(req, CallMe):
            if self.refuse_booking:
                on_event(Failed(DeskError("WINDOW_FULL")))
            else:
                start = req.window_start
                on_event(DeskAnswer(CallbackBooked("cb1", start, start + 1800)))


@pytest.fixture
def desk() -> FakeDesk:
    return FakeDesk()


@pytest.fixture
def app(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    networks: FakeNetworks,
    desk: FakeDesk,
) -> Iterator[ClientApp]:
    from assist_client.desk import DeskClient

    monkeypatch.setattr("assist_client.app.QApplication.quit", lambda: None)
    monkeypatch.setattr("assist_client.config.data_dir", lambda: tmp_path / "data")
    client = ClientApp(
        "ws://127.0.0.1:1",
        network_factory=networks,
        monitors=[MONITOR],
        source_factory=FakeSource,
        recap_folder=tmp_path / "recaps",
        global_hotkey=False,
        trust=Trust((PIN,)),
        desk_client=DeskClient("ws://127.0.0.1:1", runner=desk),
        system_text=lambda: "System: Debian 13; Assist 0.1.0; Screens: 640×480 (main)",
    )
    qtbot.addWidget(client.join)
    yield client
    client._back_to_code()  # stops the queue refresh timer on this thread  # noqa: SLF001


def fill(app: ClientApp, qtbot: QtBot) -> None:
    app.show_get_help()
    form = app.get_help
    assert form is not None
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.queue_list.count() == 2)
    form.name_edit.setText("Park Jiwoo 박지우")
    form.contact_edit.setText("010-1234-5678")
    form.description.setPlainText("인터넷이 자꾸 끊겨요")


def test_get_help_is_offered_only_with_an_organisation_pinned(qtbot: QtBot) -> None:
    without = ClientApp("ws://127.0.0.1:1", global_hotkey=False)
    qtbot.addWidget(without.join)
    assert without.join.help_button.isHidden()
    without.show_get_help()
    assert without.get_help is None


def test_the_form_checks_its_fields_in_sentences() -> None:
    assert problems("", "", "", need_contact=False) == [
        "Please write your name, so the agent knows whom they are helping.",
        "Please say in a sentence what you need help with.",
    ]
    assert "not a phone number" in problems("Jiwoo", "call me", "help", need_contact=False)[0]
    assert problems("Jiwoo", "", "help", need_contact=True)
    assert problems("Jiwoo", "jiwoo@example.org", "help", need_contact=True) == []
    assert wait_text(-1).startswith("No agent is serving this queue")
    assert wait_text(75) == "About 1 h 15 min."


def test_asking_waiting_and_an_agent_taking_the_customer_to_the_consent_prompt(
    app: ClientApp, qtbot: QtBot, networks: FakeNetworks, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def consent(cls, parent, name, org, monitors, previews=None, identity=None):  # noqa: ANN001
        asked.append(f"{name} ({org}) verified={identity.verified}")
        return ConsentChoice(True, 0)

    monkeypatch.setattr(ConsentDialog, "ask", classmethod(consent))
    fill(app, qtbot)
    form = app.get_help
    assert form is not None
    assert "7 min" in form.queue_list.item(0).text()
    form.attach.setChecked(True)
    assert form.system_preview.isVisibleTo(form)  # what would be sent, shown before it is
    form.ask_button.click()
    net = networks.last
    request = net.code
    assert isinstance(request, HelpRequest)
    assert (request.queue, request.org, request.name) == (
        "internet",
        PIN.fingerprint,
        "Park Jiwoo 박지우",
    )
    assert request.system.startswith("System: Debian 13")
    assert request.installation.startswith("inst-")
    net.on_event(InQueue("t1", 3, 12, False))
    qtbot.waitUntil(lambda: app.waiting is not None and app.waiting.isVisible())
    assert app.waiting is not None
    assert app.waiting.position.text() == "You are number 3 in line."
    assert app.waiting.wait.text() == "About 12 minutes."
    assert app.waiting.callback_button.isHidden()
    net.on_event(InQueue("t1", 1, 2, True))
    qtbot.waitUntil(
        lambda: app.waiting is not None and app.waiting.position.text() == "You are next in line."
    )
    assert not app.waiting.callback_button.isHidden()
    net.on_event(AgentCalled())
    qtbot.waitUntil(lambda: app.waiting is not None and "ready" in app.waiting.position.text())
    who = CheckedIdentity(True, "Alice Kim", "Acme Support", fingerprint=PIN.fingerprint)
    net.on_event(PairingStarted())
    net.on_event(PeerJoined("Alice Kim", "Acme Support", who))
    net.on_event(Secured())
    qtbot.waitUntil(lambda: asked == ["Alice Kim (Acme Support) verified=True"])
    assert app.waiting is None  # the prompt replaced the waiting screen


def test_leaving_the_queue_goes_back_to_the_form(
    app: ClientApp, qtbot: QtBot, networks: FakeNetworks
) -> None:
    fill(app, qtbot)
    assert app.get_help is not None
    app.get_help.ask_button.click()
    net = networks.last
    net.on_event(InQueue("t1", 2, 5, False))
    qtbot.waitUntil(lambda: app.waiting is not None)
    assert app.waiting is not None
    app.waiting.leave_button.click()
    assert ("leave", ()) in net.calls
    assert app.waiting is None and app.get_help.isVisible()


def test_a_closed_desk_says_when_it_opens_and_books_a_callback(
    app: ClientApp, qtbot: QtBot, desk: FakeDesk
) -> None:
    fill(app, qtbot)
    form = app.get_help
    assert form is not None
    form.queue_list.setCurrentRow(1)
    assert form.closed_notice.isVisibleTo(form) and "It opens" in form.closed_text.text()
    assert form.ask_button.isHidden() and form.callback_button.text() == "Leave a callback request"
    form.callback_button.click()
    cb = app.callback
    assert cb is not None
    qtbot.addWidget(cb)
    qtbot.waitUntil(lambda: cb.windows.count() == 2)
    assert cb.name_edit.text() == "Park Jiwoo 박지우"  # not typed twice
    cb.book_button.click()
    qtbot.waitUntil(lambda: cb.done.isVisibleTo(cb))
    assert cb.done_text.text().startswith("An agent will call you on ")
    (booking,) = [q.request for q in desk.asked if isinstance(q.request, CallMe)]
    assert booking.queue == "billing" and not booking.in_app and booking.contact == "010-1234-5678"


def test_a_full_queue_offers_the_callback_form_with_the_sentence(
    app: ClientApp, qtbot: QtBot, networks: FakeNetworks, desk: FakeDesk
) -> None:
    fill(app, qtbot)
    assert app.get_help is not None
    app.get_help.ask_button.click()
    err = DeskError.refused("FULL", True)
    networks.last.on_event(Failed(err))
    qtbot.waitUntil(lambda: app.callback is not None)
    assert "Too many people are waiting" in app.get_help.error_label.text()
    assert app.callback is not None
    qtbot.addWidget(app.callback)
    desk.refuse_booking = True
    qtbot.waitUntil(lambda: app.callback is not None and app.callback.windows.count() == 2)
    app.callback.book_button.click()
    qtbot.waitUntil(lambda: "fully booked" in app.callback.error_label.text())


def test_a_callback_in_the_app_waits_here_for_the_agents_call(
    app: ClientApp, qtbot: QtBot, networks: FakeNetworks, desk: FakeDesk
) -> None:
    fill(app, qtbot)
    form = app.get_help
    assert form is not None
    form.queue_list.setCurrentRow(1)  # closed: a callback
    form.callback_button.click()
    cb = app.callback
    assert cb is not None
    qtbot.addWidget(cb)
    qtbot.waitUntil(lambda: cb.windows.count() == 2)
    cb.by_app.setChecked(True)
    cb.contact_edit.clear()  # in the app: no number needed
    cb.book_button.click()
    qtbot.waitUntil(lambda: bool(networks.made))
    request = networks.last.code
    assert isinstance(request, HelpRequest) and request.callback == "cb1"
    networks.last.on_event(InQueue("cb:cb1", 0, -1, False))
    qtbot.waitUntil(lambda: app.waiting is not None and app.waiting.isVisible())
    assert app.waiting is not None
    assert app.waiting.position.text() == "Your callback is booked"
    assert "Keep Assist open" in app.waiting.wait.text()
