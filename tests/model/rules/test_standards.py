"""Standard versions as data: shipped files, selection by list year, revisions, official-document refusal."""

import copy
import json
import re
from pathlib import Path

import pytest

import bkdesk
from bkdesk.errors import UserError
from bkdesk.model.rules import standards as s
from bkdesk.model.store import repo_standards as rs

MODEL = Path(bkdesk.__file__).resolve().parent / "model"


def test_shipped_vn_2022_2026_values():
    std = s.shipped_standard("vn-2022-2026")
    assert std.is_active and std.revision == 2
    assert (std.list_year_from, std.list_year_to) == (2022, 2026)
    assert std.income_line == {"rural": 1_500_000, "urban": 2_000_000}
    assert std.middle_band_upper == {"rural": 2_250_000, "urban": 3_000_000}
    assert std.score == {"threshold_rural": 140, "threshold_urban": 175, "points_per_deprivation": 10,
                         "min_score_b_poor": 30}
    assert std.low_income_worker["valid_from"] == "2025-02-24"
    assert std.indicator_codes == ("VL", "NPT", "DD", "BHYT", "GDNL", "DHTE", "CLNO", "DTNO", "NSH", "NTHVS",
                                   "VT", "PTTT")
    vl = std.indicator_by_code["VL"]
    assert vl.params["working_age_min_months"] == {"1": 180, "2": 180}  # Labour Code: from 15 full years
    assert vl.params["retirement_age"]["1"] == {"start_year": 2021, "start_age_months": 723,
                                                "step_months_per_year": 3, "cap_age_months": 744}
    assert std.indicator_by_code["NPT"].params["dependant_rule"] is None
    assert std.missing == []


def test_shipped_vn_2027_2030_is_pending():
    std = s.shipped_standard("vn-2027-2030")
    assert std.status == s.PENDING_LEGAL_TEXT
    assert std.income_line == {"rural": 2_200_000, "urban": 2_800_000}
    assert std.middle_band_upper is None and std.score is None
    assert "PTTT" not in std.indicator_codes and "RT" in std.indicator_codes
    # VL keeps the rule type with its own, empty, working-age schedule; the other rules await the decree
    assert all(i.rule_type is None for i in std.indicators if i.code != "VL")
    assert std.indicator_by_code["VL"].params["working_age_min_months"] == {"1": None, "2": None}
    assert {m[0] for m in std.missing} == {"score", "points_tables", "indicators", "form_set"}


@pytest.mark.parametrize("review_type, review_year, list_year, standard_id", [
    ("periodic", 2021, 2022, "vn-2022-2026"),
    ("periodic", 2025, 2026, "vn-2022-2026"),
    ("regular", 2026, 2026, "vn-2022-2026"),
    ("periodic", 2026, 2027, "vn-2027-2030"),
    ("periodic", 2022, 2023, "vn-2022-2026"),
    ("regular", 2030, 2030, "vn-2027-2030"),
])
def test_standard_selection_table(review_type, review_year, list_year, standard_id):
    assert s.list_year_for(review_type, review_year) == list_year
    assert rs.standard_for_list_year(list_year).id == standard_id


def test_no_standard_for_2021():
    assert s.select_standard(2021) is None
    with pytest.raises(UserError, match="2021"):
        rs.standard_for_list_year(2021)


def test_periodic_reference_date_is_1_september_of_review_year():
    assert s.periodic_reference_date(2023).isoformat() == "2022-09-01"


def _data(**changes):
    data = copy.deepcopy(s.shipped_standard("vn-2022-2026").data)
    data.update(changes)
    return data


def test_validation_names_file_and_field(tmp_path):
    data = _data()
    data["score"]["threshold_rural"] = "một trăm"
    path = tmp_path / "vn-x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(s.StandardDataError) as exc:
        s.load_standard_file(path)
    assert "vn-x.json" in str(exc.value) and "score.threshold_rural" in str(exc.value)


