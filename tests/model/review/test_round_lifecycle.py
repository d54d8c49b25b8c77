"""Review status lifecycle and the round's records (issue 14): draft -> confirmed -> village meeting ->
decided (read-only) -> closed; every step audited; nothing entered is left outside its round."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.review.review_service import confirm_computed, new_review, save_household_with_review
from bkdesk.model.rules.records import Household, Housing, Member, Review
from bkdesk.model.store import audit, repo_reports, settings
from bkdesk.model.store.repo_households import HouseholdBundle
from bkdesk.model.store.repo_reviews import get_review, review_in_round, save_review
from bkdesk.model.store.repo_villages import create_village
from tests.conftest import TEST_COMMUNE

USER = "Cán bộ kiểm thử"
YEAR = 2024


def household(no: str, village_uid: str, head: str) -> HouseholdBundle:
    hh = Household(commune_code=TEST_COMMUNE, household_no=no, village_uid=village_uid, address="Bản Nà Bưa")
    members = [
        Member(head, sex="1", birth_date="1980-05-02", relation_to_head="chu_ho", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
        Member("Hoàng Thị Ánh", sex="2", birth_date="1983-01-10", relation_to_head="vo", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
    ]
    housing = Housing(no_house=0, wall_durable=0, frame_durable=0, roof_durable=1, floor_area_m2=40,
                      water_source="other", latrine_type="none", phone_subscription=1, internet_use=0,
                      info_devices="tivi", loudspeaker_audible=1)
    return HouseholdBundle(hh, members, housing)


def enter(db, bundle: HouseholdBundle, complete: bool, review: Review | None = None, user: str = USER) -> Review:
    """Save the household with a review as the desk does: complete (score A, indicators, cause) or not."""
    review = review or new_review(bundle, YEAR)
    review.score_a_paper = 120
    save_household_with_review(db, bundle, review, user)
    if complete:
        confirm_computed(review)
        review.indicators["VL"].final, review.indicators["VL"].reason = "not_deprived", "có việc làm"
        review.causes = {"1": ""}
        assert save_household_with_review(db, bundle, review, user).complete
    return review


@pytest.fixture
def village(db):
    settings.put(db, settings.REVIEW_YEAR, str(YEAR))
    return create_village(db, TEST_COMMUNE, "Bản Nà Bưa", USER)


def test_review_entered_before_the_round_opens_is_carried_into_it(db, village):
    bundle = household("0001", village, "Nguyễn Văn Đức")
    entered = enter(db, bundle, complete=True)
    assert get_review(db, entered.uid).round_uid is None
    rnd, n = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    assert n == 1
    in_round = review_in_round(db, bundle.household.uid, rnd.uid)
    assert in_round.uid == entered.uid and in_round.score_a_paper == 120 and in_round.final_class == "POOR"
    assert in_round.start_status == "OTHER"
    assert db.execute("SELECT count(*) FROM review").fetchone()[0] == 1


def test_household_entered_after_the_round_opens_joins_it(db, village):
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    bundle = household("0002", village, "Lý Văn An")
    review = enter(db, bundle, complete=False)
    assert get_review(db, review.uid).round_uid == rnd.uid


def test_confirm_meeting_decide_close(db, village):
    other = create_village(db, TEST_COMMUNE, "Thôn Khuổi Ló", USER)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    good = household("0001", village, "Nguyễn Văn Đức")
    enter(db, good, complete=True)
    bad = household("0002", other, "Lý Văn An")
    enter(db, bad, complete=False)
    status = rounds.round_status(db, rnd)
    assert status["statuses"] == {"draft": 2, "confirmed": 0, "decided": 0, "missing": 0}
    assert [(v["name"], v["statuses"]["draft"]) for v in status["villages"]] == [("Bản Nà Bưa", 1),
                                                                               ("Thôn Khuổi Ló", 1)]
    assert repo_reports.counted_reviews(db, [TEST_COMMUNE], YEAR, YEAR) == []  # drafts never count

    done, incomplete = rounds.confirm(db, rnd, USER)
    assert done == ["Hộ 0001 (Nguyễn Văn Đức)"]
    assert [label for label, _ in incomplete] == ["Hộ 0002 (Lý Văn An)"] and incomplete[0][1]
    review = review_in_round(db, good.household.uid, rnd.uid)
    assert review.record_status == "confirmed"
    assert any(r["field"] == "record_status" and r["new_value"] == "confirmed" and r["reason"]
               for r in audit.history(db, "review", review.uid))
    assert [r["household_uid"] for r in repo_reports.counted_reviews(db, [TEST_COMMUNE], YEAR, YEAR)] == [
        good.household.uid]
    assert rounds.round_status(db, rnd)["state"] == "survey"

    with pytest.raises(UserError, match="chưa được xác nhận"):  # village of the incomplete household
        rounds.record_meeting(db, rnd, other, dt.date(2024, 10, 5), 30, USER, list_agree=30)
    with pytest.raises(UserError, match="Còn 1 hộ chưa được xác nhận"):
        rounds.decide(db, rnd, "125/QĐ-UBND", dt.date(2024, 12, 10), USER)

    enter(db, bad, complete=True, review=review_in_round(db, bad.household.uid, rnd.uid))
    assert rounds.confirm(db, rnd, USER, village_uid=other) == (["Hộ 0002 (Lý Văn An)"], [])
    with pytest.raises(UserError, match="biên bản họp thôn"):
        rounds.decide(db, rnd, "125/QĐ-UBND", dt.date(2024, 12, 10), USER)

    # a failed vote (< 50 %) sends the household back to draft; a new meeting is needed
    _, back = rounds.record_meeting(db, rnd, village, dt.date(2024, 10, 5), 30, USER, chair="Ma Văn Tùng",
                                    votes={good.household.uid: 14})
    assert back == ["Hộ 0001 (Nguyễn Văn Đức)"]
    assert review_in_round(db, good.household.uid, rnd.uid).record_status == "draft"
    assert rounds.confirm(db, rnd, USER, village_uid=village)[0] == ["Hộ 0001 (Nguyễn Văn Đức)"]
    rounds.record_meeting(db, rnd, village, dt.date(2024, 10, 12), 30, USER, votes={good.household.uid: 15})
    rounds.record_meeting(db, rnd, other, dt.date(2024, 10, 12), 20, USER, list_agree=18, place="Nhà văn hóa")
    rounds.record_posting(db, rnd, "Nhà văn hóa thôn và trụ sở UBND xã", dt.date(2024, 10, 14),
                          dt.date(2024, 10, 18), USER)
    assert rounds.round_status(db, rnd)["state"] == "posting"

    assert rounds.decide(db, rnd, "125/QĐ-UBND", dt.date(2024, 12, 10), USER, signer="Hà Văn Bình") == 2
    status = rounds.round_status(db, rnd)
    assert status["state"] == "decided" and status["statuses"]["decided"] == 2
    assert status["decision"] == {"number": "125/QĐ-UBND", "date": "2024-12-10", "signer": "Hà Văn Bình"}
    decided = review_in_round(db, good.household.uid, rnd.uid)
    assert decided.decision_id
    decided.score_a_paper = 90
    with pytest.raises(UserError, match="quyết định"):  # read-only once decided
        save_review(db, decided, USER)
    with pytest.raises(UserError, match="lý do"):
        rounds.unlock_review(db, rnd, good.household.uid, USER, " ")
    rounds.unlock_review(db, rnd, good.household.uid, USER, "Sai điểm A khi nhập")
    assert review_in_round(db, good.household.uid, rnd.uid).record_status == "confirmed"
    assert any(r["reason"] == "Sai điểm A khi nhập" for r in audit.history(db, "review", decided.uid))
    rounds.close(db, rnd, USER)
    assert rounds.periodic_round(db, YEAR).locked == 1 and rounds.periodic_round(db, YEAR).state == "closed"


def test_meeting_needs_valid_counts(db, village):
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    enter(db, household("0001", village, "Nguyễn Văn Đức"), complete=True)
    rounds.confirm(db, rnd, USER)
    for attendees, agree in ((0, 0), (10, 11), (10, -1)):
        with pytest.raises(UserError):
            rounds.record_meeting(db, rnd, village, dt.date(2024, 10, 5), attendees, USER, list_agree=agree)
    with pytest.raises(UserError, match="số người đồng ý"):
        rounds.record_meeting(db, rnd, village, dt.date(2024, 10, 5), 10, USER)
    assert db.execute("SELECT count(*) FROM village_meeting").fetchone()[0] == 0


def test_migration_reattaches_reviews_left_without_a_round(db, village):
    """The old code opened a round beside an entered review: the review stayed round-less and the round
    held a blank carried-forward draft. m0003 puts the entered review in the round, in the draft's place."""
    bundle = household("0001", village, "Nguyễn Văn Đức")
    entered = enter(db, bundle, complete=True)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    # what the old opening did: a blank draft in the round, the entered review left outside
    db.execute("UPDATE review SET round_uid=NULL, start_status=NULL WHERE uid=?", (entered.uid,))
    blank = Review(bundle.household.uid, YEAR + 1, "2024-09-01", TEST_COMMUNE, round_uid=rnd.uid,
                   village_uid=village, household_no="0001", start_status="POOR")
    save_review(db, blank, USER)
    assert review_in_round(db, bundle.household.uid, rnd.uid).uid == blank.uid
    m0003 = importlib.import_module("bkdesk.model.store.migrations.m0003_add_round_records")
    with db:
        assert m0003.reattach_orphans(db) == 1
    moved = review_in_round(db, bundle.household.uid, rnd.uid)
    assert moved.uid == entered.uid and moved.score_a_paper == 120 and moved.start_status == "POOR"
    assert get_review(db, blank.uid) is None
    assert any(r["field"] == "round_uid" for r in audit.history(db, "review", entered.uid))
    assert json.loads(json.dumps(rounds.round_status(db, rnd)))["statuses"]["draft"] == 1


