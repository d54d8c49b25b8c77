"""`bkdesk check`: SQLite integrity plus the domain invariants a sound database keeps."""

from __future__ import annotations

import datetime as dt
import unicodedata

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules.classify import MIDDLE, classify_by_income
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.rules.text import search_key
from bkdesk.model.rules.validation import plausibility_warnings
from bkdesk.model.store import settings
from bkdesk.model.store.repo_standards import standard_for_list_year
from bkdesk.model.store.schema_check import schema_problems


def check_database(conn: sqlite3.Connection) -> list[str]:
    """Problems found, in Vietnamese; an empty list means the database is sound."""
    try:
        return _check(conn)
    except sqlite3.DatabaseError as exc:  # damage the integrity check itself trips over
        return [f"Tệp cơ sở dữ liệu bị hỏng ({exc}); hãy khôi phục từ bản sao lưu."]


def _check(conn: sqlite3.Connection) -> list[str]:
    problems: list[str] = []
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems += [f"Lỗi toàn vẹn SQLite: {m}" for m in integrity[:20]]
        return problems
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall()[:50]:
        problems.append(f"Bảng {table} dòng {rowid} trỏ tới bản ghi không tồn tại trong {parent}.")
    problems += schema_problems(conn)
    problems += _invariants(conn)
    return problems


def _invariants(conn: sqlite3.Connection) -> list[str]:
    out: list[str] = []
    for (uid, code) in conn.execute(
            "SELECT h.uid, h.commune_code FROM household h WHERE NOT EXISTS"
            " (SELECT 1 FROM admin_unit u WHERE u.code = h.commune_code AND u.level = 'commune') LIMIT 20"):
        out.append(f"Hộ {uid} có mã xã {code} không có trong danh mục đơn vị hành chính.")
    scope, scope_code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
    if scope == "commune" and scope_code:
        n = conn.execute("SELECT count(*) FROM household WHERE commune_code <> ?", (scope_code,)).fetchone()[0]
        if n:
            out.append(f"{n} hộ thuộc xã khác ngoài phạm vi {scope_code} của cơ sở dữ liệu.")
    for table in ("household", "member", "village", "review", "exit_registration", "review_round"):
        n = conn.execute(f"SELECT count(*) FROM {table} WHERE rev < 1 OR updated_at = ''").fetchone()[0]
        if n:
            out.append(f"{n} bản ghi trong bảng {table} thiếu số phiên bản hoặc thời điểm cập nhật.")
    for uid, name, key in conn.execute("SELECT uid, full_name, name_key FROM member"):
        if unicodedata.normalize("NFC", name) != name:
            out.append(f"Tên thành viên {uid} không ở dạng chuẩn NFC.")
        elif key != search_key(name):
            out.append(f"Khóa tìm kiếm của thành viên {uid} không khớp với tên.")
        if len(out) > 50:
            return out
    # Only records written here must have their history here: a merged household's older audit rows
    # stay with the commune when one of its packages never reached the district.
    for (uid,) in conn.execute(
            "SELECT h.uid FROM household h WHERE h.origin = ? AND NOT EXISTS (SELECT 1 FROM audit_log a"
            " WHERE a.table_name = 'household' AND a.record_uid = h.uid) LIMIT 20",
            (settings.get(conn, settings.INSTALLATION_ID, ""),)):
        out.append(f"Hộ {uid} không có dòng nhật ký thay đổi nào.")
    for (uid,) in conn.execute(
            "SELECT uid FROM review WHERE final_class IS NOT NULL AND computed_class IS NOT NULL"
            " AND final_class <> computed_class AND override_reason = '' LIMIT 20"):
        out.append(f"Phiếu rà soát {uid} đổi kết quả phân loại mà không có lý do.")
    for (uid,) in conn.execute(
            "SELECT r.uid FROM review_indicator i JOIN review r ON r.uid = i.review_uid"
            " WHERE i.final IS NOT NULL AND i.computed IN ('deprived', 'not_deprived')"
            " AND i.final <> i.computed AND i.reason = '' GROUP BY r.uid LIMIT 20"):
        out.append(f"Phiếu rà soát {uid} sửa chỉ số thiếu hụt mà không có lý do.")
    for code, year, no, n in conn.execute(
            "SELECT commune_code, list_year, household_no, count(DISTINCT household_uid) FROM review"
            " WHERE household_no <> '' GROUP BY commune_code, list_year, household_no HAVING count(DISTINCT"
            " household_uid) > 1 LIMIT 20"):
        out.append(f"Mã hộ {no} bị trùng trong xã {code}, năm danh sách {year} ({n} hộ).")
    return out


