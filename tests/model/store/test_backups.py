import datetime as dt
import random

import pytest

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.store import backups, export_marker
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.check import check_database
from bkdesk.model.store.repo_households import count_households, get_household, save_household
from tests.dbutil import dump
from tests.factories import make_bundle

COMMUNE = "01954"


def _dump(path) -> list[str]:
    return dump(path)


def _add(conn, n, seed=1, start=1):
    rng = random.Random(seed)
    return [save_household(conn, make_bundle(rng, COMMUNE, no=start + i), user="t").household.uid
            for i in range(n)]


def test_list_backups_shows_date_size_households_newest_first(db, db_path):
    _add(db, 3)
    first = backups.backup_now(db, db_path)
    _add(db, 2, seed=2, start=10)
    second = backups.backup_now(db, db_path)
    listed = backups.list_backups(db_path)
    assert [b.path for b in listed] == [second, first]
    assert [b.households for b in listed] == [5, 3]
    assert all(b.size == b.path.stat().st_size > 0 for b in listed)
    assert listed[0].created.date() == dt.date.today()
    assert listed[0].reason_label == "Sao lưu thủ công"


def test_unreadable_file_in_backup_folder_is_listed_without_count(db, db_path):
    folder = dbmod.backup_dir_for(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "20240101-010101-000000-thu-cong.sqlite").write_bytes(b"not a database" * 100)
    (folder / "ghi-chu.sqlite").write_bytes(b"x")  # not our naming: ignored
    listed = backups.list_backups(db_path)
    assert [(b.reason, b.households) for b in listed] == [("thu-cong", None)]


def test_daily_backup_once_a_day(db, db_path):
    _add(db, 1)
    assert backups.daily_backup(db, db_path) is not None
    assert backups.daily_backup(db, db_path) is None
    assert backups.daily_backup(db, db_path, today=dt.date.today() + dt.timedelta(days=1)) is not None
    assert [b.reason for b in backups.list_backups(db_path)].count(backups.REASON_DAILY) == 2


def test_restore_round_trip_and_undo(db, db_path):
    uids = _add(db, 4)
    snap = backups.backup_now(db, db_path)
    expected = _dump(snap)
    # change after the backup: edit one, add two
    bundle = get_household(db, uids[0])
    bundle.household.address = "Thôn Bản Mới"
    save_household(db, bundle, user="t")
    new = _add(db, 2, seed=9, start=50)
    changed = _dump(db_path)
    assert changed != expected

    safety = backups.restore_backup(db_path, snap)
    # the open connection sees the restored state, without reopening
    assert count_households(db) == 4
    assert get_household(db, new[0]) is None
    assert get_household(db, uids[0]).household.address != "Thôn Bản Mới"
    assert _dump(db_path) == expected
    assert check_database(db) == []
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert _dump(safety) == changed

    backups.undo_last_restore(db_path)
    assert _dump(db_path) == changed
    assert get_household(db, uids[0]).household.address == "Thôn Bản Mới"
    # undoing twice goes back to the same point, it does not toggle
    backups.undo_last_restore(db_path)
    assert _dump(db_path) == changed


def test_restore_survives_rotation_of_the_chosen_backup(db, db_path):
    _add(db, 2)
    oldest = backups.backup_now(db, db_path)
    expected = _dump(oldest)
    for i in range(dbmod.BACKUPS_KEPT - 1):
        _add(db, 1, seed=100 + i, start=100 + i)
        backups.backup_now(db, db_path)
    backups.restore_backup(db_path, oldest)  # the safety backup rotates `oldest` away
    assert not oldest.exists()
    assert _dump(db_path) == expected


def test_a_damaged_backup_is_refused_and_nothing_changes(db, db_path, tmp_path):
    _add(db, 2)
    before = _dump(db_path)
    bad = tmp_path / "hong.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + bytes(5000))
    with pytest.raises(UserError):
        backups.restore_backup(db_path, bad)
    with pytest.raises(UserError, match="Không tìm thấy"):
        backups.restore_backup(db_path, tmp_path / "khong-co.sqlite")
    assert _dump(db_path) == before
    assert not list(dbmod.backup_dir_for(db_path).glob("*"))


def test_backup_from_newer_app_is_refused(db, db_path, tmp_path):
    out = dbmod.backup_to(db, tmp_path / "moi.sqlite")
    c = sqlite3.connect(out)
    c.execute(f"PRAGMA user_version={dbmod.latest_version() + 1}")
    c.close()
    with pytest.raises(UserError, match="mới hơn"):
        backups.restore_backup(db_path, out)


def test_undo_without_restore_is_refused(db, db_path):
    with pytest.raises(UserError, match="hoàn tác"):
        backups.undo_last_restore(db_path)


def test_unexported_changes(db):
    assert export_marker.unexported_change_count(db) == 0
    _add(db, 1)
    assert export_marker.unexported_change_count(db) > 0
    export_marker.set_last_exported_audit_id(db, "01954", db.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    assert export_marker.unexported_change_count(db) == 0
    _add(db, 1, seed=3, start=7)
    assert export_marker.unexported_change_count(db) > 0


def test_export_marker_is_the_sync_writers_key(db):
    _add(db, 2)
    last = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    with dbmod.transaction(db):  # what the sync package writer stores after an export
        db.execute("INSERT INTO setting(key, value) VALUES (?, ?)", ("sync_last_exported_audit_id:01954", str(last)))
    assert export_marker.unexported_change_count(db) == 0
    assert export_marker.last_exported_audit_id(db, "01954") == last
    assert export_marker.last_exported_audit_id(db, "01955") == 0
    _add(db, 1, seed=5, start=30)
    assert export_marker.unexported_change_count(db) > 0
