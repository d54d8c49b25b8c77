"""Start-vs-end transitions (households.md §12), the computation behind reports 2 and 3 (reports.md §3).

For issue 5 (reports): call ``transitions_by_unit(conn, review_year, level="commune")``; each
``UnitTransitions`` has ``poor`` and ``near`` tables whose ``households`` and ``persons`` dicts are keyed by
``REPORT2_COLUMNS`` / ``REPORT3_COLUMNS`` (start, the decreases, the increases, end = columns a..i).
For detailed lists (reports 14/15) use ``household_transitions`` and ``list_flag``.

Start status: the review's ``start_status`` (carried forward when the round was opened, see rounds.py),
else the household's class in the previous periodic round, else ABSENT when it moved in / split off
during the period, else OTHER. End status: the counted ``final_class`` of the round's review, else ABSENT
when an ending lifecycle event (or household status) says so, else the household is *unresolved*
("chưa rà soát"): it is left out of the counts and returned so that the report flags it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import repo_rounds, settings

POOR, NEAR_POOR, OTHER, ABSENT = "POOR", "NEAR_POOR", "OTHER", "ABSENT"
STATUSES = (POOR, NEAR_POOR, OTHER, ABSENT)

POOR_DECREASES = ("poor_exit_to_near", "poor_exit_above", "poor_decrease_other")
POOR_INCREASES = ("poor_from_near", "poor_relapse", "poor_new", "poor_increase_other")
NEAR_DECREASES = ("near_to_poor", "near_exit_above", "near_decrease_other")
NEAR_INCREASES = ("near_from_poor", "near_relapse", "near_new", "near_increase_other")
REPORT2_COLUMNS = ("start", *POOR_DECREASES, *POOR_INCREASES, "end")  # report 2, columns (a)..(i)
REPORT3_COLUMNS = ("start", *NEAR_DECREASES, *NEAR_INCREASES, "end")  # report 3

LABELS = {
    "poor_remain": "Nghèo cũ", "poor_exit_to_near": "Thoát nghèo – trở thành hộ cận nghèo",
    "poor_exit_above": "Thoát nghèo – vượt chuẩn cận nghèo", "poor_decrease_other": "Giảm khác",
    "poor_from_near": "Tăng từ hộ cận nghèo", "poor_relapse": "Tái nghèo", "poor_new": "Phát sinh mới",
    "poor_increase_other": "Tăng khác", "near_remain": "Cận nghèo cũ", "near_to_poor": "Trở thành hộ nghèo",
    "near_exit_above": "Thoát cận nghèo – vượt chuẩn cận nghèo", "near_decrease_other": "Giảm khác",
    "near_from_poor": "Tăng từ hộ nghèo", "near_relapse": "Tái cận nghèo", "near_new": "Cận nghèo phát sinh mới",
    "near_increase_other": "Tăng khác", "start": "Đầu kỳ", "end": "Cuối kỳ",
}
# Setting (editable data): how many list years back "was poor before" looks; empty = the standard period.
RELAPSE_LOOKBACK_SETTING = "relapse_lookback_years"


def status_of_class(final_class: str | None) -> str:
    """POOR / NEAR_POOR as they are; MIDDLE and NOT_POOR count as OTHER (households.md §12)."""
    return final_class if final_class in (POOR, NEAR_POOR) else OTHER


def _poor_move(start: str, end: str, was_poor: bool) -> str | None:
    if start == POOR:
        return {POOR: "poor_remain", NEAR_POOR: "poor_exit_to_near", OTHER: "poor_exit_above",
                ABSENT: "poor_decrease_other"}[end]
    if end != POOR:
        return None
    return {NEAR_POOR: "poor_from_near", ABSENT: "poor_increase_other",
            OTHER: "poor_relapse" if was_poor else "poor_new"}[start]


def _near_move(start: str, end: str, was_near: bool) -> str | None:
    if start == NEAR_POOR:
        return {NEAR_POOR: "near_remain", POOR: "near_to_poor", OTHER: "near_exit_above",
                ABSENT: "near_decrease_other"}[end]
    if end != NEAR_POOR:
        return None
    return {POOR: "near_from_poor", ABSENT: "near_increase_other",
            OTHER: "near_relapse" if was_near else "near_new"}[start]


def movements(start: str, end: str, was_poor_before: bool = False, was_near_before: bool = False
              ) -> tuple[str | None, str | None]:
    """(poor-table code, near-table code) of one household; None where it is not in that table."""
    if start not in STATUSES or end not in STATUSES:
        raise ValueError(f"unknown status {start!r} -> {end!r}")
    return _poor_move(start, end, was_poor_before), _near_move(start, end, was_near_before)


@dataclass(frozen=True)
class HouseholdTransition:
    household_uid: str
    commune_code: str
    village_uid: str | None
    start: str
    end: str
    poor_code: str | None
    near_code: str | None
    persons_start: int
    persons_end: int


@dataclass
class TransitionCounts:
    """One table (poor or near-poor): households and persons per column."""

    kind: str  # poor | near
    households: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        for col in self.columns():
            self.households.setdefault(col, 0)
            self.persons.setdefault(col, 0)

    def columns(self) -> tuple[str, ...]:
        return REPORT2_COLUMNS if self.kind == "poor" else REPORT3_COLUMNS

    def decreases(self) -> tuple[str, ...]:
        return POOR_DECREASES if self.kind == "poor" else NEAR_DECREASES

    def increases(self) -> tuple[str, ...]:
        return POOR_INCREASES if self.kind == "poor" else NEAR_INCREASES

    def identity_errors(self) -> list[str]:
        """``end = start − Σ decreases + Σ increases`` for households and persons; messages in Vietnamese."""
        errors = []
        for what, d in (("hộ", self.households), ("nhân khẩu", self.persons)):
            expect = d["start"] - sum(d[c] for c in self.decreases()) + sum(d[c] for c in self.increases())
            if expect != d["end"]:
                errors.append(f"Cuối kỳ ({what}) = {d['end']} nhưng đầu kỳ − giảm + tăng = {expect}.")
        return errors

    def add(self, other: TransitionCounts) -> None:
        for col in self.columns():
            self.households[col] += other.households[col]
            self.persons[col] += other.persons[col]


@dataclass
class UnitTransitions:
    unit_code: str
    poor: TransitionCounts = field(default_factory=lambda: TransitionCounts("poor"))
    near: TransitionCounts = field(default_factory=lambda: TransitionCounts("near"))
    unresolved: list[str] = field(default_factory=list)  # households "chưa rà soát" (left out)


def _add_to_table(table: TransitionCounts, code: str | None, in_start: bool, in_end: bool,
                  ht: HouseholdTransition) -> None:
    if code is None:
        return
    if in_start:
        table.households["start"] += 1
        table.persons["start"] += ht.persons_start
    if in_end:
        table.households["end"] += 1
        table.persons["end"] += ht.persons_end
    if code.endswith("_remain"):
        # households stay; their net change in members goes to "tăng khác" / "giảm khác" [to confirm]
        delta = ht.persons_end - ht.persons_start
        if delta > 0:
            table.persons[table.increases()[-1]] += delta
        elif delta < 0:
            table.persons[table.decreases()[-1]] -= delta
        return
    table.households[code] += 1
    table.persons[code] += ht.persons_start if code in table.decreases() else ht.persons_end


def count(transitions: Iterable[HouseholdTransition], unit_code: str = "") -> UnitTransitions:
    out = UnitTransitions(unit_code)
    for ht in transitions:
        _add_to_table(out.poor, ht.poor_code, ht.start == POOR, ht.end == POOR, ht)
        _add_to_table(out.near, ht.near_code, ht.start == NEAR_POOR, ht.end == NEAR_POOR, ht)
    return out


def lookback_first_list_year(conn: sqlite3.Connection, review_year: int) -> int:
    """First list year a relapse looks back to: the setting N (the N lists up to the start-of-period list
    of year R: list years R-N+1..R), else the first list year of the standard period."""
    value = (settings.get(conn, RELAPSE_LOOKBACK_SETTING) or "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            from bkdesk.errors import UserError

            raise UserError(f"Cài đặt số năm xét tái nghèo phải là số nguyên dương (đang là «{value}»).")
        return review_year - int(value) + 1
    from bkdesk.model.store.repo_standards import standard_for_list_year

    return int(standard_for_list_year(review_year + 1, conn).data["list_year_from"])


def _ended(events: list[tuple[str, str]], status: str | None, day: str) -> bool:
    return status not in (None, "active") or any(e in repo_rounds.ENDING_EVENTS and d <= day for e, d in events)


def _started_after(events: list[tuple[str, str]], day: str) -> bool:
    return any(e in repo_rounds.STARTING_EVENTS and d > day for e, d in events)


def household_transitions(conn: sqlite3.Connection, review_year: int, commune_codes: list[str] | None = None,
                          start_date: dt.date | None = None, end_date: dt.date | None = None
                          ) -> tuple[list[HouseholdTransition], list[str]]:
    """Every household's start and end status for periodic review year R, and the unresolved ones."""
    start_day = (start_date or dt.date(review_year, 1, 1)).isoformat()  # default 1 January [to confirm]
    end_day = (end_date or dt.date(review_year, 12, 31)).isoformat()
    now = repo_rounds.periodic_snapshot(conn, review_year, commune_codes)
    prev = repo_rounds.periodic_snapshot(conn, review_year - 1, commune_codes)
    # households on the start lists that have no review this year must still be accounted for
    uids = list(now) + [u for u, r in prev.items() if u not in now and r.final_class in (POOR, NEAR_POOR)]
    events = repo_rounds.events_by_household(conn, set(uids))
    status = repo_rounds.household_status(conn, uids)
    first = lookback_first_list_year(conn, review_year)
    current_rounds = {r.round_uid for r in now.values()}
    was_poor = repo_rounds.households_on_earlier_lists(conn, first, review_year, POOR, current_rounds)
    was_near = repo_rounds.households_on_earlier_lists(conn, first, review_year, NEAR_POOR, current_rounds)
    out, unresolved = [], []
    for uid in uids:
        cur, before, ev = now.get(uid), prev.get(uid), events.get(uid, [])
        if cur is not None and cur.start_status:
            start = cur.start_status
        elif before is not None and before.final_class:
            start = status_of_class(before.final_class)
        else:
            start = ABSENT if _started_after(ev, start_day) else OTHER
        if cur is not None and cur.final_class:
            end = status_of_class(cur.final_class)
        elif _ended(ev, status.get(uid), end_day):
            end = ABSENT
        else:
            unresolved.append(uid)
            continue
        row = cur or before
        persons_end = (cur.persons or 0) if cur is not None and end != ABSENT else 0
        persons_start = (before.persons if before is not None else None) or (cur.persons if cur else 0) or 0
        poor_code, near_code = movements(start, end, uid in was_poor, uid in was_near)
        out.append(HouseholdTransition(uid, row.commune_code, row.village_uid, start, end, poor_code, near_code,
                                       persons_start if start != ABSENT else 0, persons_end))
    return out, unresolved


