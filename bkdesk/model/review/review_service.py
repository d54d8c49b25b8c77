"""Fill the derived parts of a review from its household (used by the editor, the CLI and the demo data).

Everything numeric or rule-like comes from the standards engine (standards, indicators, classify,
codelists, points_table, review_validation); this module only wires them together and decides what is
an *impossible* value (never saved) versus an *incomplete* review (saved as a draft, "chưa hoàn thành").
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.review.exit_outcomes import check_target, default_target
from bkdesk.model.rules import roles as R
from bkdesk.model.rules import standards as stds
from bkdesk.model.rules.classify import CLASSES, MIDDLE, PENDING, ClassResult, classify
from bkdesk.model.rules.codelists import codelists, derive_groups
from bkdesk.model.rules.income import (
    NLNDN_VI,
    WORKER_RECOGNISED,
    WORKER_SUGGESTED,
    IncomeResult,
    check_income_record,
    income_result,
    low_income_workers,
)
from bkdesk.model.rules.indicators import FINAL_VALUES, compute_indicators, present_members
from bkdesk.model.rules.points_table import compute_score_a
from bkdesk.model.rules.records import ExitRegistration, GroupValue, IndicatorValue, Review, as_dict
from bkdesk.model.rules.text import clean_text
from bkdesk.model.rules.units import UnitError, area_of
from bkdesk.model.rules.validation import ERROR, WARNING, FieldError, validate_review
from bkdesk.model.store import audit, repo_standards, settings
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_base import upsert_audited
from bkdesk.model.store.repo_households import HouseholdBundle, write_household
from bkdesk.model.store.repo_points import active_points_table, points_table_by_uid
from bkdesk.model.store.repo_reviews import write_review

# Field-error suffixes that are impossible values (blocking save) rather than missing work.
_IMPOSSIBLE_SUFFIXES = (".birth_date", ".id_number", ".labour_contract", ".seeking_work", ".malnourished",
                        "review.score_a_final", "review.score_a_paper", "household.household_no")


@dataclass
class ReviewOutcome:
    """What the editor shows: the classification (or why there is none) and the inline errors."""

    result: ClassResult | None
    issues: list[FieldError] = field(default_factory=list)
    refusal: str = ""  # why no classification could be computed (bad unit, no standard, ...)

    @property
    def errors(self) -> list[FieldError]:
        return [e for e in self.issues if e.severity == ERROR]

    @property
    def impossible(self) -> list[FieldError]:
        return [e for e in self.errors if is_impossible(e)]

    @property
    def complete(self) -> bool:
        return not self.errors and not self.refusal and self.result is not None and self.result.cls != PENDING


def is_impossible(error: FieldError) -> bool:
    return error.severity == ERROR and (error.field.endswith(_IMPOSSIBLE_SUFFIXES) or error.field.startswith(
        "impossible."))


def roster_dicts(bundle: HouseholdBundle) -> list[dict]:
    return [as_dict(m) for m in bundle.members]


def housing_dict(bundle: HouseholdBundle) -> dict:
    return as_dict(bundle.housing)


def reference_day(review: Review) -> dt.date:
    try:
        return dt.date.fromisoformat(str(review.reference_date)[:10])
    except ValueError:
        raise UserError(f"Ngày tham chiếu của phiếu rà soát không hợp lệ: {review.reference_date!r}.") from None


def new_review(bundle: HouseholdBundle, review_year: int, review_type: str = "periodic",
               reference_date: dt.date | None = None, round_uid: str | None = None) -> Review:
    """A blank review of the household for the review year (list year and reference date per standards §1)."""
    list_year = stds.list_year_for(review_type, review_year)
    ref = reference_date or (stds.periodic_reference_date(list_year) if review_type == "periodic"
                             else dt.date.today())
    hh = bundle.household
    return Review(household_uid=hh.uid, list_year=list_year, reference_date=ref.isoformat(),
                  commune_code=hh.commune_code, village_uid=hh.village_uid, household_no=hh.household_no,
                  review_type=review_type, round_uid=round_uid)


def _fill_indicators(review: Review, std: stds.Standard, roster: list[dict], housing: dict, ref: dt.date) -> None:
    results = compute_indicators(std, roster, housing, ref)
    out: dict[str, IndicatorValue] = {}
    for code, res in results.items():
        old = review.indicators.get(code) or IndicatorValue()
        final, reason = old.final, old.reason or ""
        # A final that only agreed with the old computed value (no reason) follows the new computed value.
        if final is not None and not reason.strip() and final == old.computed and res.value != old.computed:
            final = res.value if res.value in FINAL_VALUES else None
        out[code] = IndicatorValue(computed=res.value, final=final, reason=reason, missing=res.missing_vi())
    review.indicators = out


def confirm_computed(review: Review) -> list[str]:
    """Set every unconfirmed indicator to its computed value where it is known; returns the codes set."""
    done = []
    for code, v in review.indicators.items():
        if v.final is None and v.computed in FINAL_VALUES:
            v.final = v.computed
            done.append(code)
    return done


B1_FORM = "B1"
B1_REGION_SETTING = "b1_region_code"
# standards.md §7: Bắc Kạn and Thái Nguyên are in "Trung du và miền núi phía Bắc" [to confirm]; the
# setting overrides it without a code change.
DEFAULT_B1_REGION = "TDMNPB"


def b1_region(conn: sqlite3.Connection) -> str:
    return settings.get(conn, B1_REGION_SETTING) or DEFAULT_B1_REGION


def points_table_for(conn: sqlite3.Connection, review: Review) -> tuple[str, dict] | None:
    """(uid, table) for the review's B1 answers: the one it already used, else the one in force for its
    (standard, region, area) on its reference date; None when no table is loaded."""
    if review.points_table_uid:
        table = points_table_by_uid(conn, review.points_table_uid)
        return None if table is None else (review.points_table_uid, table)
    ref = reference_day(review)
    try:
        area = review.area or area_of(review.commune_code, ref)
        std_id = review.standard_id or repo_standards.standard_for_list_year(review.list_year, conn).id
    except (UnitError, UserError):
        return None
    return active_points_table(conn, std_id, B1_FORM, b1_region(conn), area, ref)


def with_derived_answers(table: dict, answers: dict, members_count: int | None, floor_area) -> dict:
    """Answers with the unanswered derived questions (member_count, floor_area_m2) filled from the
    roster and housing; an answer the officer typed is kept."""
    derived = {"member_count": members_count, "floor_area_m2": floor_area}
    out = dict(answers)
    for q in table["questions"]:
        value = derived.get(q.get("derived_from"))
        if q["code"] not in out and isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            out[q["code"]] = value
    return out


def _fill_score_a(conn: sqlite3.Connection | None, review: Review, housing: dict, issues: list[FieldError]) -> None:
    review.score_a_computed = None
    if conn is not None and review.points_table_uid and review.b1_answers:
        table = points_table_by_uid(conn, review.points_table_uid)
        if table is None:
            issues.append(FieldError("review.points_table_uid", "Không tìm thấy bảng điểm B1 của phiếu."))
        else:
            try:
                answers = with_derived_answers(table, json.loads(review.b1_answers), review.members_count,
                                               housing.get("floor_area_m2"))
                review.score_a_computed = compute_score_a(table, answers)
            except (UserError, ValueError) as exc:
                issues.append(FieldError("review.b1_answers", str(exc)))
    computed, paper = review.score_a_computed, review.score_a_paper
    if computed is not None and (review.score_a_source == "computed" or
                                 (paper is None and review.score_a_source is None)):
        # nothing on paper to choose from: the table's A is the only one
        review.score_a_source, review.score_a_final = "computed", computed
    else:
        review.score_a_source = "paper_total" if paper is not None else None
        review.score_a_final = paper


def _fill_groups(review: Review, std_id: str, roster: list[dict], ref: dt.date) -> None:
    derived = derive_groups(codelists(std_id), roster, ref)
    out = {}
    for code, value in derived.items():
        d = None if value is None else int(value)
        old = review.groups.get(code)
        if old is not None and (old.reason or "").strip() and old.final != d:
            out[code] = GroupValue(final=old.final, derived=d, reason=old.reason)
        else:
            out[code] = GroupValue(final=d or 0, derived=d, reason="")
    review.groups = out


def _fill_class(review: Review, res: ClassResult, user: str) -> None:
    review.deprivation_count = res.deprivation_count
    review.score_b = None if res.score_b is None else int(res.score_b)
    review.computed_class = res.cls
    review.reasons_text = res.reasons("vi")
    overridden = review.final_class in CLASSES and review.final_class != res.cls and review.override_reason.strip()
    if overridden:
        if not review.override_by:
            review.override_by, review.override_at = user, audit.now_iso()
    else:
        review.final_class = res.cls if res.cls in CLASSES else None
        review.override_reason, review.override_by, review.override_at = "", "", None


def fill_review(conn: sqlite3.Connection | None, bundle: HouseholdBundle, review: Review, user: str = "",
                today: dt.date | None = None) -> ReviewOutcome:
    """Recompute every derived part of ``review`` in place and return the classification and issues."""
    hh = bundle.household
    review.household_uid, review.commune_code = hh.uid, hh.commune_code
    review.village_uid, review.household_no = hh.village_uid, hh.household_no
    ref = reference_day(review)
    roster, housing = roster_dicts(bundle), housing_dict(bundle)
    review.members_count = len(present_members(roster, ref))
    review.roster_snapshot = json.dumps(roster, ensure_ascii=False, sort_keys=True)
    review.housing_snapshot = json.dumps(housing, ensure_ascii=False, sort_keys=True)
    issues: list[FieldError] = []
    try:
        std = repo_standards.standard_for_list_year(review.list_year, conn)
    except UserError as exc:
        return ReviewOutcome(None, issues, str(exc))
    review.standard_id, review.standard_revision = std.id, std.revision
    refusal = ""
    try:
        review.area = area_of(hh.commune_code, ref)
    except UnitError as exc:
        review.area, refusal = None, f"Không xác định được khu vực thành thị/nông thôn: {exc}."
    _fill_indicators(review, std, roster, housing, ref)
    _fill_score_a(conn, review, housing, issues)
    _fill_groups(review, std.id, roster, ref)
    income = None if refusal else _fill_income(review, std, issues)
    result = None
    if not refusal and review.review_type in INCOME_REVIEW_TYPES:
        result, refusal = _income_class(review, std, income)
    elif not refusal:
        try:
            result = classify(review.list_year, hh.commune_code, ref, _valid_a(review.score_a_final),
                              {c: v.final for c, v in review.indicators.items()},
                              phieu_a_result=review.phieu_a_result,
                              nlndn_middle=bool(review.nlndn_middle_recognised), standard=std, area=review.area)
        except UserError as exc:
            refusal = str(exc)
    if result is not None:
        _fill_class(review, result, user)
        if income is not None:
            review.reasons_text = (income.reasons() if review.review_type in INCOME_REVIEW_TYPES
                                   else f"{review.reasons_text}; thu nhập: {income.reasons()}")
            _suggest_workers(bundle, std, review, income, ref)
    else:
        review.computed_class, review.final_class, review.reasons_text = None, None, refusal
        review.score_b = review.deprivation_count = None
    issues += validate_review(as_dict(review), roster, housing, ref, standard=std, codelists=codelists(std.id),
                              indicator_rows={c: as_dict(v) for c, v in review.indicators.items()},
                              causes=review.causes, today=today)
    issues += _housing_impossible(housing)
    return ReviewOutcome(result, issues, refusal)


INCOME_REVIEW_TYPES = ("nlndn", "low_income_worker")  # the procedures that measure income (§5.9, §5.10)


def _fill_income(review: Review, std: stds.Standard, issues: list[FieldError]) -> IncomeResult | None:
    """households.md §7: with a recorded 12-month income and members counted, the middle-living recognition
    follows the income band and the NLNDN condition (standards.md §5.9); without one, a recognition carried
    from elsewhere (an imported list) is kept but flagged."""
    income, counted = review.income_12m_vnd, review.members_counted
    if income is None and counted is None:
        if review.nlndn_middle_recognised and review.nlndn != 1:
            issues.append(FieldError("review.nlndn", f"Chỉ {NLNDN_VI} mới được công nhận có mức sống trung bình."))
        elif review.nlndn_middle_recognised:
            issues.append(FieldError("review.income_12m_vnd", "Hộ có mức sống trung bình: chưa ghi thu nhập 12 tháng "
                                     "và số nhân khẩu tính thu nhập để kiểm tra.", WARNING))
        return None
    try:
        check_income_record(income, counted)
    except UserError as exc:
        field = "review.income_12m_vnd" if "Thu nhập" in str(exc) else "review.members_counted"
        issues.append(FieldError("impossible." + field, str(exc)))
        return None
    deprived = sum(1 for v in review.indicators.values() if v.final == "deprived")
    result = income_result(std, review.area, income, counted, deprived, review.nlndn == 1)
    review.nlndn_middle_recognised = int(result.cls == MIDDLE)
    return result


def _income_class(review: Review, std: stds.Standard, income: IncomeResult | None) -> tuple[ClassResult | None, str]:
    """An NLNDN or low-income-worker review is decided by income alone: MIDDLE or NOT_POOR; an income at or
    below the poverty line is not reclassified here (a poor/near-poor review is suggested instead)."""
    if income is None:
        return None, "Chưa ghi thu nhập 12 tháng và số nhân khẩu tính thu nhập (thủ tục xác định thu nhập)."
    if income.suggests_poverty_review:
        return None, income.reasons()
    res = ClassResult(income.cls, std.id, std.revision, review.area, basis="income", income_text=income.reasons())
    return res, ""


def _suggest_workers(bundle: HouseholdBundle, std: stds.Standard, review: Review, income: IncomeResult,
                     ref: dt.date) -> None:
    """Decree 30/2025: the suggested flag on the members it covers; a recognised flag is the commune's."""
    checks = low_income_workers(std, review.area, review.final_class or PENDING, income.income_12m,
                                income.members, ref, roster_dicts(bundle))
    for member, check in zip(bundle.members, checks, strict=True):
        if member.low_income_worker == WORKER_RECOGNISED:
            continue
        member.low_income_worker = WORKER_SUGGESTED if check.suggested else None


