"""The files themselves: xlsx read back by python-calamine and openpyxl, PDFs by pypdf, the CLI end to end."""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pypdf
import pytest
from python_calamine import CalamineWorkbook

from bkdesk.cli.main import main
from bkdesk.export.forms import write_forms
from bkdesk.export.reports.official import date_vi, is_formula_like, number_vi
from bkdesk.export.service import REPORTS_15, export
from tests.export.builders import COMMUNE, HYPERLINK, SPECIAL_HEAD, YEAR, build_round

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
ALL_LISTS = ("ds_ngheo", "ds_can_ngheo", "ds_thoat_ngheo", "ds_thoat_can_ngheo", "ds_nlndn", "niem_yet",
             "dk_thoat_ngheo")


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """One database for the whole module (building it through the repositories takes a few seconds)."""
    from bkdesk.model.store.databases import init_database

    path = tmp_path_factory.mktemp("files") / "bkdesk.sqlite"
    conn = init_database(path, "commune", COMMUNE, officer="Cán bộ")
    truth = build_round(conn, random.Random(31), 60, draft_rate=0.0)
    yield conn, truth, path
    conn.close()


def _text(pdf) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)


def test_every_xlsx_opens_with_calamine_and_openpyxl_and_keeps_formula_like_names_as_text(filled, tmp_path):
    conn, truth, _ = filled
    out = export(conn, "all", COMMUNE, YEAR, tmp_path / "bc.xlsx")
    lists = [export(conn, name, COMMUNE, YEAR, tmp_path / f"{name}.xlsx") for name in ALL_LISTS]
    for path in [out, *lists]:
        cal = CalamineWorkbook.from_path(str(path))
        wb = openpyxl.load_workbook(path, read_only=False)
        assert cal.sheet_names == wb.sheetnames
        assert wb["meta"].sheet_state == "hidden"
        first = wb[wb.sheetnames[0]]
        assert first["A1"].font.name == "Times New Roman"
        assert first.page_setup.orientation == "landscape" and first.page_setup.paperSize == 9
        assert first.print_area and not first.sheet_properties.pageSetUpPr.fitToPage  # see test_xlsx_print_setup
        assert first.print_title_rows and first.freeze_panes
        assert first.merged_cells.ranges, "merged header cells"
        rows = cal.get_sheet_by_name(wb.sheetnames[0]).to_python()
        assert rows[0][0] == "ỦY BAN NHÂN DÂN" and MOTTO in rows[0]
    assert CalamineWorkbook.from_path(str(out)).sheet_names == [*REPORTS_15, "meta"]
    for path in (tmp_path / "bc.xlsx", tmp_path / "ds_ngheo.xlsx", tmp_path / "niem_yet.xlsx"):
        wb = openpyxl.load_workbook(path)
        sheet = wb["r15"] if "r15" in wb.sheetnames else wb[wb.sheetnames[0]]
        cells = [c for row in sheet.iter_rows() for c in row if c.value == HYPERLINK]
        assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells), path.name
        assert any(c.value == SPECIAL_HEAD for row in sheet.iter_rows() for c in row)


def test_numbers_in_xlsx_are_numbers(filled, tmp_path):
    conn, truth, _ = filled
    path = export(conn, "1", COMMUNE, YEAR, tmp_path / "r1.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("r01").to_python()
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2] == sum(1 for h in truth if h.cls)


def test_report_pdfs_extract_vietnamese_exactly(filled, tmp_path):
    conn, truth, _ = filled
    pdf = export(conn, "ds_ngheo", COMMUNE, YEAR, tmp_path / "ds.pdf")
    text = _text(pdf)
    assert MOTTO in text and SPECIAL_HEAD in text and "DANH SÁCH HỘ NGHÈO" in text
    assert "BẢN NHÁP" in text
    pdf = export(conn, "all", COMMUNE, YEAR, tmp_path / "all.pdf", official=True)
    text = _text(pdf)
    assert "BẢN NHÁP" not in text and "TỔNG HỢP DIỄN BIẾN HỘ NGHÈO" in text
    assert len(pypdf.PdfReader(str(pdf)).pages) >= 15


