"""Guiding the customer in words: chat, numbered steps, canned replies, and the agent's notes.

:class:`Guidance` is the model behind the side panel's tabs. It turns what the
agent types into ``Chat`` and ``Step`` messages, keeps the transcript and the
steps for the session history, and keeps the canned replies (which the agent
can edit) in a small JSON file in the user's data folder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from common.messages import MAX_SHORT_TEXT, MAX_TEXT, Briefing, Chat, Step

log = logging.getLogger(__name__)

CANNED_FILE = "canned_replies.json"


@dataclasses.dataclass(frozen=True)
class ChatLine:
    from_agent: bool
    text: str
    sent_ms: int

    def as_json(self) -> dict[str, Any]:
        return {
            "from": "agent" if self.from_agent else "customer",
            "text": self.text,
            "sent_ms": self.sent_ms,
        }


@dataclasses.dataclass
class StepItem:
    number: int
    text: str
    done: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "text": self.text, "done": self.done}


def default_canned() -> list[str]:
    return [
        QCoreApplication.translate("Guidance", "Hello! I can see your screen now."),
        QCoreApplication.translate("Guidance", "Please click where the arrow points."),
        QCoreApplication.translate("Guidance", "One moment, please. I'm checking something."),
        QCoreApplication.translate("Guidance", "Could you try that once more?"),
        QCoreApplication.translate("Guidance", "Is there anything else I can help you with?"),
    ]


class Guidance(QObject):
    chat_added = Signal(object)  # ChatLine
    steps_changed = Signal()
    canned_changed = Signal()
    messages_ready = Signal(list)  # [Chat | Step] for the customer

    def __init__(self, canned_path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chat: list[ChatLine] = []
        self.steps: list[StepItem] = []
        self.notes = ""
        self._canned_path = canned_path
        self.canned = self._load_canned()
        self._next_id = 1

    def reset(self) -> None:
        """A new session: empty chat, steps and notes."""
        self.chat.clear()
        self.steps.clear()
        self.notes = ""
        self.steps_changed.emit()

    # ------------------------------------------------------------ chat

    def send_chat(self, text: str) -> bool:
        text = text.strip()[:MAX_TEXT]
        if not text:
            return False
        now = int(time.time() * 1000)
        self.messages_ready.emit([Chat(self._next_id, text, now)])
        self._next_id += 1
        line = ChatLine(True, text, now)
        self.chat.append(line)
        self.chat_added.emit(line)
        return True

    def receive_chat(self, msg: Chat) -> None:
        line = ChatLine(False, msg.text, msg.sent_ms)
        self.chat.append(line)
        self.chat_added.emit(line)

    def brief(self, briefing: Briefing) -> None:
        """Took over a session: the steps, the chat so far and the colleague's note, so
        the work goes on where it was (the customer need not explain again)."""
        self.steps = [StepItem(s.number, s.text, s.done) for s in briefing.steps]
        for line in briefing.chat:
            mine = line.author != "customer"
            text = line.text if not mine else f"{line.author}: {line.text}"
            self.chat.append(ChatLine(mine, text, line.sent_ms))
            self.chat_added.emit(self.chat[-1])
        if briefing.note:
            self.notes = briefing.note
        self.steps_changed.emit()

    # ------------------------------------------------------------ steps

    def add_step(self, text: str) -> StepItem | None:
        text = text.strip()[:MAX_SHORT_TEXT]
        if not text or len(self.steps) >= 999:
            return None
        item = StepItem(len(self.steps) + 1, text)
        self.steps.append(item)
        self._send_step(item)
        return item

    def set_step_done(self, number: int, done: bool) -> None:
        item = self._step(number)
        if item is not None and item.done != done:
            item.done = done
            self._send_step(item)

    def edit_step(self, number: int, text: str) -> None:
        item = self._step(number)
        text = text.strip()[:MAX_SHORT_TEXT]
        if item is not None and text and text != item.text:
            item.text = text
            self._send_step(item)

    def resend_steps(self) -> None:
        """After the customer joins: bring them the steps written while waiting."""
        if self.steps:
            self.messages_ready.emit([Step(s.number, s.text, s.done) for s in self.steps])

    def _step(self, number: int) -> StepItem | None:
        return next((s for s in self.steps if s.number == number), None)

    def _send_step(self, item: StepItem) -> None:
        self.messages_ready.emit([Step(item.number, item.text, item.done)])
        self.steps_changed.emit()

    # ------------------------------------------------------------ notes and canned replies

    def set_notes(self, text: str) -> None:
        self.notes = text

    def set_canned(self, replies: list[str]) -> None:
        self.canned = [r.strip()[:MAX_TEXT] for r in replies if r.strip()]
        if self._canned_path is not None:
            try:
                self._canned_path.parent.mkdir(parents=True, exist_ok=True)
                self._canned_path.write_text(
                    json.dumps(self.canned, ensure_ascii=False, indent=1), encoding="utf-8"
                )
            except OSError as exc:
                log.warning("could not save the canned replies: %s", exc)
        self.canned_changed.emit()

    def _load_canned(self) -> list[str]:
        if self._canned_path is not None and self._canned_path.exists():
            try:
                data = json.loads(self._canned_path.read_text(encoding="utf-8"))
                if isinstance(data, list) and all(isinstance(x, str) for x in data):
                    return data
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable canned replies: %s", exc)
        return default_canned()

    # ------------------------------------------------------------ for the history

    def chat_json(self) -> list[dict[str, Any]]:
        return [line.as_json() for line in self.chat]

    def steps_json(self) -> list[dict[str, Any]]:
        return [s.as_json() for s in self.steps]
