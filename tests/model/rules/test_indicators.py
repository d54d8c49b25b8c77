"""The 12 indicator rule types of vn-2022-2026, computed from a roster and housing data."""

import copy
import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bkdesk.errors import UserError
from bkdesk.model.rules import indicators as ind
from bkdesk.model.rules.standards import Standard, shipped_standard

REF = dt.date(2022, 9, 1)
STD = shipped_standard("vn-2022-2026")


def adult(**kw):
    m = {"full_name": "Nguyễn Văn An", "sex": "1", "birth_date": "1980-05-10", "presence": "present",
         "relation_to_head": "chu_ho", "labour_status": "co_viec_lam", "seeking_work": None, "wage_job": 0,
         "labour_contract": None, "highest_general_education": "thpt", "vocational_qualification": "none",
         "on_job_training": 0, "currently_studying": 0, "health_insurance": 1, "malnourished": None,
         "dependant": 0}
    m.update(kw)
    return m


def child(**kw):
    m = adult(full_name="Nguyễn Thị Bé", sex="2", birth_date="2014-03-01", relation_to_head="con",
              labour_status="dang_di_hoc", highest_general_education="tieu_hoc", currently_studying=1,
              level_suitable_for_age=1, malnourished=0, dependant=1)
    m.update(kw)
    return m


HOUSE = {"no_house": 0, "wall_durable": 1, "frame_durable": 1, "roof_durable": 1, "floor_area_m2": 40,
         "water_source": "piped", "latrine_type": "septic", "phone_subscription": 1, "internet_use": 0,
         "info_devices": ["tivi"], "loudspeaker_audible": 0}


def compute(code, roster, housing=HOUSE, std=STD, ref=REF):
    return ind.compute_indicator(std.indicator_by_code[code], roster, housing, ref)


def with_working_age(lo=15, hi=60):
    """The shipped schedule replaced by a flat one: lo..hi years for both sexes."""
    data = copy.deepcopy(STD.data)
    flat = {"start_year": 2000, "start_age_months": hi * 12, "step_months_per_year": 0, "cap_age_months": hi * 12}
    data["indicators"][0]["params"]["working_age_min_months"] = {"1": lo * 12, "2": lo * 12}
    data["indicators"][0]["params"]["retirement_age"] = {"1": flat, "2": dict(flat)}
    return Standard(data, "test")


def without_working_age():
    data = copy.deepcopy(STD.data)
    data["indicators"][0]["params"]["retirement_age"] = {}
    data["indicators"][0]["params"]["working_age_min_months"] = {"1": None, "2": None}
    return Standard(data, "test")


def test_baseline_household_not_deprived():
    res = ind.compute_indicators(STD, [adult(), child()], HOUSE, REF)
    assert list(res) == list(STD.indicator_codes)
    assert {c: r.value for c, r in res.items()} == {c: ind.NOT_DEPRIVED for c in STD.indicator_codes}


def test_vl_unknown_names_missing_setting_in_words_when_condition_met():
    r = compute("VL", [adult(labour_status="khong_co_viec_lam", seeking_work=1)], std=without_working_age())
    assert r.value == ind.UNKNOWN
    assert r.missing_settings == ("VL.retirement_age.1", "VL.working_age_min_months.1")
    text = r.missing_vi()
    assert "tuổi nghỉ hưu theo Bộ luật Lao động (Nam)" in text and "độ tuổi lao động (Nam)" in text
    assert "VL." not in text and "working_age" not in text and "retirement" not in text


def test_vl_2027_2030_keeps_its_own_empty_schedule():
    std = shipped_standard("vn-2027-2030")
    vl = std.indicator_by_code["VL"]
    assert vl.params["retirement_age"]["1"]["start_age_months"] is None
    r = compute("VL", [adult(labour_status="khong_co_viec_lam", seeking_work=1)], std=std, ref=dt.date(2026, 9, 1))
    assert r.value == ind.UNKNOWN and "tuổi nghỉ hưu" in r.missing_vi()