def test_confirm_one_household(db, village):
    with pytest.raises(UserError, match="Chưa mở đợt"):
        rounds.confirm_household(db, "x", YEAR, USER)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    good, bad = household("0001", village, "Nguyễn Văn Đức"), household("0002", village, "Lý Văn An")
    enter(db, good, complete=True)
    enter(db, bad, complete=False)
    ok, reason = rounds.confirm_household(db, bad.household.uid, YEAR, USER)
    assert not ok and "chỉ số chưa xác nhận" in reason
    assert rounds.confirm_household(db, good.household.uid, YEAR, USER) == (True, "")
    assert review_in_round(db, good.household.uid, rnd.uid).record_status == "confirmed"
    assert review_in_round(db, bad.household.uid, rnd.uid).record_status == "draft"


def test_confirm_adopts_reviews_written_without_a_round(db, village):
    """A bulk import writes reviews with raw SQL (no round): confirming the round takes them in."""
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    bundle = household("0001", village, "Nguyễn Văn Đức")
    review = enter(db, bundle, complete=True)
    with db:
        db.execute("UPDATE review SET round_uid=NULL WHERE uid=?", (review.uid,))
    assert rounds.round_status(db, rnd)["statuses"]["missing"] == 1
    assert rounds.confirm(db, rnd, USER) == (["Hộ 0001 (Nguyễn Văn Đức)"], [])
    assert rounds.round_status(db, rnd)["statuses"] == {"draft": 0, "confirmed": 1, "decided": 0, "missing": 0}
