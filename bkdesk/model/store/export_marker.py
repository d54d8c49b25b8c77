"""The "last exported" marker: the id of the last audit row included in an exported package, per exported unit.

Changes after it are "unexported": the package writer reads it to know which audit entries to send and moves
it after an export; restore and the desk ask how many changes a restore or a lost laptop would cost.
"""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import settings
from bkdesk.model.store.db import transaction

# Setting key: KEY_PREFIX + ":" + unit code. Databases in the field hold it under this name: never rename.
KEY_PREFIX = "sync_last_exported_audit_id"


def _key(unit_code: str) -> str:
    return f"{KEY_PREFIX}:{unit_code}"


def _database_unit(conn: sqlite3.Connection) -> str:
    return settings.get(conn, settings.SCOPE_CODE, "") or ""


def last_exported_audit_id(conn: sqlite3.Connection, unit_code: str | None = None) -> int:
    """The marker of ``unit_code`` (0: never exported). Without a unit: the database unit's marker, or
    without one the highest marker of any unit this database exported."""
    if unit_code is not None:
        return _as_id(settings.get(conn, _key(unit_code)))
    own = settings.get(conn, _key(_database_unit(conn)))
    if own is not None:
        return _as_id(own)
    values = [r[0] for r in conn.execute("SELECT value FROM setting WHERE key LIKE ?", (KEY_PREFIX + ":%",))]
    return max((_as_id(v) for v in values), default=0)


def last_audit_id(conn: sqlite3.Connection) -> int:
    """The newest audit row's id (0 when none): an export compares it before and after to know whether its
    own audit row may move the marker."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


def _as_id(value) -> int:
    return int(value) if value is not None and str(value).isdigit() else 0


def set_last_exported_audit_id(conn: sqlite3.Connection, unit_code: str, audit_id: int) -> None:
    """Move the unit's marker in a transaction of its own (after the package file is written)."""
    with transaction(conn):
        settings.put(conn, _key(unit_code), str(audit_id))


def unexported_change_count(conn: sqlite3.Connection) -> int:
    """Audit rows written after the last package export (all of them if nothing was ever exported); the rows
    of prints and exports (repo_outputs) change no data and are not counted."""
    since = last_exported_audit_id(conn)
    return conn.execute("SELECT count(*) FROM audit_log WHERE id > ? AND table_name != 'output'",
                        (since,)).fetchone()[0]
