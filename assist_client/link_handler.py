"""Opening support links: make ``assist://help?...`` links open the customer's app.

An organisation's support page carries a link with its relay and the fingerprint
of its key (``common.identity.parse_support_link``). When the customer clicks it,
the browser asks the desktop which program handles ``assist:`` links. On Linux
desktops that follow freedesktop.org this is a ``.desktop`` entry with
``MimeType=x-scheme-handler/assist`` and a default in ``mimeapps.list``; this
module writes both for the current user (``assist-client --register-link-handler``),
as ``xdg-mime default`` would, without needing that tool.
"""

from __future__ import annotations

import configparser
import os
import shlex
import sys
from pathlib import Path

import platformdirs

SCHEME = "x-scheme-handler/assist"
ENTRY = "assist-client-link.desktop"


def register(executable: str | None = None) -> list[Path]:
    """Register this app for ``assist:`` links; returns the files written.

    Raises OSError (with the path) when a file cannot be written, and
    NotImplementedError on systems without freedesktop.org desktop entries.
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise NotImplementedError(
            "registering for assist: links is not available on this system; "
            "open a support link by giving it to assist-client"
        )
    program = executable or _this_program()
    apps = Path(platformdirs.user_data_dir("applications", appauthor=False))
    apps.mkdir(parents=True, exist_ok=True)
    entry = apps / ENTRY
    entry.write_text(
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Assist (support link)\n"
        "Name[ko]=Assist (지원 링크)\n"
        f"Exec={shlex.quote(program)} %u\n"
        f"MimeType={SCHEME};\n"
        "NoDisplay=true\n"
        "Terminal=false\n",
        encoding="utf-8",
    )
    mimeapps = Path(platformdirs.user_config_dir(appauthor=False)) / "mimeapps.list"
    _set_default(mimeapps, SCHEME, ENTRY)
    return [entry, mimeapps]


def _this_program() -> str:
    here = Path(sys.executable).parent / "assist-client"
    return str(here) if here.exists() else os.path.abspath(sys.argv[0])


def _set_default(path: Path, mime: str, entry: str) -> None:
    """``[Default Applications] mime=entry``, keeping everything else in the file."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys keep their case
    if path.exists():
        parser.read(path, encoding="utf-8")
    for section in ("Default Applications", "Added Associations"):
        if not parser.has_section(section):
            parser.add_section(section)
    parser["Default Applications"][mime] = entry
    added = parser["Added Associations"].get(mime, "")
    if entry not in added.split(";"):
        parser["Added Associations"][mime] = f"{entry};{added}".rstrip(";") + ";"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        parser.write(f, space_around_delimiters=False)
