"""Forms print legibly with long names (issue 19): no text below 9 pt, nothing past the page edge or into the
next cell, Liberation Serif embedded, signature blocks with the content above them."""

from __future__ import annotations

import random

import pytest
from pypdf import PdfReader

from bkdesk.export.forms import write_forms
from bkdesk.export.render.pdf_base import MIN_SIZE, B, width
from bkdesk.model.store.repo_households import get_household, save_household
from bkdesk.model.store.repo_reviews import save_review
from tests.export.builders import COMMUNE, YEAR, build_round

LONG_NAME = "Hoàng Thị Phương Thảo Nguyễn Ngọc Bích Liên Hương Trần Mai H"  # 60 characters
REVIEWER = "Nông Thị Hồng Nhung, Triệu Văn Khánh Lâm"  # 40 characters
KINDS = ("review", "form01", "form03", "form04", "minutes", "notice", "decision")


@pytest.fixture
def long_names(db):
    return make_long_names(db)


def make_long_names(db):
    """A round where a poor household's head has a 60-character name and its reviewers a 40-character one."""
    assert len(LONG_NAME) == 60 and len(REVIEWER) == 40
    truth = build_round(db, random.Random(31), 12, draft_rate=0.0)
    h = next(h for h in truth if h.cls == "POOR")
    bundle = get_household(db, h.uid)
    head = bundle.members[0]
    head.full_name = LONG_NAME
    head.id_number, head.id_issue_date, head.id_issue_place = "006190001234", "2021-04-12", "Cục Cảnh sát QLHC về TTXH"
    head.permanent_residence = "Thôn Bản Chang, xã Vân Tùng, huyện Ngân Sơn, tỉnh Bắc Kạn"
    save_household(db, bundle, "t")
    uid = db.execute("SELECT uid FROM review WHERE household_uid=? AND list_year=?", (h.uid, YEAR + 1)).fetchone()[0]
    from bkdesk.model.store.repo_reviews import get_review

    r = get_review(db, uid)
    r.reviewers, r.household_representative, r.roster_snapshot = REVIEWER, LONG_NAME, None
    save_review(db, r, "t")
    return db


def _runs(path):
    """(page, text, font size, x, y, font name) of every text run."""
    out = []
    for n, page in enumerate(PdfReader(path).pages):
        def visit(text, cm, tm, font, size, n=n):
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * ((cm[0] ** 2 + cm[1] ** 2) ** 0.5)
                out.append((n, text, size * scale, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5],
                            (font or {}).get("/BaseFont", "")))
        page.extract_text(visitor_text=visit)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_long_names_print_legibly_on_every_form(long_names, tmp_path, kind):
    out, _pages = write_forms(long_names, kind, COMMUNE, YEAR, tmp_path / f"{kind}.pdf")
    runs = _runs(out)
    assert runs
    page_w = float(PdfReader(out).pages[0].mediabox.width)
    small = [(t, round(s, 1)) for _n, t, s, _x, _y, _f in runs if s < MIN_SIZE - 0.01]
    assert not small, small[:5]
    assert all("LiberationSerif" in f for *_rest, f in runs), {f for *_r, f in runs}
    for _n, text, size, x, _y, _f in runs:  # every run starts and ends on the page (the watermark is diagonal)
        if text.startswith("BẢN NHÁP"):
            continue
        assert 0 <= x and x + width(text, B, size) * 0.97 <= page_w, (text, x, size)
    if kind in ("review", "form03", "form04", "form01"):
        assert "Hoàng Thị Phương Thảo" in " ".join(r[1] for r in runs)