def test_vl_schedule_is_data_with_its_source():
    vl = STD.indicator_by_code["VL"].params
    assert "Bộ luật Lao động 45/2019/QH14" in vl["source"] and "135/2020" in vl["source"]
    men, women = vl["retirement_age"]["1"], vl["retirement_age"]["2"]
    # standards.md §5.5 indicator 1: the year-by-year figures the schedule must reproduce
    assert [ind.retirement_age_months(men, y) for y in range(2021, 2030)] == [
        60 * 12 + 3, 60 * 12 + 6, 60 * 12 + 9, 61 * 12, 61 * 12 + 3, 61 * 12 + 6, 61 * 12 + 9, 62 * 12, 62 * 12]
    assert [ind.retirement_age_months(women, y) for y in (2021, 2022, 2023, 2024, 2025, 2026, 2035, 2040)] == [
        55 * 12 + 4, 55 * 12 + 8, 56 * 12, 56 * 12 + 4, 56 * 12 + 8, 57 * 12, 60 * 12, 60 * 12]
    assert ind.retirement_age_months(men, 2020) is None  # before the schedule starts: not guessed


def _shift(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, day.day)


def _informal(sex: str, born: dt.date) -> dict:
    return adult(sex=sex, birth_date=born.isoformat(), wage_job=1, labour_contract=0)


# (reference date, sex, age on the reference date in months, expected VL)
# retirement ages: men 60 y 6 m in 2022, 61 y 6 m in 2026; women 55 y 8 m in 2022, 57 y in 2026.
VL_BOUNDARY_CASES = [
    (dt.date(2022, 9, 1), "1", 60 * 12 + 6 - 1, ind.DEPRIVED),       # reaches 60 y 6 m one month after
    (dt.date(2022, 9, 1), "1", 60 * 12 + 6, ind.NOT_DEPRIVED),       # reaches it on the reference date
    (dt.date(2022, 9, 1), "1", 60 * 12 + 6 + 1, ind.NOT_DEPRIVED),   # reached it one month before
    (dt.date(2026, 9, 1), "1", 61 * 12 + 6 - 1, ind.DEPRIVED),
    (dt.date(2026, 9, 1), "1", 61 * 12 + 6 + 1, ind.NOT_DEPRIVED),
    (dt.date(2022, 9, 1), "2", 55 * 12 + 8 - 1, ind.DEPRIVED),
    (dt.date(2022, 9, 1), "2", 55 * 12 + 8 + 1, ind.NOT_DEPRIVED),
    (dt.date(2026, 9, 1), "2", 57 * 12 - 1, ind.DEPRIVED),
    (dt.date(2026, 9, 1), "2", 57 * 12 + 1, ind.NOT_DEPRIVED),
    (dt.date(2022, 9, 1), "1", 14 * 12 + 11, ind.NOT_DEPRIVED),      # 14 y 11 m: not yet of working age
    (dt.date(2022, 9, 1), "1", 15 * 12, ind.DEPRIVED),               # 15 full years
    (dt.date(2026, 9, 1), "2", 14 * 12 + 11, ind.NOT_DEPRIVED),
    (dt.date(2026, 9, 1), "2", 15 * 12, ind.DEPRIVED),
    (dt.date(2022, 9, 1), "2", 60 * 12 + 6 - 1, ind.NOT_DEPRIVED),   # a man's age bound does not apply to a woman
]


@pytest.mark.parametrize(("ref", "sex", "months", "expected"), VL_BOUNDARY_CASES)
def test_vl_working_age_at_month_boundaries(ref, sex, months, expected):
    member = _informal(sex, _shift(ref, -months))
    assert ind.months_on(member, ref) == (months, False)
    assert compute("VL", [member], ref=ref).value == expected


def test_vl_fourteen_and_seventy_are_decided_without_the_officer():
    ref = dt.date(2022, 9, 1)
    for born in ("2008-03-01", "1952-03-01"):
        r = compute("VL", [adult(birth_date=born, labour_status="khong_co_viec_lam", seeking_work=1)], ref=ref)
        assert (r.value, r.missing) == (ind.NOT_DEPRIVED, ())


