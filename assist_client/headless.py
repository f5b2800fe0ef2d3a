"""Headless mode: the same session without windows, for automation, tests and benchmarks.

``assist-client --headless --relay URL --code CODE --consent [--monitor N] [--duration S]``

It runs a :class:`~assist_client.session.CustomerSession` on a
``QCoreApplication`` (no display connection for Qt; mss still needs a screen to
capture) and prints one flushed line per state change::

    state: connecting
    state: securing the connection
    agent: Alice Agent (Acme)          (only once the key is confirmed)
    state: waiting for your consent
    state: sharing
    state: reconnecting
    state: ended (agent ended)

``--get-help`` asks the desk instead (no code): ``queue: position N, wait M min``
lines while waiting, ``agent: ready (checking who it is)`` when an agent takes
the customer, then the usual ``agent:`` and ``identity: verified`` lines — an agent
of an organisation not pinned is refused (exit 6) before anything is shared.

``--consent`` is the customer's yes given in advance; without it the runner
refuses (exit 2). The agent's drawings are allowed (there is nothing to draw
on, but the agent's tools stay usable in end-to-end tests) and the agent's
requests to switch monitors are accepted. Chat and steps are printed as
``chat: ...`` and ``step N: ...`` lines, and each mark the agent draws as one
line: ``mark: step N`` for a numbered step marker, ``mark: TOOL #ID`` for the
others (``mark: arrow #1``), ``marks removed: #ID ...`` and ``marks cleared``.
The laser pointer moves too often to print.

When the agent asks a colleague in, ``--helpers allow`` (or ``refuse``, the
default) is the customer's answer; each step is a line: ``newcomer: NAME (helper,
verified)``, ``allowed: NAME`` / ``refused: NAME``, ``members: A, B``, and with
``--remove-helpers-after S`` ``removed: NAME`` S seconds after the yes.

When a member asks for remote control, ``--control allow`` (or ``refuse``, the
default) is the answer: ``control: asked by NAME: REASON``, then ``control:
allowed NAME`` or ``control: refused NAME``, and one line for each state the
members are told (``control: stopped``, ``control: idle``, ``control: blocked
(KeePass)`` ...). With control allowed the stop key (Ctrl+Alt+Shift+S) is grabbed
as in the app: it drops queued remote input and stops sharing.

Files: ``--files accept`` (or ``refuse``, the default) answers each file a member
offers, saving into ``--files-dir`` (default: Downloads): ``file: offered NAME
(SIZE) by WHO``, then ``file: saved PATH`` or ``file: refused NAME`` or why it
did not arrive. ``--send-file PATH`` sends a file to the agent once sharing starts:
``file: sent NAME`` when it arrived whole. Exit codes are those of
:func:`assist_net.driver.exit_code_for`; the reason goes to stderr as one line.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import TextIO

import platformdirs
from PySide6.QtCore import QCoreApplication, QTimer

from assist_client import config
from assist_client.monitors import Monitor, enumerate_monitors
from assist_client.session import CustomerSession, NetworkFactory, State, real_network
from assist_client.x11 import X11Hotkey
from assist_net.driver import EXIT_ERROR, EXIT_OK
from assist_net.target import TargetLike
from assist_ui.collector import GuiThreadCollector
from assist_ui.i18n import error_text
from assist_ui.signals import GRACE_S, SignalWatch
from assist_ui.transfers import Offer
from common.codes import SessionCode
from common.errors import AssistError
from common.files import size_text
from common.help import HelpRequest
from common.identity import Trust
from common.messages import (
    LEAD_MEMBER,
    Chat,
    ControlChange,
    ControlState,
    EndReason,
    FileEndState,
    Message,
    RosterEntry,
    Shape,
    ShapeRemove,
    ShapesClear,
    ShapeTool,
    Step,
)
from common.room import Candidate

log = logging.getLogger(__name__)

END_WORDS = {
    EndReason.AGENT_ENDED: "agent ended",
    EndReason.CUSTOMER_STOPPED: "customer stopped",
    EndReason.DECLINED: "declined",
    EndReason.ERROR: "error",
    EndReason.DURATION_ELAPSED: "duration elapsed",
}


class HeadlessRunner:
    """Prints the session's life as lines and turns its end into an exit code."""

    def __init__(
        self,
        session: CustomerSession,
        *,
        monitor: Monitor,
        duration_s: float | None = None,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
        helpers: str = "refuse",
        remove_helpers_after_s: float | None = None,
        control: str = "refuse",
        files: str = "refuse",
        files_dir: Path | None = None,
        send_file: Path | None = None,
    ) -> None:
        self.session = session
        self.control = control
        self.files = files
        self.files_dir = files_dir
        self.send_file = send_file
        self._names: dict[int, str] = {}
        self._outgoing: set[int] = set()
        self._hotkey: X11Hotkey | None = None
        self.helpers = helpers
        self.remove_after_s = remove_helpers_after_s
        self.monitor = monitor
        self.duration_s = duration_s
        self.out, self.err = out, err
        session.state_changed.connect(self._on_state)
        session.agent_identified.connect(self._on_agent)
        session.consent_needed.connect(self._on_consent_needed)
        session.sharing_started.connect(self._on_sharing)
        session.monitor_switch_requested.connect(lambda m: session.switch_monitor(m.index))
        session.monitor_switched.connect(lambda m: self._line(f"monitor: {m.index + 1}"))
        session.chat_received.connect(self._on_chat)
        session.step_received.connect(self._on_step)
        session.annotation_received.connect(self._on_mark)
        session.ended.connect(self._on_ended)
        session.failed.connect(self._on_failed)
        session.newcomer_asks.connect(self._on_newcomer)
        session.newcomer_refused.connect(self._on_failed)
        session.members_changed.connect(self._on_members)
        session.queue_standing.connect(self._on_standing)
        session.agent_ready.connect(lambda: self._line("agent: ready (checking who it is)"))
        session.control.asked.connect(self._on_control_asked)
        session.control.told.connect(self._on_control_told)
        session.file_offered.connect(self._on_file_offered)
        session.files.finished.connect(self._on_file_finished)
        session.files.started.connect(self._on_file_started)

    def _line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _on_state(self, state: State) -> None:
        if state is State.ENDED:
            if self.session.error is not None:
                what = "error"
            else:
                what = END_WORDS.get(self.session.end_reason or EndReason.CUSTOMER_STOPPED, "")
            self._line(f"state: ended ({what})")
        elif state is not State.ENDING:
            self._line(f"state: {state.value}")

    def _on_agent(self, name: str, org: str) -> None:
        self._line(f"agent: {name} ({org})" if org else f"agent: {name}")
        who = self.session.agent_identity
        if who is not None and who.verified:
            team = f", team {who.team}" if who.team else ""
            self._line(f"identity: verified ({who.org}{team}; organisation key {who.fingerprint})")
        elif who is not None and who.fingerprint:
            self._line(f"identity: not verified (organisation key {who.fingerprint} not pinned)")
        else:
            self._line("identity: not verified (the relay's word)")

    def _on_standing(self, position: int, wait_min: int, offer_callback: bool) -> None:
        wait = "unknown (nobody serves the queue now)" if wait_min < 0 else f"{wait_min} min"
        offer = "; a callback is offered" if offer_callback else ""
        self._line(f"queue: position {position}, wait {wait}{offer}")

    def _on_consent_needed(self) -> None:
        self.session.grant(True, self.monitor.index)

    def _offer_file(self) -> None:
        if self.send_file is not None:
            self.session.send_file(self.send_file)

    def _on_sharing(self, monitor: Monitor) -> None:
        if self.send_file is not None:
            QTimer.singleShot(300, self._offer_file)
        if self.duration_s is not None:
            QTimer.singleShot(
                round(self.duration_s * 1000),
                lambda: self.session.end_after(EndReason.DURATION_ELAPSED),
            )

    def _on_chat(self, msg: Chat) -> None:
        self._line("chat: " + " ".join(msg.text.split()))

    def _on_step(self, msg: Step) -> None:
        mark = " (done)" if msg.done else ""
        self._line(f"step {msg.number}: " + " ".join(msg.text.split()) + mark)

    def _on_mark(self, msg: Message) -> None:
        match msg:
            case Shape(tool=ShapeTool.STEP, number=number):
                self._line(f"mark: step {number}")
            case Shape(tool=tool, shape_id=shape_id):
                self._line(f"mark: {tool.name.lower()} #{shape_id}")
            case ShapeRemove(shape_ids=ids):
                self._line("marks removed: " + " ".join(f"#{i}" for i in ids))
            case ShapesClear():
                self._line("marks cleared")

    def _on_newcomer(self, candidate: Candidate) -> None:
        who = candidate.who
        checked = "verified" if who.verified else "not verified"
        role = candidate.role.name.lower()
        self._line(f"newcomer: {who.display_name} ({role}, {checked})")
        if self.helpers != "allow":
            self._line(f"refused: {who.display_name}")
            self.session.refuse_member(candidate.member)
            return
        self._line(f"allowed: {who.display_name}")
        self.session.allow_member(candidate.member)
        if self.remove_after_s is not None:
            QTimer.singleShot(
                round(self.remove_after_s * 1000),
                lambda: self._remove(candidate.member, who.display_name),
            )

    def _on_control_asked(self, member: int, name: str, reason: str) -> None:
        self._line(f"control: asked by {name}: {reason}")
        if self.control != "allow":
            self._line(f"control: refused {name}")
            self.session.control.deny()
            return
        self._line(f"control: allowed {name}")
        if self._hotkey is None:
            self._hotkey = X11Hotkey(self._stop_key)
            self._line(f"stop key: {'on' if self._hotkey.start() else 'off'}")
        self.session.control.allow()

    def _stop_key(self) -> None:
        """On the key's thread: queued remote input is dropped at once, then sharing stops."""
        self.session.control.injector.cancel()
        QTimer.singleShot(0, self.session, self.session.stop)

    def _on_control_told(self, state: ControlState) -> None:
        if state.change in (ControlChange.GRANTED, ControlChange.DENIED):
            return  # said above, with the name
        words = state.change.name.lower().replace("_", " ")
        if state.change is ControlChange.BLOCKED:
            words += f" ({state.detail})"
        self._line(f"control: {words}")

    def _on_file_offered(self, offer: Offer, sender: str) -> None:
        self._line(f"file: offered {offer.safe} ({size_text(offer.size)}) by {sender}")
        self._names[offer.transfer] = offer.safe
        if self.files != "accept":
            self._line(f"file: refused {offer.safe}")
            self.session.files.decline(offer.transfer)
            return
        folder = self.files_dir or Path(platformdirs.user_downloads_dir())
        self.session.files.accept(offer.transfer, folder)

    def _on_file_started(self, transfer: int, name: str, _size: int, outgoing: bool) -> None:
        self._names[transfer] = name
        if outgoing:
            self._outgoing.add(transfer)

    def _on_file_finished(self, transfer: int, state: FileEndState, text: str) -> None:
        name = self._names.pop(transfer, "?")
        outgoing = transfer in self._outgoing
        self._outgoing.discard(transfer)
        if state is FileEndState.DONE:
            self._line(f"file: sent {name}" if outgoing else f"file: saved {text}")
        elif state is not FileEndState.DECLINED or outgoing:  # our refusal was said above
            self._line(f"file: {state.name.lower()} {name}: {text}")

    def close(self) -> None:
        if self._hotkey is not None:
            self._hotkey.stop()
            self._hotkey = None

    def _remove(self, member: int, name: str) -> None:
        if member in self.session.members:
            self._line(f"removed: {name}")
            self.session.remove_member(member)

    def _on_members(self, members: list[RosterEntry]) -> None:
        if len(members) > 1 or any(m.member != LEAD_MEMBER for m in members):
            self._line("members: " + ", ".join(m.display_name for m in members))

    def _on_ended(self, reason: EndReason) -> None:
        self.session.finish()  # nobody to rate: say goodbye at once

    def _on_failed(self, error: AssistError) -> None:
        print(error_text(error), file=self.err, flush=True)

    def stop(self, _signum: int = 0) -> None:
        """SIGINT/SIGTERM: stop sharing, tell the agent, say bye; in any state."""
        self.session.end_now()


