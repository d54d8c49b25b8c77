"""Rounds screen: open a round, refusal shown inline, finalise, unlock only with a reason."""

from __future__ import annotations

import random

from bkdesk.model.store import audit
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import list_rounds, review_in_round, save_review
from bkdesk.ui.views.rounds_view import open_rounds
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle


def test_rounds_screen_open_finalise_unlock(qtbot, db, db_path):
    b = make_bundle(random.Random(1), TEST_COMMUNE)
    save_household(db, b, "x")
    dlg = open_rounds(None, db_path)
    qtbot.addWidget(dlg)
    view = dlg.rounds_view
    view.year_spin.setValue(2022)
    view.open_button.click()
    assert "chuyển 1 hộ" in view.message_label.text() and view.table.rowCount() == 1
    assert view.table.item(0, 4).text() == "Lập kế hoạch"
    view.table.selectRow(0)
    view.finalise_button.click()
    assert "1 hộ chưa rà soát" in view.message_label.text()
    rnd = list_rounds(db)[0]
    review = review_in_round(db, b.household.uid, rnd.uid)
    review.final_class, review.record_status = "POOR", "confirmed"
    save_review(db, review, "x")
    view.finalise_button.click()
    assert view.table.item(0, 5).text() == "Đã khóa"
    view.table.selectRow(0)
    assert not view.unlock_selected("")
    assert "lý do" in view.message_label.text()
    view.table.selectRow(0)
    assert view.unlock_selected("Sửa sai sót nhập liệu")
    assert view.table.item(0, 5).text() == ""
    assert any(r["reason"] == "Sửa sai sót nhập liệu" for r in audit.history(db, "review_round", rnd.uid))
