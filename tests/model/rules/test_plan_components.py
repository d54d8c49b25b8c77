"""Support needs by plan component: the mapping is data; counts per unit with registered households first."""

from __future__ import annotations

import random

import pytest

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.rules.plan_components import component_map, parse_component_map
from bkdesk.model.rules.records import ExitRegistration, IndicatorValue
from bkdesk.model.rules.standards import shipped_standard
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import review_in_round, save_exit_registration, save_review
from bkdesk.model.store.repo_targets import component_needs
from tests.conftest import TEST_COMMUNE
from tests.factories import make_bundle

USER = "Cán bộ kiểm thử"


def test_mapping_covers_every_indicator_cause_and_need_of_the_standard():
    cmap = component_map()
    std = shipped_standard("vn-2022-2026")
    assert {i["code"] for i in std.data["indicators"]} == set(cmap.indicators)
    assert set(cmap.causes) == {str(n) for n in range(1, 9)}
    assert {"YT", "GD", "SX", "TD", "NO", "KH"} == set(cmap.needs)
    assert cmap.components_of({"CLNO"}, set(), {"TD"}) == {"DA5", "1.4", "1.1"}


def test_bad_mapping_file_is_rejected():
    with pytest.raises(UserError, match="hợp phần không có"):
        parse_component_map({"format": "bkdesk-plan-components", "format_version": 1,
                             "components": [{"code": "1.1", "label_vi": "x"}], "indicators": {"VL": ["DA9"]},
                             "causes": {}, "needs": {}}, "x.json")


def test_counts_per_unit_registered_first(db):
    rng = random.Random(5)
    uids = []
    for i in range(3):
        b = make_bundle(rng, TEST_COMMUNE, no=i + 1)
        save_household(db, b, USER)
        uids.append(b.household.uid)
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, 2022, USER)
    specs = [("POOR", {"CLNO"}, {"2"}, {"NO"}), ("NEAR_POOR", {"BHYT"}, {"7"}, set()),
             ("NOT_POOR", {"CLNO"}, set(), set())]
    for uid, (final, deps, causes, needs) in zip(uids, specs, strict=True):
        r = review_in_round(db, uid, rnd.uid)
        r.final_class, r.record_status = final, "confirmed"
        r.indicators = {c: IndicatorValue("deprived", "deprived") for c in deps}
        r.causes = dict.fromkeys(causes, "")
        r.needs = dict.fromkeys(needs, "")
        save_review(db, r, USER)
    save_exit_registration(db, ExitRegistration(uids[0], 2023, "thoat_ngheo"), USER)
    result = component_needs(db, 2022)
    unit = result[TEST_COMMUNE]
    assert (unit.households, unit.registered) == (2, 1)  # NOT_POOR is not counted
    assert unit.need_all["DA5"] == 1 and unit.need_registered["DA5"] == 1
    assert unit.need_all["1.3"] == 1 and unit.need_registered["1.3"] == 0
    assert unit.need_all["1.1"] == 1 and unit.need_all["DA2"] == 1
    assert result[""].need_all == unit.need_all
