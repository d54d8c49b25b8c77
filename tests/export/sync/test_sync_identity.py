"""Issue 15: divergent edits are conflicts (copies, restored backups), deletions travel, record-level scope.

Each test is a point of the issue's "Why" that the revision-number merge got wrong."""

from __future__ import annotations

import json
import shutil

import pytest

from bkdesk.export.sync import conflicts
from bkdesk.export.sync.merge import MERGED, REJECTED
from bkdesk.model.store import repo_sync, settings
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db, transaction
from bkdesk.model.store.repo_base import delete_audited
from bkdesk.model.store.repo_households import get_household, save_household
from tests.export.sync_data import edit_household, file_hash, new_commune_db
from tests.export.sync_keys import merge_files, write_package


def _district(path):
    return init_database(path, "district", "062", officer="Cán bộ huyện")


def _two_copies(tmp_path):
    """A commune database copied to a second laptop (same installation id, same key), both edited."""
    a = new_commune_db(tmp_path / "a.sqlite", "01954", 3, seed=11)
    p0, _ = write_package(a, "01954", 2022, tmp_path / "p0.xlsx")
    a.close()
    shutil.copyfile(tmp_path / "a.sqlite", tmp_path / "copy.sqlite")
    a, b = open_db(tmp_path / "a.sqlite"), open_db(tmp_path / "copy.sqlite")
    assert settings.installation_id(a) == settings.installation_id(b)
    uid = a.execute("SELECT min(uid) FROM household").fetchone()[0]
    origin = settings.installation_id(a)
    edit_household(a, uid, "Hoàng Thị Lan", origin, address="Bản Mới số 1")
    edit_household(b, uid, "Hoàng Thị Lan", origin, address="Bản Cũ số 9")
    assert a.execute("SELECT rev FROM household WHERE uid=?", (uid,)).fetchone()[0] == \
        b.execute("SELECT rev FROM household WHERE uid=?", (uid,)).fetchone()[0]  # same revision number
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01954", 2022, tmp_path / "pb.xlsx")
    a.close()
    b.close()
    return p0, pa, pb, uid


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_two_copies_edited_differently_make_one_conflict_in_both_orders(tmp_path, order):
    p0, pa, pb, uid = _two_copies(tmp_path)
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    assert merge_files(district, path, [p0], trust_new=True).results[0].status == MERGED
    first, second = (pa, pb) if order == "ab" else (pb, pa)
    r1 = merge_files(district, path, [first]).results[0]
    assert r1.households["updated"] == 1 and r1.counts["conflicts"] == 0
    r2 = merge_files(district, path, [second]).results[0]
    assert r2.counts["conflicts"] == 1 and r2.counts["unchanged"] > 0 and r2.households["updated"] == 0
    (c,) = conflicts.list_open(district)
    assert c.uid == uid
    diff = {f.field: (f.local, f.incoming) for f in c.fields()}
    assert set(diff) == {"address"}
    assert set(diff["address"]) == {"Bản Mới số 1", "Bản Cũ số 9"}
    # the report names the household, the field, both values and both origins
    (line,) = r2.conflicts
    assert line.field == "address" and {line.local, line.incoming} == {"Bản Mới số 1", "Bản Cũ số 9"}
    assert line.household.startswith("Hộ ") and "Hoàng Thị Lan" in line.local_origin
    district.close()


