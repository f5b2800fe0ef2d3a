"""Session codes: what people type is accepted, garbage is refused with a sentence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.codes import SECRET_DIGITS, SessionCode, make_code, new_secret, parse_code
from common.errors import CodeError


@pytest.mark.parametrize(
    "typed",
    [
        "482-519-307",
        "482519307",
        "482 519 307",
        "  482.519.307  ",
        "４８２－５１９－３０７",  # full-width digits and dash, as a Korean IME types them
        "482\u3000519\u3000307",  # ideographic space
        "482 - 519 - 307",
        "482–519–307",  # en dash, as word processors change it
    ],
)
def test_what_people_type_is_accepted(typed: str) -> None:
    code = parse_code(typed)
    assert code.nameplate == "482" and code.secret == "519307"
    assert code.display() == "482-519-307"


def test_longer_nameplates_when_the_relay_is_busy() -> None:
    code = parse_code("104 482 519 307")
    assert (code.nameplate, code.secret) == ("104482", "519307")
    assert str(code) == "104-482-519-307"


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


@given(st.integers(0, 10**12 - 1), st.integers(0, 10**6 - 1))
def test_display_round_trips(nameplate: int, secret: int) -> None:
    digits = str(nameplate)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    code = make_code(digits, str(secret).zfill(6))
    assert parse_code(code.display()) == code
    assert parse_code(code.display(" ")) == code


def test_secret_is_fresh_and_six_digits() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert all(len(s) == 6 and s.isdigit() for s in secrets)
    assert len(secrets) > 45


def test_secret_never_appears_in_repr() -> None:
    code = SessionCode("482", "519307")
    assert "519307" not in repr(code)
