"""Review service: derived parts from the standards engine, and the one-transaction save."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bkdesk.errors import UserError
from bkdesk.model.review.review_service import (
    confirm_computed,
    fill_review,
    new_review,
    save_household_with_review,
)
from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.store import audit
from bkdesk.model.store.repo_households import HouseholdBundle, get_household
from bkdesk.model.store.repo_reviews import get_review
from tests.conftest import TEST_COMMUNE


def poor_bundle() -> HouseholdBundle:
    """Three members, a poor house: CLNO, NSH, NTHVS deprived by the data."""
    hh = Household(commune_code=TEST_COMMUNE, household_no="0001", address="Thôn Nà Bưa")
    members = [
        Member("Nguyễn Văn Đức", sex="1", birth_date="1980-05-02", relation_to_head="chu_ho", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
        Member("Hoàng Thị Ánh", sex="2", birth_date="1983-01-10", relation_to_head="vo", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
        Member("Nguyễn Thị Yến", sex="2", birth_date="2012-03-03", relation_to_head="con", ethnicity="02",
               labour_status="dang_di_hoc", health_insurance=1, currently_studying=1, school_level="thcs", dependant=1,
               malnourished=0),
    ]
    housing = Housing(no_house=0, wall_durable=0, frame_durable=0, roof_durable=1, floor_area_m2=40,
                      water_source="other", latrine_type="none", phone_subscription=1, internet_use=0,
                      info_devices="tivi", loudspeaker_audible=1)
    return HouseholdBundle(hh, members, housing)


def test_fill_review_computes_area_standard_indicators_and_class():
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    assert review.list_year == 2025 and review.reference_date == "2024-09-01"
    review.score_a_paper = 120
    outcome = fill_review(None, bundle, review)
    assert review.standard_id == "vn-2022-2026" and review.standard_revision >= 1
    assert review.area in ("rural", "urban")
    assert review.indicators["CLNO"].computed == "deprived"
    assert review.indicators["NSH"].computed == "deprived"
    assert review.indicators["VL"].computed == "unknown" and review.indicators["VL"].missing
    assert review.computed_class == "PENDING" and review.final_class is None  # nothing confirmed yet
    assert not outcome.complete
    confirm_computed(review)
    review.indicators["VL"].final = "not_deprived"
    review.indicators["VL"].reason = "Cả hai người lớn đều có việc làm"
    review.causes = {"1": ""}
    outcome = fill_review(None, bundle, review)
    assert review.computed_class == "POOR" and review.final_class == "POOR"
    assert review.deprivation_count == 3 and review.score_b == 30
    assert "Hộ nghèo" in review.reasons_text and "Chất lượng nhà ở" in review.reasons_text
    assert review.members_count == 3
    assert review.groups["dtts"].final == 1 and review.groups["chu_ho_nu"].final == 0
    assert '"Nguyễn Văn Đức"' in review.roster_snapshot
    assert outcome.complete, outcome.issues


def test_officer_finals_are_kept_and_agreements_follow_the_data():
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.score_a_paper = 100
    fill_review(None, bundle, review)
    confirm_computed(review)
    review.indicators["NSH"].final = "not_deprived"
    review.indicators["NSH"].reason = "Dùng nước khe được bảo vệ"
    bundle.housing.latrine_type = "septic"  # data change: NTHVS no longer deprived
    fill_review(None, bundle, review)
    assert review.indicators["NSH"].final == "not_deprived"  # override with reason kept
    assert review.indicators["NTHVS"].final == "not_deprived"  # plain agreement follows the data


def test_class_override_needs_reason_and_is_kept():
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.score_a_paper = 120
    fill_review(None, bundle, review)
    confirm_computed(review)
    review.indicators["VL"].final = "not_deprived"
    review.indicators["VL"].reason = "có việc làm"
    review.final_class = "NEAR_POOR"
    outcome = fill_review(None, bundle, review)
    assert review.final_class == "POOR"  # no reason: back to computed
    review.final_class, review.override_reason = "NEAR_POOR", "Họp thôn đề nghị"
    outcome = fill_review(None, bundle, review, user="cb")
    assert review.final_class == "NEAR_POOR" and review.override_by == "cb"
    assert any(e.field == "causes" for e in outcome.errors)  # near-poor needs a cause


def test_group_override_kept_with_reason():
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    fill_review(None, bundle, review)
    from bkdesk.model.rules.records import GroupValue
    review.groups["cscc"] = GroupValue(final=1, derived=0, reason="Bố là thương binh")
    fill_review(None, bundle, review)
    assert review.groups["cscc"].final == 1 and review.groups["cscc"].reason


def test_save_household_with_review_one_transaction(db):
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.score_a_paper = 120
    outcome = save_household_with_review(db, bundle, review, "cb")
    assert not outcome.complete
    assert get_household(db, bundle.household.uid).household.complete == 0
    stored = get_review(db, review.uid)
    assert stored.record_status == "draft" and stored.indicators["CLNO"].computed == "deprived"
    confirm_computed(review)
    review.indicators["VL"].final, review.indicators["VL"].reason = "not_deprived", "có việc làm"
    review.causes = {"2": ""}
    outcome = save_household_with_review(db, bundle, review, "cb")
    assert outcome.complete
    assert get_household(db, bundle.household.uid).household.complete == 1
    assert get_review(db, review.uid).final_class == "POOR"
    fields = {r["field"] for r in audit.history(db, "review", review.uid)}
    assert "indicators" in fields and "final_class" in fields


def test_impossible_values_are_refused_and_nothing_written(db):
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.score_a_paper = -5
    with pytest.raises(UserError, match="Điểm A"):
        save_household_with_review(db, bundle, review, "cb")
    bundle = poor_bundle()
    bundle.members[0].id_number = "12345"
    with pytest.raises(UserError, match="CCCD"):
        save_household_with_review(db, bundle, new_review(bundle, 2024), "cb")
    bundle = poor_bundle()
    bundle.members[1].birth_date = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(UserError, match="tương lai"):
        save_household_with_review(db, bundle, new_review(bundle, 2024), "cb")
    assert db.execute("SELECT count(*) FROM household").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM review").fetchone()[0] == 0


def test_duplicate_household_no_refused(db):
    save_household_with_review(db, poor_bundle(), None, "cb")
    with pytest.raises(UserError, match="0001"):
        save_household_with_review(db, poor_bundle(), None, "cb")


def test_failure_inside_transaction_rolls_back_household(db):
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.round_uid = "no-such-round"  # write_review raises inside the transaction
    with pytest.raises(UserError):
        save_household_with_review(db, bundle, review, "cb")
    assert db.execute("SELECT count(*) FROM household").fetchone()[0] == 0


def test_unknown_commune_refuses_classification():
    bundle = poor_bundle()
    bundle.household.commune_code = "99999"
    review = new_review(bundle, 2024)
    review.score_a_paper = 10
    outcome = fill_review(None, bundle, review)
    assert outcome.refusal and review.computed_class is None and not outcome.complete


@settings(max_examples=40, deadline=None)
@given(score=st.integers(0, 300), deprived=st.sets(st.sampled_from(
    ["VL", "NPT", "DD", "BHYT", "GDNL", "DHTE", "CLNO", "DTNO", "NSH", "NTHVS", "VT", "PTTT"])))
def test_class_follows_thresholds(score, deprived):
    rng = random.Random(score)
    bundle = poor_bundle()
    bundle.household.household_no = str(rng.randint(1, 9999))
    review = new_review(bundle, 2024)
    review.score_a_paper = score
    fill_review(None, bundle, review)
    for code, v in review.indicators.items():
        v.final = "deprived" if code in deprived else "not_deprived"
        v.reason = "" if v.final == v.computed else "kiểm tra thực tế"
    fill_review(None, bundle, review)
    t = 140 if review.area == "rural" else 175
    expected = ("POOR" if len(deprived) >= 3 else "NEAR_POOR") if score <= t else "NOT_POOR"
    assert review.computed_class == expected == review.final_class
    assert review.score_b == 10 * len(deprived)


def _scored(bundle, review_year=2024):
    review = new_review(bundle, review_year)
    fill_review(None, bundle, review)
    confirm_computed(review)
    for v in review.indicators.values():
        if v.final is None:
            v.final, v.reason = "not_deprived", "Cán bộ xác định khi phỏng vấn"
    return review


def test_middle_living_follows_the_recorded_income_and_the_farm_condition():
    bundle = poor_bundle()
    review = _scored(bundle)
    review.score_a_paper, review.nlndn = 200, 1
    review.income_12m_vnd, review.members_counted = 2_500_000 * 12 * 3, 3  # the commune is urban (thành thị)
    fill_review(None, bundle, review)
    assert review.computed_class == "MIDDLE" and review.nlndn_middle_recognised == 1
    assert "thu nhập: I = 2.500.000 đồng/người/tháng" in review.reasons_text
    assert "2.000.000 < I ≤ 3.000.000 (thành thị), hộ làm nông, lâm, ngư, diêm nghiệp" in review.reasons_text
    review.nlndn = 0  # not a farm/forestry/fishery/salt household: never middle-living
    fill_review(None, bundle, review)
    assert review.computed_class == "NOT_POOR" and review.nlndn_middle_recognised == 0
    review.nlndn, review.income_12m_vnd = 1, 3_000_001 * 12 * 3  # above the band
    fill_review(None, bundle, review)
    assert review.computed_class == "NOT_POOR"


def test_a_recognition_without_income_is_flagged_and_without_the_farm_flag_refused():
    bundle = poor_bundle()
    review = _scored(bundle)
    review.score_a_paper, review.nlndn_middle_recognised, review.nlndn = 200, 1, 1
    outcome = fill_review(None, bundle, review)
    assert review.computed_class == "MIDDLE"
    assert [(e.field, e.severity) for e in outcome.issues if "thu nhập" in e.message] == [
        ("review.income_12m_vnd", "warning")]
    review.nlndn = 0
    outcome = fill_review(None, bundle, review)
    assert any(e.field == "review.nlndn" and e.severity == "error" for e in outcome.issues)
    review.income_12m_vnd, review.members_counted = -5, 3
    assert fill_review(None, bundle, review).impossible


def test_nlndn_review_is_decided_by_income_and_suggests_only_covered_workers():
    bundle = poor_bundle()
    review = new_review(bundle, 2025, review_type="nlndn", reference_date=dt.date(2025, 9, 15))
    outcome = fill_review(None, bundle, review)
    assert outcome.result is None and "Chưa ghi thu nhập 12 tháng" in outcome.refusal
    # from 01/07/2025 the commune (01954, Xã Ngân Sơn) is rural (nông thôn)
    review.nlndn, review.income_12m_vnd, review.members_counted = 1, 2_000_000 * 12 * 3, 3
    outcome = fill_review(None, bundle, review)
    assert outcome.result.cls == "MIDDLE" and review.final_class == "MIDDLE"
    assert review.reasons_text.endswith("→ Hộ có mức sống trung bình")
    # the two working adults are suggested as low-income workers, the 13-year-old pupil is not
    assert [m.low_income_worker for m in bundle.members] == ["suggested", "suggested", None]
    bundle.members[0].low_income_worker = "recognised"  # the commune's recognition is never overwritten
    review.income_12m_vnd = 2_250_001 * 12 * 3
    fill_review(None, bundle, review)
    assert review.final_class == "NOT_POOR"
    assert [m.low_income_worker for m in bundle.members] == ["recognised", None, None]
    review.income_12m_vnd = 1_500_000 * 12 * 3  # at or below the poverty line: a poverty review is suggested
    outcome = fill_review(None, bundle, review)
    assert outcome.result is None and "đề nghị rà soát hộ nghèo, hộ cận nghèo (Mẫu số 01)" in outcome.refusal
