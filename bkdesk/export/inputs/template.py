"""The data-entry template (`bkdesk template`): a workbook made for people, read back by the importer.

Sheets: "Hướng dẫn" (instructions), "Hộ gia đình" (one row per household), "Thành viên" (one row per
member, linked by the household code) and "Danh mục" (the code lists behind the dropdowns, hidden).
Row 1 of each data sheet holds the stable machine keys (hidden); row 2 the visible headers (frozen);
data start on row 3. The importer reads the keys, so a renamed or reordered visible header does not
break an import. Coded fields show their Vietnamese labels; the importer accepts the label or the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.render.xlsx import xlsx_output
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import CodeLists, codelists
from bkdesk.model.rules.records import Member, Review
from bkdesk.model.rules.standards import Standard, list_year_for
from bkdesk.model.store import repo_outputs, settings
from bkdesk.model.store.access import require
from bkdesk.model.store.repo_households import HouseholdBundle, iter_households
from bkdesk.model.store.repo_reviews import find_round, review_in_round
from bkdesk.model.store.repo_standards import standard_for_list_year
from bkdesk.model.store.repo_villages import list_villages

HOUSEHOLD_SHEET = "Hộ gia đình"
MEMBER_SHEET = "Thành viên"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
KEY_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3  # Excel row numbers
TEMPLATE_MARK = "bkdesk-template-1"  # in the instructions sheet's A1 comment cell (B1)
YES, NO = "Có", "Không"
STATUS_LABELS = {"POOR": "Hộ nghèo", "NEAR_POOR": "Hộ cận nghèo", "OTHER": "Không thuộc danh sách",
                 "ABSENT": "Chưa có trên địa bàn"}
LIST_SEPARATOR = "; "
NONE_OF_LIST = "Không có"  # a multi-code cell that says "none" (an empty cell means "not known")


@dataclass(frozen=True)
class Column:
    key: str  # stable machine key (row 1)
    header: str  # Vietnamese header people read (row 2)
    kind: str  # text | village | status | yn | flag01 | number | date | birth | code:<list> | codes:<list>
    width: int = 14

    @property
    def code_list(self) -> str | None:
        return self.kind.split(":", 1)[1] if ":" in self.kind else None


HOUSING_COLUMNS = [
    Column("no_house", "Không có nhà ở", "yn", 10),
    Column("wall_durable", "Tường bền chắc", "yn", 10),
    Column("frame_durable", "Cột bền chắc", "yn", 10),
    Column("roof_durable", "Mái bền chắc", "yn", 10),
    Column("floor_area_m2", "Diện tích nhà ở (m²)", "number", 10),
    Column("water_source", "Nguồn nước sinh hoạt", "code:water_sources", 22),
    Column("latrine_type", "Loại nhà tiêu", "code:latrine_types", 22),
    Column("phone_subscription", "Thuê bao điện thoại", "yn", 10),
    Column("internet_use", "Sử dụng internet", "yn", 10),
    Column("info_devices", "Phương tiện tiếp cận thông tin (cách nhau bởi ;)", "codes:info_devices", 24),
    Column("loudspeaker_audible", "Nghe được loa truyền thanh", "yn", 10),
]


def household_columns(standard: Standard) -> list[Column]:
    head = [
        Column("household_code", "Mã hộ", "text", 10),
        Column("village", "Thôn, bản, tổ dân phố", "village", 20),
        Column("head_name", "Họ và tên chủ hộ", "text", 24),
        Column("head_id_number", "Số CCCD của chủ hộ", "text", 16),
        Column("address", "Địa chỉ", "text", 20),
        Column("phone", "Số điện thoại", "text", 13),
        Column("start_status", "Tình trạng đầu kỳ", "status", 18),
        Column("review_date", "Ngày rà soát (dd/mm/yyyy)", "date", 13),
        Column("reviewers", "Người rà soát", "text", 24),
        Column("household_representative", "Đại diện hộ", "text", 20),
        Column("nlndn", "Hộ làm nông, lâm, ngư, diêm nghiệp", "yn", 12),
        Column("nlndn_middle", "Đã công nhận hộ có mức sống trung bình (NLNDN)", "yn", 12),
        Column("score_a", "Điểm A (tổng điểm phiếu B1)", "number", 10),
    ]
    indicators = [Column(i.code, f"{i.code}: {i.label_vi} (1 = thiếu hụt, 0 = không)", "flag01", 9)
                  for i in standard.indicators]
    tail = [
        Column("indicator_reasons", "Lý do khi chỉ số khác giá trị tự tính (MÃ: lý do; ...)", "text", 24),
        Column("causes", "Nguyên nhân nghèo (mã, cách nhau bởi ;)", "codes:causes", 16),
        Column("cause_other", "Nguyên nhân khác (ghi rõ)", "text", 20),
        Column("needs", "Nhu cầu hỗ trợ (mã, cách nhau bởi ;)", "codes:support_needs", 16),
        Column("need_other", "Nhu cầu khác (ghi rõ)", "text", 20),
        *HOUSING_COLUMNS,
        Column("note", "Ghi chú", "text", 20),
    ]
    return head + indicators + tail


MEMBER_COLUMNS = [
    Column("household_code", "Mã hộ", "text", 10),
    Column("full_name", "Họ và tên", "text", 24),
    Column("relation", "Quan hệ với chủ hộ", "code:relationships", 12),
    Column("sex", "Giới tính", "code:sexes", 8),
    Column("birth_date", "Ngày sinh (dd/mm/yyyy hoặc năm sinh)", "birth", 13),
    Column("ethnicity", "Dân tộc", "code:ethnic_groups", 12),
    Column("id_number", "Số CCCD/CMND", "text", 15),
    Column("id_issue_date", "Ngày cấp", "date", 12),
    Column("id_issue_place", "Nơi cấp", "text", 20),
    Column("permanent_residence", "Nơi thường trú", "text", 20),
    Column("current_residence", "Nơi ở hiện tại", "text", 20),
    Column("presence", "Tình trạng thành viên", "code:presence", 12),
    Column("presence_date", "Ngày biến động", "date", 12),
    Column("labour_status", "Tình trạng việc làm", "code:labour_statuses", 16),
    Column("seeking_work", "Có khả năng và muốn làm việc", "yn", 10),
    Column("wage_job", "Làm công ăn lương", "yn", 10),
    Column("labour_contract", "Có hợp đồng lao động", "yn", 10),
    Column("able_to_work", "Có khả năng lao động", "yn", 10),
    Column("highest_general_education", "Trình độ giáo dục phổ thông", "code:general_education", 14),
    Column("vocational_qualification", "Trình độ chuyên môn kỹ thuật", "code:vocational_qualifications", 14),
    Column("on_job_training", "Được đào tạo tại nơi làm việc", "yn", 10),
    Column("currently_studying", "Đang đi học", "yn", 10),
    Column("school_level", "Cấp học đang học", "code:school_levels", 14),
    Column("level_suitable_for_age", "Học đúng cấp so với độ tuổi", "yn", 10),
    Column("health_insurance", "Có thẻ BHYT còn hạn", "yn", 10),
    Column("malnourished", "Suy dinh dưỡng (trẻ dưới 16 tuổi)", "yn", 10),
    Column("malnutrition_kind", "Loại suy dinh dưỡng", "text", 12),
    Column("malnutrition_source", "Nguồn thông tin suy dinh dưỡng", "text", 12),
    Column("disability", "Khuyết tật", "code:disability_levels", 12),
    Column("monthly_social_allowance", "Hưởng trợ cấp xã hội hằng tháng", "yn", 10),
    Column("merit_person", "Người có công với cách mạng", "yn", 10),
    Column("dependant", "Người phụ thuộc", "yn", 10),
    Column("note", "Ghi chú", "text", 20),
]

# Member keys that differ from the Member record's field names.
MEMBER_FIELD = {"relation": "relation_to_head"}


def commune_of(conn: sqlite3.Connection, unit: str | None) -> str:
    """The commune a template or an import is for: ``unit`` or the database's own commune."""
    scope, code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
    if unit:
        if scope == "commune" and code and unit != code:
            raise UserError(f"Cơ sở dữ liệu này của xã {code}, không phải {unit}.")
        return unit
    if scope != "commune" or not code:
        raise UserError("Cơ sở dữ liệu không phải của một xã; hãy ghi --unit MÃ_XÃ.")
    return code


