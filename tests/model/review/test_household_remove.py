"""Removing a household entered in error (issue 15 point 2): everything of its own goes, every deletion
audited with the reason and leaving its tombstone; refused, nothing changed, without a reason, for a role that
may not edit, and when the household is in the results of a decided or locked round."""

from __future__ import annotations

import datetime as dt

import pytest

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.review.household_edit import draft_key
from bkdesk.model.review.household_remove import find_household, refusal, remove_household
from bkdesk.model.rules.records import ExitRegistration
from bkdesk.model.store import access, repo_drafts, repo_villages, settings, users
from bkdesk.model.store.check import check_database
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_desk import DeskFilter, household_uids, totals
from bkdesk.model.store.repo_households import count_households
from bkdesk.model.store.repo_reviews import save_exit_registration
from bkdesk.model.store.repo_rounds import add_household_event
from tests.conftest import TEST_COMMUNE
from tests.dbutil import dump
from tests.model.review.test_round_lifecycle import enter, household

YEAR = 2024
OFFICER = "Hoàng Thị Thắm"
REASON = "Nhập trùng với hộ 0001"


def commune(conn) -> tuple[str, str, str]:
    """A commune in its 2024 round: household 0001 and the same family typed again as 0002, with an event,
    an exit registration and an editor draft. Returns (village, first uid, twice-typed uid)."""
    settings.put(conn, settings.REVIEW_YEAR, str(YEAR))
    village = repo_villages.create_village(conn, TEST_COMMUNE, "Bản Nà Bưa", OFFICER)
    rounds.open_periodic_round(conn, TEST_COMMUNE, YEAR, OFFICER)
    first, twice = household("0001", village, "Nguyễn Văn Đức"), household("0002", village, "Nguyễn Văn Đức")
    enter(conn, first, complete=True, user=OFFICER)
    enter(conn, twice, complete=True, user=OFFICER)
    add_household_event(conn, twice.household.uid, "moved_in", f"{YEAR}-03-01", OFFICER, place="Chợ Mới")
    save_exit_registration(conn, ExitRegistration(twice.household.uid, YEAR, "thoat_ngheo", commitment=1,
                                                  registered_by_member_uid=twice.members[0].uid), OFFICER)
    repo_drafts.save_draft(conn, draft_key(twice.household.uid), {"state": {}, "is_new": False})
    return village, first.household.uid, twice.household.uid


def own_records(conn, uid: str) -> dict[str, int]:
    out = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE household_uid=?", (uid,)).fetchone()[0]
           for t in ("member", "housing", "household_event", "review", "exit_registration", "household_current")}
    out["household"] = conn.execute("SELECT count(*) FROM household WHERE uid=?", (uid,)).fetchone()[0]
    return out


def test_removal_takes_everything_of_the_household_audited_with_tombstones(db):
    _village, first, twice = commune(db)
    before = own_records(db, twice)
    assert all(before[t] for t in before)
    member_uids = [r[0] for r in db.execute("SELECT uid FROM member WHERE household_uid=?", (twice,))]
    review_uids = [r[0] for r in db.execute("SELECT uid FROM review WHERE household_uid=?", (twice,))]

    removed = remove_household(db, twice, f"  {REASON} ", OFFICER)

    assert own_records(db, twice) == dict.fromkeys(before, 0)
    for table in ("review_indicator", "review_cause", "review_group", "review_roster"):
        assert db.execute(f"SELECT count(*) FROM {table} WHERE review_uid IN ({','.join('?' * len(review_uids))})",
                          review_uids).fetchone()[0] == 0
    assert repo_drafts.load_draft(db, draft_key(twice)) is None
    origin = settings.installation_id(db)
    deletes = db.execute("SELECT table_name, record_uid, user, reason, origin FROM audit_log WHERE action='delete'"
                         ).fetchall()
    assert {(t, u) for t, u, *_ in deletes} >= {("household", twice), ("housing", twice),
                                                *(("member", m) for m in member_uids),
                                                *(("review", r) for r in review_uids)}
    assert {"household_event", "exit_registration"} <= {t for t, *_ in deletes}
    assert {(user, reason, o) for _t, _u, user, reason, o in deletes} == {(OFFICER, REASON, origin)}
    tombstones = {(t, u) for t, u in db.execute("SELECT table_name, uid FROM sync_tombstone")}
    assert {("household", twice), ("housing", twice), *(("member", m) for m in member_uids)} <= tombstones
    # gone from the lists, the counts and the desk; the first household untouched; the database sound
    assert count_households(db) == 1 and household_uids(db, DeskFilter(TEST_COMMUNE, YEAR + 1)) == [first]
    assert totals(db, TEST_COMMUNE, YEAR + 1)["households"] == 1
    assert check_database(db) == []
    assert removed.counts["member"] == 2 and removed.counts["review"] == 1
    assert removed.line().startswith("Đã xóa hộ 0002 (Nguyễn Văn Đức) cùng 2 thành viên, 1 phiếu rà soát")
    assert REASON in removed.line()


