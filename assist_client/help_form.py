"""What the Get help screens say and check, without widgets (tested on their own).

* :func:`problems` — the form's field checks, as sentences (the relay checks the
  same limits and refuses anything else);
* :func:`wait_text`, :func:`position_text`, :func:`window_text` (with
  :func:`assist_ui.i18n.when_text`),
  :func:`queue_line` — the waiting screen's and the queue list's words, in the
  installed language (times in this computer's time zone);
* :func:`desk_error` — a desk refusal with the opening time filled in.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from assist_ui.i18n import when_text
from common.errors import AssistError, DeskError
from common.messages import MAX_CONTACT, MAX_NAME, MAX_SHORT_TEXT, QueueInfo

__all__ = [
    "desk_error",
    "position_text",
    "problems",
    "queue_line",
    "wait_text",
    "window_text",
]

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def problems(name: str, contact: str, description: str, *, need_contact: bool) -> list[str]:
    """What is wrong with the form, one sentence each (empty: it can be sent)."""
    out = []
    if not name.strip():
        out.append(
            QCoreApplication.translate(
                "GetHelp", "Please write your name, so the agent knows whom they are helping."
            )
        )
    elif len(name) > MAX_NAME:
        out.append(
            QCoreApplication.translate("GetHelp", "Your name is too long: at most 64 characters.")
        )
    contact = contact.strip()
    if need_contact and not contact:
        out.append(
            QCoreApplication.translate(
                "GetHelp", "Please give a phone number or an e-mail address to be contacted on."
            )
        )
    elif contact and not (_PHONE.match(contact) or _EMAIL.match(contact)):
        out.append(
            QCoreApplication.translate(
                "GetHelp", "That is not a phone number or an e-mail address. Please check it."
            )
        )
    elif len(contact) > MAX_CONTACT:
        out.append(
            QCoreApplication.translate(
                "GetHelp", "The phone number or e-mail address is too long: at most 64 characters."
            )
        )
    if not description.strip():
        out.append(
            QCoreApplication.translate(
                "GetHelp", "Please say in a sentence what you need help with."
            )
        )
    elif len(description) > MAX_SHORT_TEXT:
        out.append(
            QCoreApplication.translate(
                "GetHelp", "Please keep the description under 500 characters."
            )
        )
    return out


def position_text(position: int) -> str:
    if position <= 1:
        return QCoreApplication.translate("GetHelp", "You are next in line.")
    return QCoreApplication.translate("GetHelp", "You are number {n} in line.").format(n=position)


def wait_text(minutes: int) -> str:
    """The estimate as shown (-1: nobody serves the queue right now)."""
    if minutes < 0:
        return QCoreApplication.translate(
            "GetHelp",
            "No agent is serving this queue at the moment, so we cannot say how long it "
            "will take. You keep your place.",
        )
    if minutes <= 1:
        return QCoreApplication.translate("GetHelp", "About a minute.")
    if minutes < 60:
        return QCoreApplication.translate("GetHelp", "About {n} minutes.").format(n=minutes)
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return QCoreApplication.translate("GetHelp", "About {h} h.").format(h=hours)
    return QCoreApplication.translate("GetHelp", "About {h} h {m} min.").format(h=hours, m=rest)


def window_text(start: float, minutes: int) -> str:
    """A callback window: "Tue 2 Dec, 09:00–09:30"."""
    end = QDateTime.fromSecsSinceEpoch(int(start + minutes * 60)).toLocalTime()
    return f"{when_text(start)}–{QLocale().toString(end, 'HH:mm')}"


def queue_line(q: QueueInfo, lang: str) -> str:
    name = q.name_ko if lang == "ko" and q.name_ko else q.name
    if not q.open:
        if q.opens_at:
            state = QCoreApplication.translate("GetHelp", "closed, opens {when}").format(
                when=when_text(q.opens_at)
            )
        else:
            state = QCoreApplication.translate("GetHelp", "closed")
    elif q.wait_min < 0:
        state = QCoreApplication.translate("GetHelp", "open, no agent free right now")
    elif q.wait_min <= 1:
        state = QCoreApplication.translate("GetHelp", "open, little or no wait")
    else:
        state = QCoreApplication.translate("GetHelp", "open, about {n} min wait").format(
            n=q.wait_min
        )
    return f"{name} — {state}"


def desk_error(err: AssistError) -> AssistError:
    """A desk refusal whose sentence names when the desk opens, in this zone."""
    if isinstance(err, DeskError) and err.reason == "CLOSED" and err.opens_at:
        filled = DeskError("CLOSED", opens=when_text(err.opens_at))
        filled.offer_callback, filled.opens_at = err.offer_callback, err.opens_at
        return filled
    return err