def test_restore_then_edit_is_never_unchanged(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=12)
    uid = commune.execute("SELECT min(uid) FROM household").fetchone()[0]
    origin = settings.installation_id(commune)
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    commune.close()
    shutil.copyfile(tmp_path / "xa.sqlite", tmp_path / "backup.sqlite")  # the morning's backup
    commune = open_db(tmp_path / "xa.sqlite")
    edit_household(commune, uid, "Hoàng Thị Lan", origin, phone="0911000111")
    p1, _ = write_package(commune, "01954", 2022, tmp_path / "p1.xlsx")
    commune.close()
    shutil.copyfile(tmp_path / "backup.sqlite", tmp_path / "xa.sqlite")  # restored: the edit is lost here
    commune = open_db(tmp_path / "xa.sqlite")
    edit_household(commune, uid, "Hoàng Thị Lan", origin, phone="0922000222")  # same rev as the lost edit
    p2, _ = write_package(commune, "01954", 2022, tmp_path / "p2.xlsx")
    # and an edit made after the restore on top of a version the district already has is an update
    p3_path = tmp_path / "p3.xlsx"
    commune.close()
    for files in ([p0, p1, p2], [p0, p2, p1]):
        path = tmp_path / f"huyen-{files[1].stem}.sqlite"
        district = _district(path)
        merge_files(district, path, [files[0]], trust_new=True)
        merge_files(district, path, [files[1]])
        r = merge_files(district, path, [files[2]]).results[0]
        assert r.counts["conflicts"] == 1, files
        (c,) = conflicts.list_open(district)
        assert {c.local["phone"], c.incoming["phone"]} == {"0911000111", "0922000222"}
        district.close()
    # restore, then no divergent edit: the restored copy's next edit descends from what it sent
    commune = open_db(tmp_path / "xa.sqlite")
    edit_household(commune, uid, "Hoàng Thị Lan", origin, phone="0933000333")
    write_package(commune, "01954", 2022, p3_path)
    commune.close()
    path = tmp_path / "huyen-p3.sqlite"
    district = _district(path)
    merge_files(district, path, [p0], trust_new=True)
    merge_files(district, path, [p2])
    r = merge_files(district, path, [p3_path]).results[0]
    assert r.households["updated"] == 1 and r.counts["conflicts"] == 0
    assert get_household(district, uid).household.phone == "0933000333"
    district.close()


def _remove_member(conn, uid):
    bundle = get_household(conn, uid)
    removed = bundle.members.pop()
    save_household(conn, bundle, "Hoàng Thị Lan", reason="Nhập nhầm", origin=settings.installation_id(conn))
    return removed.uid


