"""Audit rows: one way to write them (store/audit.py), whatever writes the record."""

import re
from pathlib import Path

import bkdesk
from bkdesk.model.store import audit
from bkdesk.model.store.db import transaction


def _rows(db, table):
    return [tuple(r) for r in db.execute(
        "SELECT action, field, old_value, new_value, reason, user FROM audit_log WHERE table_name=? ORDER BY id",
        (table,))]


def test_record_change_writes_one_row_per_changed_field(db):
    with transaction(db):
        audit.record_change(db, "household", "h1", None, {"head_name": "Lò Văn A", "address": "Bản Ba"}, "Mai")
        audit.record_change(db, "household", "h1", {"head_name": "Lò Văn A", "address": "Bản Ba"},
                            {"head_name": "Lò Văn Á", "address": "Bản Ba"}, "Mai", "sửa tên")
        audit.record_change(db, "household", "h1", {"head_name": "Lò Văn Á"}, None, "Mai", "xóa")
    assert _rows(db, "household") == [
        ("insert", "head_name", None, "Lò Văn A", "", "Mai"), ("insert", "address", None, "Bản Ba", "", "Mai"),
        ("update", "head_name", "Lò Văn A", "Lò Văn Á", "sửa tên", "Mai"),
        ("delete", "head_name", "Lò Văn Á", None, "xóa", "Mai")]


def test_an_explicit_action_keeps_the_replaced_value(db):
    with transaction(db):
        audit.record_change(db, "standard_revision", "s#2", {"data": "{}"}, {"data": '{"a": 1}'}, "Mai", "lý do",
                            action="insert")
    assert _rows(db, "standard_revision") == [("insert", "data", "{}", '{"a": 1}', "lý do", "Mai")]


def test_append_rows_keeps_whole_rows(db):
    row = ("2025-01-05T10:00:00+07:00", "Cán bộ xã", "member", "m1", "update", "name", "A", "B", "", "inst-1")
    with transaction(db):
        audit.append_rows(db, [row])
    got = db.execute(f"SELECT {', '.join(audit.COLUMNS)} FROM audit_log WHERE record_uid='m1'").fetchall()
    assert [tuple(r) for r in got] == [row]


def test_audit_rows_are_inserted_only_by_the_audit_module():
    # Migrations are frozen once released, so they may keep the SQL of their day; nothing else writes its own.
    root = Path(bkdesk.__file__).resolve().parent
    writers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if "migrations" not in p.parts and re.search(r"INSERT\s+INTO\s+audit_log", p.read_text(encoding="utf-8"), re.I))
    assert writers == ["model/store/audit.py"]
