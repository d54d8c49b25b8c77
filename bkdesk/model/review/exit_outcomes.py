"""Outcome of exit-poverty registrations (households.md §14): derived, read-only, never entered by hand.

The outcome is read from the final class of the household's review in the periodic round of the
registration year when that result is final (decided, or confirmed in a finalised round), else from a
regular-review decision of that year recognising the exit. The registration is never an input to
classification: nothing here writes. There is deliberately no setter; ExitRegistration has no outcome field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules.fmt import dmy
from bkdesk.model.rules.records import ExitRegistration
from bkdesk.model.store import repo_exit_outcomes, repo_list_status, repo_rounds
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
    "target_mismatch": "Đăng ký không hợp lệ: mục tiêu không khớp tình trạng của hộ khi đăng ký",
}
EXITED = ("exit_to_near", "exit_above", "exit_near")
NOT_EXITED = ("not_exited_poor", "not_exited_near", "became_poor")
TARGET_LABELS = {"thoat_ngheo": "Thoát nghèo", "thoat_can_ngheo": "Thoát cận nghèo"}
# §14: the target must match the household's status at registration (poor -> exit poverty, near-poor ->
# exit near-poverty); a household on neither list has nothing to exit.
TARGET_FOR_STATUS = {"POOR": "thoat_ngheo", "NEAR_POOR": "thoat_can_ngheo"}
STATUS_LABELS = {"POOR": "hộ nghèo", "NEAR_POOR": "hộ cận nghèo"}

_TABLE = {
    ("thoat_ngheo", "NEAR_POOR"): "exit_to_near", ("thoat_ngheo", "NOT_POOR"): "exit_above",
    ("thoat_ngheo", "MIDDLE"): "exit_above", ("thoat_ngheo", "POOR"): "not_exited_poor",
    ("thoat_can_ngheo", "NOT_POOR"): "exit_near", ("thoat_can_ngheo", "MIDDLE"): "exit_near",
    ("thoat_can_ngheo", "NEAR_POOR"): "not_exited_near", ("thoat_can_ngheo", "POOR"): "became_poor",
}


def outcome_code(target: str, final_class: str | None, absent: bool = False,
                 registered_status: str | None = "") -> str:
    """The §14 table: (target, final result) -> outcome code. ``registered_status`` is the household's
    status when it registered (POOR / NEAR_POOR / anything else = on neither list); a target that does
    not match it is refused (``target_mismatch``), never counted as an exit. "" = not checked."""
    if registered_status != "" and TARGET_FOR_STATUS.get(registered_status or "") != target:
        return "target_mismatch"
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


def registration_day(reg: ExitRegistration) -> str:
    """The registration date, or 1 January of the registration year when none was written."""
    return repo_list_status.registration_day(reg.registration_date, reg.registration_year)


def status_at_registration(conn: sqlite3.Connection, household_uid: str, reg: ExitRegistration) -> str | None:
    """POOR / NEAR_POOR / other class on the registration date (lists in force that day), else the start
    status recorded on the household's periodic review of the registration year; None when unknown."""
    return repo_list_status.status_at_registration(conn, household_uid, reg.registration_date,
                                                   reg.registration_year)


def default_target(conn: sqlite3.Connection, household_uid: str, reg: ExitRegistration) -> str | None:
    """The target the desk proposes: from the household's status on the registration date."""
    return TARGET_FOR_STATUS.get(status_at_registration(conn, household_uid, reg) or "")


def check_target(conn: sqlite3.Connection, household_uid: str, reg: ExitRegistration) -> None:
    """Refuse a registration whose target does not match the household's status on its date (§14)."""
    if reg.withdrawn_date:
        return  # a withdrawn registration stays in the history as it was
    status = status_at_registration(conn, household_uid, reg)
    day = dmy(registration_day(reg))
    want = TARGET_FOR_STATUS.get(status or "")
    if want is None:
        raise UserError(f"Ngày {day} hộ không có trong danh sách hộ nghèo hoặc hộ cận nghèo: không đăng ký "
                        "thoát nghèo, thoát cận nghèo được.")
    if reg.target != want:
        raise UserError(f"Ngày {day} hộ là {STATUS_LABELS[status]}: mục tiêu đăng ký phải là "
                        f"\"{TARGET_LABELS[want]}\", không phải \"{TARGET_LABELS.get(reg.target, reg.target)}\".")


def registration_outcomes(conn: sqlite3.Connection, year: int, commune_codes: list[str] | None = None
                          ) -> list[RegistrationOutcome]:
    """Every registration of ``year`` with its derived outcome, by commune, village and household number."""
    regs = exit_registrations(conn, year=year)
    households = repo_exit_outcomes.households_by_uid(conn, [r.household_uid for r in regs])
    results = repo_exit_outcomes.final_results(conn, year)
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
                                       outcome_code(reg.target, final, absent,
                                                    status_at_registration(conn, reg.household_uid, reg))))
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
