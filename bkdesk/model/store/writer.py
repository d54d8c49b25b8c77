"""One writer at a time in this process: the officer's save never races a merge, a restore or a backup.

SQLite lets one connection write at a time and makes the others wait (busy_timeout) or fail with
"database is locked". In the desk the waiting one would be the GUI thread (frozen for seconds, then an
error). So every background writer (merge, restore, daily backup, imports) runs inside
``WRITERS.writing("gộp gói dữ liệu")``, and the desk asks ``WRITERS.busy()`` before a save: while another
writer runs it shows who, waits and retries (bkdesk.ui.write_wait), and never blocks the GUI thread.
Another *process* holding the database (a command-line merge) is met as an SQLite "locked" error, which
the same retry loop handles.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError


class DatabaseBusy(UserError):
    """The database is being written by another operation; the message names it."""


def busy_message(what: str | None) -> str:
    who = f"thao tác «{what}»" if what else "một thao tác khác (có thể là một cửa sổ hoặc lệnh bkdesk khác)"
    return f"Cơ sở dữ liệu đang được dùng bởi {who}; đang chờ thao tác đó xong…"


def is_locked(exc: BaseException) -> bool:
    """An SQLite error that only means "someone else is writing now" (worth waiting for)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class WriterQueue:
    def __init__(self) -> None:
        self._lock = threading.RLock()  # re-entrant: a save retried inside its own turn takes it again
        self._current: str | None = None
        self._owner: int | None = None
        self._depth = 0

    def busy(self) -> str | None:
        """What another thread is writing now (a Vietnamese label), or None (free, or held by this thread)."""
        if self._owner is None or self._owner == threading.get_ident():
            return None
        return self._current or ""

    @contextlib.contextmanager
    def writing(self, what: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the process's write turn for ``what``; wait up to ``timeout`` s (None: as long as it takes)."""
        got = self._lock.acquire(timeout=-1 if timeout is None else max(timeout, 0))
        if not got:
            raise DatabaseBusy(busy_message(self._current))
        if self._depth == 0:
            self._current, self._owner = what, threading.get_ident()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._current, self._owner = None, None
            self._lock.release()


WRITERS = WriterQueue()