def test_months_on_day_of_month_and_month_end():
    assert ind.months_on({"birth_date": "2000-03-15"}, dt.date(2015, 3, 14)) == (179, False)
    assert ind.months_on({"birth_date": "2000-03-15"}, dt.date(2015, 3, 15)) == (180, False)
    assert ind.months_on({"birth_date": "2000-01-31"}, dt.date(2000, 2, 29)) == (1, False)
    assert ind.months_on({"birth_date": "2000", "birth_date_precision": "year"}, dt.date(2015, 9, 1)) == (188, True)


def test_vl_year_only_birth_near_the_bound_warns():
    ref = dt.date(2022, 9, 1)
    r = compute("VL", [adult(birth_date="1962", birth_date_precision="year", wage_job=1, labour_contract=0)], ref=ref)
    assert r.value == ind.NOT_DEPRIVED  # 60 y 8 m from 1 January
    assert any("tuổi ước tính" in w and "60 tuổi 6 tháng" in w for w in r.warnings)


def test_vl_with_bounds_from_data():
    std = with_working_age()
    assert compute("VL", [adult(labour_status="khong_co_viec_lam", seeking_work=1)], std=std).value == ind.DEPRIVED
    assert compute("VL", [adult(labour_status="khong_co_viec_lam", seeking_work=0)], std=std).value == ind.NOT_DEPRIVED
    assert compute("VL", [adult(wage_job=1, labour_contract=0)], std=std).value == ind.DEPRIVED
    assert compute("VL", [adult(wage_job=1, labour_contract=1)], std=std).value == ind.NOT_DEPRIVED
    # outside working age: bounds come from the data (here 15..60)
    old = adult(birth_date="1950-01-01", wage_job=1, labour_contract=0)
    assert compute("VL", [old], std=std).value == ind.NOT_DEPRIVED
    assert compute("VL", [old], std=with_working_age(15, 80)).value == ind.DEPRIVED
    r = compute("VL", [adult(wage_job=1, labour_contract=None)], std=std)
    assert r.value == ind.UNKNOWN and r.missing == ("labour_contract",)


def test_npt_uses_officer_flag_strictly_more_than_half():
    two = [adult(dependant=0), child(dependant=1)]
    assert compute("NPT", two).value == ind.NOT_DEPRIVED  # 1/2 is not > 0.5
    assert compute("NPT", two + [child(dependant=1)]).value == ind.DEPRIVED
    r = compute("NPT", [adult(dependant=0), child(dependant=None)])
    assert r.value == ind.NOT_DEPRIVED  # even if the unknown one is a dependant, 1/2 is not > 0.5
    r = compute("NPT", [adult(dependant=0), child(dependant=None), child(dependant=1)])
    assert r.value == ind.UNKNOWN and r.missing == ("dependant",)


def test_dd_only_children_under_bound():
    assert compute("DD", [adult(), child(malnourished=1)]).value == ind.DEPRIVED
    assert compute("DD", [adult(malnourished=1), child()]).value == ind.NOT_DEPRIVED
    sixteen = child(birth_date="2006-09-01", malnourished=1)  # exactly 16 on the reference date
    assert compute("DD", [sixteen]).value == ind.NOT_DEPRIVED
    assert compute("DD", [child(birth_date="2006-09-02", malnourished=1)]).value == ind.DEPRIVED


def test_bhyt_members_aged_6_or_more():
    assert compute("BHYT", [adult(health_insurance=0)]).value == ind.DEPRIVED
    baby = child(birth_date="2017-01-01", health_insurance=0)  # 5 years old
    assert compute("BHYT", [adult(), baby]).value == ind.NOT_DEPRIVED
    six = child(birth_date="2016-09-01", health_insurance=0)
    assert compute("BHYT", [adult(), six]).value == ind.DEPRIVED
    r = compute("BHYT", [adult(health_insurance=None)])
    assert r.value == ind.UNKNOWN and r.missing_vi() == "có thẻ BHYT còn hạn"


