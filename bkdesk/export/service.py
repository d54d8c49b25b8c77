"""Entry points the CLI and the GUI share: compute tables for a unit and round, write xlsx or PDF.

``official=True`` produces the document for signing: it refuses a standard that is not active, open sync
conflicts in the unit and failed checks. Otherwise the file is a working draft, watermarked as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports import workers
from bkdesk.export.reports.layouts import load_layouts, template, template_ids
from bkdesk.export.reports.official import DocInfo, doc_info
from bkdesk.export.reports.round_records import FORM02_LISTS, note_decision, round_records
from bkdesk.export.reports.scope import Scope, form_set_of, official_blockers, resolve_scope, standard_of
from bkdesk.export.reports.tables import Table, build_table
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.standards import Standard
from bkdesk.model.store import repo_outputs
from bkdesk.model.store.access import require

REPORTS_15 = tuple(f"r{i:02d}" for i in range(1, 16))
ALIASES = {"all": REPORTS_15, "form02": FORM02_LISTS}


@dataclass
class Prepared:
    scope: Scope
    standard: Standard
    layouts: dict
    tables: list[Table]
    doc: DocInfo


def resolve_forms(form: str, layouts: dict) -> list[str]:
    name = form.strip().lower()
    if name in ALIASES:
        return list(ALIASES[name])
    if name.isdigit() and 1 <= int(name) <= 15:
        return [f"r{int(name):02d}"]
    if name in template_ids(layouts):
        return [name]
    raise UserError(f"Không có mẫu báo cáo '{form}'. Chọn một trong: all, form02, 1-15, "
                    + ", ".join(template_ids(layouts)) + ".")


MONTHLY = ("bc_thang", *FORM02_LISTS)  # what a regular-review month has: its report and its decision lists


def prepare(conn: sqlite3.Connection, form: str, unit_code: str, review_year: int, official: bool = False,
            on: dt.date | None = None, tree: str | None = None, control: JobControl = NO_CONTROL,
            signer_name: str = "", preparer_name: str = "", month: int | None = None) -> Prepared:
    """``month``: the regular review of that month of ``review_year`` (its report and decision lists)."""
    from bkdesk.model.store.databases import database_tree_for

    scope = resolve_scope(unit_code, review_year, tree or database_tree_for(conn, unit_code), month)
    std = standard_of(conn, scope)
    layouts = load_layouts(form_set_of(std))
    ids = resolve_forms(form, layouts)
    if month and any(i not in MONTHLY for i in ids):
        raise UserError(f"Rà soát thường xuyên tháng {month:02d}/{review_year} có: bc_thang (báo cáo tháng) và "
                        "form02 / ds_ngheo, ds_can_ngheo, ds_thoat_ngheo, ds_thoat_can_ngheo (danh sách kèm quyết "
                        "định); các biểu khác lập theo kỳ rà soát định kỳ (--round YEAR).")
    if not month and "bc_thang" in ids:
        raise UserError("Báo cáo tháng lập cho một tháng rà soát thường xuyên: dùng --round YYYY-MM "
                        "(ví dụ 2025-03) hoặc --month.")
    lists = codelists(std.id)
    control.report(0, len(ids) + 1, "Đang đọc số liệu…")
    rf = fx.read_regular_facts(conn, scope) if month else fx.read_facts(conn, scope, std)
    tables = []
    for i, tid in enumerate(ids, 1):
        tpl = template(layouts, tid)
        if tpl.get("kind") == workers.KIND:  # the Decree 30/2025 list reads the income procedures' reviews
            tables.append(workers.build_worker_list(conn, tpl, scope, std, layouts))
        else:
            tables.append(build_table(tid, scope, std, lists, layouts, rf))
        control.report(i, len(ids) + 1, tables[-1].title)
    if official:
        official_blockers(conn, scope, std, [m for t in tables for m in t.checks_failed])
    kind = "list" if all(t.kind == "list" for t in tables) else "report"
    number = ""
    if scope.unit.level == "commune":
        decision = round_records(conn, scope.unit.code, review_year, rf.reviews, month).decision
        if decision is not None:
            note_decision(tables, decision, scope.unit_name(scope.unit))
            if kind == "list" and all(t.template_id in FORM02_LISTS for t in tables):
                # The four lists are the decision's annex: its number, date and signer.
                number, on = decision.number_only, on or decision.date
                signer_name = signer_name or decision.signer
    if official:
        for t in tables:  # the mapping to the official 7.x forms is [to confirm]: a signed copy prints the
            if "(dự kiến)" in t.form_label:  # template's own number instead of a provisional label
                t.form_label = f"Biểu số {int(t.template_id[1:])}" if t.template_id[1:].isdigit() else ""
    doc = doc_info(scope, layouts, kind, on=on, draft=not official, signer_name=signer_name,
                   preparer_name=preparer_name, number=number)
    return Prepared(scope, std, layouts, tables, doc)


def export(conn: sqlite3.Connection, form: str, unit_code: str, review_year: int, out: str | Path,
           official: bool = False, on: dt.date | None = None, control: JobControl = NO_CONTROL,
           tree: str | None = None, month: int | None = None) -> Path:
    """Write the report(s) to ``out`` (.xlsx or .pdf); returns the path written. Needs the PRINT permission;
    the file is written to the audit log (who, which output, unit and round, file name)."""
    require(conn, R.PRINT)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise UserError("Tệp kết quả phải có đuôi .xlsx hoặc .pdf.")
    if not out.parent.exists():
        raise UserError(f"Không có thư mục {out.parent}.")
    prepared = prepare(conn, form, unit_code, review_year, official, on, tree, control, month=month)
    if suffix == ".xlsx":
        from bkdesk.export.render.xlsx import write_xlsx

        written = write_xlsx(prepared.tables, out, prepared.doc, control)
    else:
        from bkdesk.export.render.pdf_tables import write_tables_pdf

        written = write_tables_pdf(prepared.tables, out, prepared.doc, control)
    ids = ", ".join(t.template_id for t in prepared.tables)
    repo_outputs.record_output(conn, repo_outputs.PRINT, f"Báo cáo, danh sách {ids} ({_copy_vi(official)})",
                               written, prepared.scope.unit.code, review_year, month)
    return written


def _copy_vi(official: bool) -> str:
    return "bản chính thức" if official else "bản nháp"


FORM_KINDS_VI = {"review": "Phiếu rà soát hộ (tất cả hộ của kỳ)", "form01": "Mẫu số 01 - Giấy đề nghị rà soát",
                 "form03": "Mẫu số 03 - Giấy chứng nhận hộ nghèo, hộ cận nghèo",
                 "form04": "Mẫu số 04 - Giấy đề nghị công nhận thoát nghèo", "minutes": "Biên bản họp dân (mỗi thôn)",
                 "notice": "Thông báo niêm yết công khai và danh sách",
                 "decision": "Mẫu số 02 - Quyết định công nhận và 4 danh sách kèm theo"}


def output_choices(review_year: int) -> list[tuple[str, str]]:
    """What the export dialog offers: ("report:<form>" | "forms:<kind>", Vietnamese label)."""
    from bkdesk.model.store.repo_standards import standard_for_list_year

    out = [("report:all", "Cả 15 biểu báo cáo"), ("report:form02", "4 danh sách kèm Quyết định (Mẫu số 02)")]
    std = standard_for_list_year(review_year + 1)
    if std.form_set:
        layouts = load_layouts(std.form_set)
        for t in layouts["reports"] + layouts["lists"]:
            prefix = f"Biểu {t['no']}: " if "no" in t else ""
            out.append((f"report:{t['id']}", prefix + t["title"].capitalize()))
    out += [(f"forms:{k}", v) for k, v in FORM_KINDS_VI.items()]
    return out


def export_defaults(db_path: str | Path) -> dict:
    """Unit code and review year the dialog starts with (the database's own scope and round)."""
    from bkdesk.model.store import settings
    from bkdesk.model.store.db import open_db

    conn = open_db(db_path)
    try:
        year = settings.get(conn, settings.REVIEW_YEAR)
        return {"unit": settings.get(conn, settings.SCOPE_CODE) or "",
                "year": int(year) if year else dt.date.today().year}
    finally:
        conn.close()


def run_output(db_path: str | Path, choice: str, unit_code: str, review_year: int, out: str | Path,
               official: bool = False, village: str | None = None, control: JobControl = NO_CONTROL) -> Path:
    """One call for the GUI's background job: opens its own connection (one per thread)."""
    from bkdesk.model.store.db import open_db

    kind, _, name = choice.partition(":")
    conn = open_db(db_path)
    try:
        if kind == "forms":
            from bkdesk.export.forms import write_forms

            return write_forms(conn, name, unit_code, review_year, out, village=village or None,
                               official=official, control=control)[0]
        return export(conn, name, unit_code, review_year, out, official=official, control=control)
    finally:
        conn.close()


def preview_tables(db_path: str | Path, choice: str, unit_code: str, review_year: int, official: bool = False,
                   control: JobControl = NO_CONTROL) -> Prepared:
    """The tables for the print preview. The preview prints straight to a printer, so it needs the PRINT
    permission and is written to the audit log as a preview."""
    from bkdesk.model.store.db import open_db

    kind, _, name = choice.partition(":")
    if kind != "report":
        raise UserError("Xem trước dùng cho báo cáo và danh sách; biểu mẫu in từng hộ hãy xuất ra PDF để xem.")
    conn = open_db(db_path)
    try:
        require(conn, R.PRINT)
        prepared = prepare(conn, name, unit_code, review_year, official=official, control=control)
        ids = ", ".join(t.template_id for t in prepared.tables)
        repo_outputs.record_output(conn, repo_outputs.PREVIEW, f"Xem trước để in {ids} ({_copy_vi(official)})",
                                   "", prepared.scope.unit.code, review_year)
        return prepared
    finally:
        conn.close()
