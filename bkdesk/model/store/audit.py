"""Append-only audit log: who changed what, when, from which value to which, and why."""

from __future__ import annotations

import datetime as dt
import json

from bkdesk.dbapi import sqlite3


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def diff(old: dict | None, new: dict | None) -> list[tuple[str, object, object]]:
    """Changed fields as (field, old, new); a missing side counts as all-None."""
    old, new = old or {}, new or {}
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [(k, old.get(k), new.get(k)) for k in keys if _text(old.get(k)) != _text(new.get(k))]


# The columns one audit row carries, in the order the sync package and append_rows use.
COLUMNS = ("at", "user", "table_name", "record_uid", "action", "field", "old_value", "new_value", "reason", "origin")


def record_change(conn: sqlite3.Connection, table: str, uid: str, old: dict | None, new: dict | None,
                  user: str, reason: str = "", origin: str = "", at: str | None = None,
                  action: str | None = None) -> int:
    """Write one audit row per changed field (inside the caller's transaction). Returns rows written.

    The action follows from the sides (no old: insert, no new: delete, else update) unless given, for a new
    record that replaces a previous value (a standard's next revision keeps the one it replaces as old value).
    """
    session = getattr(conn, "session", None)
    if session is not None:  # the logged-in user, whatever name the caller had at hand
        user = session.username
    action = action or ("insert" if old is None else "delete" if new is None else "update")
    at = at or now_iso()
    rows = [(at, user, table, uid, action, f, _text(o), _text(n), reason, origin) for f, o, n in diff(old, new)]
    if not rows and action != "update":
        rows = [(at, user, table, uid, action, None, None, None, reason, origin)]
    append_rows(conn, rows)
    return len(rows)


def append_rows(conn: sqlite3.Connection, rows) -> None:
    """Append audit rows given whole (tuples in COLUMNS order): the entries a merged package brings."""
    conn.executemany(f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                     rows)


def history(conn: sqlite3.Connection, table: str, uid: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM audit_log WHERE table_name=? AND record_uid=? ORDER BY id",
                        (table, uid)).fetchall()
