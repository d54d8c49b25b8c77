"""Hộ gia đình > Xóa hộ (nhập nhầm)... driven as an officer does: select the household in the table, open the
action, read which household it is, type the reason, confirm; the household leaves the table and the counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from bkdesk.model.store import users
from bkdesk.ui import i18n
from bkdesk.ui.strings_en import EN
from bkdesk.ui.views.remove_household import RemoveHouseholdDialog
from tests.model.review.test_household_remove import REASON, _decide, commune
from tests.ui.helpers import desk_window, drive_modals, protected_database, type_text

LITERAL = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)')


@pytest.fixture
def desk(qtbot, tmp_path):
    """The desk on a protected commune database (its first user logged in) with 0001 and 0002 typed twice."""
    i18n.set_language("vi")
    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path)
    try:
        village, first, twice = commune(conn)
    finally:
        conn.close()
    win = desk_window(qtbot, path)
    return win, path, village, first, twice


def _select(qtbot, win, uid: str) -> None:
    row = win.model.uids.index(uid)
    rect = win.table_view.visualRect(win.model.index(row, 1))
    qtbot.mouseClick(win.table_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.current_uid() == uid


def _action(win):
    action = win.screen_actions["remove_household"]
    assert action in win.menu("Hộ gia đình").actions() and action in win.table_view.actions()  # menu, context
    return action


def test_remove_a_household_typed_twice(qtbot, desk):
    win, _path, _village, first, twice = desk
    action = _action(win)
    assert win.model.uids == [first, twice] and not action.isEnabled()  # nothing selected yet
    _select(qtbot, win, twice)
    assert action.isEnabled()
    seen = {}

    def confirm(dlg: RemoveHouseholdDialog) -> None:
        seen["label"] = dlg.household_label.text()
        seen["enabled_before"] = dlg.remove_button.isEnabled()
        type_text(dlg.reason_edit, REASON)
        qtbot.mouseClick(dlg.remove_button, Qt.MouseButton.LeftButton)

    done = drive_modals([(RemoveHouseholdDialog, confirm)])
    action.trigger()
    qtbot.waitUntil(lambda: done == ["RemoveHouseholdDialog"] and QApplication.activeModalWidget() is None)
    assert seen == {"label": "Xóa hộ 0002 - chủ hộ Nguyễn Văn Đức?", "enabled_before": False}
    assert win.model.uids == [first]
    assert win.model.rowCount() == 1 and win.model.data(win.model.index(0, 0)) == "0001"
    assert "Đang hiện 1 / 1 hộ" in win.totals_label.text()
    assert win.statusBar().currentMessage().startswith("Đã xóa hộ 0002 (Nguyễn Văn Đức)")
    assert not action.isEnabled()  # the list was re-read: nothing selected
    reasons = {r[0] for r in win.desk.conn.execute("SELECT reason FROM audit_log WHERE action='delete'")}
    assert reasons == {REASON}


def test_cancel_changes_nothing(qtbot, desk):
    win, _path, _village, first, twice = desk
    _select(qtbot, win, twice)
    done = drive_modals([(RemoveHouseholdDialog, lambda dlg: qtbot.mouseClick(dlg.cancel_button,
                                                                              Qt.MouseButton.LeftButton))])
    _action(win).trigger()
    qtbot.waitUntil(lambda: done == ["RemoveHouseholdDialog"])
    assert win.model.uids == [first, twice]


def test_a_decided_round_shows_the_models_refusal(qtbot, desk, monkeypatch):
    win, _path, village, first, twice = desk
    _decide(win.desk.conn, village)
    win.desk.announce("households_changed")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append((a[1], a[2]))))
    _select(qtbot, win, twice)
    _action(win).trigger()
    assert len(shown) == 1 and shown[0][0] == "Không xóa được hộ"
    assert shown[0][1].startswith("Không xóa được hộ 0002 (Nguyễn Văn Đức): ") and "quyết định" in shown[0][1]
    assert win.model.uids == [first, twice]


def test_disabled_for_a_role_that_may_not_edit(qtbot, tmp_path):
    i18n.set_language("vi")
    path = tmp_path / "xa.sqlite"
    conn, _prot = protected_database(path)
    try:
        commune(conn)
        users.add_user(conn, "lanhdao", "mat-khau-lanh-dao", ["lanh_dao_xa"], "Hà Văn Bình")
    finally:
        conn.close()
    users.logout(path)
    users.login(path, "lanhdao", "mat-khau-lanh-dao")
    win = desk_window(qtbot, path)
    action = _action(win)
    _select(qtbot, win, win.model.uids[1])
    assert not action.isEnabled() and "Cần vai trò" in action.toolTip()


def test_every_text_of_the_dialog_is_vietnamese_and_has_its_english(qtbot, desk):
    win, _path, _village, _first, twice = desk
    dlg = RemoveHouseholdDialog(win.desk, twice, win)
    qtbot.addWidget(dlg)
    dlg.show()
    from tests.ui.test_desk_language import english_only, visible_texts

    texts = visible_texts(dlg)
    assert not [t for t in texts if t in english_only()] and "Lý do xóa (bắt buộc):" in texts
    source = (Path(__file__).resolve().parents[2] / "bkdesk" / "ui" / "views" / "remove_household.py").read_text(
        encoding="utf-8")
    assert [lit for lit in LITERAL.findall(source) if lit not in EN] == []
    assert "Xóa hộ (nhập nhầm)..." in EN
