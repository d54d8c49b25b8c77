"""Per-household facts of a round and their counters per commune (reports.md §1-§2, households.md §10, §12).

One pass over the counted reviews gives, per commune, a Counter of named figures (``P.hh``, ``N.dep.VL``,
``mv.poor_relapse.pp`` ...). Report columns are expressions over those names, so every level (commune,
district, province) sums counts first and computes rates last.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.export.reports.scope import Scope
from bkdesk.model.rules.codelists import CodeLists, derive_groups
from bkdesk.model.rules.indicators import present_on
from bkdesk.model.rules.standards import Standard
from bkdesk.model.rules.text import search_key
from bkdesk.model.store import repo_reports

PREFIX = {"POOR": "P", "NEAR_POOR": "N", "MIDDLE": "M"}
GROUPS = ("dtts", "kcknld", "cscc", "btxh", "chu_ho_nu")
REPORT_GROUPS = ("dtts", "kcknld", "cscc")  # report 8: "khác" = none of these
HEAD_RELATIONS = {"chu_ho", "chủ hộ"}


def end_status(final_class: str | None) -> str:
    return final_class if final_class in ("POOR", "NEAR_POOR") else "OTHER"


UNKNOWN = "UNKNOWN"  # first round in the data, no start status entered or imported: no movement is claimed


def start_status(fact: dict) -> str:
    if fact.get("start_status"):
        return fact["start_status"]
    if fact.get("first_round") and fact.get("prev_class") is None:
        return UNKNOWN
    prev = fact.get("prev_class")
    return prev if prev in ("POOR", "NEAR_POOR") else "OTHER"


def transitions(start: str, end: str, was_poor: bool, was_near: bool) -> tuple[str | None, str | None]:
    """(poor movement, near-poor movement) codes of households.md §12 (None: not in that table)."""
    poor = near = None
    if start == UNKNOWN:
        return None, None
    if start == "POOR":
        poor = {"POOR": "poor_remain", "NEAR_POOR": "poor_exit_to_near"}.get(end, "poor_exit_above")
    elif end == "POOR":
        poor = {"NEAR_POOR": "poor_from_near", "ABSENT": "poor_increase_other"}.get(
            start, "poor_relapse" if was_poor else "poor_new")
    if start == "NEAR_POOR":
        near = {"NEAR_POOR": "near_remain", "POOR": "near_to_poor"}.get(end, "near_exit_above")
    elif end == "NEAR_POOR":
        near = {"POOR": "near_from_poor", "ABSENT": "near_increase_other"}.get(
            start, "near_relapse" if was_near else "near_new")
    return poor, near


def list_flag(movement: str | None) -> str:
    """remain | relapse | new for the detailed lists (households.md §12 list flags)."""
    if movement in ("poor_remain", "near_remain"):
        return "remain"
    if movement in ("poor_relapse", "near_relapse"):
        return "relapse"
    return "new" if movement else "unknown"


def age_on(birth_date: str | None, precision: str | None, on: dt.date) -> int | None:
    if not birth_date:
        return None
    try:
        year = int(birth_date[:4])
        if precision == "year" or len(birth_date) < 10:
            return on.year - year
        b = dt.date.fromisoformat(birth_date[:10])
    except ValueError:
        return None
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def birth_year(birth_date: str | None) -> str:
    return birth_date[:4] if birth_date and birth_date[:4].isdigit() else ""


class Ethnicity:
    """Resolve a member's ethnicity (code or label) to a code of the code list."""

    def __init__(self, lists: CodeLists, layouts: dict):
        items = lists.items("ethnic_groups")
        self.labels = {e["code"]: e["label_vi"] for e in items}
        self.by_key = {search_key(e["label_vi"]): e["code"] for e in items}
        self.by_key.update({search_key(k): v for k, v in layouts.get("ethnic_aliases", {}).items()})
        self.kinh = set(layouts["kinh_codes"])

    def code(self, value: str | None) -> str | None:
        if not value:
            return None
        return value if value in self.labels else self.by_key.get(search_key(value))

    def label(self, value: str | None) -> str:
        code = self.code(value)
        return self.labels.get(code, value or "") if code else (value or "")

    def is_minority(self, value: str | None) -> bool | None:
        code = self.code(value)
        return None if code is None else code not in self.kinh


def is_head(member: dict) -> bool:
    return (member.get("relation_to_head") or "").strip().lower() in HEAD_RELATIONS


def present(members: list[dict]) -> list[dict]:
    """Members of the household on the review's reference date (``_present``, set by read_facts), else by
    their presence state."""
    return [m for m in members if m.get("_present", m["presence"] in repo_reports.PRESENT)]


def head_of(members: list[dict]) -> dict | None:
    pres = present(members)
    heads = [m for m in pres if is_head(m)]
    return heads[0] if heads else (min(pres or members, key=lambda m: m["position"]) if members else None)


