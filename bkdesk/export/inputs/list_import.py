"""`bkdesk import FILE.xlsx --round YEAR`: households and members from the template or a mapped list.

Steps: the hostile-file guard checks the file; python-calamine reads the cells; each row is parsed
(types, code lists) and each household is filled and validated by the review service, the same code
the desk's editor saves through; then every accepted household is written in ONE audited transaction
(the reason names the file). A rejected member row rejects its household. Nothing is written when a row
is rejected, unless ``valid_only``. Households match by household code, then by the head's CCCD; a
household that only *looks* like one already there (same village, head's name and birth year) is shown
as a possible duplicate and never merged. Imported reviews arrive as drafts for the officer to confirm.

Reader: python-calamine (in the guard's child process) reads the 4,030-household benchmark template,
694,457 cells, in 0.5 s of CPU; openpyxl read-only takes 2.0 s. The template's types and dropdowns are
known, so the importer needs no more than the cell values.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.inputs import mapping as mp
from bkdesk.export.inputs.template import (
    HEADER_ROW,
    HOUSING_COLUMNS,
    KEY_ROW,
    MEMBER_COLUMNS,
    MEMBER_FIELD,
    STATUS_LABELS,
    Column,
    commune_of,
    household_columns,
)
from bkdesk.export.sync.file_guard import read_workbook_isolated
from bkdesk.limits import limit
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.review.review_service import fill_review, household_issues, is_impossible, new_review
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import HEAD_CODE, CodeLists, codelists
from bkdesk.model.rules.fmt import parse_dmy
from bkdesk.model.rules.indicators import DEPRIVED, NOT_DEPRIVED
from bkdesk.model.rules.records import Household, IndicatorValue, Member, Review, ReviewRound, as_dict
from bkdesk.model.rules.standards import Standard, list_year_for, periodic_reference_date
from bkdesk.model.rules.text import clean_text, search_key
from bkdesk.model.store import audit, repo_import, settings
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_households import (
    HouseholdBundle,
    count_households,
    get_household,
    write_household,
)
from bkdesk.model.store.repo_reviews import find_round, review_in_round, write_review
from bkdesk.model.store.repo_standards import standard_for_list_year

log = logging.getLogger(__name__)

# Limits are data (resources/limits/limits.json): a 4,000-household template is ~0.7 M cells, 2 MB.
MAX_FILE_BYTES = limit("template", "max_file_bytes")
MAX_CELLS = limit("template", "max_sheet_cells")
MAX_ROWS = limit("template", "max_rows")
MAX_MEMBERS = limit("template", "max_household_members")
_YES = {"co", "x", "1", "yes", "true", "c", "y"}
_NO = {"khong", "0", "no", "false", "k", "n"}


class ImportError_(UserError):  # noqa: N801 (the builtin name is taken)
    """The file cannot be imported at all (not a template, no mapping, damaged)."""


@dataclass(frozen=True)
class RowIssue:
    """One line of the report: a rejected row (or a possible duplicate)."""

    sheet: str
    row: int  # the row number Excel shows
    column: str  # the visible header(s)
    value: str
    reason: str  # Vietnamese


@dataclass
class ParsedRow:
    sheet: str
    row: int
    values: dict
    issues: list[tuple[str, str, str]] = field(default_factory=list)  # (key, value, reason)


@dataclass
class Plan:
    """One household of the file, matched and validated."""

    row: ParsedRow
    members: list[ParsedRow]
    uid: str | None = None  # existing household
    bundle: HouseholdBundle | None = None
    review: Review | None = None
    state: str = ""  # added | updated | unchanged | rejected
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    issues: list[RowIssue] = field(default_factory=list)  # rejected rows, each once
    duplicates: list[RowIssue] = field(default_factory=list)  # possible duplicates (imported or not)
    incomplete: int = 0  # imported households whose review still has errors (drafts "chưa hoàn thành")
    drafts: list[RowIssue] = field(default_factory=list)  # those households, with what is missing
    written: bool = False
    mapping: mp.Mapping | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.issues else 0

    def summary_vi(self) -> str:
        return (f"Thêm mới {self.added} hộ, cập nhật {self.updated} hộ, không đổi {self.unchanged} hộ, "
                f"bị từ chối {self.rejected} hộ.")


# --- reading ---------------------------------------------------------------------------------------

def read_workbook(path: str | Path) -> dict[str, list[list]]:
    """Every sheet's cells: the hostile-file guard (sizes, zip bombs, XML declarations, cell extent), then
    python-calamine in a child process with a memory and time bound (file_guard.read_workbook_isolated)."""
    path = Path(path)
    names, data = read_workbook_isolated(path, None, ImportError_, max_cells=MAX_CELLS, max_bytes=MAX_FILE_BYTES,
                                         skip_empty_area=False)
    for name in names:
        if len(data.get(name, [])) > MAX_ROWS:
            raise ImportError_(f"Trang «{name}» của tệp {path.name} có {len(data[name])} dòng, quá giới hạn "
                               f"{MAX_ROWS}; không nhập.")
    return {name: data.get(name, []) for name in names}


def _keys_of(rows: list[list]) -> list[str]:
    return [str(c).strip() if c not in (None, "") else "" for c in rows[KEY_ROW - 1]] if rows else []


def template_sheets(sheets: dict[str, list[list]]) -> tuple[str | None, str | None]:
    """(households sheet, members sheet) found by their machine keys, whatever their names."""
    hh = mem = None
    for name, rows in sheets.items():
        keys = set(_keys_of(rows))
        if "household_code" in keys and "full_name" in keys and mem is None:
            mem = name
        elif "household_code" in keys and ("head_name" in keys or "score_a" in keys) and hh is None:
            hh = name
    return hh, mem


# --- cell parsing ----------------------------------------------------------------------------------

def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return repo_import.quick_clean(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    return clean_text(str(v)) or ""


def _shown(v) -> str:
    return _text(v)[:200]


class _Bad(ValueError):
    pass


_LOOKUPS: dict[tuple[int, str], dict[str, str]] = {}


def _lookup(lists: CodeLists, name: str) -> dict[str, str]:
    """Exact code, label and accent-free label -> code, built once per code list."""
    key = (id(lists), name)
    table = _LOOKUPS.get(key)
    if table is None:
        table = {}
        for item in reversed(lists.items(name)):
            for text in (item["label_en"], item["label_vi"]):
                table[search_key(text)] = item["code"]
                table[text] = item["code"]
        for item in lists.items(name):
            table[item["code"]] = item["code"]
        _LOOKUPS[key] = table
    return table


def _code(lists: CodeLists, name: str, v) -> str:
    table = _lookup(lists, name)
    if isinstance(v, str) and v in table:  # a label or code exactly as the dropdown wrote it
        return table[v]
    text = _text(v)
    hit = table.get(text) or table.get(search_key(text))
    if hit is not None:
        return hit
    head = text.split(" - ", 1)[0].split(".", 1)[0].strip()  # "07 - Tày", "1. Nam"
    if head and head != text and head in lists.codes(name):
        return head
    raise _Bad(f"«{text}» không có trong danh mục")


def _codes(lists: CodeLists, name: str, v) -> list[str]:
    text = _text(v).replace(",", ";")
    if search_key(text) in ("khong co", "khong"):
        return []
    return [_code(lists, name, part) for part in (p.strip() for p in text.split(";")) if part]


def _yn(v) -> int:
    if isinstance(v, bool):
        return int(v)
    if v == "Có" or v == 1:
        return 1
    if v == "Không" or v == 0:
        return 0
    key = search_key(_text(v))
    if key in _YES:
        return 1
    if key in _NO:
        return 0
    raise _Bad("phải là «Có» hoặc «Không»")


def _flag01(v) -> int:
    if v == 1 or v == 0:
        return int(v)
    key = search_key(_text(v))
    if key in ("1", "x", "co"):
        return 1
    if key in ("0", "khong"):
        return 0
    raise _Bad("phải là 1 (thiếu hụt) hoặc 0 (không thiếu hụt)")


def _number(v) -> float:
    if isinstance(v, bool):
        raise _Bad("phải là một số")
    if isinstance(v, int | float):
        n = float(v)
    else:
        text = _text(v).replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            n = float(text)
        except ValueError:
            raise _Bad("phải là một số") from None
    if n != n or n < 0:
        raise _Bad("phải là một số ≥ 0")
    return n


def _date(v) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    text = _text(v)
    try:
        return parse_dmy(text).isoformat()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _Bad("phải là ngày dạng dd/mm/yyyy") from None


def _birth(v) -> tuple[str, str]:
    """(birth_date, precision): a date, or a year alone."""
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() and 1880 <= v <= 2100:
        return str(int(v)), "year"
    if isinstance(v, dt.date):  # a date cell (datetime included)
        return _date(v), "day"
    text = _text(v)
    if text.isdigit() and len(text) == 4:
        return text, "year"
    try:
        return _date(v), "day"
    except _Bad:
        raise _Bad("phải là ngày dạng dd/mm/yyyy hoặc năm sinh (ví dụ 1980)") from None


def _status(v) -> str:
    text = _text(v)
    if text in STATUS_LABELS:
        return text
    key = search_key(text)
    for code, label in STATUS_LABELS.items():
        if key == search_key(label):
            return code
    if "thoat" in key or "khong ngheo" in key or "khong thuoc" in key:
        return "OTHER"
    if "can ngheo" in key:
        return "NEAR_POOR"
    if "ngheo" in key:
        return "POOR"
    raise _Bad("phải là Hộ nghèo, Hộ cận nghèo hoặc Không thuộc danh sách")


def _id_number(v) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
        text = str(int(v))
        return text.zfill(12) if 10 <= len(text) < 12 else text  # a CCCD typed as a number lost its zeros
    return _text(v).replace(" ", "")


def parse_value(col: Column, v, lists: CodeLists):
    """A cell as the record stores it; raises _Bad with the Vietnamese reason."""
    kind = col.kind
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if col.key in ("id_number", "head_id_number"):
        return _id_number(v)
    if kind == "yn":
        return _yn(v)
    if kind == "flag01":
        return _flag01(v)
    if kind == "number":
        return _number(v)
    if kind == "date":
        return _date(v)
    if kind == "birth":
        return _birth(v)
    if kind == "status":
        return _status(v)
    if kind.startswith("code:"):
        return _code(lists, col.code_list, v)
    if kind.startswith("codes:"):
        return _codes(lists, col.code_list, v)
    return _text(v)


# Keys a mapped list may carry that the template spreads over its members sheet.
HEAD_COLUMNS = {
    "head_birth_date": Column("head_birth_date", "Năm sinh chủ hộ", "birth"),
    "head_sex": Column("head_sex", "Giới tính chủ hộ", "code:sexes"),
    "head_ethnicity": Column("head_ethnicity", "Dân tộc chủ hộ", "code:ethnic_groups"),
}


def parse_rows(sheet: str, rows: list[list], first_row: int, index: dict[str, int], headers: dict[str, str],
               cols: dict[str, Column], lists: CodeLists, constants: dict | None = None,
               control: JobControl = NO_CONTROL) -> list[ParsedRow]:
    """Rows from ``first_row`` (Excel numbering) on; empty rows are skipped."""
    out = []
    for n, row in enumerate(rows[first_row - 1:], start=first_row):
        if n % 2000 == 0:
            control.check()
        if all(c in (None, "") or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        p = ParsedRow(sheet, n, {})
        for key, ci in index.items():
            raw = row[ci] if ci < len(row) else None
            if raw is None or raw == "":  # most cells of a template are empty
                p.values[key] = None
                continue
            try:
                p.values[key] = parse_value(cols[key], raw, lists)
            except _Bad as exc:
                p.issues.append((headers.get(key, key), _shown(raw), str(exc)))
        for key, raw in (constants or {}).items():
            if p.values.get(key) is None:
                try:
                    p.values[key] = parse_value(cols[key], raw, lists)
                except _Bad as exc:
                    p.issues.append((key, _shown(raw), str(exc)))
        out.append(p)
    return out


# --- the import -------------------------------------------------------------------------------------

@dataclass
class Source:
    """What was read from the file: household rows, member rows by household code, whether the members
    sheet gives each household's whole roster."""

    households: list[ParsedRow]
    members: dict[str, list[ParsedRow]]
    orphans: list[ParsedRow]
    full_roster: bool
    headers: dict[str, dict[str, str]]  # sheet -> key -> visible header
    mapping: mp.Mapping | None = None
    shape: str = ""


