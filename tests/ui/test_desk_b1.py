"""B1 answers on the Rà soát tab when a points table is loaded.

The points table here is MADE UP for the test (tests/model/test_points_table.made_up_table, version
"GIẢ-ĐỊNH-1"): bkdesk ships no official point values."""

from __future__ import annotations

import json
import random

import pytest

from bkdesk.model.desk import DeskContext
from bkdesk.model.review.review_service import (
    B1_REGION_SETTING,
    new_review,
    points_table_for,
    reference_day,
    save_household_with_review,
    with_derived_answers,
)
from bkdesk.model.rules.units import area_of
from bkdesk.model.store import repo_points, settings
from bkdesk.model.store.repo_reviews import latest_review
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from tests.factories import make_bundle
from tests.model.rules.test_points_table import made_up_table
from tests.ui.helpers import type_text

BASE, Q2_A_POINTS = 50, 20  # the made-up table's base and "Kiên cố" points


def q1_points(members: int) -> int:  # the made-up table's bands for Q1 (household size)
    return 30 if members <= 2 else 10 if members <= 5 else -5


@pytest.fixture
def desk(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    bundle = make_bundle(random.Random(7), "01954", 3)
    bundle.housing.floor_area_m2 = 35.0  # Q5 (derived from floor area): >= 20 m² -> 6 made-up points
    review = new_review(bundle, 2024)
    save_household_with_review(db, bundle, review, "cb")
    area = area_of("01954", reference_day(review))
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    return win, bundle, review, area


def _editor(qtbot, win):
    editor = win.open_editor(win.model.uids[0], 2)
    qtbot.addWidget(editor)
    return editor


def test_no_table_no_b1_form(qtbot, desk):
    win, *_ = desk
    editor = _editor(qtbot, win)
    assert editor.review_tab.b1_panel is None
    assert editor.review_tab.findChildren(type(editor.review_tab.indicator_table))  # the indicators stay


def test_b1_answers_compute_a_and_officer_confirms_the_final(qtbot, desk, db):
    win, bundle, review, area = desk
    settings.put(db, B1_REGION_SETTING, "TEST")  # the made-up table's region
    uid = repo_points.store_points_table(db, made_up_table(area=area), "kiểm thử")
    editor = _editor(qtbot, win)
    panel = editor.review_tab.b1_panel
    assert panel is not None and "GIẢ-ĐỊNH-1" in panel.title()
    members = editor.state["review"]["members_count"]
    assert members == 3
    # derived answers are prefilled from the roster and the housing data
    assert panel.form.widget("Q1").text() == "3"
    assert panel.form.widget("Q5").text() == "35"
    assert editor.state["review"]["score_a_computed"] is None  # nothing answered yet
    q2 = panel.form.widget("Q2")
    q2.setCurrentIndex(q2.findData("a"))  # required single-choice question
    rv = editor.state["review"]
    expected = BASE + q1_points(3) + Q2_A_POINTS + 6
    assert rv["points_table_uid"] == uid and json.loads(rv["b1_answers"]) == {"Q2": "a"}
    assert rv["score_a_computed"] == expected
    assert rv["score_a_final"] == expected and rv["score_a_source"] == "computed"  # no paper total yet
    assert panel.computed_label.text() == f"<b>{expected}</b>"
    # a ticked multi-choice answer adds its points
    panel.form.fields[("b1", "Q3")].checks[1].setChecked(True)  # "Xe máy", 7 made-up points
    assert editor.state["review"]["score_a_computed"] == expected + 7
    # the paper total differs; the officer chooses it: a reason is required
    type_text(editor.review_tab.review_form.widget("score_a_paper"), "70")
    assert panel.paper_label.text() == "70"
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("paper_total"))
    rv = editor.state["review"]
    assert rv["score_a_final"] == 70 and rv["score_a_source"] == "paper_total"
    assert "phải ghi lý do" in panel.error_label.text() and not panel.error_label.isHidden()
    assert not editor.outcome.complete
    type_text(panel.reason_edit, "Phiếu giấy đã được hội nghị thôn thống nhất")
    assert panel.error_label.isHidden()
    # undo the reason: the error is back; redo
    editor.undo()
    assert "phải ghi lý do" in panel.error_label.text()
    editor.redo()
    assert editor.save()
    saved = latest_review(db, bundle.household.uid)
    assert saved.score_a_final == 70 and saved.score_a_source == "paper_total"
    assert saved.score_a_computed == expected + 7 and saved.points_table_uid == uid
    assert json.loads(saved.b1_answers) == {"Q2": "a", "Q3": ["xe"]}
    assert saved.score_a_reason.startswith("Phiếu giấy")


def test_typed_answer_overrides_the_derived_one(qtbot, desk, db):
    win, _bundle, _review, area = desk
    settings.put(db, B1_REGION_SETTING, "TEST")
    repo_points.store_points_table(db, made_up_table(area=area), "kiểm thử")
    editor = _editor(qtbot, win)
    panel = editor.review_tab.b1_panel
    panel.form.widget("Q2").setCurrentIndex(panel.form.widget("Q2").findData("b"))  # 0.5 made-up points
    type_text(panel.form.widget("Q1"), "0")  # "30" after the prefilled "3": 30 people, > 5 -> -5
    rv = editor.state["review"]
    assert json.loads(rv["b1_answers"]) == {"Q1": 30, "Q2": "b"}
    assert rv["score_a_computed"] == BASE - 5 + 0.5 + 6
    editor.model.forget_changes()  # leave without the save-or-discard question


def test_table_lookup_by_region_area_and_date(db):
    bundle = make_bundle(random.Random(1), "01954", 2)
    review = new_review(bundle, 2024)
    area = area_of("01954", reference_day(review))
    other = "rural" if area == "urban" else "urban"
    repo_points.store_points_table(db, made_up_table(region_code="TDMNPB", area=other), "kiểm thử")
    assert points_table_for(db, review) is None  # wrong area
    uid = repo_points.store_points_table(db, made_up_table(region_code="TDMNPB", area=area), "kiểm thử")
    assert points_table_for(db, review)[0] == uid  # default region TDMNPB [to confirm]
    settings.put(db, B1_REGION_SETTING, "TEST")
    assert points_table_for(db, review) is None


def test_derived_answers_keep_typed_ones():
    table = made_up_table()
    assert with_derived_answers(table, {}, 4, 18.5) == {"Q1": 4, "Q5": 18.5}
    assert with_derived_answers(table, {"Q1": 2}, 4, None) == {"Q1": 2}
