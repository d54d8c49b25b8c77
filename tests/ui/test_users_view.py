"""Quản trị > Người dùng and Đổi mật khẩu, through the widgets: add a user with roles as checkboxes (a short
password and a taken name refused inline), change roles, set a password, disable; the last administrator
cannot be disabled; a user changes their own password (a wrong current one refused inline). A demo database
(`bkdesk --demo` builds it plain) asks for a user, is encrypted and keeps no plain copy."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox

from bkdesk.model.store import keyring, settings, users
from bkdesk.model.store.databases import init_database
from bkdesk.ui import app, i18n
from bkdesk.ui.views.convert_dialog import ConvertDialog
from bkdesk.ui.views.recovery_dialog import RecoveryKeyDialog
from bkdesk.ui.views.users_view import AddUserDialog, PasswordDialog, RolesDialog, UsersDialog
from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.ui.helpers import desk_window, drive_modals, fill_first_user, protected_database, type_text


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch):
    i18n.set_language("vi")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))


@pytest.fixture
def admin_desk(qtbot, tmp_path):
    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path, review_year=2024)
    conn.close()
    win = desk_window(qtbot, path)
    return win


def _row(dlg, username):
    return next(i for i, u in enumerate(dlg.users) if u.username == username)


def test_users_screen_add_roles_password_disable(qtbot, admin_desk):
    win = admin_desk
    assert win.menu("Quản trị").menuAction().isVisible()
    win.screen_actions["users"].trigger()
    dlg = win.findChildren(UsersDialog)[-1]
    assert [u.username for u in dlg.users] == [TEST_USER]
    seen = {}

    def add(a):
        type_text(a.fields.display_edit, "Ma Văn Tùng")
        type_text(a.fields.username_edit, "tung.mv")
        for edit in (a.fields.password_edit, a.fields.password2_edit):
            type_text(edit, "ngan")
        a.ok_button.click()
        seen["short"] = a.error_label.text()
        for edit in (a.fields.password_edit, a.fields.password2_edit):
            edit.clear()
            type_text(edit, "mat-khau-cua-tung")
        a.ok_button.click()
        seen["no_role"] = a.error_label.text()
        a.roles.boxes["ra_soat_vien"].click()
        a.ok_button.click()

    def add_again(a):
        type_text(a.fields.display_edit, "Người khác")
        fill_first_user(a, "tung.mv", "mat-khau-khac-nua")
        a.roles.boxes["lanh_dao_xa"].click()
        a.ok_button.click()
        seen["taken"] = a.error_label.text()
        a.reject()

    assert drive_modals([(AddUserDialog, add)]) is not None
    dlg.add_button.click()
    assert "ít nhất 8" in seen["short"] and "vai trò" in seen["no_role"]
    assert "Đã thêm" in dlg.message_label.text()
    row = _row(dlg, "tung.mv")
    assert dlg.table.item(row, 2).text() == "Rà soát viên" and dlg.table.item(row, 3).text() == "Đang hoạt động"
    drive_modals([(AddUserDialog, add_again)])
    dlg.add_button.click()
    assert "đã có" in seen["taken"]

    dlg.table.selectRow(_row(dlg, "tung.mv"))

    def roles(r):
        r.roles.boxes["can_bo_giam_ngheo_xa"].click()
        r.ok_button.click()

    drive_modals([(RolesDialog, roles)])
    dlg.roles_button.click()
    assert dlg.table.item(_row(dlg, "tung.mv"), 2).text() == "Rà soát viên, Cán bộ giảm nghèo xã"

    dlg.table.selectRow(_row(dlg, "tung.mv"))

    def password(p):
        type_text(p.password_edit, "mat-khau-moi-cua-tung")
        type_text(p.password2_edit, "mat-khau-moi-cua-tung")
        p.ok_button.click()

    drive_modals([(PasswordDialog, password)])
    dlg.password_button.click()
    assert "Đã đặt mật khẩu" in dlg.message_label.text()
    assert users.check_password_of(win.db_path, "tung.mv", "mat-khau-moi-cua-tung")

    dlg.table.selectRow(_row(dlg, "tung.mv"))
    dlg.disable_button.click()
    assert dlg.table.item(_row(dlg, "tung.mv"), 3).text() == "Đã khoá"
    dlg.table.selectRow(_row(dlg, TEST_USER))
    dlg.disable_button.click()  # the last administrator: refused inline, nothing changed
    assert "ít nhất một người dùng Quản trị" in dlg.message_label.text()
    assert dlg.table.item(_row(dlg, TEST_USER), 3).text() == "Đang hoạt động"
    dlg.close()


def test_own_password_change(qtbot, admin_desk):
    win = admin_desk
    win.screen_actions["own_password"].trigger()
    dlg = win.findChildren(PasswordDialog)[-1]
    type_text(dlg.old_edit, "khong-phai-mat-khau")
    type_text(dlg.password_edit, "mat-khau-moi-1234")
    type_text(dlg.password2_edit, "mat-khau-moi-1234")
    dlg.ok_button.click()
    assert dlg.isVisible() and dlg.error_label.text()
    assert users.check_password_of(win.db_path, TEST_USER, TEST_PASSWORD)
    dlg.old_edit.clear()
    type_text(dlg.old_edit, TEST_PASSWORD)
    dlg.ok_button.click()
    assert not dlg.isVisible()
    assert users.check_password_of(win.db_path, TEST_USER, "mat-khau-moi-1234")
    assert not users.check_password_of(win.db_path, TEST_USER, TEST_PASSWORD)


def test_demo_database_asks_for_a_user_and_keeps_no_plain_copy(qtbot, tmp_path):
    path = tmp_path / "bkdesk-demo.sqlite"
    conn = init_database(path, "commune", "01954", officer="Demo")  # as `bkdesk --demo` leaves it
    settings.put(conn, settings.IS_DEMO, "1")
    conn.close()
    seen = {}

    def form(dlg):
        seen["intro"] = dlg.findChild(type(dlg.error_label), "intro_label").text()
        type_text(dlg.fields.display_edit, "Người dùng thử")
        fill_first_user(dlg, "thu", "mat-khau-dung-thu")
        dlg.convert_button.click()

    steps = drive_modals([(ConvertDialog, form),
                          (RecoveryKeyDialog, lambda d: d.kept_check.click() or d.continue_button.click())])
    window = app.open_window(path)
    try:
        assert steps == ["ConvertDialog", "RecoveryKeyDialog"], steps
        assert "Dữ liệu mẫu" in seen["intro"]
        assert window is not None and "DỮ LIỆU MẪU" in window.windowTitle() and "thu" in window.windowTitle()
        assert not users.is_plain_database(path) and users.plain_leftovers(path) == []
    finally:
        if window is not None:
            window.close()
        QThreadPool.globalInstance().waitForDone(60_000)
        qtbot.wait(50)
        for w in list(app._windows):
            qtbot.addWidget(w)
            app._windows.remove(w)
    keyring.forget()
