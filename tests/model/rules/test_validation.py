"""Validation rules of households.md §15 (errors) and relationship sanity (warnings)."""

import datetime as dt

import pytest

from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.standards import shipped_standard
from bkdesk.model.rules.validation import ERROR, WARNING, errors_only, validate_review

REF = dt.date(2022, 9, 1)
TODAY = dt.date(2022, 10, 1)
STD = shipped_standard("vn-2022-2026")
LISTS = codelists("vn-2022-2026")
HOUSE = {"no_house": 0, "floor_area_m2": 30}


def head(**kw):
    return {"full_name": "Hà Văn Chủ", "relation_to_head": "chu_ho", "presence": "present",
            "birth_date": "1970-01-01", "id_number": "001070000001"} | kw


def member(**kw):
    return {"full_name": "Hà Thị Con", "relation_to_head": "con", "presence": "present",
            "birth_date": "2000-01-01"} | kw


def fields(errors, severity=ERROR):
    return sorted(e.field for e in errors if e.severity == severity)


def check(roster=None, housing=HOUSE, review=None, **kw):
    return validate_review(review or {}, roster if roster is not None else [head()], housing, REF,
                           standard=STD, codelists=LISTS, today=TODAY, **kw)


def test_valid_review_has_no_errors():
    assert check([head(), member()]) == []


def test_exactly_one_present_head():
    assert fields(check([member()])) == ["members"]
    assert fields(check([head(), head(full_name="B")])) == ["members"]
    moved = head(full_name="B", presence="moved_out", presence_date="2022-01-01")
    assert check([head(), moved]) == []


def test_birth_dates():
    assert fields(check([head(), member(birth_date="2022-12-01")])) == ["members[1].birth_date"]
    assert fields(check([head(), member(birth_date="2022-09-15")])) == ["members[1].birth_date"]
    msg = check([head(), member(birth_date="2022-09-15")])[0].message
    assert "ngày tham chiếu 01/09/2022" in msg


def test_id_numbers():
    for ok in ("001070000001", "123456789", ""):
        assert check([head(id_number=ok)]) == []
    for bad in ("12345", "1234567890", "00107000000A"):
        assert fields(check([head(id_number=bad)])) == ["members[0].id_number"]


def test_floor_area_and_no_house():
    assert fields(check(housing={"no_house": 0, "floor_area_m2": 0})) == ["housing.floor_area_m2"]
    assert fields(check(housing={"no_house": 0})) == ["housing.floor_area_m2"]
    assert check(housing={"no_house": 1, "floor_area_m2": 0}) == []


def test_labour_fields_consistency():
    r = check([head(labour_contract=1, wage_job=0)])
    assert fields(r) == ["members[0].labour_contract"]
    assert check([head(labour_contract=1, wage_job=1)]) == []
    assert fields(check([head(seeking_work=1, labour_status="co_viec_lam")])) == ["members[0].seeking_work"]
    assert check([head(seeking_work=1, labour_status="khong_co_viec_lam")]) == []


def test_malnourished_only_under_16():
    assert fields(check([head(malnourished=0)])) == ["members[0].malnourished"]
    assert check([head(), member(birth_date="2015-01-01", malnourished=1)]) == []


def test_score_a_and_overrides():
    assert fields(check(review={"score_a_final": -3})) == ["review.score_a_final"]
    assert fields(check(review={"score_a_final": 100, "score_a_computed": 110})) == ["review.score_a_reason"]
    assert check(review={"score_a_final": 100, "score_a_computed": 110, "score_a_reason": "đối chiếu phiếu"}) == []
    rows = {"VL": {"computed": "not_deprived", "final": "deprived", "reason": ""}}
    assert fields(check(indicator_rows=rows)) == ["indicators.VL.reason"]
    rows["VL"]["reason"] = "xác minh lại"
    assert check(indicator_rows=rows) == []
    review = {"computed_class": "POOR", "final_class": "NEAR_POOR", "override_reason": ""}
    assert "review.override_reason" in fields(check(review=review, causes={"1": ""}))


def test_causes_required_for_poor_and_code_8_text():
    review = {"computed_class": "POOR", "final_class": "POOR"}
    assert fields(check(review=review)) == ["causes"]
    assert fields(check(review=review, causes={"8": ""})) == ["causes.8"]
    assert check(review=review, causes={"8": "thiên tai"}) == []
    assert check(review={"computed_class": "NOT_POOR", "final_class": "NOT_POOR"}) == []


def test_relationship_sanity_is_a_warning_not_an_error():
    old_child = member(full_name="Con Già", birth_date="1940-01-01")
    young_parent = member(full_name="Mẹ Trẻ", relation_to_head="me", birth_date="1990-01-01")
    result = check([head(), old_child, young_parent])
    assert errors_only(result) == []
    assert fields(result, WARNING) == ["members[1].relation_to_head", "members[2].relation_to_head"]


# relationship vs sex: (relation, sex, contradiction?)
RELATION_SEX_CASES = [
    ("bo", "2", True), ("bo", "1", False), ("me", "1", True), ("me", "2", False),
    ("vo", "1", True), ("vo", "2", False), ("chong", "2", True), ("chong", "1", False),
    ("ong", "2", True), ("ba", "1", True), ("con_dau", "1", True), ("con_re", "2", True),
    ("anh", "2", True), ("chi", "1", True), ("con", "1", False), ("con", "2", False), ("em", "2", False),
    ("chau", "1", False), ("khac", "2", False),
]


@pytest.mark.parametrize(("relation", "sex", "contradiction"), RELATION_SEX_CASES)
def test_relationship_against_sex_is_a_warning(relation, sex, contradiction):
    other = member(full_name="Nông Thị Lan", relation_to_head=relation, sex=sex, birth_date="1950-01-01"
                   if relation in ("bo", "me", "ong", "ba") else "1972-01-01")
    result = check([head(sex="1"), other])
    assert errors_only(result) == []
    warned = [e for e in result if e.field == "members[1].sex"]
    assert bool(warned) is contradiction
    if contradiction:
        assert warned[0].severity == WARNING and "Nông Thị Lan" in warned[0].message and "kiểm tra lại" in warned[0].message


@pytest.mark.parametrize(("field", "level", "birth", "warn"), [
    ("highest_general_education", "thpt", "2006-01-01", True),     # 16 on the reference date
    ("highest_general_education", "thpt", "2005-01-01", False),    # 17
    ("highest_general_education", "thcs", "2009-01-01", True),     # 13
    ("highest_general_education", "thcs", "2008-01-01", False),    # 14
    ("highest_general_education", "tieu_hoc", "2013-01-01", True), # 9
    ("vocational_qualification", "dai_hoc", "2003-01-01", True),   # 19
    ("vocational_qualification", "dai_hoc", "2002-01-01", False),  # 20
    ("vocational_qualification", "so_cap", "2008-01-01", True),    # 14
    ("vocational_qualification", "none", "2015-01-01", False),
])
def test_age_against_education_is_a_warning(field, level, birth, warn):
    result = check([head(), member(birth_date=birth, **{field: level})])
    assert errors_only(result) == []
    assert (f"members[1].{field}" in fields(result, WARNING)) is warn


def test_plausibility_warnings_alone_for_the_importer_and_check():
    from bkdesk.model.rules.validation import plausibility_warnings

    roster = [head(sex="1"), member(relation_to_head="vo", sex="1", birth_date="1972-01-01")]
    [w] = plausibility_warnings(roster, REF)
    assert w.message == 'Hà Thị Con: quan hệ với chủ hộ là "Vợ" nhưng giới tính là nam: kiểm tra lại.'
