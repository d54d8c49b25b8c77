"""B1 points tables in the database: stored whole and checksummed, older versions kept, audited."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.points_table import PointsTableError, check_table
from bkdesk.model.store import audit
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction

log = logging.getLogger(__name__)


def store_points_table(conn: sqlite3.Connection, table: dict, user: str, now: dt.datetime | None = None) -> str:
    """Validate, then insert atomically (with an audit row). Older versions are kept. Returns the uid."""
    require(conn, R.SETUP)
    check_table(table, table.get("version", "") if isinstance(table, dict) else "")
    checksum = table["checksum_sha256"]
    at = (now or dt.datetime.now()).isoformat(timespec="seconds")
    uid = str(uuid.uuid4())
    with transaction(conn):
        if conn.execute("SELECT 1 FROM points_table WHERE checksum = ?", (checksum,)).fetchone():
            raise PointsTableError(["bảng điểm này đã được nạp trước đây"], table["version"])
        clash = conn.execute(
            "SELECT version FROM points_table WHERE standard_id=? AND form=? AND region_code=? AND area=? "
            "AND valid_from=?", (table["standard_id"], table["form"], table["region_code"], table["area"],
                                 table["valid_from"])).fetchone()
        if clash:
            raise PointsTableError([f"đã có bảng điểm phiên bản '{clash[0]}' cùng vùng, khu vực và ngày hiệu lực "
                                    f"{table['valid_from']}"], table["version"])
        conn.execute("INSERT INTO points_table(uid, standard_id, form, region_code, area, version, valid_from, "
                     "valid_to, checksum, data, loaded_at, loaded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (uid, table["standard_id"], table["form"], table["region_code"], table["area"],
                      table["version"], table["valid_from"], table["valid_to"], checksum,
                      json.dumps(table, ensure_ascii=False, sort_keys=True), at, user))
        audit.record_change(conn, "points_table", uid, None, {"checksum": checksum}, user, "Nạp bảng điểm B1",
                            at=at)
    log.info("B1 points table %s (%s, %s) loaded", table["version"], table["region_code"], table["area"])
    return uid


def active_points_table(conn: sqlite3.Connection, standard_id: str, form: str, region_code: str, area: str,
                        on_date: dt.date) -> tuple[str, dict] | None:
    """(uid, table) in force on the date: latest valid_from among the tables whose validity contains it."""
    day = on_date.isoformat()
    row = conn.execute(
        "SELECT uid, data FROM points_table WHERE standard_id=? AND form=? AND region_code=? AND area=? "
        "AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY valid_from DESC, loaded_at DESC "
        "LIMIT 1", (standard_id, form, region_code, area, day, day)).fetchone()
    return None if row is None else (row[0], json.loads(row[1]))


def points_table_by_uid(conn: sqlite3.Connection, uid: str) -> dict | None:
    row = conn.execute("SELECT data FROM points_table WHERE uid = ?", (uid,)).fetchone()
    return None if row is None else json.loads(row[0])
