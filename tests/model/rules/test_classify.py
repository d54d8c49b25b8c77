"""Classification per standards.md §8 and the reference cases of §9."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bkdesk.errors import UserError
from bkdesk.model.rules import classify as c
from bkdesk.model.rules.standards import shipped_standard
from bkdesk.model.store.repo_standards import standard_for_list_year

STD = shipped_standard("vn-2022-2026")
CODES = STD.indicator_codes
RURAL, URBAN = "01954", "01954"  # Vân Tùng: rural on 1/9/2022, urban on 1/9/2023
RURAL_REF, URBAN_REF = dt.date(2022, 9, 1), dt.date(2023, 9, 1)


def finals(d: int) -> dict:
    return {code: ("deprived" if i < d else "not_deprived") for i, code in enumerate(CODES)}


def run(area, a, d, **kw):
    if area == "rural":
        return c.classify(2023, RURAL, RURAL_REF, a, finals(d), **kw)
    return c.classify(2024, URBAN, URBAN_REF, a, finals(d), **kw)


@pytest.mark.parametrize("area, a, d, b, expected", [
    ("rural", 140, 3, 30, c.POOR),
    ("rural", 140, 2, 20, c.NEAR_POOR),
    ("rural", 141, 12, 120, c.NOT_POOR),
    ("rural", 0, 0, 0, c.NEAR_POOR),
    ("urban", 175, 3, 30, c.POOR),
    ("urban", 176, 3, 30, c.NOT_POOR),
    ("urban", 150, 0, 0, c.NEAR_POOR),
    ("rural", 150, 3, 30, c.NOT_POOR),
    ("urban", 150, 3, 30, c.POOR),
])
def test_score_method_table(area, a, d, b, expected):
    res = run(area, a, d)
    assert (res.cls, res.score_b, res.deprivation_count, res.area) == (expected, b, d, area)
    assert (res.standard_id, res.revision) == ("vn-2022-2026", 2)


@pytest.mark.parametrize("review_year, expected, area", [(2022, c.NOT_POOR, "rural"), (2023, c.POOR, "urban")])
def test_van_tung_2022_vs_2023(review_year, expected, area):
    list_year = review_year + 1
    res = c.classify(list_year, "01954", dt.date(review_year, 9, 1), 150, finals(3))
    assert (res.cls, res.area) == (expected, area)


def test_reasons_text_vi_and_en():
    f = finals(0) | {k: "deprived" for k in ("VL", "BHYT", "CLNO", "NTHVS")}
    res = c.classify(2023, RURAL, RURAL_REF, 132, f)
    assert res.reasons() == ("A = 132 ≤ 140 (nông thôn); B = 40 ≥ 30 (thiếu hụt 4 chỉ số: Việc làm, Bảo hiểm y tế, "
                             "Chất lượng nhà ở, Nhà tiêu hợp vệ sinh) → Hộ nghèo")
    assert res.reasons("en").endswith("→ Poor household") and "(rural)" in res.reasons("en")
    near = run("urban", 150, 0)
    assert near.reasons() == "A = 150 ≤ 175 (thành thị); B = 0 < 30 (không thiếu hụt chỉ số nào) → Hộ cận nghèo"
    assert run("rural", 150, 3).reasons() == "A = 150 > 140 (nông thôn) → Hộ không nghèo (vượt chuẩn cận nghèo)"


def test_pending_cases_name_what_is_missing():
    res = c.classify(2023, RURAL, RURAL_REF, None, finals(3))
    assert res.cls == c.PENDING and "chưa có điểm A" in res.reasons()
    f = finals(3)
    f["DTNO"] = None
    res = c.classify(2023, RURAL, RURAL_REF, 100, f)
    assert res.cls == c.PENDING and "DTNO" in res.reasons() and "not confirmed" in res.reasons("en")
    res = c.classify(2023, RURAL, RURAL_REF, 100, {})
    assert res.cls == c.PENDING and ", ".join(CODES) in res.reasons()


def test_vn_2027_2030_review_is_pending_and_names_missing_settings():
    std = standard_for_list_year(2027)
    res = c.classify(2027, "01954", dt.date(2026, 9, 1), 100, {k: "deprived" for k in std.indicator_codes})
    assert res.cls == c.PENDING and res.standard_id == "vn-2027-2030"
    en = res.reasons("en")
    for part in ("standard not active", "income-score thresholds", "B1 tables", "form set", "RT"):
        assert part in en
    assert "Chưa đủ căn cứ để phân loại" in res.reasons()


def test_phieu_a_exclusion_and_middle_recognition():
    assert run("rural", 10, 6, phieu_a_result=c.PHIEU_A_EXCLUDED).cls == c.NOT_POOR
    assert run("rural", 150, 0, nlndn_middle=True).cls == c.MIDDLE
    assert run("rural", 140, 0, nlndn_middle=True).cls == c.NEAR_POOR  # MIDDLE never from score A ≤ T


def test_bad_inputs_raise_user_error():
    with pytest.raises(UserError, match="Mã chỉ số"):
        c.classify(2023, RURAL, RURAL_REF, 100, {"XYZ": "deprived"})
    with pytest.raises(UserError, match="Điểm A"):
        c.classify(2023, RURAL, RURAL_REF, -1, finals(0))
    with pytest.raises(UserError, match="Mã xã"):
        c.classify(2023, "99999", RURAL_REF, 100, finals(0))
    with pytest.raises(UserError, match="không hợp lệ"):
        c.classify(2023, RURAL, RURAL_REF, 100, finals(0) | {"VL": "yes"})


def test_final_class_override_needs_reason():
    assert c.final_class(c.POOR) == c.POOR
    assert c.final_class(c.PENDING) is None
    assert c.final_class(c.POOR, c.NEAR_POOR, "họp dân ngày 5/11") == c.NEAR_POOR
    with pytest.raises(UserError, match="lý do"):
        c.final_class(c.POOR, c.NEAR_POOR, "")
    with pytest.raises(UserError):
        c.final_class(c.POOR, c.PENDING, "x")


@pytest.mark.parametrize("area, income, d, nlndn, expected", [
    ("rural", 1_500_000, 3, False, c.POOR),
    ("rural", 1_500_000, 2, False, c.NEAR_POOR),
    ("rural", 1_500_001, 6, True, c.MIDDLE),
    ("rural", 2_250_000, 0, True, c.MIDDLE),
    ("rural", 2_250_001, 0, True, c.NOT_POOR),
    ("urban", 3_000_000, 0, True, c.MIDDLE),
    ("urban", 2_000_001, 0, False, c.NOT_POOR),
])
def test_income_definitions_table(area, income, d, nlndn, expected):
    assert c.classify_by_income(STD, area, income * 12, 1, d, nlndn) == expected


def test_income_comparison_is_exact_in_integers():
    # 3 members, 12 months: line × 36 exactly is ≤ the line; one đồng more is above it
    assert c.classify_by_income(STD, "rural", 1_500_000 * 36, 3, 0, False) == c.NEAR_POOR
    assert c.classify_by_income(STD, "rural", 1_500_000 * 36 + 1, 3, 0, False) == c.NOT_POOR
    with pytest.raises(UserError):
        c.classify_by_income(STD, "rural", -5, 3, 0, False)
    assert c.classify_by_income(shipped_standard("vn-2027-2030"), "rural", 2_300_000 * 12, 1, 0, True) == c.NOT_POOR


@pytest.mark.parametrize("area, cls, income, expected", [
    ("rural", c.NOT_POOR, 2_250_000, True),
    ("rural", c.NOT_POOR, 2_250_001, False),
    ("urban", c.MIDDLE, 3_000_000, True),
    ("rural", c.POOR, 100_000, False),
    ("rural", c.NEAR_POOR, 100_000, False),
])
def test_low_income_worker_table(area, cls, income, expected):
    day = dt.date(2025, 6, 1)  # list year 2025, after 24/02/2025
    assert c.low_income_worker_household(STD, area, cls, income * 12, 1, day) is expected


def test_low_income_worker_not_before_decree():
    assert not c.low_income_worker_household(STD, "rural", c.NOT_POOR, 12, 1, dt.date(2025, 2, 23))


# --- properties ------------------------------------------------------------------------------

areas = st.sampled_from(["rural", "urban"])
scores = st.integers(min_value=0, max_value=400)
depr = st.integers(min_value=0, max_value=12)


@settings(max_examples=300, deadline=None)
@given(areas, scores, st.integers(0, 11), st.booleans())
def test_adding_a_deprivation_never_improves_the_class(area, a, d, mid):
    before, after = run(area, a, d, nlndn_middle=mid), run(area, a, d + 1, nlndn_middle=mid)
    assert c.CLASS_RANK[after.cls] <= c.CLASS_RANK[before.cls]


@settings(max_examples=300, deadline=None)
@given(areas, scores, st.integers(0, 50), depr, st.booleans())
def test_raising_a_never_makes_a_household_poorer(area, a, delta, d, mid):
    assert c.CLASS_RANK[run(area, a + delta, d, nlndn_middle=mid).cls] >= c.CLASS_RANK[run(area, a, d, nlndn_middle=mid).cls]


@settings(max_examples=300, deadline=None)
@given(areas, st.integers(3, 12), st.data())
def test_a_at_or_below_threshold_with_three_deprivations_is_poor(area, d, data):
    t = STD.threshold(area)
    a = data.draw(st.floats(min_value=0, max_value=t, allow_nan=False))
    assert run(area, a, d).cls == c.POOR
