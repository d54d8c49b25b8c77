"""Printed forms on the canvas, one household per page (review-process.md §7, reports.md §5-§6).

Household review form (Phiếu rà soát), Form 01, Form 03 (certificate with the yearly grid), Form 04,
village-meeting minutes and the posting notice. Each ``draw_*`` draws onto the current page of a
``Page``; batching and page numbers live in ``forms.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bkdesk.export.render.pdf_base import BI, MIN_SIZE, B, I, Page, R, fit_lines, fit_size, wrap
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.official import DocInfo, dmy, mid_sentence, number_vi
from bkdesk.export.reports.scope import Scope
from bkdesk.model.rules.codelists import CodeLists
from bkdesk.model.rules.standards import Standard

CLASS_VI = {"POOR": "Hộ nghèo", "NEAR_POOR": "Hộ cận nghèo", "MIDDLE": "Hộ có mức sống trung bình",
            "NOT_POOR": "Hộ không nghèo", "PENDING": "Chưa phân loại"}
AREA_VI = {"urban": "Thành thị", "rural": "Nông thôn"}
SEX_VI = {"1": "Nam", "2": "Nữ"}


@dataclass
class FormContext:
    scope: Scope
    std: Standard
    lists: CodeLists
    layouts: dict
    doc: DocInfo
    eth: fx.Ethnicity
    commune_name: str

    def relation(self, value: str | None) -> str:
        labels = {r["code"]: r["label_vi"] for r in self.lists.items("relationships")}
        return labels.get(value or "", value or "")

    def labour(self, value: str | None) -> str:
        labels = {r["code"]: r["label_vi"] for r in self.lists.items("labour_statuses")}
        return labels.get(value or "", "")


def _line(p: Page, y: float, label: str, value: str, x: float | None = None, width: float | None = None,
          size: float = 11) -> float:
    """"Label: value" with dotted leader where the value is empty (to be written by hand). A value too long
    for its place shrinks to 9 pt, then continues on further lines; returns the extra height used."""
    x = p.left if x is None else x
    width = p.text_width if width is None else width
    p.text(x, y, label, R, size)
    lw = p.c.stringWidth(label + " ", R, size)
    if value:
        fs, lines = fit_lines(value, B, size, width - lw)
        for k, line in enumerate(lines):
            p.text(x + lw, y - k * (fs + 2), line, B, fs)
        return (len(lines) - 1) * (fs + 2)
    p.c.setDash(1, 2)
    p.c.line(x + lw, y - 1, x + width, y - 1)
    p.c.setDash()
    return 0.0


def _title(p: Page, y: float, lines: list[str], size: float = 13) -> float:
    for i, line in enumerate(lines):
        for part in wrap(line, B, size, p.text_width):
            p.centred(p.left + p.text_width / 2, y, part, B if i == 0 else B, size if i == 0 else size - 1)
            y -= size + 4
    return y - 4


def _table(p: Page, y: float, headers: list[str], widths: list[float], rows: list[list[str]], size: float = 9,
           row_h: float = 14, align: list[str] | None = None) -> float:
    """A bordered table; text never below 9 pt: a cell too narrow wraps and its row grows."""
    size = max(size, MIN_SIZE)
    scale = p.text_width / sum(widths)
    widths = [w * scale for w in widths]
    hs = [fit_lines(h, B, size, w - 3) for h, w in zip(headers, widths, strict=True)]
    head_h = max(len(lines) * (fs + 1) for fs, lines in hs) + 6
    c = p.c
    c.setLineWidth(0.5)
    x = p.left
    for (fs, lines), w in zip(hs, widths, strict=True):
        c.rect(x, y - head_h, w, head_h)
        ty = y - (head_h - len(lines) * (fs + 1)) / 2 - fs + 1.5
        c.setFont(B, fs)
        for line in lines:
            c.drawCentredString(x + w / 2, ty, line)
            ty -= fs + 1
        x += w
    y -= head_h
    for row in rows:
        h = p.row_height(widths, row, R, size, least=row_h)
        p.grid_row(p.left, y, widths, h, row, R, size, align)
        y -= h
    return y


def _more(members: list[dict], limit: int, ncols: int) -> list[list[str]]:
    """A closing row naming the members a one-page form has no room for (never silently dropped)."""
    extra = len(fx.present(members)) - limit
    return [["", f"(còn {extra} thành viên khác: ghi tiếp ở mặt sau)"] + [""] * (ncols - 2)] if extra > 0 else []


def _member_rows(ctx: FormContext, members: list[dict], limit: int) -> list[dict]:
    pres = sorted(fx.present(members), key=lambda m: (not fx.is_head(m), m["position"]))
    return pres[:limit]


def draw_review_form(p: Page, ctx: FormContext, hh: dict, members: list[dict], review: dict,
                     indicators: dict[str, dict], causes: dict[str, str]) -> None:
    y = p.official_head(ctx.doc.__class__(issuer=ctx.doc.issuer, number="", place_date=ctx.doc.place_date,
                                          motto=ctx.doc.motto, draft=False))
    y = _title(p, y, ["PHIẾU RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO",
                      f"Kỳ rà soát năm {ctx.scope.review_year} (danh sách áp dụng từ ngày 01/01/{ctx.scope.list_year})"])
    head = fx.head_of(members) or {}
    half = p.text_width / 2
    p.text(p.left, y, "I. THÔNG TIN CHUNG", B, 11)
    y -= 15
    ex = _line(p, y, "Họ và tên chủ hộ:", hh.get("head_name") or head.get("full_name", ""), width=half + 60)
    ex = max(ex, _line(p, y, "Mã hộ:", review.get("household_no") or hh.get("household_no", ""), p.left + half + 70, half - 70))
    y -= 15 + ex
    ex = _line(p, y, "Thôn:", hh.get("village_name") or "", width=half)
    ex = max(ex, _line(p, y, "Xã:", ctx.commune_name, p.left + half + 10, half - 10))
    y -= 15 + ex
    ex = _line(p, y, "Địa chỉ:", hh.get("address") or "", width=half)
    ex = max(ex, _line(p, y, "Khu vực:", AREA_VI.get(review.get("area") or "", ""), p.left + half + 10, half - 10))
    y -= 20 + ex
    p.text(p.left, y, "II. THÀNH VIÊN HỘ GIA ĐÌNH", B, 11)
    y -= 6
    rows = [[str(i), m["full_name"], SEX_VI.get(m["sex"] or "", ""), fx.birth_year(m["birth_date"]),
             ctx.eth.label(m["ethnicity"]), ctx.relation(m["relation_to_head"]), ctx.labour(m["labour_status"])]
            for i, m in enumerate(_member_rows(ctx, members, 10), 1)] + _more(members, 10, 7)
    y = _table(p, y, ["TT", "Họ và tên", "Giới tính", "Năm sinh", "Dân tộc", "Quan hệ với chủ hộ", "Tình trạng"],
               [4, 26, 7, 7, 9, 12, 14], rows, 9, 11.5, ["c", "l", "c", "c", "l", "l", "l"])
    y -= 14
    p.text(p.left, y, "III. ĐIỂM THU NHẬP (ĐIỂM A)", B, 11)
    score = review.get("score_a_final")
    p.text(p.left + 220, y, f"Tổng điểm A: {number_vi(score) if score is not None else '……'}", B, 11)
    y -= 18
    p.text(p.left, y, "IV. CÁC CHỈ SỐ THIẾU HỤT DỊCH VỤ XÃ HỘI CƠ BẢN", B, 11)
    y -= 6
    ind_rows = []
    for i, ind in enumerate(ctx.std.indicators, 1):
        v = indicators.get(ind.code, {})
        final = v.get("final") or v.get("computed")
        ind_rows.append([str(i), f"{ind.label_vi} ({ind.code})", "X" if final == "deprived" else "",
                         "X" if final == "not_deprived" else "", v.get("reason") or ""])
    y = _table(p, y, ["TT", "Chỉ số", "Thiếu hụt", "Không thiếu hụt", "Ghi chú"], [4, 36, 8, 9, 20], ind_rows,
               9, 11.5, ["c", "l", "c", "c", "l"])
    y -= 12
    reasons = review.get("reasons_text") or ""
    cause_text = "; ".join(ctx.lists.label("causes", c) if c in ctx.lists.codes("causes") else (t or c)
                           for c, t in causes.items())
    need = (15 * 3 + 12 * len(wrap(f"Lý do: {reasons}", R, 10, p.text_width))
            + (12 * len(wrap(f"Nguyên nhân nghèo: {cause_text}", R, 10, p.text_width)) if cause_text else 0)
            + 8 + Page.signature_height(1))
    if y - need < p.bottom:  # section V goes over with the signatures: never a signature block alone
        p.new_page()
        y = p.top - 10
    p.text(p.left, y, "V. KẾT QUẢ PHÂN LOẠI", B, 11)
    y -= 15
    d = review.get("deprivation_count")
    if d is None and indicators:
        d = sum(1 for v in indicators.values() if (v.get("final") or v.get("computed")) == "deprived")
    b = review.get("score_b")
    ex = _line(p, y, "Số chỉ số thiếu hụt:", "" if d is None else str(d), width=half)
    ex = max(ex, _line(p, y, "Điểm B:", "" if b is None else str(b), p.left + half + 10, half - 10))
    y -= 15 + ex
    ex = _line(p, y, "Phân loại:", CLASS_VI.get(review.get("final_class") or review.get("computed_class") or "", ""))
    y -= 15 + ex
    y = p.paragraph(p.left, y, f"Lý do: {reasons}" if reasons else "Lý do: ", p.text_width, R, 10, 12)
    if cause_text:
        y = p.paragraph(p.left, y, f"Nguyên nhân nghèo: {cause_text}", p.text_width, R, 10, 12)
    y -= 8
    p.signature(ctx.doc, y, left_title="ĐẠI DIỆN HỘ GIA ĐÌNH",
                left_name=review.get("household_representative") or "", right=["RÀ SOÁT VIÊN"],
                right_name=review.get("reviewers") or "", note="(Ký, ghi rõ họ tên)")


def _applicant(p: Page, ctx: FormContext, y: float, head: dict, form04: bool) -> float:
    half = p.text_width / 2
    ex = _line(p, y, "Họ và tên:", head.get("full_name", ""), width=half + 40)
    sex = head.get("sex") or ""
    if form04:
        p.text(p.left + half + 50, y, f"Giới tính: Nam {'☒' if sex == '1' else '☐'}  Nữ {'☒' if sex == '2' else '☐'}",
               R, 11)
    else:
        ex = max(ex, _line(p, y, "Giới tính (1 Nam / 2 Nữ):", sex, p.left + half + 50, half - 50))
    y -= 16 + ex
    ex = _line(p, y, "Ngày sinh:", dmy(head.get("birth_date")), width=half)
    ex = max(ex, _line(p, y, "Dân tộc:", ctx.eth.label(head.get("ethnicity")), p.left + half + 10, half - 10))
    y -= 16 + ex
    ex = _line(p, y, "Số CCCD/CMND:", head.get("id_number") or "", width=half)
    ex = max(ex, _line(p, y, "Ngày cấp:", dmy(head.get("id_issue_date")), p.left + half + 10, half - 10))
    y -= 16 + ex
    if form04:
        ex = _line(p, y, "Nơi cấp:", head.get("id_issue_place") or "")
        y -= 16 + ex
        ex = _line(p, y, "Nơi cư trú:", head.get("current_residence") or head.get("permanent_residence") or "")
        y -= ex
    else:
        ex = _line(p, y, "Nơi thường trú:", head.get("permanent_residence") or "")
        y -= 16 + ex
        ex = _line(p, y, "Nơi ở hiện tại:", head.get("current_residence") or "")
        y -= ex
    return y - 20


def draw_form01(p: Page, ctx: FormContext, hh: dict, members: list[dict]) -> None:
    y = p.motto_centred(ctx.doc)
    p.c.setFont(I, 10)
    p.c.drawRightString(p.right, p.top + 6, "Mẫu số 01")
    y = _title(p, y, ["GIẤY ĐỀ NGHỊ", "Rà soát hộ nghèo, hộ cận nghèo"])
    p.centred(p.left + p.text_width / 2, y, f"Kính gửi: Chủ tịch Ủy ban nhân dân {ctx.commune_name}", R, 12)
    y -= 24
    head = fx.head_of(members) or {}
    y = _applicant(p, ctx, y, head, False)
    p.text(p.left, y, "Các thành viên trong hộ gia đình:", B, 11)
    y -= 6
    rows = [[str(i), m["full_name"], SEX_VI.get(m["sex"] or "", ""), dmy(m["birth_date"]),
             ctx.relation(m["relation_to_head"]), ctx.labour(m["labour_status"])]
            for i, m in enumerate(_member_rows(ctx, members, 12), 1)] + _more(members, 12, 6)
    y = _table(p, y, ["TT", "Họ và tên", "Giới tính", "Ngày sinh", "Quan hệ với chủ hộ", "Tình trạng"],
               [4, 28, 8, 11, 13, 16], rows, 9, 14, ["c", "l", "c", "c", "l", "l"])
    _reason_and_signature(p, ctx, y, head, 4)


def _reason_and_signature(p: Page, ctx: FormContext, y: float, head: dict, reason_lines: int) -> None:
    """The closing block of Forms 01 and 04: blank lines for the reason, place and date, the applicant's signature."""
    y -= 18
    if y - 18 * reason_lines - 26 - 30 - 60 - 2 * 14 < p.bottom:  # the closing block stays together
        p.new_page()
        y = p.top - 10
    p.text(p.left, y, "Lý do đề nghị:", B, 11)
    for _ in range(reason_lines):
        y -= 18
        ex = _line(p, y, "", "")
    y -= 26 + ex
    place = ctx.doc.place_date.split(",")[0]
    x = p.left + p.text_width * 0.75
    p.centred(x, y, f"{place}, ngày …… tháng …… năm ……", I, 12)
    p.centred(x, y - 16, "NGƯỜI ĐỀ NGHỊ", B, 12)
    p.centred(x, y - 30, "(Ký, ghi rõ họ tên)", I, 11)
    fs, names = fit_lines(head.get("full_name", ""), B, 12, p.text_width / 2 - 4)
    for k, line in enumerate(names):
        p.centred(x, y - 90 - k * (fs + 2), line, B, fs)


