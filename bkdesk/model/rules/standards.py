"""Poverty standards as versioned data (standards.md §2, §4): load, validate, select, revise.

Every number, list and label lives in ``resources/standards/*.json`` or in the ``standard_revision``
table; this module only knows the *shape*. Edited copies are saved as revision N+1 with an audit row.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bkdesk.errors import UserError
from bkdesk.model.rules.datafiles import read_json
from bkdesk.paths import resource_path

ACTIVE = "active"
PENDING_LEGAL_TEXT = "pending_legal_text"
AREAS = ("rural", "urban")
REVIEW_TYPES_SAME_YEAR = ("regular", "nlndn", "low_income_worker")
_TOP_KEYS = ("id", "name_vi", "legal_basis", "list_year_from", "list_year_to", "status", "area_label_vi",
             "income_line", "middle_band_upper", "min_deprivations_poor", "score", "low_income_worker",
             "dimensions", "indicators", "phieu_a", "form_set", "confidence", "province_overrides", "revision")
_SCORE_KEYS = ("threshold_rural", "threshold_urban", "points_per_deprivation", "min_score_b_poor")
_IND_KEYS = ("code", "order", "dimension_code", "label_vi", "label_en", "rule_type", "params", "confidence")


class StandardDataError(UserError):
    """Invalid standard data; the message names the file (or revision) and the field."""


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def validate_standard_data(data: Any, source: str) -> None:
    """Raise StandardDataError listing every problem (field paths) in one message."""
    from bkdesk.model.rules.indicators import RULE_TYPES  # late: indicators imports this module

    errs: list[str] = []
    if not isinstance(data, dict):
        raise StandardDataError(f"Dữ liệu chuẩn nghèo {source}: phải là một đối tượng JSON.")
    for k in _TOP_KEYS:
        if k not in data:
            errs.append(f"thiếu trường '{k}'")
    if errs:
        raise StandardDataError(f"Dữ liệu chuẩn nghèo {source} không hợp lệ: " + "; ".join(errs) + ".")
    if not isinstance(data["id"], str) or not data["id"]:
        errs.append("trường 'id' phải là chuỗi khác rỗng")
    for k in ("list_year_from", "list_year_to", "min_deprivations_poor"):
        if not isinstance(data[k], int) or isinstance(data[k], bool):
            errs.append(f"trường '{k}' phải là số nguyên")
    if not errs and data["list_year_from"] > data["list_year_to"]:
        errs.append("'list_year_from' lớn hơn 'list_year_to'")
    if data["status"] not in (ACTIVE, PENDING_LEGAL_TEXT):
        errs.append(f"trường 'status' phải là '{ACTIVE}' hoặc '{PENDING_LEGAL_TEXT}'")
    for k in ("income_line", "middle_band_upper"):
        v = data[k]
        if v is None and k == "middle_band_upper":
            continue
        if not isinstance(v, dict) or any(not _is_num(v.get(a)) or v.get(a) < 0 for a in AREAS):
            errs.append(f"trường '{k}' phải có 'rural' và 'urban' là số ≥ 0")
    if isinstance(data["income_line"], dict) and isinstance(data["middle_band_upper"], dict):
        for a in AREAS:
            line, upper = data["income_line"].get(a), data["middle_band_upper"].get(a)
            if _is_num(line) and _is_num(upper) and upper <= line:
                errs.append(f"'middle_band_upper.{a}' phải lớn hơn 'income_line.{a}'")
    score = data["score"]
    if score is not None:
        if not isinstance(score, dict):
            errs.append("trường 'score' phải là đối tượng hoặc null")
        else:
            for k in _SCORE_KEYS:
                if k not in score or (score[k] is not None and not _is_num(score[k])):
                    errs.append(f"trường 'score.{k}' phải là số hoặc null")
    liw = data["low_income_worker"]
    if liw is not None:
        for k in ("rural_max", "urban_max"):
            if not _is_num(liw.get(k)):
                errs.append(f"trường 'low_income_worker.{k}' phải là số")
        for k in ("valid_from", "valid_to"):
            if liw.get(k) is not None and not _is_iso(liw.get(k)):
                errs.append(f"trường 'low_income_worker.{k}' phải là ngày yyyy-mm-dd")
    dim_codes = set()
    for i, d in enumerate(data["dimensions"] if isinstance(data["dimensions"], list) else []):
        if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in ("code", "label_vi", "label_en")):
            errs.append(f"trường 'dimensions[{i}]' thiếu code/label_vi/label_en")
        else:
            dim_codes.add(d["code"])
    if not isinstance(data["indicators"], list) or not data["indicators"]:
        errs.append("trường 'indicators' phải là danh sách khác rỗng")
    else:
        seen: set[str] = set()
        for i, ind in enumerate(data["indicators"]):
            where = f"indicators[{i}]"
            if not isinstance(ind, dict):
                errs.append(f"trường '{where}' phải là đối tượng")
                continue
            for k in _IND_KEYS:
                if k not in ind:
                    errs.append(f"trường '{where}.{k}' bị thiếu")
            code = ind.get("code")
            if code in seen:
                errs.append(f"mã chỉ số '{code}' bị trùng")
            seen.add(code)
            if ind.get("dimension_code") not in dim_codes:
                errs.append(f"'{where}.dimension_code' = {ind.get('dimension_code')!r} không có trong 'dimensions'")
            rt = ind.get("rule_type")
            if rt is not None and rt not in RULE_TYPES:
                errs.append(f"'{where}.rule_type' = {rt!r} không được hỗ trợ")
            if not isinstance(ind.get("params", {}), dict):
                errs.append(f"'{where}.params' phải là đối tượng")
    if not isinstance(data["province_overrides"], dict):
        errs.append("trường 'province_overrides' phải là đối tượng")
    rev = data["revision"]
    if not isinstance(rev, dict) or not isinstance(rev.get("number"), int) or rev["number"] < 1:
        errs.append("trường 'revision.number' phải là số nguyên ≥ 1")
    if not errs and data["status"] == ACTIVE:
        missing = missing_settings(data)
        if missing:
            errs.append("chuẩn 'active' nhưng còn thiếu: " + ", ".join(m[1] for m in missing))
    if errs:
        raise StandardDataError(f"Dữ liệu chuẩn nghèo {source} không hợp lệ: " + "; ".join(errs) + ".")


def _is_iso(v: Any) -> bool:
    try:
        dt.date.fromisoformat(v)
        return True
    except (TypeError, ValueError):
        return False


def missing_settings(data: dict) -> list[tuple[str, str, str]]:
    """Settings an active standard needs (§6.8): (key, Vietnamese, English) for each one still empty."""
    out: list[tuple[str, str, str]] = []
    line = data.get("income_line")
    if not isinstance(line, dict) or any(line.get(a) is None for a in AREAS):
        out.append(("income_line", "chuẩn thu nhập", "income lines"))
    score = data.get("score")
    if not isinstance(score, dict) or any(score.get(k) is None for k in _SCORE_KEYS):
        out.append(("score", "ngưỡng điểm A/B", "income-score thresholds"))
        if not data.get("points_tables"):
            out.append(("points_tables", "bảng điểm B1", "B1 tables"))
    no_rule = [i["code"] for i in data.get("indicators") or [] if not i.get("rule_type")]
    if no_rule:
        out.append(("indicators", "quy tắc chỉ số (" + ", ".join(no_rule) + ")",
                    "indicator rules (" + ", ".join(no_rule) + ")"))
    if not data.get("form_set"):
        out.append(("form_set", "bộ biểu mẫu", "form set"))
    return out


@dataclass(frozen=True)
class Indicator:
    code: str
    order: int
    dimension_code: str
    label_vi: str
    label_en: str
    rule_type: str | None
    params: dict


class Standard:
    """One standard version (one data revision), with the figures classification needs precomputed."""

    def __init__(self, data: dict, source: str = "?"):
        validate_standard_data(data, source)
        self.data = data
        self.source = source
        self.id: str = data["id"]
        self.status: str = data["status"]
        self.revision: int = data["revision"]["number"]
        self.list_year_from: int = data["list_year_from"]
        self.list_year_to: int = data["list_year_to"]
        self.income_line: dict = data["income_line"]
        self.middle_band_upper: dict | None = data["middle_band_upper"]
        self.min_deprivations_poor: int = data["min_deprivations_poor"]
        self.score: dict | None = data["score"]
        self.low_income_worker: dict | None = data["low_income_worker"]
        self.area_label_vi: dict = data["area_label_vi"]
        self.form_set: str | None = data["form_set"]
        self.indicators: tuple[Indicator, ...] = tuple(sorted(
            (Indicator(i["code"], i["order"], i["dimension_code"], i["label_vi"], i["label_en"],
                       i["rule_type"], dict(i["params"] or {})) for i in data["indicators"]),
            key=lambda i: i.order))
        self.indicator_codes: tuple[str, ...] = tuple(i.code for i in self.indicators)
        self.indicator_by_code: dict[str, Indicator] = {i.code: i for i in self.indicators}
        self.missing: list[tuple[str, str, str]] = missing_settings(data)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    def covers(self, list_year: int) -> bool:
        return self.list_year_from <= list_year <= self.list_year_to

    def threshold(self, area: str) -> float | None:
        return None if self.score is None else self.score.get(f"threshold_{area}")

    def with_province(self, province_code: str) -> Standard:
        """Copy with the province's overrides applied (dotted field paths, e.g. ``income_line.rural``)."""
        over = self.data["province_overrides"].get(province_code)
        if not over:
            return self
        data = copy.deepcopy(self.data)
        for path, value in over.items():
            if path == "source_document":
                continue
            node = data
            *parents, last = path.split(".")
            for p in parents:
                node = node[p]
            node[last] = value
        return Standard(data, f"{self.source} (tỉnh {province_code})")

    def __repr__(self) -> str:
        return f"Standard({self.id!r}, revision={self.revision}, status={self.status!r})"


