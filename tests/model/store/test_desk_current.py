"""household_current (the desk's current review per household and list year) follows every write path:
the review service, write_review, the merge's upsert_rows; and the desk's filters read it."""

from __future__ import annotations

import random

from bkdesk.model.review.review_service import new_review, save_household_with_review
from bkdesk.model.store import repo_desk, repo_sync
from bkdesk.model.store.db import transaction
from tests.factories import make_bundle


def expected_current(db) -> set[tuple]:
    """Independently: for each (household, list year) the review with the latest reference date, then
    update time."""
    best: dict[tuple, tuple] = {}
    for r in db.execute("SELECT household_uid, list_year, uid, final_class, reference_date, updated_at FROM review"):
        key = (r[0], r[1])
        if key not in best or (r[4], r[5]) > (best[key][4], best[key][5]):
            best[key] = tuple(r)
    return {(v[0], v[1], v[2], v[3]) for v in best.values()}


def current(db) -> set[tuple]:
    return {tuple(r) for r in db.execute("SELECT household_uid, list_year, review_uid, final_class"
                                         " FROM household_current")}


def test_current_follows_saves_and_merges(db):
    rng = random.Random(11)
    bundles = [make_bundle(rng, "01954", rng.randint(1, 5), no=i + 1) for i in range(8)]
    for b in bundles:
        save_household_with_review(db, b, new_review(b, 2024), "cb")
    b0 = bundles[0]
    save_household_with_review(db, b0, new_review(b0, 2023), "cb")  # another list year
    assert current(db) == expected_current(db) and len(current(db)) == 9
    # a later review of the same list year (as a merge writes it) becomes the current one
    row = dict(db.execute("SELECT * FROM review WHERE household_uid=? AND list_year=2025", (b0.household.uid,))
               .fetchone())
    row.update(uid="merged-review-0001", reference_date="2024-12-31", final_class="POOR", computed_class="POOR")
    cols = list(row)
    with transaction(db):
        repo_sync.upsert_rows(db, "review", cols, [tuple(row[c] for c in cols)])
    assert current(db) == expected_current(db)
    assert ("merged-review-0001" in {c[2] for c in current(db)})
    # the desk's class filter reads it
    f = repo_desk.DeskFilter(commune_code="01954", list_year=2025, final_class="POOR")
    poor = set(repo_desk.household_uids(db, f))
    assert b0.household.uid in poor
    assert poor == {c[0] for c in expected_current(db) if c[1] == 2025 and c[3] == "POOR"}
    # a full recompute gives the same table
    before = current(db)
    with transaction(db):
        db.execute("DELETE FROM household_current")
        assert repo_desk.current_is_missing(db)
        repo_desk.refresh_current(db)
    assert current(db) == before


def test_filters_and_sorts_on_current_match_the_generic_path(db):
    rng = random.Random(5)
    for i in range(12):
        b = make_bundle(rng, "01954", rng.randint(1, 6), no=i + 1)
        save_household_with_review(db, b, new_review(b, 2024), "cb")
    for cls in ("POOR", "NEAR_POOR", "NOT_POOR", "NONE", None):
        for sort in ("class", "score_a", "d", "household_no"):
            f = repo_desk.DeskFilter(commune_code="01954", list_year=2025, final_class=cls)
            fast = repo_desk.household_uids(db, f, sort)
            slow_sql, slow_args = repo_desk._query(repo_desk.DeskFilter(**{**f.__dict__, "list_year": None}),
                                                   sort, False)
            # one list year in this database: the generic path (latest review of any year) must agree
            assert fast == [r[0] for r in db.execute(slow_sql, slow_args)], (cls, sort)
