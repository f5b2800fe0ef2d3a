"""Session codes: what the agent reads out and the customer types.

A code is digits only, shown in groups of three for reading aloud over the
phone (``482-519-309``). The last :data:`SECRET_DIGITS` digits are the secret:
the agent's app draws them at random and they never leave the two endpoints.
Everything before them is the nameplate: the relay allocates it (3 digits, more
when many sessions are open or someone is scanning codes) and pairs the two
sides by it.

The very last digit is a check digit (the Damm algorithm) over all the others,
so the customer's app catches every single mistyped digit and every swap of two
neighbouring digits before anything reaches the relay: a typo never burns the
code, and never lands on another agent's session. That leaves
:data:`RANDOM_DIGITS` random digits in the secret (docs/security.md weighs it).

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
#: Random digits in the secret; the last secret digit is the check digit.
RANDOM_DIGITS = SECRET_DIGITS - 1
TYPO = "That code has a typo. Please check it with the agent and type it again."

# The Damm algorithm's quasigroup of order 10 (weakly totally anti-symmetric):
# it detects every single-digit error and every adjacent transposition.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit of a string of ASCII digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return str(interim)


def damm_valid(digits: str) -> bool:
    """True if the last digit is the Damm check digit of the ones before it."""
    return damm_digit(digits) == "0"


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
        """The code in groups of three, e.g. ``482-519-309``."""
        d = self.digits
        return sep.join(d[i : i + GROUP] for i in range(0, len(d), GROUP))

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:  # the secret must not end up in logs
        return f"SessionCode(nameplate={self.nameplate!r}, secret=<hidden>)"


def new_secret(nameplate: str, randbelow: object = secrets.randbelow) -> str:
    """Draw :data:`RANDOM_DIGITS` fresh digits and append the check digit of the whole code."""
    draw = randbelow if callable(randbelow) else secrets.randbelow
    random_part = "".join(str(draw(10)) for _ in range(RANDOM_DIGITS))
    return random_part + damm_digit(nameplate + random_part)


def make_code(nameplate: str, secret: str | None = None) -> SessionCode:
    """The agent's side: the relay's nameplate plus a fresh secret.

    A given ``secret`` (tests) may be the :data:`RANDOM_DIGITS` random digits, which
    get their check digit, or all :data:`SECRET_DIGITS`, which must already check.
    """
    if secret is None:
        return SessionCode(nameplate, new_secret(nameplate))
    if len(secret) == RANDOM_DIGITS:
        secret += damm_digit(nameplate + secret)
    code = SessionCode(nameplate, secret)
    if not damm_valid(code.digits):
        raise CodeError(TYPO)
    return code


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
                "'{char}' is not a digit. A code has digits only, like 482-519-309.", char=ch
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
    if not damm_valid(joined):
        raise CodeError(TYPO)
    return SessionCode(joined[:-SECRET_DIGITS], joined[-SECRET_DIGITS:])
