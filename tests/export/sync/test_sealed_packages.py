"""Issue 16: packages only the level above can read. Real databases, real key files, real packages read
back: the district holding the recipient key merges, no one else can; a passphrase package round-trips;
no personal data of a known household is anywhere in the file in clear."""

from __future__ import annotations

import json
import unicodedata
import zipfile

import pytest

from bkdesk.cli.main import main as cli_main
from bkdesk.errors import UserError
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync import recipients
from bkdesk.export.sync.merge import MERGED, REJECTED
from bkdesk.export.sync.package import PackageError, ascii_fold, read_manifest
from bkdesk.export.sync.package import read_package as product_read_package
from bkdesk.export.sync.package import write_package as product_write_package
from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.store import settings
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.repo_households import HouseholdBundle, save_household
from tests.export.sync_data import file_hash, new_commune_db
from tests.export.sync_keys import Opened, link, merge_files, passphrase_file, write_package

HEAD = "Lường Thị Khuổi Mận"
MEMBER = "Hà Văn Pác Nặm"
CCCD_HEAD, CCCD_MEMBER = "006185012345", "006210098765"
ADDRESS = "Bản Khuổi Vài Nà Pục"
PHONE = "0987654321"


def _district(path, code="062"):
    return init_database(path, "district", code, officer="Cán bộ huyện")


def _add_known_household(conn) -> None:
    hh = Household(commune_code="01954", household_no="0777", address=ADDRESS, phone=PHONE)
    members = [Member(full_name=HEAD, sex="2", position=1, birth_date="1985-03-04", relation_to_head="chu_ho",
                      ethnicity="02", id_number=CCCD_HEAD, health_insurance=1, labour_status="co_viec_lam"),
               Member(full_name=MEMBER, sex="1", position=2, birth_date="2010-06-07", relation_to_head="con",
                      ethnicity="02", id_number=CCCD_MEMBER, health_insurance=1)]
    save_household(conn, HouseholdBundle(hh, members, Housing(no_house=0, wall_durable=1, roof_durable=1)),
                   "Cán bộ xã", origin=settings.installation_id(conn))


def _forms(text: str) -> set[bytes]:
    out = set()
    for t in (text, ascii_fold(text)):
        for form in ("NFC", "NFD"):
            n = unicodedata.normalize(form, t)
            out |= {n.encode("utf-8"), n.encode("utf-16-le")}
    return out


def _parts_with(path, needle_text: str) -> list[str]:
    needles = _forms(needle_text)
    with zipfile.ZipFile(path) as zf:
        return [i.filename for i in zf.infolist() if any(n in zf.read(i) for n in needles)]


def test_recipient_package_merges_at_its_district_only(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 4, seed=41)
    district = _district(tmp_path / "huyen.sqlite")
    fp = link(district, commune, folder=tmp_path)
    pkg, _ = write_package(commune, "01954", 2022, tmp_path / "goi.xlsx", passphrase=None)
    manifest = read_manifest(pkg)
    slots = [json.loads(v) for k, v in manifest.items() if k.startswith(fmt.SEAL_PREFIX)]
    assert [(s["kind"], s["unit_code"], s["fingerprint"]) for s in slots] == [("x25519", "062", fp)]
    # another district database of the same district (a different key pair), and one that has no key
    other = _district(tmp_path / "huyen-khac.sqlite")
    recipients.own_key(other, create=True)
    keyless = _district(tmp_path / "khong-khoa.sqlite")
    for conn, path, message in ((other, tmp_path / "huyen-khac.sqlite", "mã hóa cho cấp nhận khác"),
                                (keyless, tmp_path / "khong-khoa.sqlite", "chưa có khóa nhận")):
        before = file_hash(path)
        (r,) = merge_files(conn, path, [pkg], trust_new=True, passphrase=None).results
        assert r.status == REJECTED and message in r.message and "062" in r.message and fp in r.message
        assert "\n" not in r.message
        assert file_hash(path) == before and not (path.parent / "backups").exists()
    # the district holding the key: merged, no passphrase needed
    report = merge_files(district, tmp_path / "huyen.sqlite", [pkg], trust_new=True, passphrase=None)
    assert report.results[0].status == MERGED and report.results[0].households["added"] == 4
    # the level's own key is read, never remade: a second export-recipient gives the same key
    _, again = recipients.write_recipient_file(district, tmp_path / "lai.json")
    assert again.fingerprint == fp
    for c in (commune, district, other, keyless):
        c.close()


