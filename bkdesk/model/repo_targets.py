"""Plan targets stored per unit and year (table plan_target); the shipped plan is the default."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from bkdesk.model import audit
from bkdesk.model.db import transaction
from bkdesk.model.targets import SHIPPED_YEARS, TargetInput, shipped_inputs


def save_plan_targets(conn: sqlite3.Connection, year: int, inputs: list[TargetInput], user: str,
                      source: str = "") -> None:
    """Replace the year's targets (one transaction, each unit audited)."""
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


def stored_years(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM plan_target ORDER BY year")]


def load_plan_targets(conn: sqlite3.Connection, year: int) -> list[TargetInput]:
    """The year's targets from the database, else the shipped plan of that year, else []."""
    rows = conn.execute("SELECT * FROM plan_target WHERE year=? ORDER BY rowid", (year,)).fetchall()
    if not rows:
        return shipped_inputs(year) if year in SHIPPED_YEARS else []
    return [TargetInput(r["unit_code"], r["unit_name"], r["households"], r["poor_households"],
                        None if r["target_reduction_rate"] is None else Decimal(str(r["target_reduction_rate"])),
                        r["target_reduction_households"]) for r in rows]
