"""Prints and data exports in the audit log (households.md §16: who printed or exported what, and when).

One audit row per output file: table ``output``, the unit and round as the record (``<unit>:<year>``, with
``-MM`` for a month of regular review and ``:<village>`` for one village), action ``insert`` (the schema's
actions are insert/update/delete: an output is a new entry of this log), field ``print``, ``export`` or
``preview`` (tables shown in the print preview, which prints straight to a printer) with the file name as
its value, the output's Vietnamese label as the reason; the user is the logged-in one
(audit.record_change). Written after the file, in a transaction of its own."""

from __future__ import annotations

from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import audit, settings
from bkdesk.model.store.access import current_user
from bkdesk.model.store.db import transaction

TABLE = "output"
PRINT = "print"
EXPORT = "export"
PREVIEW = "preview"
ACTIONS = (PRINT, EXPORT, PREVIEW)


def output_key(unit_code: str | None, review_year: int | None, month: int | None = None,
               village: str | None = None) -> str:
    key = f"{unit_code or ''}:{review_year or ''}" + (f"-{int(month):02d}" if month else "")
    return key + (f":{village}" if village else "")


def record_output(conn: sqlite3.Connection, action: str, what: str, path: str | Path, unit_code: str | None,
                  review_year: int | None, month: int | None = None, village: str | None = None) -> None:
    """Write the audit row of one printed or exported file (``path``: its name; a preview names none)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown output action {action!r}")
    user = current_user(conn) or settings.officer(conn) or "bkdesk"
    with transaction(conn):
        audit.record_change(conn, TABLE, output_key(unit_code, review_year, month, village), None,
                            {action: Path(path).name if path else ""}, user, reason=what)


def outputs(conn: sqlite3.Connection, limit: int = 200) -> list[sqlite3.Row]:
    """The latest prints and exports, newest first."""
    return conn.execute("SELECT at, user, field AS action, record_uid, new_value AS file, reason FROM audit_log "
                        "WHERE table_name=? ORDER BY id DESC LIMIT ?", (TABLE, limit)).fetchall()
