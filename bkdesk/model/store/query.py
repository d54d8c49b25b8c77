"""Read-only SQL over the (decrypted) database for analysts and scripts (issue 16 §7: `bkdesk query`).

Only the *quản trị* and *cán bộ tổng hợp* roles may (permission QUERY), and every query run is in the audit
log with its statement. The statement runs on a connection of its own that cannot write, three times
over: the file is opened read-only, ``PRAGMA query_only`` is on, and an authorizer allows nothing but
reading (no ATTACH, no PRAGMA that sets anything, no VACUUM INTO, no temporary table, no load_extension).
Exactly one statement, and it must begin with SELECT, WITH, VALUES or a schema PRAGMA."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.store import audit
from bkdesk.model.store.access import current_user, require
from bkdesk.model.store.db import BUSY_TIMEOUT_MS, open_file_readonly, transaction

AUDIT_TABLE = "query"      # audit row: table "query", record = the database file, field "sql"
REASON = "Truy vấn SQL chỉ đọc"
MAX_SQL = 100_000

# PRAGMAs that only describe the schema (any argument is a table or index name) and ones read without a value.
SCHEMA_PRAGMAS = frozenset({"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
                            "foreign_key_list"})
VALUE_PRAGMAS = frozenset({"user_version", "application_id", "schema_version", "encoding"})
DENIED_FUNCTIONS = frozenset({"load_extension", "sqlcipher_export", "readfile", "writefile", "edit",
                              "fts3_tokenizer"})
FIRST_WORDS = ("select", "with", "values", "pragma")

REFUSED = ("Chỉ chạy được một câu lệnh đọc (SELECT, WITH, VALUES hoặc PRAGMA xem cấu trúc bảng); câu lệnh "
           "này bị từ chối, không có gì thay đổi.")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def _statements(sql: str) -> list[str]:
    """The statements of ``sql``, comments and blank ones dropped: the text is cut at every semicolon that
    is not inside a string, a quoted name or a comment."""
    out, cur, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            j = i + 1
            while j < n:
                if sql[j] == close:
                    if close != "]" and j + 1 < n and sql[j + 1] == close:  # doubled quote inside
                        j += 2
                        continue
                    break
                j += 1
            cur.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            cur.append(" ")
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur.append(" ")
        elif ch == ";":
            out.append("".join(cur))
            cur, i = [], i + 1
        else:
            cur.append(ch)
            i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def single_statement(sql: str) -> str:
    """The one read statement of ``sql`` (comments removed), or UserError."""
    if not sql or not sql.strip():
        raise UserError("Cần một câu lệnh SQL, ví dụ: bkdesk query \"SELECT count(*) FROM household\".")
    if len(sql) > MAX_SQL:
        raise UserError(f"Câu lệnh quá dài (hơn {fmt_int(MAX_SQL)} ký tự).")
    parts = _statements(sql)
    if len(parts) != 1:
        raise UserError(f"Chỉ chạy một câu lệnh mỗi lần (có {len(parts)} câu lệnh); không có gì thay đổi."
                        if parts else "Cần một câu lệnh SQL (chỉ có chú thích).")
    first = re.match(r"[A-Za-z]+", parts[0])
    if first is None or first.group(0).lower() not in FIRST_WORDS:
        raise UserError(REFUSED)
    return parts[0]


def _authorizer(action, arg1, arg2, _db, _trigger):
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in DENIED_FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in SCHEMA_PRAGMAS or (name in VALUE_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _database_file(conn) -> Path:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2])


def run_query(conn, sql: str) -> QueryResult:
    """Run one read-only statement over the database ``conn`` is open on (as its logged-in user), then
    record it in the audit log. Refusals are one Vietnamese line (UserError); nothing is written then."""
    require(conn, R.QUERY)
    statement = single_statement(sql)
    path = _database_file(conn)
    ro = open_file_readonly(path, key=getattr(conn, "data_key", None))
    try:
        ro.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        ro.execute("PRAGMA query_only=ON")
        ro.set_authorizer(_authorizer)
        try:
            cur = ro.execute(statement)
            columns = [d[0] for d in cur.description or []]
            rows = [tuple(r) for r in cur.fetchall()]
        except sqlite3.Warning:
            raise UserError("Chỉ chạy một câu lệnh mỗi lần; không có gì thay đổi.") from None
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "authoriz" in text or "not authorized" in text or "readonly" in text or "read-only" in text:
                raise UserError(REFUSED) from None
            if isinstance(exc, sqlite3.OperationalError) and not any(w in text for w in ("locked", "busy", "disk")):
                raise UserError(f"Câu lệnh SQL có lỗi: {text}; không có gì thay đổi.") from None
            raise
    finally:
        ro.close()
    with transaction(conn):
        audit.record_change(conn, AUDIT_TABLE, path.name, None, {"sql": statement}, current_user(conn) or "",
                            reason=f"{REASON} ({len(rows)} dòng)")
    return QueryResult(columns, rows)
