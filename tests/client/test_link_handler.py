"""Support links open the app: a desktop entry and a default for assist: links."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from assist_client import link_handler
from assist_client.main import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop.org entries")
def test_registering_writes_the_entry_and_keeps_other_defaults(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mimeapps = home / "config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True)
    mimeapps.write_text("[Default Applications]\ntext/html=firefox.desktop\n")
    assert main(["--register-link-handler"]) == 0
    assert "Support links (assist://help?...) now open Assist" in capsys.readouterr().out
    entry = (home / "data" / "applications" / link_handler.ENTRY).read_text()
    assert "MimeType=x-scheme-handler/assist;" in entry and " %u" in entry
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment, method-assign]
    parsed.read(mimeapps)
    defaults = parsed["Default Applications"]
    assert defaults["x-scheme-handler/assist"] == link_handler.ENTRY
    assert defaults["text/html"] == "firefox.desktop"
    # Twice is the same as once.
    link_handler.register("/opt/assist-client")
    again = configparser.ConfigParser(interpolation=None)
    again.optionxform = str  # type: ignore[assignment, method-assign]
    again.read(mimeapps)
    assert again["Added Associations"]["x-scheme-handler/assist"] == f"{link_handler.ENTRY};"


def test_a_bad_support_link_is_one_sentence(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assist://help?relay=r&org=Acme"]) == 2
    assert capsys.readouterr().err.strip() == (
        "assist-client: a support link needs relay=, org= and fp=."
    )
