"""Codes for tests that play someone guessing."""

from __future__ import annotations

from common.codes import SessionCode, make_code, parse_code


def a_guess(code: SessionCode | str) -> SessionCode:
    """Another *valid* code for the same nameplate: a guess, not a typo. The check digit
    stops every typo in the customer's app, so only a guess like this reaches the PAKE."""
    right = code if isinstance(code, SessionCode) else parse_code(code)
    other = "00000" if right.secret[:5] != "00000" else "11111"
    return make_code(right.nameplate, other)
