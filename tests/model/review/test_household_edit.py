"""The Qt-free household editing model: edits by path, structured validation, undo/redo, drafts, save.

No display here: everything the editor dialog shows comes from this object.
"""

from __future__ import annotations

import threading

import pytest

from bkdesk.errors import UserError
from bkdesk.model.desk import DeskContext
from bkdesk.model.review.household_edit import draft_key, issue_path, year_issue
from bkdesk.model.review.review_service import new_review, save_household_with_review
from bkdesk.model.rules.validation import FieldError
from bkdesk.model.store import repo_desk, repo_drafts, settings
from bkdesk.model.store.repo_households import count_households, get_household
from bkdesk.model.store.repo_reviews import latest_review
from tests.model.review.test_review_service import poor_bundle


@pytest.fixture
def desk(db, db_path):
    settings.put(db, settings.REVIEW_YEAR, "2024")
    return DeskContext(db_path, db)


@pytest.fixture
def saved(desk, db):
    bundle = poor_bundle()
    save_household_with_review(db, bundle, new_review(bundle, 2024), "t")
    return bundle.household.uid


def test_consecutive_edits_of_one_field_are_one_undo_step(desk, saved):
    edit = desk.open_household(saved)
    before = edit.get(("household", "address"))
    for text in ("B", "Bả", "Bản Pác"):
        edit.edit(("household", "address"), text)
    edit.edit(("household", "phone"), "0912")
    assert edit.undo() and not edit.get(("household", "phone"))
    assert edit.get(("household", "address")) == "Bản Pác"
    assert edit.undo() and edit.get(("household", "address")) == before
    assert not edit.can_undo() and not edit.dirty
    assert edit.redo() and edit.get(("household", "address")) == "Bản Pác" and edit.dirty


def test_issues_name_their_field_by_a_tuple_path(desk, saved):
    edit = desk.open_household(saved)
    edit.edit(("members", 2, "birth_date"), "2099-01-01")
    edit.edit(("members", 1, "id_number"), "12ab")
    paths = {i.path: i for i in edit.issues()}
    assert ("members", 2, "birth_date") in paths and "tương lai" in paths[("members", 2, "birth_date")].message
    assert paths[("members", 1, "id_number")].blocking
    assert all(isinstance(p, tuple) for p in paths)
    assert issue_path(FieldError("indicators.VL.reason", "x")) == ("review", "indicators", "VL", "reason")
    assert issue_path(FieldError("impossible.housing.floor_area_m2", "x")) == ("housing", "floor_area_m2")


def test_an_error_clears_when_the_value_is_valid_again_undo_included(desk, saved):
    edit = desk.open_household(saved)
    edit.edit(("housing", "floor_area_m2"), -5.0)
    assert ("housing", "floor_area_m2") in edit.messages()
    with pytest.raises(UserError):
        edit.save()
    edit.undo()
    assert ("housing", "floor_area_m2") not in edit.messages()
    edit.edit(("household", "address"), "Thôn Nà Bưa 2")
    assert edit.save().uid == saved


def test_untouched_new_household_is_not_dirty_and_saves_nothing_on_close(desk, db):
    edit = desk.new_household()
    assert edit.is_new and not edit.dirty
    assert edit.save_draft() is False
    assert repo_drafts.list_drafts(db) == [] and count_households(db) == 0
    edit.add_member()
    assert edit.dirty


def test_first_save_of_an_incomplete_record_says_what_is_missing(desk, db):
    edit = desk.new_household()
    i = edit.add_member()
    edit.edit(("members", i, "full_name"), "Lý Văn Páo")
    result = desk.save_household(edit)
    assert result.first_save and not result.complete and result.missing
    assert all(isinstance(m.path, tuple) for m in result.missing)
    paths = [m.path for m in result.missing]
    assert paths[0] == ("housing", "floor_area_m2") and ("review", "score_a_paper") in paths
    assert not edit.dirty and not edit.is_new
    assert latest_review(db, result.uid).record_status == "draft"


def test_draft_round_trip(desk, db, saved):
    edit = desk.open_household(saved)
    edit.edit(("household", "address"), "Bản Khuổi Ít")
    assert edit.save_draft()
    [(key, _at, data)] = desk.drafts()
    assert key == draft_key(saved)
    again = desk.restore_draft(data)
    assert again.dirty and again.get(("household", "address")) == "Bản Khuổi Ít"
    desk.save_household(again)
    assert repo_drafts.list_drafts(db) == []
    assert get_household(db, saved).household.address == "Bản Khuổi Ít"


