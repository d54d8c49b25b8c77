"""The income procedure in the desk: a farm household's 12-month income typed in the review tab makes it
middle-living with the income in the reasons; the members the decree covers get the suggested flag."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt

from bkdesk.model.store.repo_households import get_household
from bkdesk.model.store.repo_reviews import latest_review
from tests.ui.helpers import type_text
from tests.ui.test_desk_flow import _vietnamese, enter_household, make_desk, pick  # noqa: F401 (fixture)


def test_income_fields_make_a_farm_household_middle_living(qtbot, tmp_path, monkeypatch):
    win = make_desk(qtbot, tmp_path, monkeypatch)
    editor = enter_household(qtbot, win)
    rt = editor.review_tab
    editor.tabs.setCurrentIndex(2)
    type_text(rt.review_form.widget("score_a_paper"), "200")
    rt.confirm_button.click()
    pick(rt.final_combos["VL"], "not_deprived")
    type_text(rt.reason_edits["VL"], "Hai người lớn đều có việc làm")
    assert "Hộ không nghèo" in rt.banner_label.text()
    pick(rt.review_form.widget("nlndn"), "1")
    type_text(rt.review_form.widget("income_12m_vnd"), "90000000")  # 2,500,000 a month for 3 people
    type_text(rt.review_form.widget("members_counted"), "3")
    banner = html.unescape(rt.banner_label.text())
    assert "Hộ có mức sống trung bình" in banner
    assert "I = 2.500.000 đồng/người/tháng" in banner and "2.000.000 < I ≤ 3.000.000 (thành thị)" in banner
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not editor.windowTitle().startswith("*"), timeout=3000)
    uid = editor.state["household"]["uid"]
    review = latest_review(win.desk.conn, uid)
    assert (review.final_class, review.income_12m_vnd, review.members_counted) == ("MIDDLE", 90_000_000, 3)
    assert review.nlndn_middle_recognised == 1
    editor.close()
    # the review of 2024 (reference date 01/09/2024) is before Decree 30/2025: no worker is suggested yet
    assert [m.low_income_worker for m in get_household(win.desk.conn, uid).members] == [None, None, None]