def test_passphrase_package_round_trips_and_a_wrong_one_is_refused(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=42)
    with pytest.raises(UserError, match="Chưa đăng ký khóa nhận"):
        product_write_package(commune, "01954", 2022, tmp_path / "khong.xlsx")
    assert not (tmp_path / "khong.xlsx").exists()
    with pytest.raises(UserError, match="ít nhất 10 ký tự"):
        product_write_package(commune, "01954", 2022, tmp_path / "ngan.xlsx", passphrase="ngan")
    pkg, _ = product_write_package(commune, "01954", 2022, tmp_path / "goi.xlsx", passphrase="Khuổi Tẩu mùa lúa 2022")
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    before = file_hash(path)
    (r,) = merge_files(district, path, [pkg], trust_new=True, passphrase="Khuổi Tẩu mùa lúa 2021").results
    assert r.status == REJECTED and "cụm mật khẩu không đúng" in r.message and r.needs_passphrase
    (r,) = merge_files(district, path, [pkg], trust_new=True, passphrase=None).results
    assert r.status == REJECTED and "--passphrase-file" in r.message and r.needs_passphrase
    assert file_hash(path) == before
    (r,) = merge_files(district, path, [pkg], trust_new=True, passphrase="Khuổi Tẩu mùa lúa 2022").results
    assert r.status == MERGED and r.households["added"] == 3
    district.close()
    commune.close()


def test_no_personal_data_in_clear_anywhere_in_the_file(tmp_path):
    """reports.md §5: the posting list prints STT, the head's name, the village and the result, nothing else.
    So the head's name may appear (in the visible list only); CCCD, other members, address, phone never."""
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 3, seed=43)
    _add_known_household(commune)
    district = _district(tmp_path / "huyen.sqlite")
    link(district, commune, folder=tmp_path)
    pkg, _ = product_write_package(commune, "01954", 2022, tmp_path / "goi.xlsx", passphrase="một cụm mật khẩu dài")
    for text in (CCCD_HEAD, CCCD_MEMBER, MEMBER, ADDRESS, PHONE, "1985-03-04", "2010-06-07"):
        assert _parts_with(pkg, text) == [], text
    (part,) = _parts_with(pkg, HEAD)  # the visible list only
    with zipfile.ZipFile(pkg) as zf:
        assert "Họ và tên chủ hộ".encode() in zf.read(part)
    # and the data is all there for the district
    path = tmp_path / "huyen.sqlite"
    assert merge_files(district, path, [pkg], trust_new=True, passphrase=None).results[0].status == MERGED
    got = {r[0] for r in district.execute("SELECT id_number FROM member WHERE id_number IS NOT NULL")}
    assert {CCCD_HEAD, CCCD_MEMBER} <= got
    district.close()
    commune.close()


