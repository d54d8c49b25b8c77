"""Issue 16 in the desk, through the widgets: the first run creates the first user and shows the recovery key
once; the next start asks for the password (a wrong one refused inline); the recovery key resets a forgotten
password; a plain database is converted (every household kept) and its plain copy deleted when the person
agrees; the idle lock keeps the open editor's typed text; a rà soát viên sees what their role cannot do
disabled, with the role needed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from bkdesk.model.store import keyring, users
from bkdesk.model.store.databases import default_db_path, init_database
from bkdesk.ui import app, i18n, prefs
from bkdesk.ui.views.convert_dialog import ConvertDialog
from bkdesk.ui.views.login_dialog import LoginDialog
from bkdesk.ui.views.recovery_dialog import RecoveryKeyDialog, RecoveryResetDialog
from bkdesk.ui.views.wizard import FirstRunWizard
from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.ui.helpers import desk_window, drive_modals, fill_first_user, protected_database, type_text

PASSWORD = "mat-khau-xa-van-tung"


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch):
    i18n.set_language("vi")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))


def _close_windows(qtbot):
    from shiboken6 import isValid

    QThreadPool.globalInstance().waitForDone(60_000)  # the day's backup job runs with the window as parent
    qtbot.wait(50)
    for w in list(app._windows):
        if isValid(w) and w.isVisible():  # a window the test closed itself is on its way to deletion
            qtbot.addWidget(w)
        app._windows.remove(w)


def _click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _keep_key(seen):
    def act(dlg):
        seen["key"] = dlg.key_text.toPlainText()
        assert not dlg.continue_button.isEnabled()  # not before the key is kept
        dlg.copy_button.click()
        assert QApplication.clipboard().text() == seen["key"]
        dlg.kept_check.click()
        assert dlg.continue_button.isEnabled()
        dlg.continue_button.click()
    return act


def test_first_run_user_recovery_key_then_login(qtbot):
    path = default_db_path()
    assert not path.exists()  # an empty home folder
    seen = {}

    def wizard(dlg):
        type_text(dlg.commune_search_edit, "van tung")
        type_text(dlg.officer_edit, "Hoàng Thị Thắm")
        dlg.year_spin.setValue(2024)
        fill_first_user(dlg, "tham.ht", "ngan")  # too short: refused inline
        dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
        seen["short"] = dlg.error_label.text()
        for edit in (dlg.user_fields.password_edit, dlg.user_fields.password2_edit):
            edit.clear()
            type_text(edit, PASSWORD)
        dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
        seen["wizard"] = dlg.error_label.text()

    done = drive_modals([(FirstRunWizard, wizard), (RecoveryKeyDialog, _keep_key(seen))])
    window = app.open_window(path)
    try:
        assert done == ["FirstRunWizard", "RecoveryKeyDialog"], seen
        assert "ít nhất 8 ký tự" in seen["short"]
        assert window is not None and window.isVisible()
        assert "Hoàng Thị Thắm (tham.ht)" in window.windowTitle()
        assert "tham.ht" in window.user_label.text() and "Quản trị" in window.user_label.text()
        assert users.is_protected(path) and not users.is_plain_database(path)
        assert len(seen["key"]) > 40
    finally:
        if window is not None:
            window.close()
        _close_windows(qtbot)
    keyring.forget()  # the desk starts again

    def wrong(dlg):
        type_text(dlg.username_edit, "tham.ht")
        type_text(dlg.password_edit, "khong-dung-mat-khau")
        _click(qtbot, dlg.ok_button)
        seen["wrong"] = dlg.error_label.text()
        assert dlg.isVisible() and keyring.session_for(path) is None
        dlg.password_edit.clear()
        type_text(dlg.password_edit, PASSWORD)
        _click(qtbot, dlg.ok_button)

    before = path.read_bytes()
    done = drive_modals([(LoginDialog, wrong)])
    window = app.open_window(path)
    try:
        assert done == ["LoginDialog"]
        assert "Sai" in seen["wrong"] or "sai" in seen["wrong"], seen["wrong"]
        assert window is not None and "tham.ht" in window.windowTitle()
    finally:
        if window is not None:
            window.close()
        _close_windows(qtbot)
    assert len(before) > 0


def test_forgotten_password_reset_with_the_recovery_key(qtbot, tmp_path):
    path = tmp_path / "xa.sqlite"
    conn, prot = protected_database(path)
    conn.close()
    keyring.forget()
    dlg = LoginDialog(path)
    qtbot.addWidget(dlg)
    seen = {}

    def reset(r):
        type_text(r.recovery_edit, prot.recovery[:-3])  # a character missing: refused inline
        type_text(r.username_edit, TEST_USER)
        type_text(r.password_edit, "mat-khau-moi-123")
        type_text(r.password2_edit, "mat-khau-moi-123")
        _click(qtbot, r.ok_button)
        seen["bad"] = r.error_label.text()
        r.recovery_edit.clear()
        type_text(r.recovery_edit, prot.recovery.lower())  # as typed from paper, any case
        _click(qtbot, r.ok_button)

    drive_modals([(RecoveryResetDialog, reset)])
    _click(qtbot, dlg.forgot_button)
    assert "không đúng" in seen["bad"]
    assert dlg.result() == LoginDialog.DialogCode.Accepted and dlg.session.username == TEST_USER
    keyring.forget()
    with pytest.raises(users.WrongPassword):
        users.login(path, TEST_USER, TEST_PASSWORD)
    assert users.login(path, TEST_USER, "mat-khau-moi-123").username == TEST_USER


def _plain_with_households(path, n=4):
    import random

    from bkdesk.model.review.review_service import new_review, save_household_with_review
    from bkdesk.model.store import settings
    from tests.factories import make_bundle

    conn = init_database(path, "commune", "01954", officer="Cán bộ cũ")
    settings.put(conn, settings.REVIEW_YEAR, "2024")
    rng = random.Random(7)
    for no in range(1, n + 1):
        bundle = make_bundle(rng, "01954", 3, no)
        save_household_with_review(conn, bundle, new_review(bundle, 2024), "cb")
    count = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    conn.close()
    return count


def test_plain_database_is_converted_and_its_plain_copy_deleted_on_agreement(qtbot, tmp_path):
    path = tmp_path / "cu.sqlite"
    before = _plain_with_households(path)
    assert before == 4
    seen = {}

    def form(dlg):
        seen["intro"] = dlg.findChild(type(dlg.error_label), "intro_label").text()
        type_text(dlg.fields.display_edit, "Lý Văn Sơn")
        fill_first_user(dlg, "son.lv", PASSWORD)
        _click(qtbot, dlg.convert_button)

    def agree(dlg):
        seen["plain"] = [dlg.plain_list.item(i).text() for i in range(dlg.plain_list.count())]
        _click(qtbot, dlg.delete_button)

    done = drive_modals([(ConvertDialog, form), (RecoveryKeyDialog, _keep_key(seen)),
                         (ConvertDialog, lambda d: d.pages.currentIndex() == 1, agree)])
    window = app.open_window(path)
    try:
        assert done == ["ConvertDialog", "RecoveryKeyDialog", "ConvertDialog"]
        assert "CHƯA ĐƯỢC MÃ HOÁ" in seen["intro"]
        assert window is not None and "son.lv" in window.windowTitle()
        assert window.desk.conn.execute("SELECT count(*) FROM household").fetchone()[0] == before
        assert window._totals["households"] == before
        assert not users.is_plain_database(path)
        assert seen["plain"] and not any(__import__("pathlib").Path(p).exists() for p in seen["plain"])
        assert users.plain_leftovers(path) == [] and not window.plain_label.isVisible()
    finally:
        if window is not None:
            window.close()
        _close_windows(qtbot)


def test_declining_keeps_the_plain_copy_and_the_desk_reminds(qtbot, tmp_path):
    path = tmp_path / "cu.sqlite"
    _plain_with_households(path, 1)
    dlg = ConvertDialog(path)
    qtbot.addWidget(dlg)
    type_text(dlg.fields.display_edit, "Lý Văn Sơn")
    fill_first_user(dlg, "son.lv", PASSWORD)
    seen = {}
    drive_modals([(RecoveryKeyDialog, _keep_key(seen))])
    dlg.show()
    _click(qtbot, dlg.convert_button)
    qtbot.waitUntil(lambda: dlg.pages.currentIndex() == 1 or "Đang" not in dlg.error_label.text(), timeout=20_000)
    assert seen.get("key"), dlg.error_label.text()
    done = dlg.done_label.text()  # a sentence with its commas (numbers alone take the dot separator)
    assert done.startswith("Đã mã hoá: ") and " bảng, " in done and " dòng, kiểm tra khớp" in done
    assert done.endswith("Người dùng đầu tiên: Lý Văn Sơn (son.lv).")
    _click(qtbot, dlg.keep_button)
    left = users.plain_leftovers(path)
    assert left and left[0].exists()
    win = desk_window(qtbot, path)
    assert win.plain_label.isVisible() and "chưa mã hoá" in win.plain_label.text()
    win.close()


def test_idle_lock_keeps_the_open_editors_typed_text(qtbot, tmp_path):
    prefs.set_idle_lock_minutes(0.01)  # 0.6 s
    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path, review_year=2024)
    conn.close()
    win = desk_window(qtbot, path)
    win.add_village("Bản Nà Bưa")
    editor = win.new_household()
    qtbot.addWidget(editor)
    address = editor.household_form.widget("address")
    type_text(address, "Nhà số 7, Bản Nà Bưa")
    qtbot.waitUntil(lambda: win.idle_lock.screen is not None, timeout=5000)
    lock = win.idle_lock.screen
    assert lock.isVisible() and lock.isModal()
    assert editor.isVisible() and editor in win.editors
    lock.close()  # Alt+F4 does not unlock
    assert lock.isVisible()
    type_text(lock.password_edit, "sai-mat-khau-roi")
    _click(qtbot, lock.unlock_button)
    assert "Sai mật khẩu" in lock.error_label.text() and lock.isVisible()
    lock.password_edit.clear()
    type_text(lock.password_edit, TEST_PASSWORD)
    _click(qtbot, lock.unlock_button)
    assert win.idle_lock.screen is None and not lock.isVisible()
    assert address.text() == "Nhà số 7, Bản Nà Bưa"
    assert editor.windowTitle().startswith("*")  # still unsaved, still open
    editor.model.forget_changes()
    editor.close()
    win.close()


def test_a_ra_soat_vien_sees_confirm_round_and_decision_actions_disabled(qtbot, tmp_path):
    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path, review_year=2024)
    users.add_user(conn, "rasoat", "mat-khau-ra-soat", ["ra_soat_vien"], "Ma Văn Tùng")
    conn.close()
    keyring.forget()
    users.login(path, "rasoat", "mat-khau-ra-soat")
    win = desk_window(qtbot, path)
    assert "Ma Văn Tùng (rasoat)" in win.windowTitle() and "Rà soát viên" in win.user_label.text()
    act = win.confirm_household_action
    assert not act.isEnabled() and "Cán bộ giảm nghèo xã" in act.toolTip()
    assert win.add_household_action.isEnabled()
    assert not win.screen_actions["send_package"].isEnabled()
    assert not win.menu("Quản trị").menuAction().isVisible()
    assert win.screen_actions["own_password"].isVisible()
    win.screen_actions["rounds"].trigger()
    from bkdesk.ui.views.rounds_view import RoundsView

    view = win.findChildren(RoundsView)[-1]
    for button, role in ((view.confirm_all_button, "Cán bộ giảm nghèo xã"), (view.open_button, "Cán bộ giảm nghèo"),
                         (view.decision_button, "Lãnh đạo xã"), (view.meeting_button, "Cán bộ giảm nghèo xã"),
                         (view.unlock_review_button, "Lãnh đạo xã")):
        assert not button.isEnabled() and role in button.toolTip(), button.text()
    # a refusal that gets through (the button called anyway) is shown as its one line, nothing changes
    assert view.open_round("01954", 2024) is False
    assert "không có quyền" in view.message_label.text()
    win.close()
