"""Translations: one Qt catalogue for both apps, English source text, Korean translation.

Every user-facing string goes through Qt's translation system: widgets call
``self.tr(...)``, other code ``QCoreApplication.translate(context, ...)``. The
sentences of :mod:`common.errors` are translated in context ``"errors"`` by
:func:`error_text`. The catalogue is ``assist_ui/i18n/assist_ko.ts`` (source)
and its compiled ``assist_ko.qm``; ``make i18n`` refreshes both, and
``tests/app/test_translations.py`` fails if any string lacks a Korean translation.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDateTime, QLibraryInfo, QLocale, QTranslator

from common.errors import AssistError

CATALOGUE_DIR = Path(__file__).with_name("i18n")
LANGUAGES = ("en", "ko")

_installed: list[QTranslator] = []


def choose_language(requested: str | None) -> str:
    """``--lang`` wins; then ASSIST_LANG; then the system locale; English otherwise."""
    lang = requested or os.environ.get("ASSIST_LANG")
    if not lang:
        lang = QLocale.system().name().split("_")[0]
    return lang if lang in LANGUAGES else "en"


def install(app: QCoreApplication, requested: str | None = None) -> str:
    """Install the translator for the chosen language. Returns the language used."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    lang = choose_language(requested)
    if lang != "en":
        translator = QTranslator(app)
        if translator.load(str(CATALOGUE_DIR / f"assist_{lang}.qm")):
            app.installTranslator(translator)
            _installed.append(translator)
        # Qt's own words (OK, Cancel, Yes, No in standard buttons and dialogs), from
        # the catalogue that comes with Qt.
        qt = QTranslator(app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt.load(f"qtbase_{lang}", qt_dir):
            app.installTranslator(qt)
            _installed.append(qt)
    QLocale.setDefault(
        QLocale(QLocale.Language.Korean if lang == "ko" else QLocale.Language.English)
    )
    return lang


def error_text(error: AssistError) -> str:
    """The error's sentence in the installed language."""
    return error.translated(lambda s: QCoreApplication.translate("errors", s))


def when_text(unix_s: float) -> str:
    """A day and time in this computer's zone and the installed language:
    "Tue 2 Dec, 09:00" / "12월 2일 (수) 09:00"."""
    moment = QDateTime.fromSecsSinceEpoch(int(unix_s)).toLocalTime()
    locale = QLocale()
    if locale.language() is QLocale.Language.Korean:
        return locale.toString(moment, "M월 d일 (ddd) HH:mm")
    return locale.toString(moment, "ddd d MMM, HH:mm")