def test_validation_rejects_malformed_json_and_unknown_rule(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(s.StandardDataError, match="bad.json"):
        s.load_standard_file(bad)
    data = _data()
    data["indicators"][0]["rule_type"] = "no_such_rule"
    with pytest.raises(s.StandardDataError, match=r"indicators\[0\].rule_type"):
        s.Standard(data, "x.json")


def test_active_standard_without_thresholds_is_rejected():
    with pytest.raises(s.StandardDataError, match="ngưỡng điểm"):
        s.Standard(_data(score=None), "x.json")


def test_revision_saved_with_audit_and_becomes_effective(db):
    assert rs.standard_ref_for_review(2024, db) == ("vn-2022-2026", 2)
    data = _data()
    data["indicators"][0]["params"]["working_age_min_months"] = {"1": 181, "2": 181}
    std = rs.save_standard_revision(db, data, "Cán bộ A", "Bổ sung tuổi lao động", "Phụ lục NĐ 07/2021")
    assert std.revision == 3
    assert rs.standard_ref_for_review(2024, db) == ("vn-2022-2026", 3)
    eff = rs.effective_standard(db, "vn-2022-2026")
    assert eff.indicator_by_code["VL"].params["working_age_min_months"] == {"1": 181, "2": 181}
    audit = db.execute("SELECT user, table_name, record_uid, reason FROM audit_log "
                       "WHERE table_name='standard_revision'").fetchall()
    assert [tuple(r) for r in audit] == [("Cán bộ A", "standard_revision", "vn-2022-2026#3",
                                          "Bổ sung tuổi lao động (căn cứ: Phụ lục NĐ 07/2021)")]
    hist = rs.standard_history(db, "vn-2022-2026")
    assert hist[0]["revision"] == 3 and hist[0]["changed_by"] == "Cán bộ A"
    std3 = rs.save_standard_revision(db, eff.data, "Cán bộ B", "Sửa nhãn", "CV 12/SNN")
    assert std3.revision == 4 and [h["revision"] for h in std3.data["revision"]["history"]] == [1, 2, 3, 4]
    # the shipped file is unchanged
    assert s.shipped_standard("vn-2022-2026").revision == 2


def test_invalid_revision_leaves_db_unchanged(db):
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(UserError, match="lý do"):
        rs.save_standard_revision(db, _data(), "A", "  ", "doc")
    with pytest.raises(UserError, match="văn bản căn cứ"):
        rs.save_standard_revision(db, _data(), "A", "lý do", "")
    bad = _data()
    bad["income_line"] = {"rural": -1, "urban": 5}
    with pytest.raises(s.StandardDataError, match="income_line"):
        rs.save_standard_revision(db, bad, "A", "lý do", "doc")
    assert db.execute("SELECT count(*) FROM standard_revision").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_require_official_refuses_pending_standard():
    s.require_official(s.shipped_standard("vn-2022-2026"))
    with pytest.raises(UserError) as exc:
        s.require_official(rs.standard_for_list_year(2027))
    msg = str(exc.value)
    assert "vn-2027-2030" in msg and "chưa có hiệu lực" in msg and "bảng điểm B1" in msg


def test_province_override_applies_field():
    data = _data(province_overrides={"19": {"income_line.rural": 1_600_000, "source_document": "NQ tỉnh"}})
    std = s.Standard(data, "x").with_province("19")
    assert std.income_line["rural"] == 1_600_000 and std.income_line["urban"] == 2_000_000
    assert s.Standard(data, "x").with_province("06").income_line["rural"] == 1_500_000


FORBIDDEN = (140, 175, 1500000, 2000000, 2200000, 2800000)


def _forbidden_pattern():
    alts = []
    for n in FORBIDDEN:
        digits = str(n)
        # allow "_" or "," separators between digits (1_500_000, 1,500,000)
        alts.append("[_,]?".join(digits))
    return re.compile(r"(?<![\w.])(?:" + "|".join(alts) + r")(?![\w])")


def test_forbidden_pattern_detects_and_ignores():
    pat = _forbidden_pattern()
    assert pat.search("x = 140") and pat.search("1_500_000") and pat.search("(2,800,000)")
    assert pat.search("t=175)")
    assert not pat.search("1400") and not pat.search("x140") and not pat.search("0.140") and not pat.search("11_500_000")


def test_no_threshold_literals_in_model_code():
    pat = _forbidden_pattern()
    hits = [f"{p.relative_to(MODEL)}:{i}: {line.strip()}"
            for p in sorted(MODEL.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pat.search(line)]
    assert hits == []
