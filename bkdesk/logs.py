"""Logging for the desk and the command line: one rotating file in the user log folder.

Modules log through ``logging.getLogger(__name__)`` (children of the "bkdesk" logger); ``setup_logging``,
called once by the GUI (ui/error_hook.py) and by the command line (cli/main.py), sends them to
``<log folder>/bkdesk.log`` (1 MB, 5 old files kept). No Qt here.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs

APP_NAME = "bkdesk"
LOG_NAME = "bkdesk.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

ROOT = logging.getLogger("bkdesk")
_handler: logging.Handler | None = None


def log_dir() -> Path:
    """The user log folder (platformdirs; redirected by XDG_STATE_HOME on Linux)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> logging.Handler:
    """Send the "bkdesk" loggers to the log file; calling it again reuses the handler (or moves it when the
    log folder changed). A folder that cannot be written leaves logging off rather than stopping the app."""
    global _handler
    path = log_file()
    if (isinstance(_handler, logging.FileHandler) and _handler in ROOT.handlers
            and Path(_handler.baseFilename) == path.resolve()):
        ROOT.setLevel(level)
        return _handler
    if _handler is not None:
        ROOT.removeHandler(_handler)
        _handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    ROOT.addHandler(handler)
    ROOT.setLevel(level)
    _handler = handler
    return handler
