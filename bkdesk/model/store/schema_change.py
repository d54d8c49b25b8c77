"""Schema changes SQLite's ALTER TABLE cannot do, for migrations: sqlite-utils' table rebuild, made safe for
bkdesk's schema.

``transform_table(conn, "plan_target", types={"households": int}, not_null={"unit_name"})`` changes column
types, NOT NULL, defaults, the primary key or foreign keys, renames or drops columns. sqlite-utils rebuilds
the table (create a new one, copy the rows, drop the old, rename) and recreates its indexes; this helper also
recreates the table's triggers (dropped with the old table) and refuses what a rebuild would silently lose.
It runs inside the migration's transaction (the runner's BEGIN IMMEDIATE): foreign-key checks are deferred to
the commit, and sqlite-utils refuses a table whose rows other tables reference with ON DELETE actions (those
would fire on the drop); such a migration must rebuild the children with it by hand.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from bkdesk.dbapi import sqlite3

# Parts of a CREATE TABLE that sqlite-utils' rebuild does not carry over.
_LOST = re.compile(r"\bCOLLATE\b|\bGENERATED\b|\bAS\s*\(|\bWITHOUT\s+ROWID\b", re.I)


class SchemaChangeError(RuntimeError):
    """A change this helper cannot make without losing part of the table's definition."""


def transform_table(conn: sqlite3.Connection, table: str, **changes) -> None:
    """Rebuild ``table`` with sqlite-utils ``Table.transform(**changes)``, keeping its indexes and triggers."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    if row is None:
        raise SchemaChangeError(f"no table {table}")
    if _LOST.search(row[0]):
        raise SchemaChangeError(f"{table}: a rebuild would lose its COLLATE, generated columns or WITHOUT ROWID;"
                                " write this migration's CREATE TABLE by hand")
    triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type='trigger' AND tbl_name=? ORDER BY rowid",
                            (table,)).fetchall()
    import sqlite_utils  # imported when used: it costs ~0.3 s, and opening a database never needs it

    sqlite_utils.Database(conn).table(table).transform(**changes)
    for (sql,) in triggers:
        conn.execute(sql)


@contextmanager
def objects_before_triggers_and_views(conn: sqlite3.Connection):
    """``with objects_before_triggers_and_views(conn):`` create tables and indexes in the block; the triggers and
    views are dropped before it and recreated after it (same SQL, same order). VACUUM INTO (backups, restore)
    writes every table and index before every trigger and view, so a table or index created after them would
    change place in the copy and break byte-level dump comparisons. Migrations call it: never change what it
    does."""
    later = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
                         " AND sql IS NOT NULL ORDER BY rowid").fetchall()
    for kind in ("trigger", "view"):  # triggers first: a trigger may sit on a view
        for k, name, _sql in later:
            if k == kind:
                conn.execute(f'DROP {kind.upper()} "{name}"')
    yield
    for _kind, _name, sql in later:
        conn.execute(sql)


def table_shape(conn: sqlite3.Connection) -> dict[str, dict]:
    """The schema as sqlite-utils reads it: per table its columns (name -> (type, not null, default, pk)),
    its indexes (name -> columns) and triggers; views under the key "" (names)."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    shape: dict[str, dict] = {}
    for t in db.tables:
        shape[t.name] = {
            "columns": {c.name: (c.type.upper(), bool(c.notnull), c.default_value, c.is_pk)
                        for c in t.columns},
            "indexes": {i.name: tuple(i.columns) for i in t.indexes if not i.name.startswith("sqlite_autoindex")},
            "triggers": {tr.name for tr in t.triggers},
        }
    shape[""] = {"views": set(db.view_names())}
    return shape
