"""Classification (standards.md §8), income definitions (§5.3, §5.9) and low-income workers (§5.10).

Thresholds come from the standard data; per-standard figures are precomputed once (``_Prepared``) so a
classification is a handful of comparisons (100,000 reviews in well under 2 s).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from bkdesk.errors import UserError
from bkdesk.model.rules import standards as stds
from bkdesk.model.rules.indicators import DEPRIVED, FINAL_VALUES
from bkdesk.model.rules.units import UnitError, area_of

POOR, NEAR_POOR, MIDDLE, NOT_POOR, PENDING = "POOR", "NEAR_POOR", "MIDDLE", "NOT_POOR", "PENDING"
CLASSES = (POOR, NEAR_POOR, MIDDLE, NOT_POOR)
# Poorer first: used to compare classes (property tests, transition logic).
CLASS_RANK = {POOR: 0, NEAR_POOR: 1, MIDDLE: 2, NOT_POOR: 3}
CLASS_LABELS = {
    "vi": {POOR: "Hộ nghèo", NEAR_POOR: "Hộ cận nghèo", MIDDLE: "Hộ có mức sống trung bình",
           NOT_POOR: "Hộ không nghèo", PENDING: "Chưa đủ căn cứ để phân loại"},
    "en": {POOR: "Poor household", NEAR_POOR: "Near-poor household", MIDDLE: "Middle-living-standard household",
           NOT_POOR: "Not poor", PENDING: "Not enough basis to classify"},
}
AREA_LABEL_EN = {"rural": "rural", "urban": "urban"}
PHIEU_A_EXCLUDED = "EXCLUDED_NOT_POOR"


@dataclass
class ClassResult:
    cls: str
    standard_id: str | None
    revision: int | None
    area: str | None
    score_a: float | None = None
    score_b: float | None = None
    deprivation_count: int | None = None
    deprived: tuple[str, ...] = ()
    missing: list[tuple[str, str, str]] = field(default_factory=list)  # (key, vi, en)
    threshold: float | None = None
    min_score_b: float | None = None
    basis: str = "score"  # score | phieu_a | pending | income
    income_text: str = ""  # the reasons of an income determination (basis "income")
    _labels: dict = field(default_factory=dict, repr=False)
    _area_vi: str = ""

    def reasons(self, lang: str = "vi") -> str:
        """Human-readable reasons, e.g. "A = 132 ≤ T (nông thôn); B = 40 ≥ 30 (...) → Hộ nghèo"."""
        vi = lang != "en"
        label = CLASS_LABELS["vi" if vi else "en"][self.cls]
        if self.cls == PENDING:
            items = "; ".join(m[1] if vi else m[2] for m in self.missing)
            return f"{label}: {items}"
        if self.basis == "income":
            return self.income_text or label
        if self.basis == "phieu_a":
            return (f"Đáp ứng tiêu chí loại trừ của Phiếu A → {label}" if vi
                    else f"Phiếu A exclusion criteria met → {label}")
        area = self._area_vi if vi else AREA_LABEL_EN.get(self.area or "", "")
        a, t = _num(self.score_a), _num(self.threshold)
        if self.score_a > self.threshold:
            text = f"A = {a} > {t} ({area})"
            if self.cls == MIDDLE:
                text += ("; hộ NLNDN được công nhận có mức sống trung bình" if vi
                         else "; NLNDN household recognised as middle living standard")
            elif vi:
                label += " (vượt chuẩn cận nghèo)"
            return f"{text} → {label}"
        op = "≥" if self.score_b >= self.min_score_b else "<"
        names = [self._labels[c][0 if vi else 1] for c in self.deprived]
        if names:
            detail = (f"thiếu hụt {len(names)} chỉ số: " if vi else f"deprived in {len(names)} indicators: ")
            detail += ", ".join(names)
        else:
            detail = "không thiếu hụt chỉ số nào" if vi else "no deprivation"
        return f"A = {a} ≤ {t} ({area}); B = {_num(self.score_b)} {op} {_num(self.min_score_b)} ({detail}) → {label}"

    def as_dict(self, lang: str = "vi") -> dict:
        return {"class": self.cls, "standard_id": self.standard_id, "revision": self.revision, "area": self.area,
                "score_a": self.score_a, "score_b": self.score_b, "deprivation_count": self.deprivation_count,
                "deprived": list(self.deprived), "missing": [m[0] for m in self.missing],
                "reasons": self.reasons(lang)}


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class _Prepared:
    """Per-standard figures read once from the data."""

    def __init__(self, std: stds.Standard):
        self.std = std
        self.codes = frozenset(std.indicator_codes)
        self.order = {c: i for i, c in enumerate(std.indicator_codes)}
        self.labels = {i.code: (i.label_vi, i.label_en) for i in std.indicators}
        score = std.score or {}
        self.thresholds = {"rural": score.get("threshold_rural"), "urban": score.get("threshold_urban")}
        self.per_deprivation = score.get("points_per_deprivation")
        self.min_b = score.get("min_score_b_poor")
        self.not_active = [] if std.is_active else (
            [("status", "chuẩn nghèo chưa có hiệu lực", "standard not active")] + std.missing)


@lru_cache(maxsize=64)
def prepare(std: stds.Standard) -> _Prepared:
    """Precomputed figures of one standard object (cached by identity)."""
    return _Prepared(std)


def check_score_a(score_a) -> float | None:
    if score_a is None:
        return None
    if isinstance(score_a, bool) or not isinstance(score_a, int | float) or math.isnan(score_a) or score_a < 0:
        raise UserError(f"Điểm A phải là một số ≥ 0 (nhận được: {score_a!r}).")
    return score_a


def classify(list_year: int, commune_code: str, reference_date: dt.date, score_a_final: float | None,
             indicator_finals: Mapping[str, str | None], phieu_a_result: str | None = None,
             nlndn_middle: bool = False, standard: stds.Standard | None = None,
             area: str | None = None) -> ClassResult:
    """§8 pseudo-code. ``indicator_finals``: code -> deprived | not_deprived | None (not confirmed)."""
    std = standard or stds.shipped_standard_for_list_year(list_year)
    if not std.covers(list_year):
        raise UserError(f"Chuẩn nghèo {std.id} không áp dụng cho năm danh sách {list_year}.")
    p = prepare(std)
    if area is None:
        try:
            area = area_of(commune_code, reference_date)
        except UnitError as exc:
            raise UserError(f"Mã xã không hợp lệ: {exc}.") from None
    unknown = [c for c in indicator_finals if c not in p.codes]
    if unknown:
        raise UserError(f"Mã chỉ số không có trong chuẩn {std.id}: {', '.join(unknown)}.")
    score_a = check_score_a(score_a_final)
    res = ClassResult(PENDING, std.id, std.revision, area, score_a, _labels=p.labels,
                      _area_vi=std.area_label_vi.get(area, area))
    if p.not_active:
        res.missing = list(p.not_active)
        res.basis = "pending"
        return res
    if phieu_a_result == PHIEU_A_EXCLUDED:
        res.cls, res.basis = NOT_POOR, "phieu_a"
        return res
    if score_a is None:
        res.missing = [("score_a", "chưa có điểm A", "score A missing")]
    deprived = []
    unconfirmed = []
    for code in std.indicator_codes:
        v = indicator_finals.get(code)
        if v is None:
            unconfirmed.append(code)
        elif v == DEPRIVED:
            deprived.append(code)
        elif v not in FINAL_VALUES:
            raise UserError(f"Giá trị chỉ số {code} không hợp lệ: {v!r}.")
    if unconfirmed:
        res.missing.append(("indicators", "chỉ số chưa xác nhận: " + ", ".join(unconfirmed),
                            "indicator not confirmed: " + ", ".join(unconfirmed)))
    t = p.thresholds.get(area)
    if t is None:
        res.missing.append(("score_threshold", "chưa có ngưỡng điểm A", "score threshold not set"))
    if res.missing:
        res.basis = "pending"
        return res
    d = len(deprived)
    b = p.per_deprivation * d
    res.deprivation_count, res.score_b, res.deprived = d, b, tuple(deprived)
    res.threshold, res.min_score_b = t, p.min_b
    if score_a <= t:
        res.cls = POOR if b >= p.min_b else NEAR_POOR
    else:
        res.cls = MIDDLE if nlndn_middle else NOT_POOR
    return res


# --- computed vs final ---------------------------------------------------------------------------

def final_class(computed: str, override: str | None = None, reason: str | None = None) -> str | None:
    """The class the commune recognises: computed unless overridden; an override needs a reason."""
    if override is None or override == computed:
        return computed if computed in CLASSES else None
    if override not in CLASSES:
        raise UserError(f"Loại hộ không hợp lệ: {override!r}.")
    if not (reason or "").strip():
        raise UserError("Phải ghi lý do khi thay đổi kết quả phân loại so với kết quả tính được.")
    return override


# --- income definitions (§5.3, §5.9) and low-income workers (§5.10) ------------------------------

def _per_capita_le(income_12m: int, members: int, line: int | float) -> bool:
    """I ≤ X  ⇔  income_12m ≤ X × 12 × members, compared without rounding."""
    if isinstance(line, float) and not line.is_integer():
        from fractions import Fraction
        return Fraction(income_12m) <= Fraction(str(line)) * 12 * members
    return income_12m <= int(line) * 12 * members


def _check_income(income_12m, members) -> None:
    if not isinstance(income_12m, int) or isinstance(income_12m, bool) or income_12m < 0:
        raise UserError("Thu nhập 12 tháng phải là số nguyên ≥ 0 (đồng).")
    if not isinstance(members, int) or isinstance(members, bool) or members <= 0:
        raise UserError("Số nhân khẩu phải là số nguyên > 0.")


def classify_by_income(std: stds.Standard, area: str, income_12m: int, members: int, deprivations: int,
                       nlndn: bool) -> str:
    """Decree definitions: poor / near-poor (I ≤ line), MIDDLE (NLNDN in the band), else NOT_POOR."""
    _check_income(income_12m, members)
    if _per_capita_le(income_12m, members, std.income_line[area]):
        return POOR if deprivations >= std.min_deprivations_poor else NEAR_POOR
    upper = (std.middle_band_upper or {}).get(area)
    if nlndn and upper is not None and _per_capita_le(income_12m, members, upper):
        return MIDDLE
    return NOT_POOR


def low_income_worker_household(std: stds.Standard, area: str, household_class: str, income_12m: int,
                                 members: int, on_date: dt.date) -> bool:
    """Decree 30/2025: household not poor/near-poor with I ≤ the area maximum, on a date it applies."""
    rule = std.low_income_worker
    if rule is None or household_class in (POOR, NEAR_POOR, PENDING):
        return False
    day = on_date.isoformat()
    if day < rule["valid_from"] or (rule.get("valid_to") and day > rule["valid_to"]):
        return False
    _check_income(income_12m, members)
    return _per_capita_le(income_12m, members, rule[f"{area}_max"])

