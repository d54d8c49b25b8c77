"""Batch printing of the forms of a commune or one village into one PDF with page numbers.

Kinds: review (Phiếu rà soát, every review of the round), form01 (active households), form03 (certificates of
the poor and near-poor households; official: refused under an inactive standard or with open conflicts),
form04 (poor and near-poor households), minutes (one per village), notice (posting notice + posting list).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.export.render.pdf_base import Page
from bkdesk.export.render.pdf_forms import (
    FormContext,
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
from bkdesk.export.reports.scope import form_set_of, official_blockers, resolve_scope, standard_of
from bkdesk.export.reports.tables import build_table
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.store import repo_reports

KINDS = ("review", "form01", "form03", "form04", "minutes", "notice")
_DOC_KIND = {"form03": "certificate", "notice": "notice"}


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
    """Write the batch; returns (path, number of pages)."""
    if kind not in KINDS:
        raise UserError(f"Loại biểu mẫu không hợp lệ: {kind}. Chọn một trong: {', '.join(KINDS)}.")
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise UserError("Tệp biểu mẫu phải có đuôi .pdf.")
    official = official or kind == "form03"  # a certificate is always an official document
    ctx = _context(conn, unit_code, review_year, kind, official, on)
    village_uid = _village(conn, ctx, village)
    codes = [ctx.scope.unit.code]
    rf = fx.read_facts(conn, ctx.scope, ctx.std) if kind in ("form03", "form04", "minutes", "notice") else None
    if official:
        checks = build_table("r01", ctx.scope, ctx.std, ctx.lists, ctx.layouts, rf).checks_failed if rf else []
        official_blockers(conn, ctx.scope, ctx.std, checks if kind != "form03" else [])
    tmp = out.with_name(out.name + ".part")
    p = Page(str(tmp), title=f"bkdesk {kind} {unit_code} {review_year}")
    p.watermark = ctx.doc.watermark
    first = [True]
    try:
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
            _minutes(conn, p, ctx, rf, village_uid, first)
        else:
            _notice(p, ctx, rf, first)
        if first[0]:
            raise UserError("Không có hộ nào phù hợp để in biểu mẫu này trong kỳ đã chọn.")
        pages = p.page_no
        p.save()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out, pages


def _progress(control: JobControl, i: int, n: int) -> None:
    if i % 100 == 0:
        control.report(i, n, f"Đang in {i}/{n}…")


def _reviews(conn, p: Page, ctx: FormContext, codes, village_uid, first, control) -> None:
    reviews = repo_reports.round_reviews(conn, codes, ctx.scope.review_year, village_uid)
    for i, r in enumerate(reviews):
        _page_iter(p, first)
        roster = repo_reports.review_roster(conn, r)  # the roster the review saw (its snapshot)
        heads = [m for m in roster if fx.is_head(m) and m["presence"] in repo_reports.PRESENT]
        hh = {"head_name": heads[0]["full_name"] if heads and r.get("roster_snapshot") else r["head_name"],
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


def _village_counts(rf, village_uid=None) -> dict[str, tuple[str, Counter, list]]:
    out: dict[str, tuple[str, Counter, list]] = {}
    results = {"poor_exit_to_near": "Thoát nghèo - trở thành hộ cận nghèo",
               "poor_exit_above": "Thoát nghèo - vượt chuẩn cận nghèo", "near_exit_above": "Thoát cận nghèo",
               "poor_new": "Hộ nghèo mới", "near_new": "Hộ cận nghèo mới", "poor_relapse": "Tái nghèo",
               "near_relapse": "Tái cận nghèo"}
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
        c["new_poor"] += poor in ("poor_new", "poor_relapse")
        c["new_near"] += near in ("near_new", "near_relapse")
        for mv in (poor, near):
            if mv in results:
                focus.append((f["head_name"], results[mv]))
    return out


def _minutes(conn, p: Page, ctx: FormContext, rf, village_uid, first) -> None:
    for _key, (name, c, focus) in _village_counts(rf, village_uid).items():
        _page_iter(p, first)
        draw_minutes(p, ctx, name, focus, c)


def _notice(p: Page, ctx: FormContext, rf, first) -> None:
    per = _village_counts(rf)
    total = Counter()
    for _name, c, _f in per.values():
        total.update(c)
    _page_iter(p, first)
    draw_notice(p, ctx, [(name, c) for name, c, _f in per.values()], total)
    table = build_table("niem_yet", ctx.scope, ctx.std, ctx.lists, ctx.layouts, rf)
    draw_table(p, table, ctx.doc, first=False)


