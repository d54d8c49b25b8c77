"""Merging packages: round trip, ledger, updates, conflicts and their resolution, duplicates, 2025 mapping."""

from __future__ import annotations

import shutil

import pytest

from bkdesk.cli.main import main as cli_main
from bkdesk.errors import UserError
from bkdesk.export.sync import conflicts
from bkdesk.export.sync.merge import ALREADY, MERGED, require_no_open_conflicts
from bkdesk.model.jobs import Cancelled, JobControl
from bkdesk.model.store import settings
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_households import get_household, save_household
from tests.export.sync_data import content, edit_household, file_hash, new_commune_db, trust
from tests.export.sync_keys import merge_files, passphrase_file, write_package


def test_round_trip_commune_district_province(commune_pkg, tmp_path):
    db_path, pkg_path = commune_pkg
    commune = open_db(db_path)
    district = init_database(tmp_path / "huyen.sqlite", "district", "062")
    report = merge_files(district, tmp_path / "huyen.sqlite", [pkg_path], trust_new=True)
    assert report.results[0].status == MERGED and report.exit_code == 0
    assert report.results[0].households["added"] == 12
    expected = content(commune)
    assert expected["household"] and expected["review_indicator"] and expected["audit_log"]
    assert content(district) == expected
    out, _ = write_package(district, "062", 2022, tmp_path)
    province = init_database(tmp_path / "tinh.sqlite", "province", "06")
    assert merge_files(province, tmp_path / "tinh.sqlite", [out], trust_new=True).results[0].status == MERGED
    assert content(province) == expected
    for c in (commune, district, province):
        c.close()


def test_same_package_twice_is_a_no_op(commune_pkg, tmp_path):
    path = tmp_path / "huyen.sqlite"
    conn = init_database(path, "district", "062")
    merge_files(conn, path, [commune_pkg[1]], trust_new=True)
    backups = sorted((path.parent / "backups").rglob("*.sqlite"))
    before = file_hash(path)
    report = merge_files(conn, path, [commune_pkg[1]], trust_new=True)
    assert report.results[0].status == ALREADY
    assert "đã nhập trước đó" in report.results[0].message
    assert report.exit_code == 0
    assert file_hash(path) == before
    assert sorted((path.parent / "backups").rglob("*.sqlite")) == backups
    conn.close()