def _valid_a(score_a):
    """Score A for classification; an invalid one is reported by validation, not raised here."""
    if isinstance(score_a, int | float) and not isinstance(score_a, bool) and score_a >= 0:
        return score_a
    return None


def _housing_impossible(housing: dict) -> list[FieldError]:
    area = housing.get("floor_area_m2")
    if isinstance(area, int | float) and area < 0:
        return [FieldError("impossible.housing.floor_area_m2", "Diện tích nhà ở không được âm.")]
    return []


def household_issues(conn: sqlite3.Connection, bundle: HouseholdBundle) -> list[FieldError]:
    """Checks on the household itself (households.md §15): household number unique within the commune."""
    from bkdesk.model.store.repo_desk import household_no_taken

    hh = bundle.household
    if hh.household_no and household_no_taken(conn, hh.commune_code, hh.household_no, hh.uid):
        return [FieldError("household.household_no", f"Mã hộ {hh.household_no} đã có trong xã.")]
    return []


def save_household_with_review(conn: sqlite3.Connection, bundle: HouseholdBundle, review: Review | None,
                               user: str, reason: str = "", origin: str = "",
                               exit_reg: ExitRegistration | None = None) -> ReviewOutcome:
    """Fill the review, refuse impossible values, save household + review in ONE audited transaction.

    An incomplete review is saved as a draft and the household marked "chưa hoàn thành" (complete = 0).
    ``exit_reg`` (the household's exit-poverty registration, never an input to the classification) is
    written in the same transaction. Needs the EDIT permission (rà soát viên).
    """
    require(conn, R.EDIT)
    if review is None:
        outcome = ReviewOutcome(None, household_issues(conn, bundle))
    else:
        outcome = fill_review(conn, bundle, review, user)
        outcome.issues = household_issues(conn, bundle) + outcome.issues
    blocking = outcome.impossible
    if blocking:
        raise UserError("Không lưu được vì có giá trị không hợp lệ: " + "; ".join(e.message for e in blocking))
    complete = review is not None and outcome.complete
    bundle.household.complete = 1 if complete else 0
    if review is not None and not complete:
        review.record_status = "draft"
    at = audit.now_iso()
    with transaction(conn):
        write_household(conn, bundle, user, reason, origin, at)
        if review is not None:
            write_review(conn, review, user, reason, origin, at)
        if exit_reg is not None:
            _write_exit_registration(conn, bundle, exit_reg, user, reason, origin, at)
    return outcome


