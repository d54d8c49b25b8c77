"""Plan targets stored per unit and year (table plan_target); the shipped plan is the default."""

from __future__ import annotations

import logging
from decimal import Decimal

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.plan_components import ComponentCounts, ComponentMap, component_map
from bkdesk.model.rules.targets import SHIPPED_YEARS, TargetInput, shipped_inputs
from bkdesk.model.store import audit
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction

log = logging.getLogger(__name__)


def save_plan_targets(conn: sqlite3.Connection, year: int, inputs: list[TargetInput], user: str,
                      source: str = "") -> None:
    """Replace the year's targets (one transaction, each unit audited)."""
    require(conn, R.SETUP)
    with transaction(conn):
        old = {r["unit_code"]: dict(r) for r in
               conn.execute("SELECT * FROM plan_target WHERE year=?", (year,))}
        conn.execute("DELETE FROM plan_target WHERE year=?", (year,))
        for i in inputs:
            new = {"unit_code": i.code, "year": year, "unit_name": i.name, "households": i.households,
                   "poor_households": i.poor,
                   "target_reduction_rate": None if i.target_rate_pct is None else str(i.target_rate_pct),
                   "target_reduction_households": i.target_households, "source": source}
            conn.execute(f"INSERT INTO plan_target ({', '.join(new)}) VALUES ({', '.join('?' * len(new))})",
                         tuple(new.values()))
            audit.record_change(conn, "plan_target", f"{year}:{i.code}", old.pop(i.code, None) or None, new,
                                user, reason=source)
        for code, row in old.items():
            audit.record_change(conn, "plan_target", f"{year}:{code}", row, None, user, reason=source)
    log.info("plan targets %s imported: %d units (%s)", year, len(inputs), source)


def load_plan_targets(conn: sqlite3.Connection, year: int) -> list[TargetInput]:
    """The year's targets from the database, else the shipped plan of that year, else []."""
    rows = conn.execute("SELECT * FROM plan_target WHERE year=? ORDER BY rowid", (year,)).fetchall()
    if not rows:
        return shipped_inputs(year) if year in SHIPPED_YEARS else []
    return [TargetInput(r["unit_code"], r["unit_name"], r["households"], r["poor_households"],
                        None if r["target_reduction_rate"] is None else Decimal(str(r["target_reduction_rate"])),
                        r["target_reduction_households"]) for r in rows]


def component_needs(conn: sqlite3.Connection, review_year: int, registration_year: int | None = None,
                    commune_codes: list[str] | None = None, cmap: ComponentMap | None = None
                    ) -> dict[str, ComponentCounts]:
    """Per commune ("" = total): poor and near-poor households of the periodic round of ``review_year``
    needing each component, and among them those registered to exit in ``registration_year``
    (default: the list year, review_year + 1)."""
    cmap = cmap or component_map()
    reg_year = registration_year or review_year + 1
    rows = conn.execute(
        "SELECT r.uid, r.household_uid, r.commune_code FROM review r JOIN review_round rr ON rr.uid=r.round_uid"
        " WHERE rr.kind='periodic' AND rr.review_year=? AND r.record_status IN ('confirmed', 'decided')"
        " AND r.final_class IN ('POOR', 'NEAR_POOR')", (review_year,)).fetchall()
    registered = {r[0] for r in conn.execute(
        "SELECT household_uid FROM exit_registration WHERE registration_year=? AND withdrawn_date IS NULL",
        (reg_year,))}
    parts = _parts(conn, review_year, "review_indicator", "indicator_code", "t.final='deprived'")
    causes = _parts(conn, review_year, "review_cause", "cause_code")
    needs = _parts(conn, review_year, "review_need", "need_code")
    out: dict[str, ComponentCounts] = {}
    total = _empty("", cmap)
    for r in rows:
        if commune_codes is not None and r["commune_code"] not in commune_codes:
            continue
        comps = cmap.components_of(parts.get(r["uid"], set()), causes.get(r["uid"], set()),
                                   needs.get(r["uid"], set()))
        is_reg = r["household_uid"] in registered
        for bucket in (out.setdefault(r["commune_code"], _empty(r["commune_code"], cmap)), total):
            bucket.households += 1
            bucket.registered += is_reg
            for c in comps:
                bucket.need_all[c] += 1
                bucket.need_registered[c] += is_reg
    result = dict(sorted(out.items()))
    result[""] = total
    return result


def _empty(unit: str, cmap: ComponentMap) -> ComponentCounts:
    return ComponentCounts(unit, need_registered=dict.fromkeys(cmap.codes(), 0),
                           need_all=dict.fromkeys(cmap.codes(), 0))


def _parts(conn: sqlite3.Connection, review_year: int, table: str, column: str, where: str = "1"
           ) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in conn.execute(f"SELECT t.review_uid, t.{column} FROM {table} t JOIN review r ON r.uid=t.review_uid"
                          " JOIN review_round rr ON rr.uid=r.round_uid WHERE rr.kind='periodic'"
                          f" AND rr.review_year=? AND {where}", (review_year,)):
        out.setdefault(r[0], set()).add(r[1])
    return out