def test_add_recipient_refusals_one_line_each(tmp_path, capsys):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 1, seed=44)
    other_district = _district(tmp_path / "huyen-058.sqlite", "058")
    wrong_district, _ = recipients.write_recipient_file(other_district, tmp_path / "khoa-058.json")
    province = init_database(tmp_path / "tinh.sqlite", "province", "06")
    province_file, province_key = recipients.write_recipient_file(province, tmp_path / "khoa-06.json")
    data = json.loads(province_file.read_text(encoding="utf-8"))
    commune_level = tmp_path / "khoa-xa.json"
    commune_level.write_text(json.dumps({**data, "unit_level": "commune", "unit_code": "01957"}), encoding="utf-8")
    tampered = tmp_path / "khoa-sua.json"
    tampered.write_text(json.dumps({**data, "fingerprint": "AAAA-BBBB-CCCC-DDDD"}), encoding="utf-8")
    garbage = tmp_path / "rac.json"
    garbage.write_text("không phải JSON", encoding="utf-8")
    cases = {wrong_district: "không phải huyện của Xã Vân Tùng", commune_level: "chỉ đăng ký khóa nhận của huyện",
             tampered: "dấu nhận dạng không khớp", garbage: "không phải tệp khóa nhận"}
    for path, message in cases.items():
        with pytest.raises(UserError, match=message) as exc:
            recipients.add_recipient(commune, path)
        assert "\n" not in str(exc.value)
    assert recipients.registered(commune) == []
    # a district cannot register its own level's key, nor a commune's database export one
    with pytest.raises(UserError, match="không ở cấp trên"):
        recipients.add_recipient(other_district, wrong_district)
    with pytest.raises(UserError, match="cấp xã không nhận gói"):
        recipients.own_recipient(commune)
    # the province of the commune is fine; the fingerprint is shown to compare by phone
    r, retired = recipients.add_recipient(commune, province_file)
    assert r.fingerprint == province_key.fingerprint and retired == []
    rows = commune.execute("SELECT reason FROM audit_log WHERE table_name='sync_recipient'").fetchall()
    assert len(rows) == 1 and "Đăng ký khóa nhận" in rows[0][0]
    for c in (commune, other_district, province):
        c.close()