# --- shipped files -------------------------------------------------------------------------------

def standards_dir() -> Path:
    return resource_path("standards")


def load_standard_file(path: str | Path) -> Standard:
    path = Path(path)
    return Standard(read_json(path, StandardDataError, "tệp chuẩn nghèo"), path.name)


@lru_cache(maxsize=1)
def shipped_standards() -> dict[str, Standard]:
    out: dict[str, Standard] = {}
    for p in sorted(standards_dir().glob("*.json")):
        s = load_standard_file(p)
        if p.stem != s.id:
            raise StandardDataError(f"Tệp chuẩn nghèo {p.name}: trường 'id' = {s.id!r} khác tên tệp.")
        out[s.id] = s
    return out


def shipped_standard(standard_id: str) -> Standard:
    try:
        return shipped_standards()[standard_id]
    except KeyError:
        raise UserError(f"Không có chuẩn nghèo mã '{standard_id}'.") from None


# --- list year and selection (§1, §2) -----------------------------------------------------------

def list_year_for(review_type: str, review_year: int) -> int:
    """Periodic review in year R -> list year R + 1; regular (and income) reviews in year Y -> Y."""
    if review_type == "periodic":
        return review_year + 1
    if review_type in REVIEW_TYPES_SAME_YEAR:
        return review_year
    raise UserError(f"Loại rà soát không hợp lệ: '{review_type}'.")