def _template_source(sheets, hh_sheet, mem_sheet, standard: Standard, lists: CodeLists, control) -> Source:
    hh_cols = {c.key: c for c in household_columns(standard)}
    mem_cols = {c.key: c for c in MEMBER_COLUMNS}
    headers: dict[str, dict[str, str]] = {}

    def sheet_rows(name, cols):
        rows = sheets[name]
        keys = _keys_of(rows)
        vis = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
        unknown = list(dict.fromkeys(k for k in keys if k and k not in cols))
        if unknown:  # a template of another standard (its indicators) or a damaged key row: nothing silently lost
            shown = ", ".join(u[:40] for u in unknown[:12]) + (" …" if len(unknown) > 12 else "")
            raise ImportError_(f"Trang «{name}» có mã cột không thuộc mẫu nhập liệu của chuẩn nghèo {standard.id} "
                               f"(năm rà soát đã chọn): {shown}. Hãy tạo mẫu cho đúng năm (bkdesk template --round "
                               "NĂM) hoặc sửa lại dòng mã cột (dòng 1, đang ẩn).")
        index = {k: i for i, k in enumerate(keys) if k in cols}
        headers[name] = {k: (_text(vis[i]) if i < len(vis) and vis[i] else k) for k, i in index.items()}
        return parse_rows(name, rows, HEADER_ROW + 1, index, headers[name], cols, lists, control=control)

    households = sheet_rows(hh_sheet, hh_cols)
    members: dict[str, list[ParsedRow]] = {}
    orphans: list[ParsedRow] = []
    known = {p.values.get("household_code") for p in households}
    if mem_sheet is not None:
        for p in sheet_rows(mem_sheet, mem_cols):
            code = p.values.get("household_code")
            if code and code in known:
                members.setdefault(code, []).append(p)
            else:
                orphans.append(p)
    return Source(households, members, orphans, mem_sheet is not None, headers)


