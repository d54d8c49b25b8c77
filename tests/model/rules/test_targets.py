"""Plan targets: the 2022 annex reproduced to the digit; rounding rules; CLI contract; xlsx round trip."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from bkdesk.cli.main import main
from bkdesk.errors import UserError
from bkdesk.export.inputs.targets_xlsx import read_targets_xlsx, write_targets_xlsx
from bkdesk.model.rules import targets
from bkdesk.model.rules.fmt import fmt_int, fmt_pct
from bkdesk.model.store.repo_targets import load_plan_targets, save_plan_targets
from bkdesk.paths import resource_path

ANNEX_FIELDS = ("unit_code", "unit_name", "households_start", "poor_start", "poor_rate_start_pct",
                "target_reduction_households", "target_reduction_pct", "target_rate_end_pct")


def _cells(row: targets.TargetRow) -> tuple:
    return (row.code, row.name, str(row.households), str(row.poor), f"{row.poor_rate_pct:.2f}",
            str(row.target_households), f"{row.target_rate_pct:.2f}", f"{row.end_rate_pct:.2f}")


def test_2022_annex_reproduced_to_the_digit_every_cell_every_row():
    published = targets.published_table(2022)
    computed = targets.shipped_table(2022)
    assert len(computed) == len(published) == 9
    for pub, row in zip(published, computed, strict=True):
        assert _cells(row) == tuple(pub[f] for f in ANNEX_FIELDS), pub["unit_name"]
    assert computed[-1].code == "06" and computed[-1].name == "Tổng số (tỉnh Bắc Kạn)"


def test_shipped_copy_is_the_shared_annex():
    shared = resource_path("plans", "plan-targets-2022.csv").read_text(encoding="utf-8")
    assert "Huyện Pác Nặm,7456,3992,53.54,298,4.00,49.54" in shared


def test_shipped_inputs_are_only_the_inputs():
    inputs = targets.shipped_inputs(2022)
    assert [i.target_households for i in inputs if i.target_households is not None] == [23]
    assert all(i.target_rate_pct in (Decimal("2.50"), Decimal("4.00")) for i in inputs if i.code != "058")


def test_rounding_rules_from_the_plan():
    # Na Rì: 10,181 x 2.50 % = 254.525 -> 255 (half up; a float gives 254.52499...)
    row = targets.compute_row(targets.TargetInput("066", "Na Rì", 10181, 3953, Decimal("2.50")))
    assert row.target_households == 255
    # given as a rate, the rate is kept even though 298 / 7,438 = 4.006 %
    row = targets.compute_row(targets.TargetInput("062", "Ngân Sơn", 7438, 3803, Decimal("4.00")))
    assert (row.target_households, row.target_rate_pct) == (298, Decimal("4.00"))
    # given as households, the rate is recomputed
    row = targets.compute_row(targets.TargetInput("058", "TP", 12035, 332, None, 23))
    assert row.target_rate_pct == Decimal("0.19") and row.end_rate_pct == Decimal("2.57")


@given(st.lists(st.tuples(st.integers(1, 50_000), st.integers(0, 100), st.integers(0, 400)), min_size=1, max_size=8))
def test_total_row_sums_children_and_recomputes_rates(units):
    inputs = [targets.TargetInput(f"U{n}", f"Đơn vị {n}", hh, hh * p // 100, Decimal(r) / 100)
              for n, (hh, p, r) in enumerate(units)]
    rows = targets.compute_table(inputs)
    total = rows[-1]
    assert total.households == sum(r.households for r in rows[:-1])
    assert total.poor == sum(r.poor for r in rows[:-1])
    assert total.target_households == sum(r.target_households for r in rows[:-1])
    assert total.poor_rate_pct == targets.rate(total.poor, total.households)
    assert total.end_rate_pct == total.poor_rate_pct - total.target_rate_pct


def test_cli_year_2022_xlsx_read_back_by_calamine(tmp_path):
    out = tmp_path / "plan.xlsx"
    assert main(["targets", "--year", "2022", "--out", str(out)]) == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Chi tieu").to_python()
    data = [r for r in rows if r and str(r[1]) in {"058", "061", "06"}]
    assert data[0][2] == "Thành phố Bắc Kạn" and data[0][6] == 23
    assert data[-1][2] == "Tổng số (tỉnh Bắc Kạn)" and data[-1][3] == 81480 and data[-1][8] == pytest.approx(24.5)
    # and the file imports back to the same inputs
    assert read_targets_xlsx(out, 2022) == targets.shipped_inputs(2022)


def test_cli_from_csv_to_csv_contract(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("code,name,households,poor,target_rate_pct,target_households\n"
                   "01954,Xã Vân Tùng,1000,250,3.5,\n01957,Xã Cốc Đán,500,200,,20\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["targets", "--from", str(src), "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == targets.OUTPUT_COLUMNS
        rows = list(reader)
    assert rows[0] == {"code": "01954", "name": "Xã Vân Tùng", "households": "1000", "poor": "250",
                       "target_rate_pct": "3.50", "target_households": "35", "poor_rate_pct": "25.00",
                       "end_rate_pct": "21.50"}
    assert rows[1]["target_rate_pct"] == "4.00" and rows[1]["end_rate_pct"] == "36.00"
    assert rows[2]["code"] == "062"  # both communes are in Huyện Ngân Sơn
    assert (rows[2]["households"], rows[2]["target_households"], rows[2]["poor_rate_pct"]) == ("1500", "55", "30.00")


def test_cli_total_code_is_total_without_common_parent(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("code,name,households,poor,target_rate_pct,target_households\nA,Đơn vị A,10,5,10,\n",
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["targets", "--from", str(src), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[-1].startswith("TOTAL,Tổng số,10,5,10.00,1,")


@pytest.mark.parametrize("body, message", [
    ("code,name,households,poor,target_rate_pct,target_households\nA,X,10,5,2,3\n", "đúng một"),
    ("code,name,households,poor,target_rate_pct,target_households\nA,X,10,5,,\n", "đúng một"),
    ("code,name,households,poor,target_rate_pct,target_households\nA,X,10,50,2,\n", "số hộ nghèo"),
    ("code,name,households,poor,target_rate_pct,target_households\nA,X,mười,5,2,\n", "số nguyên"),
    ("code,name,households,poor\nA,X,10,5\n", "tiêu đề"),
    ("code,name,households,poor,target_rate_pct,target_households\nA,X,10\n", "cột"),
])
def test_cli_rejects_bad_input_with_vietnamese_message(tmp_path, capsys, body, message):
    src = tmp_path / "in.csv"
    src.write_text(body, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["targets", "--from", str(src), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_xlsx_edited_by_hand_is_rejected(tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    write_targets_xlsx(targets.shipped_table(2022), 2022, path)
    wb = openpyxl.load_workbook(path)
    wb.active["I8"] = 20.0  # Ba Bể end rate
    wb.save(path)
    with pytest.raises(UserError, match="không khớp"):
        read_targets_xlsx(path, 2022)
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UserError, match="xlsx"):
        read_targets_xlsx(path, 2022)


def test_targets_stored_per_year_with_audit(db):
    assert load_plan_targets(db, 2022) == targets.shipped_inputs(2022)
    assert load_plan_targets(db, 2023) == []
    inputs = [targets.TargetInput("01954", "Xã Vân Tùng", 1000, 250, Decimal("3.5"))]
    save_plan_targets(db, 2023, inputs, "Cán bộ", source="KH 2023")
    assert load_plan_targets(db, 2023) == inputs
    assert db.execute("SELECT count(*) FROM audit_log WHERE table_name='plan_target'").fetchone()[0] > 0


def test_vietnamese_number_format():
    assert fmt_int(1984) == "1.984" and fmt_int(1500000) == "1.500.000"
    assert fmt_pct(Decimal("26.93")) == "26,93" and fmt_pct(None) == ""