def test_the_twice_typed_household_no_longer_breaks_the_check(db):
    _village, _first, twice = commune(db)
    db.execute("UPDATE household SET household_no='0001' WHERE uid=?", (twice,))  # typed with the same number
    db.execute("UPDATE review SET household_no='0001' WHERE household_uid=?", (twice,))
    assert any("bị trùng" in p for p in check_database(db))
    with pytest.raises(UserError, match="Có 2 hộ cùng mã 0001"):
        find_household(db, "0001", TEST_COMMUNE)
    assert find_household(db, twice, TEST_COMMUNE)["uid"] == twice
    remove_household(db, twice, REASON, OFFICER)
    assert check_database(db) == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(db, db_path, reason):
    _village, _first, twice = commune(db)
    before = dump(db_path)
    with pytest.raises(UserError, match="Phải ghi lý do xóa hộ"):
        remove_household(db, twice, reason, OFFICER)
    assert dump(db_path) == before


def _decide(conn, village: str) -> None:
    rnd = rounds.periodic_round(conn, YEAR)
    rounds.confirm(conn, rnd, OFFICER)
    rounds.record_meeting(conn, rnd, village, dt.date(YEAR, 10, 5), 30, OFFICER, list_agree=30)
    rounds.decide(conn, rounds.periodic_round(conn, YEAR), "125/QĐ-UBND", dt.date(YEAR, 12, 10), OFFICER)


def test_refused_in_a_decided_round_database_unchanged(db, db_path):
    village, _first, twice = commune(db)
    _decide(db, village)
    before = dump(db_path)
    with pytest.raises(UserError) as refused:
        remove_household(db, twice, REASON, OFFICER)
    message = str(refused.value)
    assert message.startswith("Không xóa được hộ 0002 (Nguyễn Văn Đức): ") and "\n" not in message
    assert "đợt rà soát định kỳ năm 2024 đã có quyết định" in message and "rà soát thường xuyên" in message
    assert refusal(db, twice) == message
    assert dump(db_path) == before


def test_refused_while_the_round_is_locked(db, db_path):
    _village, _first, twice = commune(db)
    rnd = rounds.periodic_round(db, YEAR)
    db.execute("UPDATE review_round SET locked=1 WHERE uid=?", (rnd.uid,))  # locked without a decision yet
    before = dump(db_path)
    with pytest.raises(UserError, match="đã khóa. Lãnh đạo xã mở khóa đợt"):
        remove_household(db, twice, REASON, OFFICER)
    assert dump(db_path) == before


def test_a_read_only_role_is_refused(tmp_path):
    from tests.ui.helpers import protected_database

    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path)
    try:
        _village, _first, twice = commune(conn)
        users.add_user(conn, "lanhdao", "mat-khau-lanh-dao", ["lanh_dao_xa"], "Hà Văn Bình")
    finally:
        conn.close()
    users.logout(path)
    users.login(path, "lanhdao", "mat-khau-lanh-dao")
    conn = open_db(path)
    try:
        before = dump(path)
        with pytest.raises(access.PermissionDenied, match="lanhdao .* không có quyền nhập và sửa hộ"):
            remove_household(conn, twice, REASON, OFFICER)
        assert dump(path) == before
    finally:
        conn.close()


def test_a_failed_vote_of_the_removed_household_no_longer_holds_the_village_back(db):
    """The village meeting found 0002 typed twice (its vote failed, it went back to draft); once it is
    removed as entered in error the meeting stands for the households left, and the commune decides."""
    village, first, twice = commune(db)
    rnd = rounds.periodic_round(db, YEAR)
    rounds.confirm(db, rnd, OFFICER)
    _, back = rounds.record_meeting(db, rnd, village, dt.date(YEAR, 10, 5), 30, OFFICER,
                                    votes={first: 28, twice: 2})
    assert back and "0002" in back[0]
    rnd = rounds.periodic_round(db, YEAR)
    assert [v["meeting"]["passed"] for v in rounds.round_status(db, rnd)["villages"] if v["meeting"]] == [False]
    remove_household(db, twice, REASON, OFFICER)
    rnd = rounds.periodic_round(db, YEAR)
    assert [v["meeting"]["passed"] for v in rounds.round_status(db, rnd)["villages"] if v["meeting"]] == [True]
    rounds.decide(db, rnd, "125/QĐ-UBND", dt.date(YEAR, 12, 10), OFFICER)
    assert rounds.periodic_round(db, YEAR).state == "decided"