def test_removed_member_disappears_at_district_and_province(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=13)
    uid = next(r[0] for r in commune.execute(
        "SELECT household_uid FROM member GROUP BY household_uid HAVING count(*) >= 2 ORDER BY 1"))
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    gone = _remove_member(commune, uid)
    p1, _ = write_package(commune, "01954", 2022, tmp_path / "p1.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    merge_files(district, path, [p0], trust_new=True)
    assert district.execute("SELECT count(*) FROM member WHERE uid=?", (gone,)).fetchone()[0] == 1
    r = merge_files(district, path, [p1]).results[0]
    assert r.counts["deleted"] == 1 and r.counts["conflicts"] == 0
    assert district.execute("SELECT count(*) FROM member WHERE uid=?", (gone,)).fetchone()[0] == 0
    # the deletion's audit entry travelled
    assert district.execute("SELECT count(*) FROM audit_log WHERE record_uid=? AND action='delete'",
                            (gone,)).fetchone()[0] >= 1
    persons = commune.execute("SELECT count(*) FROM member").fetchone()[0]
    assert district.execute("SELECT count(*) FROM member").fetchone()[0] == persons
    # province: from the district's package, and from the commune's older package first
    out, _ = write_package(district, "062", 2022, tmp_path)
    province = init_database(tmp_path / "tinh.sqlite", "province", "06")
    merge_files(province, tmp_path / "tinh.sqlite", [p0, out], trust_new=True)
    assert province.execute("SELECT count(*) FROM member").fetchone()[0] == persons
    assert province.execute("SELECT count(*) FROM member WHERE uid=?", (gone,)).fetchone()[0] == 0
    # an older package after the deletion does not bring the member back
    r = merge_files(province, tmp_path / "tinh.sqlite", [p0]).results[0]
    assert r.status != MERGED or r.counts["added"] == 0
    assert province.execute("SELECT count(*) FROM member WHERE uid=?", (gone,)).fetchone()[0] == 0
    for c in (commune, district, province):
        c.close()


def test_delete_against_concurrent_edit_is_a_conflict(tmp_path):
    a = new_commune_db(tmp_path / "a.sqlite", "01954", 3, seed=14)
    uid = next(r[0] for r in a.execute(
        "SELECT household_uid FROM member GROUP BY household_uid HAVING count(*) >= 2 ORDER BY 1"))
    p0, _ = write_package(a, "01954", 2022, tmp_path / "p0.xlsx")
    a.close()
    shutil.copyfile(tmp_path / "a.sqlite", tmp_path / "b.sqlite")
    a, b = open_db(tmp_path / "a.sqlite"), open_db(tmp_path / "b.sqlite")
    gone = _remove_member(a, uid)
    bundle = get_household(b, uid)
    edited = next(m for m in bundle.members if m.uid == gone)
    edited.note = "Đi làm ăn xa về"
    save_household(b, bundle, "Nông Văn Bình", origin=settings.installation_id(b))
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01954", 2022, tmp_path / "pb.xlsx")
    for order in ((pa, pb), (pb, pa)):
        path = tmp_path / f"huyen-{order[0].stem}.sqlite"
        district = _district(path)
        merge_files(district, path, [p0], trust_new=True)
        merge_files(district, path, [order[0]])
        r = merge_files(district, path, [order[1]]).results[0]
        assert r.counts["conflicts"] == 1
        (c,) = conflicts.list_open(district)
        assert c.uid == gone and c.deletion is not None
        assert any(line.field == "(bản ghi)" for line in r.conflicts)
        # the person decides: the deletion wins (audited), whichever side brought it
        conflicts.resolve(district, c.id, c.deletion, user="Cán bộ huyện")
        assert district.execute("SELECT count(*) FROM member WHERE uid=?", (gone,)).fetchone()[0] == 0
        assert conflicts.list_open(district) == []
        district.close()
    a.close()
    b.close()


def test_a_record_of_another_commune_rejects_the_whole_package(tmp_path, monkeypatch):
    other = new_commune_db(tmp_path / "khac.sqlite", "01957", 1, seed=15)
    stranger = other.execute("SELECT uid FROM household").fetchone()[0]
    foreign_members = list(repo_sync.iter_unit_rows(other, "member", ["01957"]))
    other.close()
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=16)
    real = repo_sync.iter_unit_rows

    def with_stranger(conn, table, codes):
        yield from real(conn, table, codes)
        if table == "member":  # a member of a 01957 household smuggled into a 01954 package
            yield foreign_members[0]

    monkeypatch.setattr(repo_sync, "iter_unit_rows", with_stranger)
    bad, _ = write_package(commune, "01954", 2022, tmp_path / "bad.xlsx")
    monkeypatch.setattr(repo_sync, "iter_unit_rows", real)
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    before = file_hash(path)
    (r,) = merge_files(district, path, [bad], trust_new=True).results
    assert r.status == REJECTED
    assert foreign_members[0][0] in r.message and stranger in r.message and "không nhập cả gói" in r.message
    assert file_hash(path) == before
    district.close()
    commune.close()