# --- values to cells -------------------------------------------------------------------------------

def _yn(value) -> str | None:
    return None if value is None else (YES if int(value) else NO)


def _label(lists: CodeLists, name: str, code) -> str | None:
    if code in (None, ""):
        return None
    try:
        return lists.label(name, str(code))
    except UserError:
        return str(code)  # a code the list no longer has: shown as it is (the importer reports it)


def _birth(member: Member):
    if not member.birth_date:
        return None
    if member.birth_date_precision == "year" or len(member.birth_date) == 4:
        return int(member.birth_date[:4])
    try:
        return dt.date.fromisoformat(member.birth_date[:10])
    except ValueError:
        return member.birth_date


def _date(value):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def cell_value(col: Column, value, lists: CodeLists):
    """A stored value as the template shows it."""
    kind = col.kind
    if kind == "yn":
        return _yn(value)
    if kind == "status":
        return STATUS_LABELS.get(value) if value else None
    if kind in ("date",):
        return _date(value)
    if kind.startswith("code:"):
        return _label(lists, col.code_list, value)
    if kind.startswith("codes:"):
        if value is None:
            return None
        return LIST_SEPARATOR.join(value) if value else NONE_OF_LIST
    if value == "":
        return None
    return value


def household_row(cols: list[Column], bundle: HouseholdBundle, review: Review | None, villages: dict[str, str],
                  lists: CodeLists) -> list:
    hh, housing = bundle.household, bundle.housing
    head = next((m for m in bundle.members if m.relation_to_head == "chu_ho"), None)
    values: dict = {
        "household_code": hh.household_no, "village": villages.get(hh.village_uid or ""),
        "head_name": head.full_name if head else None, "head_id_number": head.id_number if head else None,
        "address": hh.address, "phone": hh.phone, "note": hh.note,
    }
    for c in HOUSING_COLUMNS:
        v = getattr(housing, c.key)
        values[c.key] = [d for d in v.split(",") if d] if c.key == "info_devices" and v is not None else v
    if review is not None:
        values.update({
            "start_status": review.start_status, "review_date": review.review_date, "reviewers": review.reviewers,
            "household_representative": review.household_representative, "nlndn": review.nlndn,
            "nlndn_middle": review.nlndn_middle_recognised,
            "score_a": review.score_a_paper if review.score_a_paper is not None else review.score_a_final,
        })
        reasons = []
        for code, v in review.indicators.items():
            values[code] = None if v.final is None else (1 if v.final == "deprived" else 0)
            if (v.reason or "").strip():
                reasons.append(f"{code}: {v.reason.strip()}")
        values["indicator_reasons"] = LIST_SEPARATOR.join(reasons)
        values["causes"] = list(review.causes)
        values["cause_other"] = " ".join(t for t in review.causes.values() if t)
        values["needs"] = list(review.needs)
        values["need_other"] = " ".join(t for t in review.needs.values() if t)
    return [cell_value(c, values.get(c.key), lists) for c in cols]


