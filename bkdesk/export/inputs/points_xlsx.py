"""A B1 points table from a workbook (sheets meta/questions/options/bands) or canonical JSON file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bkdesk.export.sync.file_guard import read_workbook_isolated
from bkdesk.limits import limit
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.rules.points_table import (
    FORMAT,
    FORMAT_VERSION,
    META_KEYS,
    SHEET_COLUMNS,
    PointsTableError,
    check_table,
    load_points_json,
    table_checksum,
)


def load_points_file(path: str | Path) -> dict:
    """A points table from .xlsx or canonical JSON, within the limits of resources/limits/limits.json."""
    path = Path(path)
    max_bytes = limit("points_table", "max_file_bytes")
    try:
        size = path.stat().st_size
    except OSError as exc:
        from bkdesk.fileio import os_error_message

        raise PointsTableError([os_error_message(exc, path)], path.name) from None
    if size > max_bytes:
        raise PointsTableError([f"tệp quá lớn ({fmt_int(size // 1024)} KB; giới hạn {fmt_int(max_bytes // 1024)} KB"
                                " cho một bảng điểm)"], path.name)
    if path.suffix.lower() == ".xlsx":
        return import_xlsx(path)
    table = load_points_json(path.read_bytes(), path.name)
    _check_counts(len(table["questions"]), sum(len(q.get("options") or []) for q in table["questions"]),
                  sum(len(q.get("bands") or []) for q in table["questions"]), path.name)
    return table


def _check_counts(questions: int, options: int, bands: int, name: str) -> None:
    for what, n, key in (("câu hỏi", questions, "max_questions"), ("lựa chọn", options, "max_options"),
                         ("khoảng điểm", bands, "max_bands")):
        if n > limit("points_table", key):
            raise PointsTableError([f"có {n} {what}; giới hạn {limit('points_table', key)} {what} một bảng điểm"],
                                   name)


def _cell(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _bool(v: Any) -> Any:
    if isinstance(v, str) and v.lower() in ("true", "yes", "có", "x", "1"):
        return True
    if isinstance(v, str) and v.lower() in ("false", "no", "không", "0"):
        return False
    return bool(v) if isinstance(v, int) and v in (0, 1) else v


def _num_or_text(v: Any) -> Any:
    if isinstance(v, str):
        try:
            f = float(v.replace(",", "."))
            return int(f) if f.is_integer() else f
        except ValueError:
            return v
    return v


def import_xlsx(path: str | Path) -> dict:
    """Workbook (sheets meta/questions/options/bands) -> validated canonical table with its checksum.

    The workbook is guarded and read in a child process (file_guard.read_workbook_isolated); the
    validation is linear in the number of rows (options and bands are grouped by question once)."""
    path = Path(path)
    names, data = read_workbook_isolated(path, list(SHEET_COLUMNS), lambda msg: PointsTableError([msg], path.name),
                                         max_cells=limit("points_table", "max_sheet_cells"),
                                         max_bytes=limit("points_table", "max_file_bytes"))
    missing = [s for s in SHEET_COLUMNS if s not in names]
    if missing:
        raise PointsTableError([f"thiếu trang tính '{s}'" for s in missing], path.name)
    sheets: dict[str, list[dict]] = {}
    problems: list[str] = []
    max_chars = limit("points_table", "max_cell_chars")
    for name, cols in SHEET_COLUMNS.items():
        rows = data[name]
        long = next((c for r in rows for c in r if isinstance(c, str) and len(c) > max_chars), None)
        if long is not None:
            raise PointsTableError([f"trang '{name}' có ô dài {len(long)} ký tự; giới hạn {max_chars} ký tự một ô"],
                                   path.name)
        header = [str(c).strip() for c in rows[0]] if rows else []
        lack = [c for c in cols if c not in header]
        if lack:
            problems.append(f"trang '{name}' thiếu cột: {', '.join(lack)}")
            continue
        idx = {c: header.index(c) for c in cols}
        sheets[name] = [{c: _cell(r[idx[c]]) if idx[c] < len(r) else None for c in cols}
                        for r in rows[1:] if any(_cell(x) is not None for x in r)]
    if problems:
        raise PointsTableError(problems, path.name)
    meta = {r["key"]: r["value"] for r in sheets["meta"] if r["key"]}
    unknown_meta = sorted(set(meta) - set(META_KEYS))
    if unknown_meta:
        raise PointsTableError([f"trang 'meta' có khóa lạ: {', '.join(map(str, unknown_meta))}"], path.name)
    _check_counts(len(sheets["questions"]), len(sheets["options"]), len(sheets["bands"]), path.name)
    options_of: dict[str, list[dict]] = {}
    bands_of: dict[str, list[dict]] = {}
    for o in sheets["options"]:
        options_of.setdefault(str(o["question_code"]), []).append(o)
    for b in sheets["bands"]:
        bands_of.setdefault(str(b["question_code"]), []).append(b)
    questions = []
    for r in sheets["questions"]:
        q = {"code": None if r["code"] is None else str(r["code"]), "order": r["order"],
             "section_vi": r["section_vi"], "label_vi": r["label_vi"], "type": r["type"], "unit_vi": r["unit_vi"],
             "required": _bool(r["required"]), "min_value": _num_or_text(r["min_value"]),
             "derived_from": r["derived_from"], "options": [], "bands": []}
        q["options"] = [{"code": str(o["option_code"]), "label_vi": o["label_vi"], "points": _num_or_text(o["points"])}
                        for o in options_of.get(q["code"], [])]
        q["bands"] = [{"min": _num_or_text(b["min"]), "max": _num_or_text(b["max"]),
                       "min_inclusive": _bool(b["min_inclusive"]), "max_inclusive": _bool(b["max_inclusive"]),
                       "points": _num_or_text(b["points"])}
                      for b in bands_of.get(q["code"], [])]
        questions.append(q)
    known = {q["code"] for q in questions}
    orphans = sorted({str(r["question_code"]) for s in ("options", "bands") for r in sheets[s]} - known)
    if orphans:
        raise PointsTableError([f"lựa chọn/khoảng điểm của câu hỏi không tồn tại: {', '.join(orphans)}"], path.name)
    table = {"format": FORMAT, "format_version": FORMAT_VERSION,
             **{k: meta.get(k) for k in ("standard_id", "form", "region_code", "region_name_vi", "area",
                                         "version", "valid_from", "valid_to", "entered_by", "checked_by")},
             "base_points": _num_or_text(meta.get("base_points")),
             "source": {"document": meta.get("source_document"), "annex": meta.get("source_annex"), "note": None},
             "questions": questions}
    if table["version"] is not None:
        table["version"] = str(table["version"])
    check_table(table, path.name, require_checksum=False)
    table["checksum_sha256"] = table_checksum(table)
    return table


def preview_lines(table: dict) -> list[str]:
    """What the officer checks before confirming (the desk shows the same lines)."""
    options = sum(len(q.get("options") or []) for q in table["questions"])
    bands = sum(len(q.get("bands") or []) for q in table["questions"])
    return [f"Bảng điểm {table['version']} ({table['standard_id']}, mẫu {table['form']})",
            f"Vùng {table.get('region_name_vi') or table['region_code']}, khu vực "
            f"{'thành thị' if table['area'] == 'urban' else 'nông thôn'}, hiệu lực từ {table['valid_from']}",
            f"{len(table['questions'])} câu hỏi, {options} lựa chọn, {bands} khoảng điểm",
            f"Mã kiểm tra {table['checksum_sha256'][:16]}…"]