def run_headless(
    url: TargetLike,
    code: SessionCode | HelpRequest,
    *,
    monitor_number: int | None = None,
    duration_s: float | None = None,
    network_factory: NetworkFactory = real_network,
    trust: Trust | None = None,
    helpers: str = "refuse",
    remove_helpers_after_s: float | None = None,
    control: str = "refuse",
    files: str = "refuse",
    files_dir: Path | None = None,
    send_file: Path | None = None,
) -> int:
    """Run one headless session; returns the exit code."""
    if network_factory is real_network:
        network_factory = functools.partial(real_network, trust=trust)
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    GuiThreadCollector(app)  # Qt objects are finalized on this thread only
    try:
        monitors = enumerate_monitors([])
    except Exception as exc:  # noqa: BLE001 - no display, or capture refused
        log.exception("no monitors")
        print(
            f"Cannot see a screen to share ({exc}). Run this where a display is available "
            "(set DISPLAY).",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_ERROR
    if not monitors:
        print("No monitor was found to share.", file=sys.stderr, flush=True)
        return EXIT_ERROR
    if monitor_number is None:
        monitor = next((m for m in monitors if m.primary), monitors[0])
    elif 1 <= monitor_number <= len(monitors):
        monitor = monitors[monitor_number - 1]
    else:
        print(
            f"There is no monitor {monitor_number}: this computer has {len(monitors)} "
            f"(use --monitor 1 to {len(monitors)}).",
            file=sys.stderr,
            flush=True,
        )
        return 2
    session = CustomerSession(
        url,
        code,
        monitors,
        network_factory=network_factory,
        protected=config.protected_windows(),
        file_limit=config.file_limit(),
    )
    runner = HeadlessRunner(
        session,
        monitor=monitor,
        duration_s=duration_s,
        helpers=helpers,
        remove_helpers_after_s=remove_helpers_after_s,
        control=control,
        files=files,
        files_dir=files_dir,
        send_file=send_file,
    )
    result: list[int] = []

    def finished(exit_code: int) -> None:
        result.append(exit_code)
        app.quit()

    session.finished.connect(finished)
    watch = SignalWatch(runner.stop)
    watch.install()
    session.start()
    app.exec()
    runner.close()
    session.shutdown(timeout=GRACE_S)
    watch.uninstall()
    return result[0] if result else EXIT_OK