def member_row(member: Member, household_code: str, lists: CodeLists) -> list:
    out = []
    for c in MEMBER_COLUMNS:
        if c.key == "household_code":
            out.append(household_code)
        elif c.key == "birth_date":
            out.append(_birth(member))
        else:
            out.append(cell_value(c, getattr(member, MEMBER_FIELD.get(c.key, c.key)), lists))
    return out


# --- the workbook -------------------------------------------------------------------------------------

GUIDE_LINES = [
    "MẪU NHẬP DANH SÁCH HỘ GIA ĐÌNH VÀ THÀNH VIÊN (bkdesk)",
    "",
    "1. Trang «Hộ gia đình»: mỗi dòng một hộ. Trang «Thành viên»: mỗi dòng một người, ghi đúng Mã hộ của hộ.",
    "2. Dòng 1 (ẩn) chứa mã cột dành cho phần mềm: không sửa, không xóa. Có thể đổi tên hoặc đổi thứ tự "
    "tiêu đề ở dòng 2.",
    "3. Các cột có danh sách chọn (thôn, quan hệ, giới tính, dân tộc, ...): chọn trong danh sách; có thể ghi mã.",
    "4. Ngày ghi dạng dd/mm/yyyy (ví dụ 05/01/1980). Nếu chỉ biết năm sinh thì ghi năm (ví dụ 1980).",
    "5. Cột Có/Không: chọn «Có» hoặc «Không» (hoặc 1/0). Cột chỉ số thiếu hụt: 1 = thiếu hụt, 0 = không thiếu hụt.",
    "6. Nguyên nhân nghèo, nhu cầu hỗ trợ, phương tiện thông tin: ghi các mã cách nhau bởi dấu chấm phẩy "
    "(ví dụ 1; 3; 8); ghi «Không có» khi không có mục nào, để trống khi chưa biết. Mã nguyên nhân 8 và nhu "
    "cầu KH cần ghi rõ nội dung ở cột bên cạnh.",
    "7. Điểm A và diện tích là số (dùng dấu phẩy hoặc dấu chấm thập phân đều được).",
    "8. Mỗi hộ có đúng một chủ hộ. Số CCCD có 12 chữ số (CMND cũ: 9 hoặc 12 chữ số).",
    "9. Nhập tệp: bkdesk import TỆP.xlsx --round NĂM (hoặc trong phần mềm: Tệp > Nhập từ Excel). Dòng có lỗi "
    "được liệt kê trong báo cáo (Sheet, Dòng, Cột, Giá trị, Lý do); phiếu được nhập ở trạng thái bản nháp.",
    "10. Hộ được nhận ra theo Mã hộ, sau đó theo số CCCD của chủ hộ. Nhập lại cùng tệp không thay đổi dữ liệu.",
]


