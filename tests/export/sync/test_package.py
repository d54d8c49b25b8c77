"""Writing the sync package: names, visible sheets, hidden data, the value checksum."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync.package import default_file_name
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from tests.export.sync_data import new_commune_db
from tests.export.sync_keys import read_package, write_package


def test_file_name_folds_vietnamese_and_keeps_case():
    assert default_file_name("Xã Vân Tùng", "01954", 2022) == "bkdesk_Xa-Van-Tung_01954_ra-soat-2022.xlsx"
    assert default_file_name("Huyện Chợ Đồn", "064", 2024) == "bkdesk_Huyen-Cho-Don_064_ra-soat-2024.xlsx"


def test_package_sheets_manifest_and_readable_lists(commune_pkg):
    db_path, pkg_path = commune_pkg
    assert pkg_path.name == "bkdesk_Xa-Van-Tung_01954_ra-soat-2022.xlsx"
    wb = CalamineWorkbook.from_path(str(pkg_path))
    visible = {m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")}
    assert {fmt.SUMMARY_SHEET, fmt.LIST_SHEET, fmt.MANIFEST_SHEET} <= visible
    assert "d_household" in wb.sheet_names and "d_household" not in visible
    manifest = {r[0]: r[1] for r in wb.get_sheet_by_name(fmt.MANIFEST_SHEET).to_python()[1:]}
    for key in ("format", "format_version", "app_version", "standard_id", "standard_revision", "unit_code",
                "unit_name", "round", "exported_at", "officer", "installation_id", "checksum"):
        assert manifest[key] != "", key
    assert manifest["unit_name"] == "Xã Vân Tùng" and manifest["round"] == "2022"
    assert manifest["rows.household"] == "12" and manifest["officer"] == "Hoàng Thị Lan"
    listing = wb.get_sheet_by_name(fmt.LIST_SHEET).to_python()
    # the public posting list's columns (reports.md §5) and nothing else
    assert listing[0] == ["STT", "Mã xã", "Thôn", "Họ và tên chủ hộ", "Kết quả năm 2022"] and len(listing) == 13
    conn = sqlite3.connect(db_path)
    heads = {r[0] for r in conn.execute("SELECT head_name FROM household")}
    conn.close()
    assert {r[3] for r in listing[1:]} == heads
    summary = dict((r[0], r[1]) for r in wb.get_sheet_by_name(fmt.SUMMARY_SHEET).to_python())
    assert summary["Tổng số hộ"] == "12"


def test_user_text_is_never_a_formula(commune_pkg):
    _, pkg_path = commune_pkg
    wb = openpyxl.load_workbook(pkg_path, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
    wb.close()


def test_open_and_save_without_editing_keeps_it_valid(commune_pkg, db, tmp_path):
    _, pkg_path = commune_pkg
    copy = tmp_path / "resaved.xlsx"
    wb = openpyxl.load_workbook(pkg_path)
    wb.save(copy)
    pkg = read_package(copy, db)
    assert len(pkg.tables["household"][1]) == 12
    assert pkg.checksum == read_package(pkg_path, db).checksum


def test_checksum_is_over_values_and_changes_when_data_changes(tmp_path):
    conn = new_commune_db(tmp_path / "a.sqlite", "01954", 3, seed=1)
    p1, c1 = write_package(conn, "01954", 2022, tmp_path / "a.xlsx")
    shutil.copy(p1, tmp_path / "copy.xlsx")
    assert read_package(tmp_path / "copy.xlsx", conn).checksum == c1
    conn.execute("UPDATE household SET address='Thôn Mới' WHERE uid=(SELECT min(uid) FROM household)")
    _, c2 = write_package(conn, "01954", 2022, tmp_path / "b.xlsx")
    assert c2 != c1
    conn.close()


def test_second_export_carries_only_new_audit_entries(tmp_path):
    conn = new_commune_db(tmp_path / "a.sqlite", "01954", 2, seed=3)
    p1, _ = write_package(conn, "01954", 2022, tmp_path / "1.xlsx")
    p2, _ = write_package(conn, "01954", 2022, tmp_path / "2.xlsx")
    assert len(read_package(p1, conn).tables["audit_log"][1]) > 0
    assert read_package(p2, conn).tables["audit_log"][1] == []
    conn.close()


def test_export_refuses_units_outside_scope_and_wrong_tree(db, tmp_path):
    with pytest.raises(UserError, match="ngoài phạm vi"):
        write_package(db, "01837", 2022, tmp_path)
    with pytest.raises(UserError, match="chuyển đổi cơ sở dữ liệu"):
        write_package(db, "01954", 2025, tmp_path)
    with pytest.raises(UserError, match="Không có đơn vị"):
        write_package(db, "99999", 2022, tmp_path)
    with pytest.raises(UserError, match="Năm rà soát không hợp lệ"):
        write_package(db, "01954", 1999, tmp_path)
    assert list(tmp_path.glob("*.xlsx")) == []


def test_district_export_contains_its_communes(tmp_path, commune_pkg):
    from tests.export.sync_keys import merge_files

    _, pkg_path = commune_pkg
    conn = init_database(tmp_path / "d.sqlite", "district", "062")
    merge_files(conn, tmp_path / "d.sqlite", [pkg_path], trust_new=True)
    out, _ = write_package(conn, "062", 2022, tmp_path)
    assert out.name == "bkdesk_Huyen-Ngan-Son_062_ra-soat-2022.xlsx"
    conn.close()
    conn = open_db(tmp_path / "d.sqlite")
    assert len(read_package(out, conn).tables["member"][1]) == conn.execute("SELECT count(*) FROM member").fetchone()[0]
    conn.close()