def _mapped_source(sheets, mapping: mp.Mapping, lists: CodeLists, control, name: str) -> Source:
    if mapping.sheet not in sheets:
        raise ImportError_(f"Tệp {name} không có trang «{mapping.sheet}» mà cách ghép cột chỉ ra.")
    rows = sheets[mapping.sheet]
    header = rows[mapping.header_row - 1] if len(rows) >= mapping.header_row else []
    by_key = {search_key(k): v for k, v in mapping.columns.items()}
    index, headers = {}, {}
    for i, h in enumerate(header):
        key = by_key.get(search_key(_text(h)))
        if key and key not in index:
            index[key], headers[key] = i, _text(h)
    missing = [h for h, k in mapping.columns.items() if k not in index]
    if missing:
        raise ImportError_(f"Tệp {name}: không tìm thấy cột {', '.join('«' + m + '»' for m in missing)} ở dòng "
                           f"{mapping.header_row} của trang «{mapping.sheet}».")
    cols = {c.key: c for c in household_columns_for_mapping()}
    households = parse_rows(mapping.sheet, rows, mapping.header_row + 1, index, headers, cols, lists,
                            mapping.constants, control)
    shape = mp.shape_of(mapping.sheet, header)
    return Source(households, {}, [], False, {mapping.sheet: headers}, mapping, shape)


