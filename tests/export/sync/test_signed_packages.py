"""Issue 15: signed packages, trusted keys per unit, visible sheets checked, ledger, the merge report's lists,
and the reader process that ends with its parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import openpyxl
from python_calamine import CalamineWorkbook

from bkdesk.cli.main import main as cli_main
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync import signing
from bkdesk.export.sync.merge import MERGED, REJECTED
from bkdesk.export.sync.merge_report import write_report
from bkdesk.model.store import repo_sync, settings
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from tests.export.sync_data import edit_household, file_hash, new_commune_db, trust
from tests.export.sync_keys import Opened, merge_files, passphrase_file, read_package, write_package


def _district(path):
    return init_database(path, "district", "062", officer="Cán bộ huyện")


def _forge(src, dst):
    """What the issue's attacker did: turn a review's class to POOR in the hidden sheet, add 1 to its
    revision and recompute the SHA-256 checksum exactly as bkdesk computes it (here an attacker who even
    knows the package's passphrase, so that the data can be sealed again)."""
    pkg = Opened(src)
    header, cells = pkg.header("review"), pkg.cells("review")
    row = json.loads(cells[0])
    row[header.index("final_class")] = "POOR" if row[header.index("final_class")] != "POOR" else "NOT_POOR"
    row[header.index("rev")] = str(int(row[header.index("rev")]) + 1)
    pkg.set_cells("review", [fmt.encode_row(row), *cells[1:]])
    digest = pkg.recompute_checksum()
    return pkg.save(dst), digest


def test_re_checksummed_forgery_is_rejected(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=21)
    good, _ = write_package(commune, "01954", 2022, tmp_path / "goi.xlsx")
    forged, digest = _forge(good, tmp_path / "gia.xlsx")
    assert digest != read_package(good, commune).checksum  # the checksum matches the forged data...
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    before = file_hash(path)
    (r,) = merge_files(district, path, [forged], trust_new=True).results
    assert r.status == REJECTED and "chữ ký số không hợp lệ" in r.message  # ...the signature does not
    assert file_hash(path) == before
    assert merge_files(district, path, [good], trust_new=True).results[0].status == MERGED
    district.close()
    commune.close()


def test_unknown_key_for_a_known_unit_is_rejected_and_rotation_is_audited(tmp_path, capsys):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=22)
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    # an impostor: another database claiming the same commune, signing with its own key
    impostor = new_commune_db(tmp_path / "gia.sqlite", "01954", 2, seed=23)
    pi, _ = write_package(impostor, "01954", 2022, tmp_path / "pi.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    assert merge_files(district, path, [p0], trust_new=True).results[0].status == MERGED
    before = file_hash(path)
    (r,) = merge_files(district, path, [pi], trust_new=True).results
    assert r.status == REJECTED and "khóa lạ" in r.message and signing.own_fingerprint(impostor) in r.message
    assert file_hash(path) == before
    district.close()
    # the commune got a new laptop (its data from the old one's package): the district decides, by phone,
    # to replace the key (audited)
    laptop = init_database(tmp_path / "moi.sqlite", "commune", "01954", officer="Hoàng Thị Lan")
    merge_files(laptop, tmp_path / "moi.sqlite", [p0], trust_new=True)
    pn, _ = write_package(laptop, "01954", 2022, tmp_path / "pn.xlsx")
    new_fp = signing.own_fingerprint(laptop)
    laptop.close()
    phrase = passphrase_file(tmp_path)
    assert cli_main(["merge", "--db", str(path), str(pn), "--passphrase-file", phrase]) == 1
    assert cli_main(["keys", "trust", "--db", str(path), "--unit", "01954", "--fingerprint", new_fp.lower(),
                     "--replace"]) == 0
    assert "Thôi tin cậy" in capsys.readouterr().out
    assert cli_main(["merge", "--db", str(path), str(pn), "--passphrase-file", phrase]) == 0
    district = open_db(path)
    keys = {k["fingerprint"]: k["status"] for k in repo_sync.trusted_keys(district, "01954", status=None)}
    assert keys == {signing.own_fingerprint(commune): "retired", new_fp: "trusted"}
    rows = district.execute("SELECT reason FROM audit_log WHERE table_name='sync_key' AND record_uid='01954'"
                            " ORDER BY id").fetchall()
    assert len(rows) == 2 and "Thay khóa" in rows[1][0]
    district.close()
    commune.close()
    impostor.close()


def test_trust_new_records_keys_and_keys_show_prints_them(tmp_path, capsys):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=24)
    p0, _ = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    fp = signing.own_fingerprint(commune)
    assert len(fp) == 19 and fp.count("-") == 3  # ABCD-EFGH-IJKL-MNOP: read over the phone
    commune.close()
    assert cli_main(["keys", "show", "--db", str(tmp_path / "xa.sqlite")]) == 0
    assert fp in capsys.readouterr().out
    path = tmp_path / "huyen.sqlite"
    _district(path).close()
    phrase = passphrase_file(tmp_path)
    assert cli_main(["merge", "--db", str(path), str(p0), "--passphrase-file", phrase]) == 1  # no key for 01954 yet
    out = capsys.readouterr().out
    assert "chưa có khóa tin cậy" in out and fp in out
    assert cli_main(["merge", "--db", str(path), str(p0), "--trust-new", "--passphrase-file", phrase]) == 0
    assert fp in capsys.readouterr().out  # the sender line names the key
    assert cli_main(["keys", "show", "--db", str(path)]) == 0
    assert f"Đơn vị 01954: {fp} (tin cậy" in capsys.readouterr().out
    assert cli_main(["keys", "trust", "--db", str(path), "--unit", "01954", "--fingerprint", "ABC"]) == 2


