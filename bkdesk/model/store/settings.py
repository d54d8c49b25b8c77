"""Settings that travel with the data (scope, commune, officer, installation id) in the `setting` table."""

from __future__ import annotations

import uuid

from bkdesk.dbapi import sqlite3
from bkdesk.model.store.db import transaction

SCOPE = "scope"  # commune | district | province
SCOPE_CODE = "scope_code"
TREE = "tree"
OFFICER = "officer"
INSTALLATION_ID = "installation_id"
REVIEW_YEAR = "review_year"
IS_DEMO = "is_demo"


def get(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM setting WHERE key=?", (key,)).fetchone()
    return row[0] if row and row[0] is not None else default


def put(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    conn.execute("INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 (key, value))


def put_many(conn: sqlite3.Connection, values: dict[str, str | None]) -> None:
    with transaction(conn):
        for k, v in values.items():
            put(conn, k, v)


def installation_id(conn: sqlite3.Connection) -> str:
    """Stable id of this database's installation, created on first use."""
    value = get(conn, INSTALLATION_ID)
    if value is None:
        value = str(uuid.uuid4())
        with transaction(conn):
            put(conn, INSTALLATION_ID, value)
    return value


def officer(conn: sqlite3.Connection) -> str:
    """Who is working: the logged-in user's name, else the officer named when the database was set up."""
    session = getattr(conn, "session", None)
    if session is not None:
        return session.display_name or session.username
    return get(conn, OFFICER, "") or ""