@pytest.mark.parametrize("kind", ["review", "form01", "form03", "form04", "minutes", "notice"])
def test_form_batches_one_page_per_household_with_vietnamese_text(filled, tmp_path, kind):
    conn, truth, _ = filled
    out, pages = write_forms(conn, kind, COMMUNE, YEAR, tmp_path / f"{kind}.pdf")
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == pages
    reviewed = [h for h in truth if h.status == "active"]
    listed = [h for h in truth if h.cls in ("POOR", "NEAR_POOR")]
    expected = {"review": len(reviewed), "form01": len(reviewed), "form03": len(listed), "form04": len(listed),
                "minutes": 2}
    if kind in expected:
        assert pages == expected[kind]
    first = reader.pages[0].extract_text()
    if kind in ("review", "form03", "form04", "form01"):
        assert SPECIAL_HEAD in first  # household 0 is first in village and number order
    assert MOTTO in first
    if pages > 1:
        second = reader.pages[1].extract_text().replace("BẢN NHÁP - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ", "")
        assert second.lstrip().startswith("2")  # page number from the second page, at the top


def test_forms_for_one_village(filled, tmp_path):
    conn, truth, _ = filled
    _, pages = write_forms(conn, "review", COMMUNE, YEAR, tmp_path / "v.pdf", village="Bản Chang")
    assert pages == sum(1 for i, h in enumerate(truth) if h.status == "active" and i % 2 == 0)


def test_cli_report_and_forms(filled, tmp_path, capsys):
    _, _, path = filled
    assert main(["report", "--db", str(path), "--form", "all", "--unit", COMMUNE, "--round", str(YEAR),
                 "--out", str(tmp_path / "a.xlsx")]) == 0
    assert main(["report", "--db", str(path), "--form", "15", "--unit", COMMUNE, "--round", str(YEAR),
                 "--out", str(tmp_path / "a.pdf"), "--date", "05/12/2024"]) == 0
    assert "ngày 05 tháng 12 năm 2024" in _text(tmp_path / "a.pdf")
    assert main(["forms", "--db", str(path), "--kind", "form03", "--unit", COMMUNE, "--round", str(YEAR),
                 "--out", str(tmp_path / "c.pdf")]) == 0
    assert main(["report", "--db", str(path), "--form", "zz", "--unit", COMMUNE, "--round", str(YEAR),
                 "--out", str(tmp_path / "z.xlsx")]) == 2
    assert main(["report", "--db", str(path), "--form", "1", "--unit", "99999", "--round", str(YEAR),
                 "--out", str(tmp_path / "z.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("Lỗi:") == 2 and not (tmp_path / "z.xlsx").exists()


def test_formats():
    assert date_vi(dt.date(2025, 1, 5)) == "ngày 05 tháng 01 năm 2025"
    assert date_vi(dt.date(2024, 12, 14)) == "ngày 14 tháng 12 năm 2024"
    assert date_vi(dt.date(2024, 3, 9)) == "ngày 09 tháng 3 năm 2024"
    assert number_vi(1500000) == "1.500.000" and number_vi(12.5) == "12,50"
    assert all(is_formula_like(s) for s in ("=1+1", "+84", "-x", "@SUM(A1)")) and not is_formula_like("Nguyễn")


def test_big_household_stays_on_one_page_and_names_the_overflow(db, tmp_path):
    from bkdesk.model.rules.records import Household, Member, Review
    from bkdesk.model.store.repo_households import HouseholdBundle, save_household
    from bkdesk.model.store.repo_reviews import save_review

    members = [Member(full_name=f"Lường Văn Ước {i}", position=i + 1, sex="1", birth_date="1990-01-01",
                      relation_to_head="Chủ hộ" if i == 0 else "Con") for i in range(13)]
    bundle = save_household(db, HouseholdBundle(Household(commune_code=COMMUNE, household_no="900"), members), "t")
    save_review(db, Review(bundle.household.uid, YEAR + 1, f"{YEAR}-09-01", COMMUNE, record_status="confirmed",
                           final_class="POOR"), "t")
    out, pages = write_forms(db, "review", COMMUNE, YEAR, tmp_path / "big.pdf")
    text = _text(out)
    assert pages == 1 and "Lường Văn Ước 9" in text and "(còn 3 thành viên khác" in text
    assert "Lường Văn Ước 10" not in text
