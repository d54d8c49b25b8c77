"""Points table and plan targets from the desk: menu entry, guarded read, preview, confirmation, store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bkdesk.model.desk import DeskContext
from bkdesk.model.store import settings
from bkdesk.model.store.db import open_db
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from bkdesk.ui.views.table_import import TableImportDialog
from tests.model.rules.test_points_table import made_up_table

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def win(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    w = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(w)
    w.show()
    return w


def _opened(action) -> TableImportDialog:
    before = set(QApplication.topLevelWidgets())
    action.trigger()
    found = [w for w in QApplication.topLevelWidgets() if w not in before and isinstance(w, TableImportDialog)]
    assert len(found) == 1 and found[0].isVisible()
    return found[0]


def test_points_table_preview_then_confirm(qtbot, win, db_path, tmp_path):
    good = tmp_path / "bang-diem.json"
    good.write_text(json.dumps(made_up_table(), ensure_ascii=False), encoding="utf-8")
    dlg = _opened(win.screen_actions["points_import"])
    dlg.load_file(good)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert "câu hỏi" in dlg.preview.toPlainText() and dlg.confirm_button.isEnabled()
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM points_table").fetchone()[0] == 0  # nothing before confirming
    conn.close()
    qtbot.mouseClick(dlg.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.stored, timeout=30_000)
    assert "Đã nạp bảng điểm" in dlg.status_label.text()
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM points_table").fetchone()[0] == 1
    conn.close()


def test_a_far_corner_workbook_is_one_line_and_the_dialog_stays(qtbot, win):
    import tests.test_corpus  # noqa: F401  (generates the corpus when missing)

    dlg = _opened(win.screen_actions["points_import"])
    dlg.load_file(CORPUS / "generic" / "corner-attributes-reordered.xlsx")
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert dlg.status_label.text().startswith("Không nạp:") and "trang tính trải tới dòng" in dlg.status_label.text()
    assert not dlg.confirm_button.isEnabled() and dlg.isVisible() and win.isVisible()


def test_targets_semicolon_csv_preview_then_confirm(qtbot, win, db_path, tmp_path):
    src = tmp_path / "chi-tieu.csv"
    src.write_bytes("\ufeffcode;name;households;poor;target_rate_pct;target_households\r\n"
                    "01954;Xã Vân Tùng;1000;250;3,5;\r\n".encode())  # Excel on a Vietnamese Windows
    dlg = _opened(win.screen_actions["targets_import"])
    dlg.year_spin.setValue(2026)
    dlg.load_file(src)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    text = dlg.preview.toPlainText()
    assert "năm 2026" in text and "01954 Xã Vân Tùng" in text, text
    qtbot.mouseClick(dlg.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.stored, timeout=30_000)
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM plan_target WHERE year=2026").fetchone()[0] == 1
    conn.close()
