"""Outcome of exit-poverty registrations (households.md §14): derived, read-only, never entered by hand.

The outcome is read from the final class of the household's review in the periodic round of the
registration year when that result is final (decided, or confirmed in a finalised round), else from a
regular-review decision of that year recognising the exit. The registration is never an input to
classification: nothing here writes. There is deliberately no setter; ExitRegistration has no outcome field.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from bkdesk.model.rules.records import ExitRegistration
from bkdesk.model.store import repo_rounds
from bkdesk.model.store.repo_reviews import exit_registrations

OUTCOMES = {  # code -> label (households.md §14)
    "exit_to_near": "Thoát nghèo – trở thành hộ cận nghèo",
    "exit_above": "Thoát nghèo – vượt chuẩn cận nghèo",
    "not_exited_poor": "Chưa thoát nghèo",
    "exit_near": "Thoát cận nghèo",
    "not_exited_near": "Chưa thoát cận nghèo",
    "became_poor": "Trở thành hộ nghèo",
    "no_result": "Chưa có kết quả",
    "absent": "Không còn trên địa bàn",
}
EXITED = ("exit_to_near", "exit_above", "exit_near")
NOT_EXITED = ("not_exited_poor", "not_exited_near", "became_poor")
TARGET_LABELS = {"thoat_ngheo": "Thoát nghèo", "thoat_can_ngheo": "Thoát cận nghèo"}

_TABLE = {
    ("thoat_ngheo", "NEAR_POOR"): "exit_to_near", ("thoat_ngheo", "NOT_POOR"): "exit_above",
    ("thoat_ngheo", "MIDDLE"): "exit_above", ("thoat_ngheo", "POOR"): "not_exited_poor",
    ("thoat_can_ngheo", "NOT_POOR"): "exit_near", ("thoat_can_ngheo", "MIDDLE"): "exit_near",
    ("thoat_can_ngheo", "NEAR_POOR"): "not_exited_near", ("thoat_can_ngheo", "POOR"): "became_poor",
}


def outcome_code(target: str, final_class: str | None, absent: bool = False) -> str:
    """The §14 table: (target, final result) -> outcome code."""
    if final_class is None:
        return "absent" if absent else "no_result"
    return _TABLE[(target, final_class)]


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: ExitRegistration
    commune_code: str
    village_uid: str | None
    village_name: str
    household_no: str
    head_name: str
    final_class: str | None
    source: str  # periodic | regular | ""
    code: str

    @property
    def label(self) -> str:
        return OUTCOMES[self.code]

    @property
    def withdrawn(self) -> bool:
        return bool(self.registration.withdrawn_date)


def _final_results(conn: sqlite3.Connection, year: int) -> dict[str, tuple[str, str]]:
    """household_uid -> (final_class, source) for the registration year."""
    out: dict[str, tuple[str, str]] = {}
    for r in conn.execute(
            "SELECT r.household_uid, r.final_class FROM review r WHERE r.review_type='regular'"
            " AND r.record_status='decided' AND r.final_class IS NOT NULL AND r.list_year=?"
            " ORDER BY r.reference_date", (year,)):
        out[r[0]] = (r[1], "regular")
    for r in conn.execute(
            "SELECT r.household_uid, r.final_class FROM review r JOIN review_round rr ON rr.uid=r.round_uid"
            " WHERE rr.kind='periodic' AND rr.review_year=? AND r.final_class IS NOT NULL"
            " AND (r.record_status='decided' OR (r.record_status='confirmed' AND rr.locked=1))", (year,)):
        out[r[0]] = (r[1], "periodic")  # the periodic decision supersedes earlier regular ones
    return out


def _households(conn: sqlite3.Connection, uids: list[str]) -> dict[str, sqlite3.Row]:
    out = {}
    for i in range(0, len(uids), 900):
        chunk = uids[i:i + 900]
        out.update({r["uid"]: r for r in conn.execute(
            "SELECT h.uid, h.commune_code, h.village_uid, h.household_no, h.head_name, h.status,"
            " coalesce(v.name, '') AS village_name FROM household h LEFT JOIN village v ON v.uid=h.village_uid"
            f" WHERE h.uid IN ({','.join('?' * len(chunk))})", chunk)})
    return out


def registration_outcomes(conn: sqlite3.Connection, year: int, commune_codes: list[str] | None = None
                          ) -> list[RegistrationOutcome]:
    """Every registration of ``year`` with its derived outcome, by commune, village and household number."""
    regs = exit_registrations(conn, year=year)
    households = _households(conn, [r.household_uid for r in regs])
    results = _final_results(conn, year)
    events = repo_rounds.events_by_household(conn, {r.household_uid for r in regs})
    end_day = dt.date(year, 12, 31).isoformat()
    out = []
    for reg in regs:
        hh = households.get(reg.household_uid)
        if hh is None or (commune_codes is not None and hh["commune_code"] not in commune_codes):
            continue
        final, source = results.get(reg.household_uid, (None, ""))
        absent = hh["status"] != "active" or any(e in repo_rounds.ENDING_EVENTS and d <= end_day
                                                 for e, d in events.get(reg.household_uid, []))
        out.append(RegistrationOutcome(reg, hh["commune_code"], hh["village_uid"], hh["village_name"],
                                       hh["household_no"], hh["head_name"], final, source,
                                       outcome_code(reg.target, final, absent)))
    return sorted(out, key=lambda o: (o.commune_code, o.village_name, o.household_no, o.registration.uid))


@dataclass
class OutcomeSummary:
    """One row of "registered vs exited" for a village, commune or district."""

    key: str
    registered: int = 0
    registered_poor: int = 0
    registered_near: int = 0
    withdrawn: int = 0
    by_code: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def exited(self) -> int:
        return sum(self.by_code[c] for c in EXITED)

    @property
    def not_exited(self) -> int:
        return sum(self.by_code[c] for c in NOT_EXITED)

    def add(self, o: RegistrationOutcome) -> None:
        if o.withdrawn:  # withdrawn registrations stay in the history but not in the counts
            self.withdrawn += 1
            return
        self.registered += 1
        self.registered_poor += o.registration.target == "thoat_ngheo"
        self.registered_near += o.registration.target == "thoat_can_ngheo"
        self.by_code[o.code] += 1


def summary(conn: sqlite3.Connection, year: int, level: str = "commune", commune_codes: list[str] | None = None
            ) -> dict[str, OutcomeSummary]:
    """Registered vs exited per village uid, commune code or district code; the "" key is the total."""
    outcomes = registration_outcomes(conn, year, commune_codes)
    if level == "district":
        from bkdesk.model.store.repo_units import load_catalog

        cat = load_catalog(conn)

        def key(o):
            unit = cat.find(o.commune_code)
            return unit.district_code or "" if unit else ""
    elif level == "village":
        def key(o):
            return o.village_uid or ""
    elif level == "commune":
        def key(o):
            return o.commune_code
    else:
        raise ValueError(f"unknown level {level!r}")
    out: dict[str, OutcomeSummary] = {}
    total = OutcomeSummary("")
    for o in outcomes:
        out.setdefault(key(o), OutcomeSummary(key(o))).add(o)
        total.add(o)
    result = dict(sorted(out.items()))
    result[""] = total
    return result
