"""The words for session states and endings, in the installed language.

One place for them so the window's state card, its history view and the
headless one-line reason all say the same thing.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

from assist_agent.model import Ending, Outcome, State
from assist_agent.stats import Quality
from assist_ui.i18n import error_text
from common.identity import CardState


def state_title(state: State) -> str:
    titles = {
        State.SIGNING_IN: QCoreApplication.translate("AgentState", "Signing in…"),
        State.READY: QCoreApplication.translate("AgentState", "Ready"),
        State.STARTING: QCoreApplication.translate("AgentState", "Creating a code…"),
        State.WAITING: QCoreApplication.translate("AgentState", "Waiting for the customer"),
        State.DECIDING: QCoreApplication.translate("AgentState", "The customer is deciding"),
        State.SHARING: QCoreApplication.translate("AgentState", "Sharing"),
        State.PAUSED: QCoreApplication.translate("AgentState", "Paused by the customer"),
        State.RECONNECTING: QCoreApplication.translate("AgentState", "Reconnecting…"),
        State.CUSTOMER_AWAY: QCoreApplication.translate(
            "AgentState", "The customer is reconnecting"
        ),
        State.WAITING_RATING: QCoreApplication.translate(
            "AgentState", "Waiting for the customer's rating"
        ),
        State.ENDED: QCoreApplication.translate("AgentState", "Session ended"),
    }
    return titles[state]


def state_detail(state: State, *, allow_draw: bool = True) -> str:
    if state is State.SHARING and not allow_draw:
        return QCoreApplication.translate(
            "AgentState", "You see the customer's screen. They did not allow drawing."
        )
    details = {
        State.SIGNING_IN: QCoreApplication.translate(
            "AgentState", "Checking your agent token with the relay."
        ),
        State.READY: QCoreApplication.translate(
            "AgentState", "When a customer calls, create a code and read it to them."
        ),
        State.STARTING: QCoreApplication.translate("AgentState", "Asking the relay for a code."),
        State.WAITING: QCoreApplication.translate(
            "AgentState", "Read the code to the customer and ask them to type it into Assist."
        ),
        State.DECIDING: QCoreApplication.translate(
            "AgentState",
            "The customer sees your name and chooses whether to share their screen.",
        ),
        State.SHARING: QCoreApplication.translate(
            "AgentState", "You see the customer's screen and can draw on it."
        ),
        State.PAUSED: QCoreApplication.translate(
            "AgentState", "The customer paused sharing. Nothing new is shown until they resume."
        ),
        State.RECONNECTING: QCoreApplication.translate(
            "AgentState", "Your connection dropped. Getting the session back…"
        ),
        State.CUSTOMER_AWAY: QCoreApplication.translate(
            "AgentState", "The customer's connection dropped. Waiting for them to come back."
        ),
        State.WAITING_RATING: QCoreApplication.translate(
            "AgentState", "The session is over. The customer can rate it now."
        ),
        State.ENDED: "",
    }
    return details[state]


def ending_text(outcome: Outcome) -> str:
    """Why the session ended, as one sentence."""
    texts = {
        Ending.AGENT_ENDED: QCoreApplication.translate("AgentState", "You ended the session."),
        Ending.CUSTOMER_STOPPED: QCoreApplication.translate(
            "AgentState", "The customer stopped sharing and ended the session."
        ),
        Ending.CUSTOMER_LEFT: QCoreApplication.translate(
            "AgentState", "The customer left the session."
        ),
        Ending.DECLINED: QCoreApplication.translate(
            "AgentState", "The customer declined to share their screen."
        ),
        Ending.CODE_MISMATCH: QCoreApplication.translate(
            "AgentState",
            "The code did not match: the customer may have typed it wrong. "
            "Create a new code and read it out slowly.",
        ),
        Ending.EXPIRED: QCoreApplication.translate(
            "AgentState", "The code expired before the customer used it. Create a new code."
        ),
    }
    if outcome.ending in texts:
        return texts[outcome.ending]
    if outcome.error is not None:
        return error_text(outcome.error)
    return QCoreApplication.translate("AgentState", "The session ended unexpectedly.")


def ending_short(ending: Ending) -> str:
    """A few words for the history list."""
    words = {
        Ending.AGENT_ENDED: QCoreApplication.translate("AgentState", "You ended it"),
        Ending.CUSTOMER_STOPPED: QCoreApplication.translate("AgentState", "Customer stopped"),
        Ending.CUSTOMER_LEFT: QCoreApplication.translate("AgentState", "Customer left"),
        Ending.DECLINED: QCoreApplication.translate("AgentState", "Customer declined"),
        Ending.CODE_MISMATCH: QCoreApplication.translate("AgentState", "Code mismatch"),
        Ending.EXPIRED: QCoreApplication.translate("AgentState", "Code expired"),
        Ending.BAD_TOKEN: QCoreApplication.translate("AgentState", "Token refused"),
        Ending.UNREACHABLE: QCoreApplication.translate("AgentState", "Relay unreachable"),
        Ending.BAD_ADDRESS: QCoreApplication.translate("AgentState", "Relay address wrong"),
        Ending.NO_CERTIFICATE: QCoreApplication.translate("AgentState", "No identity card"),
        Ending.IDENTITY_REFUSED: QCoreApplication.translate("AgentState", "Identity refused"),
        Ending.ERROR: QCoreApplication.translate("AgentState", "Error"),
    }
    return words[ending]


def quality_text(quality: Quality) -> str:
    words = {
        Quality.GOOD: QCoreApplication.translate("AgentState", "good"),
        Quality.FAIR: QCoreApplication.translate("AgentState", "fair"),
        Quality.POOR: QCoreApplication.translate("AgentState", "poor"),
    }
    return words[quality]


def countdown(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def size_text(n: float) -> str:
    """Bytes as B, kB or MB (SI, one decimal where it helps)."""
    if n < 1000:
        return f"{n:.0f} B"
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB"
    return f"{n / 1_000_000:.1f} MB"


def card_text(card: CardState) -> tuple[str, str]:
    """This computer's identity card in one sentence, and its tone (idle, warn, bad)."""
    until = time.strftime("%Y-%m-%d", time.localtime(card.valid_until)) if card.valid_until else ""
    match card.kind:
        case "valid":
            text = QCoreApplication.translate(
                "AgentState", "Identity card valid until {until} ({org}, key {fingerprint})."
            )
            tone = "idle"
        case "expiring":
            text = QCoreApplication.translate(
                "AgentState",
                "Identity card expires on {until}. Sign in again after your admin renews it.",
            )
            tone = "warn"
        case "expired":
            text = QCoreApplication.translate(
                "AgentState", "Identity card expired on {until}. Ask your admin to renew it."
            )
            tone = "bad"
        case "wrong_key":
            text = QCoreApplication.translate(
                "AgentState",
                "Your identity card is for another computer's key, so customers will refuse it. "
                "Ask your admin to issue one for this computer.",
            )
            tone = "bad"
        case "unreadable":
            text = QCoreApplication.translate(
                "AgentState", "Your identity card could not be read. Ask your admin."
            )
            tone = "bad"
        case _:
            text = QCoreApplication.translate(
                "AgentState",
                "No identity card: customers see your name as not verified. Ask your admin "
                "for one.",
            )
            tone = "warn"
    return text.format(until=until, org=card.org, fingerprint=card.fingerprint), tone
