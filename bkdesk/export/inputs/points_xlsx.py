"""A B1 points table from a workbook (sheets meta/questions/options/bands) or canonical JSON file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bkdesk.export.sync.file_guard import check_xlsx
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
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return import_xlsx(path)
    return load_points_json(path.read_bytes(), path.name)


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
    """Workbook (sheets meta/questions/options/bands) -> validated canonical table with its checksum."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    check_xlsx(path, lambda msg: PointsTableError([msg], path.name), max_cells=1_000_000)  # issue 9
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise PointsTableError([f"không đọc được tệp Excel ({exc})"], path.name) from None
    missing = [s for s in SHEET_COLUMNS if s not in wb.sheet_names]
    if missing:
        raise PointsTableError([f"thiếu trang tính '{s}'" for s in missing], path.name)
    sheets: dict[str, list[dict]] = {}
    problems: list[str] = []
    for name, cols in SHEET_COLUMNS.items():
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=True)
        except Exception as exc:  # a damaged sheet part: calamine's own error types
            raise PointsTableError([f"trang '{name}' bị hỏng, không đọc được ({str(exc)[:200]})"], path.name) from None
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
    questions = []
    for r in sheets["questions"]:
        q = {"code": None if r["code"] is None else str(r["code"]), "order": r["order"],
             "section_vi": r["section_vi"], "label_vi": r["label_vi"], "type": r["type"], "unit_vi": r["unit_vi"],
             "required": _bool(r["required"]), "min_value": _num_or_text(r["min_value"]),
             "derived_from": r["derived_from"], "options": [], "bands": []}
        q["options"] = [{"code": str(o["option_code"]), "label_vi": o["label_vi"], "points": _num_or_text(o["points"])}
                        for o in sheets["options"] if str(o["question_code"]) == q["code"]]
        q["bands"] = [{"min": _num_or_text(b["min"]), "max": _num_or_text(b["max"]),
                       "min_inclusive": _bool(b["min_inclusive"]), "max_inclusive": _bool(b["max_inclusive"]),
                       "points": _num_or_text(b["points"])}
                      for b in sheets["bands"] if str(b["question_code"]) == q["code"]]
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