def draw_form04(p: Page, ctx: FormContext, hh: dict, members: list[dict], current: str | None) -> None:
    y = p.motto_centred(ctx.doc)
    p.c.setFont(I, 10)
    p.c.drawRightString(p.right, p.top + 6, "Mẫu số 04")
    y = _title(p, y, ["GIẤY ĐỀ NGHỊ", "CÔNG NHẬN HỘ THOÁT NGHÈO, HỘ THOÁT CẬN NGHÈO"])
    p.centred(p.left + p.text_width / 2, y, f"Kính gửi: Chủ tịch Ủy ban nhân dân {ctx.commune_name}", R, 12)
    y -= 24
    head = fx.head_of(members) or {}
    y = _applicant(p, ctx, y, head, True)
    status = CLASS_VI.get(current or "", "")
    y = p.paragraph(p.left, y, f"Hộ gia đình hiện là: {status or '……………'}. Qua rà soát, hộ gia đình tôi tự nhận thấy "
                    "đã thoát nghèo / thoát cận nghèo, đề nghị Ủy ban nhân dân xã xem xét, công nhận.",
                    p.text_width, R, 11.5, 16)
    y -= 6
    p.text(p.left, y, "Các thành viên trong hộ gia đình:", B, 11)
    y -= 6
    rows = [[str(i), m["full_name"], SEX_VI.get(m["sex"] or "", ""), fx.birth_year(m["birth_date"]),
             ctx.relation(m["relation_to_head"])] for i, m in enumerate(_member_rows(ctx, members, 12), 1)]
    rows += _more(members, 12, 5)
    y = _table(p, y, ["TT", "Họ và tên", "Giới tính", "Năm sinh", "Quan hệ với chủ hộ"], [4, 32, 9, 9, 16], rows,
               9, 14, ["c", "l", "c", "c", "l"])
    _reason_and_signature(p, ctx, y, head, 3)


