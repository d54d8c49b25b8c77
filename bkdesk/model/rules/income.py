"""The income procedures (standards.md §5.3, §5.9, §5.10; households.md §7): middle-living NLNDN households
and Decree 30/2025 low-income workers, from a recorded 12-month income and the members counted.

Every line and band comes from the standard data; incomes are compared in integers without rounding
(``I ≤ X`` ⇔ ``income_12m ≤ X × 12 × members``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bkdesk.errors import UserError
from bkdesk.model.rules import standards as stds
from bkdesk.model.rules.classify import CLASS_LABELS, MIDDLE, NEAR_POOR, POOR, classify_by_income
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.rules.indicators import months_on, present_on, retirement_age_months

NLNDN_VI = "hộ làm nông, lâm, ngư, diêm nghiệp"
# Member.low_income_worker (households.md §3.2): suggested by the app, recognised by the commune.
WORKER_SUGGESTED, WORKER_RECOGNISED = "suggested", "recognised"


def per_capita_month(income_12m: int, members: int) -> Fraction:
    """I = income_12m / 12 / members, exact."""
    return Fraction(income_12m, 12 * members)


def _vnd(x: Fraction | int | float) -> str:
    """Whole đồng for people (rounded down: the comparison itself never rounds)."""
    return fmt_int(int(x))


@dataclass(frozen=True)
class IncomeResult:
    """The class by the decree definitions and the reasons, for one income determination."""

    cls: str
    area: str
    area_vi: str
    income_12m: int
    members: int
    per_capita: Fraction
    line: int | float
    upper: int | float | None
    deprivations: int
    nlndn: bool

    @property
    def suggests_poverty_review(self) -> bool:
        """I ≤ the poverty line: not middle-living; the app suggests a poor/near-poor review (Form 01)
        and never reclassifies the household by itself (§5.9)."""
        return self.cls in (POOR, NEAR_POOR)

    def reasons(self) -> str:
        i = (f"I = {_vnd(self.per_capita)} đồng/người/tháng (thu nhập 12 tháng {_vnd(self.income_12m)} đồng, "
             f"{self.members} nhân khẩu)")
        label = CLASS_LABELS["vi"][self.cls]
        if self.suggests_poverty_review:
            return (f"{i} ≤ {_vnd(self.line)} ({self.area_vi}): không thuộc diện hộ có mức sống trung bình; "
                    "đề nghị rà soát hộ nghèo, hộ cận nghèo (Mẫu số 01)")
        if self.cls == MIDDLE:
            return (f"{i}: {_vnd(self.line)} < I ≤ {_vnd(self.upper)} ({self.area_vi}), {NLNDN_VI} → {label}")
        if self.upper is not None and self.per_capita <= self.upper:
            return f"{i}: trong khoảng mức sống trung bình ({self.area_vi}) nhưng không phải {NLNDN_VI} → {label}"
        bound = self.upper if self.upper is not None else self.line
        return f"{i} > {_vnd(bound)} ({self.area_vi}) → {label}"


def check_income_record(income_12m, members) -> None:
    if not isinstance(income_12m, int) or isinstance(income_12m, bool) or income_12m < 0:
        raise UserError("Thu nhập 12 tháng phải là số nguyên ≥ 0 (đồng).")
    if not isinstance(members, int) or isinstance(members, bool) or members <= 0:
        raise UserError("Số nhân khẩu tính thu nhập phải là số nguyên > 0.")


def income_result(std: stds.Standard, area: str, income_12m: int, members: int, deprivations: int = 0,
                  nlndn: bool = False) -> IncomeResult:
    """§5.3 classes with §5.9's NLNDN condition for MIDDLE."""
    check_income_record(income_12m, members)
    cls = classify_by_income(std, area, income_12m, members, deprivations, nlndn)
    return IncomeResult(cls, area, std.area_label_vi.get(area, area), income_12m, members,
                        per_capita_month(income_12m, members), std.income_line[area],
                        (std.middle_band_upper or {}).get(area), deprivations, bool(nlndn))


# --- Decree 30/2025: low-income workers (§5.10) --------------------------------------------------------

@dataclass(frozen=True)
class WorkerCheck:
    """One roster line: covered by the decree (a worker), and suggested as a low-income worker."""

    index: int
    covered: bool
    suggested: bool
    reason: str


def _worker(std: stds.Standard, m: Mapping, on_date: dt.date) -> tuple[bool, str]:
    """Who the decree covers: present, of working age (the Labour Code schedule the standard holds for the
    indicator named in ``worker_age_indicator``) and in one of ``worker_labour_statuses``."""
    rule = std.low_income_worker or {}
    if not present_on(m, on_date):
        return False, "không có mặt trong hộ"
    statuses = rule.get("worker_labour_statuses")
    if statuses is not None and m.get("labour_status") not in statuses:
        return False, "không phải người đang làm việc"
    code = rule.get("worker_age_indicator")
    if code:
        ind = std.indicator_by_code.get(code)
        params = ind.params if ind else {}
        sex = str(m.get("sex") or "")
        lo = (params.get("working_age_min_months") or {}).get(sex)
        hi = retirement_age_months((params.get("retirement_age") or {}).get(sex), on_date.year)
        months, _ = months_on(m, on_date)
        if months is None or sex not in ("1", "2"):
            return False, "thiếu ngày sinh hoặc giới tính"
        if not isinstance(lo, int) or hi is None:
            return False, "chuẩn nghèo chưa có độ tuổi lao động"
        if not lo <= months < hi:
            return False, "ngoài độ tuổi lao động"
    return True, ""


def low_income_workers(std: stds.Standard, area: str, household_class: str, income_12m: int, members: int,
                       on_date: dt.date, roster: Sequence[Mapping]) -> list[WorkerCheck]:
    """Suggested flag per roster line (§5.10): the household is not poor or near-poor, its per-capita income
    is at most the area's maximum on a date the criterion applies, and the member is a worker the decree
    covers. The recognised flag is the commune's, never set here."""
    rule = std.low_income_worker
    day = on_date.isoformat()
    if rule is None:
        why = f"chuẩn {std.id} không có tiêu chí người lao động có thu nhập thấp"
        return [WorkerCheck(i, False, False, why) for i in range(len(roster))]
    household_ok, why = True, ""
    if day < rule["valid_from"] or (rule.get("valid_to") and day > rule["valid_to"]):
        household_ok, why = False, "tiêu chí chưa (hoặc không còn) áp dụng vào ngày này"
    elif household_class in (POOR, NEAR_POOR):
        household_ok, why = False, "hộ nghèo, hộ cận nghèo không thuộc diện"
    else:
        check_income_record(income_12m, members)
        cap = rule[f"{area}_max"]
        if per_capita_month(income_12m, members) > Fraction(str(cap)):
            household_ok, why = False, f"thu nhập bình quân vượt {_vnd(cap)} đồng/người/tháng"
    out = []
    for i, m in enumerate(roster):
        covered, not_covered = _worker(std, m, on_date)
        out.append(WorkerCheck(i, covered, household_ok and covered, why if not household_ok else not_covered))
    return out

