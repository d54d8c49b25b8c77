"""The merge's one transaction (LazyTransaction): with foreign keys checked once at the end, a broken
reference refuses the whole transaction and leaves the database as it was."""

import pytest

from bkdesk.errors import UserError
from bkdesk.model.store.bulk import LazyTransaction
from tests.conftest import TEST_COMMUNE
from tests.export.sync_data import file_hash


def _household_count(db) -> int:
    return db.execute("SELECT count(*) FROM household").fetchone()[0]


def test_a_broken_reference_is_refused_at_commit_and_nothing_is_written(db, db_path):
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before, households = file_hash(db_path), _household_count(db)
    tx = LazyTransaction(db, cache_kib=4_000)
    try:
        tx.begin(check_keys_at_end=True)
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 0  # no parent looked up per row
        db.execute("INSERT INTO member (uid, household_uid, position, full_name, updated_at) VALUES ('m-1',"
                   " 'no-such-household', 1, 'Hoàng Văn Pắn', '2022-10-15T09:00:00+07:00')")
        with pytest.raises(UserError, match="member.*đã hủy"):
            tx.commit()
    finally:
        tx.close()
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM member WHERE uid='m-1'").fetchone()[0] == 0
    assert _household_count(db) == households
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert file_hash(db_path) == before


def test_sound_references_commit(db):
    tx = LazyTransaction(db, cache_kib=4_000)
    try:
        tx.begin(check_keys_at_end=True)
        db.execute("INSERT INTO village (uid, commune_code, name, name_key, updated_at) VALUES ('v-1', ?,"
                   " 'Thôn Nà Pài', 'thon na pai', '2022-10-15T09:00:00+07:00')", (TEST_COMMUNE,))
        tx.commit()
    finally:
        tx.close()
    assert db.execute("SELECT count(*) FROM village WHERE uid='v-1'").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_deletions_cascade_by_hand_as_the_schema_says_while_keys_are_off(tmp_path):
    """With foreign keys off (a bulk merge), repo_sync deletes follow the schema's ON DELETE actions itself:
    CASCADE through children and grandchildren, SET NULL, a REFERENCES without a column (the primary key)."""
    from bkdesk.dbapi import sqlite3
    from bkdesk.model.store import repo_sync

    conn = sqlite3.connect(tmp_path / "t.sqlite", isolation_level=None)
    conn.executescript("""
        CREATE TABLE p (uid TEXT PRIMARY KEY, x);
        CREATE TABLE c (id INTEGER PRIMARY KEY, puid TEXT REFERENCES p ON DELETE CASCADE);
        CREATE TABLE g (id INTEGER PRIMARY KEY, cid INTEGER REFERENCES c (id) ON DELETE CASCADE);
        CREATE TABLE n (id INTEGER PRIMARY KEY, puid TEXT REFERENCES p (uid) ON DELETE SET NULL);
        INSERT INTO p VALUES ('a', 1), ('b', 2);
        INSERT INTO c VALUES (1, 'a'), (2, 'b');
        INSERT INTO g VALUES (10, 1), (11, 2);
        INSERT INTO n VALUES (20, 'a'), (21, 'b');
    """)
    repo_sync._delete_cascading(conn, repo_sync._references(conn), "p", "uid", ["a"])
    assert conn.execute("SELECT uid FROM p").fetchall() == [("b",)]
    assert conn.execute("SELECT id FROM c").fetchall() == [(2,)]
    assert conn.execute("SELECT id FROM g").fetchall() == [(11,)]
    assert conn.execute("SELECT id, puid FROM n ORDER BY id").fetchall() == [(20, None), (21, "b")]
    conn.execute("PRAGMA foreign_keys=ON")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