def household_columns_for_mapping() -> list[Column]:
    base = {"household_code": "text", "village": "village", "head_name": "text", "head_id_number": "text",
            "address": "text", "phone": "text", "start_status": "status", "score_a": "number", "note": "text"}
    return [Column(k, mp.LABELS[k], kind) for k, kind in base.items()] + list(HEAD_COLUMNS.values())


def load_source(path: str | Path, conn: sqlite3.Connection, standard: Standard, mapping: mp.Mapping | None = None,
                control: JobControl = NO_CONTROL, sheets: dict | None = None) -> Source:
    """Read the file: the template by its machine keys, else a list through ``mapping`` (given, or saved
    for files of this shape). Raises ImportError_ when neither applies, with the suggested mapping."""
    path = Path(path)
    sheets = sheets if sheets is not None else read_workbook(path)
    lists = codelists(standard.id)
    hh_sheet, mem_sheet = template_sheets(sheets)
    if mapping is None and hh_sheet is not None:
        return _template_source(sheets, hh_sheet, mem_sheet, standard, lists, control)
    if mapping is None:
        for name, rows in sheets.items():
            guess = mp.suggest_mapping(name, rows)
            header = rows[guess.header_row - 1] if rows else []
            saved = repo_import.saved_mapping(conn, mp.shape_of(name, header))
            if saved is not None:
                mapping = mp.mapping_from_json(saved, "Cách ghép cột đã lưu")
                break
    if mapping is None:
        first = next(iter(sheets), "")
        guess = mp.suggest_mapping(first, sheets.get(first, []))
        pairs = "; ".join(f"«{h}» → {k}" for h, k in guess.columns.items()) or "không nhận ra cột nào"
        raise ImportError_(f"Tệp {path.name} không phải mẫu nhập liệu của bkdesk; cần ghép cột (--map TỆP.json, "
                           f"hoặc --write-map để ghi gợi ý). Gợi ý: {pairs}.")
    return _mapped_source(sheets, mapping, lists, control, path.name)


@dataclass
class FileView:
    """What the desk shows before an import: the sheets, whether the file is the template, the mapping
    to offer (saved for files of this shape, else suggested from the header names)."""

    sheets: dict[str, list[list]]
    is_template: bool
    mapping: mp.Mapping | None
    saved: bool = False

    def preview(self, sheet: str | None = None, rows: int = 12) -> list[list[str]]:
        name = sheet or (self.mapping.sheet if self.mapping else next(iter(self.sheets), ""))
        return [[_text(c) for c in r] for r in self.sheets.get(name, [])[:rows]]


def describe_file(conn: sqlite3.Connection, path: str | Path) -> FileView:
    sheets = read_workbook(path)
    hh_sheet, _ = template_sheets(sheets)
    if hh_sheet is not None:
        return FileView(sheets, True, None)
    for name, rows in sheets.items():
        guess = mp.suggest_mapping(name, rows)
        header = rows[guess.header_row - 1] if rows else []
        saved = repo_import.saved_mapping(conn, mp.shape_of(name, header))
        if saved is not None:
            return FileView(sheets, False, mp.mapping_from_json(saved, "Cách ghép cột đã lưu"), True)
    first = next(iter(sheets), "")
    return FileView(sheets, False, mp.suggest_mapping(first, sheets.get(first, [])))


def _issue_line(p: ParsedRow) -> RowIssue:
    cols = ", ".join(dict.fromkeys(i[0] for i in p.issues))
    vals = ", ".join(dict.fromkeys(i[1] for i in p.issues if i[1]))
    reasons = "; ".join(dict.fromkeys(f"{i[0]}: {i[2]}" for i in p.issues))
    return RowIssue(p.sheet, p.row, cols, vals, reasons)


def _field_row(plan: Plan, fe_field: str, headers: dict[str, dict[str, str]]) -> tuple[ParsedRow, str]:
    """The file row and column an error of the review service points at."""
    if fe_field.startswith("members[") and plan.members:
        i = int(fe_field[8:fe_field.index("]")])
        key = fe_field.split(".", 1)[1] if "." in fe_field else "full_name"
        key = {v: k for k, v in MEMBER_FIELD.items()}.get(key, key)
        if i < len(plan.members):
            p = plan.members[i]
            return p, headers.get(p.sheet, {}).get(key, key)
    key = fe_field.rsplit(".", 1)[-1]
    key = {"score_a_final": "score_a", "score_a_paper": "score_a", "household_no": "household_code"}.get(key, key)
    return plan.row, headers.get(plan.row.sheet, {}).get(key, key)


