import random
import unicodedata

import pytest

from bkdesk.errors import UserError
from bkdesk.model.rules.records import Member, as_dict
from bkdesk.model.store import repo_households as repo
from bkdesk.model.store.audit import history
from bkdesk.model.store.repo_villages import create_village, list_villages, rename_village
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle


def _table_counts(conn):
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("household", "member", "housing", "audit_log")}


def test_round_trip_households_with_members(db):
    rng = random.Random(7)
    saved = [repo.save_household(db, make_bundle(rng, TEST_COMMUNE, no=i), user="cb") for i in range(20)]
    for bundle in saved:
        back = repo.get_household(db, bundle.household.uid)
        assert as_dict(back.household) == as_dict(bundle.household)
        assert [as_dict(m) for m in back.members] == [as_dict(m) for m in bundle.members]
        assert as_dict(back.housing) == as_dict(bundle.housing)
        assert back.household.meta.rev == 1 and back.household.meta.updated_by == "cb"
    assert repo.count_households(db) == 20
    assert sum(1 for _ in repo.iter_households(db, batch=7)) == 20


def test_text_is_stored_nfc_and_cleaned(db):
    bundle = make_bundle(random.Random(1), TEST_COMMUNE, n_members=1)
    bundle.members[0].full_name = unicodedata.normalize("NFD", " Nguyễn\u200b Văn  Đức ")
    repo.save_household(db, bundle, user="cb")
    name = db.execute("SELECT full_name FROM member").fetchone()[0]
    assert name == "Nguyễn Văn Đức" and unicodedata.is_normalized("NFC", name)


def test_update_bumps_revision_and_audits_each_field(db):
    bundle = repo.save_household(db, make_bundle(random.Random(2), TEST_COMMUNE, n_members=2), user="cb")
    bundle.household.address = "Bản Khuổi Ún"
    bundle.members[1].full_name = "Lý Thị Bình"
    repo.save_household(db, bundle, user="cb2", reason="sửa sai chính tả")
    back = repo.get_household(db, bundle.household.uid)
    assert back.household.meta.rev == 2 and back.household.address == "Bản Khuổi Ún"
    rows = [r for r in history(db, "household", bundle.household.uid) if r["action"] == "update"]
    assert [(r["field"], r["new_value"], r["user"], r["reason"]) for r in rows] == [
        ("address", "Bản Khuổi Ún", "cb2", "sửa sai chính tả")]
    mrows = [r for r in history(db, "member", bundle.members[1].uid) if r["action"] == "update"]
    assert [r["field"] for r in mrows] == ["full_name"]


def test_removed_member_is_deleted_and_audited(db):
    bundle = repo.save_household(db, make_bundle(random.Random(3), TEST_COMMUNE, n_members=3), user="cb")
    gone = bundle.members.pop()
    repo.save_household(db, bundle, user="cb")
    assert len(repo.get_household(db, bundle.household.uid).members) == 2
    assert history(db, "member", gone.uid)[-1]["action"] == "delete"


def test_failure_between_table_writes_leaves_nothing(db, monkeypatch):
    before = _table_counts(db)

    def boom(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(repo, "_write_members", boom)
    with pytest.raises(RuntimeError):
        repo.save_household(db, make_bundle(random.Random(4), TEST_COMMUNE), user="cb")
    assert _table_counts(db) == before
    assert not db.in_transaction


def test_failed_update_keeps_the_previous_version(db, monkeypatch):
    bundle = repo.save_household(db, make_bundle(random.Random(5), TEST_COMMUNE, n_members=2), user="cb")
    before = _table_counts(db)
    bundle.household.address = "Địa chỉ mới"
    monkeypatch.setattr(repo, "_write_housing", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        repo.save_household(db, bundle, user="cb")
    assert _table_counts(db) == before
    assert repo.get_household(db, bundle.household.uid).household.address != "Địa chỉ mới"


def test_stale_revision_is_refused(db):
    bundle = repo.save_household(db, make_bundle(random.Random(6), TEST_COMMUNE), user="cb")
    other = repo.get_household(db, bundle.household.uid)
    other.household.phone = "0912345678"
    repo.save_household(db, other, user="cb")
    bundle.household.phone = "0999999999"
    with pytest.raises(UserError):
        repo.save_household(db, bundle, user="cb")


def test_empty_member_name_is_refused(db):
    bundle = make_bundle(random.Random(8), TEST_COMMUNE, n_members=1)
    bundle.members.append(Member(full_name=" \u200b "))
    with pytest.raises(UserError):
        repo.save_household(db, bundle, user="cb")
    assert repo.count_households(db) == 0


def test_search_ignores_accents_and_matches_members_code_and_cccd(db):
    bundle = make_bundle(random.Random(9), TEST_COMMUNE, n_members=2, no=42)
    bundle.members[0].full_name = "Nguyễn Văn Đức"
    bundle.members[1].full_name = "Hoàng Thị Ánh"
    bundle.members[1].id_number = "006123456789"
    repo.save_household(db, bundle, user="cb")
    repo.save_household(db, make_bundle(random.Random(10), TEST_COMMUNE, no=43), user="cb")
    uid = bundle.household.uid
    assert repo.list_household_uids(db, search="nguyen van duc") == [uid]
    assert repo.list_household_uids(db, search="HOANG THI ANH") == [uid]
    assert repo.list_household_uids(db, search="006123456789") == [uid]
    assert uid in repo.list_household_uids(db, search="0042")
    assert repo.list_household_uids(db, search="100%_") == []


def test_villages_are_created_renamed_and_audited(db):
    uid = create_village(db, TEST_COMMUNE, "Thôn Nà Pài", user="cb")
    with pytest.raises(UserError):
        create_village(db, TEST_COMMUNE, "thon na pai", user="cb")
    rename_village(db, uid, "Bản Nà Pài", user="cb", reason="đổi tên theo nghị quyết")
    assert [r["name"] for r in list_villages(db, TEST_COMMUNE)] == ["Bản Nà Pài"]
    assert list(dict.fromkeys(r["action"] for r in history(db, "village", uid))) == ["insert", "update"]


def test_audit_log_is_append_only(db):
    repo.save_household(db, make_bundle(random.Random(11), TEST_COMMUNE), user="cb")
    from bkdesk.dbapi import sqlite3
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("DELETE FROM audit_log")
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE audit_log SET user='x'")


def test_records_written_here_carry_this_installation_as_origin(db):
    from bkdesk.model.store import settings

    bundle = repo.save_household(db, make_bundle(random.Random(12), TEST_COMMUNE), user="cb")
    here = settings.installation_id(db)
    assert here
    origins = {r[0] for t in ("household", "member", "housing")
               for r in db.execute(f"SELECT origin FROM {t}")}
    assert origins == {here}
    assert {r["origin"] for r in history(db, "household", bundle.household.uid)} == {here}