def test_visible_sheet_edit_is_rejected(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=25)
    good, _ = write_package(commune, "01954", 2022, tmp_path / "goi.xlsx")
    commune.close()
    wb = openpyxl.load_workbook(good)
    ws = wb[fmt.SUMMARY_SHEET]
    row = next(r for r in ws.iter_rows() if r[0].value == "Tổng số hộ")
    row[1].value = "9.999"
    wb.save(tmp_path / "sua-tong.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    (r,) = merge_files(district, path, [tmp_path / "sua-tong.xlsx"], trust_new=True).results
    assert r.status == REJECTED and "sửa bằng tay" in r.message
    # opening and saving without editing keeps it valid
    openpyxl.load_workbook(good).save(tmp_path / "mo-luu.xlsx")
    assert merge_files(district, path, [tmp_path / "mo-luu.xlsx"], trust_new=True).results[0].status == MERGED
    district.close()


def test_ledger_status_and_sender_recorded(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=26)
    p0, checksum = write_package(commune, "01954", 2022, tmp_path / "p0.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    merge_files(district, path, [p0], trust_new=True)
    report = json.loads(repo_sync.ledger_entry(district, checksum)["report"])
    assert report["status"] == "merged"
    assert report["key_fingerprint"] == signing.own_fingerprint(commune)
    assert report["installation_id"] == settings.installation_id(commune) and report["officer"] == "Hoàng Thị Lan"
    row = district.execute("SELECT count(*) FROM audit_log WHERE table_name='import_ledger' AND record_uid=?"
                           " AND field='key_fingerprint' AND new_value=?",
                           (checksum, signing.own_fingerprint(commune))).fetchone()
    assert row[0] == 1
    district.close()
    commune.close()


def test_merge_report_lists_conflicts_duplicates_and_rejections(tmp_path, other_district_pkg):
    a = new_commune_db(tmp_path / "a.sqlite", "01954", 2, seed=27)
    p0, _ = write_package(a, "01954", 2022, tmp_path / "p0.xlsx")
    b = init_database(tmp_path / "b.sqlite", "commune", "01954", officer="Nông Văn Bình")
    merge_files(b, tmp_path / "b.sqlite", [p0], trust_new=True)
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    merge_files(district, path, [p0], trust_new=True)
    trust(district, "01954", b)
    uid = a.execute("SELECT min(uid) FROM household").fetchone()[0]
    no = a.execute("SELECT household_no FROM household WHERE uid=?", (uid,)).fetchone()[0]
    edit_household(a, uid, "Hoàng Thị Lan", settings.installation_id(a), address="Bản A")
    edit_household(b, uid, "Nông Văn Bình", settings.installation_id(b), address="Bản B")
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01954", 2022, tmp_path / "pb.xlsx")
    report = merge_files(district, path, [pa, pb, other_district_pkg])
    out = write_report(report, tmp_path / "bao-cao.xlsx")
    wb = CalamineWorkbook.from_path(str(out))
    rows = wb.get_sheet_by_name("Xung đột").to_python()
    assert rows[0][:6] == ["Tệp", "Hộ (mã – chủ hộ)", "Loại bản ghi", "Trường", "Giá trị tại máy này",
                           "Giá trị nhập vào"]
    (line,) = rows[1:]
    assert line[0] == "pb.xlsx" and line[1].startswith(f"Hộ {no} – ") and line[3] == "address"
    assert (line[4], line[5]) == ("Bản A", "Bản B")
    assert "Hoàng Thị Lan" in line[6] and "Nông Văn Bình" in line[7]
    rejected = wb.get_sheet_by_name("Gói bị từ chối").to_python()
    assert rejected[1][0] == other_district_pkg.name and "không thuộc phạm vi" in rejected[1][1]
    main = wb.get_sheet_by_name("Báo cáo nhập").to_python()
    assert signing.own_fingerprint(b) in main[2][-1]
    assert wb.get_sheet_by_name("Hộ có thể trùng").to_python()[0][1] == "Số CCCD"
    for c in (a, b, district):
        c.close()


def test_reader_process_ends_when_the_merging_process_is_killed(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from bkdesk.export.sync.merge import _ReadAhead
        files = [Path(sys.argv[1])] * 8
        reader = _ReadAhead(files, {}, None)
        reader._submit(0)
        pids = list(reader._pool._processes)
        print(pids[0], flush=True)
        time.sleep(120)
    """)
    dummy = tmp_path / "x.xlsx"
    dummy.write_bytes(b"not a package")
    proc = subprocess.Popen([sys.executable, "-c", script, str(dummy)], stdout=subprocess.PIPE, text=True,
                            cwd=os.getcwd())
    child = int(proc.stdout.readline())
    os.kill(child, 0)  # the reader is alive
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        try:  # reap it if it became our zombie (it is not our child: this only guards odd platforms)
            os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        raise AssertionError(f"reader process {child} still running after its parent was killed")