def test_save_undo_save_is_not_a_conflict_but_a_stale_copy_is(desk, db, saved):
    edit = desk.open_household(saved)
    stale = desk.open_household(saved)
    edit.edit(("household", "address"), "A")
    desk.save_household(edit)
    edit.undo()
    assert edit.dirty
    desk.save_household(edit)  # the undo snapshot carries the saved revision
    stale.edit(("household", "address"), "B")
    with pytest.raises(UserError):
        stale.save()
    assert stale.dirty and stale.get(("household", "address")) == "B"  # the officer's work is kept


def test_decided_review_is_read_only(desk, db):
    bundle = poor_bundle()
    review = new_review(bundle, 2024)
    review.record_status = "decided"
    save_household_with_review(db, bundle, review, "t")
    edit = desk.open_household(bundle.household.uid)
    if edit.status != "decided":  # an incomplete review is stored as a draft by the service
        db.execute("UPDATE review SET record_status='decided' WHERE uid=?", (review.uid,))
        edit = desk.open_household(bundle.household.uid)
    assert edit.read_only
    with pytest.raises(UserError):
        edit.edit(("household", "address"), "x")
    with pytest.raises(UserError):
        edit.save()
    assert not edit.can_undo() and edit.save_draft() is False


def test_year_fields_take_four_digits_in_range(desk, saved):
    assert year_issue(("exit", "registration_year"), 2025) is None
    assert year_issue(("exit", "registration_year"), 20252026).blocking
    edit = desk.open_household(saved)
    edit.set_exit_registered(True)
    edit.edit(("exit", "registration_year"), 20252026)
    assert ("exit", "registration_year") in edit.messages()
    with pytest.raises(UserError, match="4 chữ số"):
        edit.save()


def test_fields_that_do_not_apply_are_disabled(desk, saved):
    edit = desk.open_household(saved)
    off = edit.disabled()
    assert ("members", 0, "malnourished") in off  # 44 years old
    assert ("members", 2, "malnourished") not in off  # 12 years old
    assert ("members", 0, "seeking_work") in off  # has work
    assert ("members", 0, "labour_contract") in off  # no wage job recorded
    edit.edit(("members", 0, "labour_status"), "khong_co_viec_lam")
    assert ("members", 0, "seeking_work") not in edit.disabled()
    assert ("exit", "form04_date") in off


def test_desk_announces_saves_and_keeps_one_connection_per_thread(desk, db, saved):
    heard = []
    stop = desk.subscribe("household_saved", heard.append)
    edit = desk.open_household(saved)
    edit.edit(("household", "address"), "Thôn Bó Lếch")
    desk.save_household(edit)
    assert heard == [saved]
    stop()
    desk.save_household(edit)
    assert heard == [saved]
    seen = []
    t = threading.Thread(target=lambda: seen.append((desk.conn is not db, desk.totals()["households"])))
    t.start()
    t.join()
    assert seen == [(True, 1)] and desk.conn is db
    desk.close()


def test_status_filter_and_sort(desk, db, saved):
    f = desk.desk_filter()
    f.record_status = "draft"
    assert desk.household_uids(f) == [saved]
    f.record_status = "decided"
    assert desk.household_uids(f) == []
    db.execute("UPDATE review SET record_status='confirmed'")
    f.record_status = "confirmed"
    assert desk.household_uids(f) == [saved]
    assert desk.household_uids(repo_desk.DeskFilter(record_status="confirmed"), "status") == [saved]


def test_review_of_a_locked_round_is_read_only(desk, db, saved):
    db.execute("INSERT INTO review_round (uid, commune_code, kind, review_year, list_year, reference_date, locked,"
               " updated_at) VALUES ('r1', '01954', 'periodic', 2024, 2025, '2024-09-01', 1, '2024-09-01')")
    db.execute("UPDATE review SET round_uid='r1' WHERE household_uid=?", (saved,))
    edit = desk.open_household(saved)
    assert edit.read_only and "Đợt rà soát đã khóa" in edit.lock_reason
    with pytest.raises(UserError, match="khóa"):
        edit.edit(("household", "address"), "x")
