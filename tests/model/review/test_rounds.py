"""Rounds: opening carries households forward, states, finalising locks, unlock audited with its reason."""

from __future__ import annotations

import random

import pytest

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.store import audit
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import get_round, review_in_round, save_review
from bkdesk.model.store.repo_rounds import add_household_event
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle

USER = "Cán bộ kiểm thử"


def _households(db, n):
    rng = random.Random(3)
    out = []
    for i in range(n):
        b = make_bundle(rng, TEST_COMMUNE, no=i + 1)
        save_household(db, b, USER)
        out.append(b.household.uid)
    return out


def _confirm_all(db, rnd, final="NOT_POOR"):
    for uid in [r[0] for r in db.execute("SELECT household_uid FROM review WHERE round_uid=?", (rnd.uid,))]:
        review = review_in_round(db, uid, rnd.uid)
        review.final_class, review.record_status = final, "confirmed"
        save_review(db, review, USER)


def test_open_periodic_round_carries_every_active_household(db):
    uids = _households(db, 5)
    add_household_event(db, uids[4], "moved_out", "2022-02-01", USER)
    db.execute("UPDATE household SET status='moved_out' WHERE uid=?", (uids[4],))
    rnd, n = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    assert n == 4 and rnd.state == "planned" and rnd.list_year == 2023 and rnd.standard_id == "vn-2022-2026"
    assert rnd.reference_date == "2022-09-01"
    reviews = [review_in_round(db, u, rnd.uid) for u in uids]
    assert [r is not None for r in reviews] == [True, True, True, True, False]
    assert {r.start_status for r in reviews[:4]} == {"OTHER"} and reviews[0].record_status == "draft"
    with pytest.raises(UserError, match="đã có đợt"):
        rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)


def test_finalise_refused_while_households_unreviewed_then_locks(db):
    _households(db, 3)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    with pytest.raises(UserError, match="3 hộ chưa rà soát"):
        rounds.finalise(db, rnd.uid, USER)
    _confirm_all(db, rnd)
    rnd = rounds.finalise(db, rnd.uid, USER)
    assert get_round(db, rnd.uid).locked == 1 and rnd.state == "decided"
    review = review_in_round(db, db.execute("SELECT household_uid FROM review LIMIT 1").fetchone()[0], rnd.uid)
    review.final_class = "POOR"
    with pytest.raises(UserError, match="khóa"):
        save_review(db, review, USER)


def test_unlock_needs_a_reason_and_is_audited(db):
    _households(db, 1)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    _confirm_all(db, rnd)
    rounds.finalise(db, rnd.uid, USER)
    with pytest.raises(UserError, match="lý do"):
        rounds.unlock(db, rnd.uid, USER, "  ")
    rounds.unlock(db, rnd.uid, "Chủ tịch xã", "Phúc tra sau khiếu nại của hộ")
    assert get_round(db, rnd.uid).locked == 0
    rows = [r for r in audit.history(db, "review_round", rnd.uid) if r["field"] == "locked"]
    assert (rows[-1]["old_value"], rows[-1]["new_value"]) == ("1", "0")
    assert rows[-1]["reason"] == "Phúc tra sau khiếu nại của hộ" and rows[-1]["user"] == "Chủ tịch xã"


def test_states_advance_in_order_and_back_only_with_reason(db):
    _households(db, 2)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    assert rounds.advance(db, rnd.uid, USER).state == "listing"
    assert rounds.advance(db, rnd.uid, USER).state == "survey"
    with pytest.raises(UserError, match="chưa rà soát"):
        rounds.advance(db, rnd.uid, USER)
    _confirm_all(db, rnd)
    assert rounds.advance(db, rnd.uid, USER).state == "village_meetings"
    with pytest.raises(UserError, match="lý do"):
        rounds.move_back(db, rnd.uid, "survey", USER, "")
    with pytest.raises(UserError, match="quay lại"):
        rounds.move_back(db, rnd.uid, "posting", USER, "lý do")
    rounds.move_back(db, rnd.uid, "survey", USER, "Họp dân không đạt 50 %")
    assert get_round(db, rnd.uid).state == "survey"
    assert any(r["reason"] == "Họp dân không đạt 50 %" for r in audit.history(db, "review_round", rnd.uid))


def test_moved_out_household_does_not_block_finalise(db):
    uids = _households(db, 2)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    review = review_in_round(db, uids[0], rnd.uid)
    review.final_class, review.record_status = "POOR", "confirmed"
    save_review(db, review, USER)
    assert rounds.unreviewed_households(db, rnd.uid) == [uids[1]]
    add_household_event(db, uids[1], "moved_out", "2022-10-01", USER)
    db.execute("UPDATE household SET status='moved_out' WHERE uid=?", (uids[1],))
    assert rounds.unreviewed_households(db, rnd.uid) == []
    assert rounds.finalise(db, rnd.uid, USER).locked == 1


def test_regular_round(db):
    rnd = rounds.open_regular_round(db, TEST_COMMUNE, 2023, 3, USER)
    assert (rnd.kind, rnd.list_year, rnd.state, rnd.month) == ("regular", 2023, "request", 3)
    with pytest.raises(UserError, match="Tháng"):
        rounds.open_regular_round(db, TEST_COMMUNE, 2023, 13, USER)
