import random

import pytest

from bkdesk.errors import UserError
from bkdesk.model.rules.records import (
    ExitRegistration,
    GroupValue,
    IndicatorValue,
    Review,
    ReviewRound,
    as_dict,
)
from bkdesk.model.store import repo_reviews as rr
from bkdesk.model.store.audit import history
from bkdesk.model.store.repo_households import save_household
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle


@pytest.fixture
def household(db):
    return save_household(db, make_bundle(random.Random(1), TEST_COMMUNE), user="cb")


@pytest.fixture
def round_2022(db):
    return rr.save_round(db, ReviewRound(TEST_COMMUNE, "periodic", 2022, 2023, "2022-09-01"), user="cb")


def _review(household, rnd):
    return Review(household.household.uid, 2023, "2022-09-01", TEST_COMMUNE, round_uid=rnd.uid,
                  score_a_paper=132, score_a_final=132, score_a_source="paper_total",
                  indicators={"VL": IndicatorValue("deprived", "deprived"),
                              "BHYT": IndicatorValue("not_deprived", "deprived", "thẻ hết hạn tháng 8")},
                  causes={"3": "", "8": "Thiên tai"}, needs={"YT": ""}, groups={"dtts": GroupValue(1, 1)})


def test_review_round_trip_with_children(db, household, round_2022):
    review = rr.save_review(db, _review(household, round_2022), user="cb")
    back = rr.get_review(db, review.uid)
    assert as_dict(back) == as_dict(review)
    assert back.indicators == review.indicators and back.causes == review.causes
    assert back.groups == review.groups and back.needs == review.needs
    assert back.meta.rev == 1
    assert rr.review_in_round(db, household.household.uid, round_2022.uid).uid == review.uid


def test_child_change_bumps_revision_and_is_audited(db, household, round_2022):
    review = rr.save_review(db, _review(household, round_2022), user="cb")
    review.indicators["VL"] = IndicatorValue("deprived", "not_deprived", "có hợp đồng mới")
    rr.save_review(db, review, user="cb2", reason="phúc tra")
    assert rr.get_review(db, review.uid).meta.rev == 2
    rows = [r for r in history(db, "review", review.uid) if r["field"] == "indicators"]
    assert rows and "có hợp đồng mới" in rows[-1]["new_value"] and rows[-1]["reason"] == "phúc tra"


def test_one_review_per_household_and_round(db, household, round_2022):
    rr.save_review(db, _review(household, round_2022), user="cb")
    from bkdesk.dbapi import sqlite3
    with pytest.raises(sqlite3.IntegrityError):
        rr.save_review(db, _review(household, round_2022), user="cb")


def test_locked_round_and_decided_review_refuse_edits(db, household, round_2022):
    review = rr.save_review(db, _review(household, round_2022), user="cb")
    review.record_status = "decided"
    rr.save_review(db, review, user="cb")
    review.reviewers = "Người khác"
    with pytest.raises(UserError):
        rr.save_review(db, review, user="cb")
    other = save_household(db, make_bundle(random.Random(2), TEST_COMMUNE), user="cb")
    round_2022.locked = 1
    rr.save_round(db, round_2022, user="cb", reason="chốt danh sách")
    with pytest.raises(UserError):
        rr.save_review(db, _review(other, round_2022), user="cb")


def test_exit_registration_round_trip(db, household):
    reg = ExitRegistration(household.household.uid, 2023, "thoat_ngheo", commitment=1,
                           commitment_text="Phấn đấu thoát nghèo năm 2023")
    rr.save_exit_registration(db, reg, user="cb")
    assert [as_dict(r) for r in rr.exit_registrations(db, year=2023)] == [as_dict(reg)]
    with pytest.raises(UserError):
        rr.save_exit_registration(db, ExitRegistration(household.household.uid, 2024, "giau_len"), user="cb")
