"""The Decree 30/2025 list of low-income workers (standards.md §5.10) for a unit and year.

One row per member the decree covers whose household's recorded income qualifies (the suggestion of
``rules.income.low_income_workers``) or whom the commune has recognised, from the latest counted review of
the year that records an income. Drawn by the same xlsx and PDF writers as every other list.
"""

from __future__ import annotations

import datetime as dt

from bkdesk.dbapi import sqlite3
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.layouts import build_header
from bkdesk.export.reports.official import number_vi
from bkdesk.export.reports.scope import Scope
from bkdesk.export.reports.tables import Table, _meta
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.income import WORKER_RECOGNISED, low_income_workers, per_capita_month
from bkdesk.model.rules.standards import Standard
from bkdesk.model.store.repo_income import income_reviews
from bkdesk.model.store.repo_standards import standard_for_list_year

KIND = "low_income_workers"


def build_worker_list(conn: sqlite3.Connection, tpl: dict, scope: Scope, std: Standard, layouts: dict) -> Table:
    header = build_header([], tpl["columns"])
    subtitle = [f"Năm {scope.review_year}", f"Đơn vị: {scope.unit_name(scope.unit)}"]
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""), subtitle, header, kind="list")
    fields = [leaf.expr for leaf in header.leaves]
    rel = {r["code"]: r["label_vi"] for r in _relations(std)}
    n, recognised, households, commune = 0, 0, set(), None
    standards: dict[int, Standard] = {}
    for fact in income_reviews(conn, scope.commune_codes, scope.review_year):
        year = fact["list_year"]
        if year not in standards:
            standards[year] = standard_for_list_year(year, conn)
        ref = dt.date.fromisoformat(fact["reference_date"][:10])
        checks = low_income_workers(standards[year], fact["area"], fact["final_class"], fact["income_12m_vnd"],
                                    fact["members_counted"], ref, fact["members"])
        per_capita = int(per_capita_month(fact["income_12m_vnd"], fact["members_counted"]))
        for m, check in zip(fact["members"], checks, strict=True):
            is_recognised = m.get("low_income_worker") == WORKER_RECOGNISED
            if not (check.suggested or is_recognised):
                continue
            if len(scope.communes) > 1 and fact["commune_code"] != commune:
                commune = fact["commune_code"]
                unit = next(u for u in scope.communes if u.code == commune)
                table.add([scope.unit_name(unit)] + [""] * (len(fields) - 1), "group")
            n += 1
            recognised += is_recognised
            households.add(fact["household_uid"])
            values = {"stt": n, "name": m.get("full_name") or "",
                      "born_m": fx.birth_year(m.get("birth_date")) if m.get("sex") == "1" else "",
                      "born_f": fx.birth_year(m.get("birth_date")) if m.get("sex") == "2" else "",
                      "relation": rel.get(m.get("relation_to_head") or "", ""), "head": fact["head_name"] or "",
                      "village": fact["village_name"], "income_pc": number_vi(per_capita),
                      "status": "Đã công nhận" if is_recognised else "Đề nghị công nhận"}
            table.add([values.get(f, "") for f in fields])
    total = {fields[0]: "", fields[1]: f"Tổng cộng: {n} người lao động ({len(households)} hộ; {recognised} đã công nhận)"}
    table.add([total.get(f, "") for f in fields], "total")
    table.meta = _meta(tpl, scope, std, layouts, table)
    table.meta.update({"workers": n, "households": len(households), "recognised": recognised})
    return table


def _relations(std: Standard) -> list[dict]:
    return codelists(std.id).items("relationships")
