"""Session codes: what people type is accepted, garbage is refused with a sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.codes import (
    RANDOM_DIGITS,
    SECRET_DIGITS,
    SessionCode,
    damm_digit,
    damm_valid,
    make_code,
    new_secret,
    parse_code,
)
from common.errors import CodeError


@pytest.mark.parametrize(
    "typed",
    [
        "482-519-309",
        "482519309",
        "482 519 309",
        "  482.519.309  ",
        "４８２－５１９－３０９",  # full-width digits and dash, as a Korean IME types them
        "482\u3000519\u3000309",  # ideographic space
        "482 - 519 - 309",
        "482–519–309",  # en dash, as word processors change it
    ],
)
def test_what_people_type_is_accepted(typed: str) -> None:
    code = parse_code(typed)
    assert code.nameplate == "482" and code.secret == "519309"
    assert code.display() == "482-519-309"


def test_longer_nameplates_when_the_relay_is_busy() -> None:
    code = parse_code("104 482 519 307")
    assert (code.nameplate, code.secret) == ("104482", "519307")
    assert str(code) == "104-482-519-307"


def test_a_typo_is_caught_before_anything_is_sent() -> None:
    with pytest.raises(CodeError) as info:
        parse_code("482-519-308")
    assert "typo" in str(info.value)


def _codes() -> st.SearchStrategy[str]:
    nameplates = st.sampled_from((3, 6, 9, 12)).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    )
    randoms = st.text("0123456789", min_size=RANDOM_DIGITS, max_size=RANDOM_DIGITS)
    return st.builds(lambda n, r: make_code(n, r).digits, nameplates, randoms)


@given(_codes(), st.data())
def test_every_single_digit_error_is_caught(digits: str, data: st.DataObject) -> None:
    assert damm_valid(digits)
    at = data.draw(st.integers(0, len(digits) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[at]]))
    typo = digits[:at] + wrong + digits[at + 1 :]
    with pytest.raises(CodeError, match="typo"):
        parse_code(typo)


@given(_codes(), st.data())
def test_every_swap_of_neighbouring_digits_is_caught(digits: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(digits) - 2))
    if digits[at] == digits[at + 1]:
        return  # swapping two equal digits changes nothing
    swapped = digits[:at] + digits[at + 1] + digits[at] + digits[at + 2 :]
    with pytest.raises(CodeError, match="typo"):
        parse_code(swapped)


def test_damm_catches_all_single_errors_and_swaps_exhaustively_for_short_codes() -> None:
    # Every 4-digit string with its check digit: 10,000 codes, every error and swap.
    for n in range(10_000):
        body = f"{n:04d}"
        word = body + damm_digit(body)
        for at in range(5):
            for d in "0123456789":
                if d != word[at]:
                    assert not damm_valid(word[:at] + d + word[at + 1 :])
            if at < 4 and word[at] != word[at + 1]:
                assert not damm_valid(word[:at] + word[at + 1] + word[at] + word[at + 2 :])


@pytest.mark.parametrize(
    "typed,says",
    [
        ("", "Please type the code"),
        ("   ", "Please type the code"),
        ("482-5l9-307", "'l' is not a digit"),
        ("482-519-30O", "'O' is not a digit"),
        ("코드 482", "'코' is not a digit"),
        ("482-519", "too short: it has 6 digits"),
        ("4825193071", "10 digits, but codes come in groups of three"),
        ("1" * 21, "too long: it has 21 digits"),
    ],
)
def test_garbage_is_refused_with_a_sentence_naming_the_problem(typed: str, says: str) -> None:
    with pytest.raises(CodeError) as info:
        parse_code(typed)
    assert says in str(info.value)


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_code_error(text: str) -> None:
    try:
        code = parse_code(text)
    except CodeError:
        return
    assert len(code.secret) == SECRET_DIGITS
    assert parse_code(code.display()) == code


@given(st.integers(0, 10**12 - 1), st.integers(0, 10**5 - 1))
def test_display_round_trips(nameplate: int, secret: int) -> None:
    digits = str(nameplate)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    code = make_code(digits, str(secret).zfill(5))
    assert parse_code(code.display()) == code
    assert parse_code(code.display(" ")) == code


def test_secret_is_fresh_and_six_digits() -> None:
    secrets = {new_secret("482") for _ in range(50)}
    assert all(len(s) == 6 and s.isdigit() and damm_valid("482" + s) for s in secrets)
    assert len(secrets) > 45


def test_secret_never_appears_in_repr() -> None:
    code = SessionCode("482", "519309")
    assert "519309" not in repr(code)
