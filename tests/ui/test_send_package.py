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
from bkdesk.ui.views.passphrase_dialog import PassphraseDialog
from bkdesk.ui.views.restore_view import unexported_changes
from tests.conftest import TEST_COMMUNE
from tests.export.sync_keys import TEST_PASSPHRASE, merge_files
from tests.factories import make_bundle
from tests.ui.helpers import drive_modals, type_text


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


def _type_passphrase(first: str, again: str | None = None):
    """The person types the passphrase twice and presses Đồng ý (a mismatch is shown, then corrected)."""
    def act(dlg):
        type_text(dlg.passphrase_edit, first)
        type_text(dlg.passphrase2_edit, again if again is not None else first)
        dlg.ok_button.click()
    return act


def test_dialog_suggests_a_name_remembers_the_folder_and_sums_up(qtbot, filled, tmp_path):
    i18n.set_language("vi")
    dlg = send_package.open_send_package(None, filled)
    qtbot.addWidget(dlg)
    assert "Chưa đăng ký khóa nhận" in dlg.recipient_label.text()
    name = Path(dlg.path_edit.text()).name
    assert name == f"bkdesk_Xa-Van-Tung_{TEST_COMMUNE}_ra-soat-2024_{dt.date.today().isoformat()}.xlsx"
    folder = tmp_path / "usb"
    folder.mkdir()
    dlg.path_edit.setText(str(folder / name))

    def mismatch_then_right(pd):
        type_text(pd.passphrase_edit, TEST_PASSPHRASE)
        type_text(pd.passphrase2_edit, TEST_PASSPHRASE + "x")
        pd.ok_button.click()
        assert "không giống nhau" in pd.error.text() and pd.isVisible()
        pd.passphrase2_edit.clear()
        type_text(pd.passphrase2_edit, TEST_PASSPHRASE)
        pd.ok_button.click()

    done = drive_modals([(PassphraseDialog, mismatch_then_right)])
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=20000)
    assert done == ["PassphraseDialog"]
    assert read_manifest(folder / name)["unit_code"] == TEST_COMMUNE
    assert "2 hộ" in dlg.message_label.text() and "cụm mật khẩu" in dlg.message_label.text()
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
    drive_modals([(PassphraseDialog, _type_passphrase(TEST_PASSPHRASE))])
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


def test_register_the_level_above_then_export_needs_no_passphrase(qtbot, filled, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from bkdesk.export.sync.recipients import write_recipient_file
    from bkdesk.model.store.databases import init_database

    i18n.set_language("vi")
    district_path = tmp_path / "huyen.sqlite"
    district = init_database(district_path, "district", "062", officer="Cán bộ huyện")
    key_file, key = write_recipient_file(district, tmp_path / "khoa-nhan-huyen.json")
    other = init_database(tmp_path / "huyen-058.sqlite", "district", "058")
    wrong_file, _ = write_recipient_file(other, tmp_path / "khoa-058.json")
    other.close()
    dlg = send_package.open_send_package(None, filled)
    qtbot.addWidget(dlg)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(wrong_file), "")))
    dlg.register_button.click()
    assert "không phải huyện của" in dlg.message_label.text() and "Chưa đăng ký" in dlg.recipient_label.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(key_file), "")))
    dlg.register_button.click()
    assert key.fingerprint in dlg.message_label.text() and "gọi điện" in dlg.message_label.text()
    assert "Huyện Ngân Sơn (062)" in dlg.recipient_label.text()
    out = tmp_path / "goi.xlsx"
    dlg.path_edit.setText(str(out))
    done = drive_modals([(PassphraseDialog, _type_passphrase(TEST_PASSPHRASE))], timeout_ms=2_000)
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=20000)
    assert done == []  # no passphrase asked: the package is encrypted to the district
    assert "cấp nhận 062" in dlg.message_label.text()
    (r,) = merge_files(district, district_path, [out], trust_new=True, passphrase=None).results
    assert r.status == "merged"
    district.close()
