from bkdesk.model.store import settings
from bkdesk.model.store.check import check_database


def _raw_household(db, uid, origin):
    db.execute("INSERT INTO household (uid, commune_code, rev, updated_at, updated_by, origin)"
               " VALUES (?, '01954', 1, '2022-10-01T08:00:00+07:00', 'cb', ?)", (uid, origin))


def test_a_local_household_without_history_is_a_problem(db):
    _raw_household(db, "h-local", settings.installation_id(db))
    assert any("h-local" in p and "nhật ký" in p for p in check_database(db))


def test_a_merged_household_may_arrive_without_its_older_history(db):
    _raw_household(db, "h-merged", "another-laptop")
    assert check_database(db) == []