def test_gdnl_age_bands():
    y17 = adult(birth_date="2005-01-01", currently_studying=0, highest_general_education="tieu_hoc")
    assert compute("GDNL", [y17]).value == ind.DEPRIVED
    assert compute("GDNL", [dict(y17, highest_general_education="thcs")]).value == ind.NOT_DEPRIVED
    a25 = adult(birth_date="1997-01-01", highest_general_education="thcs", vocational_qualification="none")
    assert compute("GDNL", [a25]).value == ind.DEPRIVED
    assert compute("GDNL", [dict(a25, vocational_qualification="trung_cap")]).value == ind.NOT_DEPRIVED
    assert compute("GDNL", [dict(a25, on_job_training=1)]).value == ind.NOT_DEPRIVED
    assert compute("GDNL", [dict(a25, currently_studying=1)]).value == ind.NOT_DEPRIVED
    a31 = dict(a25, birth_date="1991-01-01")
    assert compute("GDNL", [a31]).value == ind.NOT_DEPRIVED


def test_dhte_enrolment_and_suitability():
    assert compute("DHTE", [adult(), child(currently_studying=0)]).value == ind.DEPRIVED
    assert compute("DHTE", [adult(), child(level_suitable_for_age=0)]).value == ind.DEPRIVED
    assert compute("DHTE", [adult(), child(level_suitable_for_age=None)]).value == ind.NOT_DEPRIVED  # default Y
    toddler = child(birth_date="2020-01-01", currently_studying=0)
    assert compute("DHTE", [adult(), toddler]).value == ind.NOT_DEPRIVED


def test_clno_two_of_three_and_no_house():
    h = dict(HOUSE, wall_durable=0, roof_durable=0)
    assert compute("CLNO", [adult()], h).value == ind.DEPRIVED
    assert compute("CLNO", [adult()], dict(HOUSE, wall_durable=0)).value == ind.NOT_DEPRIVED
    assert compute("CLNO", [adult()], dict(HOUSE, no_house=1)).value == ind.DEPRIVED
    r = compute("CLNO", [adult()], dict(HOUSE, wall_durable=0, roof_durable=None))
    assert r.value == ind.UNKNOWN and r.missing == ("roof_durable",)


def test_dtno_strictly_below_area_per_person():
    four = [adult(), adult(), child(), child()]
    assert compute("DTNO", four, dict(HOUSE, floor_area_m2=32)).value == ind.NOT_DEPRIVED
    assert compute("DTNO", four, dict(HOUSE, floor_area_m2=31.9)).value == ind.DEPRIVED
    assert compute("DTNO", four, dict(HOUSE, no_house=1, floor_area_m2=None)).value == ind.DEPRIVED
    assert compute("DTNO", four, dict(HOUSE, floor_area_m2=None)).missing == ("floor_area_m2",)


def test_nsh_nthvs_vt_pttt():
    assert compute("NSH", [adult()], dict(HOUSE, water_source="other")).value == ind.DEPRIVED
    assert compute("NSH", [adult()], dict(HOUSE, water_source="rainwater")).value == ind.NOT_DEPRIVED
    assert compute("NTHVS", [adult()], dict(HOUSE, latrine_type="none")).value == ind.DEPRIVED
    assert compute("NTHVS", [adult()], dict(HOUSE, latrine_type=None)).value == ind.UNKNOWN
    assert compute("VT", [adult()], dict(HOUSE, phone_subscription=0, internet_use=0)).value == ind.DEPRIVED
    assert compute("VT", [adult()], dict(HOUSE, phone_subscription=0, internet_use=1)).value == ind.NOT_DEPRIVED
    assert compute("VT", [adult()], dict(HOUSE, phone_subscription=0, internet_use=None)).value == ind.UNKNOWN
    assert compute("PTTT", [adult()], dict(HOUSE, info_devices="", loudspeaker_audible=0)).value == ind.DEPRIVED
    assert compute("PTTT", [adult()], dict(HOUSE, info_devices="", loudspeaker_audible=1)).value == ind.NOT_DEPRIVED
    assert compute("PTTT", [adult()], dict(HOUSE, info_devices="radio, khac")).value == ind.NOT_DEPRIVED
    assert compute("PTTT", [adult()], dict(HOUSE, info_devices=None, loudspeaker_audible=0)).missing == ("info_devices",)