@dataclass
class _Context:
    conn: sqlite3.Connection
    commune: str
    review_year: int
    standard: Standard
    lists: CodeLists
    rnd: ReviewRound | None
    user: str
    reason: str
    villages: dict[str, str]  # name key -> uid
    new_villages: dict[str, str] = field(default_factory=dict)  # name key -> name


def _village_uid(ctx: _Context, name: str | None) -> str | None:
    if not name:
        return None
    key = search_key(name)
    if key in ctx.villages:
        return ctx.villages[key]
    ctx.new_villages.setdefault(key, name)
    return "new-village:" + key  # replaced by the real uid when written


def _member_from(values: dict, base: Member | None) -> Member:
    m = copy.deepcopy(base) if base is not None else Member(full_name=values.get("full_name") or "")
    for c in MEMBER_COLUMNS:
        if c.key == "household_code" or c.key not in values:
            continue  # a column the file does not have keeps the stored value
        name = MEMBER_FIELD.get(c.key, c.key)
        v = values.get(c.key)
        if c.key == "birth_date":
            m.birth_date, m.birth_date_precision = (v if v is not None else (None, "day"))
        elif c.key == "presence":
            m.presence = v or "present"
        elif c.key == "note":
            m.note = v or ""
        else:
            setattr(m, name, v)
    return m


def _match_members(old: list[Member], rows: list[dict]) -> list[Member | None]:
    """For each file member, the stored member it is (same CCCD, else same name and birth year)."""
    free = list(old)
    out: list[Member | None] = []
    for v in rows:
        idn = v.get("id_number")
        hit = next((m for m in free if idn and m.id_number == idn), None)
        if hit is None:
            born = (v.get("birth_date") or (None,))[0]
            hit = next((m for m in free if search_key(m.full_name) == search_key(v.get("full_name"))
                        and (m.birth_date or "")[:4] == (born or "")[:4]), None)
        if hit is not None:
            free.remove(hit)
        out.append(hit)
    return out


def _head_values(values: dict) -> dict:
    birth = values.get("head_birth_date")
    return {"full_name": values.get("head_name"), "relation": HEAD_CODE, "sex": values.get("head_sex"),
            "birth_date": birth, "ethnicity": values.get("head_ethnicity"),
            "id_number": values.get("head_id_number"), "presence": "present"}


def _build(ctx: _Context, plan: Plan, src: Source, old: HouseholdBundle | None, existing: Review | None) -> None:
    """The household bundle and review the file describes, over the stored ones (``old``, ``existing``)."""
    v = plan.row.values
    bundle = copy.deepcopy(old) if old is not None else HouseholdBundle(Household(ctx.commune))
    hh = bundle.household
    if v.get("household_code") is not None:
        hh.household_no = v["household_code"]
    if "village" in v and v["village"] is not None:
        hh.village_uid = _village_uid(ctx, v["village"])
    for key in ("address", "phone", "note"):
        if key in v:
            setattr(hh, key, v[key] or "")
    housing_keys = [c.key for c in HOUSING_COLUMNS if c.key in v]
    for key in housing_keys:
        value = v[key]
        setattr(bundle.housing, key, ",".join(value) if key == "info_devices" and value is not None else value)
    if src.full_roster and plan.members:
        rows = [p.values for p in plan.members]
        matched = _match_members(bundle.members, rows)
        bundle.members = [_member_from(r, m) for r, m in zip(rows, matched, strict=True)]
    elif v.get("head_name"):
        head_vals = {k: x for k, x in _head_values(v).items() if x is not None}
        if "head_birth_date" not in v:
            head_vals.pop("birth_date", None)
        current = next((m for m in bundle.members if m.relation_to_head == HEAD_CODE), None)
        if current is None:
            bundle.members.insert(0, _member_from(head_vals, None))
        else:
            merged = {c.key: getattr(current, MEMBER_FIELD.get(c.key, c.key)) for c in MEMBER_COLUMNS}
            merged["birth_date"] = (current.birth_date, current.birth_date_precision) if current.birth_date else None
            merged.update(head_vals)
            bundle.members[bundle.members.index(current)] = _member_from(merged, current)
    for position, m in enumerate(bundle.members, start=1):  # as write_household stores them
        m.household_uid, m.position = hh.uid, position
    plan.bundle = bundle
    plan.review = _build_review(ctx, plan, bundle, existing)


