"""Standard revisions kept in the database (standards.md §2): the effective standard of a list year is the
latest saved revision, else the shipped file. Edited copies are saved as revision N+1 with an audit row."""

from __future__ import annotations

import copy
import datetime as dt
import json

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.standards import (
    Standard,
    StandardDataError,
    require_standard,
    select_standard,
    shipped_standard,
    shipped_standards,
)
from bkdesk.model.store import audit
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction


def _db_latest(conn: sqlite3.Connection, standard_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT revision, data FROM standard_revision WHERE standard_id = ? "
                        "ORDER BY revision DESC LIMIT 1", (standard_id,)).fetchone()


def effective_standard(conn: sqlite3.Connection | None, standard_id: str) -> Standard:
    """Latest DB revision of the standard, else the shipped file (with its own revision number)."""
    if conn is not None:
        row = _db_latest(conn, standard_id)
        if row is not None:
            data = json.loads(row[1])
            return Standard(data, f"{standard_id} phiên bản {row[0]}")
    return shipped_standard(standard_id)


def effective_standards(conn: sqlite3.Connection | None) -> list[Standard]:
    ids = set(shipped_standards())
    if conn is not None:
        ids |= {r[0] for r in conn.execute("SELECT DISTINCT standard_id FROM standard_revision")}
    return [effective_standard(conn, i) for i in sorted(ids)]


def standard_for_list_year(list_year: int, conn: sqlite3.Connection | None = None) -> Standard:
    return require_standard(list_year, select_standard(list_year, effective_standards(conn)))


def standard_ref_for_review(list_year: int, conn: sqlite3.Connection | None = None) -> tuple[str, int]:
    """(standard_id, revision) a review of this list year records."""
    s = standard_for_list_year(list_year, conn)
    return s.id, s.revision


def save_standard_revision(conn: sqlite3.Connection, data: dict, user: str, reason: str,
                           source_document: str, now: dt.datetime | None = None) -> Standard:
    """Save an edited copy as revision N+1 (who/when/why/source) with an audit row, in one transaction."""
    require(conn, R.SETUP)
    if not (reason or "").strip():
        raise UserError("Phải ghi lý do khi sửa dữ liệu chuẩn nghèo.")
    if not (source_document or "").strip():
        raise UserError("Phải ghi văn bản căn cứ khi sửa dữ liệu chuẩn nghèo.")
    data = copy.deepcopy(data)
    sid = data.get("id") if isinstance(data, dict) else None
    if not isinstance(sid, str) or not sid:
        raise StandardDataError("Dữ liệu chuẩn nghèo sửa đổi: thiếu trường 'id'.")
    at = (now or dt.datetime.now()).isoformat(timespec="seconds")
    with transaction(conn):
        row = _db_latest(conn, sid)
        base = row[0] if row is not None else (shipped_standards()[sid].revision if sid in shipped_standards() else 0)
        old = row[1] if row is not None else (json.dumps(shipped_standards()[sid].data, ensure_ascii=False)
                                              if sid in shipped_standards() else None)
        number = base + 1
        rev = dict(data.get("revision") or {})
        history = list(rev.get("history") or [])
        history.append({"revision": number, "at": at, "by": user, "reason": reason,
                        "source_document": source_document})
        data["revision"] = {**rev, "number": number, "history": history}
        Standard(data, f"{sid} phiên bản {number} (bản sửa)")  # validate before writing
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        conn.execute("INSERT INTO standard_revision(standard_id, revision, data, changed_at, changed_by, reason,"
                     " source_document) VALUES (?,?,?,?,?,?,?)",
                     (sid, number, text, at, user, reason, source_document))
        audit.record_change(conn, "standard_revision", f"{sid}#{number}", {"data": old}, {"data": text}, user,
                            f"{reason} (căn cứ: {source_document})", at=at, action="insert")
    return Standard(data, f"{sid} phiên bản {number}")


def standard_history(conn: sqlite3.Connection, standard_id: str) -> list[dict]:
    """Revisions saved in the database, oldest first."""
    rows = conn.execute("SELECT revision, changed_at, changed_by, reason, source_document FROM standard_revision"
                        " WHERE standard_id = ? ORDER BY revision", (standard_id,)).fetchall()
    return [dict(zip(("revision", "changed_at", "changed_by", "reason", "source_document"), r, strict=True))
            for r in rows]
