"""Issue 16: roles at the model layer for packages: EXPORT to export, MERGE to merge, CONFLICTS to decide a
conflict, SETUP to trust a sender's key or register a recipient. Protected databases made as a user makes
them; each call is refused with one line and writes nothing; the audit rows name the logged-in user."""

from __future__ import annotations

import pytest

from bkdesk.export.sync import conflicts, recipients
from bkdesk.export.sync.merge import MERGED, REJECTED
from bkdesk.model.store import users
from bkdesk.model.store.access import PermissionDenied
from bkdesk.model.store.db import open_db
from tests.cli.protected import protected_database
from tests.conftest import TEST_USER
from tests.export.sync_data import file_hash, fill_commune
from tests.export.sync_keys import link, merge_files, write_package

PASSWORD = "mat-khau-vai-tro"


def _as(path, username: str, roles: list[str]):
    """A connection of ``username`` (added with ``roles`` by the first user if new) on ``path``."""
    _back_to_first_user(path)
    conn = open_db(path)
    if username not in {u.username for u in users.list_users(conn)}:
        users.add_user(conn, username, PASSWORD, roles, username)
    conn.close()
    users.login(path, username, PASSWORD)
    return open_db(path)


def _back_to_first_user(path):
    from tests.conftest import TEST_PASSWORD

    users.login(path, TEST_USER, TEST_PASSWORD)


def test_export_needs_export_and_registering_a_recipient_needs_setup(tmp_path):
    xa, huyen = tmp_path / "xa.sqlite", tmp_path / "huyen.sqlite"
    commune = protected_database(xa, "commune", "01954")
    fill_commune(commune, "01954", 2, seed=51)
    district = protected_database(huyen, "district", "062")
    key_file, _ = recipients.write_recipient_file(district, tmp_path / "khoa.json")
    commune.close()
    reviewer = _as(xa, "rasoat", ["ra_soat_vien"])
    before = file_hash(xa)
    with pytest.raises(PermissionDenied, match="rasoat.*cán bộ giảm nghèo xã|rasoat"):
        write_package(reviewer, "01954", 2022, tmp_path / "goi.xlsx")
    with pytest.raises(PermissionDenied, match="rasoat"):
        recipients.add_recipient(reviewer, key_file)
    assert file_hash(xa) == before and not (tmp_path / "goi.xlsx").exists()
    reviewer.close()
    officer = _as(xa, "canbo", ["can_bo_giam_ngheo_xa"])
    with pytest.raises(PermissionDenied):
        recipients.add_recipient(officer, key_file)  # exporting is the officer's, registering keys is not
    pkg, _ = write_package(officer, "01954", 2022, tmp_path / "goi.xlsx")
    row = officer.execute("SELECT user, new_value FROM audit_log WHERE table_name='package' AND field='file'"
                          ).fetchone()
    assert row["user"] == "canbo" and row["new_value"].endswith("goi.xlsx")
    officer.close()
    admin = _as(xa, "quantri", ["quan_tri"])
    recipients.add_recipient(admin, key_file)
    assert admin.execute("SELECT user FROM audit_log WHERE table_name='sync_recipient'").fetchone()[0] == "quantri"
    admin.close()
    district.close()
    assert pkg.exists()


def test_merge_needs_merge_trusting_needs_setup_conflicts_need_conflicts(tmp_path):
    xa, huyen = tmp_path / "xa.sqlite", tmp_path / "huyen.sqlite"
    commune = protected_database(xa, "commune", "01954")
    fill_commune(commune, "01954", 2, seed=52)
    district = protected_database(huyen, "district", "062")
    link(district, commune, folder=tmp_path)
    pkg, _ = write_package(commune, "01954", 2022, tmp_path / "goi.xlsx", passphrase=None)
    commune.close()
    district.close()
    admin = _as(huyen, "quantri", ["quan_tri"])
    before = file_hash(huyen)
    with pytest.raises(PermissionDenied, match="quantri"):
        merge_files(admin, huyen, [pkg], trust_new=True)
    admin.close()
    merger = _as(huyen, "tonghop", ["can_bo_tong_hop"])
    before = file_hash(huyen)
    (r,) = merge_files(merger, huyen, [pkg], trust_new=True).results  # trusting a new key is SETUP's
    assert r.status == REJECTED and "tonghop" in r.message
    assert file_hash(huyen) == before
    merger.close()
    _back_to_first_user(huyen)
    first = open_db(huyen)
    (r,) = merge_files(first, huyen, [pkg], trust_new=True).results
    assert r.status == MERGED
    ledger = first.execute("SELECT user FROM audit_log WHERE table_name='import_ledger' AND field='file'").fetchone()
    assert ledger[0] == TEST_USER
    first.close()
    admin = _as(huyen, "quantri", ["quan_tri"])
    with pytest.raises(PermissionDenied, match="quantri"):
        conflicts.resolve(admin, 1, conflicts.LOCAL, "quantri")
    admin.close()
