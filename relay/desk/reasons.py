"""The code the relay sends for each desk refusal: the reason of a
:class:`common.errors.DeskError`, which holds the sentence people read."""

from __future__ import annotations

from relay.desk.callbacks import WindowRefusal
from relay.desk.lobby import WhyNot
from relay.desk.routing import Refusal

__all__ = ["error_reason"]


def error_reason(why: WhyNot | Refusal | WindowRefusal) -> str:
    """``DeskError(error_reason(why))`` says ``why`` in a sentence."""
    if isinstance(why, WindowRefusal):
        return "WINDOW_FULL" if why is WindowRefusal.FULL else "NOT_OFFERED"
    return why.name
