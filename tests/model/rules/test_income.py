"""The income procedures: middle-living NLNDN households (§5.9) and Decree 30/2025 low-income workers (§5.10)."""

from __future__ import annotations

import datetime as dt

import pytest

from bkdesk.errors import UserError
from bkdesk.model.rules import income as inc
from bkdesk.model.rules.classify import MIDDLE, NEAR_POOR, NOT_POOR, POOR
from bkdesk.model.rules.standards import shipped_standard

STD = shipped_standard("vn-2022-2026")


# standards.md §9 "Income definitions", plus the exact lines on both sides (inclusive as §5.2 says)
@pytest.mark.parametrize(("area", "per_capita", "members", "d", "nlndn", "expected"), [
    ("rural", 1_500_000, 1, 3, False, POOR),
    ("rural", 1_500_000, 1, 2, False, NEAR_POOR),
    ("rural", 1_500_001, 1, 6, True, MIDDLE),
    ("rural", 2_250_000, 1, 0, True, MIDDLE),
    ("rural", 2_250_001, 1, 0, True, NOT_POOR),
    ("urban", 3_000_000, 1, 0, True, MIDDLE),
    ("urban", 2_000_001, 1, 0, False, NOT_POOR),
    ("urban", 2_000_000, 4, 0, True, NEAR_POOR),     # at the urban line: near-poor, never middle
    ("urban", 2_000_001, 4, 0, True, MIDDLE),
    ("urban", 3_000_001, 4, 0, True, NOT_POOR),
    ("rural", 2_250_000, 5, 0, False, NOT_POOR),     # in the band but not a farm household
])
def test_income_bands_at_the_exact_lines(area, per_capita, members, d, nlndn, expected):
    r = inc.income_result(STD, area, per_capita * 12 * members, members, d, nlndn)
    assert r.cls == expected and r.per_capita == per_capita


def test_income_compared_without_rounding():
    # 3 members, 12 months: 1 đồng above the rural line in total is above the line (I = 1,500,000.03)
    assert inc.income_result(STD, "rural", 1_500_000 * 36 + 1, 3, 0, True).cls == MIDDLE
    assert inc.income_result(STD, "rural", 1_500_000 * 36, 3, 0, True).cls == NEAR_POOR


def test_reasons_name_the_income_the_band_and_the_condition():
    r = inc.income_result(STD, "rural", 1_800_000 * 12 * 4, 4, 0, True)
    assert r.reasons() == ("I = 1.800.000 đồng/người/tháng (thu nhập 12 tháng 86.400.000 đồng, 4 nhân khẩu): "
                           "1.500.000 < I ≤ 2.250.000 (nông thôn), hộ làm nông, lâm, ngư, diêm nghiệp → "
                           "Hộ có mức sống trung bình")
    low = inc.income_result(STD, "rural", 1_000_000 * 12, 1, 0, True)
    assert low.suggests_poverty_review and "đề nghị rà soát hộ nghèo, hộ cận nghèo (Mẫu số 01)" in low.reasons()
    not_farm = inc.income_result(STD, "rural", 1_800_000 * 12, 1, 0, False)
    assert "không phải hộ làm nông, lâm, ngư, diêm nghiệp → Hộ không nghèo" in not_farm.reasons()


def test_bad_income_records_are_refused():
    with pytest.raises(UserError, match="Thu nhập 12 tháng"):
        inc.income_result(STD, "rural", -1, 2)
    with pytest.raises(UserError, match="Số nhân khẩu"):
        inc.income_result(STD, "rural", 100, 0)


DAY = dt.date(2025, 9, 1)


def person(born: str, sex: str = "1", status: str = "co_viec_lam", **kw) -> dict:
    return {"full_name": "Hoàng Văn Lao", "presence": "present", "birth_date": born, "sex": sex,
            "labour_status": status, **kw}


def test_low_income_workers_only_members_the_decree_covers():
    roster = [person("1985-04-01"),                       # 40, working: covered
              person("2020-03-01", status=None),          # 5 years old
              person("1935-01-01", status="khong_co_viec_lam"),  # 90 years old
              person("1964-01-01"),                       # 61 y 8 m: past the 2025 retirement age (61 y 3 m)
              person("1969-03-01", sex="2"),              # woman 56 y 6 m < 56 y 8 m in 2025: covered
              person("2009-08-01", status="dang_di_hoc"),  # 16, at school
              person("1990-01-01", presence="died", presence_date="2025-01-01")]
    checks = inc.low_income_workers(STD, "rural", NOT_POOR, 2_000_000 * 12 * 7, 7, DAY, roster)
    assert [c.suggested for c in checks] == [True, False, False, False, True, False, False]
    assert [c.reason for c in checks][1:4] == ["không phải người đang làm việc", "không phải người đang làm việc",
                                               "ngoài độ tuổi lao động"]


@pytest.mark.parametrize(("area", "cls", "per_capita", "expected"), [
    ("rural", NOT_POOR, 2_250_000, True),
    ("rural", NOT_POOR, 2_250_001, False),
    ("urban", MIDDLE, 3_000_000, True),
    ("urban", MIDDLE, 3_000_001, False),
    ("rural", POOR, 1_000_000, False),
    ("rural", NEAR_POOR, 1_000_000, False),
])
def test_low_income_worker_table_per_member(area, cls, per_capita, expected):
    [check] = inc.low_income_workers(STD, area, cls, per_capita * 12 * 2, 2, DAY, [person("1985-04-01")])
    assert check.covered and check.suggested is expected


def test_low_income_worker_before_the_decree_and_without_rule():
    [before] = inc.low_income_workers(STD, "rural", NOT_POOR, 12, 1, dt.date(2025, 2, 23), [person("1985-04-01")])
    assert not before.suggested and "chưa" in before.reason
    [none] = inc.low_income_workers(shipped_standard("vn-2027-2030"), "rural", NOT_POOR, 12, 1, dt.date(2027, 3, 1),
                                    [person("1985-04-01")])
    assert not none.suggested