def _code_labels(lists: CodeLists, name: str) -> list[str]:
    return [i["label_vi"] for i in lists.items(name)]


def template_rows(conn: sqlite3.Connection, unit: str | None, review_year: int
                  ) -> tuple[str, list[list], list[list], list[str]]:
    """(commune, household rows, member rows, village names) of the commune's data for the template."""
    commune = commune_of(conn, unit)
    standard = standard_for_list_year(list_year_for("periodic", review_year), conn)
    lists = codelists(standard.id)
    villages = {r["uid"]: r["name"] for r in list_villages(conn, commune)}
    hh_cols = household_columns(standard)
    rows_h: list[list] = []
    rows_m: list[list] = []
    rnd = find_round(conn, commune, "periodic", review_year)
    for bundle in sorted(iter_households(conn, commune_code=commune),
                         key=lambda b: (b.household.household_no, b.household.uid)):
        review = review_in_round(conn, bundle.household.uid, rnd.uid) if rnd is not None else None
        rows_h.append(household_row(hh_cols, bundle, review, villages, lists))
        rows_m += [member_row(m, bundle.household.household_no, lists) for m in bundle.members]
    return commune, rows_h, rows_m, sorted(villages.values())


def write_template(conn: sqlite3.Connection, out: str | Path, unit: str | None = None, with_data: bool = False,
                   review_year: int | None = None) -> dict:
    """Write the template; with ``with_data`` fill it from the database (review year ``review_year``).

    Returns {"households": n, "members": m}. Filled with the data, the file is an export of personal data:
    it needs the EXPORT permission; the blank template (village names only) is open to every user. Both are
    written to the audit log.
    """
    if with_data:
        require(conn, R.EXPORT)
    commune = commune_of(conn, unit)
    if with_data and review_year is None:
        raise UserError("Cần ghi --round NĂM khi dùng --with-data.")
    year = review_year or dt.date.today().year
    standard = standard_for_list_year(list_year_for("periodic", year), conn)
    if with_data:
        commune, rows_h, rows_m, village_names = template_rows(conn, commune, year)
    else:
        rows_h, rows_m = [], []
        village_names = sorted(r["name"] for r in list_villages(conn, commune))
    write_rows(out, commune, year, standard, codelists(standard.id), village_names, household_columns(standard),
               rows_h, rows_m)
    if with_data:
        repo_outputs.record_output(conn, repo_outputs.EXPORT, f"Mẫu nhập liệu kèm dữ liệu ({len(rows_h)} hộ)", out,
                                   commune, year)
    else:
        repo_outputs.record_output(conn, repo_outputs.PRINT, "Mẫu nhập liệu (trống)", out, commune, year)
    return {"households": len(rows_h), "members": len(rows_m)}