def periodic_reference_date(list_year: int) -> dt.date:
    """Default reference date of the periodic round producing ``list_year``: 1 September of R = L − 1."""
    return dt.date(list_year - 1, 9, 1)


def select_standard(list_year: int, standards: list[Standard] | None = None) -> Standard | None:
    """The version whose [list_year_from, list_year_to] contains the list year, or None."""
    pool = standards if standards is not None else list(shipped_standards().values())
    found = [s for s in pool if s.covers(list_year)]
    if len(found) > 1:
        raise StandardDataError(f"Năm danh sách {list_year} thuộc nhiều chuẩn nghèo: "
                                + ", ".join(s.id for s in found) + ".")
    return found[0] if found else None


def shipped_standard_for_list_year(list_year: int) -> Standard:
    """The shipped standard for a list year (the database's own revisions: store.repo_standards)."""
    return require_standard(list_year, select_standard(list_year, list(shipped_standards().values())))


def require_standard(list_year: int, found: Standard | None) -> Standard:
    if found is None:
        raise UserError(f"Không có chuẩn nghèo áp dụng cho năm danh sách {list_year} "
                        "(bkdesk hỗ trợ từ năm danh sách 2022).")
    return found


def require_official(standard: Standard) -> None:
    """Refuse official documents (Forms 02/03, official reports) under a standard that is not active."""
    if standard.is_active:
        return
    missing = ", ".join(m[1] for m in standard.missing) or "văn bản hướng dẫn"
    raise UserError(f"Chuẩn nghèo {standard.id} chưa có hiệu lực (chờ văn bản hướng dẫn): không thể lập văn bản "
                    f"chính thức (Mẫu 02, Mẫu 03, báo cáo chính thức). Còn thiếu: {missing}.")