def draw_form03(p: Page, ctx: FormContext, hh: dict, members: list[dict], history: list[dict],
                deprived_by_year: dict[int, set[str]]) -> None:
    y = p.official_head(ctx.doc)
    p.c.setFont(I, 10)
    p.c.drawRightString(p.right, p.top + 6, "Mẫu số 03")
    y = _title(p, y, ["GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO"])
    p.centred(p.left + p.text_width / 2, y, f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ctx.commune_name.upper()} CHỨNG NHẬN:",
              B, fit_size("CHỦ TỊCH ỦY BAN NHÂN DÂN " + ctx.commune_name.upper() + " CHỨNG NHẬN:", B, 11.5,
                          p.text_width))
    y -= 20
    head = fx.head_of(members) or {}
    half = p.text_width / 2
    ex = _line(p, y, "Hộ gia đình ông/bà:", hh.get("head_name") or head.get("full_name", ""), width=half + 60)
    ex = max(ex, _line(p, y, "Dân tộc:", ctx.eth.label(head.get("ethnicity")), p.left + half + 70, half - 70))
    y -= 15 + ex
    ex = _line(p, y, "Số CCCD:", head.get("id_number") or "", width=half)
    ex = max(ex, _line(p, y, "Ngày cấp:", dmy(head.get("id_issue_date")), p.left + half + 10, half - 10))
    y -= 15 + ex
    ex = _line(p, y, "Nơi cấp:", head.get("id_issue_place") or "")
    y -= 15 + ex
    residence = (head.get("permanent_residence") or head.get("current_residence")
                 or ", ".join(x for x in (hh.get("village_name"), ctx.commune_name) if x))
    ex = _line(p, y, "Nơi cư trú:", residence)
    y -= 20 + ex
    p.text(p.left, y, "I. DANH SÁCH THÀNH VIÊN TRONG HỘ", B, 11)
    y -= 6
    rows = []
    for i, m in enumerate(_member_rows(ctx, members, 10), 1):
        born = fx.birth_year(m["birth_date"])
        rows.append([str(i), m["full_name"], ctx.eth.label(m["ethnicity"]), ctx.relation(m["relation_to_head"]),
                     born if m["sex"] == "1" else "", born if m["sex"] == "2" else "", m.get("note") or ""])
    rows += _more(members, 10, 7)
    y = _table(p, y, ["STT", "Họ và tên", "Dân tộc", "Quan hệ với chủ hộ", "Năm sinh (Nam)", "Năm sinh (Nữ)",
                      "Ghi chú"], [4, 26, 9, 11, 8, 8, 12], rows, 8.5, 12.5, ["c", "l", "l", "l", "c", "c", "l"])
    y -= 16
    years = ctx.layouts.get("certificate_years", {}).get(ctx.std.id, [])
    p.text(p.left, y, f"II. KẾT QUẢ PHÂN LOẠI HỘ GIA ĐÌNH {years[0]}-{years[-1]}" if years else "II. KẾT QUẢ",
           B, 11)
    y -= 6
    codes = list(ctx.std.indicator_codes)
    by_year = {h["list_year"]: h["final_class"] for h in history}
    grid = []
    for year in years:
        cls = by_year.get(year)
        dep = deprived_by_year.get(year, set())
        grid.append([str(year), "N" if cls == "POOR" else "", "CN" if cls == "NEAR_POOR" else ""]
                    + ["x" if cls in ("POOR", "NEAR_POOR") and c in dep else "" for c in codes] + [""])
    y = _table(p, y, ["Năm", "N", "CN"] + codes + ["Xác nhận của Chủ tịch UBND"], [6, 4, 4] + [6] * len(codes)
               + [13], grid, 9, 22, ["c"] * (len(codes) + 4))
    y -= 12
    legend = "N: hộ nghèo; CN: hộ cận nghèo; x: chỉ số thiếu hụt. " + "; ".join(
        f"{i.code}: {i.label_vi}" for i in ctx.std.indicators)
    if y - 11 * len(wrap(legend, I, 9, p.text_width)) - 14 - Page.signature_height(1) < p.bottom:
        p.new_page()  # the legend goes over with the signature: never a signature block alone
        y = p.top - 10
    y = p.paragraph(p.left, y, legend, p.text_width, I, 9, 11)
    p.signature(ctx.doc, y - 14, right=["CHỦ TỊCH"])


