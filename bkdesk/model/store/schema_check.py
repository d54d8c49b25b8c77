"""`bkdesk check`, the schema part: a database at the latest version must have every table, column, index,
trigger and view the migrations create. Compared, through sqlite-utils' introspection, with a fresh database
migrated in memory: a dropped trigger (the audit log's append-only guard), a lost index or a column edited by
hand shows up here instead of as a slow screen or a silent hole in the history."""

from __future__ import annotations

from functools import lru_cache

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.schema_change import table_shape


@lru_cache(maxsize=1)
def _reference(version: int) -> dict[str, dict]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        dbmod.migrate(conn)
        return table_shape(conn)
    finally:
        conn.close()


def schema_problems(conn: sqlite3.Connection) -> list[str]:
    """Missing or changed schema objects, in Vietnamese (nothing for a database at another version: the
    migrations bring it to the latest when it is opened)."""
    latest = dbmod.latest_version()
    if dbmod.schema_version(conn) != latest:
        return []
    want, have = _reference(latest), table_shape(conn)
    out: list[str] = []
    for name in sorted(set(want[""]["views"]) - set(have[""]["views"])):
        out.append(f"Thiếu khung nhìn (view) {name} của lược đồ.")
    for table, spec in sorted((t, s) for t, s in want.items() if t):
        got = have.get(table)
        if got is None:
            out.append(f"Thiếu bảng {table} của lược đồ.")
            continue
        for col, kind in spec["columns"].items():
            if col not in got["columns"]:
                out.append(f"Bảng {table} thiếu cột {col}.")
            elif got["columns"][col] != kind:
                out.append(f"Cột {table}.{col} khác định nghĩa của lược đồ (kiểu, NOT NULL, mặc định hoặc khóa).")
        for index, cols in spec["indexes"].items():
            if index not in got["indexes"]:
                out.append(f"Thiếu chỉ mục {index} của bảng {table} (tra cứu sẽ chậm).")
            elif got["indexes"][index] != cols:
                out.append(f"Chỉ mục {index} của bảng {table} không đúng các cột của lược đồ.")
        for trigger in sorted(spec["triggers"] - got["triggers"]):
            out.append(f"Thiếu trigger {trigger} của bảng {table} (ràng buộc dữ liệu không còn được giữ).")
    return out