def test_newer_revision_from_same_origin_updates(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 4, seed=2)
    origin = settings.installation_id(commune)
    p1, _ = write_package(commune, "01954", 2022, tmp_path / "p1.xlsx")
    uid = commune.execute("SELECT min(uid) FROM household").fetchone()[0]
    edit_household(commune, uid, "Cán bộ xã", origin, address="Thôn Nà Pài, nhà số 5")
    p2, _ = write_package(commune, "01954", 2022, tmp_path / "p2.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = init_database(path, "district", "062")
    merge_files(district, path, [p2], trust_new=True)
    r = merge_files(district, path, [p1], trust_new=True).results[0]  # the older package changes nothing
    assert r.counts["updated"] == 0 and r.counts["conflicts"] == 0
    assert get_household(district, uid).household.address == "Thôn Nà Pài, nhà số 5"
    district2 = init_database(tmp_path / "huyen2.sqlite", "district", "062")
    merge_files(district2, tmp_path / "huyen2.sqlite", [p1], trust_new=True)
    r = merge_files(district2, tmp_path / "huyen2.sqlite", [p2], trust_new=True).results[0]
    assert r.households["updated"] == 1 and r.counts["conflicts"] == 0
    assert content(district2) == content(district) == content(commune)


def test_two_laptops_edit_same_household_one_conflict_resolved_field_by_field(tmp_path):
    laptop_a = new_commune_db(tmp_path / "a.sqlite", "01954", 5, seed=4)
    origin_a = settings.installation_id(laptop_a)
    p0, _ = write_package(laptop_a, "01954", 2022, tmp_path / "p0.xlsx")
    laptop_b = init_database(tmp_path / "b.sqlite", "commune", "01954", officer="Nông Văn Bình")
    assert merge_files(laptop_b, tmp_path / "b.sqlite", [p0], trust_new=True).results[0].status == MERGED  # new laptop
    origin_b = settings.installation_id(laptop_b)
    path = tmp_path / "huyen.sqlite"
    district = init_database(path, "district", "062", officer="Cán bộ huyện")
    merge_files(district, path, [p0], trust_new=True)
    uid = laptop_a.execute("SELECT min(uid) FROM household").fetchone()[0]
    old_phone = get_household(laptop_a, uid).household.phone
    edit_household(laptop_a, uid, "Hoàng Thị Lan", origin_a, address="Bản Mới")
    edit_household(laptop_b, uid, "Nông Văn Bình", origin_b, phone="0912345678")
    p1, _ = write_package(laptop_a, "01954", 2022, tmp_path / "p1.xlsx")
    p2, _ = write_package(laptop_b, "01954", 2022, tmp_path / "p2.xlsx")
    trust(district, "01954", laptop_b)  # the commune's second laptop, confirmed by phone
    r1 = merge_files(district, path, [p1], trust_new=True).results[0]
    assert r1.households["updated"] == 1 and r1.counts["conflicts"] == 0
    report = merge_files(district, path, [p2], trust_new=True)
    assert report.results[0].counts["conflicts"] == 1 and report.exit_code == 1
    (c,) = conflicts.list_open(district)
    assert c.table == "household" and c.uid == uid
    diffs = {f.field: (f.local, f.incoming) for f in c.fields()}
    assert diffs == {"address": ("Bản Mới", get_household(laptop_b, uid).household.address),
                     "phone": (old_phone, "0912345678")}
    assert c.who("local")[0] == "Hoàng Thị Lan" and c.who("incoming")[0] == "Nông Văn Bình"
    with pytest.raises(UserError, match="xung đột"):
        require_no_open_conflicts(district)
    conflicts.resolve(district, c.id, {"address": "local", "phone": "incoming"}, user="Cán bộ huyện")
    hh = get_household(district, uid).household
    assert (hh.address, hh.phone) == ("Bản Mới", "0912345678")
    audit = district.execute("SELECT field, old_value, new_value, reason, user FROM audit_log WHERE record_uid=?"
                             " AND reason LIKE 'Giải quyết xung đột%'", (uid,)).fetchall()
    assert [tuple(a) for a in audit] == [("phone", old_phone, "0912345678",
                                          f"Giải quyết xung đột đồng bộ số {c.id}", "Cán bộ huyện")]
    assert conflicts.list_open(district) == []
    require_no_open_conflicts(district)
    with pytest.raises(UserError):
        conflicts.resolve(district, c.id, "incoming", user="x")
    # the same conflicting package again: already imported, no second conflict
    assert merge_files(district, path, [p2], trust_new=True).results[0].status == ALREADY


def test_whole_record_choice_and_member_conflict(tmp_path):
    a = new_commune_db(tmp_path / "a.sqlite", "01954", 2, seed=5)
    p0, _ = write_package(a, "01954", 2022, tmp_path / "p0.xlsx")
    b = init_database(tmp_path / "b.sqlite", "commune", "01954")
    merge_files(b, tmp_path / "b.sqlite", [p0], trust_new=True)
    district = init_database(tmp_path / "d.sqlite", "district", "062")
    merge_files(district, tmp_path / "d.sqlite", [p0], trust_new=True)
    uid = a.execute("SELECT min(uid) FROM household").fetchone()[0]
    for conn, name in ((a, "Lý Thị Ánh"), (b, "Lý Thị Ước")):
        bundle = get_household(conn, uid)
        bundle.members[0].full_name = name
        save_household(conn, bundle, "cb", origin=settings.installation_id(conn))
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01954", 2022, tmp_path / "pb.xlsx")
    trust(district, "01954", b)
    merge_files(district, tmp_path / "d.sqlite", [pa, pb], trust_new=True)
    (c,) = conflicts.list_open(district)
    assert c.table == "member"
    conflicts.resolve(district, c.id, "incoming", user="cb huyện")
    row = district.execute("SELECT full_name, name_key FROM member WHERE uid=?", (c.uid,)).fetchone()
    assert tuple(row) == ("Lý Thị Ước", "ly thi uoc")
    assert get_household(district, uid).members[0].full_name == "Lý Thị Ước"
    assert district.execute("SELECT head_name FROM household WHERE uid=?", (uid,)).fetchone()[0] == "Lý Thị Ước"


def test_possible_duplicate_family_flagged(tmp_path):
    a = new_commune_db(tmp_path / "a.sqlite", "01954", 2, seed=11)
    b = new_commune_db(tmp_path / "b.sqlite", "01945", 2, seed=12)
    cccd = a.execute("SELECT id_number FROM member ORDER BY uid LIMIT 1").fetchone()[0]
    uid_b = b.execute("SELECT min(uid) FROM household").fetchone()[0]
    bundle = get_household(b, uid_b)
    bundle.members[-1].id_number = cccd
    save_household(b, bundle, "cb", origin=settings.installation_id(b))
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01945", 2022, tmp_path / "pb.xlsx")
    district = init_database(tmp_path / "d.sqlite", "district", "062")
    report = merge_files(district, tmp_path / "d.sqlite", [pa, pb], trust_new=True)
    assert report.results[0].duplicates == []
    (dup,) = report.results[1].duplicates
    assert dup[0] == cccd and dup[1] == uid_b
    assert district.execute("SELECT count(*) FROM sync_duplicate").fetchone()[0] == 1


def test_2022_codes_mapped_to_2025_successor(commune_pkg, tmp_path):
    province = init_database(tmp_path / "tinh.sqlite", "province", "19")
    assert settings.get(province, settings.TREE) == "2025"
    r = merge_files(province, tmp_path / "tinh.sqlite", [commune_pkg[1]], trust_new=True).results[0]
    assert r.status == MERGED, r.message
    codes = {row[0] for row in province.execute("SELECT DISTINCT commune_code FROM household")}
    assert codes == {"01954"}  # Vân Tùng -> Xã Ngân Sơn (01954 reused by the 2025 unit)
    hist = {row[0] for row in province.execute("SELECT DISTINCT commune_code FROM review")}
    assert hist == {"01954"}


def test_2022_package_into_2025_commune_of_successor(tmp_path):
    a = new_commune_db(tmp_path / "a.sqlite", "01945", 2, seed=13)  # Xã Cốc Đán -> Xã Ngân Sơn 01954
    pa, _ = write_package(a, "01945", 2022, tmp_path)
    province = init_database(tmp_path / "tinh.sqlite", "province", "19")
    assert merge_files(province, tmp_path / "tinh.sqlite", [pa], trust_new=True).results[0].status == MERGED
    assert {r[0] for r in province.execute("SELECT commune_code FROM household")} == {"01954"}
    assert {r[0] for r in province.execute("SELECT commune_code FROM review")} == {"01945"}


def test_cancelled_merge_changes_nothing(commune_pkg, other_district_pkg, tmp_path):
    path = tmp_path / "tinh.sqlite"
    conn = init_database(path, "province", "06")
    before = file_hash(path)
    calls = []

    def progress(done, total, text):
        calls.append(text)
        if "Đang ghi" in text:
            control.cancel()

    control = JobControl(progress)
    with pytest.raises(Cancelled):
        merge_files(conn, path, [commune_pkg[1], other_district_pkg], control, trust_new=True)
    assert conn.execute("SELECT count(*) FROM household").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM import_ledger").fetchone()[0] == 0
    conn.close()
    assert file_hash(path) == before or open_db(path).execute("SELECT count(*) FROM household").fetchone()[0] == 0


def test_cancelled_bulk_merge_leaves_nothing_behind(commune_pkg, tmp_path, monkeypatch):
    """A merge into an empty database of many files (staging tables, foreign keys checked at the end)
    cancelled after its packages are written: no household, no staging table, foreign keys on again."""
    from bkdesk.export.sync import merge as merge_module

    monkeypatch.setattr(merge_module, "BULK_MIN_FILES", 1)
    path = tmp_path / "tinh.sqlite"
    conn = init_database(path, "province", "06")
    tables = conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()

    def progress(done, total, text):
        if "Đang ghi" in text:
            control.cancel()

    control = JobControl(progress)
    with pytest.raises(Cancelled):
        merge_files(conn, path, [commune_pkg[1]], control, trust_new=True)
    assert conn.execute("SELECT count(*) FROM household").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall() == tables
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    report = merge_files(conn, path, [commune_pkg[1]], trust_new=True)  # and the same merge then goes through
    assert report.results[0].status == MERGED and conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM review_indicator").fetchone()[0] > 0
    assert not [r for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'bulk_stage_%'")]
    conn.close()


def test_cli_export_and_merge_exit_codes(commune_pkg, other_district_pkg, tmp_path, capsys):
    db_path = tmp_path / "xa.sqlite"  # a copy: the command line converts it to an encrypted database
    shutil.copy(commune_pkg[0], db_path)
    out = tmp_path / "goi.xlsx"
    # no recipient registered and no passphrase: exit 2, one line saying what to do, no file
    assert cli_main(["--db", str(db_path), "export-package", "--unit", "01954", "--round", "2022",
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # (after the conversion's lines)
    assert err.startswith("Lỗi: Chưa đăng ký khóa nhận") and "keys add-recipient" in err and "--passphrase-file" in err and not out.exists()
    phrase = passphrase_file(tmp_path)
    assert cli_main(["--db", str(db_path), "export-package", "--unit", "01954", "--round", "2022",
                     "--out", str(out), "--passphrase-file", phrase]) == 0
    assert out.exists() and "cụm mật khẩu" in capsys.readouterr().out
    district = tmp_path / "huyen.sqlite"
    init_database(district, "district", "062").close()
    report = tmp_path / "bao-cao.xlsx"
    assert cli_main(["merge", "--db", str(district), str(out), "--report", str(report), "--trust-new"]) == 1
    assert "khóa bằng cụm mật khẩu" in capsys.readouterr().out  # without the passphrase: refused
    merge_phrase = ["--passphrase-file", phrase]
    assert cli_main(["merge", "--db", str(district), str(out), "--report", str(report), *merge_phrase]) == 1
    assert "chưa có khóa tin cậy cho đơn vị 01954" in capsys.readouterr().out  # no trusted key
    assert cli_main(["merge", "--db", str(district), str(out), "--report", str(report), "--trust-new",
                     *merge_phrase]) == 0
    assert cli_main(["merge", "--db", str(district), str(out), *merge_phrase]) == 0
    assert "Đã nhập trước đó" in capsys.readouterr().out
    assert cli_main(["merge", "--db", str(district), str(other_district_pkg), *merge_phrase]) == 1
    assert cli_main(["merge", "--db", str(tmp_path / "khong-co.sqlite"), str(out)]) == 2
    assert cli_main(["export-package", "--db", str(db_path), "--unit", "01954"]) == 2
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("Báo cáo nhập").to_python()
    assert rows[0][3] == "Kết quả" and rows[1][3] == "Đã nhập" and rows[1][4] > 0
