import shutil
import types
from pathlib import Path

import pytest

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.check import check_database
from bkdesk.model.store.repo_households import count_households

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_pragmas(db):
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_new_path_becomes_a_marked_database(tmp_path):
    path = tmp_path / "moi.sqlite"
    conn = dbmod.open_db(path)
    assert dbmod.schema_version(conn) == dbmod.latest_version()
    assert conn.execute("SELECT count(*) FROM schema_migration").fetchone()[0] == dbmod.latest_version()
    assert conn.execute("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
    assert check_database(conn) == []
    conn.close()
    assert path.read_bytes()[68:72] == dbmod.APPLICATION_ID.to_bytes(4, "big")


def _refused(path: Path, kind: str, words: str) -> None:
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(dbmod.DatabaseFileError) as info:
        dbmod.open_db(path)
    assert info.value.kind == kind and words in str(info.value), str(info.value)
    assert "\n" not in str(info.value)
    assert (path.read_bytes() if path.exists() else None) == before  # untouched, byte for byte
    assert not Path(f"{path}-wal").exists()


def test_a_zero_byte_file_is_refused_not_turned_into_a_database(tmp_path):
    path = tmp_path / "rong.sqlite"
    path.write_bytes(b"")
    _refused(path, "not_bkdesk", "0 byte")


def test_a_text_file_is_refused(tmp_path):
    path = tmp_path / "ghi-chu.sqlite"
    path.write_text("Danh sách hộ nghèo\n", encoding="utf-8")
    _refused(path, "not_bkdesk", "không phải tệp SQLite")


def test_another_applications_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "khac.sqlite"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    other.execute("INSERT INTO contacts(name) VALUES ('Nông Văn Ánh')")
    other.commit()
    other.close()
    _refused(path, "not_bkdesk", "phần mềm khác")
    other = sqlite3.connect(path)
    other.execute("PRAGMA user_version=7")  # a version number alone does not make it ours
    other.close()
    _refused(path, "not_bkdesk", "phần mềm khác")
    other = sqlite3.connect(path)
    other.execute("PRAGMA application_id=1234")
    other.close()
    _refused(path, "not_bkdesk", "phần mềm khác")


def test_a_newer_versions_database_is_refused_untouched(tmp_path):
    path = tmp_path / "moi-hon.sqlite"
    dbmod.open_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={dbmod.latest_version() + 1}")
    conn.close()
    _refused(path, "newer", "mới hơn")


def test_a_truncated_database_is_called_damaged_not_foreign(tmp_path):
    path = tmp_path / "cat-cut.sqlite"
    conn = dbmod.open_db(path)
    conn.execute("CREATE TABLE filler(x)")
    conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 2000)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    _refused(path, "damaged", "cắt cụt")


def test_a_database_in_a_read_only_folder_is_called_read_only(tmp_path, monkeypatch):
    import os

    folder = tmp_path / "chi-doc"
    folder.mkdir()
    path = folder / "xa.sqlite"
    dbmod.open_db(path).close()
    real_access = os.access
    # the tests may run as root, for whom chmod 555 does not forbid writing: the check is what is tested
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == folder and mode == os.W_OK
                        else real_access(p, mode))
    _refused(path, "readonly", "Thư mục chỉ đọc")


def test_an_earlier_unmarked_bkdesk_database_is_accepted_and_marked(tmp_path):
    path = tmp_path / "cu.sqlite"
    shutil.copy(FIXTURES / "schema_v1.sqlite", path)
    assert path.read_bytes()[68:72] == b"\0\0\0\0"
    conn = dbmod.open_db(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
    conn.close()


def test_a_failed_commit_does_not_hide_its_cause(tmp_path):
    conn = dbmod.open_db(tmp_path / "xa.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        with dbmod.transaction(conn):
            conn.execute("INSERT INTO schema_migration(version, name, applied_at) VALUES (1, 'x', 'y')")
    assert not conn.in_transaction


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("schema_v*.sqlite")))
def test_every_earlier_schema_version_opens_and_migrates(tmp_path, fixture):
    path = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, path)
    old = sqlite3.connect(path)
    old_version = old.execute("PRAGMA user_version").fetchone()[0]
    households = old.execute("SELECT count(*) FROM household").fetchone()[0]
    old.close()
    conn = dbmod.open_db(path)
    assert dbmod.schema_version(conn) == dbmod.latest_version()
    assert count_households(conn) == households > 0
    assert check_database(conn) == []
    if old_version < dbmod.latest_version():
        assert list(dbmod.backup_dir_for(path).glob("*.sqlite"))


