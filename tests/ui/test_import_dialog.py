"""Tệp > Nhập từ Excel: choose a file, preview, mapping, check, import in the background, cancel."""

from __future__ import annotations

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from bkdesk.export.inputs.template import write_template
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from bkdesk.ui.views.import_dialog import ImportDialog
from tests.conftest import TEST_COMMUNE

YEAR = 2023


def _db(tmp_path):
    path = tmp_path / "xa.sqlite"
    init_database(path, "commune", TEST_COMMUNE, officer="Cán bộ kiểm thử").close()
    return path


def _template(db_path, out, households):
    """The empty template of the commune, filled as a person would (households and members sheets)."""
    conn = open_db(db_path)
    try:
        write_template(conn, out, review_year=YEAR)
    finally:
        conn.close()
    wb = openpyxl.load_workbook(out)
    hh, mem = wb["Hộ gia đình"], wb["Thành viên"]
    hk = {c.value: c.column for c in hh[1]}
    mk = {c.value: c.column for c in mem[1]}
    for i, (code, name, score, ethnicity) in enumerate(households):
        for key, value in (("household_code", code), ("village", "Bản Sáng"), ("head_name", name),
                           ("score_a", score)):
            hh.cell(3 + i, hk[key]).value = value
        for key, value in (("household_code", code), ("full_name", name), ("relation", "Chủ hộ"), ("sex", "Nữ"),
                           ("birth_date", 1975), ("ethnicity", ethnicity)):
            mem.cell(3 + i, mk[key]).value = value
    wb.save(out)
    return out


def _count(db_path) -> int:
    conn = open_db(db_path)
    try:
        return conn.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        conn.close()


def _choose(qtbot, dlg, path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "Tệp Excel (*.xlsx)"))
    with qtbot.waitSignal(dlg.file_opened, timeout=30_000):  # read in the background
        qtbot.mouseClick(dlg.choose_button, Qt.MouseButton.LeftButton)


def test_template_check_then_import(qtbot, tmp_path, monkeypatch):
    db = _db(tmp_path)
    good = _template(db, tmp_path / "mau.xlsx", [("0001", "Lường Thị Hoa", 80, "Tày"),
                                                 ("0002", "Ma Thị Nga", "abc", "Tày"),
                                                 ("0003", "Bàn Thị Mai", 95, "Không rõ")])
    dlg = ImportDialog(db)
    qtbot.addWidget(dlg)
    dlg.year_spin.setValue(YEAR)
    _choose(qtbot, dlg, good, monkeypatch)
    assert dlg.mapping_box.isHidden() and "mẫu nhập liệu" in dlg.kind_label.text()
    assert dlg.preview_table.rowCount() > 2
    with qtbot.waitSignal(dlg.import_finished, timeout=30_000):
        qtbot.mouseClick(dlg.check_button, Qt.MouseButton.LeftButton)
    rejected = [r for r in range(dlg.report_table.rowCount())
                if not dlg.report_table.item(r, 4).text().startswith("Bản nháp")]
    assert {dlg.report_table.item(r, 0).text() for r in rejected} == {"Hộ gia đình", "Thành viên"}
    assert len(rejected) == 2
    assert "Kết quả kiểm tra" in dlg.status_label.text() and _count(db) == 0
    dlg.valid_only_check.setChecked(True)
    with qtbot.waitSignal(dlg.import_finished, timeout=30_000):
        qtbot.mouseClick(dlg.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert "Đã nhập" in dlg.status_label.text() and "Thêm mới 1 hộ" in dlg.status_label.text()
    assert _count(db) == 1
    out = dlg.save_report(tmp_path / "bao-cao.xlsx")
    rows = list(openpyxl.load_workbook(out)["Dòng bị từ chối"].iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "Dòng", "Cột", "Giá trị", "Lý do") and len(rows) == 3


def test_existing_list_mapping_is_offered_again(qtbot, tmp_path, monkeypatch):
    db = _db(tmp_path)
    listing = tmp_path / "ds-ngheo-2022.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hộ nghèo"
    ws.append(["DANH SÁCH HỘ NGHÈO NĂM 2022"])
    ws.append(["STT", "Họ tên chủ hộ", "Năm sinh", "Thôn, bản", "Số khẩu"])
    ws.append([1, "Nông Văn Tình", 1966, "Nà Làng", 5])
    ws.append([2, "Triệu Thị Sâm", 1979, "Nà Làng", 3])
    wb.save(listing)
    dlg = ImportDialog(db)
    qtbot.addWidget(dlg)
    dlg.year_spin.setValue(YEAR)
    _choose(qtbot, dlg, listing, monkeypatch)
    assert not dlg.mapping_box.isHidden()
    assert dlg.view.mapping.header_row == 2
    assert dlg.mapping().columns == {"Họ tên chủ hộ": "head_name", "Năm sinh": "head_birth_date",
                                     "Thôn, bản": "village"}
    dlg.status_combo.setCurrentIndex(dlg.status_combo.findData("POOR"))  # the list of poor households
    with qtbot.waitSignal(dlg.import_finished, timeout=30_000):
        qtbot.mouseClick(dlg.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert "Thêm mới 2 hộ" in dlg.status_label.text()
    conn = open_db(db)
    try:
        assert [r[0] for r in conn.execute("SELECT start_status FROM review")] == ["POOR", "POOR"]
    finally:
        conn.close()
    again = ImportDialog(db)
    qtbot.addWidget(again)
    _choose(qtbot, again, listing, monkeypatch)
    assert again.view.saved and "đã lưu" in again.kind_label.text()
    assert again.status_combo.currentData() == "POOR"


def test_cancel_leaves_the_database_unchanged(qtbot, tmp_path, monkeypatch):
    db = _db(tmp_path)
    rows = [(f"{i:04d}", f"Hoàng Thị {i}", 60 + i % 50, "Tày") for i in range(1, 301)]
    path = _template(db, tmp_path / "mau.xlsx", rows)
    dlg = ImportDialog(db)
    qtbot.addWidget(dlg)
    dlg.year_spin.setValue(YEAR)
    _choose(qtbot, dlg, path, monkeypatch)
    qtbot.mouseClick(dlg.import_button, Qt.MouseButton.LeftButton)
    dlg.job.control.cancel()
    qtbot.waitUntil(lambda: dlg.job is None, timeout=60_000)
    assert "Đã hủy" in dlg.status_label.text()
    assert _count(db) == 0


def test_a_file_that_is_not_xlsx_is_refused_in_one_line(qtbot, tmp_path, monkeypatch):
    db = _db(tmp_path)
    bad = tmp_path / "khong-phai.xlsx"
    bad.write_bytes(b"not a workbook")
    dlg = ImportDialog(db)
    qtbot.addWidget(dlg)
    _choose(qtbot, dlg, bad, monkeypatch)
    assert "không phải tệp Excel" in dlg.status_label.text()
    assert not dlg.import_button.isEnabled()
