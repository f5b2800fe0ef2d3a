"""Every user-facing string has a Korean translation, and Korean renders as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication

from assist_ui import i18n
from common.errors import WrongCodeError
from tools import i18n as catalogue


def test_every_string_has_a_korean_translation() -> None:
    gaps = catalogue.missing()
    assert gaps == [], "run `make i18n` and translate:\n" + "\n".join(
        f"[{ctx}] {src}" for ctx, src in gaps
    )


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.qm"
    catalogue.compile_qm(catalogue.TS, fresh)
    assert fresh.read_bytes() == catalogue.QM.read_bytes(), "run `make i18n`"


def test_errors_read_in_korean_when_korean_is_chosen(qapp: QGuiApplication) -> None:
    try:
        assert i18n.install(qapp, "ko") == "ko"
        assert i18n.error_text(WrongCodeError()).startswith("코드가 일치하지 않습니다")
        assert i18n.install(qapp, "en") == "en"
        assert i18n.error_text(WrongCodeError()).startswith("The code did not match")
    finally:
        i18n.install(qapp, "en")


def test_language_choice() -> None:
    assert i18n.choose_language("ko") == "ko"
    assert i18n.choose_language("fr") == "en"


def test_a_korean_font_is_available_so_hangul_is_not_boxes(qapp: QGuiApplication) -> None:
    families = QFontDatabase.families(QFontDatabase.WritingSystem.Korean)
    if not families:
        pytest.fail("no Korean-capable font installed (Debian: apt-get install fonts-nanum)")
    metrics = QFontMetrics(QFont())
    assert all(metrics.inFontUcs4(ord(ch)) for ch in "안녕하세요"), families