@dataclass
class RoundFacts:
    """Everything the reports of one scope and round need, read once."""

    reviews: list[dict]
    members: dict[str, list[dict]]
    deprived: dict[str, set[str]]
    causes: dict[str, dict[str, str]]
    needs: dict[str, dict[str, str]]
    groups: dict[str, dict[str, int]]
    departed: list[dict]
    unreviewed: list[dict]
    registrations: list[dict] = field(default_factory=list)
    counters: dict[str, Counter] = field(default_factory=dict)
    applications: list[dict] = field(default_factory=list)  # regular review: every review of the month


def read_facts(conn: sqlite3.Connection, scope: Scope, std: Standard) -> RoundFacts:
    codes, year = scope.commune_codes, scope.review_year
    reviews = repo_reports.counted_reviews(conn, codes, year, std.list_year_from)
    with_start_lists = repo_reports.communes_with_lists(conn, codes, year)
    for fact in reviews:  # no lists of the year before in the data: this is the commune's first round
        fact["first_round"] = fact["commune_code"] not in with_start_lists
    members = repo_reports.members_of_reviewed(conn, codes, year)
    as_decided(reviews, members)
    return RoundFacts(
        reviews=reviews,
        members=members,
        deprived=repo_reports.deprived_indicators(conn, codes, year),
        causes=repo_reports.review_codes(conn, "review_cause", codes, year),
        needs=repo_reports.review_codes(conn, "review_need", codes, year),
        groups=repo_reports.review_groups(conn, codes, year),
        departed=repo_reports.departed_households(conn, codes, year),
        unreviewed=repo_reports.unreviewed_households(conn, codes, year),
        registrations=repo_reports.exit_registrations_in(conn, codes, year),
    )


def read_regular_facts(conn: sqlite3.Connection, scope: Scope) -> RoundFacts:
    """The regular review of one month: the decided (counted) reviews as the round's facts, every review of
    the month (drafts and refusals included) in ``applications``."""
    allrows = repo_reports.regular_reviews(conn, scope.commune_codes, scope.review_year, scope.month)
    counted = [r for r in allrows if r["counted"]]
    members = repo_reports.rosters_of(conn, counted)
    as_decided(counted, members)
    uids = [r["review_uid"] for r in counted]
    wanted = set(uids)

    def only(d: dict) -> dict:
        return {k: v for k, v in d.items() if k in wanted}

    return RoundFacts(reviews=counted, members=members,
                      deprived=only(repo_reports.deprived_of(conn, uids)), causes={}, needs={}, groups={},
                      departed=[], unreviewed=[], applications=allrows)


def as_decided(reviews: list[dict], members: dict[str, list[dict]]) -> None:
    """Mark each member present or not on its review's reference date (households.md §3.2) and name each
    household by the head on the roster the review saw (a later change of head changes no past output)."""
    for fact in reviews:
        roster = members.get(fact["household_uid"], [])
        ref = dt.date.fromisoformat(fact["reference_date"][:10])
        for m in roster:
            m["_present"] = present_on(m, ref)
        heads = [m for m in roster if m["_present"] and is_head(m)]
        if heads and heads[0]["full_name"]:
            fact["head_name"] = heads[0]["full_name"]
        if fact.get("review_no"):
            fact["household_no"] = fact["review_no"]


def household_groups(fact: dict, facts: RoundFacts, lists: CodeLists, eth: Ethnicity,
                     members: list[dict]) -> dict[str, bool]:
    """Final group flags (review_group rows), derived from the roster where a flag was not recorded."""
    recorded = facts.groups.get(fact["review_uid"], {})
    out = {g: bool(recorded[g]) for g in GROUPS if g in recorded}
    if len(out) < len(GROUPS):
        roster = [{**m, "relation_to_head": "chu_ho" if is_head(m) else m.get("relation_to_head"),
                   "ethnicity": eth.code(m.get("ethnicity"))} for m in members]
        derived = derive_groups(lists, roster, dt.date.fromisoformat(fact["reference_date"][:10]))
        for g in GROUPS:
            out.setdefault(g, bool(derived.get(g)))
    return out


def _children(c: Counter, x: str, members: list[dict], ref: dt.date, layouts: dict) -> None:
    lo_h, hi_h = layouts["health_child_age"]
    lo_e, hi_e = layouts["education_child_age"]
    for m in present(members):
        age = age_on(m["birth_date"], m["birth_date_precision"], ref)
        if age is None or age >= layouts["child_age_below"]:
            continue
        c[f"{x}.child"] += 1
        if m["malnourished"] == 1 or (lo_h <= age <= hi_h and m["health_insurance"] == 0):
            c[f"{x}.child.health"] += 1
        if lo_e <= age <= hi_e and (m["currently_studying"] == 0 or m["level_suitable_for_age"] == 0):
            c[f"{x}.child.edu"] += 1


