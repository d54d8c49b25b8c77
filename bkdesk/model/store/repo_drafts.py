"""Unsaved editor drafts (autosaved every 30 s), restored after a crash. One row per key."""

from __future__ import annotations

import json

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import audit
from bkdesk.model.store.db import transaction


def save_draft(conn: sqlite3.Connection, key: str, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    with transaction(conn):
        conn.execute("INSERT INTO draft (key, data, saved_at) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET "
                     "data=excluded.data, saved_at=excluded.saved_at", (key, text, audit.now_iso()))


def load_draft(conn: sqlite3.Connection, key: str) -> dict | None:
    row = conn.execute("SELECT data FROM draft WHERE key=?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def delete_draft(conn: sqlite3.Connection, key: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM draft WHERE key=?", (key,))


def list_drafts(conn: sqlite3.Connection, prefix: str = "") -> list[tuple[str, str]]:
    """(key, saved_at) of the drafts whose key starts with ``prefix``, newest first."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT key, saved_at FROM draft WHERE substr(key, 1, ?)=? ORDER BY saved_at DESC", (len(prefix), prefix))]