def test_fixture_exists_for_every_schema_version():
    versions = {int(p.stem.split("_v")[1]) for p in FIXTURES.glob("schema_v*.sqlite")}
    assert versions == set(range(1, dbmod.latest_version() + 1))


def test_backup_is_taken_before_a_migration_and_failure_rolls_back(db, db_path, monkeypatch):
    real = dbmod.migration_modules()
    seen = {}

    def apply_ok(conn):
        seen["backups"] = list(dbmod.backup_dir_for(db_path).glob("*.sqlite"))
        conn.execute("CREATE TABLE extra (x)")

    monkeypatch.setattr(dbmod, "migration_modules",
                        lambda: [*real, types.SimpleNamespace(__name__="m9999_add_extra", apply=apply_ok)])
    dbmod.migrate(db, db_path)
    assert seen["backups"], "the backup must exist before the migration runs"
    backup = sqlite3.connect(seen["backups"][0])
    assert backup.execute("PRAGMA user_version").fetchone()[0] == len(real)
    backup.close()

    def apply_bad(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(dbmod, "migration_modules", lambda: [
        *real, types.SimpleNamespace(__name__="m9999_add_extra", apply=apply_ok),
        types.SimpleNamespace(__name__="m9999_bad", apply=apply_bad)])
    with pytest.raises(RuntimeError):
        dbmod.migrate(db, db_path)
    assert dbmod.schema_version(db) == len(real) + 1
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'").fetchone()[0] == 0


def test_database_from_newer_app_is_refused(db, db_path):
    db.execute(f"PRAGMA user_version={dbmod.latest_version() + 1}")
    db.close()
    with pytest.raises(UserError, match="mới hơn"):
        dbmod.open_db(db_path)


def test_non_database_file_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
    with pytest.raises(UserError):
        dbmod.open_db(path)
    assert path.read_bytes().startswith(b"PK\x03\x04")


def test_auto_backups_rotate(db, db_path):
    for i in range(5):
        dbmod.auto_backup(db, db_path, f"r{i}", keep=3)
    assert len(list(dbmod.backup_dir_for(db_path).glob("*.sqlite"))) == 3


def _snapshot(conn: sqlite3.Connection) -> dict:
    """Row counts of every table and a few values a migration must carry over unchanged."""
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {
        "counts": {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables},
        "households": conn.execute("SELECT uid, household_no, commune_code, head_name, rev FROM household"
                                   " ORDER BY uid").fetchall(),
        "members": conn.execute("SELECT uid, household_uid, full_name, birth_date, id_number FROM member"
                                " ORDER BY uid").fetchall(),
        "settings": conn.execute("SELECT key, value FROM setting ORDER BY key").fetchall(),
        "audit": conn.execute("SELECT id, table_name, record_uid, field, new_value FROM audit_log"
                              " ORDER BY id").fetchall(),
    }


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("schema_v*.sqlite")))
def test_migration_ladder_keeps_the_data_and_passes_bkdesk_check(tmp_path, fixture, capsys):
    """Issue 9: every released schema opens, migrates, keeps every row and value, passes `bkdesk check`."""
    from bkdesk.cli.main import main

    path = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, path)
    old = sqlite3.connect(path)
    before = _snapshot(old)
    old.close()
    assert before["counts"]["household"] > 0 and before["members"]
    conn = dbmod.open_db(path)
    after = _snapshot(conn)
    conn.close()
    for table, n in before["counts"].items():
        if table != "schema_migration":
            assert after["counts"][table] == n, table
    for key in ("households", "members", "settings", "audit"):
        assert [tuple(r) for r in after[key]] == [tuple(r) for r in before[key]], key
    assert main(["check", "--db", str(path)]) == 0
    assert "không phát hiện vấn đề" in capsys.readouterr().out


def test_an_up_to_date_database_opens_without_the_full_check(db, db_path, monkeypatch):
    calls = []
    monkeypatch.setattr(dbmod, "require_sound", lambda c, p: calls.append(p))
    dbmod.open_db(db_path).close()
    assert calls == []  # quick_check takes 1.3 s at province scale; it runs before migrations instead
    db.execute("PRAGMA user_version=0")
    with pytest.raises(UserError):  # an old schema number: checked first, then the (failing) migration
        dbmod.open_db(db_path)
    assert calls == [db_path]


