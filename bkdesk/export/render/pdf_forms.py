"""Printed forms on the canvas, one household per page (review-process.md §7, reports.md §5-§6).

Household review form (Phiếu rà soát), Form 01, Form 03 (certificate with the yearly grid), Form 04,
village-meeting minutes and the posting notice. Each ``draw_*`` draws onto the current page of a
``Page``; batching and page numbers live in ``forms.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bkdesk.export.render.pdf_base import BI, B, I, Page, R, fit_size, wrap
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.official import DocInfo, dmy, number_vi
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
          size: float = 11) -> None:
    """"Label: value" with dotted leader where the value is empty (to be written by hand)."""
    x = p.left if x is None else x
    width = p.text_width if width is None else width
    p.text(x, y, label, R, size)
    lw = p.c.stringWidth(label + " ", R, size)
    if value:
        p.text(x + lw, y, value, B, fit_size(value, B, size, width - lw))
    else:
        p.c.setDash(1, 2)
        p.c.line(x + lw, y - 1, x + width, y - 1)
        p.c.setDash()


def _title(p: Page, y: float, lines: list[str], size: float = 13) -> float:
    for i, line in enumerate(lines):
        for part in wrap(line, B, size, p.text_width):
            p.centred(p.left + p.text_width / 2, y, part, B if i == 0 else B, size if i == 0 else size - 1)
            y -= size + 4
    return y - 4


def _table(p: Page, y: float, headers: list[str], widths: list[float], rows: list[list[str]], size: float = 9,
           row_h: float = 14, align: list[str] | None = None) -> float:
    scale = p.text_width / sum(widths)
    widths = [w * scale for w in widths]
    head_h = max(len(wrap(h, B, size - 0.5, w - 3)) for h, w in zip(headers, widths, strict=True)) * size + 6
    c = p.c
    c.setLineWidth(0.5)
    x = p.left
    for h, w in zip(headers, widths, strict=True):
        c.rect(x, y - head_h, w, head_h)
        lines = wrap(h, B, size - 0.5, w - 3)
        ty = y - (head_h - len(lines) * size) / 2 - size + 1.5
        c.setFont(B, size - 0.5)
        for line in lines:
            c.drawCentredString(x + w / 2, ty, line)
            ty -= size
        x += w
    y -= head_h
    for row in rows:
        p.grid_row(p.left, y, widths, row_h, row, R, size, align)
        y -= row_h
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
                      f"Kỳ rà soát năm {ctx.scope.review_year} - chuẩn nghèo {ctx.std.id}"])
    head = fx.head_of(members) or {}
    half = p.text_width / 2
    p.text(p.left, y, "I. THÔNG TIN CHUNG", B, 11)
    y -= 15
    _line(p, y, "Họ và tên chủ hộ:", hh.get("head_name") or head.get("full_name", ""), width=half + 60)
    _line(p, y, "Mã hộ:", review.get("household_no") or hh.get("household_no", ""), p.left + half + 70, half - 70)
    y -= 15
    _line(p, y, "Thôn:", hh.get("village_name") or "", width=half)
    _line(p, y, "Xã:", ctx.commune_name, p.left + half + 10, half - 10)
    y -= 15
    _line(p, y, "Địa chỉ:", hh.get("address") or "", width=half)
    _line(p, y, "Khu vực:", AREA_VI.get(review.get("area") or "", ""), p.left + half + 10, half - 10)
    y -= 20
    p.text(p.left, y, "II. THÀNH VIÊN HỘ GIA ĐÌNH", B, 11)
    y -= 6
    rows = [[str(i), m["full_name"], SEX_VI.get(m["sex"] or "", ""), fx.birth_year(m["birth_date"]),
             ctx.eth.label(m["ethnicity"]), ctx.relation(m["relation_to_head"]), ctx.labour(m["labour_status"])]
            for i, m in enumerate(_member_rows(ctx, members, 10), 1)] + _more(members, 10, 7)
    y = _table(p, y, ["TT", "Họ và tên", "Giới tính", "Năm sinh", "Dân tộc", "Quan hệ với chủ hộ", "Tình trạng"],
               [4, 26, 7, 7, 9, 12, 14], rows, 8.5, 12.5, ["c", "l", "c", "c", "l", "l", "l"])
    y -= 16
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
               8.5, 12.5, ["c", "l", "c", "c", "l"])
    y -= 16
    p.text(p.left, y, "V. KẾT QUẢ PHÂN LOẠI", B, 11)
    y -= 15
    d = review.get("deprivation_count")
    if d is None and indicators:
        d = sum(1 for v in indicators.values() if (v.get("final") or v.get("computed")) == "deprived")
    b = review.get("score_b")
    _line(p, y, "Số chỉ số thiếu hụt:", "" if d is None else str(d), width=half)
    _line(p, y, "Điểm B:", "" if b is None else str(b), p.left + half + 10, half - 10)
    y -= 15
    _line(p, y, "Phân loại:", CLASS_VI.get(review.get("final_class") or review.get("computed_class") or "", ""))
    y -= 15
    reasons = review.get("reasons_text") or ""
    cause_text = "; ".join(ctx.lists.label("causes", c) if c in ctx.lists.codes("causes") else (t or c)
                           for c, t in causes.items())
    y = p.paragraph(p.left, y, f"Lý do: {reasons}" if reasons else "Lý do: ", p.text_width, R, 10, 12)
    if cause_text:
        y = p.paragraph(p.left, y, f"Nguyên nhân nghèo: {cause_text}", p.text_width, R, 10, 12)
    y -= 8
    p.signature(ctx.doc, max(y, p.bottom + 80), left_title="ĐẠI DIỆN HỘ GIA ĐÌNH",
                left_name=review.get("household_representative") or "", right=["RÀ SOÁT VIÊN"],
                right_name=review.get("reviewers") or "", note="(Ký, ghi rõ họ tên)")


def _applicant(p: Page, ctx: FormContext, y: float, head: dict, form04: bool) -> float:
    half = p.text_width / 2
    _line(p, y, "Họ và tên:", head.get("full_name", ""), width=half + 40)
    sex = head.get("sex") or ""
    if form04:
        p.text(p.left + half + 50, y, f"Giới tính: Nam {'☒' if sex == '1' else '☐'}  Nữ {'☒' if sex == '2' else '☐'}",
               R, 11)
    else:
        _line(p, y, "Giới tính (1 Nam / 2 Nữ):", sex, p.left + half + 50, half - 50)
    y -= 16
    _line(p, y, "Ngày sinh:", dmy(head.get("birth_date")), width=half)
    _line(p, y, "Dân tộc:", ctx.eth.label(head.get("ethnicity")), p.left + half + 10, half - 10)
    y -= 16
    _line(p, y, "Số CCCD/CMND:", head.get("id_number") or "", width=half)
    _line(p, y, "Ngày cấp:", dmy(head.get("id_issue_date")), p.left + half + 10, half - 10)
    y -= 16
    if form04:
        _line(p, y, "Nơi cấp:", head.get("id_issue_place") or "")
        y -= 16
        _line(p, y, "Nơi cư trú:", head.get("current_residence") or head.get("permanent_residence") or "")
    else:
        _line(p, y, "Nơi thường trú:", head.get("permanent_residence") or "")
        y -= 16
        _line(p, y, "Nơi ở hiện tại:", head.get("current_residence") or "")
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
    p.text(p.left, y, "Lý do đề nghị:", B, 11)
    for _ in range(reason_lines):
        y -= 18
        _line(p, y, "", "")
    y -= 26
    place = ctx.doc.place_date.split(",")[0]
    x = p.left + p.text_width * 0.75
    p.centred(x, y, f"{place}, ngày …… tháng …… năm ……", I, 12)
    p.centred(x, y - 16, "NGƯỜI ĐỀ NGHỊ", B, 12)
    p.centred(x, y - 30, "(Ký, ghi rõ họ tên)", I, 11)
    p.centred(x, y - 90, head.get("full_name", ""), B, 12)


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
    _line(p, y, "Hộ gia đình ông/bà:", hh.get("head_name") or head.get("full_name", ""), width=half + 60)
    _line(p, y, "Dân tộc:", ctx.eth.label(head.get("ethnicity")), p.left + half + 70, half - 70)
    y -= 15
    _line(p, y, "Số CCCD:", head.get("id_number") or "", width=half)
    _line(p, y, "Ngày cấp:", dmy(head.get("id_issue_date")), p.left + half + 10, half - 10)
    y -= 15
    _line(p, y, "Nơi cư trú:", ", ".join(x for x in (hh.get("village_name"), ctx.commune_name) if x))
    y -= 20
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
    y = _table(p, y, ["Năm", "N", "CN"] + codes + ["Xác nhận của Chủ tịch UBND"], [7, 4, 4] + [5] * len(codes)
               + [18], grid, 7, 22, ["c"] * (len(codes) + 4))
    y -= 12
    legend = "; ".join(f"{i.code}: {i.label_vi}" for i in ctx.std.indicators)
    y = p.paragraph(p.left, y, "N: hộ nghèo; CN: hộ cận nghèo; x: chỉ số thiếu hụt. " + legend, p.text_width, I,
                    7.5, 9.5)
    p.signature(ctx.doc, max(y - 14, p.bottom + 90), right=["CHỦ TỊCH"])


def draw_minutes(p: Page, ctx: FormContext, village: str, focus: list[tuple[str, str]], counts: dict[str, int]
                 ) -> None:
    """Village meeting minutes (local template, reports.md §6), pre-filled with the round's results."""
    y = p.official_head(ctx.doc.__class__(issuer=[f"{ctx.commune_name.upper()}", village.upper()], number="",
                                          place_date="", motto=ctx.doc.motto, draft=ctx.doc.draft))
    y = _title(p, y + 18, ["BIÊN BẢN HỌP DÂN",
                           f"Bình xét kết quả rà soát hộ nghèo, hộ cận nghèo năm {ctx.scope.review_year}"])
    y = p.paragraph(p.left, y, f"Thời gian: …… giờ …… ngày …… tháng …… năm {ctx.scope.review_year}. Địa điểm: nhà "
                    f"văn hóa {village}, {ctx.commune_name}.", p.text_width, R, 11.5, 16)
    _line(p, y, "Chủ trì (Trưởng thôn):", "")
    y -= 16
    _line(p, y, "Thư ký:", "")
    y -= 16
    y = p.paragraph(p.left, y, "Thành phần: Ban Chỉ đạo rà soát xã, công chức làm công tác giảm nghèo xã, Bí thư chi "
                    "bộ, các đoàn thể thôn, rà soát viên, đại diện các hộ gia đình; đại diện Mặt trận Tổ quốc xã "
                    "(giám sát).", p.text_width, R, 11.5, 16)
    _line(p, y, "Tổng số người tham dự:", "", width=p.text_width / 2)
    y -= 20
    y = p.paragraph(p.left, y, "Kết quả rà soát của thôn đưa ra bình xét: hộ nghèo "
                    f"{counts.get('POOR', 0)} hộ; hộ cận nghèo {counts.get('NEAR_POOR', 0)} hộ; thoát nghèo "
                    f"{counts.get('exit_poor', 0)} hộ; thoát cận nghèo {counts.get('exit_near', 0)} hộ; "
                    f"hộ nghèo mới {counts.get('new_poor', 0)} hộ; hộ cận nghèo mới {counts.get('new_near', 0)} hộ.",
                    p.text_width, R, 11.5, 16)
    rows = [[str(i), name, result, ""] for i, (name, result) in enumerate(focus[:22], 1)]
    if len(focus) > 22:
        rows.append(["", f"… và {len(focus) - 22} hộ khác (danh sách kèm theo)", "", ""])
    y = _table(p, y, ["STT", "Họ và tên chủ hộ", "Kết quả rà soát", "Số người đồng ý"], [5, 30, 26, 12], rows, 9,
               13.5, ["c", "l", "l", "c"])
    y -= 16
    y = p.paragraph(p.left, y, "Kết luận: các hộ có từ 50% số người tham dự trở lên đồng ý được thống nhất đưa vào "
                    "danh sách; các hộ chưa đạt được rà soát lại. Biên bản được lập thành 02 bản: 01 bản lưu tại "
                    "thôn, 01 bản gửi Ban Chỉ đạo rà soát xã.", p.text_width, R, 11, 15)
    y -= 8
    half = p.text_width / 3
    for i, title in enumerate(("THƯ KÝ", "ĐẠI DIỆN CÁC HỘ", "CHỦ TRÌ")):
        p.centred(p.left + half * i + half / 2, max(y, p.bottom + 40), title, B, 11)
        p.centred(p.left + half * i + half / 2, max(y, p.bottom + 40) - 13, "(Ký, ghi rõ họ tên)", I, 10)


