"""The agent's log file, and the last-resort handler that turns a crash into a sentence.

Tracebacks go to ``agent.log`` in the user's data folder; people only ever
see a translated sentence.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from assist_agent.config import data_dir

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


def install_excepthook(show: Callable[[], None]) -> None:
    """Log any uncaught exception (also from Qt slots and threads), then call ``show``."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        logging.getLogger("assist_agent").error("unexpected error", exc_info=(kind, exc, tb))
        try:
            show()
        except Exception:  # noqa: BLE001 - never raise from the hook itself
            logging.getLogger("assist_agent").exception("could not show the error")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            logging.getLogger("assist_agent").error(
                "unexpected error in thread %s",
                args.thread.name if args.thread else "?",
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )

    sys.excepthook = hook
    threading.excepthook = thread_hook