def write_rows(out: str | Path, commune: str, year: int, standard: Standard, lists: CodeLists,
               village_names: list[str], hh_cols: list[Column], rows_h: list[list], rows_m: list[list]) -> None:
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError("Tệp mẫu phải có đuôi .xlsx.")
    _write_workbook(out, commune, year, standard, lists, village_names, hh_cols, rows_h, rows_m)


def _write_workbook(out: Path, commune: str, year: int, standard: Standard, lists: CodeLists,
                    village_names: list[str], hh_cols: list[Column], rows_h: list[list], rows_m: list[list]) -> None:
    with xlsx_output(out, {"constant_memory": False, "strings_to_formulas": False, "strings_to_urls": False,
                           "strings_to_numbers": False}) as wb:  # written whole or not at all
        _fill_workbook(wb, commune, year, standard, lists, village_names, hh_cols, rows_h, rows_m)


def _fill_workbook(wb, commune: str, year: int, standard: Standard, lists: CodeLists, village_names: list[str],
                   hh_cols: list[Column], rows_h: list[list], rows_m: list[list]) -> None:
    bold = wb.add_format({"bold": True})
    header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1})
    key_fmt = wb.add_format({"font_color": "#808080", "font_size": 8})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    num_fmt = wb.add_format({"num_format": "0.0#"})
    text_fmt = wb.add_format({"num_format": "@"})
    guide = wb.add_worksheet(GUIDE_SHEET)
    guide.set_column(0, 0, 120)
    guide.write(0, 0, GUIDE_LINES[0], bold)
    guide.write(0, 1, TEMPLATE_MARK, key_fmt)
    for i, line in enumerate(GUIDE_LINES[1:], start=1):
        guide.write(i, 0, line)
    n = len(GUIDE_LINES) + 1
    guide.write(n, 0, f"Xã: {commune}; năm rà soát: {year}; chuẩn nghèo: {standard.id}.", bold)
    guide.write(n + 2, 0, "Mã cột (dòng 1 ẩn) và ý nghĩa:", bold)
    for j, c in enumerate(hh_cols + MEMBER_COLUMNS, start=n + 3):
        sheet = HOUSEHOLD_SHEET if j - n - 3 < len(hh_cols) else MEMBER_SHEET
        guide.write(j, 0, f"{sheet} / {c.key}: {c.header}")
    ranges: dict[str, str] = {}
    list_names = sorted({c.code_list for c in hh_cols + MEMBER_COLUMNS if c.kind.startswith("code:")})
    columns = [("village", village_names or [""]), ("yn", [YES, NO]), ("flag01", ["1", "0"]),
               ("status", list(STATUS_LABELS.values()))] + [(n_, _code_labels(lists, n_)) for n_ in list_names]
    for ci, (name, values) in enumerate(columns):
        letter = xlsxwriter.utility.xl_col_to_name(ci)
        ranges[name] = f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    _data_sheet(wb, HOUSEHOLD_SHEET, hh_cols, rows_h, ranges, header, key_fmt, date_fmt, num_fmt, text_fmt)
    _data_sheet(wb, MEMBER_SHEET, MEMBER_COLUMNS, rows_m, ranges, header, key_fmt, date_fmt, num_fmt, text_fmt)
    lists_ws = wb.add_worksheet(LISTS_SHEET)
    for ci, (name, values) in enumerate(columns):
        lists_ws.write(0, ci, name, bold)
        for ri, v in enumerate(values, start=1):
            lists_ws.write_string(ri, ci, v)
    # multi-code lists: code and label side by side, for people to look the codes up
    ci = len(columns)
    for name in sorted({c.code_list for c in hh_cols if c.kind.startswith("codes:")}):
        lists_ws.write(0, ci, f"{name} (mã)", bold)
        lists_ws.write(0, ci + 1, f"{name} (nội dung)", bold)
        for ri, item in enumerate(lists.items(name), start=1):
            lists_ws.write_string(ri, ci, item["code"])
            lists_ws.write_string(ri, ci + 1, item["label_vi"])
        ci += 2
    lists_ws.hide()
    wb.get_worksheet_by_name(HOUSEHOLD_SHEET).activate()


