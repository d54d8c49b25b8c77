"""The editor helps the officer (issue: "the editor fights the officer"), driven like a person does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QMessageBox

from bkdesk.model.desk import DeskContext
from bkdesk.model.review.review_service import new_review, save_household_with_review
from bkdesk.model.store import repo_drafts, settings
from bkdesk.model.store.repo_households import count_households, get_household
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from tests.model.review.test_review_service import poor_bundle
from tests.ui.helpers import type_text


@pytest.fixture
def boxes(monkeypatch):
    shown = {"warning": [], "question": []}
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown["warning"].append(a[2])))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: shown["question"].append(a[2]) or QMessageBox.StandardButton.Discard))
    return shown


def _households(db, n=1, status=None):
    uids = []
    for i in range(n):
        bundle = poor_bundle()
        bundle.household.household_no = f"{i + 1:04d}"
        review = new_review(bundle, 2024)
        review.causes = {"1": "", "5": ""}
        save_household_with_review(db, bundle, review, "t")
        uids.append(bundle.household.uid)
    if status:
        db.execute("UPDATE review SET record_status=?", (status,))
    return uids


@pytest.fixture
def window(qtbot, db, db_path, boxes):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")

    def make():
        win = MainWindow(DeskContext(db_path, db))
        qtbot.addWidget(win)
        win.show()
        return win
    return make


def _open(qtbot, win, uid, tab=0):
    editor = win.open_editor(uid, tab)
    qtbot.addWidget(editor)
    return editor


def test_save_button_confirms_in_the_status_bars(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid)
    type_text(editor.household_form.widget("address"), " 2")
    assert editor.windowTitle().startswith("*")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "Đã lưu hộ 0001" in editor.status_bar.currentMessage()
    assert "Đã lưu hộ 0001" in win.statusBar().currentMessage()
    assert not editor.windowTitle().startswith("*")
    assert get_household(db, uid).household.address.endswith(" 2")
    qtbot.mouseClick(editor.close_button, Qt.MouseButton.LeftButton)
    assert editor.isHidden() and boxes["question"] == [] and boxes["warning"] == []


def test_save_and_next_opens_the_next_household(qtbot, db, window, boxes):
    uids = _households(db, 2)
    win = window()
    editor = _open(qtbot, win, uids[0])
    type_text(editor.household_form.widget("phone"), "0912345678")
    qtbot.mouseClick(editor.save_next_button, Qt.MouseButton.LeftButton)
    assert editor.isHidden()
    nxt = win.editors[-1]
    qtbot.addWidget(nxt)
    assert nxt is not editor and nxt.model.uid == uids[1] and nxt.isVisible()
    assert get_household(db, uids[0]).household.phone == "0912345678"


def test_error_clears_on_undo_and_save_works_again(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid)
    area = editor.household_form.widget("floor_area_m2")
    label = editor.household_form.fields[("housing", "floor_area_m2")].error_label
    area.selectAll()
    type_text(area, "abc")
    assert label.isVisible() and "số" in label.text()
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not label.isVisible() and area.text() == "40"
    type_text(editor.household_form.widget("address"), "!")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert boxes["warning"] == [] and not editor.dirty


def test_decided_review_opens_read_only_with_a_lock(qtbot, db, window, boxes):
    uid = _households(db, status="decided")[0]
    win = window()
    editor = _open(qtbot, win, uid)
    assert editor.lock_label.isVisible() and "ĐÃ KHÓA" in editor.lock_label.text()
    assert "[đã khóa]" in editor.windowTitle()
    assert editor.household_form.widget("address").isReadOnly()
    assert not editor.save_button.isEnabled() and not editor.review_tab.confirm_button.isEnabled()
    type_text(editor.household_form.widget("address"), "xyz")
    assert not editor.dirty
    editor.close()
    assert boxes["question"] == []


def test_year_needs_four_digits_and_impossible_dates_are_named(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid, 4)
    editor.exit_check.click()
    year = editor.exit_form.widget("registration_year")
    year.selectAll()
    type_text(year, "20252026")
    label = editor.exit_form.fields[("exit", "registration_year")].error_label
    assert label.isVisible() and "4 chữ số" in label.text()
    assert not editor.save() and boxes["warning"]
    year.selectAll()
    type_text(year, "2025")
    assert not label.isVisible()
    date = editor.exit_form.widget("registration_date")
    type_text(date, "31/02/2023")
    date_label = editor.exit_form.fields[("exit", "registration_date")].error_label
    assert "Ngày không tồn tại" in date_label.text()
    date.clear()
    type_text(date, "28/02/2023")
    assert not date_label.isVisible()


def test_implausible_member_shows_a_warning_with_its_reason(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid, 1)
    editor.roster_tab.select(2)
    birth = editor.roster_tab.member_form.widget("birth_date")
    birth.selectAll()
    type_text(birth, "1930")  # a daughter 50 years older than her father
    label = editor.roster_tab.member_form.fields[("member", "relation_to_head")].error_label
    assert label.isVisible() and "Lưu ý" in label.text() and "chủ hộ" in label.text()


def test_fields_that_do_not_apply_are_disabled(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid, 1)
    form = editor.roster_tab.member_form
    editor.roster_tab.select(0)  # 44 years old, has work
    assert not form.field_widget(("member", "malnourished")).isEnabled()
    assert not form.field_widget(("member", "seeking_work")).isEnabled()
    editor.roster_tab.select(2)  # 12 years old
    assert form.field_widget(("member", "malnourished")).isEnabled()


def test_first_save_of_an_incomplete_record_says_what_is_missing(qtbot, db, window, boxes):
    win = window()
    editor = win.new_household()
    qtbot.addWidget(editor)
    editor.tabs.setCurrentIndex(1)
    editor.roster_tab.add_button.click()
    type_text(editor.roster_tab.member_form.widget("full_name"), "Lý Văn Páo")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert count_households(db) == 1
    text = editor.info_label.text()
    assert editor.info_label.isVisible() and "còn thiếu" in text
    assert "Diện tích nhà ở" in text and "điểm A" in text and "Chưa xác nhận chỉ số" in text
    assert editor.tabs.currentIndex() == 0  # jumped to the first missing field: the floor area
    assert "(chưa hoàn thành)" in editor.status_bar.currentMessage()


def test_esc_on_an_untouched_new_household_just_closes(qtbot, db, window, boxes):
    win = window()
    editor = win.new_household()
    qtbot.addWidget(editor)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isHidden() and boxes["question"] == []
    assert count_households(db) == 0 and repo_drafts.list_drafts(db) == []


def test_list_shows_cause_names_status_and_filters_by_status(qtbot, db, window, boxes):
    _households(db, 2)
    db.execute("UPDATE review SET record_status='confirmed' WHERE household_no='0002'")
    win = window()
    m = win.model
    causes = m.index(0, m.column("causes"))
    assert m.data(causes) == "Không có đất sản xuất; Không có kiến thức về sản xuất, kinh doanh"
    assert m.data(causes, Qt.ItemDataRole.ToolTipRole) == "Mã nguyên nhân: 1, 5"
    statuses = [m.data(m.index(r, m.column("status"))) for r in range(2)]
    assert statuses[0].startswith("Đang nhập") and statuses[1] == "Đã xác nhận"
    win.status_combo.setCurrentIndex(win.status_combo.findData("confirmed"))
    assert m.rowCount() == 1 and m.data(m.index(0, m.column("household_no"))) == "0002"


def test_headers_fit_at_1366x768_also_with_focus(qtbot, db, window, boxes):
    _households(db)
    win = window()
    win.resize(1366, 740)
    win.table_view.setFocus()
    win.table_view.selectRow(0)
    header = win.table_view.horizontalHeader()
    font = QFont(header.font())
    font.setBold(True)  # the widest a header is drawn
    metrics = QFontMetrics(font)
    model = win.model
    cut = [col.label for c, col in enumerate(model.COLUMNS)
           if metrics.horizontalAdvance(model.headerData(c, Qt.Orientation.Horizontal)) + 16 + (16 if col.sort else 0)
           > header.sectionSize(c)]
    assert cut == []
    visible = header.sectionPosition(model.columnCount() - 1) + 100  # the last column shows 100 px at least
    assert visible <= win.table_view.viewport().width()
    assert not header.highlightSections()


def test_demo_database_is_marked_in_the_title(qtbot, db, window, boxes):
    assert "DỮ LIỆU MẪU" not in window().windowTitle()
    settings.put(db, settings.IS_DEMO, "1")
    assert "DỮ LIỆU MẪU" in window().windowTitle()


def test_woman_recorded_as_father_and_child_with_a_degree_are_flagged(qtbot, db, window, boxes):
    uid = _households(db)[0]
    win = window()
    editor = _open(qtbot, win, uid, 1)
    form = editor.roster_tab.member_form
    editor.roster_tab.select(1)  # Hoàng Thị Ánh, a woman
    relation = form.widget("relation_to_head")
    relation.setCurrentIndex(relation.findData("bo"))
    sex_label = form.fields[("member", "sex")].error_label
    assert sex_label.isVisible() and "Lưu ý" in sex_label.text() and "Bố" in sex_label.text()
    editor.roster_tab.select(2)  # 12 years old
    qualification = form.widget("vocational_qualification")
    qualification.setCurrentIndex(qualification.findData("cao_dang"))
    label = form.fields[("member", "vocational_qualification")].error_label
    assert label.isVisible() and "12 tuổi" in label.text()
    editor.model.forget_changes()


def _complete(db, no="0001"):
    from bkdesk.model.review.review_service import confirm_computed, fill_review

    bundle = poor_bundle()
    bundle.household.household_no = no
    review = new_review(bundle, 2024)
    review.score_a_paper = 120
    fill_review(None, bundle, review)
    confirm_computed(review)
    review.indicators["VL"].final = "not_deprived"
    review.indicators["VL"].reason = "Cả hai người lớn đều có việc làm"
    review.causes = {"1": ""}
    assert save_household_with_review(db, bundle, review, "t").complete
    return bundle.household.uid


def test_confirm_household_from_the_editor_and_from_the_list(qtbot, db, window, boxes):
    from bkdesk.model.review.rounds import open_periodic_round
    from bkdesk.model.store.repo_reviews import latest_review
    from tests.conftest import TEST_COMMUNE

    open_periodic_round(db, TEST_COMMUNE, 2024, "t")
    todo = _households(db)[0]  # 0001: an incomplete review
    done = _complete(db, "0002")
    win = window()
    editor = _open(qtbot, win, todo)
    qtbot.mouseClick(editor.confirm_household_button, Qt.MouseButton.LeftButton)
    assert editor.info_label.isVisible() and "chưa đủ" in editor.info_label.text()
    assert latest_review(db, todo).record_status == "draft"
    editor.close()
    editor = _open(qtbot, win, done)
    assert editor.confirm_household_button.isEnabled()
    qtbot.mouseClick(editor.confirm_household_button, Qt.MouseButton.LeftButton)
    assert "Đã xác nhận hộ 0002" in editor.status_bar.currentMessage()
    assert editor.record_status_label.text() == "Trạng thái: Đã xác nhận"
    assert not editor.confirm_household_button.isEnabled()
    assert latest_review(db, done).record_status == "confirmed"
    m = win.model
    assert m.data(m.index(m.uids.index(done), m.column("status"))) == "Đã xác nhận"
    type_text(editor.household_form.widget("address"), " 3")  # a confirmed review can still be corrected
    assert editor.save() and boxes["warning"] == []
    editor.close()
    win.table_view.selectRow(m.uids.index(todo))
    assert not win.confirm_current() and "chưa đủ" in boxes["warning"][-1]
