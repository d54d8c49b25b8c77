"""What the round's documents say (issue 19): the recorded decision, the meeting and posting records, the
names of the issuing bodies on the document date, the household record on Forms 03/04."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pypdf import PdfReader

from bkdesk.errors import UserError
from bkdesk.export.forms import write_forms
from bkdesk.export.reports.layouts import load_layouts
from bkdesk.export.reports.official import doc_info, mid_sentence
from bkdesk.export.reports.scope import resolve_scope
from bkdesk.export.service import export
from tests.export.builders import (
    COMMUNE,
    DECISION_DATE,
    DECISION_NUMBER,
    YEAR,
    build_round,
    record_round_documents,
)

NUMBER, DATE = DECISION_NUMBER, DECISION_DATE


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _round_uid(conn, year=YEAR):
    return conn.execute("SELECT uid FROM review_round WHERE kind='periodic' AND review_year=?", (year,)).fetchone()[0]


@pytest.fixture
def recorded(db):
    truth = build_round(db, random.Random(31), 40, draft_rate=0.0)
    record_round_documents(db, truth)
    return db, truth


def test_form02_lists_carry_the_recorded_decision_number_and_date(recorded, tmp_path):
    conn, _truth = recorded
    out = export(conn, "form02", COMMUNE, YEAR, tmp_path / "f02.pdf", official=True)
    text = pdf_text(out)
    assert "Số: 184/QĐ-UBND" in text
    assert "ngày 14 tháng 12 năm 2024" in text
    assert "Kèm theo Quyết định số 184/QĐ-UBND ngày 14/12/2024" in text
    assert "Nông Văn Chủ Tịch" in text
    report = pdf_text(export(conn, "1", COMMUNE, YEAR, tmp_path / "r01.pdf", official=True))
    assert "Quyết định số 184/QĐ-UBND ngày 14/12/2024" in report
    assert "(dự kiến)" not in report


def test_issuing_body_is_the_one_in_force_on_the_document_date():
    layouts = load_layouts("qd24-2021-tt07-2021")
    old = resolve_scope("01891", 2022)  # Xã Bành Trạch, ended 30/06/2025, successor 01894 Xã Phúc Lộc
    assert doc_info(old, layouts, on=dt.date(2022, 12, 14)).issuer[1] == "XÃ BÀNH TRẠCH"
    after = doc_info(old, layouts, on=dt.date(2026, 1, 5))
    assert after.issuer[1] == "XÃ PHÚC LỘC" and after.place_date.startswith("Phúc Lộc, ngày 05 tháng 01 năm 2026")
    district = resolve_scope("061", 2022)  # Huyện Ba Bể: no district authority after 30/06/2025
    assert doc_info(district, layouts, on=dt.date(2024, 12, 20)).issuer[1] == "HUYỆN BA BỂ"
    assert doc_info(district, layouts, on=dt.date(2026, 1, 5)).issuer[1] == "TỈNH THÁI NGUYÊN"
    assert mid_sentence("Xã Chợ Rã") == "xã Chợ Rã" and mid_sentence("Thị trấn Chợ Rã") == "thị trấn Chợ Rã"


def test_decision_minutes_and_notice_print_the_round_records(recorded, tmp_path):
    conn, truth = recorded
    decision = pdf_text(write_forms(conn, "decision", COMMUNE, YEAR, tmp_path / "qd.pdf", official=True)[0])
    assert "Số: 184/QĐ-UBND" in decision and "ngày 14 tháng 12 năm 2024" in decision
    assert "QUYẾT ĐỊNH" in decision and "Danh sách 1 kèm theo" in decision and "Nông Văn Chủ Tịch" in decision
    poor = [h for h in truth if h.cls == "POOR"]
    assert f"Số hộ nghèo: {len(poor)} hộ" in decision
    assert "DANH SÁCH HỘ THOÁT CẬN NGHÈO" in decision

    minutes = pdf_text(write_forms(conn, "minutes", COMMUNE, YEAR, tmp_path / "bb.pdf")[0])
    assert "ngày 20 tháng 11 năm 2024" in minutes and "Trưởng Thôn 0" in minutes and "Thư Ký 1" in minutes
    assert "57 người" in minutes and "41 (72%)" in minutes
    # every household whose status changed is in the vote table, newly poor from near-poor included
    from_near = [h for h in truth if h.prev == "NEAR_POOR" and h.cls == "POOR" and not h.start_absent]
    assert from_near, "the fixture has a near-poor household that became poor"
    assert "Hộ nghèo mới (từ hộ cận nghèo)" in minutes
    for h in from_near:
        assert h.head[:12] in minutes

    notice = pdf_text(write_forms(conn, "notice", COMMUNE, YEAR, tmp_path / "tb.pdf")[0])
    assert "từ ngày 25/11/2024 đến hết ngày 01/12/2024" in notice
    one = pdf_text(write_forms(conn, "notice", COMMUNE, YEAR, tmp_path / "tb1.pdf", village="Bản Chang")[0])
    assert "Bản Chang" in one and "Nà Phặc" not in one and len(one) < len(notice)


def test_form_03_and_04_print_the_identity_card_from_the_record(recorded, tmp_path):
    conn, truth = recorded
    from bkdesk.model.store.repo_households import get_household, save_household
    from bkdesk.model.store.repo_reviews import get_review, save_review

    h = next(h for h in truth if h.cls == "POOR")
    bundle = get_household(conn, h.uid)
    head = bundle.members[0]
    head.id_number, head.id_issue_date, head.id_issue_place = "006190004321", "2021-05-06", "Cục Cảnh sát QLHC về TTXH"
    head.permanent_residence = "Thôn Nà Phặc, thị trấn Vân Tùng"
    save_household(conn, bundle, "t")
    uid = conn.execute("SELECT uid FROM review WHERE household_uid=? AND list_year=?", (h.uid, YEAR + 1)).fetchone()[0]
    r = get_review(conn, uid)
    r.roster_snapshot = None  # re-confirmed after the record was completed: the snapshot is taken again
    save_review(conn, r, "t")
    for kind in ("form03", "form04"):
        text = pdf_text(write_forms(conn, kind, COMMUNE, YEAR, tmp_path / f"{kind}.pdf")[0])
        assert "006190004321" in text and "06/05/2021" in text and "Cục Cảnh sát QLHC về TTXH" in text, kind
        assert "Thôn Nà Phặc, thị trấn Vân Tùng" in text, kind


def test_first_round_without_start_status_is_not_reported_as_all_new(db):
    from bkdesk.export.service import prepare
    from bkdesk.model.rules.records import Household, Member, Review, ReviewRound
    from bkdesk.model.store.repo_households import HouseholdBundle, save_household
    from bkdesk.model.store.repo_reviews import save_review, save_round

    rnd = save_round(db, ReviewRound(COMMUNE, "periodic", YEAR, YEAR + 1, f"{YEAR}-09-01"), "t").uid
    for i, (cls, start) in enumerate((("POOR", None), ("POOR", None), ("NEAR_POOR", None), ("POOR", "POOR"))):
        b = save_household(db, HouseholdBundle(Household(commune_code=COMMUNE, household_no=f"{i + 1:03d}"),
                                               [Member(full_name=f"Chủ Hộ {i}", relation_to_head="Chủ hộ")]), "t")
        save_review(db, Review(b.household.uid, YEAR + 1, f"{YEAR}-09-01", COMMUNE, round_uid=rnd,
                               record_status="confirmed", final_class=cls, start_status=start), "t")
    r02 = prepare(db, "2", COMMUNE, YEAR).tables[0]
    assert any("Chưa có tình trạng đầu kỳ của 3 hộ" in line for line in r02.subtitle)
    assert any("3 hộ chưa có tình trạng đầu kỳ" in m for m in r02.checks_failed)
    total = [r for r, st in zip(r02.rows, r02.styles, strict=True) if st == "total"][0]
    leaves = [leaf.label for leaf in r02.header.leaves]
    new_col = next(i for i, label in enumerate(leaves) if "Phát sinh mới" in label or "phát sinh" in label.lower())
    assert total[new_col] == 0  # nobody is called new for want of a start status
    with pytest.raises(UserError, match="tình trạng đầu kỳ"):
        prepare(db, "2", COMMUNE, YEAR, official=True)
    ds = prepare(db, "ds_ngheo", COMMUNE, YEAR).tables[0]
    flags = [r for r, st in zip(ds.rows, ds.styles, strict=True) if st != "total"]
    assert sum(1 for r in flags if "Nghèo cũ" in r or "nghèo cũ" in [str(x).lower() for x in r]) == 1
    assert not any("mới" in str(x).lower() for r in flags for x in r)


def test_exit_registration_report_per_village_with_outcomes_and_support(recorded, tmp_path):
    from bkdesk.export.service import prepare
    from bkdesk.model.rules.records import ExitRegistration
    from bkdesk.model.store.repo_reviews import save_exit_registration

    conn, truth = recorded
    regs = [h for h in truth if h.prev == "POOR" and h.cls][:4]
    for k, h in enumerate(regs):
        save_exit_registration(conn, ExitRegistration(h.uid, YEAR, "thoat_ngheo",
                                                      support_received="Vốn vay, Giống cây, con" if k % 2 else "",
                                                      withdrawn_date="2025-03-01" if k == 3 else None), "t")
    t = prepare(conn, "bc_thoat_ngheo", COMMUNE, YEAR).tables[0]
    leaves = [leaf.expr for leaf in t.header.leaves]
    total = t.rows[-1]
    got = dict(zip(leaves, total, strict=True))
    assert got["registered"] == 3 and got["registered_poor"] == 3 and got["withdrawn"] == 1
    counted = regs[:3]
    exits = sum(1 for h in counted if h.cls in ("NEAR_POOR", "NOT_POOR", "MIDDLE"))
    assert got["exit_to_near"] + got["exit_above"] == exits
    assert got["not_exited"] == sum(1 for h in counted if h.cls == "POOR")
    assert got["supported"] == 1 and "Vốn vay: 1" in got["support_types"]
    villages = [r[1] for r in t.rows[:-1]]
    assert set(villages) <= {"Bản Chang", "Nà Phặc"}
    export(conn, "bc_thoat_ngheo", COMMUNE, YEAR, tmp_path / "dk.xlsx")


def test_monthly_regular_review_report_and_decision_lists(recorded, tmp_path, capsys):
    from bkdesk.cli.main import main
    from bkdesk.export.service import prepare
    from bkdesk.model.rules.records import Review, ReviewRound
    from bkdesk.model.store.repo_reviews import save_review, save_round

    conn, truth = recorded
    rnd = save_round(conn, ReviewRound(COMMUNE, "regular", YEAR + 1, YEAR + 1, f"{YEAR + 1}-03-15", month=3),
                     "t").uid
    poor = [h for h in truth if h.cls == "POOR"]
    other = [h for h in truth if h.cls in ("NOT_POOR", "MIDDLE")]
    near = [h for h in truth if h.cls == "NEAR_POOR"]
    cases = [(poor[0], "NEAR_POOR", "decided"), (poor[1], "NOT_POOR", "decided"), (other[0], "POOR", "decided"),
             (near[0], "NEAR_POOR", "decided"), (other[1], None, "draft")]
    for h, cls, status in cases:
        save_review(conn, Review(h.uid, YEAR + 1, f"{YEAR + 1}-03-15", COMMUNE, round_uid=rnd, review_type="regular",
                                 record_status=status, final_class=cls), "t")
    t = prepare(conn, "bc_thang", COMMUNE, YEAR + 1, month=3).tables[0]
    got = dict(zip([leaf.expr for leaf in t.header.leaves], t.rows[-1], strict=True))
    assert (got["received"], got["form01"], got["form04"], got["done"]) == (5, 2, 3, 4)
    assert (got["poor"], got["near"], got["exits"], got["refused"], got["pending"]) == (1, 0, 2, 1, 1)
    assert "Rà soát thường xuyên tháng 03/2025" in t.subtitle[0]
    exits = prepare(conn, "ds_thoat_ngheo", COMMUNE, YEAR + 1, month=3).tables[0]
    assert exits.meta["households"] == 2
    with pytest.raises(UserError, match="bc_thang"):
        prepare(conn, "r01", COMMUNE, YEAR + 1, month=3)
    db_file = conn.execute("PRAGMA database_list").fetchone()[2]
    for args in (["--round", "2025-03"], ["--round", "2025", "--month", "3"]):
        out = tmp_path / f"thang-{len(args)}.xlsx"
        assert main(["report", "--db", db_file, "--form", "bc_thang", "--unit", COMMUNE, *args, "--out", str(out)]) == 0
        assert out.exists()
    assert main(["report", "--db", db_file, "--form", "bc_thang", "--unit", COMMUNE, "--round", "2025-13",
                 "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "Tháng không hợp lệ" in capsys.readouterr().err