def _data_sheet(wb, name: str, cols: list[Column], rows: list[list], ranges: dict[str, str], header, key_fmt,
                date_fmt, num_fmt, text_fmt) -> None:
    ws = wb.add_worksheet(name)
    last = max(len(rows) + 2000, 5000) + FIRST_DATA_ROW  # room to add rows that still get the dropdowns
    for ci, c in enumerate(cols):
        ws.write_string(KEY_ROW - 1, ci, c.key, key_fmt)
        ws.write_string(HEADER_ROW - 1, ci, c.header, header)
        fmt = {"date": date_fmt, "number": num_fmt, "text": text_fmt}.get(c.kind)
        ws.set_column(ci, ci, c.width, fmt)
        source = ranges.get(c.code_list if c.kind.startswith("code:") else c.kind)
        first, end = FIRST_DATA_ROW - 1, last - 1
        if source is not None:
            ws.data_validation(first, ci, end, ci, {
                "validate": "list", "source": source, "error_type": "warning",
                "error_title": "Giá trị không có trong danh mục",
                "error_message": "Hãy chọn một giá trị trong danh sách."})
        elif c.kind == "number":
            ws.data_validation(first, ci, end, ci, {
                "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "stop",
                "error_title": "Cần một số", "error_message": "Ô này cần một số ≥ 0."})
        elif c.kind == "date":
            ws.data_validation(first, ci, end, ci, {
                "validate": "date", "criteria": "between", "minimum": dt.date(1900, 1, 1),
                "maximum": dt.date(2100, 12, 31), "error_type": "warning",
                "error_title": "Cần một ngày", "error_message": "Ghi ngày dạng dd/mm/yyyy."})
    ws.set_row(KEY_ROW - 1, None, None, {"hidden": True})
    ws.set_row(HEADER_ROW - 1, 45)
    ws.freeze_panes(HEADER_ROW, 0)
    ws.autofilter(HEADER_ROW - 1, 0, HEADER_ROW - 1 + max(len(rows), 1), len(cols) - 1)
    for ri, row in enumerate(rows, start=FIRST_DATA_ROW - 1):
        for ci, (c, v) in enumerate(zip(cols, row, strict=True)):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(ri, ci, dt.datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, bool):
                ws.write_number(ri, ci, int(v))
            elif isinstance(v, int | float):
                ws.write_number(ri, ci, v, num_fmt if c.kind == "number" else None)
            else:
                ws.write_string(ri, ci, str(v))
