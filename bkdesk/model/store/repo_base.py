"""The one audited write used by every repository: insert or update a record row, bump rev, log fields."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.store import audit


def insert_row(conn: sqlite3.Connection, table: str, values: dict) -> None:
    conn.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                 tuple(values.values()))


def update_row(conn: sqlite3.Connection, table: str, key: str, key_value: str, values: dict) -> None:
    conn.execute(f"UPDATE {table} SET {', '.join(f'{k}=?' for k in values)} WHERE {key}=?",
                 (*values.values(), key_value))


def local_origin(conn: sqlite3.Connection) -> str:
    """This database's installation id: the origin of every record written here (read-only lookup, so it
    is safe inside a transaction)."""
    row = conn.execute("SELECT value FROM setting WHERE key='installation_id'").fetchone()
    return row[0] if row and row[0] else ""


def stamp(old_rev: int | None, user: str, origin: str, at: str) -> dict:
    return {"rev": (old_rev or 0) + 1, "updated_at": at, "updated_by": user, "origin": origin}


def upsert_audited(conn: sqlite3.Connection, table: str, key: str, key_value: str, new: dict, *, user: str,
                   reason: str = "", origin: str = "", at: str | None = None, expected_rev: int | None = None,
                   extra: dict | None = None) -> int:
    """Write ``new`` (the record's data fields) into ``table`` inside the caller's transaction.

    Inserts with rev 1, or updates (rev + 1) only when a data field changed; ``extra`` columns (derived
    caches such as search keys) are written without bumping rev or auditing. Returns the stored rev.
    Raises UserError when ``expected_rev`` is given and the stored rev differs (edited elsewhere).
    """
    at = at or audit.now_iso()
    origin = origin or local_origin(conn)
    extra = extra or {}
    old_row = conn.execute(f"SELECT * FROM {table} WHERE {key}=?", (key_value,)).fetchone()
    if old_row is None:
        insert_row(conn, table, {key: key_value, **new, **extra, **stamp(0, user, origin, at)})
        audit.record_change(conn, table, key_value, None, new, user, reason, origin, at)
        return 1
    if expected_rev and old_row["rev"] != expected_rev:
        raise UserError("Bản ghi này vừa được sửa ở nơi khác; hãy mở lại trước khi lưu.")
    old = {k: old_row[k] for k in new}
    if audit.diff(old, new):
        update_row(conn, table, key, key_value, {**new, **extra, **stamp(old_row["rev"], user, origin, at)})
        audit.record_change(conn, table, key_value, old, new, user, reason, origin, at)
        return old_row["rev"] + 1
    if extra:
        update_row(conn, table, key, key_value, extra)
    return old_row["rev"]


def delete_audited(conn: sqlite3.Connection, table: str, key: str, key_value: str, *, user: str, reason: str = "",
                   origin: str = "", at: str | None = None) -> None:
    row = conn.execute(f"SELECT * FROM {table} WHERE {key}=?", (key_value,)).fetchone()
    if row is None:
        return
    origin = origin or local_origin(conn)
    old = {k: row[k] for k in row.keys() if k not in ("rev", "updated_at", "updated_by", "origin")}
    conn.execute(f"DELETE FROM {table} WHERE {key}=?", (key_value,))
    audit.record_change(conn, table, key_value, old, None, user, reason, origin, at)