def draw_notice(p: Page, ctx: FormContext, per_village: list[tuple[str, dict]], total: dict) -> None:
    """Summary posting notice (reports.md §5): households and persons per village and for the commune."""
    y = p.official_head(ctx.doc)
    y = _title(p, y, ["THÔNG BÁO", f"Niêm yết công khai kết quả rà soát hộ nghèo, hộ cận nghèo năm "
                                   f"{ctx.scope.review_year}"])
    y = p.paragraph(p.left, y, f"Ủy ban nhân dân {ctx.commune_name} thông báo kết quả rà soát hộ nghèo, hộ cận nghèo "
                    f"năm {ctx.scope.review_year} (áp dụng từ ngày 01/01/{ctx.scope.list_year}) như sau:",
                    p.text_width, R, 12, 16)
    keys = [("POOR", "Hộ nghèo"), ("NEAR_POOR", "Hộ cận nghèo"), ("exit_poor", "Thoát nghèo"),
            ("exit_near", "Thoát cận nghèo")]
    headers = ["Thôn"] + [f"{lab} ({u})" for _, lab in keys for u in ("hộ", "khẩu")]
    rows = [[name] + [number_vi(c.get(f"{k}.{u}", 0)) for k, _ in keys for u in ("hh", "pp")]
            for name, c in per_village]
    rows.append(["Toàn xã"] + [number_vi(total.get(f"{k}.{u}", 0)) for k, _ in keys for u in ("hh", "pp")])
    y = _table(p, y, headers, [22] + [8] * 8, rows, 8.5, 14, ["l"] + ["r"] * 8)
    y -= 16
    for text in (f"Địa điểm niêm yết: nhà văn hóa các thôn và trụ sở Ủy ban nhân dân {ctx.commune_name}.",
                 "Thời gian niêm yết: từ ngày …/…/…… đến hết ngày …/…/…… .",
                 "Trong thời gian niêm yết, nếu có ý kiến không đồng ý với kết quả rà soát, người dân gửi ý kiến "
                 "(trực tiếp hoặc bằng văn bản) đến Ban Chỉ đạo rà soát xã; Ban Chỉ đạo tổ chức phúc tra và niêm "
                 "yết công khai kết quả phúc tra.",
                 "Danh sách hộ theo từng thôn kèm theo Thông báo này."):
        y = p.paragraph(p.left, y, text, p.text_width, R, 12, 16) - 4
    p.text(p.left, y - 10, "Nơi nhận:", BI, 12)
    p.text(p.left, y - 24, "- Các thôn (niêm yết);", R, 11)
    p.text(p.left, y - 37, "- Lưu: VT.", R, 11)
    p.signature(ctx.doc, y - 10)