def paged_table(p: Page, y: float, headers: list[str], widths: list[float], rows: list[list[str]],
                align: list[str], keep_after: float = 0, size: float = MIN_SIZE, row_h: float = 14) -> float:
    """A table continued over as many pages as it needs (header repeated); the last two rows go over with
    the ``keep_after`` block that follows them (a closing text, a signature) rather than leave it alone."""
    start = 0
    while start < len(rows):
        scale = p.text_width / sum(widths)
        abs_w = [w * scale for w in widths]
        head_h = max(len(fit_lines(h, B, size, w - 3)[1]) * (size + 1) for h, w in zip(headers, abs_w,
                                                                                        strict=True)) + 6
        room = y - head_h - p.bottom
        end, used = start, 0.0
        while end < len(rows):
            h = p.row_height(abs_w, rows[end], R, size, least=row_h)
            tail = keep_after if end >= len(rows) - 1 else 0
            if used + h + tail > room:
                break
            used += h
            end += 1
        if end == len(rows) - 1 and end - start >= 2:  # the last row and the closing block do not fit:
            end -= 1  # take one more row over with them
        if end == start and y < p.top - 40:
            p.new_page()
            y = p.top - 10
            continue
        end = max(end, start + 1)
        y = _table(p, y, headers, widths, rows[start:end], size, row_h, align)
        start = end
        if start < len(rows):
            p.new_page()
            y = p.top - 10
    if y - keep_after < p.bottom:
        p.new_page()
        y = p.top - 10
    return y


