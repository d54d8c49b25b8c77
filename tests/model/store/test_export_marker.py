"""The "last exported" marker: one home (store/export_marker.py) for the package writer, restore and the desk."""

from pathlib import Path

import bkdesk
from bkdesk.model.store import export_marker, settings
from bkdesk.model.store.db import transaction


def test_marker_per_unit_and_for_the_database(db):
    assert export_marker.last_exported_audit_id(db) == 0
    export_marker.set_last_exported_audit_id(db, "01955", 7)  # a unit this database exported for
    assert export_marker.last_exported_audit_id(db, "01955") == 7
    assert export_marker.last_exported_audit_id(db, "01954") == 0
    assert export_marker.last_exported_audit_id(db) == 7  # no own marker: the highest of any unit
    export_marker.set_last_exported_audit_id(db, "01954", 3)  # the database's own unit
    assert settings.get(db, "sync_last_exported_audit_id:01954") == "3"
    assert export_marker.last_exported_audit_id(db) == 3  # its own marker wins over the higher one
    assert export_marker.unexported_change_count(db) == db.execute(
        "SELECT count(*) FROM audit_log WHERE id > 3").fetchone()[0]


def test_a_damaged_marker_counts_as_never_exported(db):
    with transaction(db):
        settings.put(db, "sync_last_exported_audit_id:01954", "abc")
    assert export_marker.last_exported_audit_id(db) == 0
    assert export_marker.unexported_change_count(db) == db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_the_settings_key_lives_in_one_module():
    root = Path(bkdesk.__file__).resolve().parent
    homes = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if "sync_last_exported_audit_id" in p.read_text(encoding="utf-8"))
    assert homes == ["model/store/export_marker.py"]