def transitions_by_unit(conn: sqlite3.Connection, review_year: int, commune_codes: list[str] | None = None,
                        level: str = "commune", key: Callable[[HouseholdTransition], str] | None = None
                        ) -> dict[str, UnitTransitions]:
    """Counts per unit (``level``: village | commune | district | total); the "" key holds the total."""
    rows, unresolved = household_transitions(conn, review_year, commune_codes)
    key = key or _level_key(conn, level)
    groups: dict[str, list[HouseholdTransition]] = {}
    for ht in rows:
        groups.setdefault(key(ht), []).append(ht)
    out = {k: count(v, k) for k, v in sorted(groups.items())}
    total = count(rows, "")
    total.unresolved = unresolved
    out[""] = total
    return out


def _level_key(conn: sqlite3.Connection, level: str) -> Callable[[HouseholdTransition], str]:
    if level == "village":
        return lambda ht: ht.village_uid or ""
    if level == "commune":
        return lambda ht: ht.commune_code
    if level == "district":
        from bkdesk.model.store.repo_units import load_catalog

        cat = load_catalog(conn)
        return lambda ht: (cat.find(ht.commune_code) and cat.get(ht.commune_code).district_code) or ""
    if level == "total":
        return lambda ht: ""
    raise ValueError(f"unknown level {level!r}")


def list_flag(ht: HouseholdTransition, table: str = "poor") -> str:
    """The flag of detailed lists: nghèo cũ / tái nghèo / nghèo mới (and the near-poor equivalents)."""
    code = ht.poor_code if table == "poor" else ht.near_code
    if code is None or code in POOR_DECREASES + NEAR_DECREASES:
        return ""
    if code.endswith("_remain"):
        return "Nghèo cũ" if table == "poor" else "Cận nghèo cũ"
    if code.endswith("_relapse"):
        return "Tái nghèo" if table == "poor" else "Tái cận nghèo"
    return "Nghèo mới" if table == "poor" else "Cận nghèo mới"
