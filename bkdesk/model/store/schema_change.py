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
import sqlite3

import sqlite_utils

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
    sqlite_utils.Database(conn).table(table).transform(**changes)
    for (sql,) in triggers:
        conn.execute(sql)


def table_shape(conn: sqlite3.Connection) -> dict[str, dict]:
    """The schema as sqlite-utils reads it: per table its columns (name -> (type, not null, default, pk)),
    its indexes (name -> columns) and triggers; views under the key "" (names)."""
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
