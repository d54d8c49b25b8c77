"""Transitions (households.md §12): a hand-built two-year scenario for every column of reports 2 and 3."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bkdesk.model.review import rounds
from bkdesk.model.review.transitions import (
    REPORT2_COLUMNS,
    REPORT3_COLUMNS,
    STATUSES,
    HouseholdTransition,
    count,
    household_transitions,
    list_flag,
    movements,
    transitions_by_unit,
)
from bkdesk.model.store import settings
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import review_in_round, save_review
from bkdesk.model.store.repo_rounds import add_household_event
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle

USER = "Cán bộ kiểm thử"

# name: (class in round 2021, class in round 2022, class in round 2023, persons 2022, persons 2023, event)
# None = no review in that round (household not there yet, or gone).
SCENARIO = {
    "pp": (None, "POOR", "POOR", 4, 5, None),              # nghèo cũ, +1 person -> poor "tăng khác" persons
    "pn": (None, "POOR", "NEAR_POOR", 3, 3, None),         # thoát nghèo -> cận nghèo; near: từ hộ nghèo
    "po": (None, "POOR", "NOT_POOR", 4, 4, None),          # thoát nghèo - vượt chuẩn
    "pm": (None, "POOR", "MIDDLE", 2, 2, None),            # MIDDLE counts as OTHER
    "pa": (None, "POOR", None, 3, None, ("moved_out", "2023-04-01")),  # giảm khác
    "np": (None, "NEAR_POOR", "POOR", 5, 6, None),         # poor: từ cận nghèo; near: trở thành hộ nghèo
    "prel": ("POOR", "NOT_POOR", "POOR", 4, 4, None),      # tái nghèo (poor in the 2022 list)
    "pnew": (None, "NOT_POOR", "POOR", 2, 3, None),        # phát sinh mới
    "pin": (None, None, "POOR", None, 5, ("moved_in", "2023-03-01")),  # tăng khác
    "nn": (None, "NEAR_POOR", "NEAR_POOR", 4, 3, None),    # cận nghèo cũ, -1 person -> near "giảm khác" persons
    "no": (None, "NEAR_POOR", "NOT_POOR", 3, 3, None),     # thoát cận nghèo
    "na": (None, "NEAR_POOR", None, 1, None, ("dissolved", "2023-08-01")),  # giảm khác
    "nrel": ("NEAR_POOR", "NOT_POOR", "NEAR_POOR", 3, 3, None),  # tái cận nghèo
    "nnew": (None, "NOT_POOR", "NEAR_POOR", 2, 2, None),   # cận nghèo phát sinh mới
    "nin": (None, None, "NEAR_POOR", None, 2, ("split_from", "2023-05-01")),  # tăng khác
    "oo": (None, "NOT_POOR", "NOT_POOR", 3, 3, None),      # in neither table
}

# Built by hand from SCENARIO (households, persons), report 2 columns a..i and report 3.
EXPECTED_POOR_HH = {"start": 5, "poor_exit_to_near": 1, "poor_exit_above": 2, "poor_decrease_other": 1,
                    "poor_from_near": 1, "poor_relapse": 1, "poor_new": 1, "poor_increase_other": 1, "end": 5}
EXPECTED_POOR_P = {"start": 16, "poor_exit_to_near": 3, "poor_exit_above": 6, "poor_decrease_other": 3,
                   "poor_from_near": 6, "poor_relapse": 4, "poor_new": 3, "poor_increase_other": 6, "end": 23}
EXPECTED_NEAR_HH = {"start": 4, "near_to_poor": 1, "near_exit_above": 1, "near_decrease_other": 1,
                    "near_from_poor": 1, "near_relapse": 1, "near_new": 1, "near_increase_other": 1, "end": 5}
EXPECTED_NEAR_P = {"start": 13, "near_to_poor": 5, "near_exit_above": 3, "near_decrease_other": 2,
                   "near_from_poor": 3, "near_relapse": 3, "near_new": 2, "near_increase_other": 2, "end": 13}


def _classify(db, rnd, hh_uid, final, persons):
    review = review_in_round(db, hh_uid, rnd.uid)
    review.computed_class = review.final_class = final
    review.record_status = "confirmed"
    review.members_count = persons
    save_review(db, review, USER)


def _remove_from_round(db, rnd, hh_uid):
    with transaction(db):
        db.execute("DELETE FROM review WHERE household_uid=? AND round_uid=?", (hh_uid, rnd.uid))


def build_scenario(db) -> dict[str, str]:
    rng = random.Random(7)
    uids = {}
    for n, name in enumerate(SCENARIO, start=1):
        bundle = make_bundle(rng, TEST_COMMUNE, n_members=2, no=n)
        save_household(db, bundle, USER)
        uids[name] = bundle.household.uid
    for year, col in ((2021, 0), (2022, 1), (2023, 2)):
        for name, spec in SCENARIO.items():  # events happen before the round that sees them
            if spec[5] and year == 2023:
                add_household_event(db, uids[name], spec[5][0], spec[5][1], USER)
                if spec[5][0] in ("moved_out", "dissolved"):
                    with transaction(db):
                        db.execute("UPDATE household SET status=? WHERE uid=?",
                                   ("moved_out" if spec[5][0] == "moved_out" else "dissolved", uids[name]))
        rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, year, USER)
        for name, spec in SCENARIO.items():
            final = spec[col]
            if review_in_round(db, uids[name], rnd.uid) is None:
                continue
            if final is None and col < 2:
                _remove_from_round(db, rnd, uids[name])  # not resident yet
                continue
            persons = spec[3] if year == 2022 else spec[4] if year == 2023 else 2
            _classify(db, rnd, uids[name], final or "NOT_POOR", persons)
        if year < 2023:
            rounds.finalise(db, rnd.uid, USER)
    return uids


def test_two_year_scenario_every_column_of_reports_2_and_3(db):
    build_scenario(db)
    result = transitions_by_unit(db, 2023)
    unit = result[TEST_COMMUNE]
    assert unit.poor.households == EXPECTED_POOR_HH
    assert unit.poor.persons == EXPECTED_POOR_P
    assert unit.near.households == EXPECTED_NEAR_HH
    assert unit.near.persons == EXPECTED_NEAR_P
    assert tuple(unit.poor.households) == REPORT2_COLUMNS and tuple(unit.near.households) == REPORT3_COLUMNS
    assert unit.poor.identity_errors() == [] and unit.near.identity_errors() == []
    assert result[""].poor.households == EXPECTED_POOR_HH and result[""].unresolved == []


def test_start_status_carried_forward_when_round_opens(db):
    uids = build_scenario(db)
    rnd = rounds.find_round(db, TEST_COMMUNE, "periodic", 2023)
    start = {name: review_in_round(db, uid, rnd.uid).start_status for name, uid in uids.items()
             if review_in_round(db, uid, rnd.uid)}
    assert start["pp"] == "POOR" and start["np"] == "NEAR_POOR" and start["oo"] == "OTHER"
    assert start["pin"] == "ABSENT" and start["nin"] == "ABSENT"
    assert "pa" not in start and "na" not in start  # gone: not carried into the new round


def test_unreviewed_household_is_reported_and_not_counted(db):
    uids = build_scenario(db)
    rnd = rounds.find_round(db, TEST_COMMUNE, "periodic", 2023)
    review = review_in_round(db, uids["oo"], rnd.uid)
    review.record_status, review.final_class = "draft", None
    save_review(db, review, USER)
    rows, unresolved = household_transitions(db, 2023)
    assert unresolved == [uids["oo"]]
    assert transitions_by_unit(db, 2023)[TEST_COMMUNE].poor.households == EXPECTED_POOR_HH


def test_relapse_look_back_window_is_a_setting(db):
    build_scenario(db)
    settings.put_many(db, {"relapse_lookback_years": "1"})  # only the 2023 start list: 2021 review too old
    unit = transitions_by_unit(db, 2023)[TEST_COMMUNE]
    assert unit.poor.households["poor_relapse"] == 0 and unit.poor.households["poor_new"] == 2
    assert unit.near.households["near_relapse"] == 0 and unit.near.households["near_new"] == 2
    settings.put_many(db, {"relapse_lookback_years": ""})  # default: the standard period (list years 2022+)
    assert transitions_by_unit(db, 2023)[TEST_COMMUNE].poor.households["poor_relapse"] == 1


def test_list_flags(db):
    build_scenario(db)
    rows, _ = household_transitions(db, 2023)
    flags = sorted(list_flag(r) for r in rows if r.end == "POOR")
    assert flags == ["Nghèo cũ", "Nghèo mới", "Nghèo mới", "Nghèo mới", "Tái nghèo"]


@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.sampled_from(STATUSES), st.booleans(), st.booleans(),
                          st.integers(1, 9), st.integers(1, 9)), max_size=40))
def test_identity_holds_for_any_population(items):
    rows = []
    for n, (start, end, wp, wn, ps, pe) in enumerate(items):
        if start == end == "ABSENT":
            continue
        pc, nc = movements(start, end, wp, wn)
        rows.append(HouseholdTransition(str(n), "x", None, start, end, pc, nc,
                                        0 if start == "ABSENT" else ps, 0 if end == "ABSENT" else pe))
    unit = count(rows)
    assert unit.poor.identity_errors() == [] and unit.near.identity_errors() == []
    assert unit.poor.households["end"] == sum(1 for r in rows if r.end == "POOR")
    assert unit.near.households["start"] == sum(1 for r in rows if r.start == "NEAR_POOR")


def test_poor_to_near_is_in_both_tables():
    assert movements("POOR", "NEAR_POOR") == ("poor_exit_to_near", "near_from_poor")
    assert movements("NEAR_POOR", "POOR") == ("poor_from_near", "near_to_poor")
    assert movements("OTHER", "OTHER") == (None, None)
    with pytest.raises(ValueError):
        movements("POOR", "MIDDLE")
