"""sqlite-utils where it serves: table rebuilds for migrations (schema_change.transform_table) and the schema
part of `bkdesk check` (schema_check.schema_problems), on real database files."""

import pytest
import sqlite_utils

from bkdesk.model.store.check import check_database
from bkdesk.model.store.db import transaction
from bkdesk.model.store.schema_change import SchemaChangeError, table_shape, transform_table
from bkdesk.model.store.schema_check import schema_problems


def _make_child_table(db):
    with transaction(db):
        db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, household_uid TEXT REFERENCES household(uid),"
                   " score TEXT, body TEXT NOT NULL DEFAULT '' CHECK (length(body) < 100))")
        db.execute("CREATE INDEX note_household ON note (household_uid)")
        db.execute("CREATE TRIGGER note_no_update BEFORE UPDATE ON note BEGIN SELECT RAISE(ABORT, 'ro'); END")
        db.execute("CREATE VIEW note_view AS SELECT id, score FROM note")
        db.executemany("INSERT INTO note (score, body) VALUES (?, ?)", [("12", "a"), ("7", "b")])


def test_transform_inside_a_migration_transaction_keeps_rows_indexes_triggers_views(db):
    _make_child_table(db)
    with transaction(db):  # what the migration runner does around each migration
        transform_table(db, "note", types={"score": int}, rename={"body": "text"})
    cols = {c.name: c.type for c in sqlite_utils.Database(db)["note"].columns}
    assert cols == {"id": "INTEGER", "household_uid": "TEXT", "score": "INTEGER", "text": "TEXT"}
    rows = db.execute("SELECT score, text FROM note_view JOIN note USING (id, score) ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(12, "a"), (7, "b")]
    shape = table_shape(db)["note"]
    assert shape["indexes"] == {"note_household": ("household_uid",)} and shape["triggers"] == {"note_no_update"}
    with pytest.raises(Exception, match="ro"):
        db.execute("UPDATE note SET score = 1")
    with pytest.raises(Exception, match="CHECK"):
        db.execute("INSERT INTO note (score, text) VALUES (1, ?)", ("x" * 200,))


def test_transform_refuses_what_a_rebuild_would_lose(db):
    with transaction(db):
        db.execute("CREATE TABLE k (code TEXT PRIMARY KEY COLLATE NOCASE, n INTEGER)")
        db.execute("CREATE TABLE w (code TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
    for table in ("k", "w"):
        with pytest.raises(SchemaChangeError):
            transform_table(db, table, types={"n": str})
    with pytest.raises(SchemaChangeError):
        transform_table(db, "khong_co", types={"n": str})


def test_transform_refuses_a_parent_whose_children_would_cascade(db):
    """member rows reference household with ON DELETE CASCADE: dropping the old household table inside the
    migration's transaction would delete them, so sqlite-utils refuses and nothing changes."""
    before = db.execute("SELECT sql FROM sqlite_master WHERE name='household'").fetchone()[0]
    with pytest.raises(sqlite_utils.db.TransactionError):
        with transaction(db):
            transform_table(db, "household", types={"household_no": str})
    assert db.execute("SELECT sql FROM sqlite_master WHERE name='household'").fetchone()[0] == before


def test_a_fresh_database_has_the_whole_schema(db):
    assert schema_problems(db) == [] and check_database(db) == []


def test_check_names_a_dropped_trigger_index_and_view(db):
    trigger = db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'"
                         " ORDER BY name LIMIT 1").fetchone()
    index = db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
                       " AND tbl_name='household' ORDER BY name LIMIT 1").fetchone()
    view = db.execute("SELECT name FROM sqlite_master WHERE type='view' ORDER BY name LIMIT 1").fetchone()
    with transaction(db):
        db.execute(f'DROP TRIGGER "{trigger[0]}"')
        db.execute(f'DROP INDEX "{index[0]}"')
        if view:
            db.execute(f'DROP VIEW "{view[0]}"')
    problems = check_database(db)
    assert f"Thiếu trigger {trigger[0]} của bảng audit_log (ràng buộc dữ liệu không còn được giữ)." in problems
    assert f"Thiếu chỉ mục {index[0]} của bảng household (tra cứu sẽ chậm)." in problems
    if view:
        assert f"Thiếu khung nhìn (view) {view[0]} của lược đồ." in problems
