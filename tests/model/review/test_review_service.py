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