def _build_review(ctx: _Context, plan: Plan, bundle: HouseholdBundle, existing: Review | None) -> Review:
    v = plan.row.values
    if existing is not None:
        review = copy.deepcopy(existing)
    else:
        ref = dt.date.fromisoformat(ctx.rnd.reference_date[:10]) if ctx.rnd else None
        review = new_review(bundle, ctx.review_year, reference_date=ref, round_uid=ctx.rnd.uid if ctx.rnd else None)
    for key in ("start_status", "review_date", "reviewers", "household_representative", "nlndn", "nlndn_middle"):
        if key not in v or (key == "start_status" and v[key] is None):
            continue  # a list without a start status keeps the one the round carried forward
        value = v[key]
        attr = "nlndn_middle_recognised" if key == "nlndn_middle" else key
        setattr(review, attr, (value or "") if key in ("reviewers", "household_representative") else value)
    if "score_a" in v:
        review.score_a_paper = v["score_a"]
    codes = [i.code for i in ctx.standard.indicators]
    if any(c in v for c in codes):
        reasons = _indicator_reasons(v.get("indicator_reasons") or "")
        for code in codes:
            if code not in v:
                continue
            old = review.indicators.get(code) or IndicatorValue()
            final = None if v[code] is None else (DEPRIVED if v[code] else NOT_DEPRIVED)
            review.indicators[code] = IndicatorValue(old.computed, final, reasons.get(code, ""), old.missing)
    if "causes" in v:
        review.causes = _with_text(ctx.lists, "causes", v.get("causes") or [], v.get("cause_other") or "")
    if "needs" in v:
        review.needs = _with_text(ctx.lists, "support_needs", v.get("needs") or [], v.get("need_other") or "")
    return review


