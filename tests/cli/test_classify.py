"""`bkdesk classify`: the calculator sub-command."""

import argparse
import json

import pytest

from bkdesk.cli import classify as cli_classify
from bkdesk.errors import UserError


def parse(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_classify.register(sub, argparse.ArgumentParser(add_help=False))
    return parser.parse_args(["classify", *argv])


def run(argv, capsys):
    args = parse(argv)
    assert args.func(args) == 0
    return capsys.readouterr().out


def test_text_output_in_vietnamese(capsys):
    out = run(["--commune", "01954", "--list-year", "2023", "--score-a", "132", "--deprived", "VL,BHYT,CLNO,NTHVS"],
              capsys)
    assert out.splitlines() == ["Hộ nghèo", "A = 132 ≤ 140 (nông thôn); B = 40 ≥ 30 (thiếu hụt 4 chỉ số: Việc làm, "
                                "Bảo hiểm y tế, Chất lượng nhà ở, Nhà tiêu hợp vệ sinh) → Hộ nghèo"]


def test_json_output_and_default_reference_date(capsys):
    out = run(["--commune", "01954", "--list-year", "2024", "--score-a", "150", "--deprived", "vl,npt,dd", "--json"],
              capsys)
    data = json.loads(out)
    assert {k: data[k] for k in ("class", "standard_id", "area", "score_a", "score_b", "deprived")} == {
        "class": "POOR", "standard_id": "vn-2022-2026", "area": "urban", "score_a": 150, "score_b": 30,
        "deprived": ["VL", "NPT", "DD"]}
    assert data["reference_date"] == "2023-09-01" and "Hộ nghèo" in data["reasons"]


def test_reference_date_option_and_english(capsys):
    out = run(["--commune", "01954", "--list-year", "2023", "--score-a", "150", "--deprived", "VL,NPT,DD",
               "--reference-date", "01/09/2022", "--lang", "en", "--json"], capsys)
    data = json.loads(out)
    assert data["class"] == "NOT_POOR" and data["area"] == "rural" and data["reasons"].endswith("→ Not poor")


def test_pending_standard(capsys):
    out = run(["--commune", "01954", "--list-year", "2027", "--score-a", "100", "--json"], capsys)
    data = json.loads(out)
    assert data["class"] == "PENDING" and data["standard_id"] == "vn-2027-2030"
    assert "bảng điểm B1" in data["reasons"]


@pytest.mark.parametrize("argv, message", [
    (["--commune", "01954", "--list-year", "2023", "--score-a", "100", "--deprived", "VL,XX"], "Mã chỉ số"),
    (["--commune", "99999", "--list-year", "2023", "--score-a", "100"], "Mã xã"),
    (["--commune", "01954", "--list-year", "2023", "--score-a", "-1"], "Điểm A"),
    (["--commune", "01954", "--list-year", "2023", "--score-a", "abc"], "Điểm A"),
    (["--commune", "01954", "--list-year", "hai", "--score-a", "1"], "Năm danh sách"),
    (["--commune", "01954", "--list-year", "2021", "--score-a", "1"], "Không có chuẩn nghèo"),
    (["--commune", "01954", "--list-year", "2023", "--score-a", "1", "--reference-date", "2022-09-01"], "dd/mm/yyyy"),
])
def test_bad_input_raises_one_vietnamese_line(argv, message):
    args = parse(argv)
    with pytest.raises(UserError) as exc:
        args.func(args)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_main_returns_2_on_bad_input(capsys):
    from bkdesk.cli import main as cli
    assert cli.main(["classify", "--commune", "01954", "--list-year", "2023", "--score-a", "-5"]) == 2
    err = capsys.readouterr().err
    assert "Điểm A" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["classify", "--commune", "01954", "--list-year", "2023", "--score-a", "140",
                     "--deprived", "VL,NPT,DD", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["class"] == "POOR"


def test_reference_date_that_does_not_exist_is_named_as_such():
    args = parse(["--commune", "01954", "--list-year", "2023", "--score-a", "1", "--reference-date", "31/02/2022"])
    with pytest.raises(UserError) as exc:
        args.func(args)
    assert "Ngày không tồn tại: 31/02/2022." in str(exc.value) and "\n" not in str(exc.value)


def test_old_commune_code_after_its_end_exits_2_naming_the_successor(capsys):
    from bkdesk.cli import main as cli
    assert cli.main(["classify", "--commune", "01945", "--list-year", "2026", "--score-a", "100"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "hết hiệu lực sau ngày 30/06/2025" in err and "đơn vị kế tiếp là Xã Ngân Sơn (01954)" in err


@pytest.mark.parametrize(("income", "members", "nlndn", "label"), [
    ("86400000", "4", True, "Hộ có mức sống trung bình"),      # 1,800,000 a month, rural band
    ("108000000", "4", True, "Hộ có mức sống trung bình"),     # exactly 2,250,000: inclusive
    ("108000012", "4", True, "Hộ không nghèo"),                # above the band
    ("72000000", "4", True, "Hộ cận nghèo"),                   # exactly 1,500,000 with D < 3: near-poor
    ("86400000", "4", False, "Hộ không nghèo"),                # in the band but not a farm household
])
def test_income_procedure_calculator(capsys, income, members, nlndn, label):
    out = run(["--commune", "01945", "--list-year", "2024", "--income-12m", income, "--members", members]
              + (["--nlndn"] if nlndn else []), capsys).splitlines()
    assert out[0] == label and out[1].startswith("I = ")


def test_income_calculator_json_and_bad_input(capsys):
    out = json.loads(run(["--commune", "01945", "--list-year", "2024", "--income-12m", "86400000", "--members",
                          "4", "--nlndn", "--json"], capsys))
    assert (out["class"], out["area"], out["per_capita_month"]) == ("MIDDLE", "rural", 1_800_000)
    for argv, message in ((["--income-12m", "-1", "--members", "2"], "Thu nhập 12 tháng"),
                          (["--income-12m", "100", "--members", "0"], "Số nhân khẩu"),
                          (["--income-12m", "100"], "--members"),
                          ([], "--score-a"),
                          (["--income-12m", "100", "--members", "1", "--score-a", "5"], "Chỉ dùng một")):
        args = parse(["--commune", "01945", "--list-year", "2024", *argv])
        with pytest.raises(UserError, match=message):
            args.func(args)
