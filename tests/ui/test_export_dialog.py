"""The Export/Print dialog driven like a person: choose, export in the background, cancel, preview."""

from __future__ import annotations

import random

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from python_calamine import CalamineWorkbook

from bkdesk.ui.views.export_dialog import open_export_dialog
from tests.export.builders import COMMUNE, SPECIAL_HEAD, YEAR, build_round
from tests.ui.helpers import type_text


@pytest.fixture
def dialog(qtbot, db, db_path):
    build_round(db, random.Random(31), 24, draft_rate=0.0)
    dlg = open_export_dialog(None, db_path)
    qtbot.addWidget(dlg)
    dlg.year_spin.setValue(YEAR)
    return dlg


def _choose(dlg, key: str) -> None:
    dlg.what_combo.setCurrentIndex(dlg.what_combo.findData(key))


def test_defaults_and_choices(dialog):
    assert dialog.unit_edit.text() == COMMUNE
    keys = [dialog.what_combo.itemData(i) for i in range(dialog.what_combo.count())]
    assert [k for k in keys if k.startswith("report:r")] == [f"report:r{i:02d}" for i in range(1, 16)]
    assert "forms:form03" in keys and "report:niem_yet" in keys
    _choose(dialog, "forms:review")
    assert dialog.village_edit.isEnabled() and not dialog.format_combo.isEnabled()
    assert dialog.format_combo.currentData() == ".pdf" and not dialog.preview_button.isEnabled()


def test_export_xlsx_in_background(qtbot, dialog, tmp_path):
    _choose(dialog, "report:all")
    type_text(dialog.out_edit, str(tmp_path / "báo cáo"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Đã ghi"), timeout=30000)
    out = tmp_path / "báo cáo.xlsx"
    assert CalamineWorkbook.from_path(str(out)).sheet_names[:2] == ["r01", "r02"]


def test_export_forms_of_one_village(qtbot, dialog, tmp_path):
    _choose(dialog, "forms:review")
    type_text(dialog.village_edit, "Bản Chang")
    dialog.out_edit.setText(str(tmp_path / "phieu.pdf"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Đã ghi"), timeout=30000)
    text = pypdf.PdfReader(str(tmp_path / "phieu.pdf")).pages[0].extract_text()
    assert SPECIAL_HEAD in text


def test_user_errors_shown_inline_and_no_file(qtbot, dialog, tmp_path):
    dialog.unit_edit.setText("99999")
    dialog.out_edit.setText(str(tmp_path / "x.xlsx"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Lỗi:"), timeout=30000)
    assert "99999" in dialog.status_label.text() and not (tmp_path / "x.xlsx").exists()
    dialog.out_edit.setText("")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.text() == "Hãy chọn nơi lưu tệp."


def test_cancel_leaves_no_file(qtbot, dialog, tmp_path):
    _choose(dialog, "report:all")
    dialog.out_edit.setText(str(tmp_path / "huy.xlsx"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    dialog.job.control.cancel()  # as the progress dialog's "Hủy" button does
    qtbot.waitUntil(lambda: dialog.status_label.text().startswith("Đã hủy"), timeout=30000)
    assert list(tmp_path.glob("huy*")) == []


def test_print_preview_paints_the_tables(qtbot, dialog, tmp_path):
    _choose(dialog, "report:ds_ngheo")
    dialog._testing = True
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hasattr(dialog, "preview"), timeout=30000)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "preview.pdf"))
    dialog.preview._painter.paint(printer)
    reader = pypdf.PdfReader(str(tmp_path / "preview.pdf"))
    assert len(reader.pages) >= 1 and "DANH SÁCH HỘ NGHÈO" in reader.pages[0].extract_text().replace("\t", " ")
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("LiberationSerif" in f for f in fonts), fonts  # the PDFs' font, shipped with the app
    dialog.preview.close()
