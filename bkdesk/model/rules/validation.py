"""Validation of a review on save (households.md §15): a list of field errors shown inline.

Errors block confirming the review (it stays a draft); warnings (``severity="warning"``) only inform:
- approximate ages near an indicator bound (from the indicator computation);
- age-versus-relationship sanity: a child or grandchild much older than the head, a parent or
  grandparent younger than the head, a spouse with a very large age gap;
- relationship versus sex ("Bố" for a woman, "Vợ" for a man, ...);
- age versus education: a completed level or a qualification younger than anyone can hold it.
These plausibility rules (``plausibility_warnings``) are shared by the editor, the list importer and
``bkdesk check``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bkdesk.model.rules.codelists import HEAD_CODE, CodeLists
from bkdesk.model.rules.indicators import FINAL_VALUES, age_on, birth_of, flag, present_on

ERROR, WARNING = "error", "warning"
# Sanity margins (years) for the warnings; they are plausibility hints, not legal rules.
_CHILD_OLDER_MARGIN = 10
_PARENT_YOUNGER_MARGIN = 0
_SPOUSE_GAP = 30
_CHILD_RELATIONS = ("con", "con_dau", "con_re", "chau")
_ELDER_RELATIONS = ("bo", "me", "ong", "ba")
_SPOUSE_RELATIONS = ("vo", "chong")
# Relationships that name the member's sex (codes of the "sexes" list: 1 Nam, 2 Nữ).
RELATION_SEX = {"vo": "2", "chong": "1", "bo": "1", "me": "2", "ong": "1", "ba": "2", "con_dau": "2",
                "con_re": "1", "anh": "1", "chi": "2"}
RELATION_LABELS = {"vo": "Vợ", "chong": "Chồng", "bo": "Bố", "me": "Mẹ", "ong": "Ông", "ba": "Bà",
                   "con_dau": "Con dâu", "con_re": "Con rể", "anh": "Anh", "chi": "Chị"}
_SEX_LABELS = {"1": "nam", "2": "nữ"}
# Youngest plausible age (completed years) to have completed a general-education level or to hold a
# vocational qualification: the normal completion age less one year (plausibility, not a legal rule).
EDUCATION_MIN_AGE = {"tieu_hoc": 10, "thcs": 14, "thpt": 17}
QUALIFICATION_MIN_AGE = {"so_cap": 15, "trung_cap": 16, "cao_dang": 18, "dai_hoc": 20}
_EDUCATION_LABELS = {"tieu_hoc": "tốt nghiệp tiểu học", "thcs": "tốt nghiệp THCS", "thpt": "tốt nghiệp THPT",
                     "so_cap": "trình độ sơ cấp", "trung_cap": "trình độ trung cấp", "cao_dang": "trình độ cao đẳng",
                     "dai_hoc": "trình độ đại học"}
_CCCD = re.compile(r"\d{12}")
_CMND = re.compile(r"\d{9}")


@dataclass(frozen=True)
class FieldError:
    field: str  # "review.score_a_final", "members[2].birth_date", "housing.floor_area_m2", ...
    message: str  # Vietnamese
    severity: str = ERROR


def _name(m: Mapping, i: int) -> str:
    return m.get("full_name") or f"thành viên số {i + 1}"


def _member_errors(i: int, m: Mapping, ref: dt.date, today: dt.date) -> list[FieldError]:
    out: list[FieldError] = []
    key = f"members[{i}]"
    name = _name(m, i)
    try:
        born, _ = birth_of(m)
    except ValueError:
        born = None
        out.append(FieldError(f"{key}.birth_date", f"{name}: ngày sinh không hợp lệ."))
    if born is not None:
        if born > today:
            out.append(FieldError(f"{key}.birth_date", f"{name}: ngày sinh ở tương lai."))
        elif born > ref and m.get("presence") != "new_born":
            out.append(FieldError(f"{key}.birth_date", f"{name}: ngày sinh sau ngày tham chiếu {ref:%d/%m/%Y}."))
    idn = (m.get("id_number") or "").strip()
    if idn and not (_CCCD.fullmatch(idn) or _CMND.fullmatch(idn)):
        out.append(FieldError(f"{key}.id_number", f"{name}: số CCCD phải có 12 chữ số (CMND cũ: 9 hoặc 12 chữ số)."))
    if flag(m.get("labour_contract")) is not None and flag(m.get("wage_job")) is not True:
        out.append(FieldError(f"{key}.labour_contract",
                              f"{name}: chỉ ghi 'có hợp đồng lao động' khi người này làm công ăn lương."))
    if flag(m.get("seeking_work")) is not None and m.get("labour_status") != "khong_co_viec_lam":
        out.append(FieldError(f"{key}.seeking_work",
                              f"{name}: chỉ ghi 'có khả năng và muốn làm việc' khi không có việc làm."))
    return out


def _malnutrition_errors(i: int, m: Mapping, ref: dt.date, child_age_max_exclusive: int | None) -> list[FieldError]:
    if flag(m.get("malnourished")) is None or child_age_max_exclusive is None:
        return []
    age, _ = age_on(m, ref)
    if age is not None and age >= child_age_max_exclusive:
        return [FieldError(f"members[{i}].malnourished",
                           f"{_name(m, i)}: chỉ ghi suy dinh dưỡng cho trẻ dưới {child_age_max_exclusive} tuổi.")]
    return []


def _relationship_warnings(roster: Sequence[Mapping], ref: dt.date, head_index: int | None) -> list[FieldError]:
    if head_index is None:
        return []
    head_age, _ = age_on(roster[head_index], ref)
    if head_age is None:
        return []
    out = []
    for i, m in enumerate(roster):
        age, _ = age_on(m, ref)
        rel = m.get("relation_to_head")
        if age is None or i == head_index:
            continue
        msg = None
        if rel in _CHILD_RELATIONS and age > head_age + _CHILD_OLDER_MARGIN:
            msg = f"{_name(m, i)} ({age} tuổi) là con/cháu nhưng lớn tuổi hơn chủ hộ ({head_age} tuổi) nhiều"
        elif rel in _ELDER_RELATIONS and age < head_age - _PARENT_YOUNGER_MARGIN:
            msg = f"{_name(m, i)} ({age} tuổi) là bố/mẹ/ông/bà nhưng trẻ hơn chủ hộ ({head_age} tuổi)"
        elif rel in _SPOUSE_RELATIONS and abs(age - head_age) > _SPOUSE_GAP:
            msg = f"{_name(m, i)}: vợ/chồng chênh lệch tuổi với chủ hộ hơn {_SPOUSE_GAP} năm"
        if msg:
            out.append(FieldError(f"members[{i}].relation_to_head", msg + ": kiểm tra lại.", WARNING))
    return out


def _sex_and_education_warnings(roster: Sequence[Mapping], ref: dt.date) -> list[FieldError]:
    out = []
    for i, m in enumerate(roster):
        rel, sex = m.get("relation_to_head"), str(m.get("sex") or "")
        want = RELATION_SEX.get(rel or "")
        if want and sex in _SEX_LABELS and sex != want:
            out.append(FieldError(f"members[{i}].sex", f"{_name(m, i)}: quan hệ với chủ hộ là "
                                  f"\"{RELATION_LABELS[rel]}\" nhưng giới tính là {_SEX_LABELS[sex]}: kiểm tra lại.",
                                  WARNING))
        try:
            age, _ = age_on(m, ref)
        except ValueError:
            continue
        if age is None:
            continue
        for key, table in (("highest_general_education", EDUCATION_MIN_AGE),
                           ("vocational_qualification", QUALIFICATION_MIN_AGE)):
            level = m.get(key)
            if level in table and age < table[level]:
                out.append(FieldError(f"members[{i}].{key}", f"{_name(m, i)}: {age} tuổi nhưng ghi "
                                      f"{_EDUCATION_LABELS[level]} (thường từ {table[level]} tuổi trở lên): kiểm tra lại.",
                                      WARNING))
    return out


def plausibility_warnings(roster: Sequence[Mapping], reference_date: dt.date) -> list[FieldError]:
    """Contradictions in a roster that an officer should check: relationship vs sex, relationship vs age
    (against the head present on the reference date), age vs education. Warnings only."""
    heads = [i for i, m in enumerate(roster) if m.get("relation_to_head") == HEAD_CODE
             and present_on(m, reference_date)]
    try:
        by_age = _relationship_warnings(roster, reference_date, heads[0] if len(heads) == 1 else None)
    except ValueError:  # an invalid birth date is an error reported by the member checks
        by_age = []
    return _sex_and_education_warnings(roster, reference_date) + by_age


def validate_review(review: Mapping, roster: Sequence[Mapping], housing: Mapping | None, reference_date: dt.date,
                    standard=None, codelists: CodeLists | None = None, indicator_rows: Mapping | None = None,
                    causes: Mapping[str, str] | None = None, today: dt.date | None = None) -> list[FieldError]:
    """All errors and warnings of one review.

    ``indicator_rows``: code -> {"computed", "final", "reason"}; ``causes``: cause code -> free text.
    ``standard`` supplies the child age bound for the malnutrition check (from its DD params).
    """
    today = today or dt.date.today()
    housing = housing or {}
    out: list[FieldError] = []
    heads = [i for i, m in enumerate(roster) if m.get("relation_to_head") == HEAD_CODE and present_on(m, reference_date)]
    if len(heads) != 1:
        out.append(FieldError("members", "Hộ phải có đúng một chủ hộ đang có mặt" +
                              (f" (hiện có {len(heads)})." if heads else " (chưa có chủ hộ).")))
    child_max = None
    if standard is not None:
        dd = next((i for i in standard.indicators if i.rule_type == "child_malnutrition"), None)
        child_max = dd.params.get("child_age_max_exclusive") if dd else None
    for i, m in enumerate(roster):
        out += _member_errors(i, m, reference_date, today)
        out += _malnutrition_errors(i, m, reference_date, child_max)
    if not flag(housing.get("no_house")):
        area = housing.get("floor_area_m2")
        if area is None or area == "" or not isinstance(area, int | float) or area <= 0:
            out.append(FieldError("housing.floor_area_m2", "Diện tích nhà ở phải lớn hơn 0 (trừ khi hộ không có nhà ở)."))
    for key in ("score_a_final", "score_a_paper"):
        a = review.get(key)
        if a is not None and (isinstance(a, bool) or not isinstance(a, int | float) or math.isnan(a) or a < 0):
            out.append(FieldError(f"review.{key}", "Điểm A phải là một số ≥ 0."))
    if review.get("score_a_computed") is not None and review.get("score_a_final") is not None \
            and review["score_a_final"] != review["score_a_computed"] and not (review.get("score_a_reason") or "").strip():
        out.append(FieldError("review.score_a_reason", "Điểm A xác nhận khác điểm tính từ bảng: phải ghi lý do."))
    for code, row in (indicator_rows or {}).items():
        final = row.get("final")
        if final is not None and final not in FINAL_VALUES:
            out.append(FieldError(f"indicators.{code}.final", f"Chỉ số {code}: giá trị xác nhận không hợp lệ."))
        elif final is not None and final != row.get("computed") and not (row.get("reason") or "").strip():
            out.append(FieldError(f"indicators.{code}.reason",
                                  f"Chỉ số {code}: giá trị xác nhận khác giá trị tính được, phải ghi lý do."))
    final_class = review.get("final_class")
    computed_class = review.get("computed_class")
    if final_class and computed_class and final_class != computed_class \
            and not (review.get("override_reason") or "").strip():
        out.append(FieldError("review.override_reason", "Kết quả phân loại khác kết quả tính được: phải ghi lý do."))
    if final_class in ("POOR", "NEAR_POOR"):
        if not causes:
            out.append(FieldError("causes", "Hộ nghèo, hộ cận nghèo phải có ít nhất một nguyên nhân nghèo."))
        for code, text in (causes or {}).items():
            if codelists is not None and code not in codelists.codes("causes") and not code.isdigit():
                out.append(FieldError(f"causes.{code}", f"Mã nguyên nhân không hợp lệ: {code}."))
            needs_text = codelists.requires_text("causes", code) if codelists is not None else False
            if needs_text and not (text or "").strip():
                out.append(FieldError(f"causes.{code}", "Nguyên nhân khác (mã 8) phải ghi rõ nội dung."))
    out += plausibility_warnings(roster, reference_date)
    return out


def errors_only(items: list[FieldError]) -> list[FieldError]:
    return [e for e in items if e.severity == ERROR]
