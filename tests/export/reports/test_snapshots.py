"""A decided round's outputs never change (issue 19, DESIGN.md §3): every report, list and form of round R
reads the roster each review was decided on, not today's members."""

from __future__ import annotations

import json
import random

import pytest
from pypdf import PdfReader

from bkdesk.errors import UserError
from bkdesk.export.forms import write_forms
from bkdesk.export.service import prepare
from bkdesk.model.rules.records import Member, Review, ReviewRound
from bkdesk.model.store import repo_snapshots
from bkdesk.model.store.repo_households import get_household, save_household
from bkdesk.model.store.repo_reviews import get_review, review_in_round, save_review, save_round
from tests.export.builders import COMMUNE, YEAR, build_round

FORM_KINDS = ("review", "form03", "form04", "minutes", "notice")


def _outputs(conn, tmp_path, tag: str) -> dict:
    out = {}
    for form in ("all", "form02", "niem_yet"):
        for t in prepare(conn, form, COMMUNE, YEAR).tables:
            out[t.template_id] = [list(r) for r in t.rows]
    for kind in FORM_KINDS:
        path, _pages = write_forms(conn, kind, COMMUNE, YEAR, tmp_path / f"{kind}-{tag}.pdf")
        out[kind] = [page.extract_text() for page in PdfReader(path).pages]
    return out


def _persons_on_r01(conn) -> int:
    t = prepare(conn, "r01", COMMUNE, YEAR).tables[0]
    total = [r for r, s in zip(t.rows, t.styles, strict=True) if s.startswith("total")][0]
    return total


@pytest.fixture
def decided(db):
    truth = build_round(db, random.Random(31), 40, draft_rate=0.0)
    for h in truth:  # the round's decision: every counted review of YEAR becomes "decided"
        if not h.cls:
            continue
        rnd = db.execute("SELECT uid FROM review_round WHERE review_year=? AND kind='periodic'", (YEAR,)).fetchone()[0]
        r = review_in_round(db, h.uid, rnd)
        r.record_status, r.decision_id = "decided", "Quyết định số 184/QĐ-UBND ngày 14/12/2024"
        save_review(db, r, "test")
    return db, truth


def test_round_outputs_stay_identical_after_later_roster_edits(decided, tmp_path):
    conn, truth = decided
    before = _outputs(conn, tmp_path, "before")
    persons_before = _persons_on_r01(conn)
    rnd_next = save_round(conn, ReviewRound(COMMUNE, "periodic", YEAR + 1, YEAR + 2, f"{YEAR + 1}-09-01"), "t").uid
    edited = 0
    for h in truth:
        if not h.cls:
            continue
        bundle = get_household(conn, h.uid)
        # the next year: a child is born, the head dies and the spouse takes over, a name is corrected
        bundle.members.append(Member(full_name="Bé Mới Sinh", sex="1", birth_date=f"{YEAR + 1}-10-01",
                                     relation_to_head="Con", presence="new_born",
                                     presence_date=f"{YEAR + 1}-10-01", position=len(bundle.members) + 1))
        for m in bundle.members[1:]:
            m.full_name = m.full_name + " Sửa"
        if len(bundle.members) > 2:
            bundle.members[0].presence, bundle.members[0].presence_date = "died", f"{YEAR + 1}-03-01"
            bundle.members[0].relation_to_head = "Khác"
            bundle.members[1].relation_to_head = "Chủ hộ"
        save_household(conn, bundle, "t")
        save_review(conn, Review(household_uid=h.uid, list_year=YEAR + 2, reference_date=f"{YEAR + 1}-09-01",
                                 commune_code=COMMUNE, round_uid=rnd_next, record_status="confirmed",
                                 final_class="NOT_POOR", computed_class="NOT_POOR", standard_id="vn-2022-2026",
                                 standard_revision=1), "t")
        edited += 1
    assert edited > 20
    after = _outputs(conn, tmp_path, "after")
    assert set(after) == set(before)
    for key in before:
        assert after[key] == before[key], key
    assert _persons_on_r01(conn) == persons_before
    # the persons of the round are the rosters as they were when the round was decided
    counted = [h for h in truth if h.cls]
    t = prepare(conn, "r01", COMMUNE, YEAR).tables[0]
    total = [r for r, s in zip(t.rows, t.styles, strict=True) if s.startswith("total")][0]
    assert sum(1 for h in counted for m in h.members if m.presence == "present") in total
    assert all("Sửa" not in str(cell) for rows in (after["r15"], after["r14"]) for row in rows for cell in row)
    # next year (2025) is in the 2025 unit list, where 01954 names another commune (Xã Ngân Sơn): this
    # database of the 2022 list must be converted first, so its 2025 report is refused, never mislabelled
    with pytest.raises(UserError, match="danh mục"):
        prepare(conn, "r15", COMMUNE, YEAR + 1)


def test_a_review_written_without_a_roster_keeps_the_roster_of_that_moment(db):
    truth = build_round(db, random.Random(3), 6, draft_rate=0.0)
    h = next(h for h in truth if h.cls)
    uid = db.execute("SELECT uid FROM review WHERE household_uid=? AND list_year=?", (h.uid, YEAR + 1)).fetchone()[0]
    roster = repo_snapshots.roster_rows(db, uid, h.uid)
    assert [m["full_name"] for m in roster] == [m.full_name for m in h.members]
    bundle = get_household(db, h.uid)
    bundle.members[0].full_name = "Tên Đã Sửa"
    save_household(db, bundle, "t")
    assert repo_snapshots.roster_rows(db, uid, h.uid)[0]["full_name"] == h.members[0].full_name


def test_a_review_saved_with_its_roster_keeps_that_roster(db):
    """The review service's JSON snapshot (the roster it classified) is what the rows hold."""
    truth = build_round(db, random.Random(6), 4, draft_rate=0.0)
    h = next(h for h in truth if h.cls)
    uid = db.execute("SELECT uid FROM review WHERE household_uid=? AND list_year=?", (h.uid, YEAR + 1)).fetchone()[0]
    r = get_review(db, uid)
    r.roster_snapshot = json.dumps([{"uid": "m1", "position": 1, "full_name": "Người Trong Phiếu",
                                     "relation_to_head": "Chủ hộ", "presence": "present"}], ensure_ascii=False)
    save_review(db, r, "t")
    assert [m["full_name"] for m in repo_snapshots.roster_rows(db, uid, h.uid)] == ["Người Trong Phiếu"]


def test_migration_fills_missing_rosters_and_says_so(db):
    build_round(db, random.Random(4), 6, draft_rate=0.0)
    db.execute("UPDATE review SET roster_snapshot = NULL")
    db.execute("DELETE FROM review_roster")
    with db:
        n = repo_snapshots.fill_missing(db, "kiểm thử", "2026-01-01T00:00:00+07:00")
    counted = db.execute("SELECT count(*) FROM review WHERE record_status IN ('confirmed','decided')").fetchone()[0]
    assert n == counted > 0
    assert len(repo_snapshots.filled_reviews(db)) == counted
    with_rows = db.execute("SELECT count(DISTINCT review_uid) FROM review_roster").fetchone()[0]
    assert with_rows == counted  # the rows the reports read
    drafts = db.execute("SELECT count(*) FROM review_roster x JOIN review r ON r.uid = x.review_uid"
                        " WHERE r.record_status = 'draft'").fetchone()[0]
    assert drafts == 0
