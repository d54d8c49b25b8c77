"""A save that waits its turn: while a merge (or any background writer, or another bkdesk process) writes
the database, the desk shows who is writing, keeps the officer's work on screen and retries; the GUI
thread never blocks on SQLite's lock.

Use (editor save):

    save_when_free(self, lambda: save_household(conn, bundle, user), on_saved=..., on_failed=...)

``on_failed(message)`` gets one Vietnamese line (disk full, locked too long...); the caller keeps the
form as it is, so nothing typed is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.fileio import os_error_message
from bkdesk.model.store.db import short_busy_wait, sqlite_error_message
from bkdesk.model.store.writer import WRITERS, DatabaseBusy, busy_message, is_locked

RETRY_MS = 300
GIVE_UP_S = 120.0


def _status(widget: QWidget | None, text: str) -> None:
    window = widget.window() if widget is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, 0 if text else 1)
    parent = widget.parentWidget() if widget is not None else None
    if parent is not None and isinstance(parent.window(), QMainWindow) and parent.window() is not window:
        parent.window().statusBar().showMessage(text, 0 if text else 1)


class SaveWhenFree(QObject):
    """One pending save; ``waiting`` is the message shown while it waits ("" once done)."""

    def __init__(self, widget: QWidget | None, save: Callable[[], object], on_saved: Callable[[object], None],
                 on_failed: Callable[[str], None], what: str = "lưu hộ", give_up_s: float = GIVE_UP_S,
                 conn: sqlite3.Connection | None = None):
        super().__init__(widget)
        self.widget, self.save, self.on_saved, self.on_failed = widget, save, on_saved, on_failed
        self.conn = conn
        self.what, self.deadline = what, time.monotonic() + give_up_s
        self.waiting = ""
        self.done = False  # kept as a child of ``widget`` (deleted with it), never deleteLater'd mid-callback
        self.timer = QTimer(self, singleShot=True, interval=RETRY_MS)
        self.timer.timeout.connect(self.attempt)

    def _wait(self, text: str) -> None:
        if time.monotonic() > self.deadline:
            self._fail(text.replace("; đang chờ thao tác đó xong…", "") + ". Chưa lưu được; nội dung đang nhập "
                       "vẫn giữ nguyên, hãy lưu lại sau.")
            return
        self.waiting = text
        _status(self.widget, text)
        self.timer.start()

    def _fail(self, message: str) -> None:
        self.waiting = ""
        _status(self.widget, message)
        self.on_failed(message)
        self.done = True

    def attempt(self) -> None:
        other = WRITERS.busy()
        if other is not None:
            self._wait(busy_message(other))
            return
        try:
            with WRITERS.writing(self.what, timeout=0), short_busy_wait(self.conn):
                result = self.save()
        except DatabaseBusy as exc:  # lost the race for the turn, or another process holds the lock
            self._wait(busy_message(WRITERS.busy()) if WRITERS.busy() is not None else str(exc))
            return
        except UserError as exc:
            self._fail(str(exc))
            return
        except sqlite3.Error as exc:
            if is_locked(exc):  # another process writes (a command-line merge)
                self._wait(busy_message(None))
            else:
                self._fail(sqlite_error_message(exc))
            return
        except OSError as exc:
            self._fail(os_error_message(exc))
            return
        if self.waiting:
            _status(self.widget, "")
        self.waiting = ""
        self.on_saved(result)
        self.done = True


def save_when_free(widget: QWidget | None, save: Callable[[], object], on_saved: Callable[[object], None],
                   on_failed: Callable[[str], None], what: str = "lưu hộ", give_up_s: float = GIVE_UP_S,
                   conn: sqlite3.Connection | None = None) -> SaveWhenFree:
    """Try now; while the database is busy, say so and retry every 300 ms (up to ``give_up_s``).
    Pass the GUI's ``conn`` so that a lock held by another process is met after 200 ms, not 10 s."""
    pending = SaveWhenFree(widget, save, on_saved, on_failed, what, give_up_s, conn)
    pending.attempt()
    return pending