def test_bulk_merge_into_an_empty_database_gives_the_same_result(tmp_path, monkeypatch):
    """Many packages into an empty database build the secondary indexes once at the end: same records,
    history, current reviews, derived keys and schema (indexes before triggers) as the row-by-row merge."""
    from bkdesk.export.sync import merge as merge_module

    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 4, seed=17)
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    uid = next(r[0] for r in commune.execute(
        "SELECT household_uid FROM member GROUP BY household_uid HAVING count(*) >= 2 ORDER BY 1"))
    _remove_member(commune, uid)
    wrong = commune.execute("SELECT max(uid) FROM household WHERE uid <> ?", (uid,)).fetchone()[0]
    with transaction(commune):  # a household entered in error: its members, housing, review and parts go too
        delete_audited(commune, "household", "uid", wrong, user="Hoàng Thị Lan", reason="Nhập nhầm",
                       origin=settings.installation_id(commune))
    p1, _ = write_package(commune, "01954", 2022, tmp_path / "p1.xlsx")
    other = new_commune_db(tmp_path / "khac.sqlite", "01945", 3, seed=18)
    cccd = commune.execute("SELECT id_number FROM member WHERE id_number <> '' ORDER BY uid").fetchone()[0]
    twin = get_household(other, other.execute("SELECT min(uid) FROM household").fetchone()[0])
    twin.members[0].id_number = cccd  # the same person listed in two communes: a possible duplicate family
    save_household(other, twin, "Cán bộ xã", origin=settings.installation_id(other))
    p2, _ = write_package(other, "01945", 2022, tmp_path / "p2.xlsx")
    district = _district(tmp_path / "huyen.sqlite")
    merge_files(district, tmp_path / "huyen.sqlite", [p0, p2], trust_new=True)
    p3, _ = write_package(district, "062", 2022, tmp_path / "p3.xlsx")
    files = [p0, p2, p3, p1]
    out = {}
    for mode, threshold in (("rows", 10**6), ("bulk", 1)):
        monkeypatch.setattr(merge_module, "BULK_MIN_FILES", threshold)
        path = tmp_path / f"tinh-{mode}.sqlite"
        province = init_database(path, "province", "06")
        report = merge_files(province, path, files, trust_new=True)
        assert [r.status for r in report.results] == [MERGED] * 4
        assert province.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # on again after a bulk merge
        assert province.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("household", "member", "housing", "review", "review_indicator"):  # the deletion cascaded
            key = "review_uid IN (SELECT uid FROM review WHERE household_uid = ?)" if table == "review_indicator" \
                else ("uid" if table == "household" else "household_uid") + " = ?"
            assert province.execute(f"SELECT count(*) FROM {table} WHERE {key}", (wrong,)).fetchone()[0] == 0
        from tests.export.sync_data import content
        out[mode] = (content(province), [tuple(r) for r in province.execute(
            "SELECT * FROM household_current ORDER BY 1, 2")], [tuple(r) for r in province.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') ORDER BY name")],
            [r[0] for r in province.execute("SELECT type FROM sqlite_master WHERE type IN ('index', 'trigger')"
                                            " ORDER BY rowid")],
            [(r.file, r.duplicates, r.counts) for r in report.results],
            [tuple(r) for r in province.execute("SELECT id_number, household_uid, other_household_uid, status"
                                                " FROM sync_duplicate ORDER BY 1, 2, 3")],
            sorted(json.loads(r[0])["duplicates"] for r in province.execute("SELECT report FROM import_ledger")))
        province.close()
    assert out["bulk"][0] == out["rows"][0] and out["bulk"][1] == out["rows"][1] and out["bulk"][1]
    assert out["bulk"][2] == out["rows"][2]
    assert out["bulk"][4:] == out["rows"][4:] and out["bulk"][5]  # the same possible duplicates, per package
    kinds = out["bulk"][3]
    assert kinds == sorted(kinds)  # every index before every trigger
    for c in (commune, other, district):
        c.close()


def test_household_entered_in_error_and_unused_village_deleted_everywhere(tmp_path):
    """Whatever code deletes a record, its tombstone travels (the m0004 triggers): a household removed as
    entered in error (its members, housing and reviews with it) and a village removed."""
    from bkdesk.model.store.repo_villages import create_village

    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=19)
    origin = settings.installation_id(commune)
    spare = create_village(commune, "01954", "Thôn Tạm", user="Hoàng Thị Lan", origin=origin)
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    hh = commune.execute("SELECT min(uid) FROM household").fetchone()[0]
    members = commune.execute("SELECT count(*) FROM member WHERE household_uid=?", (hh,)).fetchone()[0]
    with transaction(commune):
        delete_audited(commune, "household", "uid", hh, user="Hoàng Thị Lan", reason="Nhập nhầm", origin=origin)
        delete_audited(commune, "village", "uid", spare, user="Hoàng Thị Lan", reason="Thôn đã sáp nhập",
                       origin=origin)
    p1, _ = write_package(commune, "01954", 2022, tmp_path / "p1.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    merge_files(district, path, [p0], trust_new=True)
    r = merge_files(district, path, [p1]).results[0]
    assert r.counts["conflicts"] == 0 and r.households["deleted"] == 1
    assert r.counts["deleted"] >= 2 + members  # household, village, its members (and its review, housing)
    for table, key, uid in (("household", "uid", hh), ("member", "household_uid", hh), ("village", "uid", spare)):
        assert district.execute(f"SELECT count(*) FROM {table} WHERE {key}=?", (uid,)).fetchone()[0] == 0
    assert district.execute("SELECT count(*) FROM household").fetchone()[0] == 2
    reasons = {r[0] for r in district.execute("SELECT reason FROM audit_log WHERE action='delete'")}
    assert {"Nhập nhầm", "Thôn đã sáp nhập"} <= reasons
    district.close()
    commune.close()