def _indicator_reasons(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        if ":" in part:
            code, reason = part.split(":", 1)
            out[code.strip()] = reason.strip()
    return out


def _with_text(lists: CodeLists, name: str, codes: list[str], text: str) -> dict[str, str]:
    return {c: (text if lists.requires_text(name, c) else "") for c in codes}


def _state_of(bundle: HouseholdBundle | None, review: Review | None) -> tuple:
    if bundle is None:
        return ()
    r = None if review is None else (as_dict(review), {c: as_dict(x) for c, x in review.indicators.items()},
                                     review.causes, review.needs, {c: as_dict(g) for c, g in review.groups.items()})
    return (as_dict(bundle.household), [as_dict(m) for m in bundle.members], as_dict(bundle.housing), r)


def _match(ctx: _Context, plan: Plan, headers: dict[str, str], by_code, by_id, by_name, codes_in_file: set[str]
           ) -> RowIssue | None:
    """Set plan.uid to the stored household it is; a possible duplicate returns the line to show."""
    v = plan.row.values
    code = v.get("household_code")
    if code and code in by_code:
        plan.uid = by_code[code]
        return None
    head_id = v.get("head_id_number")
    if not head_id and plan.members:
        head_id = next((p.values.get("id_number") for p in plan.members if p.values.get("relation") == HEAD_CODE),
                       None)
    if head_id and head_id in by_id:
        hit = by_id[head_id]
        if not (hit.household_no and hit.household_no in codes_in_file and hit.household_no != code):
            plan.uid = hit.uid
            return None
    name = v.get("head_name")
    if not name and plan.members:
        name = next((p.values.get("full_name") for p in plan.members if p.values.get("relation") == HEAD_CODE), "")
    birth = v.get("head_birth_date") or next((p.values.get("birth_date") for p in plan.members
                                              if p.values.get("relation") == HEAD_CODE), None)
    year = (birth[0] if birth else "")[:4]
    village_uid = ctx.villages.get(search_key(v.get("village") or ""))
    for k in by_name.get((village_uid, search_key(name or "")), []):
        if not year or not k.head_birth or k.head_birth[:4] == year:
            shown = f"hộ {k.household_no}" if k.household_no else "một hộ chưa có mã"
            return RowIssue(plan.row.sheet, plan.row.row, headers.get("head_name", "head_name"), name or "",
                            f"Có thể trùng với {shown} đã có (cùng thôn, họ tên chủ hộ, năm sinh): không tự gộp; "
                            "ghi mã hộ hoặc số CCCD của chủ hộ vào tệp để cập nhật đúng hộ")
    return None


def run_import(conn: sqlite3.Connection, path: str | Path, review_year: int, user: str, valid_only: bool = False,
               mapping: mp.Mapping | None = None, unit: str | None = None, control: JobControl = NO_CONTROL,
               dry_run: bool = False, sheets: dict | None = None) -> ImportResult:
    """Validate every row, then write the accepted households in one transaction (see the module doc).
    Needs the EDIT permission (rà soát viên), a dry run too: it is the first half of an import."""
    require(conn, R.EDIT)
    path = Path(path)
    commune = commune_of(conn, unit)
    list_year = list_year_for("periodic", review_year)
    standard = standard_for_list_year(list_year, conn)
    lists = codelists(standard.id)
    control.report(0, 0, "Đang đọc tệp")
    src = load_source(path, conn, standard, mapping, control, sheets)
    rnd = find_round(conn, commune, "periodic", review_year)
    if rnd is not None and rnd.locked:
        raise UserError(f"Đợt rà soát năm {review_year} đã chốt; hãy mở khóa đợt (ghi lý do) trước khi nhập.")
    ctx = _Context(conn, commune, review_year, standard, lists, rnd, user, f"Nhập từ tệp {path.name}",
                   repo_import.village_uids(conn, commune))
    if ctx.rnd is None and count_households(conn, commune):
        raise UserError(f"Xã {commune} chưa mở đợt rà soát định kỳ năm {review_year}. Hãy mở đợt trước (Đợt rà soát > "
                        f"Quản lý đợt rà soát, hoặc bkdesk round open --year {review_year}): các hộ đã có được chuyển "
                        "sang đợt mới; sau đó nhập lại tệp.")
    if ctx.rnd is None:  # a commune's first list: the round is written with the households (same transaction)
        ctx.rnd = ReviewRound(commune, "periodic", review_year, list_year,
                              periodic_reference_date(list_year).isoformat(), state="planned", standard_id=standard.id)
    result = ImportResult(mapping=src.mapping)
    known = repo_import.known_households(conn, commune)
    by_code = {k.household_no: k.uid for k in known if k.household_no}
    by_id = {k.head_id_number: k for k in known if k.head_id_number}
    by_name: dict[tuple, list] = {}
    for k in known:
        by_name.setdefault((k.village_uid, k.head_name_key), []).append(k)
    for p in src.orphans:
        p.issues.append((src.headers.get(p.sheet, {}).get("household_code", "household_code"),
                         _shown(p.values.get("household_code")), "mã hộ không có trong trang hộ gia đình"))
        result.issues.append(_issue_line(p))
    plans: list[Plan] = []
    seen_codes: dict[str, int] = {}
    codes_in_file = {p.values.get("household_code") for p in src.households if p.values.get("household_code")}
    total = len(src.households)
    for n, p in enumerate(src.households):
        if n % 100 == 0:
            control.report(n, total, "Đang kiểm tra")
        code = p.values.get("household_code")
        members = src.members.get(code, []) if code else []
        plan = Plan(p, members)
        plans.append(plan)
        if code and code in seen_codes:
            p.issues.append((src.headers.get(p.sheet, {}).get("household_code", "Mã hộ"), code,
                             f"mã hộ trùng với dòng {seen_codes[code]}"))
        elif code:
            seen_codes[code] = p.row
        if not p.values.get("head_name") and not any(m.values.get("full_name") for m in members):
            p.issues.append((src.headers.get(p.sheet, {}).get("head_name", "Họ và tên chủ hộ"), "",
                             "thiếu họ và tên chủ hộ"))
        if len(members) > MAX_MEMBERS:
            p.issues.append((src.headers.get(p.sheet, {}).get("household_code", "Mã hộ"), code,
                             f"hộ có {len(members)} dòng thành viên, quá giới hạn {MAX_MEMBERS}"))
            members = plan.members = []
        for m in members:
            if not m.values.get("full_name"):
                m.issues.append((src.headers.get(m.sheet, {}).get("full_name", "Họ và tên"), "", "thiếu họ và tên"))
        if p.issues or any(m.issues for m in members):
            _reject(plan, result)
            continue
        dup = _match(ctx, plan, src.headers.get(p.sheet, {}), by_code, by_id, by_name, codes_in_file)
        if dup is not None:
            if code:  # a code the commune does not have yet: a new household, shown for a check
                result.duplicates.append(dup)
            else:
                plan.state = "rejected"
                result.rejected += 1
                result.issues.append(dup)
                continue
        old_bundle = get_household(conn, plan.uid) if plan.uid else None
        old_review = review_in_round(conn, plan.uid, ctx.rnd.uid) if (plan.uid and rnd is not None) else None
        before = _state_of(old_bundle, old_review) if old_bundle is not None else None
        _build(ctx, plan, src, old_bundle, old_review)
        outcome = fill_review(conn, plan.bundle, plan.review, user)
        outcome.issues = household_issues(conn, plan.bundle) + outcome.issues
        bad = [e for e in outcome.errors if is_impossible(e)]
        if bad:
            _reject_with(plan, bad, src, result)
            continue
        plan.bundle.household.complete = 1 if outcome.complete else 0
        if before is not None and _state_of(plan.bundle, plan.review) == before:
            plan.state = "unchanged"
            result.unchanged += 1
            continue
        if old_review is not None and old_review.record_status == "decided":
            plan.row.issues.append(("", "", "phiếu rà soát đã có quyết định công nhận nên không sửa được"))
            _reject(plan, result)
            continue
        plan.review.record_status = "draft"
        if not outcome.complete:  # saved as the desk saves it: a draft "chưa hoàn thành", listed for the officer
            result.incomplete += 1
            reasons = [e.message for e in outcome.errors] or ([outcome.refusal] if outcome.refusal else []) or [
                "chưa đủ thông tin để phân loại"]
            result.drafts.append(RowIssue(p.sheet, p.row, "", _shown(p.values.get("household_code")),
                                          "; ".join(dict.fromkeys(reasons))[:1000]))
        plan.state = "updated" if plan.uid else "added"
    result.issues.sort(key=lambda i: (i.sheet != (src.households[0].sheet if src.households else ""), i.sheet, i.row))
    result.added = sum(1 for p in plans if p.state == "added")
    result.updated = sum(1 for p in plans if p.state == "updated")
    if dry_run or (result.issues and not valid_only):
        return result
    control.check()
    _write(ctx, [p for p in plans if p.state in ("added", "updated")], rnd is None, src, result, control)
    return result


def _reject(plan: Plan, result: ImportResult) -> None:
    plan.state = "rejected"
    result.rejected += 1
    bad_members = [m for m in plan.members if m.issues]
    lines = ([_issue_line(plan.row)] if plan.row.issues else []) + [_issue_line(m) for m in bad_members]
    result.issues += lines


def _reject_with(plan: Plan, errors, src: Source, result: ImportResult) -> None:
    for e in errors:
        row, header = _field_row(plan, e.field, src.headers)
        key = header
        value = ""
        if row is plan.row:
            raw_key = e.field.rsplit(".", 1)[-1]
            value = _shown(row.values.get({"score_a_final": "score_a", "score_a_paper": "score_a"}.get(raw_key,
                                                                                                       raw_key)))
        else:
            raw_key = e.field.rsplit(".", 1)[-1]
            value = _shown(_plain(row.values.get({v: k for k, v in MEMBER_FIELD.items()}.get(raw_key, raw_key))))
        row.issues.append((key, value, e.message))
    _reject(plan, result)


def _plain(v):
    return v[0] if isinstance(v, tuple) else v


def _write(ctx: _Context, plans: list[Plan], new_round: bool, src: Source, result: ImportResult,
           control: JobControl) -> None:
    if not plans:
        return
    at = audit.now_iso()
    with transaction(ctx.conn):
        if new_round:
            repo_import.add_round(ctx.conn, ctx.rnd, ctx.user, ctx.reason, at)
        uids = {}
        for key, name in ctx.new_villages.items():
            uids["new-village:" + key] = repo_import.add_village(ctx.conn, ctx.commune, name, ctx.user, ctx.reason, at)
        for plan in plans:
            hh = plan.bundle.household
            if hh.village_uid in uids:
                hh.village_uid = uids[hh.village_uid]
                plan.review.village_uid = hh.village_uid
            plan.review.round_uid = ctx.rnd.uid
        added = [p for p in plans if p.state == "added"]
        control.report(0, len(plans), "Đang ghi")
        repo_import.insert_new_households(ctx.conn, [(p.bundle, p.review) for p in added], ctx.user, ctx.reason, at)
        for n, plan in enumerate(p for p in plans if p.state == "updated"):
            if n % 100 == 0:
                control.report(len(added) + n, len(plans), "Đang ghi")
            write_household(ctx.conn, plan.bundle, ctx.user, ctx.reason, at=at)
            write_review(ctx.conn, plan.review, ctx.user, ctx.reason, at=at)
        if src.mapping is not None and src.shape:
            repo_import.save_mapping(ctx.conn, src.shape, src.mapping.as_json())
    result.written = True
    log.info("household list imported into commune %s: %d added, %d updated (%s)", ctx.commune,
             sum(p.state == "added" for p in plans), sum(p.state == "updated" for p in plans), ctx.reason)
    control.report(len(plans), len(plans), "Xong")


def current_user(conn: sqlite3.Connection) -> str:
    return settings.officer(conn) or "Cán bộ"


# --- the report ------------------------------------------------------------------------------------

REPORT_COLUMNS = ("Sheet", "Dòng", "Cột", "Giá trị", "Lý do")


def write_report(result: ImportResult, out: str | Path, source_name: str) -> Path:
    """The validation report: rejected rows (each once), possible duplicates, and the counts; written whole
    or not at all."""
    from bkdesk.export.render.xlsx import xlsx_output

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError("Tệp báo cáo phải có đuôi .xlsx.")
    with xlsx_output(out, {"strings_to_formulas": False, "strings_to_urls": False}) as wb:
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        for title, lines in (("Dòng bị từ chối", result.issues), ("Có thể trùng", result.duplicates),
                             ("Phiếu chưa hoàn thành", result.drafts)):
            ws = wb.add_worksheet(title)
            for ci, (h, w) in enumerate(zip(REPORT_COLUMNS, (18, 8, 24, 24, 80), strict=True)):
                ws.write_string(0, ci, h, bold)
                ws.set_column(ci, ci, w)
            ws.freeze_panes(1, 0)
            for ri, i in enumerate(lines, start=1):
                ws.write_string(ri, 0, i.sheet)
                ws.write_number(ri, 1, i.row)
                ws.write_string(ri, 2, i.column)
                ws.write_string(ri, 3, i.value)
                ws.write_string(ri, 4, i.reason)
        ws = wb.add_worksheet("Tóm tắt")
        ws.set_column(0, 0, 40)
        rows = [("Tệp", source_name), ("Thêm mới (hộ)", result.added), ("Cập nhật (hộ)", result.updated),
                ("Không thay đổi (hộ)", result.unchanged), ("Bị từ chối (hộ)", result.rejected),
                ("Dòng bị từ chối", len(result.issues)), ("Có thể trùng", len(result.duplicates)),
                ("Phiếu còn thiếu thông tin (bản nháp chưa hoàn thành)", result.incomplete),
                ("Đã ghi vào cơ sở dữ liệu", "Có" if result.written else "Không")]
        for ri, (k, v) in enumerate(rows):
            ws.write_string(ri, 0, k)
            ws.write(ri, 1, v)
    return out