def _count_class(c: Counter, x: str, fact: dict, facts: RoundFacts, groups: dict, persons: int, pp_dtts: int,
                 head_eth: str | None, std: Standard, eth: Ethnicity, layouts: dict, members: list[dict]) -> None:
    for u, n in (("hh", 1), ("pp", persons)):
        c[f"{x}.{u}"] += n
        c[f"{x}.grp.none.{u}"] += 0 if any(groups[g] for g in REPORT_GROUPS) else n
        for g in GROUPS:
            c[f"{x}.grp.{g}.{u}"] += n if groups[g] else 0
    c[f"{x}.hh.{'dtts' if groups['dtts'] else 'kinh'}"] += 1
    c[f"{x}.pp.dtts"] += pp_dtts
    c[f"{x}.pp.kinh"] += persons - pp_dtts
    deps = facts.deprived.get(fact["review_uid"], set()) & set(std.indicator_codes)
    c[f"{x}.dep"] += len(deps)
    for k in deps:
        c[f"{x}.dep.{k}"] += 1
    if not groups["dtts"]:
        c[f"{x}.eth.kinh"] += 1
    else:
        c[f"{x}.eth.dtts"] += 1
        c[f"{x}.eth.{head_eth if head_eth in layouts['ethnic_columns'] else 'other'}"] += 1
    last = int(layouts["local_cause_other"])
    causes = {code if code.isdigit() and int(code) <= last else str(last)
              for code in facts.causes.get(fact["review_uid"], {})}
    for code in causes:
        c[f"{x}.cause.{code}"] += 1
    _children(c, x, members, dt.date.fromisoformat(fact["reference_date"][:10]), layouts)


def _count_moves(c: Counter, fact: dict, persons: int) -> None:
    start, end = start_status(fact), end_status(fact["final_class"])
    if start == UNKNOWN:
        c["start_unknown"] += 1
        return
    start_pp = fact["prev_members"] if fact.get("prev_members") is not None else persons
    for s in ("POOR", "NEAR_POOR"):
        if start == s:
            c[f"start.{s}.hh"] += 1
            c[f"start.{s}.pp"] += start_pp
    for mv in transitions(start, end, bool(fact["was_poor"]), bool(fact["was_near"])):
        if mv is None:
            continue
        if mv.endswith("_remain"):  # persons: net change of remaining households goes to "khác"
            side = mv.split("_")[0]
            diff = persons - start_pp
            c[f"mv.{side}_{'increase' if diff > 0 else 'decrease'}_other.pp"] += abs(diff)
            continue
        c[f"mv.{mv}.hh"] += 1
        decrease = mv in ("poor_exit_to_near", "poor_exit_above", "near_to_poor", "near_exit_above")
        c[f"mv.{mv}.pp"] += start_pp if decrease else persons


def count(facts: RoundFacts, std: Standard, lists: CodeLists, layouts: dict) -> dict[str, Counter]:
    """Counters per commune code (communes without counted reviews are absent)."""
    eth = Ethnicity(lists, layouts)
    out: dict[str, Counter] = {}
    for fact in facts.reviews:
        c = out.setdefault(fact["commune_code"], Counter())
        members = facts.members.get(fact["household_uid"], [])
        pres = present(members)
        persons = len(pres)
        pp_dtts = sum(1 for m in pres if eth.is_minority(m["ethnicity"]))
        head = head_of(members)
        groups = household_groups(fact, facts, lists, eth, members)
        c["hh"] += 1
        c["pp"] += persons
        c[f"hh.{'dtts' if groups['dtts'] else 'kinh'}"] += 1
        c["pp.dtts"] += pp_dtts
        c["pp.kinh"] += persons - pp_dtts
        x = PREFIX.get(fact["final_class"])
        if x:
            _count_class(c, x, fact, facts, groups, persons, pp_dtts, eth.code(head["ethnicity"]) if head else None,
                         std, eth, layouts, members)
        _count_moves(c, fact, persons)
    for d in facts.departed:
        c = out.setdefault(d["commune_code"], Counter())
        pp = d["prev_members"] if d["prev_members"] is not None else d["roster"]
        side = "poor" if d["prev_class"] == "POOR" else "near"
        c[f"start.{d['prev_class']}.hh"] += 1
        c[f"start.{d['prev_class']}.pp"] += pp
        c[f"mv.{side}_decrease_other.hh"] += 1
        c[f"mv.{side}_decrease_other.pp"] += pp
    for u in facts.unreviewed:  # on the start list, no end status: the identity check fails and names them
        c = out.setdefault(u["commune_code"], Counter())
        c[f"start.{u['prev_class']}.hh"] += 1
        c[f"start.{u['prev_class']}.pp"] += u["prev_members"] if u["prev_members"] is not None else u["roster"]
        c["unreviewed"] += 1
    facts.counters = out
    return out