def _meeting_time(meeting: dict | None, year: int) -> str:
    if not meeting or not meeting.get("meeting_date"):
        return f"…… giờ …… ngày …… tháng …… năm {year}"
    text = meeting["meeting_date"]
    when = f"{text[11:16].replace(':', ' giờ ')} phút, " if len(text) >= 16 and text[10] in "T " else ""
    try:
        import datetime as _dt

        d = _dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{when}ngày {d.day:02d} tháng {month} năm {d.year}"


def draw_minutes(p: Page, ctx: FormContext, village: str, focus: list[tuple[str, str, str]], counts: dict[str, int],
                 meeting: dict | None = None, votes: dict[str, int] | None = None) -> None:
    """Village meeting minutes (local template, reports.md §6): the meeting record and every household whose
    status changed, with the number agreeing per household (blank to fill in by hand when not recorded)."""
    meeting = meeting or {}
    votes = votes or {}
    y = p.official_head(ctx.doc.__class__(issuer=[f"{ctx.commune_name.upper()}", village.upper()], number="",
                                          place_date="", motto=ctx.doc.motto, draft=ctx.doc.draft))
    y = _title(p, y + 18, ["BIÊN BẢN HỌP DÂN",
                           f"Bình xét kết quả rà soát hộ nghèo, hộ cận nghèo năm {ctx.scope.review_year}"])
    place = meeting.get("place") or f"nhà văn hóa {village}"
    y = p.paragraph(p.left, y, f"Thời gian: {_meeting_time(meeting, ctx.scope.review_year)}. Địa điểm: {place}, "
                    f"{mid_sentence(ctx.commune_name)}.", p.text_width, R, 12, 16)
    ex = _line(p, y, "Chủ trì (Trưởng thôn):", meeting.get("chair") or "", size=12)
    y -= 16 + ex
    ex = _line(p, y, "Thư ký:", meeting.get("secretary") or "", size=12)
    y -= 16 + ex
    y = p.paragraph(p.left, y, "Thành phần: Ban Chỉ đạo rà soát xã, công chức làm công tác giảm nghèo xã, Bí thư chi "
                    "bộ, các đoàn thể thôn, rà soát viên, đại diện các hộ gia đình; đại diện Mặt trận Tổ quốc xã "
                    "(giám sát).", p.text_width, R, 12, 16)
    attendees = meeting.get("attendees")
    ex = _line(p, y, "Tổng số người tham dự:", f"{number_vi(attendees)} người" if attendees else "",
               width=p.text_width / 2, size=12)
    y -= 20 + ex
    y = p.paragraph(p.left, y, "Kết quả rà soát của thôn đưa ra bình xét: hộ nghèo "
                    f"{counts.get('POOR', 0)} hộ; hộ cận nghèo {counts.get('NEAR_POOR', 0)} hộ; thoát nghèo "
                    f"{counts.get('exit_poor', 0)} hộ; thoát cận nghèo {counts.get('exit_near', 0)} hộ; "
                    f"hộ nghèo mới {counts.get('new_poor', 0)} hộ (trong đó từ hộ cận nghèo "
                    f"{counts.get('poor_from_near', 0)} hộ); tái nghèo {counts.get('relapse_poor', 0)} hộ; "
                    f"hộ cận nghèo mới {counts.get('new_near', 0)} hộ; tái cận nghèo {counts.get('relapse_near', 0)} "
                    "hộ. Danh sách các hộ thay đổi tình trạng và kết quả biểu quyết:", p.text_width, R, 12, 16)
    list_agree = meeting.get("list_agree")
    rows = []
    for i, (uid, name, result) in enumerate(focus, 1):
        n = votes.get(uid, list_agree)
        share = f" ({n * 100 / attendees:.0f}%)".replace(".", ",") if n is not None and attendees else ""
        rows.append([str(i), name, result, f"{number_vi(n)}{share}" if n is not None else ""])
    if not rows:
        rows = [["", "Không có hộ thay đổi tình trạng", "", ""]]
    closing = 16 * 3 + 8 + 26 + 60
    y = paged_table(p, y, ["STT", "Họ và tên chủ hộ", "Kết quả rà soát", "Số người đồng ý"], [5, 30, 24, 14],
                    rows, ["c", "l", "l", "c"], keep_after=closing)
    y -= 16
    y = p.paragraph(p.left, y, "Kết luận: các hộ có từ 50% số người tham dự trở lên đồng ý được thống nhất đưa vào "
                    "danh sách; các hộ chưa đạt được rà soát lại. Biên bản được lập thành 02 bản: 01 bản lưu tại "
                    "thôn, 01 bản gửi Ban Chỉ đạo rà soát xã.", p.text_width, R, 12, 16)
    y -= 8
    third = p.text_width / 3
    names = (meeting.get("secretary") or "", "", meeting.get("chair") or "")
    for i, title in enumerate(("THƯ KÝ", "ĐẠI DIỆN CÁC HỘ", "CHỦ TRÌ")):
        cx = p.left + third * i + third / 2
        p.centred(cx, y, title, B, 12)
        p.centred(cx, y - 14, "(Ký, ghi rõ họ tên)", I, 11)
        if names[i]:
            fs, lines = fit_lines(names[i], B, 12, third - 6)
            for k, line in enumerate(lines):
                p.centred(cx, y - 74 - k * (fs + 2), line, B, fs)


