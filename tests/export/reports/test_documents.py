"""What the round's documents say (issue 19): the recorded decision, the meeting and posting records, the
names of the issuing bodies on the document date, the household record on Forms 03/04."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from pypdf import PdfReader

from bkdesk.export.reports.layouts import load_layouts
from bkdesk.export.reports.official import doc_info, mid_sentence
from bkdesk.export.reports.scope import resolve_scope
from bkdesk.export.service import export
from bkdesk.model.store import repo_rounds
from bkdesk.model.store.db import transaction
from tests.export.builders import COMMUNE, YEAR, build_round

NUMBER, DATE = "184/QĐ-UBND", "2024-12-14"


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _round_uid(conn, year=YEAR):
    return conn.execute("SELECT uid FROM review_round WHERE kind='periodic' AND review_year=?", (year,)).fetchone()[0]


@pytest.fixture
def recorded(db):
    truth = build_round(db, random.Random(31), 40, draft_rate=0.0)
    rnd = _round_uid(db)
    villages = {h.village for h in truth}
    with transaction(db):
        repo_rounds.write_decision(db, "dec-1", {"round_uid": rnd, "number": NUMBER, "decision_date": DATE,
                                                 "signer": "Nông Văn Chủ Tịch"}, "test")
        for i, v in enumerate(sorted(villages)):
            focus = [h.uid for h in truth if h.village == v and h.cls][:3]
            repo_rounds.write_meeting(db, f"meet-{i}", {
                "round_uid": rnd, "village_uid": v, "meeting_date": "2024-11-20", "place": "Nhà văn hóa thôn",
                "chair": f"Trưởng Thôn {i}", "secretary": f"Thư Ký {i}", "attendees": 57, "list_agree": None,
                "votes": json.dumps({u: 41 + k for k, u in enumerate(focus)})}, "test")
            repo_rounds.write_posting(db, f"post-{i}", {"round_uid": rnd, "village_uid": v,
                                                        "place": "Nhà văn hóa thôn", "start_date": "2024-11-25",
                                                        "end_date": "2024-12-01"}, "test")
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
