"""``assist-agent --headless``: one session without a window, for automation and benchmarks.

Rooms: ``--invite NAME`` (or ``--handover NAME --note TEXT``) asks a colleague in
once the customer shares, printing ``invite: NAME STATE`` lines, and after an
approved hand-over leaves ``--leave-after`` seconds later. ``--wait-invite S``
is the colleague's side: sign in at the desk (``desk: signed in``), accept the
first invitation (``invited: by NAME (help): REASON``), and run that seat in
place of a code of our own (``joined: member N`` once the customer allowed it).

The help desk: ``--take-next`` (or ``--take TICKET``) takes a customer who asked
from the app instead of making a code, printing ``took: NAME (QUEUE, waited N s):
DESCRIPTION`` (and ``system: ...`` when they attached it) as the first line.

Prints ``code: 482-519-309`` as the first line of stdout as soon as the relay
has given a nameplate, waits for the customer, runs for ``--duration``
seconds from pairing (or until the customer ends), then ends the session,
waits briefly for a rating, and exits with the documented code and a one-line
reason on stderr. Frames are decoded and acknowledged exactly as in the window,
only nothing is painted.

``--probe X,Y,W,H`` watches one rectangle of the customer's screen (physical
pixels) for benchmarks that measure input-to-display latency: whenever a
completed frame changed that rectangle, the ``--stats`` file gets one entry
``[shown_ns, "#rrggbb", frames]`` under ``probe.changes``: the wall clock when
the frame counted as shown (headless: decoded), the rectangle's mean colour,
and how many frames had completed by then.

Remote control (``--control REASON``): once the first frame is in, ask the customer
for control and print ``control: granted`` / ``control: denied`` and every later
change (``control: stopped``, ``control: blocked (KeePass)`` ...). Once granted:
``--control-click X,Y`` clicks there (repeatable, in order), then
``--control-type TEXT`` types the text (characters as keys, what the layout lacks —
Korean syllables — as committed text, a backslash-n as Return), then ``--control-burst N``
sends N keystrokes ("x") 5 ms apart, and ``--control-rtt N`` types N characters
one at a time, each when the ``--probe`` rectangle showed the last one (or after a
second), for the keystroke round trip; the ``--stats`` file gets ``control.keys_ns``
(when each key went) and ``control.sent``. ``control: done`` follows the script.

Files: ``--send-file PATH`` offers the customer a file once the first frame is in
(``file: sent NAME`` when it arrived whole, else ``file: declined NAME`` ...; the
``--stats`` file gets ``files``: name, size, seconds from the yes to the end).
``--files-dir DIR`` accepts files the customer sends (``file: saved PATH``);
without it they are refused.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QCoreApplication, QObject, QTimer

from assist_agent import agent_key
from assist_agent.config import Settings
from assist_agent.model import Ending, Outcome
from assist_agent.session import AgentSession
from assist_agent.texts import ending_text
from assist_net.driver import Connection, NetworkThread
from assist_ui.signals import GRACE_S, SignalWatch
from common import identity
from common.annotations import Pen, Sketchbook
from common.endpoint import Event, Failed
from common.errors import AssistError
from common.member import DeskEndpoint, InvitationArrived
from common.messages import (
    Chat,
    EndReason,
    Invited,
    InviteKind,
    InviteStatus,
    Roster,
    ShapeTool,
    Took,
)
from common.tiles import FrameDecoder

log = logging.getLogger(__name__)

#: How long headless waits for the customer's rating after the session ends.
HEADLESS_RATING_WAIT_S = 3.0


def save_png(pixels: np.ndarray, path: Path) -> None:
    """Write BGRA pixels as an RGB PNG, at their own resolution."""
    rgb = np.ascontiguousarray(pixels[..., 2::-1])
    Image.fromarray(rgb, "RGB").save(path, "PNG")


def draw_test_messages(width: int, height: int, monitor: int) -> list[Any]:
    """One arrow, one numbered step marker (pinned) and one chat line."""
    book = Sketchbook(monitor)
    pen = Pen(fade_ms=0)
    arrow = book.make(ShapeTool.ARROW, [(width // 4, height // 4), (width // 2, height // 2)], pen)
    step = book.make(ShapeTool.STEP, [(width * 3 // 4, height // 3)], pen)
    chat = Chat(1, "Draw test: an arrow and step 1 are on your screen.", int(time.time() * 1000))
    return [*book.add(arrow), *book.add(step), chat]


class Probe:
    """Notes when a rectangle of the decoded screen changes, and to what colour.

    Called on the decode thread for every completed frame; read :meth:`summary`
    once the pipeline has stopped.
    """

    def __init__(self, rect: tuple[int, int, int, int]) -> None:
        self.rect = rect
        self.frames = 0
        self.changes: list[tuple[int, str, int]] = []
        self._last = b""

    def on_shown(self, decoder: FrameDecoder, shown_ns: int) -> None:
        self.frames += 1
        x, y, w, h = self.rect
        region = decoder.pixels[y : y + h, x : x + w]
        if region.shape[:2] != (h, w):
            return  # not (wholly) on this screen
        data = region.tobytes()
        if data == self._last:
            return
        self._last = data
        b, g, r = (round(float(v)) for v in region[..., :3].reshape(-1, 3).mean(axis=0))
        self.changes.append((shown_ns, f"#{r:02x}{g:02x}{b:02x}", self.frames))

    def summary(self) -> dict[str, Any]:
        return {"rect": list(self.rect), "frames": self.frames, "changes": self.changes}


@dataclasses.dataclass(frozen=True)
class ControlPlan:
    """What the headless agent does with remote control (``--control``)."""

    reason: str
    clicks: tuple[tuple[int, int], ...] = ()
    text: str = ""
    burst: int = 0
    rtt: int = 0


@dataclasses.dataclass(frozen=True)
class RoomPlan:
    """Who the lead asks in once the customer shares (headless rooms)."""

    invite: tuple[str, ...] = ()
    handover: str | None = None
    reason: str = ""
    note: str = ""
    leave_after_s: float = 2.0


def wait_for_invitation(settings: Settings, key: Any, timeout_s: float) -> Invited | None:
    """Sign in at the desk, accept the first invitation, sign out of the desk."""
    got: list[Invited] = []
    failed: list[AssistError] = []
    done = threading.Event()
    desk = DeskEndpoint(settings.token or "", key=key)

    def on_event(event: Event) -> None:
        if isinstance(event, InvitationArrived) and not got:
            got.append(event.invited)
            inv = event.invited
            print(
                f"invited: by {inv.from_name} ({inv.kind.name.lower()}): {inv.reason}",
                flush=True,
            )
            if inv.kind is not InviteKind.SUPERVISE:
                connection.call_endpoint("answer", inv.invite_id, True)
            done.set()
        elif isinstance(event, Failed):
            failed.append(event.error)
            done.set()
        elif type(event).__name__ == "SignedIn":
            print("desk: signed in", flush=True)

    connection = Connection(settings.target(), desk, on_event)
    net = NetworkThread(connection)
    net.start()
    done.wait(timeout_s)
    time.sleep(0.2)  # let the answer go out before the desk signs off
    net.bye(EndReason.AGENT_ENDED)
    net.join(5)
    if failed:
        print(f"assist-agent: {failed[0]}", file=sys.stderr, flush=True)
    return got[0] if got else None


class HeadlessRun(QObject):
    def __init__(
        self,
        settings: Settings,
        *,
        duration: float | None,
        save_frame: Path | None,
        stats_path: Path | None,
        draw_test: bool,
        probe: tuple[int, int, int, int] | None = None,
        room: RoomPlan | None = None,
        invited: Invited | None = None,
        key: Any = None,
        take: str | None = None,
        control: ControlPlan | None = None,
        send_file: Path | None = None,
        files_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.send_file = send_file
        self.files_dir = files_dir
        self.file_runs: list[dict[str, Any]] = []
        self._file_started: dict[int, tuple[str, int, float, bool]] = {}
        self._file_first: dict[int, int] = {}
        assert settings.token is not None
        self.control_plan = control
        self._control_started = False
        self._burst_left = 0
        self._rtt_left = 0
        self.keys_ns: list[int] = []
        self.room = room or RoomPlan()
        self._asked = False
        self.settings = settings
        self.duration = duration
        self.save_frame = save_frame
        self.stats_path = stats_path
        self.draw_test = draw_test
        self.exit_code = 5
        self.key = key or agent_key.load_or_create()
        self.session = AgentSession(
            settings.target(),
            settings.token,
            key=self.key,
            display=False,
            rating_wait_s=HEADLESS_RATING_WAIT_S,
            invited=invited,
            take=take,
        )
        self.session.customer_taken.connect(self.on_taken)
        self.session.invite_update.connect(self.on_invite_update)
        self.session.newcomer_refused.connect(
            lambda err: print(f"invite refused: {err}", flush=True)
        )
        self.session.roster_received.connect(self.on_roster)
        self.session.handed_over.connect(self.on_handed_over)
        self.session.briefing_received.connect(
            lambda b: print(
                f"briefing: note {b.note!r}; {len(b.steps)} steps; {len(b.chat)} chat lines",
                flush=True,
            )
        )
        self.card_line = "identity card: none"
        self.session.card_received.connect(self.on_card)
        self.session.code_ready.connect(self.on_code_ready)
        self.session.secured.connect(self.on_secured)
        self.session.first_frame_decoded.connect(self.on_first_frame)
        self.session.session_ended.connect(self.on_ended)
        self.session.control.told.connect(self.on_control_told)
        self.session.files.offered.connect(self.on_file_offered)
        self.session.files.started.connect(self.on_file_started)
        self.session.files.finished.connect(self.on_file_finished)
        self.session.files.progress.connect(self.on_file_progress)
        self.probe = Probe(probe) if probe is not None else None
        if self.probe is not None:
            self.session.pipeline.on_shown = self.probe.on_shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.session.end)

    def start(self) -> None:
        self.session.start()

    def stop_now(self) -> None:
        """SIGINT/SIGTERM: end the session (the customer is told) without waiting for
        a rating; a second signal ends the process at once (assist_ui.signals)."""
        self.session.end()
        self.session.skip_rating()

    def on_card(self, certificate: bytes) -> None:
        card = identity.card_state(certificate, identity.public_bytes(self.key), time.time())
        self.card_line = f"identity card: {card.kind}"
        if card.valid_until:
            until = time.strftime("%Y-%m-%d %H:%M", time.gmtime(card.valid_until))
            self.card_line += f" until {until} UTC ({card.org}, {card.fingerprint})"

    def on_code_ready(self, code: str, _expires_s: int) -> None:
        # The code stays the first line (scripts read it); the card follows.
        sys.stdout.write(f"code: {code}\n{self.card_line}\n")
        sys.stdout.flush()

    def on_taken(self, took: Took) -> None:
        # In place of the code line: who was taken from which queue, and what they wrote.
        earlier = f", contacted us {took.earlier} time(s) before" if took.earlier else ""
        print(
            f"took: {took.name} ({took.queue}, waited {took.waited_s} s{earlier}): "
            + " ".join(took.description.split()),
            flush=True,
        )
        if took.system:
            print("system: " + " ".join(took.system.split()), flush=True)

    def on_secured(self) -> None:
        if self.duration is not None:
            self._timer.start(max(0, round(self.duration * 1000)))

    def on_invite_update(self, status: InviteStatus) -> None:
        member = f" (member {status.member})" if status.member else ""
        print(f"invite: {status.agent} {status.state.name.lower()}{member}", flush=True)

    def on_roster(self, roster: Roster) -> None:
        names = ", ".join(f"{e.display_name} ({e.role.name.lower()})" for e in roster.members)
        print(f"room: {names}", flush=True)
        if self.session.is_seat and self.session.connected_at is not None:
            print(f"joined: member {self.session.member}", flush=True)

    def on_handed_over(self, name: str) -> None:
        print(f"handed over: {name} leads now", flush=True)
        QTimer.singleShot(round(self.room.leave_after_s * 1000), self.session.leave)

    def _ask_colleagues(self) -> None:
        if self._asked:
            return
        self._asked = True
        for name in self.room.invite:
            self.session.invite(name, InviteKind.HELP, self.room.reason)
        if self.room.handover:
            self.session.invite(
                self.room.handover, InviteKind.HANDOVER, self.room.reason, self.room.note
            )

    # ------------------------------------------------------------ remote control

    def on_control_told(self, state: Any) -> None:
        if state.member != self.session.member and state.holder != self.session.member:
            return
        words = state.change.name.lower().replace("_", " ")
        if state.change.name == "BLOCKED":
            words += f" ({state.detail})"
        print(f"control: {words}", flush=True)
        if self.session.control.mine and not self._control_started:
            self._control_started = True
            QTimer.singleShot(200, self._run_control)

    def _key(self, ch: str) -> None:
        control = self.session.control
        if ch == "\n":
            control.key(0, 0xFF0D, True)
            control.key(0, 0xFF0D, False)
        elif 0x20 <= ord(ch) <= 0x7E and not ch.isupper():
            control.key(0, ord(ch), True)
            control.key(0, ord(ch), False)
        else:  # capitals and characters the keyboard lacks: as committed text
            control.text(ch)
        self.keys_ns.append(time.time_ns())

    def _run_control(self) -> None:
        plan = self.control_plan
        control = self.session.control
        if plan is None or not control.mine:
            return
        for x, y in plan.clicks:
            control.button(x, y, 1, True)
            control.button(x, y, 1, False)
        for ch in plan.text:
            self._key(ch)
        control.flush()
        self._burst_left = plan.burst
        self._rtt_left = plan.rtt
        QTimer.singleShot(300, self._next_burst)

    def _next_burst(self) -> None:
        if self._burst_left > 0 and self.session.control.mine:
            self._burst_left -= 1
            self._key("x")
            QTimer.singleShot(5, self._next_burst)
            return
        self._next_rtt()

    def _next_rtt(self) -> None:
        if self._rtt_left > 0 and self.session.control.mine:
            self._rtt_left -= 1
            seen = len(self.probe.changes) if self.probe is not None else 0
            self._key("ab"[self._rtt_left % 2])
            self._wait_probe(seen, time.monotonic() + 1.0)
            return
        print("control: done", flush=True)

    def _wait_probe(self, seen: int, deadline: float) -> None:
        shown = self.probe is not None and len(self.probe.changes) > seen
        if shown or time.monotonic() > deadline:
            QTimer.singleShot(30, self._next_rtt)  # a gap, as between typed keys
        else:
            QTimer.singleShot(1, lambda: self._wait_probe(seen, deadline))

    # ------------------------------------------------------------ files

    def on_file_offered(self, offer: Any) -> None:
        print(f"file: offered {offer.safe} ({offer.size} bytes) by the customer", flush=True)
        if self.files_dir is None:
            self.session.files.decline(offer.transfer)
            print(f"file: refused {offer.safe}", flush=True)
        else:
            self.session.files.accept(offer.transfer, self.files_dir)

    def on_file_started(self, transfer: int, name: str, size: int, outgoing: bool) -> None:
        self._file_started[transfer] = (name, size, time.monotonic(), outgoing)

    def on_file_progress(self, transfer: int, done: int, size: int) -> None:
        self._file_first.setdefault(transfer, time.time_ns())

    def on_file_finished(self, transfer: int, state: Any, text: str) -> None:
        name, size, started, outgoing = self._file_started.pop(
            transfer, ("?", 0, time.monotonic(), True)
        )
        seconds = time.monotonic() - started
        ended_ns = time.time_ns()
        first_ns = self._file_first.pop(transfer, ended_ns)
        self.file_runs.append(
            {
                "name": name,
                "size": size,
                "seconds": seconds,
                "first_chunk_ns": first_ns,
                "ended_ns": ended_ns,
                "state": state.name.lower(),
            }
        )
        if state.name == "DONE":
            print(f"file: sent {name}" if outgoing else f"file: saved {text}", flush=True)
        else:
            print(f"file: {state.name.lower()} {name}: {text}", flush=True)

    def on_first_frame(self) -> None:
        if self.send_file is not None:
            self.session.send_file(self.send_file)
        if self.control_plan is not None:
            self.session.control.request(self.control_plan.reason)
        self._ask_colleagues()
        if self.draw_test:
            decoder = self.session.pipeline.decoder
            self.session.send(
                draw_test_messages(decoder.width, decoder.height, self.session.monitor)
            )

    def on_ended(self, outcome: Outcome) -> None:
        self._timer.stop()
        self.session.pipeline.stop(wait=True)
        self.exit_code = outcome.exit_code
        reason = ending_text(outcome)
        if outcome.ending is Ending.BAD_TOKEN:
            reason += f" (token from {self.settings.token_source})"
        notes = []
        try:
            notes += self._write_outputs()
        except OSError as exc:
            notes.append(f"could not write an output file: {exc}")
            self.exit_code = self.exit_code or 5
        line = " ".join([reason, *notes])
        print(f"assist-agent: {line}", file=sys.stderr, flush=True)
        QCoreApplication.exit(self.exit_code)

    def _write_outputs(self) -> list[str]:
        notes = []
        pixels = self.session.pipeline.decoder.pixels
        if self.save_frame is not None:
            if pixels.size:
                save_png(pixels, self.save_frame)
            else:
                notes.append("(no frame arrived, so --save-frame wrote nothing)")
        if self.stats_path is not None:
            summary = self.session.stats.summary(self.session.connection.bytes_received)
            summary["screen"] = [int(pixels.shape[1]), int(pixels.shape[0])]
            summary["ending"] = self.session.outcome.ending.value if self.session.outcome else None
            summary["exit_code"] = self.exit_code
            if self.probe is not None:
                summary["probe"] = self.probe.summary()
            if self.file_runs:
                summary["files"] = self.file_runs
            if self.control_plan is not None:
                summary["control"] = {
                    "keys_ns": self.keys_ns,
                    "sent": self.session.control.sent_events,
                }
            self.stats_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return notes


def run(
    app: QCoreApplication,
    settings: Settings,
    *,
    duration: float | None,
    save_frame: Path | None,
    stats_path: Path | None,
    draw_test: bool,
    probe: tuple[int, int, int, int] | None = None,
    room: RoomPlan | None = None,
    wait_invite_s: float | None = None,
    take: str | None = None,
    control: ControlPlan | None = None,
    send_file: Path | None = None,
    files_dir: Path | None = None,
) -> int:
    try:
        key = agent_key.load_or_create()
        invited = None
        if wait_invite_s is not None:
            invited = wait_for_invitation(settings, key, wait_invite_s)
            if invited is None:
                print("assist-agent: no invitation arrived in time.", file=sys.stderr, flush=True)
                return Outcome(Ending.ERROR).exit_code
        runner = HeadlessRun(
            settings,
            duration=duration,
            save_frame=save_frame,
            stats_path=stats_path,
            draw_test=draw_test,
            probe=probe,
            room=room,
            invited=invited,
            key=key,
            take=take,
            control=control,
            send_file=send_file,
            files_dir=files_dir,
        )
    except AssistError as err:  # this computer's key file cannot be used
        print(f"assist-agent: {err}", file=sys.stderr, flush=True)
        return Outcome(Ending.ERROR, err).exit_code
    watch = SignalWatch(lambda _signum: runner.stop_now())
    watch.install()
    QTimer.singleShot(0, runner.start)
    app.exec()
    runner.session.shutdown(timeout=GRACE_S)
    watch.uninstall()
    return runner.exit_code