def test_require_sound_refuses_a_damaged_file(db, db_path):
    import random

    from bkdesk.model.store.repo_households import save_household
    from tests.factories import make_bundle

    rng = random.Random(3)
    for i in range(40):
        save_household(db, make_bundle(rng, "01954", no=i), user="cb")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(db_path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 8192] = b"\xab" * 8192
    db_path.write_bytes(bytes(data))
    conn = dbmod.connect(db_path)
    with pytest.raises((UserError, sqlite3.DatabaseError)):
        dbmod.require_sound(conn, db_path)
    conn.close()


def test_rotation_counts_only_good_backups_and_never_drops_them_for_bad_ones(tmp_path):
    path = tmp_path / "xa.sqlite"
    conn = dbmod.open_db(path)
    good = [dbmod.auto_backup(conn, path, f"tot-{i}", keep=10) for i in range(3)]
    folder = dbmod.backup_dir_for(path)
    bad = []
    for i in range(6):  # newer than every good one: zero-byte and truncated files (a full disk, years ago)
        p = folder / f"2999010{i}-000000-000000-hong.sqlite"
        p.write_bytes(b"" if i % 2 else good[0].read_bytes()[:5000])
        bad.append(p)
    newest = dbmod.auto_backup(conn, path, "moi", keep=3)
    conn.close()
    assert newest.exists() and good[2].exists() and good[1].exists()  # the 3 newest GOOD backups stay
    assert not good[0].exists()
    assert all(p.exists() for p in bad)  # newer than the third good one: kept for a person to look at


def test_a_backup_that_fails_its_check_never_gets_a_name(tmp_path, monkeypatch):
    path = tmp_path / "xa.sqlite"
    conn = dbmod.open_db(path)

    def damaged(p, key=None):
        raise UserError("Bản sao lưu vừa ghi không qua kiểm tra toàn vẹn (thử); không giữ lại.")

    monkeypatch.setattr(dbmod, "verify_copy", damaged)
    with pytest.raises(UserError, match="không giữ lại"):
        dbmod.auto_backup(conn, path, "thu")
    conn.close()
    assert list(dbmod.backup_dir_for(path).iterdir()) == []


def test_rotation_removes_a_copy_cut_short_long_ago(tmp_path):
    import os

    path = tmp_path / "xa.sqlite"
    conn = dbmod.open_db(path)
    folder = dbmod.backup_dir_for(path)
    folder.mkdir(parents=True)
    old, fresh = folder / ".20200101-hang-ngay.sqlite.abc.part", folder / ".20990101-thu.sqlite.def.part"
    old.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
    fresh.write_bytes(b"")
    os.utime(old, (1, 1))
    dbmod.auto_backup(conn, path, "thu")
    conn.close()
    assert not old.exists() and fresh.exists()  # a copy still being written (another process) is left alone


def test_values_the_driver_adapts_are_stored_as_themselves(tmp_path):
    """None, bool and bytes go through the registered adapters (bkdesk.dbapi): NULL, 0/1 and a blob, as the
    driver stores them without adapters; other types are left to the driver's own rules."""
    from bkdesk.dbapi import sqlite3

    conn = sqlite3.connect(tmp_path / "t.sqlite")
    conn.execute("CREATE TABLE t (a, b, c, d, e)")
    conn.executemany("INSERT INTO t VALUES (?,?,?,?,?)",
                     [(None, True, False, b"\x00\xffx", "Nông Văn Bình"), (1, 2.5, None, b"", None)])
    rows = conn.execute("SELECT a IS NULL, typeof(b), b, typeof(c), c, typeof(d), d, e FROM t ORDER BY rowid").fetchall()
    assert [tuple(r) for r in rows] == [(1, "integer", 1, "integer", 0, "blob", b"\x00\xffx", "Nông Văn Bình"),
                                        (0, "real", 2.5, "null", None, "blob", b"", None)]
    with pytest.raises(sqlite3.InterfaceError):  # an unsupported type is still refused, not stored as text
        conn.execute("INSERT INTO t (a) VALUES (?)", (object(),))
    conn.close()