# --- warnings: contradictions an officer should look at (not a damaged database) -------------------------

_ROSTER_FIELDS = ("position", "full_name", "sex", "birth_date", "birth_date_precision", "relation_to_head",
                  "presence", "presence_date", "highest_general_education", "vocational_qualification")


def check_warnings(conn: sqlite3.Connection, today: dt.date | None = None) -> list[str]:
    """Plausibility contradictions in the data (households.md §15 and the income procedure), in Vietnamese:
    relationship vs sex, relationship vs age, age vs education on each household's latest reference date;
    middle-living households without the farm/forestry/fishery/salt flag, the income or an income in the
    band."""
    today = today or dt.date.today()
    out: list[str] = []
    ref_of = dict(conn.execute("SELECT household_uid, max(reference_date) FROM review GROUP BY household_uid"))
    labels = dict(conn.execute("SELECT uid, coalesce(nullif(household_no, ''), uid) || ' (xã ' || commune_code || ')'"
                               " FROM household"))
    roster: list[dict] = []
    current = None

    def flush():
        if current is not None:
            ref = _day(ref_of.get(current)) or today
            out.extend(f"Hộ {labels.get(current, current)}: {w.message}"
                       for w in plausibility_warnings(sorted(roster, key=lambda m: m["position"]), ref))

    cols = ", ".join(_ROSTER_FIELDS)
    for row in conn.execute(f"SELECT household_uid, {cols} FROM member ORDER BY household_uid"):
        if row[0] != current:
            flush()
            current, roster = row[0], []
        roster.append(dict(zip(_ROSTER_FIELDS, row[1:], strict=True)))
    flush()
    return out + _middle_living_warnings(conn, labels)


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _middle_living_warnings(conn: sqlite3.Connection, labels: dict) -> list[str]:
    out = []
    rows = conn.execute(
        "SELECT household_uid, list_year, area, nlndn, income_12m_vnd, members_counted, deprivation_count"
        " FROM review WHERE final_class = 'MIDDLE' AND record_status IN ('confirmed', 'decided')").fetchall()
    standards: dict = {}
    for uid, year, area, nlndn, income, counted, d in rows:
        who = f"Hộ {labels.get(uid, uid)} (năm danh sách {year}): hộ có mức sống trung bình"
        if nlndn != 1:
            out.append(f"{who} nhưng không ghi là hộ làm nông, lâm, ngư, diêm nghiệp.")
            continue
        if income is None or not counted:
            out.append(f"{who} nhưng chưa có thu nhập 12 tháng hoặc số nhân khẩu tính thu nhập.")
            continue
        if year not in standards:
            try:
                standards[year] = standard_for_list_year(year, conn)
            except UserError:  # no standard for the year: nothing to compare with
                standards[year] = None
        std = standards[year]
        if std is None or area not in ("rural", "urban"):
            continue
        if classify_by_income(std, area, income, counted, d or 0, True) != MIDDLE:
            out.append(f"{who} nhưng thu nhập bình quân {fmt_int(income // (12 * counted))} đồng/người/tháng "
                       "nằm ngoài khoảng mức sống trung bình.")
    return out
