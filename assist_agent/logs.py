"""The agent's log file, and the last-resort handler that turns a crash into a sentence.

Tracebacks go to ``agent.log`` in the user's data folder; people only ever
see a translated sentence.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

from assist_agent.config import data_dir
from assist_ui.crash import CrashHook

LOG_NAME = "agent.log"


def setup(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Log to a rotating file in the data folder. Returns its path."""
    folder = folder if folder is not None else data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=2, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path


def install_excepthook(show: Callable[[], None]) -> CrashHook:
    """Log any uncaught exception (also from Qt slots and threads), then call ``show`` on
    the GUI thread. Keep the returned object while the app runs."""
    hook = CrashHook(show, "assist_agent")
    hook.install()
    return hook
