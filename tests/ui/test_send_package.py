"""Send up from the desk: menu and toolbar action, suggested name in the remembered folder, summary; the
unexported-changes question on leaving offers to export now (issue 14)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from bkdesk.export.sync.package import read_manifest
from bkdesk.model.store import settings
from bkdesk.model.store.repo_households import save_household
from bkdesk.ui import i18n
from bkdesk.ui.views import send_package
from bkdesk.ui.views.restore_view import unexported_changes
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle


@pytest.fixture
def filled(db, db_path):
    settings.put(db, settings.REVIEW_YEAR, "2024")
    for i in range(2):
        save_household(db, make_bundle(random.Random(i), TEST_COMMUNE, no=i + 1), "Cán bộ")
    return db_path


def _answer(monkeypatch, text: str, shown: list) -> None:
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    monkeypatch.setattr(QMessageBox, "clickedButton",
                        lambda self: next(b for b in self.buttons() if b.text() == text))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: shown.append(a[2])))


def test_dialog_suggests_a_name_remembers_the_folder_and_sums_up(qtbot, filled, tmp_path):
    i18n.set_language("vi")
    dlg = send_package.open_send_package(None, filled)
    qtbot.addWidget(dlg)
    name = Path(dlg.path_edit.text()).name
    assert name == f"bkdesk_Xa-Van-Tung_{TEST_COMMUNE}_ra-soat-2024_{dt.date.today().isoformat()}.xlsx"
    folder = tmp_path / "usb"
    folder.mkdir()
    dlg.path_edit.setText(str(folder / name))
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=20000)
    assert read_manifest(folder / name)["unit_code"] == TEST_COMMUNE
    assert "2 hộ" in dlg.message_label.text()
    assert unexported_changes(filled) == 0
    dlg.export_button.click()  # never overwrites the package just written
    assert "đã có" in dlg.message_label.text()
    again = send_package.open_send_package(None, filled)
    qtbot.addWidget(again)
    assert Path(again.path_edit.text()).parent == folder  # the folder used last time


def test_leaving_with_unexported_changes_offers_to_export_now(qtbot, filled, monkeypatch):
    i18n.set_language("vi")
    assert unexported_changes(filled) > 0
    shown: list = []
    _answer(monkeypatch, "Ở lại", shown)
    assert send_package.confirm_leave(None, filled) is False
    assert "chưa được xuất" in shown[0]
    _answer(monkeypatch, "Xuất gói ngay", shown)
    assert send_package.confirm_leave(None, filled) is True
    written = list(send_package.remembered_folder().glob(f"bkdesk_*_{TEST_COMMUNE}_ra-soat-2024_*.xlsx"))
    assert len(written) == 1 and "Đã xuất gói dữ liệu" in shown[-1]
    assert unexported_changes(filled) == 0
    assert send_package.confirm_leave(None, filled) is True  # nothing left to ask about


def test_menu_and_toolbar_carry_the_action(qtbot, db, db_path):
    from bkdesk.ui.main_window import MainWindow

    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    win = MainWindow(db, db_path)
    qtbot.addWidget(win)
    action = win.screen_actions["send_package"]
    assert action.text() == "Xuất gói gửi cấp trên..." and action in win.toolbar.actions()
    assert action in win.menu("Tệp").actions()