def test_cli_keys_export_and_add_recipient(tmp_path, capsys):
    district = tmp_path / "huyen.sqlite"
    commune = tmp_path / "xa.sqlite"
    assert cli_main(["init", "--db", str(district), "--scope", "district", "062"]) == 0
    assert cli_main(["init", "--db", str(commune), "--commune", "01954", "--units", "2022"]) == 0
    key_file = tmp_path / "khoa-nhan.json"
    capsys.readouterr()
    assert cli_main(["keys", "export-recipient", "--db", str(district), "--out", str(key_file)]) == 0
    out = capsys.readouterr().out
    fp = out.strip().rsplit(" ", 1)[1]
    assert "Huyện Ngân Sơn" in out and len(fp) == 19
    assert json.loads(key_file.read_text(encoding="utf-8"))["fingerprint"] == fp
    assert cli_main(["keys", "add-recipient", "--db", str(commune), str(key_file)]) == 0
    assert fp in capsys.readouterr().out
    assert cli_main(["keys", "add-recipient", "--db", str(district), str(key_file)]) == 2
    assert cli_main(["keys", "export-recipient", "--db", str(commune), "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "không ở cấp trên" in err[0] and "cấp xã" in err[1]
    assert cli_main(["keys", "show", "--db", str(commune)]) == 0
    assert f"Khóa nhận của cấp trên: Huyện Ngân Sơn (062): {fp}" in capsys.readouterr().out
    # the commune's package now needs no passphrase; the district merges it with its key alone
    assert cli_main(["round", "open", "--year", "2024", "--db", str(commune)]) == 0
    pkg = tmp_path / "goi.xlsx"
    assert cli_main(["export-package", "--db", str(commune), "--unit", "01954", "--round", "2024",
                     "--out", str(pkg)]) == 0
    assert "cấp nhận 062" in capsys.readouterr().out
    assert cli_main(["merge", "--db", str(district), "--trust-new", str(pkg)]) == 0


def test_tampered_key_slot_and_older_format_are_refused(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=45)
    path = tmp_path / "huyen.sqlite"
    district = _district(path)
    link(district, commune, folder=tmp_path)
    pkg, _ = write_package(commune, "01954", 2022, tmp_path / "goi.xlsx")  # to the district and a passphrase
    commune.close()
    opened = Opened(pkg)
    assert json.loads(opened.manifest["seal.1"])["kind"] == "x25519"
    slot = json.loads(opened.manifest["seal.1"])
    slot["wrapped"] = slot["wrapped"][::-1]
    opened.set("seal.1", json.dumps(slot))
    opened.save(tmp_path / "slot.xlsx")
    opened = Opened(pkg)
    opened.set("format_version", "2")
    opened.save(tmp_path / "v2.xlsx")
    before = file_hash(path)
    bad_slot, v2 = merge_files(district, path, [tmp_path / "slot.xlsx", tmp_path / "v2.xlsx"], trust_new=True).results
    assert bad_slot.status == REJECTED and "đã bị sửa" in bad_slot.message
    assert v2.status == REJECTED and "định dạng gói 2, dữ liệu chưa được mã hóa" in v2.message
    assert file_hash(path) == before
    with pytest.raises(PackageError, match="khóa bằng cụm mật khẩu"):
        product_read_package(pkg, district)  # no key given: nothing is read
    district.close()


def test_passphrase_file_errors_are_one_line(tmp_path, capsys):
    commune = tmp_path / "xa.sqlite"
    assert cli_main(["init", "--db", str(commune), "--commune", "01954", "--units", "2025"]) == 0
    empty = tmp_path / "trong.txt"
    empty.write_text("\n", encoding="utf-8")
    capsys.readouterr()
    for arg in (str(empty), str(tmp_path / "khong-co.txt")):
        assert cli_main(["export-package", "--db", str(commune), "--unit", "01954", "--round", "2025", "--out",
                         str(tmp_path / "g.xlsx"), "--passphrase-file", arg]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "trống" in err[0] and "Không có tệp cụm mật khẩu" in err[1]
    assert passphrase_file(tmp_path)  # (the helper writes the test passphrase)


def test_district_package_sealed_to_its_province_and_key_rotation(tmp_path):
    commune = new_commune_db(tmp_path / "xa.sqlite", "01954", 2, seed=46)
    district = _district(tmp_path / "huyen.sqlite")
    province = init_database(tmp_path / "tinh.sqlite", "province", "06")
    link(district, commune, folder=tmp_path)
    pkg, _ = write_package(commune, "01954", 2022, tmp_path / "xa.xlsx", passphrase=None)
    assert merge_files(district, tmp_path / "huyen.sqlite", [pkg], trust_new=True,
                       passphrase=None).results[0].status == MERGED
    old_fp = link(province, district, folder=tmp_path)  # the district sends up to its province
    up, _ = write_package(district, "062", 2022, tmp_path / "huyen.xlsx", passphrase=None)
    (r,) = merge_files(province, tmp_path / "tinh.sqlite", [up], trust_new=True, passphrase=None).results
    assert r.status == MERGED and r.households["added"] == 2
    # the province sets up a new database (a new key pair): the district registers the new key, the old
    # one is retired and no longer sealed to
    province2 = init_database(tmp_path / "tinh-moi.sqlite", "province", "06")
    path = recipients.write_recipient_file(province2, tmp_path / "khoa-moi.json")[0]
    r2, retired = recipients.add_recipient(district, path)
    assert retired == [old_fp] and [x["fingerprint"] for x in recipients.registered(district)] == [r2.fingerprint]
    again, _ = write_package(district, "062", 2022, tmp_path / "huyen-2.xlsx", passphrase=None)
    slots = [json.loads(v) for k, v in read_manifest(again).items() if k.startswith(fmt.SEAL_PREFIX)]
    assert [s["fingerprint"] for s in slots] == [r2.fingerprint]
    (r,) = merge_files(province, tmp_path / "tinh.sqlite", [again], passphrase=None).results
    assert r.status == REJECTED and "cấp nhận khác" in r.message
    for c in (commune, district, province, province2):
        c.close()
