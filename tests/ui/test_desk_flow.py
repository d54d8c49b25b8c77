"""End to end through the widgets: wizard -> village -> household with three members -> review ->
"Hộ nghèo" banner -> save -> search "nguyen" -> reopen, change an indicator, undo, redo, save -> audit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from bkdesk.model.store import audit
from bkdesk.model.store.repo_reviews import latest_review
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from bkdesk.ui.views.wizard import FirstRunWizard
from tests.conftest import TEST_USER
from tests.ui.helpers import fill_first_user, type_text


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch):
    i18n.set_language("vi")
    shown = []
    # No modal box may block an offscreen test: record warnings, discard on "close unsaved?".
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    return shown


def pick(combo, code) -> None:
    i = combo.findData(code)
    assert i >= 0, (combo.objectName(), code)
    combo.setCurrentIndex(i)


def make_desk(qtbot, tmp_path, monkeypatch) -> MainWindow:
    path = tmp_path / "desk.sqlite"
    wizard = FirstRunWizard(path)
    qtbot.addWidget(wizard)
    type_text(wizard.commune_search_edit, "van tung")
    assert "Vân Tùng" in wizard.commune_list.currentItem().text()
    type_text(wizard.officer_edit, "Hoàng Thị Thắm")
    fill_first_user(wizard)
    wizard.year_spin.setValue(2024)
    wizard.buttons.button(wizard.buttons.StandardButton.Ok).click()
    assert wizard.conn is not None and path.exists()
    win = MainWindow(wizard.conn, path)
    qtbot.addWidget(win)
    win.show()
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Bản Nà Bưa", True)))
    next(a for a in win.toolbar.actions() if a.text() == "Thêm thôn").trigger()
    assert win.village_tree.topLevelItem(0).child(0).text(0) == "Bản Nà Bưa"
    return win


def fill_member(editor, name: str, sex: str, born: str, relation: str, child: bool = False) -> None:
    form = editor.roster_tab.member_form
    type_text(form.widget("full_name"), name)
    pick(form.widget("sex"), sex)
    type_text(form.widget("birth_date"), born)
    pick(form.widget("relation_to_head"), relation)
    pick(form.widget("ethnicity"), "02")
    pick(form.widget("health_insurance"), "1")
    pick(form.widget("dependant"), "1" if child else "0")
    if child:
        pick(form.widget("labour_status"), "dang_di_hoc")
        pick(form.widget("currently_studying"), "1")
        pick(form.widget("malnourished"), "0")
    else:
        pick(form.widget("labour_status"), "co_viec_lam")
        pick(form.widget("highest_general_education"), "thcs")


def enter_household(qtbot, win: MainWindow):
    next(a for a in win.toolbar.actions() if a.text() == "Thêm hộ").trigger()
    editor = win.editors[-1]
    qtbot.addWidget(editor)
    hf = editor.household_form
    pick(hf.widget("village_uid"), win.village_tree.topLevelItem(0).child(0).data(0, Qt.ItemDataRole.UserRole))
    type_text(hf.widget("address"), "Nhà số 5, Bản Nà Bưa")
    for key, value in (("no_house", "0"), ("wall_durable", "0"), ("frame_durable", "0"), ("roof_durable", "1"),
                       ("water_source", "other"), ("latrine_type", "none"), ("phone_subscription", "1"),
                       ("internet_use", "0"), ("loudspeaker_audible", "1")):
        pick(hf.widget(key), value)
    type_text(hf.widget("floor_area_m2"), "40,5")
    editor.tabs.setCurrentIndex(1)
    editor.roster_tab.add_button.click()
    fill_member(editor, "Nguyễn Văn Đức", "1", "02/05/1980", "chu_ho")
    qtbot.keyClick(editor.roster_tab.member_form.widget("full_name"), Qt.Key.Key_Return)
    fill_member(editor, "Hoàng Thị Ánh", "2", "10/01/1983", "vo")
    qtbot.keyClick(editor.roster_tab.member_form.widget("full_name"), Qt.Key.Key_Return)
    fill_member(editor, "Nguyễn Thị Yến", "2", "03/03/2012", "con", child=True)
    assert [m["full_name"] for m in editor.state["members"]] == ["Nguyễn Văn Đức", "Hoàng Thị Ánh", "Nguyễn Thị Yến"]
    assert editor.roster_tab.roster_table.rowCount() == 3
    return editor


def test_desk_end_to_end(qtbot, tmp_path, monkeypatch):
    win = make_desk(qtbot, tmp_path, monkeypatch)
    editor = enter_household(qtbot, win)
    assert editor.windowTitle().startswith("*")
    rt = editor.review_tab
    editor.tabs.setCurrentIndex(2)
    type_text(rt.review_form.widget("score_a_paper"), "120")
    rt.confirm_button.click()
    pick(rt.final_combos["VL"], "not_deprived")
    type_text(rt.reason_edits["VL"], "Hai người lớn đều có việc làm")
    editor.tabs.setCurrentIndex(3)
    editor.causes_tab.cause_boxes["1"].click()
    banner = rt.banner_label.text()
    assert "Hộ nghèo" in banner
    assert "thiếu hụt 3 chỉ số" in banner and "Chất lượng nhà ở" in banner and "Nguồn nước" in banner
    assert "A = 120 ≤ 175 (thành thị)" in banner  # Vân Tùng is urban since 2023
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.windowTitle().startswith("*"), timeout=3000)
    uid = editor.state["household"]["uid"]
    review = latest_review(win.desk.conn, uid)
    assert review.final_class == "POOR" and review.deprivation_count == 3
    editor.close()

    type_text(win.search_edit, "nguyen")
    qtbot.waitUntil(lambda: win.model.filter.search == "nguyen", timeout=3000)
    assert win.model.uids == [uid]
    assert win.model.data(win.model.index(0, win.model.column("head"))) == "Nguyễn Văn Đức"
    assert win.model.data(win.model.index(0, win.model.column("class"))) == "Hộ nghèo"
    assert "Hộ nghèo: 1" in win.totals_label.text()
    win.search_edit.clear()
    type_text(win.search_edit, "khong ai ten nay")
    qtbot.waitUntil(lambda: win.model.rowCount() == 0, timeout=3000)

    win.search_edit.clear()
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=3000)
    win.table_view.setCurrentIndex(win.model.index(0, 0))
    win.edit_current()
    editor = win.editors[-1]
    qtbot.addWidget(editor)
    rt = editor.review_tab
    assert rt.final_combos["NSH"].currentData() == "deprived"
    pick(rt.final_combos["NSH"], "not_deprived")
    type_text(rt.reason_edits["NSH"], "Nước khe đã được bảo vệ")
    assert "Hộ cận nghèo" in rt.banner_label.text()
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # reason typing undone
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the override undone
    assert rt.final_combos["NSH"].currentData() == "deprived" and "Hộ nghèo" in rt.banner_label.text()
    assert not editor.windowTitle().startswith("*")
    qtbot.keyClick(editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert rt.final_combos["NSH"].currentData() == "not_deprived"
    assert rt.reason_edits["NSH"].text() == "Nước khe đã được bảo vệ"
    assert editor.windowTitle().startswith("*")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.windowTitle().startswith("*"), timeout=3000)
    review = latest_review(win.desk.conn, uid)
    assert review.indicators["NSH"].final == "not_deprived" and review.final_class == "NEAR_POOR"
    rows = [r for r in audit.history(win.desk.conn, "review", review.uid) if r["field"] == "indicators"]
    assert len(rows) == 2 and "Nước khe đã được bảo vệ" in rows[-1]["new_value"]
    assert rows[-1]["user"] == TEST_USER  # the logged-in user (issue 16), the wizard's first user