def posting_text(postings: list[dict], commune_name: str) -> tuple[str, str]:
    """("Địa điểm niêm yết: …", "Thời gian niêm yết: …") from the round's posting records."""
    if not postings:
        return (f"Địa điểm niêm yết: nhà văn hóa các thôn và trụ sở Ủy ban nhân dân {mid_sentence(commune_name)}.",
                "Thời gian niêm yết: từ ngày …/…/…… đến hết ngày …/…/…… .")
    places = []
    for po in postings:
        where = po.get("place") or ""
        if po.get("village_name") and po["village_name"] not in where:
            where = f"{where} ({po['village_name']})" if where else po["village_name"]
        if where and where not in places:
            places.append(where)
    starts = sorted(po["start_date"] for po in postings if po.get("start_date"))
    ends = sorted(po["end_date"] for po in postings if po.get("end_date"))
    when = (f"Thời gian niêm yết: từ ngày {dmy(starts[0])} đến hết ngày {dmy(ends[-1])}."
            if starts and ends else "Thời gian niêm yết: từ ngày …/…/…… đến hết ngày …/…/…… .")
    return "Địa điểm niêm yết: " + "; ".join(places) + ".", when


def draw_notice(p: Page, ctx: FormContext, per_village: list[tuple[str, dict]], total: dict,
                postings: list[dict] | None = None, village: str | None = None) -> float:
    """Summary posting notice (reports.md §5): households and persons per village and for the commune (or for
    one village), the posting places and dates from the round's posting record, how to complain."""
    y = p.official_head(ctx.doc)
    where = f"{village}, {mid_sentence(ctx.commune_name)}" if village else mid_sentence(ctx.commune_name)
    y = _title(p, y, ["THÔNG BÁO", f"Niêm yết công khai kết quả rà soát hộ nghèo, hộ cận nghèo năm "
                                   f"{ctx.scope.review_year}" + (f" - {village}" if village else "")])
    y = p.paragraph(p.left, y, f"Ủy ban nhân dân {mid_sentence(ctx.commune_name)} thông báo kết quả rà soát hộ nghèo, "
                    f"hộ cận nghèo năm {ctx.scope.review_year} (áp dụng từ ngày 01/01/{ctx.scope.list_year}) của "
                    f"{where} như sau:", p.text_width, R, 12, 16)
    keys = [("POOR", "Hộ nghèo"), ("NEAR_POOR", "Hộ cận nghèo"), ("exit_poor", "Thoát nghèo"),
            ("exit_near", "Thoát cận nghèo")]
    headers = ["Thôn"] + [f"{lab} ({u})" for _, lab in keys for u in ("hộ", "khẩu")]
    rows = [[name] + [number_vi(c.get(f"{k}.{u}", 0)) for k, _ in keys for u in ("hh", "pp")]
            for name, c in per_village]
    if not village:
        rows.append(["Toàn xã"] + [number_vi(total.get(f"{k}.{u}", 0)) for k, _ in keys for u in ("hh", "pp")])
    place, when = posting_text(postings or [], ctx.commune_name)
    texts = (place, when,
             "Trong thời gian niêm yết, nếu có ý kiến không đồng ý với kết quả rà soát, người dân gửi ý kiến "
             "(trực tiếp hoặc bằng văn bản) đến Ban Chỉ đạo rà soát xã; Ban Chỉ đạo tổ chức phúc tra và niêm "
             "yết công khai kết quả phúc tra.",
             "Danh sách hộ kèm theo Thông báo này.")
    closing = sum(16 * len(wrap(t, R, 12, p.text_width)) + 4 for t in texts) + 40 + Page.signature_height(2)
    y = paged_table(p, y, headers, [22] + [9] * 8, rows, ["l"] + ["r"] * 8, keep_after=closing, row_h=16)
    y -= 16
    for text in texts:
        y = p.paragraph(p.left, y, text, p.text_width, R, 12, 16) - 4
    p.text(p.left, y - 10, "Nơi nhận:", BI, 12)
    p.text(p.left, y - 24, "- Các thôn (niêm yết);", R, 11)
    p.text(p.left, y - 37, "- Lưu: VT.", R, 11)
    return p.signature(ctx.doc, y - 10)


