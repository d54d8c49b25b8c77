"""Figures behind the dashboard (no Qt): for a unit and a periodic review year, counts and rates by class,
plan target vs actual with the gap, registered vs exited, deprivation profile and causes of poor households,
poor-household transitions. Rates are recomputed from counts (reports.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bkdesk.dbapi import sqlite3
from bkdesk.model.review import exit_outcomes, transitions
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.targets import TargetRow, compute_row, rate
from bkdesk.model.store import repo_dashboard, settings
from bkdesk.model.store.repo_standards import standard_for_list_year
from bkdesk.model.store.repo_targets import load_plan_targets
from bkdesk.model.store.repo_units import load_catalog

CLASS_LABELS = {"POOR": "Hộ nghèo", "NEAR_POOR": "Hộ cận nghèo", "MIDDLE": "Hộ có mức sống trung bình",
                "NOT_POOR": "Hộ không nghèo"}


@dataclass
class DashboardData:
    unit_code: str
    unit_name: str
    review_year: int
    households: int = 0
    by_class: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASS_LABELS, 0))
    target: TargetRow | None = None
    actual_rate_pct: Decimal | None = None
    gap_pct: Decimal | None = None  # actual - target end rate: > 0 means behind the target
    poor_reduced: int | None = None  # poor at start - poor at end (net)
    registered: exit_outcomes.OutcomeSummary | None = None
    deprivations: list[tuple[str, int]] = field(default_factory=list)  # (label, poor households)
    causes: list[tuple[str, int]] = field(default_factory=list)
    poor_moves: transitions.TransitionCounts | None = None
    unresolved: int = 0

    def rate_of(self, cls: str) -> Decimal | None:
        return rate(self.by_class[cls], self.households)


def unit_choices(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(code, name) of the database's scope unit, its districts and the communes with rounds."""
    cat = load_catalog(conn)
    scope = settings.get(conn, settings.SCOPE_CODE)
    codes = [scope] if scope else []
    with_rounds = repo_dashboard.communes_with_rounds(conn)
    for code in with_rounds:
        unit = cat.find(code)
        if unit and unit.district_code and unit.district_code not in codes and unit.level == "commune":
            codes.append(unit.district_code)
    codes += [c for c in with_rounds if c not in codes]
    return [(c, (cat.find(c).name if cat.find(c) else c)) for c in codes]


def review_years(conn: sqlite3.Connection) -> list[int]:
    return repo_dashboard.periodic_review_years(conn)


def _communes(conn: sqlite3.Connection, unit_code: str) -> list[str]:
    cat = load_catalog(conn)
    unit = cat.find(unit_code)
    if unit is None:
        return [unit_code]
    return [u.code for u in cat.communes_under(unit_code)]


def dashboard_data(conn: sqlite3.Connection, unit_code: str, review_year: int) -> DashboardData:
    communes = _communes(conn, unit_code)
    unit = load_catalog(conn).find(unit_code)
    data = DashboardData(unit_code, unit.name if unit else unit_code, review_year)
    data.by_class.update(repo_dashboard.class_counts(conn, review_year, communes))
    data.households = sum(data.by_class.values())
    _targets(conn, data)
    moves = transitions.transitions_by_unit(conn, review_year, communes, level="total")[""]
    data.poor_moves, data.unresolved = moves.poor, len(moves.unresolved)
    data.poor_reduced = moves.poor.households["start"] - moves.poor.households["end"]
    data.registered = exit_outcomes.summary(conn, review_year, "commune", communes)[""]
    _profile(conn, data, communes, review_year)
    return data


def _targets(conn: sqlite3.Connection, data: DashboardData) -> None:
    row = next((i for i in load_plan_targets(conn, data.review_year) if i.code == data.unit_code), None)
    if row is not None:
        data.target = compute_row(row)
    data.actual_rate_pct = data.rate_of("POOR") if data.households else None
    if data.target is not None and data.actual_rate_pct is not None and data.target.end_rate_pct is not None:
        data.gap_pct = data.actual_rate_pct - data.target.end_rate_pct


def _profile(conn, data: DashboardData, communes: list[str], review_year: int) -> None:
    std = standard_for_list_year(review_year + 1, conn)
    counts = repo_dashboard.poor_deprivation_counts(conn, review_year, communes)
    data.deprivations = [(i["label_vi"], counts.get(i["code"], 0)) for i in std.data["indicators"]]
    lists = codelists(std.id)
    counts = repo_dashboard.cause_counts(conn, review_year, communes)
    official = lists.codes("causes")
    other = sum(n for c, n in counts.items() if c not in official)  # local causes count under "Khác"
    data.causes = [(_short(lists, c), counts.get(c, 0) + (other if c == official[-1] else 0)) for c in official]


def _short(lists, code: str) -> str:
    item = next(i for i in lists.items("causes") if i["code"] == code)
    return item.get("short_vi") or item["label_vi"]
