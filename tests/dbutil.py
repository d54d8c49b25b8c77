"""Reading a database file the way a test compares it: every object's SQL and every row, in order.

sqlcipher3 has no ``iterdump``; this is the same comparison, for plain and encrypted files (an encrypted
one needs its key unlocked in this process, as after a login)."""

from __future__ import annotations

from bkdesk.model.store.db import open_file_readonly


def dump(path) -> list[str]:
    conn = open_file_readonly(path)
    try:
        out = []
        objects = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                               "ORDER BY type, name").fetchall()
        for kind, name, sql in objects:
            out.append(f"{kind} {name}: {sql}")
            if kind == "table":
                out += [repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{name}"').fetchall()]
        return out
    finally:
        conn.close()
