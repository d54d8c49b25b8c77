"""Exit registration outcome: derived from the final class, never editable, summarised by unit."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bkdesk.model.review import exit_outcomes, rounds
from bkdesk.model.rules.records import ExitRegistration
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import review_in_round, save_exit_registration, save_review
from bkdesk.model.store.repo_rounds import add_household_event
from bkdesk.model.store.repo_villages import create_village
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle

USER = "Cán bộ kiểm thử"


# households.md §14, one row per line of the outcome table, then the refused combinations
OUTCOME_TABLE = [
    ("POOR", "thoat_ngheo", "NEAR_POOR", "exit_to_near", True),
    ("POOR", "thoat_ngheo", "NOT_POOR", "exit_above", True),
    ("POOR", "thoat_ngheo", "MIDDLE", "exit_above", True),
    ("POOR", "thoat_ngheo", "POOR", "not_exited_poor", False),
    ("NEAR_POOR", "thoat_can_ngheo", "NOT_POOR", "exit_near", True),
    ("NEAR_POOR", "thoat_can_ngheo", "MIDDLE", "exit_near", True),
    ("NEAR_POOR", "thoat_can_ngheo", "NEAR_POOR", "not_exited_near", False),
    ("NEAR_POOR", "thoat_can_ngheo", "POOR", "became_poor", False),
    ("POOR", "thoat_ngheo", None, "no_result", False),
    ("NEAR_POOR", "thoat_can_ngheo", None, "no_result", False),
    # refused: the target does not match the status at registration, whatever the result
    ("NEAR_POOR", "thoat_ngheo", "NEAR_POOR", "target_mismatch", False),
    ("NEAR_POOR", "thoat_ngheo", "NOT_POOR", "target_mismatch", False),
    ("POOR", "thoat_can_ngheo", "NOT_POOR", "target_mismatch", False),
    ("NOT_POOR", "thoat_ngheo", "NOT_POOR", "target_mismatch", False),
    ("MIDDLE", "thoat_can_ngheo", "MIDDLE", "target_mismatch", False),
    (None, "thoat_ngheo", "NOT_POOR", "target_mismatch", False),
]


@pytest.mark.parametrize("status, target, final, code, exited", OUTCOME_TABLE)
def test_outcome_table(status, target, final, code, exited):
    assert exit_outcomes.outcome_code(target, final, registered_status=status) == code
    assert (code in exit_outcomes.EXITED) is exited
    if code != "target_mismatch":
        assert exit_outcomes.outcome_code(target, None, absent=True, registered_status=status) == "absent"


def _setup(db, n=4):
    rng = random.Random(11)
    village = create_village(db, TEST_COMMUNE, "Thôn Nà Pài", USER)
    uids = []
    for i in range(n):
        b = make_bundle(rng, TEST_COMMUNE, no=i + 1)
        b.household.village_uid = village
        save_household(db, b, USER)
        uids.append(b.household.uid)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2023, USER)
    return uids, rnd


def _set_final(db, rnd, uid, final):
    review = review_in_round(db, uid, rnd.uid)
    review.final_class, review.record_status = final, "confirmed"
    save_review(db, review, USER)


def test_outcome_follows_final_class_and_cannot_be_edited_by_hand(db):
    uids, rnd = _setup(db, 1)
    _decide(db, uids[0], 2023, "POOR")  # on the 2023 poor list when it registers
    reg = save_exit_registration(db, ExitRegistration(uids[0], 2023, "thoat_ngheo", commitment=1), USER)
    # no setter anywhere: no field on the record, no column in the table, no write function in the module
    assert "outcome" not in {f.name for f in dataclasses.fields(ExitRegistration)}
    with pytest.raises(TypeError):
        ExitRegistration(uids[0], 2023, "thoat_ngheo", outcome="exit_above")
    assert "outcome" not in [r[1] for r in db.execute("PRAGMA table_info(exit_registration)")]
    assert not [n for n in dir(exit_outcomes) if n.startswith(("set", "save", "write", "update"))]
    assert exit_outcomes.registration_outcomes(db, 2023)[0].code == "no_result"
    _set_final(db, rnd, uids[0], "POOR")
    assert exit_outcomes.registration_outcomes(db, 2023)[0].code == "no_result"  # round not final yet
    rounds.finalise(db, rnd.uid, USER)
    assert exit_outcomes.registration_outcomes(db, 2023)[0].label == "Chưa thoát nghèo"
    # re-check after a complaint: the final class changes, the outcome follows
    rounds.unlock(db, rnd.uid, USER, "Phúc tra")
    _set_final(db, rnd, uids[0], "NEAR_POOR")
    rounds.finalise(db, rnd.uid, USER)
    assert exit_outcomes.registration_outcomes(db, 2023)[0].label == "Thoát nghèo – trở thành hộ cận nghèo"
    # and the registration never touches the final class
    reg.outcome_reason = "Ốm đau kéo dài"
    save_exit_registration(db, reg, USER)
    assert review_in_round(db, uids[0], rnd.uid).final_class == "NEAR_POOR"


def test_regular_decision_counts_and_periodic_supersedes(db):
    uids, rnd = _setup(db, 1)
    _decide(db, uids[0], 2023, "POOR")
    save_exit_registration(db, ExitRegistration(uids[0], 2023, "thoat_ngheo"), USER)
    from bkdesk.model.rules.records import Review

    save_review(db, Review(uids[0], 2023, "2023-05-15", TEST_COMMUNE, review_type="regular",
                           final_class="NOT_POOR", record_status="decided"), USER)
    out = exit_outcomes.registration_outcomes(db, 2023)[0]
    assert (out.code, out.source) == ("exit_above", "regular")
    _set_final(db, rnd, uids[0], "NEAR_POOR")
    rounds.finalise(db, rnd.uid, USER)
    out = exit_outcomes.registration_outcomes(db, 2023)[0]
    assert (out.code, out.source) == ("exit_to_near", "periodic")


def test_summary_registered_vs_exited_by_village_commune_district(db):
    uids, rnd = _setup(db, 4)
    targets = ["thoat_ngheo", "thoat_ngheo", "thoat_can_ngheo", "thoat_ngheo"]
    for uid, target in zip(uids, targets, strict=True):
        _decide(db, uid, 2023, "POOR" if target == "thoat_ngheo" else "NEAR_POOR")
        save_exit_registration(db, ExitRegistration(uid, 2023, target), USER)
    withdrawn = ExitRegistration(uids[3], 2024, "thoat_ngheo", withdrawn_date="2024-02-01", withdrawn_reason="Ốm")
    save_exit_registration(db, withdrawn, USER)
    for uid, final in zip(uids[:3], ["NOT_POOR", "POOR", "NOT_POOR"], strict=True):
        _set_final(db, rnd, uid, final)
    add_household_event(db, uids[3], "moved_out", "2023-06-01", USER)
    db.execute("UPDATE household SET status='moved_out' WHERE uid=?", (uids[3],))
    rounds.finalise(db, rnd.uid, USER)
    for level, key in (("commune", TEST_COMMUNE), ("district", "062"), ("village", None)):
        result = exit_outcomes.summary(db, 2023, level)
        row = result[key] if key else next(v for k, v in result.items() if k)
        assert (row.registered, row.registered_poor, row.registered_near) == (4, 3, 1)
        assert (row.exited, row.not_exited, row.by_code["absent"]) == (2, 1, 1)
        assert result[""].registered == 4
    assert exit_outcomes.summary(db, 2024)[""].withdrawn == 1


def _decide(db, uid, list_year, final, review_type="periodic", ref=None):
    from bkdesk.model.rules.records import Review

    save_review(db, Review(uid, list_year, ref or f"{list_year - 1}-09-01", TEST_COMMUNE, review_type=review_type,
                           final_class=final, record_status="decided"), USER)


def test_status_on_registration_date_sets_default_and_refuses_wrong_target(db, tmp_path):
    from bkdesk.errors import UserError
    from bkdesk.model.review.review_service import proposed_exit_registration, save_household_with_review
    from bkdesk.model.store.repo_households import get_household

    uids, rnd = _setup(db, 3)
    _decide(db, uids[0], 2023, "POOR")        # poor on the 2023 lists
    _decide(db, uids[1], 2023, "NEAR_POOR")   # near-poor on the 2023 lists
    _decide(db, uids[2], 2023, "POOR")
    _decide(db, uids[2], 2023, "NEAR_POOR", "regular", "2023-05-10")  # regular decision in May
    assert proposed_exit_registration(db, uids[0], 2023, "NEAR_POOR").target == "thoat_ngheo"
    assert proposed_exit_registration(db, uids[1], 2023, "POOR").target == "thoat_can_ngheo"
    # the status on the registration date, not the year-end class of the review being edited
    before = ExitRegistration(uids[2], 2023, "thoat_ngheo", registration_date="2023-02-01")
    after = ExitRegistration(uids[2], 2023, "thoat_ngheo", registration_date="2023-06-01")
    assert exit_outcomes.default_target(db, uids[2], before) == "thoat_ngheo"
    assert exit_outcomes.default_target(db, uids[2], after) == "thoat_can_ngheo"
    bundle = get_household(db, uids[1])
    wrong = ExitRegistration(uids[1], 2023, "thoat_ngheo", registration_date="2023-01-15")
    with pytest.raises(UserError, match="hộ cận nghèo: mục tiêu đăng ký phải là \"Thoát cận nghèo\""):
        save_household_with_review(db, bundle, None, USER, exit_reg=wrong)
    assert exit_outcomes.registration_outcomes(db, 2023) == []
    # a near-poor household registered to exit poverty (e.g. from an older package) is never an exit
    save_exit_registration(db, wrong, USER)
    for uid in uids:
        _set_final(db, rnd, uid, "NEAR_POOR")
    rounds.finalise(db, rnd.uid, USER)
    out = exit_outcomes.registration_outcomes(db, 2023)[0]
    assert out.code == "target_mismatch" and out.label.startswith("Đăng ký không hợp lệ")
    assert exit_outcomes.summary(db, 2023)[""].exited == 0
    # the list of registrations says so too, and never shows it as an exit
    import openpyxl

    from bkdesk.export.service import export

    xlsx = export(db, "dk_thoat_ngheo", TEST_COMMUNE, 2023, tmp_path / "dk.xlsx")
    cells = [str(v) for row in openpyxl.load_workbook(xlsx).worksheets[0].iter_rows(values_only=True)
             for v in row if v is not None]
    assert "Đăng ký không hợp lệ (mục tiêu không khớp tình trạng của hộ khi đăng ký)" in cells
    assert not any(c.startswith("Thoát nghèo -") for c in cells)


def test_household_on_no_list_cannot_register(db):
    from bkdesk.errors import UserError
    from bkdesk.model.review.review_service import save_household_with_review
    from bkdesk.model.store.repo_households import get_household

    uids, _ = _setup(db, 1)
    _decide(db, uids[0], 2023, "NOT_POOR")
    reg = ExitRegistration(uids[0], 2023, "thoat_ngheo", registration_date="2023-03-01")
    with pytest.raises(UserError, match="01/03/2023 hộ không có trong danh sách hộ nghèo hoặc hộ cận nghèo"):
        save_household_with_review(db, get_household(db, uids[0]), None, USER, exit_reg=reg)
    assert db.execute("SELECT count(*) FROM exit_registration").fetchone()[0] == 0
    ok = ExitRegistration(uids[0], 2023, "thoat_ngheo", registration_date="2023-03-01")
    _decide(db, uids[0], 2023, "POOR", "regular", "2023-02-01")
    save_household_with_review(db, get_household(db, uids[0]), None, USER, exit_reg=ok)
    assert db.execute("SELECT count(*) FROM exit_registration").fetchone()[0] == 1
