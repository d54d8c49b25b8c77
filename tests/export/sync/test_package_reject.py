"""Bad packages are refused whole, each with its own Vietnamese message; the database stays byte-identical."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest

from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync.merge import REJECTED
from bkdesk.model.store.databases import init_database
from tests.export.sync_data import file_hash
from tests.export.sync_keys import Opened, merge_files


@pytest.fixture
def district(tmp_path):
    path = tmp_path / "huyen.sqlite"
    conn = init_database(path, "district", "062", officer="Cán bộ huyện")
    yield path, conn
    conn.close()


def _edit(src, dst, sheet, row, col, fn):
    wb = openpyxl.load_workbook(src)
    cell = wb[sheet].cell(row=row, column=col)
    cell.value = fn(cell.value)
    wb.save(dst)
    return dst


def _tampered(src, tmp_path):
    """A household number changed in the hidden sheet and sealed again (by someone holding the passphrase)."""
    pkg = Opened(src)
    cells = pkg.cells("household")
    values = json.loads(cells[0])
    values[values.index("0001") if "0001" in values else 1] = "0999"
    pkg.set_cells("household", [json.dumps(values, ensure_ascii=False), *cells[1:]])
    return pkg.save(tmp_path / "sua.xlsx")


def _ciphertext(src, tmp_path):
    """One character of the sealed data changed (without the key)."""
    def flip(text):
        i = len(text) // 2
        return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1:]
    return _edit(src, tmp_path / "ma-hoa-sua.xlsx", "d_member", 2, 1, flip)


def _manifest_row(src, key):
    wb = openpyxl.load_workbook(src, read_only=True)
    rows = [r[0] for r in wb[fmt.MANIFEST_SHEET].iter_rows(values_only=True)]
    wb.close()
    return rows.index(key) + 1


def _newer(src, tmp_path):
    return _edit(src, tmp_path / "moi.xlsx", fmt.MANIFEST_SHEET, _manifest_row(src, "format_version"), 2,
                 lambda v: str(fmt.FORMAT_VERSION + 1))


def _older(src, tmp_path):
    return _edit(src, tmp_path / "cu.xlsx", fmt.MANIFEST_SHEET, _manifest_row(src, "format_version"), 2,
                 lambda v: "1")


def _absurd(src, tmp_path):
    return _edit(src, tmp_path / "trieu-ho.xlsx", fmt.MANIFEST_SHEET, _manifest_row(src, "rows.household"), 2,
                 lambda v: "1000000")


def _truncated(src, tmp_path):
    data = src.read_bytes()
    out = tmp_path / "cut.xlsx"
    out.write_bytes(data[: len(data) // 2])
    return out


def _docx(src, tmp_path):
    out = tmp_path / "bien-ban.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out


def _plain_xlsx(src, tmp_path):
    out = tmp_path / "danh-sach.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Họ và tên", "Năm sinh"])
    wb.save(out)
    return out


def _text_file(src, tmp_path):
    out = tmp_path / "ghi-chu.xlsx"
    out.write_text("Họ và tên,Năm sinh\n", encoding="utf-8")
    return out


def _bomb(src, tmp_path):
    out = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 ** 2))
    return out


def _entity(src, tmp_path):
    out = tmp_path / "entity.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            zout.writestr(item, data)
    return out


def _deleted_row(src, tmp_path):
    pkg = Opened(src)
    cells = pkg.cells("member")
    pkg.set_cells("member", cells[:1] + cells[2:])
    return pkg.save(tmp_path / "thieu.xlsx")


CASES = {
    "tampered": (_tampered, "đã bị sửa sau khi xuất"),
    "newer": (_newer, "phiên bản bkdesk mới hơn"),
    "older": (_older, "cập nhật bkdesk rồi xuất lại gói"),
    "absurd": (_absurd, "(giới hạn hợp lý 30.000)"),
    "truncated": (_truncated, "bị hỏng hoặc không đầy đủ"),
    "docx": (_docx, "văn bản Word (.docx) bị đổi tên"),
    "plain_xlsx": (_plain_xlsx, "không phải gói dữ liệu bkdesk (không có trang"),
    "text": (_text_file, "không phải tệp Excel (.xlsx)"),
    "bomb": (_bomb, "dung lượng giải nén bất thường"),
    "entity": (_entity, "khai báo DOCTYPE/ENTITY"),
    "deleted_row": (_deleted_row, "dòng nhưng thông tin gói ghi"),
    "ciphertext": (_ciphertext, "dữ liệu mã hóa của bảng member đã bị sửa"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_package_rejected_with_its_message_and_db_unchanged(case, commune_pkg, district, tmp_path):
    make, message = CASES[case]
    bad = make(commune_pkg[1], tmp_path)
    path, conn = district
    before = file_hash(path)
    report = merge_files(conn, path, [bad], trust_new=True)
    (result,) = report.results
    assert result.status == REJECTED
    assert message in result.message
    assert report.exit_code == 1
    assert file_hash(path) == before
    assert not (path.parent / "backups").exists()


def test_other_district_rejected_and_db_unchanged(other_district_pkg, district):
    path, conn = district
    before = file_hash(path)
    (result,) = merge_files(conn, path, [other_district_pkg], trust_new=True).results
    assert result.status == REJECTED
    assert "không thuộc phạm vi" in result.message and "Phường Sông Cầu" in result.message
    assert file_hash(path) == before


def test_messages_are_distinct():
    assert len({m for _, m in CASES.values()}) == len(CASES)


def test_good_and_bad_files_together(commune_pkg, district, tmp_path):
    path, conn = district
    bad = _tampered(commune_pkg[1], tmp_path)
    report = merge_files(conn, path, [bad, commune_pkg[1]], trust_new=True)
    assert [r.status for r in report.results] == [REJECTED, "merged"]
    assert conn.execute("SELECT count(*) FROM household").fetchone()[0] == 12
