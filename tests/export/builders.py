"""A commune with two rounds of reviews from a seeded random, written through the real repositories.

``build_round`` returns the in-memory truth (what was written), so tests count independently of the
report code.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from bkdesk.model.rules.records import (
    GroupValue,
    Household,
    Housing,
    IndicatorValue,
    Member,
    Review,
    ReviewRound,
)
from bkdesk.model.store import repo_rounds
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_households import HouseholdBundle, save_household
from bkdesk.model.store.repo_reviews import save_review, save_round
from bkdesk.model.store.repo_villages import create_village

COMMUNE = "01954"
YEAR = 2024  # review year R; lists apply from 2025; tree 2022
INDICATORS = ["VL", "NPT", "DD", "BHYT", "GDNL", "DHTE", "CLNO", "DTNO", "NSH", "NTHVS", "VT", "PTTT"]
ETHNIC = ["01", "02", "07", "09", "08", "15", "03", "Tày"]
SPECIAL_HEAD = "Đặng Thị Ễ Ữ Ở Ằ"
HYPERLINK = '=HYPERLINK("http://x.invalid","bấm")'


@dataclass
class HH:
    uid: str
    village: str
    head: str
    members: list[Member]
    cls: str | None  # final class of the counted review of YEAR (None: no counted review)
    prev: str | None  # final class of the counted review of YEAR - 1
    older_poor: bool = False  # counted review of YEAR - 2 was POOR
    older_near: bool = False
    start_absent: bool = False
    status: str = "active"
    deprived: set = field(default_factory=set)
    causes: dict = field(default_factory=dict)
    needs: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)


def _members(rng: random.Random, n: int, head_name: str) -> list[Member]:
    out = []
    for i in range(n):
        sex = rng.choice("12")
        year = rng.randint(1950, 1995) if i == 0 else rng.randint(2008, 2023)
        name = head_name if i == 0 else rng.choice(["Nông Văn Ước", "Triệu Thị Yến", "Hà Đức Thắm", "Lý Minh Đạt"])
        out.append(Member(full_name=name, sex=sex, position=i + 1, birth_date=f"{year}-{rng.randint(1, 12):02d}-15",
                          relation_to_head="Chủ hộ" if i == 0 else rng.choice(["Con", "Vợ", "Cháu"]),
                          ethnicity=rng.choice(ETHNIC), malnourished=rng.choice([0, 0, 1]),
                          health_insurance=rng.choice([0, 1, 1]), currently_studying=rng.choice([0, 1, 1]),
                          level_suitable_for_age=rng.choice([0, 1, 1]),
                          presence=rng.choice(["present"] * 6 + ["moved_out", "died"]) if i else "present"))
    return out


def _review(hh: HH, list_year: int, cls: str, rnd_uid: str, status: str = "confirmed") -> Review:
    return Review(household_uid=hh.uid, list_year=list_year, reference_date=f"{list_year - 1}-09-01",
                  commune_code=COMMUNE, round_uid=rnd_uid, review_type="periodic", record_status=status,
                  final_class=cls, computed_class=cls, standard_id="vn-2022-2026", standard_revision=1,
                  household_no="", members_count=None)


def build_round(conn, rng: random.Random, n: int = 40, draft_rate: float = 0.1) -> list[HH]:
    villages = [create_village(conn, COMMUNE, name, "test") for name in ("Bản Chang", "Nà Phặc")]
    rounds = {}
    for ry in (YEAR - 2, YEAR - 1, YEAR):
        rounds[ry] = save_round(conn, ReviewRound(COMMUNE, "periodic", ry, ry + 1, f"{ry}-09-01"), "test").uid
    classes = ["POOR", "NEAR_POOR", "MIDDLE", "NOT_POOR"]
    truth: list[HH] = []
    for i in range(n):
        head = SPECIAL_HEAD if i == 0 else (HYPERLINK if i == 1 else f"Hoàng Văn Bình {i}")
        members = _members(rng, rng.randint(1, 6), head)
        village = villages[i % 2]
        bundle = HouseholdBundle(Household(commune_code=COMMUNE, household_no=f"{i + 1:03d}", village_uid=village),
                                 members, Housing(floor_area_m2=30.0))
        save_household(conn, bundle, "test")
        hh = HH(bundle.household.uid, village, head, members, rng.choice(classes), rng.choice(classes + [None]))
        if i < 2:
            hh.cls = "POOR"
        hh.older_poor = hh.prev in ("NOT_POOR", None) and rng.random() < 0.3
        hh.older_near = hh.prev in ("NOT_POOR", None) and not hh.older_poor and rng.random() < 0.3
        if hh.older_poor or hh.older_near:
            save_review(conn, _review(hh, YEAR - 1, "POOR" if hh.older_poor else "NEAR_POOR", rounds[YEAR - 2]), "t")
        if hh.prev:
            save_review(conn, _review(hh, YEAR, hh.prev, rounds[YEAR - 1], "decided"), "test")
        if hh.prev in ("POOR", "NEAR_POOR") and rng.random() < 0.12 and i > 1:  # moved away: no review
            hh.cls, hh.status = None, "moved_out"
            conn.execute("UPDATE household SET status='moved_out' WHERE uid=?", (hh.uid,))
            conn.commit()
            truth.append(hh)
            continue
        status = "draft" if rng.random() < draft_rate and i > 1 else "confirmed"
        r = _review(hh, YEAR + 1, hh.cls, rounds[YEAR], status)
        if hh.prev is None and rng.random() < 0.3:
            r.start_status, hh.start_absent = "ABSENT", True
        hh.deprived = {k for k in INDICATORS if rng.random() < 0.3}
        r.indicators = {k: IndicatorValue(computed="deprived" if k in hh.deprived else "not_deprived",
                                          final="deprived" if k in hh.deprived else "not_deprived")
                        for k in INDICATORS}
        hh.causes = {c: ("" if c not in ("8", "9") else "Lý do riêng") for c in rng.sample(
            ["1", "2", "3", "4", "5", "6", "7", "8", "9"], rng.randint(0, 3))}
        hh.needs = {c: "" for c in rng.sample(["YT", "GD", "SX", "TD", "NO"], rng.randint(0, 2))}
        hh.groups = {g: rng.choice([0, 1]) for g in ("dtts", "kcknld", "cscc", "btxh", "chu_ho_nu")}
        r.causes, r.needs = dict(hh.causes), dict(hh.needs)
        r.groups = {g: GroupValue(final=v, derived=v) for g, v in hh.groups.items()}
        save_review(conn, r, "test")
        if status == "draft":
            hh.cls = None
        truth.append(hh)
    return truth


DECISION_NUMBER, DECISION_DATE = "184/QĐ-UBND", "2024-12-14"


def record_round_documents(conn, truth: list[HH]) -> str:
    """The records of the round of YEAR that its official documents print: the commune decision, a meeting
    in each village (votes for three households in focus) and a posting per village. Returns the round uid."""
    rnd = conn.execute("SELECT uid FROM review_round WHERE kind='periodic' AND review_year=?", (YEAR,)).fetchone()[0]
    villages = {h.village for h in truth}
    with transaction(conn):
        repo_rounds.write_decision(conn, "dec-1", {"round_uid": rnd, "number": DECISION_NUMBER,
                                                   "decision_date": DECISION_DATE, "signer": "Nông Văn Chủ Tịch"},
                                   "test")
        for i, v in enumerate(sorted(villages)):
            focus = [h.uid for h in truth if h.village == v and h.cls][:3]
            repo_rounds.write_meeting(conn, f"meet-{i}", {
                "round_uid": rnd, "village_uid": v, "meeting_date": "2024-11-20", "place": "Nhà văn hóa thôn",
                "chair": f"Trưởng Thôn {i}", "secretary": f"Thư Ký {i}", "attendees": 57, "list_agree": None,
                "votes": json.dumps({u: 41 + k for k, u in enumerate(focus)})}, "test")
            repo_rounds.write_posting(conn, f"post-{i}", {"round_uid": rnd, "village_uid": v,
                                                          "place": "Nhà văn hóa thôn", "start_date": "2024-11-25",
                                                          "end_date": "2024-12-01"}, "test")
    return rnd