def proposed_exit_registration(conn: sqlite3.Connection, household_uid: str, registration_year: int,
                               fallback_class: str | None = None) -> ExitRegistration:
    """A new registration with the target the household's status on its date calls for (§14); the
    review's class stands in only when the database knows no status for the household yet."""
    reg = ExitRegistration(household_uid=household_uid, registration_year=registration_year, target="thoat_ngheo")
    target = default_target(conn, household_uid, reg)
    reg.target = target or ("thoat_can_ngheo" if fallback_class == "NEAR_POOR" else "thoat_ngheo")
    return reg


def _write_exit_registration(conn, bundle: HouseholdBundle, reg: ExitRegistration, user: str, reason: str,
                             origin: str, at: str) -> None:
    if reg.target not in ("thoat_ngheo", "thoat_can_ngheo"):
        raise UserError("Mục tiêu đăng ký phải là thoát nghèo hoặc thoát cận nghèo.")
    if not isinstance(reg.registration_year, int):
        raise UserError("Năm đăng ký thoát nghèo phải là một năm (ví dụ 2025).")
    reg.household_uid = bundle.household.uid
    check_target(conn, reg.household_uid, reg)
    values = {k: clean_text(v) if isinstance(v, str) else v for k, v in as_dict(reg).items() if k != "uid"}
    reg.meta.rev = upsert_audited(conn, "exit_registration", "uid", reg.uid, values, user=user, reason=reason,
                                  origin=origin, at=at, expected_rev=reg.meta.rev or None)
