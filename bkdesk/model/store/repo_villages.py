"""Villages (thôn, bản, tổ dân phố): kept by each commune, ids never reused."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.records import new_uid
from bkdesk.model.rules.text import clean_text, search_key
from bkdesk.model.store import audit
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction

VILLAGE_TYPES = ("thôn", "bản", "tổ dân phố", "khu", "xóm")


def create_village(conn: sqlite3.Connection, commune_code: str, name: str, user: str, vtype: str = "thôn",
                   origin: str = "") -> str:
    require(conn, R.EDIT)
    name = clean_text(name) or ""
    if not name:
        raise UserError("Tên thôn không được để trống.")
    uid = new_uid()
    row = {"uid": uid, "commune_code": commune_code, "name": name, "name_key": search_key(name), "type": vtype,
           "rev": 1, "updated_at": audit.now_iso(), "updated_by": user, "origin": origin}
    with transaction(conn):
        if conn.execute("SELECT 1 FROM village WHERE commune_code=? AND name_key=? AND valid_to IS NULL",
                        (commune_code, row["name_key"])).fetchone():
            raise UserError(f"Thôn «{name}» đã có trong danh sách của xã.")
        conn.execute(f"INSERT INTO village ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                     tuple(row.values()))
        audit.record_change(conn, "village", uid, None, {"commune_code": commune_code, "name": name, "type": vtype},
                            user, origin=origin)
    return uid


def rename_village(conn: sqlite3.Connection, uid: str, new_name: str, user: str, reason: str = "") -> None:
    require(conn, R.EDIT)
    name = clean_text(new_name) or ""
    if not name:
        raise UserError("Tên thôn không được để trống.")
    with transaction(conn):
        old = conn.execute("SELECT name FROM village WHERE uid=?", (uid,)).fetchone()
        if old is None:
            raise UserError("Không tìm thấy thôn.")
        conn.execute("UPDATE village SET name=?, name_key=?, rev=rev+1, updated_at=?, updated_by=? WHERE uid=?",
                     (name, search_key(name), audit.now_iso(), user, uid))
        audit.record_change(conn, "village", uid, {"name": old[0]}, {"name": name}, user, reason)


def list_villages(conn: sqlite3.Connection, commune_code: str | None = None) -> list[sqlite3.Row]:
    sql = "SELECT * FROM village WHERE valid_to IS NULL"
    args: tuple = ()
    if commune_code:
        sql += " AND commune_code=?"
        args = (commune_code,)
    return conn.execute(sql + " ORDER BY name_key", args).fetchall()