def test_only_members_present_on_reference_date_count():
    gone = adult(health_insurance=0, presence="moved_out", presence_date="2022-05-01")
    assert compute("BHYT", [adult(), gone]).value == ind.NOT_DEPRIVED
    later = adult(health_insurance=0, presence="moved_out", presence_date="2022-10-01")
    assert compute("BHYT", [adult(), later]).value == ind.DEPRIVED
    arriving = adult(health_insurance=0, presence="moved_in", presence_date="2022-10-01")
    assert compute("BHYT", [adult(), arriving]).value == ind.NOT_DEPRIVED
    assert not ind.present_on(adult(presence="died"), REF)


def test_age_completed_years_and_approximate_warning():
    assert ind.age_on({"birth_date": "2006-09-02"}, REF) == (15, False)
    assert ind.age_on({"birth_date": "2006-09-01"}, REF) == (16, False)
    assert ind.age_on({"birth_date": "2006", "birth_date_precision": "year"}, REF) == (16, True)
    near = child(full_name="Lò Văn Khanh", birth_date="2006", birth_date_precision="year", malnourished=0)
    r = compute("DD", [adult(), near])
    assert any("Lò Văn Khanh" in w and "16" in w for w in r.warnings)
    assert compute("DD", [adult(), child()]).warnings == ()


def test_indicator_without_rule_is_unknown():
    std = shipped_standard("vn-2027-2030")
    r = ind.compute_indicator(std.indicator_by_code["RT"], [adult()], HOUSE, REF)
    assert r.value == ind.UNKNOWN and r.missing_settings == ("RT.rule_type",)


def test_officer_final_needs_reason_when_different():
    ind.check_indicator_final("VL", "deprived", "deprived", "")
    ind.check_indicator_final("VL", "unknown", "deprived", "đã xác minh")
    with pytest.raises(UserError, match="lý do"):
        ind.check_indicator_final("VL", "not_deprived", "deprived", " ")
    with pytest.raises(UserError, match="không hợp lệ"):
        ind.check_indicator_final("VL", "deprived", "maybe", "x")


member_st = st.fixed_dictionaries({
    "full_name": st.sampled_from(["A", "B", "C", "D"]),
    "sex": st.sampled_from(["1", "2", None]),
    "birth_date": st.one_of(st.none(), st.dates(dt.date(1930, 1, 1), dt.date(2022, 8, 31)).map(str)),
    "presence": st.sampled_from(["present", "present", "moved_out", "moved_in"]),
    "presence_date": st.one_of(st.none(), st.sampled_from(["2022-01-01", "2022-12-01"])),
    "labour_status": st.sampled_from(["co_viec_lam", "khong_co_viec_lam", "dang_di_hoc", None]),
    "seeking_work": st.sampled_from([0, 1, None]),
    "wage_job": st.sampled_from([0, 1, None]),
    "labour_contract": st.sampled_from([0, 1, None]),
    "highest_general_education": st.sampled_from(["none", "tieu_hoc", "thcs", "thpt", None]),
    "vocational_qualification": st.sampled_from(["none", "so_cap", None]),
    "on_job_training": st.sampled_from([0, 1, None]),
    "currently_studying": st.sampled_from([0, 1, None]),
    "level_suitable_for_age": st.sampled_from([0, 1, None]),
    "health_insurance": st.sampled_from([0, 1, None]),
    "malnourished": st.sampled_from([0, 1, None]),
    "dependant": st.sampled_from([0, 1, None]),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(member_st, min_size=1, max_size=7), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_member_order(roster, rnd: random.Random):
    std = with_working_age()
    shuffled = list(roster)
    rnd.shuffle(shuffled)
    assert ind.compute_indicators(std, roster, HOUSE, REF) == ind.compute_indicators(std, shuffled, HOUSE, REF)
