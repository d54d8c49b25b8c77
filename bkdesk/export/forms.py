"""Batch printing of the forms of a commune or one village into one PDF with page numbers.

Kinds: review (Phiếu rà soát, every review of the round), form01 (active households), form03 (certificates of
the poor and near-poor households; official: refused under an inactive standard or with open conflicts),
form04 (poor and near-poor households), minutes (one per village), notice (posting notice + posting list).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.render.pdf_base import Page
from bkdesk.export.render.pdf_forms import (
    FormContext,
    draw_decision,
    draw_form01,
    draw_form03,
    draw_form04,
    draw_minutes,
    draw_notice,
    draw_review_form,
)
from bkdesk.export.render.pdf_tables import draw_table
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.layouts import load_layouts
from bkdesk.export.reports.official import doc_info
from bkdesk.export.reports.round_records import (
    FORM02_LISTS,
    RoundRecords,
    note_decision,
    round_records,
    votes_of,
)
from bkdesk.export.reports.scope import form_set_of, official_blockers, resolve_scope, standard_of
from bkdesk.export.reports.tables import build_table
from bkdesk.fileio import atomic_output
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.store import repo_outputs, repo_reports
from bkdesk.model.store.access import require

KINDS = ("review", "form01", "form03", "form04", "minutes", "notice", "decision")
_DOC_KIND = {"form03": "certificate", "notice": "notice", "decision": "list"}


def _context(conn, unit_code: str, review_year: int, kind: str, official: bool, on: dt.date | None):
    from bkdesk.model.store.databases import database_tree_for

    scope = resolve_scope(unit_code, review_year, database_tree_for(conn, unit_code))
    if scope.unit.level != "commune":
        raise UserError("In biểu mẫu theo từng xã (hoặc một thôn của xã): hãy chọn mã xã.")
    std = standard_of(conn, scope)
    layouts = load_layouts(form_set_of(std))
    lists = codelists(std.id)
    doc = doc_info(scope, layouts, _DOC_KIND.get(kind, "report"), on=on, draft=not official)
    if kind in ("review", "form01", "form04", "minutes"):
        doc.draft, doc.watermark = False, ""  # working papers filled and signed by hand
    decision = round_records(conn, scope.unit.code, review_year).decision if kind == "decision" else None
    if decision is not None:  # the decision prints its recorded number, date and signer
        doc = doc_info(scope, layouts, "list", on=on or decision.date, draft=not official,
                       signer_name=decision.signer, number=decision.number_only)
    return FormContext(scope, std, lists, layouts, doc, fx.Ethnicity(lists, layouts),
                       scope.unit_name(scope.unit))


def _village(conn, ctx: FormContext, village: str | None) -> str | None:
    if not village:
        return None
    uid = repo_reports.village_uid_by_name(conn, ctx.scope.unit.code, village)
    if uid is None:
        raise UserError(f"Không có thôn «{village}» trong {ctx.commune_name}.")
    return uid


def _page_iter(p: Page, first: list[bool]) -> None:
    if first[0]:
        p.start()
        first[0] = False
    else:
        p.new_page()


def write_forms(conn: sqlite3.Connection, kind: str, unit_code: str, review_year: int, out: str | Path,
                village: str | None = None, official: bool = False, on: dt.date | None = None,
                control: JobControl = NO_CONTROL) -> tuple[Path, int]:
    """Write the batch; returns (path, number of pages). Needs the PRINT permission; the file is written to
    the audit log (who, which forms, commune or village and round, file name)."""
    require(conn, R.PRINT)
    if kind not in KINDS:
        raise UserError(f"Loại biểu mẫu không hợp lệ: {kind}. Chọn một trong: {', '.join(KINDS)}.")
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise UserError("Tệp biểu mẫu phải có đuôi .pdf.")
    official = official or kind == "form03"  # a certificate is always an official document
    ctx = _context(conn, unit_code, review_year, kind, official, on)
    village_uid = _village(conn, ctx, village)
    codes = [ctx.scope.unit.code]
    rf = (fx.read_facts(conn, ctx.scope, ctx.std) if kind in ("form03", "form04", "minutes", "notice", "decision")
          else None)
    records = round_records(conn, ctx.scope.unit.code, review_year, rf.reviews if rf else None)
    if kind == "decision" and records.decision is None and official:
        raise UserError("Đợt rà soát chưa có số, ngày quyết định công nhận: ghi quyết định của đợt trước khi in bản "
                        "chính thức (bản nháp in được với số, ngày để trống).")
    if official:
        checks = build_table("r01", ctx.scope, ctx.std, ctx.lists, ctx.layouts, rf).checks_failed if rf else []
        official_blockers(conn, ctx.scope, ctx.std, checks if kind != "form03" else [])
    with atomic_output(out) as tmp:  # temp file in the same folder, fsync, rename; removed on failure
        pages = _write_form_pdf(conn, tmp, ctx, kind, codes, village_uid, rf, records, unit_code, review_year,
                                control)
    which = "bản chính thức" if official else "bản nháp"
    repo_outputs.record_output(conn, repo_outputs.PRINT, f"Biểu mẫu {kind}, {pages} trang ({which})", out,
                               ctx.scope.unit.code, review_year, village=village)
    return out, pages


def _write_form_pdf(conn, tmp: Path, ctx, kind: str, codes: list[str], village_uid, rf, records: RoundRecords,
                    unit_code: str, review_year: int, control) -> int:
    p = Page(str(tmp), title=f"bkdesk {kind} {unit_code} {review_year}")
    p.watermark = ctx.doc.watermark
    first = [True]
    if kind == "review":
        _reviews(conn, p, ctx, codes, village_uid, first, control)
    elif kind == "form01":
        uids = repo_reports.households_in(conn, codes, village_uid)
        for i, uid in enumerate(uids):
            _page_iter(p, first)
            draw_form01(p, ctx, repo_reports.household_row(conn, uid) or {}, repo_reports.members_of(conn, uid))
            _progress(control, i, len(uids))
    elif kind in ("form03", "form04"):
        _class_forms(conn, p, ctx, rf, kind, village_uid, first, control)
    elif kind == "minutes":
        _minutes(p, ctx, rf, records, village_uid, first)
    elif kind == "notice":
        _notice(p, ctx, rf, records, village_uid, first)
    else:
        _decision(p, ctx, rf, records, first)
    if first[0]:
        raise UserError("Không có hộ nào phù hợp để in biểu mẫu này trong kỳ đã chọn.")
    pages = p.page_no
    p.save()
    return pages


def _progress(control: JobControl, i: int, n: int) -> None:
    if i % 100 == 0:
        control.report(i, n, f"Đang in {i}/{n}…")


def _reviews(conn, p: Page, ctx: FormContext, codes, village_uid, first, control) -> None:
    reviews = repo_reports.round_reviews(conn, codes, ctx.scope.review_year, village_uid)
    for i, r in enumerate(reviews):
        _page_iter(p, first)
        roster = repo_reports.review_roster(conn, r)  # the roster the review saw (its snapshot)
        heads = [m for m in roster if fx.is_head(m) and m["presence"] in repo_reports.PRESENT]
        kept = r["record_status"] in repo_reports.COUNTED  # a counted review names the head it saw
        hh = {"head_name": heads[0]["full_name"] if heads and kept else r["head_name"],
              "address": r["address"], "household_no": r["household_no"] or r["hh_no"],
              "village_name": r["village_name"]}
        draw_review_form(p, ctx, hh, roster, r,
                         repo_reports.indicator_values(conn, r["uid"]), repo_reports.review_causes(conn, r["uid"]))
        _progress(control, i, len(reviews))


def _class_forms(conn, p: Page, ctx: FormContext, rf, kind: str, village_uid, first, control) -> None:
    chosen = [f for f in rf.reviews if f["final_class"] in ("POOR", "NEAR_POOR")
              and (village_uid is None or f["village_uid"] == village_uid)]
    for i, f in enumerate(chosen):
        _page_iter(p, first)
        uid = f["household_uid"]
        hh = {"head_name": f["head_name"], "village_name": f["village_name"]}
        members = rf.members.get(uid, [])
        if kind == "form03":
            draw_form03(p, ctx, hh, members, repo_reports.household_history(conn, uid),
                        repo_reports.deprived_by_list_year(conn, uid))
        else:
            draw_form04(p, ctx, hh, members, f["final_class"])
        _progress(control, i, len(chosen))


RESULTS_VI = {"poor_exit_to_near": "Thoát nghèo - trở thành hộ cận nghèo",
              "poor_exit_above": "Thoát nghèo - vượt chuẩn cận nghèo", "near_exit_above": "Thoát cận nghèo",
              "poor_new": "Hộ nghèo mới", "poor_from_near": "Hộ nghèo mới (từ hộ cận nghèo)",
              "poor_increase_other": "Hộ nghèo mới (chuyển đến)", "poor_relapse": "Tái nghèo",
              "near_new": "Hộ cận nghèo mới", "near_increase_other": "Hộ cận nghèo mới (chuyển đến)",
              "near_relapse": "Tái cận nghèo"}


def _village_counts(rf, village_uid=None) -> dict[str, tuple[str, Counter, list]]:
    """village uid -> (name, counts, [(household uid, head, result)] of every household whose status changed)."""
    out: dict[str, tuple[str, Counter, list]] = {}
    for f in rf.reviews:
        key = f["village_uid"] or ""
        if village_uid and key != village_uid:
            continue
        name, c, focus = out.setdefault(key, (f["village_name"] or "(chưa có thôn)", Counter(), []))
        persons = len(fx.present(rf.members.get(f["household_uid"], [])))
        cls = f["final_class"]
        if cls in ("POOR", "NEAR_POOR"):
            c[cls] += 1
            c[f"{cls}.hh"] += 1
            c[f"{cls}.pp"] += persons
        poor, near = fx.transitions(fx.start_status(f), fx.end_status(cls), bool(f["was_poor"]),
                                    bool(f["was_near"]))
        if poor in ("poor_exit_to_near", "poor_exit_above"):
            c["exit_poor"] += 1
            c["exit_poor.hh"] += 1
            c["exit_poor.pp"] += persons
        if near == "near_exit_above":
            c["exit_near"] += 1
            c["exit_near.hh"] += 1
            c["exit_near.pp"] += persons
        c["new_poor"] += poor in ("poor_new", "poor_from_near", "poor_increase_other")
        c["poor_from_near"] += poor == "poor_from_near"
        c["relapse_poor"] += poor == "poor_relapse"
        c["new_near"] += near in ("near_new", "near_increase_other")
        c["relapse_near"] += near == "near_relapse"
        result = RESULTS_VI.get(poor or "") or RESULTS_VI.get(near or "")
        if result:
            focus.append((f["household_uid"], f["head_name"], result))
    return out


def _minutes(p: Page, ctx: FormContext, rf, records: RoundRecords, village_uid, first) -> None:
    for key, (name, c, focus) in _village_counts(rf, village_uid).items():
        _page_iter(p, first)
        meeting = records.meetings.get(key)
        draw_minutes(p, ctx, name, focus, c, meeting, votes_of(meeting))


def _notice(p: Page, ctx: FormContext, rf, records: RoundRecords, village_uid, first) -> None:
    per = _village_counts(rf, village_uid)
    if village_uid and village_uid not in per:
        raise UserError("Thôn đã chọn không có hộ nào được rà soát trong kỳ này.")
    total = Counter()
    for _name, c, _f in per.values():
        total.update(c)
    _page_iter(p, first)
    village = per[village_uid][0] if village_uid else None
    postings = records.postings_for(village_uid) if village_uid else records.postings
    draw_notice(p, ctx, [(name, c) for name, c, _f in per.values()], total, postings, village)
    facts = replace(rf, reviews=[f for f in rf.reviews if f["village_uid"] == village_uid]) if village_uid else rf
    table = build_table("niem_yet", ctx.scope, ctx.std, ctx.lists, ctx.layouts, facts)
    if village:
        table.subtitle.append(f"Thôn: {village}")
    draw_table(p, table, ctx.doc, first=False)


def _decision(p: Page, ctx: FormContext, rf, records: RoundRecords, first) -> None:
    """Form 02: the decision text, then its four attached lists under the same number and date."""
    tables = [build_table(tid, ctx.scope, ctx.std, ctx.lists, ctx.layouts, rf) for tid in FORM02_LISTS]
    if records.decision is not None:
        note_decision(tables, records.decision, ctx.commune_name)
    counts = {t.template_id: _list_totals(t) for t in tables}
    above = "Ủy ban nhân dân huyện" if ctx.scope.tree == "2022" else "Ủy ban nhân dân tỉnh"
    _page_iter(p, first)
    draw_decision(p, ctx, counts, ["- Như Điều 3;", f"- {above} (báo cáo);", "- Lưu: VT."])
    for t in tables:
        draw_table(p, t, ctx.doc, first=False)


def _list_totals(table) -> tuple[int, int]:
    """(households, persons) of a Form 02 list: its household rows and the sum of its 'nhân khẩu' column."""
    rows = [r for r, st in zip(table.rows, table.styles, strict=True) if not st.startswith("total")]
    col = next((i for i, leaf in enumerate(table.header.leaves) if "nhân khẩu" in leaf.label.lower()), None)
    persons = sum(r[col] for r in rows if isinstance(r[col], int)) if col is not None else 0
    return len(rows), persons
