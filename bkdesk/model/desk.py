"""The desk context: what the officer's screens share, without Qt.

One object per open database: its path, one connection per thread (opened lazily on the thread that asks),
the current officer, the scope (commune code and unit list, review year, list year), the operations the
screens call (household list queries, totals, village counts, villages, saving a household through its
editing model), and a small observer mechanism that ANNOUNCES what changed so every screen refreshes from
the announcement instead of screens calling each other. The UI wraps it in a QObject that re-emits the
announcements as Qt signals.

Announcements (``EVENTS``): ``household_saved(uid)``, ``households_changed()`` (many at once: an import, a
restore, a confirmation of a whole village), ``villages_changed()``, ``round_changed()``, ``merge_done()``.
Screens that open their own connection (background jobs, dialogs given the database path) call
``announce`` when they are done.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.review import household_remove
from bkdesk.model.review.household_edit import HouseholdEdit, SaveResult
from bkdesk.model.review.rounds import confirm_household
from bkdesk.model.rules.codelists import CodeLists, codelists
from bkdesk.model.rules.standards import list_year_for
from bkdesk.model.rules.units import TREE_2022
from bkdesk.model.store import access, repo_desk, repo_drafts, repo_standards, settings
from bkdesk.model.store.db import open_db, short_busy_wait, sqlite_error_message
from bkdesk.model.store.repo_units import unit_name
from bkdesk.model.store.repo_villages import create_village, list_villages, rename_village
from bkdesk.model.store.writer import WRITERS, DatabaseBusy, is_locked

log = logging.getLogger(__name__)

EVENTS = ("household_saved", "households_changed", "villages_changed", "round_changed", "merge_done")


class DeskContext:
    """The open database as the desk's screens see it."""

    def __init__(self, path: str | Path, conn: sqlite3.Connection | None = None,
                 opener: Callable[[Path], sqlite3.Connection] = open_db):
        self.path = Path(path)
        self._opener = opener
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Callable]] = defaultdict(list)
        if conn is not None:  # the caller's connection on this thread; the caller closes it
            self._local.conn = conn
        self.reload_scope()

    # --- connections ------------------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use; SQLite connections stay on their thread)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._opener(self.path)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def connect(self) -> sqlite3.Connection:
        return self.conn

    def close(self) -> None:
        """Close the connections this context opened (a connection given to it stays with its owner)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            try:
                conn.close()
            except sqlite3.ProgrammingError:  # opened on another thread: that thread closes it at exit
                log.debug("connection of another thread left to its thread")
        self._local = threading.local()

    # --- scope ------------------------------------------------------------------------------------------

    def reload_scope(self) -> None:
        conn = self.conn
        self.scope = settings.get(conn, settings.SCOPE) or ""
        self.commune_code = settings.get(conn, settings.SCOPE_CODE) or ""
        self.unit_list = settings.get(conn, settings.TREE) or TREE_2022
        self.review_year = int(settings.get(conn, settings.REVIEW_YEAR) or 0) or None
        self.list_year = list_year_for("periodic", self.review_year) if self.review_year else None
        self.is_demo = settings.get(conn, settings.IS_DEMO) in ("1", "true", "yes")
        if repo_desk.current_is_missing(conn):  # loaded by a path that predates household_current
            repo_desk.fill_current(conn)

    def codelists(self) -> CodeLists:
        """The code lists of the standard of the desk's list year."""
        std_id = repo_standards.standard_for_list_year(self.list_year, self.conn).id if self.list_year else \
            "vn-2022-2026"
        return codelists(std_id)

    @property
    def user(self) -> str:
        return settings.officer(self.conn)

    @property
    def session(self):
        """The logged-in user (users.Session: username, display name, roles), None on a plain file."""
        return access.session_of(self.conn)

    def can(self, permission: str) -> bool:
        """Whether the logged-in user may do an operation (model.rules.roles: EDIT, CONFIRM, ROUND, PRINT…):
        the screens hide or disable what the model would refuse anyway (access.require)."""
        return access.allowed(self.conn, permission)

    def unit_name(self, code: str | None = None) -> str | None:
        code = code or self.commune_code
        return unit_name(self.conn, code, self.unit_list) if code else None

    # --- announcements ----------------------------------------------------------------------------------

    def subscribe(self, event: str, fn: Callable) -> Callable[[], None]:
        """Call ``fn(*args)`` on each announcement of ``event``; returns the function that unsubscribes."""
        if event not in EVENTS:
            raise ValueError(f"unknown desk event {event!r}")
        self._listeners[event].append(fn)
        return lambda: self._listeners[event].remove(fn) if fn in self._listeners[event] else None

    def announce(self, event: str, *args) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown desk event {event!r}")
        if event in ("round_changed", "merge_done"):
            self.reload_scope()
        for fn in list(self._listeners[event]):
            fn(*args)

    # --- household list ---------------------------------------------------------------------------------

    def desk_filter(self) -> repo_desk.DeskFilter:
        return repo_desk.DeskFilter(commune_code=self.commune_code or None, list_year=self.list_year)

    def household_uids(self, f: repo_desk.DeskFilter, sort: str = "household_no", descending: bool = False):
        return repo_desk.household_uids(self.conn, f, sort, descending)

    def row_data(self, uids: list[str]) -> dict[str, dict]:
        return repo_desk.row_data(self.conn, uids, self.list_year)

    def totals(self) -> dict[str, int]:
        return repo_desk.totals(self.conn, self.commune_code or None, self.list_year)

    def village_counts(self) -> dict[str | None, int]:
        return repo_desk.village_counts(self.conn, self.commune_code or None)

    def villages(self) -> list[dict]:
        return [dict(r) for r in list_villages(self.conn, self.commune_code or None)]

    # --- villages ---------------------------------------------------------------------------------------

    def create_village(self, name: str) -> str:
        uid = create_village(self.conn, self.commune_code, name, self.user)
        self.announce("villages_changed")
        return uid

    def rename_village(self, uid: str, name: str) -> None:
        rename_village(self.conn, uid, name, self.user)
        self.announce("villages_changed")

    # --- households -------------------------------------------------------------------------------------

    def open_household(self, uid: str) -> HouseholdEdit | None:
        return HouseholdEdit.load(self.connect, uid, self.review_year, self.list_year, self.user)

    def new_household(self, village_uid: str | None = None) -> HouseholdEdit:
        if not self.review_year:
            from bkdesk.errors import UserError

            raise UserError("Cơ sở dữ liệu chưa có năm rà soát.")
        return HouseholdEdit.new(self.connect, self.commune_code, self.review_year, village_uid, self.user)

    def save_household(self, edit: HouseholdEdit) -> SaveResult:
        """Save through the editing model, then announce ``household_saved``.

        The save takes the process's write turn without waiting (bkdesk.model.store.writer): while a merge,
        a restore or an import writes, or another process holds the database for more than 0.2 s, it raises
        DatabaseBusy / UserError with one line naming the cause, and nothing is half saved; the editor
        keeps the work and retries (bkdesk.ui.write_wait)."""
        with self._write_turn("lưu hộ"):
            result = edit.save()
        self.announce("household_saved", result.uid)
        return result

    @contextlib.contextmanager
    def _write_turn(self, what: str):
        """The process's write turn, taken without waiting (see save_household); a locked database or a
        full disk becomes DatabaseBusy / UserError with one line naming the cause."""
        try:
            with WRITERS.writing(what, timeout=0), short_busy_wait(self.conn):
                yield
        except sqlite3.OperationalError as exc:  # locked by another process, disk full
            raise (DatabaseBusy if is_locked(exc) else UserError)(sqlite_error_message(exc)) from None

    def confirm_household(self, uid: str) -> tuple[bool, str]:
        """Confirm the household's review of the desk's periodic round (draft -> confirmed, audited).
        Returns (confirmed, the reason when the record is still incomplete); announces ``household_saved``."""
        if not self.review_year:
            raise UserError("Cơ sở dữ liệu chưa có năm rà soát.")
        with self._write_turn("xác nhận hộ"):
            done, reason = confirm_household(self.conn, uid, self.review_year, self.user)
        if done:
            self.announce("household_saved", uid)
        return done, reason

    def removal_refusal(self, uid: str) -> str:
        """Why the household may not be removed as entered in error ("" when it may)."""
        return household_remove.refusal(self.conn, uid)

    def remove_household(self, uid: str, reason: str) -> household_remove.Removed:
        """Remove a household entered in error (model.review.household_remove), in the process's write turn
        like a save; announces ``households_changed`` (it leaves the list, the counts and the village tree)."""
        with self._write_turn("xóa hộ"):
            removed = household_remove.remove_household(self.conn, uid, reason, self.user)
        self.announce("households_changed")
        return removed

    def drafts(self) -> list[tuple[str, str, dict]]:
        """(key, saved_at, data) of the editor drafts a crash left behind."""
        out = []
        for key, saved_at in repo_drafts.list_drafts(self.conn, "household:"):
            data = repo_drafts.load_draft(self.conn, key)
            if (data or {}).get("state"):
                out.append((key, saved_at, data))
        return out

    def restore_draft(self, data: dict) -> HouseholdEdit:
        return HouseholdEdit.from_draft(self.connect, data, self.user)

    def drop_draft(self, key: str) -> None:
        repo_drafts.delete_draft(self.conn, key)
