"""The deprivation indicators (standards.md §5.5): one rule *type* per indicator, numbers from data.

Each rule reads a roster (member mappings, households.md §3.2 field names) and a housing mapping (§4)
and yields ``deprived`` / ``not_deprived`` / ``unknown`` with the missing fields or settings.
Three-valued logic: a value is ``None`` when it cannot be decided, together with what is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bkdesk.errors import UserError

DEPRIVED = "deprived"
NOT_DEPRIVED = "not_deprived"
UNKNOWN = "unknown"
FINAL_VALUES = (DEPRIVED, NOT_DEPRIVED)
SETTING = "@"  # prefix of a missing *setting* (standard data) as opposed to a missing data field

FIELD_LABELS_VI = {
    "birth_date": "ngày sinh", "sex": "giới tính", "presence": "tình trạng thành viên",
    "labour_status": "tình trạng việc làm", "seeking_work": "có khả năng và muốn làm việc",
    "wage_job": "làm công ăn lương", "labour_contract": "có hợp đồng lao động",
    "highest_general_education": "trình độ giáo dục phổ thông cao nhất",
    "vocational_qualification": "trình độ chuyên môn kỹ thuật",
    "on_job_training": "được người sử dụng lao động đào tạo", "currently_studying": "đang đi học",
    "level_suitable_for_age": "học đúng cấp, lớp so với độ tuổi", "health_insurance": "có thẻ BHYT còn hạn",
    "malnourished": "suy dinh dưỡng", "dependant": "người phụ thuộc", "no_house": "không có nhà ở",
    "wall_durable": "tường bền chắc", "frame_durable": "cột bền chắc", "roof_durable": "mái bền chắc",
    "floor_area_m2": "diện tích nhà ở (m²)", "water_source": "nguồn nước sinh hoạt chính",
    "latrine_type": "loại nhà tiêu", "phone_subscription": "sử dụng thuê bao điện thoại",
    "internet_use": "sử dụng internet", "info_devices": "phương tiện tiếp cận thông tin",
    "loudspeaker_audible": "nghe được loa truyền thanh", "members": "thành viên có mặt",
}
SEX_LABELS_VI = {"1": "Nam", "2": "Nữ"}
_PRESENT = ("present", "new_born", "moved_in")
_LEFT = ("moved_out", "died")
_Y = {True, "1", "Y", "y", "yes", "true", "True", "có", "Có"}
_N = {False, "0", "N", "n", "no", "false", "False", "không", "Không"}

Tri = tuple[bool | None, frozenset]  # (value, missing keys when value is None)
_NONE: frozenset = frozenset()


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    value: str  # deprived | not_deprived | unknown
    missing: tuple[str, ...] = ()  # data field keys, and "@<code>.<setting>" for missing settings
    warnings: tuple[str, ...] = field(default=())

    @property
    def missing_fields(self) -> tuple[str, ...]:
        return tuple(m for m in self.missing if not m.startswith(SETTING))

    @property
    def missing_settings(self) -> tuple[str, ...]:
        return tuple(m[1:] for m in self.missing if m.startswith(SETTING))

    def missing_vi(self) -> str:
        parts = [FIELD_LABELS_VI.get(m, m) for m in self.missing_fields]
        parts += [setting_label_vi(s) for s in self.missing_settings]
        return ", ".join(parts)


# Standard settings a rule may lack, in words (the data keys never reach the user).
SETTING_LABELS_VI = {
    "working_age_min_months": "tuổi bắt đầu độ tuổi lao động",
    "retirement_age": "tuổi nghỉ hưu theo Bộ luật Lao động",
    "child_age_max_exclusive": "độ tuổi trẻ em",
    "min_age": "độ tuổi tối thiểu",
    "children_age_max_exclusive": "độ tuổi trẻ em",
    "age_min": "độ tuổi tối thiểu",
    "age_split": "mốc tuổi chia nhóm",
    "age_max_inclusive": "độ tuổi tối đa",
    "age_max_exclusive": "độ tuổi tối đa",
    "min_non_durable": "số bộ phận nhà không bền chắc",
    "min_area_per_person_m2": "diện tích nhà ở tối thiểu mỗi người",
    "ok_values": "danh sách giá trị đạt chuẩn",
    "fields": "danh sách dịch vụ viễn thông",
    "devices": "danh sách phương tiện tiếp cận thông tin",
    "rule_type": "quy tắc tính",
}


def setting_label_vi(key: str) -> str:
    """'VL.retirement_age.1' -> 'chuẩn nghèo chưa có tuổi nghỉ hưu theo Bộ luật Lao động (Nam)'."""
    parts = key.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    label = SETTING_LABELS_VI.get(name, "một thiết lập của chỉ số")
    sex = SEX_LABELS_VI.get(parts[2]) if len(parts) > 2 else None
    return f"chuẩn nghèo chưa có {label}" + (f" ({sex})" if sex else "")


# --- small helpers -------------------------------------------------------------------------------

def flag(value: Any) -> bool | None:
    """Y/N in any of its stored forms (1/0, 'Y'/'N', bool) -> True/False; empty -> None."""
    if value is None or value == "":
        return None
    if value in _Y:
        return True
    if value in _N:
        return False
    raise UserError(f"Giá trị có/không không hợp lệ: {value!r}.")


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def birth_of(member: Mapping) -> tuple[dt.date | None, bool]:
    """(birth date, approximate). Year-only births give 1 January of that year, approximate."""
    raw = member.get("birth_date")
    if raw in (None, ""):
        return None, False
    text = str(raw)
    if member.get("birth_date_precision") == "year" or len(text) == 4:
        return dt.date(int(text[:4]), 1, 1), True
    return _date(text), False


def age_on(member: Mapping, ref: dt.date) -> tuple[int | None, bool]:
    """Completed years on ``ref`` (or reference year − birth year when only the year is known)."""
    born, approx = birth_of(member)
    if born is None:
        return None, False
    if approx:
        return ref.year - born.year, True
    return ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day)), False


def months_on(member: Mapping, ref: dt.date) -> tuple[int | None, bool]:
    """Completed months of age on ``ref`` (a birthday on the 31st is reached on the month's last day)."""
    born, approx = birth_of(member)
    if born is None:
        return None, False
    months = (ref.year - born.year) * 12 + ref.month - born.month
    if ref.day < born.day and not (ref.day == _month_end(ref) and born.day > ref.day):
        months -= 1
    return months, approx


def _month_end(day: dt.date) -> int:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def years_months_vi(months: int) -> str:
    y, m = divmod(months, 12)
    return f"{y} tuổi {m} tháng" if m else f"{y} tuổi"


def present_on(member: Mapping, ref: dt.date) -> bool:
    """Member of the household on the reference date (households.md §3.2 presence + date)."""
    presence = member.get("presence") or "present"
    when = _date(member.get("presence_date"))
    if presence in _LEFT:
        return when is not None and when > ref
    if presence == "new_born":
        born, _ = birth_of(member)
        when = when or born
    return presence in _PRESENT and (when is None or when <= ref)


def present_members(roster: Iterable[Mapping], ref: dt.date) -> list[Mapping]:
    return [m for m in roster if present_on(m, ref)]


def _t(value: bool | None, *missing: str) -> Tri:
    return (value, frozenset(missing) if value is None else _NONE)


def t_or(*parts: Tri) -> Tri:
    if any(p[0] is True for p in parts):
        return (True, _NONE)
    unknown = [p[1] for p in parts if p[0] is None]
    return (None, frozenset().union(*unknown)) if unknown else (False, _NONE)


def t_and(*parts: Tri) -> Tri:
    if any(p[0] is False for p in parts):
        return (False, _NONE)
    unknown = [p[1] for p in parts if p[0] is None]
    return (None, frozenset().union(*unknown)) if unknown else (True, _NONE)


def _not(p: Tri) -> Tri:
    return (None if p[0] is None else not p[0], p[1])


def _flag_t(m: Mapping, key: str) -> Tri:
    return _t(flag(m.get(key)), key)


class _Ctx:
    """Present members with their ages, and the warnings gathered while evaluating one indicator."""

    def __init__(self, code: str, members: list[Mapping], housing: Mapping, ref: dt.date,
                 ages: list[tuple[int | None, bool]] | None = None):
        self.code, self.members, self.housing, self.ref = code, members, housing, ref
        self.ages = ages if ages is not None else [age_on(m, ref) for m in members]
        self.warnings: set[str] = set()

    def age_between(self, i: int, lo: Any, hi: Any, hi_inclusive: bool) -> Tri:
        """lo <= age (<=|<) hi; None bounds are unbounded. Warns on approximate ages near a bound."""
        age, approx = self.ages[i]
        if age is None:
            return _t(None, "birth_date")
        if approx:
            for b in (lo, hi):
                if b is not None and abs(age - b) <= 1:
                    name = self.members[i].get("full_name") or f"thành viên số {self.members[i].get('order', '?')}"
                    self.warnings.add(f"{name}: tuổi ước tính {age} (chỉ biết năm sinh) gần ngưỡng {b} tuổi "
                                      f"của chỉ số {self.code}")
        ok = (lo is None or age >= lo) and (hi is None or (age <= hi if hi_inclusive else age < hi))
        return (ok, _NONE)

    def months_between(self, i: int, lo: int, hi_exclusive: int) -> Tri:
        """lo <= age in completed months < hi_exclusive; warns when a year-only birth is within a year."""
        months, approx = months_on(self.members[i], self.ref)
        if months is None:
            return _t(None, "birth_date")
        if approx:
            for b in (lo, hi_exclusive):
                if abs(months - b) < 12:
                    name = self.members[i].get("full_name") or f"thành viên số {self.members[i].get('order', '?')}"
                    self.warnings.add(f"{name}: tuổi ước tính (chỉ biết năm sinh) gần ngưỡng {years_months_vi(b)} "
                                      f"của chỉ số {self.code}")
        return (lo <= months < hi_exclusive, _NONE)

    def setting(self, name: str) -> Tri:
        return _t(None, f"{SETTING}{self.code}.{name}")


def _any_member(ctx: _Ctx, test: Callable[[int, Mapping], Tri]) -> Tri:
    return t_or(*(test(i, m) for i, m in enumerate(ctx.members))) if ctx.members else (False, _NONE)


# --- rule types ----------------------------------------------------------------------------------

def retirement_age_months(schedule: Mapping | None, year: int) -> int | None:
    """Retirement age (months) in force in ``year`` from a Labour Code schedule stored as data:
    start age in the start year, plus a step each year, never above the cap. None when not set."""
    if not isinstance(schedule, Mapping):
        return None
    start, age, step, cap = (schedule.get(k) for k in
                             ("start_year", "start_age_months", "step_months_per_year", "cap_age_months"))
    if any(not isinstance(v, int) or isinstance(v, bool) for v in (start, age, step, cap)) or year < start:
        return None
    return min(age + step * (year - start), cap)


def _rule_employment(p: Mapping, ctx: _Ctx) -> Tri:
    """Labour Code working age: at least ``working_age_min_months`` and younger than the retirement age
    of the reference date's year, both compared in completed months (standards.md §5.5, indicator 1)."""
    def test(i: int, m: Mapping) -> Tri:
        status = m.get("labour_status")
        unemployed = _t(None, "labour_status") if status in (None, "") else (
            t_and((True, _NONE), _flag_t(m, "seeking_work")) if status == p.get("unemployed_status")
            else (False, _NONE))
        informal = t_and(_flag_t(m, "wage_job"), _not(_flag_t(m, "labour_contract")))
        cond = t_or(unemployed, informal)
        if cond[0] is False:
            return cond
        sex = m.get("sex")
        if sex not in SEX_LABELS_VI:
            return t_and(cond, _t(None, "sex"))
        lo = (p.get("working_age_min_months") or {}).get(sex)
        hi = retirement_age_months((p.get("retirement_age") or {}).get(sex), ctx.ref.year)
        if not isinstance(lo, int) or hi is None:
            bad = [ctx.setting(f"{k}.{sex}") for k, v in (("working_age_min_months", lo), ("retirement_age", hi))
                   if not isinstance(v, int)]
            return t_and(cond, *bad)
        return t_and(cond, ctx.months_between(i, lo, hi))
    return _any_member(ctx, test)


def _rule_dependant_share(p: Mapping, ctx: _Ctx) -> Tri:
    n = len(ctx.members)
    if n == 0:
        return _t(None, "members")
    share = Fraction(str(p.get("max_share")))
    flags = [flag(m.get("dependant")) for m in ctx.members]
    yes, unknown = flags.count(True), flags.count(None)
    if Fraction(yes, n) > share:
        return (True, _NONE)
    if Fraction(yes + unknown, n) <= share:
        return (False, _NONE)
    return _t(None, "dependant")


def _rule_child_malnutrition(p: Mapping, ctx: _Ctx) -> Tri:
    hi = p.get("child_age_max_exclusive")
    if hi is None:
        return ctx.setting("child_age_max_exclusive")
    return _any_member(ctx, lambda i, m: t_and(ctx.age_between(i, None, hi, False), _flag_t(m, "malnourished")))


def _rule_health_insurance(p: Mapping, ctx: _Ctx) -> Tri:
    lo, hi = p.get("min_age"), None
    if lo is None:
        return ctx.setting("min_age")
    if p.get("scope") == "children_only":
        hi = p.get("children_age_max_exclusive")
        if hi is None:
            return ctx.setting("children_age_max_exclusive")
    return _any_member(ctx, lambda i, m: t_and(ctx.age_between(i, lo, hi, False),
                                                 _not(_flag_t(m, "health_insurance"))))


def _in(m: Mapping, key: str, values: Iterable) -> Tri:
    v = m.get(key)
    return _t(None, key) if v in (None, "") else (v in values, _NONE)


def _rule_adult_education(p: Mapping, ctx: _Ctx) -> Tri:
    lo, split, hi = p.get("age_min"), p.get("age_split"), p.get("age_max_inclusive")
    for k, v in (("age_min", lo), ("age_split", split), ("age_max_inclusive", hi)):
        if v is None:
            return ctx.setting(k)

    def test(i: int, m: Mapping) -> Tri:
        not_studying = _not(_flag_t(m, "currently_studying"))
        young = t_and(ctx.age_between(i, lo, split, False), not_studying,
                      _not(_in(m, "highest_general_education", p.get("lower_secondary_completed") or ())))
        older = t_and(ctx.age_between(i, split, hi, True), not_studying,
                      _not(_in(m, "highest_general_education", p.get("upper_secondary_completed") or ())),
                      _not(_in(m, "vocational_qualification", p.get("qualifying_vocational") or ())),
                      _not(_flag_t(m, "on_job_training")))
        return t_or(young, older)
    return _any_member(ctx, test)


def _rule_child_schooling(p: Mapping, ctx: _Ctx) -> Tri:
    lo, hi = p.get("age_min"), p.get("age_max_exclusive")
    if lo is None or hi is None:
        return ctx.setting("age_min" if lo is None else "age_max_exclusive")

    def test(i: int, m: Mapping) -> Tri:
        studying = flag(m.get("currently_studying"))
        suitable = flag(m.get("level_suitable_for_age"))
        if suitable is None:
            suitable = p.get("suitable_default")
        not_ok = _t(None, "currently_studying") if studying is None else (
            (True, _NONE) if not studying else _t(None if suitable is None else not suitable,
                                                  "level_suitable_for_age"))
        return t_and(ctx.age_between(i, lo, hi, False), not_ok)
    return _any_member(ctx, test)


def _rule_housing_quality(p: Mapping, ctx: _Ctx) -> Tri:
    h = ctx.housing
    no_house = flag(h.get("no_house"))
    if no_house:
        return (bool(p.get("no_house_deprived")), _NONE)
    need = p.get("min_non_durable")
    if need is None:
        return ctx.setting("min_non_durable")
    keys = ("wall_durable", "frame_durable", "roof_durable")
    values = [flag(h.get(k)) for k in keys]
    bad, unknown = values.count(False), values.count(None)
    if bad >= need:
        return (True, _NONE)
    if bad + unknown < need:
        return (False, _NONE)
    return (None, frozenset(k for k, v in zip(keys, values, strict=True) if v is None))


def _rule_floor_area(p: Mapping, ctx: _Ctx) -> Tri:
    per_person = p.get("min_area_per_person_m2")
    if per_person is None:
        return ctx.setting("min_area_per_person_m2")
    n = len(ctx.members)
    if n == 0:
        return _t(None, "members")
    area = 0 if flag(ctx.housing.get("no_house")) else ctx.housing.get("floor_area_m2")
    if area in (None, ""):
        return _t(None, "floor_area_m2")
    return (Fraction(str(area)) < Fraction(str(per_person)) * n, _NONE)


def _rule_value_in_list(p: Mapping, ctx: _Ctx) -> Tri:
    key = p.get("field")
    ok = p.get("ok_values")
    if not key or ok is None:
        return ctx.setting("ok_values")
    return _not(_in(ctx.housing, key, ok))


def _rule_telecom(p: Mapping, ctx: _Ctx) -> Tri:
    keys = p.get("fields") or ()
    if not keys:
        return ctx.setting("fields")
    uses = [_flag_t(ctx.housing, k) for k in keys]
    return _not(t_and(*uses) if p.get("require_all") else t_or(*uses))


def devices_of(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _rule_info_access(p: Mapping, ctx: _Ctx) -> Tri:
    listed = p.get("devices")
    if listed is None:
        return ctx.setting("devices")
    owned = devices_of(ctx.housing.get("info_devices"))
    no_device = _t(None, "info_devices") if owned is None else (not set(owned) & set(listed), _NONE)
    if not p.get("loudspeaker_counts"):
        return no_device
    return t_and(no_device, _not(_flag_t(ctx.housing, "loudspeaker_audible")))


RULE_TYPES: dict[str, Callable[[Mapping, _Ctx], Tri]] = {
    "working_age_employment": _rule_employment,
    "dependant_share": _rule_dependant_share,
    "child_malnutrition": _rule_child_malnutrition,
    "health_insurance": _rule_health_insurance,
    "adult_education": _rule_adult_education,
    "child_schooling": _rule_child_schooling,
    "housing_quality": _rule_housing_quality,
    "floor_area_per_person": _rule_floor_area,
    "value_in_list": _rule_value_in_list,
    "telecom_use": _rule_telecom,
    "info_access": _rule_info_access,
}


# --- public API ----------------------------------------------------------------------------------

def compute_indicator(indicator, roster: Iterable[Mapping], housing: Mapping | None,
                      reference_date: dt.date) -> IndicatorResult:
    members = present_members(roster, reference_date)
    return _evaluate(indicator, members, [age_on(m, reference_date) for m in members], housing, reference_date)


def _evaluate(indicator, members: list[Mapping], ages: list, housing: Mapping | None,
              reference_date: dt.date) -> IndicatorResult:
    ctx = _Ctx(indicator.code, members, housing or {}, reference_date, ages)
    if not indicator.rule_type:
        value, missing = None, frozenset({f"{SETTING}{indicator.code}.rule_type"})
    else:
        value, missing = RULE_TYPES[indicator.rule_type](indicator.params, ctx)
    text = UNKNOWN if value is None else (DEPRIVED if value else NOT_DEPRIVED)
    return IndicatorResult(indicator.code, text, tuple(sorted(missing)), tuple(sorted(ctx.warnings)))


def compute_indicators(standard, roster: Iterable[Mapping], housing: Mapping | None,
                       reference_date: dt.date) -> dict[str, IndicatorResult]:
    """All indicators of the standard, in the standard's order."""
    # Presence and ages once per household, not once per indicator (halves the cost of a bulk build).
    members = present_members(roster, reference_date)
    ages = [age_on(m, reference_date) for m in members]
    return {i.code: _evaluate(i, members, ages, housing, reference_date) for i in standard.indicators}


def check_indicator_final(code: str, computed: str, final: str | None, reason: str | None) -> None:
    """The officer's value: deprived/not_deprived; a reason is mandatory when it differs from computed."""
    if final is None:
        return
    if final not in FINAL_VALUES:
        raise UserError(f"Giá trị xác nhận của chỉ số {code} không hợp lệ: {final!r}.")
    if final != computed and not (reason or "").strip():
        raise UserError(f"Chỉ số {code}: giá trị xác nhận khác giá trị tính được, phải ghi lý do.")

