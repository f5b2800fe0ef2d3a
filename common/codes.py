"""Session codes: what the agent reads out and the customer types.

A code is digits only, shown in groups of three for reading aloud over the
phone (``482-519-307``). The last :data:`SECRET_DIGITS` digits are the secret:
the agent's app draws them at random and they never leave the two endpoints.
Everything before them is the nameplate: the relay allocates it (3 digits, more
when many sessions are open) and pairs the two sides by it.

Parsing accepts what a person types: spaces, dashes, dots and other separators,
full-width digits (``４８２``), and raises :class:`~common.errors.CodeError`
naming what was wrong.
"""

from __future__ import annotations

import dataclasses
import secrets
import unicodedata

from common.errors import CodeError
from common.messages import NAMEPLATE_MAX_DIGITS, NAMEPLATE_MIN_DIGITS

GROUP = 3
SECRET_DIGITS = 6
MIN_DIGITS = NAMEPLATE_MIN_DIGITS + SECRET_DIGITS
MAX_DIGITS = NAMEPLATE_MAX_DIGITS + SECRET_DIGITS

#: What people put between digit groups. After NFKC folding, full-width forms
#: (U+FF0D, U+3000 ...) become these.
_SEPARATORS = frozenset(" -.\u2010\u2011\u2012\u2013\u2014\u2212\u00b7\u30fb_/\t\n\r")


@dataclasses.dataclass(frozen=True, slots=True)
class SessionCode:
    nameplate: str
    secret: str

    def __post_init__(self) -> None:
        for part, lo, hi in (
            (self.nameplate, NAMEPLATE_MIN_DIGITS, NAMEPLATE_MAX_DIGITS),
            (self.secret, SECRET_DIGITS, SECRET_DIGITS),
        ):
            if not (part.isascii() and part.isdigit() and lo <= len(part) <= hi):
                raise CodeError()
            if len(part) % GROUP:
                raise CodeError()

    @property
    def digits(self) -> str:
        return self.nameplate + self.secret

    def display(self, sep: str = "-") -> str:
        """The code in groups of three, e.g. ``482-519-307``."""
        d = self.digits
        return sep.join(d[i : i + GROUP] for i in range(0, len(d), GROUP))

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:  # the secret must not end up in logs
        return f"SessionCode(nameplate={self.nameplate!r}, secret=<hidden>)"


def new_secret(randbelow: object = secrets.randbelow) -> str:
    """Draw a fresh secret of :data:`SECRET_DIGITS` digits."""
    draw = randbelow if callable(randbelow) else secrets.randbelow
    return "".join(str(draw(10)) for _ in range(SECRET_DIGITS))


def make_code(nameplate: str, secret: str | None = None) -> SessionCode:
    """The agent's side: the relay's nameplate plus a fresh (or given) secret."""
    return SessionCode(nameplate, secret if secret is not None else new_secret())


def parse_code(text: str) -> SessionCode:
    """Parse what a person typed. Raises :class:`CodeError` saying what was wrong."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        raise CodeError("Please type the code the agent gave you.")
    digits = []
    for ch in folded:
        if ch.isascii() and ch.isdigit():
            digits.append(ch)
        elif ch in _SEPARATORS or ch.isspace():
            continue
        else:
            raise CodeError(
                "'{char}' is not a digit. A code has digits only, like 482-519-307.", char=ch
            )
    count = len(digits)
    if count < MIN_DIGITS:
        raise CodeError(
            "The code is too short: it has {count} digits, a code has at least 9.", count=count
        )
    if count > MAX_DIGITS:
        raise CodeError(
            "The code is too long: it has {count} digits, a code has at most {limit}.",
            count=count,
            limit=MAX_DIGITS,
        )
    if count % GROUP:
        raise CodeError(
            "The code has {count} digits, but codes come in groups of three. "
            "Check it and type it again.",
            count=count,
        )
    joined = "".join(digits)
    return SessionCode(joined[:-SECRET_DIGITS], joined[-SECRET_DIGITS:])
