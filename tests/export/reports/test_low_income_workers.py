"""Decree 30/2025 low-income workers: identified from the income procedure, listed in Excel and PDF, by CLI."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pypdf

from bkdesk.cli.main import build_parser
from bkdesk.cli.main import main as cli_main
from bkdesk.model.review.review_service import new_review, save_household_with_review
from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.repo_households import HouseholdBundle

COMMUNE = "01954"  # Xã Ngân Sơn in the 2025 tree (rural)
REF = dt.date(2025, 9, 15)


def _member(name, sex, born, relation, status, **kw):
    return Member(name, sex=sex, birth_date=born, relation_to_head=relation, labour_status=status, ethnicity="02",
                  health_insurance=1, **kw)


def _household(conn, no, members, per_capita, recognised=()):
    for i, m in enumerate(members):
        m.position = i + 1
        if i in recognised:
            m.low_income_worker = "recognised"
    hh = Household(commune_code=COMMUNE, household_no=no, address="Thôn Nà Làng")
    housing = Housing(no_house=0, wall_durable=1, frame_durable=1, roof_durable=1, floor_area_m2=60,
                      water_source="piped", latrine_type="septic", phone_subscription=1, internet_use=1,
                      info_devices="tivi", loudspeaker_audible=1)
    bundle = HouseholdBundle(hh, members, housing)
    review = new_review(bundle, REF.year, review_type="nlndn", reference_date=REF)
    review.nlndn, review.members_counted = 1, len(members)
    review.income_12m_vnd = per_capita * 12 * len(members)
    review.record_status = "confirmed"
    outcome = save_household_with_review(conn, bundle, review, "Cán bộ xã")
    assert outcome.refusal == "" and review.record_status == "confirmed", outcome.refusal
    return bundle


def test_low_income_worker_list_in_excel_pdf_and_cli(tmp_path, capsys):
    path = tmp_path / "ngan-son.sqlite"
    conn = init_database(path, "commune", COMMUNE, officer="Cán bộ xã", tree="2025")
    try:
        _household(conn, "0001", [_member("Hà Văn Lực", "1", "1985-04-02", "chu_ho", "co_viec_lam"),
                            _member("Nông Thị Mai", "2", "1987-06-01", "vo", "co_viec_lam"),
                            _member("Hà Thị Bé", "2", "2020-03-01", "con", None),
                            _member("Lục Thị Cụ", "2", "1935-01-01", "me", "khong_co_viec_lam")], 2_000_000)
        _household(conn, "0002", [_member("Triệu Văn Giàu", "1", "1980-01-01", "chu_ho", "co_viec_lam")], 2_250_001)
        _household(conn, "0003", [_member("Ma Văn Công", "1", "1990-01-01", "chu_ho", "co_viec_lam"),
                            _member("Ma Thị Nhận", "2", "1992-01-01", "vo", "co_viec_lam")], 2_250_000,
                   recognised=(1,))
    finally:
        conn.close()

    assert "thu_nhap_thap" in build_parser()._subparsers._group_actions[0].choices["report"].format_help()
    xlsx, pdf = tmp_path / "tnt.xlsx", tmp_path / "tnt.pdf"
    for out in (xlsx, pdf):
        assert cli_main(["report", "--db", str(path), "--form", "thu_nhap_thap", "--unit", COMMUNE,
                         "--round", "2025", "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    text = " ".join(cells)
    assert "DANH SÁCH NGƯỜI LAO ĐỘNG CÓ THU NHẬP THẤP" in text
    for name in ("Hà Văn Lực", "Nông Thị Mai", "Ma Văn Công", "Ma Thị Nhận"):
        assert name in cells
    for name in ("Hà Thị Bé", "Lục Thị Cụ", "Triệu Văn Giàu"):  # a 5- and a 90-year-old; above the line
        assert name not in cells
    assert "2.000.000" in cells and "Đã công nhận" in cells and "Đề nghị công nhận" in cells
    assert "Tổng cộng: 4 người lao động (2 hộ; 1 đã công nhận)" in cells
    pdf_text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Hà Văn Lực" in pdf_text and "Ma Thị Nhận" in pdf_text and "Lục Thị Cụ" not in pdf_text


def test_middle_living_list_shows_each_household_income(tmp_path):
    from bkdesk.export.service import export
    from bkdesk.model.demo import build as demo
    from bkdesk.model.store.db import open_db

    path = tmp_path / "coc-dan.sqlite"
    demo.build_demo_database(path, "commune", seed=2, code="01945", workers=1)
    conn = open_db(path)
    try:
        n = conn.execute("SELECT count(*) FROM review WHERE final_class='MIDDLE' AND list_year=2023").fetchone()[0]
        out = export(conn, "ds_nlndn", "01945", 2022, tmp_path / "nlndn.xlsx")
    finally:
        conn.close()
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True)) if row and row[0] == "STT")
    rows = [r for r in ws.iter_rows(min_row=header + 2, values_only=True) if isinstance(r[0], int)]
    assert n > 0 and len(rows) == n
    incomes = [int(str(r[4]).replace(".", "")) for r in rows]
    assert all(1_500_000 < i <= 2_250_000 for i in incomes)  # the rural middle band