def draw_decision(p: Page, ctx: FormContext, counts: dict[str, tuple[int, int]], recipients: list[str]) -> None:
    """The commune's recognition decision (Form 02, reports.md §4): number, date, the four attached lists with
    their households and persons, signed for the People's Committee."""
    y = p.official_head(ctx.doc)
    p.c.setFont(I, 10)
    p.c.drawRightString(p.right, p.top + 6, "Mẫu số 02")
    year = ctx.scope.review_year
    y = _title(p, y, ["QUYẾT ĐỊNH", f"Về việc công nhận hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo "
                                   f"năm {year}"])
    y -= 4
    p.centred(p.left + p.text_width / 2, y, f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ctx.commune_name.upper()}", B,
              fit_size(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {ctx.commune_name.upper()}", B, 13, p.text_width))
    y -= 24
    basis = [f"Căn cứ {b['document']}" + (f" ngày {dmy(b['date'])}" if b.get("date") else "") + ";"
             for b in ctx.std.data.get("legal_basis", []) if b.get("document")]
    basis += ["Căn cứ Quyết định số 24/2021/QĐ-TTg ngày 16/07/2021 của Thủ tướng Chính phủ quy định quy trình rà "
              "soát hộ nghèo, hộ cận nghèo hằng năm và quy trình xác định hộ làm nông nghiệp, lâm nghiệp, ngư "
              "nghiệp và diêm nghiệp có mức sống trung bình;",
              f"Căn cứ kết quả rà soát, họp dân và niêm yết công khai năm {year} của các thôn;",
              "Theo đề nghị của công chức làm công tác giảm nghèo xã."]
    for text in basis:
        y = p.paragraph(p.left + 20, y, text, p.text_width - 20, I, 12, 16) - 2
    y -= 8
    p.centred(p.left + p.text_width / 2, y, "QUYẾT ĐỊNH:", B, 13)
    y -= 22
    labels = (("ds_ngheo", "hộ nghèo"), ("ds_can_ngheo", "hộ cận nghèo"), ("ds_thoat_ngheo", "hộ thoát nghèo"),
              ("ds_thoat_can_ngheo", "hộ thoát cận nghèo"))
    y = p.paragraph(p.left, y, f"Điều 1. Công nhận hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo năm "
                    f"{year} trên địa bàn {mid_sentence(ctx.commune_name)}, cụ thể:", p.text_width, R, 12, 16)
    for i, (key, label) in enumerate(labels, 1):
        hh, pp = counts.get(key, (0, 0))
        y = p.paragraph(p.left + 20, y, f"{i}. Số {label}: {number_vi(hh)} hộ, {number_vi(pp)} nhân khẩu "
                        f"(Danh sách {i} kèm theo).", p.text_width - 20, R, 12, 16)
    for text in (f"Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Danh sách hộ nghèo, hộ cận nghèo tại Điều 1 "
                 f"được áp dụng từ ngày 01/01/{ctx.scope.list_year}.",
                 "Điều 3. Công chức làm công tác giảm nghèo, các thôn và các hộ gia đình có tên tại Điều 1 "
                 "chịu trách nhiệm thi hành Quyết định này."):
        y = p.paragraph(p.left, y - 4, text, p.text_width, R, 12, 16)
    need = 16 + 13 * (len(recipients) + 1) + Page.signature_height(len(ctx.doc.signature))
    if y - need < p.bottom:
        p.new_page()
        y = p.top - 10
    y -= 12
    p.text(p.left, y, "Nơi nhận:", BI, 12)
    for k, line in enumerate(recipients, 1):
        p.text(p.left, y - 13 * k, line, R, 11)
    p.signature(ctx.doc, y)
