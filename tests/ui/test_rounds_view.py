"""Rounds screen: open a round, refusal shown inline, finalise, unlock only with a reason."""

from __future__ import annotations

import random

from bkdesk.model.store import audit
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import list_rounds, review_in_round, save_review
from bkdesk.ui.views.rounds_view import open_rounds
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle


def test_rounds_screen_open_then_steps_only_then_unlock(qtbot, db, db_path):
    """A periodic round is opened from the screen; it cannot be moved on or locked by the generic buttons
    (that would skip the decision record); a locked round is unlocked only with a reason, audited."""
    from bkdesk.model.review import rounds

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
    assert not view.advance_button.isEnabled() and not view.finalise_button.isEnabled()
    assert "quyết định công nhận" in view.finalise_button.toolTip()
    rnd = list_rounds(db)[0]
    review = review_in_round(db, b.household.uid, rnd.uid)
    review.final_class, review.record_status = "POOR", "confirmed"
    save_review(db, review, "x")
    rounds.finalise(db, rnd.uid, "x")  # as a script or an older database would have it
    view.reload()
    assert view.table.item(0, 5).text() == "Đã khóa"
    view.table.selectRow(0)
    assert not view.unlock_selected("")
    assert "lý do" in view.message_label.text()
    view.table.selectRow(0)
    assert view.unlock_selected("Sửa sai sót nhập liệu")
    assert view.table.item(0, 5).text() == ""
    assert any(r["reason"] == "Sửa sai sót nhập liệu" for r in audit.history(db, "review_round", rnd.uid))


def test_round_steps_from_the_screen(qtbot, db, db_path):
    """Counts per status per village; confirm a village (what is missing listed), a meeting refused inline
    while a household is unconfirmed, meeting, posting, decision, unlock one decided review only with a
    reason, close."""
    from bkdesk.model.review import rounds
    from bkdesk.model.store import settings
    from bkdesk.model.store.repo_villages import create_village
    from tests.model.review.test_round_lifecycle import USER, YEAR, enter, household
    from tests.ui.helpers import type_text

    settings.put(db, settings.REVIEW_YEAR, str(YEAR))
    village = create_village(db, TEST_COMMUNE, "Bản Nà Bưa", USER)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    good, late = household("0001", village, "Nguyễn Văn Đức"), household("0002", village, "Lý Văn An")
    enter(db, good, complete=True)
    enter(db, late, complete=False)
    dlg = open_rounds(None, db_path)
    qtbot.addWidget(dlg)
    view = dlg.rounds_view
    assert [view.status_table.item(0, c).text() for c in range(5)] == ["Bản Nà Bưa", "2", "0", "0", "0"]
    view.confirm_village_button.click()
    assert "Đã xác nhận 1 hộ" in view.message_label.text()
    assert view.report_text.toPlainText().startswith("Hộ 0002 (Lý Văn An): chưa phân loại được")

    def meeting(date: str):
        view.meeting_button.click()
        step = view.step_dialog
        type_text(step.date_edit, date)
        type_text(step.chair_edit, "Ma Văn Tùng")
        step.attendees_spin.setValue(30)
        step.agree_spin.setValue(20)
        step.ok_button().click()
        return step

    step = meeting("05/10/2024")
    assert "chưa được xác nhận" in step.error_label.text() and step.isVisible()
    step.reject()
    enter(db, late, complete=True, review=review_in_round(db, late.household.uid, rnd.uid))
    view.confirm_all_button.click()
    assert view.status_table.item(0, 2).text() == "2"
    step = meeting("31/09/2024")
    assert "không tồn tại" in step.error_label.text()
    step.date_edit.clear()
    type_text(step.date_edit, "05/10/2024")
    step.ok_button().click()
    assert not step.isVisible() and "05/10/2024: đạt" == view.status_table.item(0, 5).text()
    view.posting_button.click()
    type_text(view.step_dialog.from_edit, "07/10/2024")
    type_text(view.step_dialog.to_edit, "11/10/2024")
    view.step_dialog.ok_button().click()
    assert "Niêm yết" in view.state_label.text()
    view.decision_button.click()
    type_text(view.step_dialog.number_edit, "184/QĐ-UBND")
    type_text(view.step_dialog.date_edit, "14/12/2024")
    type_text(view.step_dialog.signer_edit, "Hà Văn Bình")
    view.step_dialog.ok_button().click()
    assert view.status_table.item(0, 3).text() == "2" and "184/QĐ-UBND" in view.state_label.text()
    view.unlock_review_button.click()
    type_text(view.step_dialog.household_edit, "0001")
    view.step_dialog.ok_button().click()
    assert "lý do" in view.step_dialog.error_label.text()
    type_text(view.step_dialog.reason_edit, "Sai điểm A")
    view.step_dialog.ok_button().click()
    assert review_in_round(db, good.household.uid, rnd.uid).record_status == "confirmed"
    assert any(r["reason"] == "Sai điểm A" for r in audit.history(db, "review",
                                                                   review_in_round(db, good.household.uid, rnd.uid).uid))
    view.close_round_button.click()
    assert view.table.item(0, 4).text() == "Đã đóng" and view.table.item(0, 5).text() == "Đã khóa"
