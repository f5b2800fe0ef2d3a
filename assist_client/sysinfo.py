"""What "Attach system information" sends with a help request: the operating system
and its version, this app's version and the screens — only when the customer ticks
the box (the Get help form shows the very text before it is sent).

Nothing here reads files, user names, addresses or anything else about the person.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata

from assist_client.monitors import Monitor

__all__ = ["app_version", "describe"]


def app_version() -> str:
    try:
        return metadata.version("assist")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def _os() -> str:
    system = platform.system() or "unknown system"
    if system == "Linux":
        try:
            release = platform.freedesktop_os_release()
        except OSError:
            release = {}
        name = release.get("PRETTY_NAME") or release.get("NAME")
        if name:
            return f"{name} (Linux {platform.release()})"
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}"
    return f"{system} {platform.release()}"


def describe(monitors: Iterable[Monitor], extra: str = "") -> str:
    """One short paragraph an agent can read at a glance (at most 2000 characters)."""
    screens = ", ".join(
        f"{m.width}×{m.height}"
        + (f" at {m.scale:g}×" if m.scale != 1 else "")
        + (" (main)" if m.primary else "")
        for m in monitors
    )
    parts = [f"System: {_os()}", f"Assist {app_version()}", f"Screens: {screens or 'none'}"]
    if extra.strip():
        parts.append(extra.strip())
    return "; ".join(parts)[:2000]
