"""Demo data: the reviews of one household, scored by the standards engine to land on a target class.

Score A is drawn on the right side of the standard's threshold for the target class; the household is
then nudged (demo_people.worse_steps / better_steps) until ``classify`` itself returns the target, so
every stored class, indicator and score is what the engine computes from the stored data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass

from bkdesk.errors import UserError
from bkdesk.model.demo.people import apply_step, better_steps, demo_data, worse_steps
from bkdesk.model.rules.classify import MIDDLE, NEAR_POOR, NOT_POOR, POOR, classify
from bkdesk.model.rules.codelists import codelists, derive_groups
from bkdesk.model.rules.indicators import (
    DEPRIVED,
    FINAL_VALUES,
    NOT_DEPRIVED,
    compute_indicators,
    present_members,
)
from bkdesk.model.rules.standards import Standard

OFFICER_REASON = "Cán bộ rà soát xác định khi phỏng vấn hộ (dữ liệu mẫu)"
REVIEW_COLUMNS = (
    "uid", "household_uid", "round_uid", "review_type", "list_year", "reference_date", "review_date",
    "commune_code", "village_uid", "household_no", "standard_id", "standard_revision", "area", "reviewers",
    "household_representative", "record_status", "start_status", "nlndn", "nlndn_middle_recognised",
    "score_a_paper", "score_a_final", "score_a_source", "score_b", "deprivation_count", "computed_class",
    "final_class", "reasons_text", "decision_id", "members_count", "roster_snapshot", "housing_snapshot",
    "income_12m_vnd", "income_period_from", "income_period_to", "members_counted",
    "signed", "rev", "updated_at", "updated_by", "origin")
START_STATUS = {POOR: "POOR", NEAR_POOR: "NEAR_POOR", NOT_POOR: "OTHER", MIDDLE: "OTHER"}


@dataclass
class RoundInfo:
    """What a review needs to know about its round (one per commune and review year)."""

    uid: str
    list_year: int
    ref: dt.date
    review_year: int
    decision_id: str
    stamp: str  # updated_at of every record of the round
    standard: Standard
    area: str


@dataclass
class Scored:
    cls: str
    score_a: int
    finals: dict[str, tuple[str, str, str, str]]  # code -> (computed, final, reason, missing)
    result: object  # ClassResult
    changed: bool  # roster/housing had to differ from the household's current state


def _finals(results: dict, lean_worse: bool) -> dict[str, tuple[str, str, str, str]]:
    out = {}
    for code, r in results.items():
        if r.value in FINAL_VALUES:
            out[code] = (r.value, r.value, "", "")
        else:  # unknown: the officer decides at the visit (e.g. a rule whose data is not published)
            out[code] = (r.value, DEPRIVED if lean_worse else NOT_DEPRIVED, OFFICER_REASON, r.missing_vi())
    return out


def draw_score_a(rng: random.Random, cls: str, threshold: float) -> int:
    t = int(threshold)
    if cls in (POOR, NEAR_POOR):
        return rng.randint(max(0, t - 90), t)
    if cls == MIDDLE:
        return rng.randint(t + 1, t + 30)
    return rng.randint(t + 1, t + 160)


def score(rng: random.Random, commune_code: str, rnd: RoundInfo, roster: list[dict], housing: dict,
          target: str, pre: int = 0) -> Scored:
    """Score the household for ``target``, nudging roster/housing (in place) until classify agrees.

    ``pre`` nudges are applied before the first try (a household known to be far from the target)."""
    std = rnd.standard
    a = draw_score_a(rng, target, std.threshold(rnd.area))
    n = max(1, len(present_members(roster, rnd.ref)))
    steps = worse_steps(n) if target == POOR else better_steps(n) if target == NEAR_POOR else []
    changed = pre > 0
    for step in steps[:pre]:
        apply_step(step, roster, housing)
    del steps[:pre]
    while True:
        results = compute_indicators(std, roster, housing, rnd.ref)
        finals = _finals(results, lean_worse=target == POOR)
        res = classify(rnd.list_year, commune_code, rnd.ref, a, {c: f[1] for c, f in finals.items()},
                       nlndn_middle=target == MIDDLE, standard=std, area=rnd.area)
        if res.cls == target:
            return Scored(target, a, finals, res, changed)
        if not steps:
            raise UserError(f"Dữ liệu mẫu: không tạo được hộ loại {target} (xã {commune_code}).")
        apply_step(steps.pop(0), roster, housing)
        changed = True


def review_row(rng: random.Random, uid: str, hh: dict, rnd: RoundInfo, s: Scored, start_status: str | None,
               head_name: str, reviewers: str, origin: str, user: str, roster: list[dict] | None,
               housing: dict | None) -> tuple:
    review_date = rnd.ref + dt.timedelta(days=rng.randrange(20, 75))
    values = {
        "uid": uid, "household_uid": hh["uid"], "round_uid": rnd.uid, "review_type": "periodic",
        "list_year": rnd.list_year, "reference_date": rnd.ref.isoformat(), "review_date": review_date.isoformat(),
        "commune_code": hh["commune_code"], "village_uid": hh["village_uid"], "household_no": hh["household_no"],
        "standard_id": rnd.standard.id, "standard_revision": rnd.standard.revision, "area": rnd.area,
        "reviewers": reviewers, "household_representative": head_name, "record_status": "decided",
        "start_status": start_status, "nlndn": hh["_nlndn"], "nlndn_middle_recognised": int(s.cls == MIDDLE),
        "score_a_paper": float(s.score_a), "score_a_final": float(s.score_a), "score_a_source": "paper_total",
        "score_b": int(s.result.score_b), "deprivation_count": s.result.deprivation_count,
        "computed_class": s.result.cls, "final_class": s.result.cls, "reasons_text": s.result.reasons("vi"),
        "decision_id": rnd.decision_id, "members_count": len(present_members(roster or hh["_roster"], rnd.ref)),
        # Snapshots only where this review saw a state other than the household's current record.
        "roster_snapshot": json.dumps(roster, ensure_ascii=False, sort_keys=True) if roster else None,
        "housing_snapshot": json.dumps(housing, ensure_ascii=False, sort_keys=True) if housing else None,
        "signed": 1, "rev": 1, "updated_at": rnd.stamp, "updated_by": user, "origin": origin,
    }
    values.update(middle_income(hh["uid"], rnd, values["members_count"]) if s.cls == MIDDLE else
                  dict.fromkeys(("income_12m_vnd", "income_period_from", "income_period_to", "members_counted")))
    return tuple(values[c] for c in REVIEW_COLUMNS)


def middle_income(household_uid: str, rnd: RoundInfo, members: int) -> dict:
    """The income procedure's record of a middle-living household (households.md §7): 12-month income
    inside the middle band of its area, the members counted and the 12 months before the review. Drawn
    from the household's own seed, so the rest of the demo data does not move."""
    line, upper = rnd.standard.income_line[rnd.area], (rnd.standard.middle_band_upper or {})[rnd.area]
    per_capita = random.Random(f"{household_uid}/{rnd.list_year}").randint(int(line) // 1000 + 1, int(upper) // 1000)
    members = max(1, members)
    end = rnd.ref - dt.timedelta(days=1)
    return {"income_12m_vnd": per_capita * 1000 * 12 * members, "members_counted": members,
            "income_period_from": dt.date(end.year - 1, end.month, end.day).isoformat() if not (
                end.month == 2 and end.day == 29) else dt.date(end.year - 1, 2, 28).isoformat(),
            "income_period_to": end.isoformat()}


def children_rows(rng: random.Random, review_uid: str, s: Scored, roster: list[dict], ref: dt.date,
                  standard_id: str) -> tuple[list, list, list, list]:
    """Indicator, cause, need and group rows of one review."""
    indicators = [(review_uid, c, comp, fin, reason, missing) for c, (comp, fin, reason, missing) in s.finals.items()]
    lists = codelists(standard_id)
    groups = [(review_uid, code, None if v is None else int(v), int(bool(v)), "")
              for code, v in derive_groups(lists, roster, ref).items()]
    causes, needs = [], []
    if s.cls in (POOR, NEAR_POOR):
        data = demo_data()
        causes = [(review_uid, c, _text(rng, lists, "causes", c, data["cause_other_texts"]))
                  for c in _some(rng, lists.codes("causes"), (3, 2, 1))]
        needs = [(review_uid, c, _text(rng, lists, "support_needs", c, data["need_other_texts"]))
                 for c in _some(rng, lists.codes("support_needs"), (2, 3, 2))]
    return indicators, causes, needs, groups


def _some(rng: random.Random, codes: list[str], weights: tuple[int, ...]) -> list[str]:
    k = rng.choices(range(1, len(weights) + 1), weights=weights)[0]
    # Earlier codes (land, capital, labour...) are the common ones; "other" comes last and rarely.
    w = [max(1, len(codes) - i) ** 2 for i in range(len(codes))]
    picked: list[str] = []
    while len(picked) < min(k, len(codes)):
        c = rng.choices(codes, weights=w)[0]
        if c not in picked:
            picked.append(c)
    return sorted(picked, key=codes.index)


def _text(rng: random.Random, lists, name: str, code: str, texts: list[str]) -> str:
    return rng.choice(texts) if lists.requires_text(name, code) else ""


def exit_registration_row(rng: random.Random, uid: str, hh: dict, head_uid: str, target: str, exited: bool,
                          origin: str, user: str, stamp: str) -> tuple:
    data = demo_data()
    plans = rng.sample(data["livelihood_plans"], rng.randint(1, 2))
    support = rng.sample(data["support_needed"], rng.randint(1, 3))
    reg_date = dt.date(2022, 1, 10) + dt.timedelta(days=rng.randrange(80))
    form04 = exited and rng.random() < 0.5
    return (uid, hh["uid"], 2022, reg_date.isoformat(), head_uid, target, 1,
            "Cam kết phấn đấu thoát nghèo trong năm 2022" if target == "thoat_ngheo"
            else "Cam kết phấn đấu thoát cận nghèo trong năm 2022",
            ", ".join(plans), "", ", ".join(support), "", rng.choice(data["mentor_orgs"]), "",
            int(form04), (reg_date + dt.timedelta(days=200)).isoformat() if form04 else None,
            None, "", "", 1, stamp, user, origin)


EXIT_COLUMNS = ("uid", "household_uid", "registration_year", "registration_date", "registered_by_member_uid",
                "target", "commitment", "commitment_text", "livelihood_plan", "livelihood_text", "support_needed",
                "support_received", "mentor_org", "mentor_officer", "form04_submitted", "form04_date",
                "withdrawn_date", "withdrawn_reason", "outcome_reason", "rev", "updated_at", "updated_by", "origin")
