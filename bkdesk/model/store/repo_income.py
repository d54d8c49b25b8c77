"""SQL for the income procedures' lists (households.md §7): reviews with a recorded 12-month income."""

from __future__ import annotations

import json

from bkdesk.dbapi import sqlite3

_COUNTED = ("confirmed", "decided")
_MEMBER_FIELDS = ("uid", "position", "full_name", "sex", "birth_date", "birth_date_precision", "relation_to_head",
                  "presence", "presence_date", "labour_status", "low_income_worker")


def income_reviews(conn: sqlite3.Connection, commune_codes: list[str], year: int) -> list[dict]:
    """The latest counted review of each household of the communes dated in calendar ``year`` that records
    an income (periodic, NLNDN or low-income-worker procedure), with its roster as the review saw it."""
    if not commune_codes:
        return []
    marks = ",".join("?" * len(commune_codes))
    rows = conn.execute(
        "SELECT r.uid AS review_uid, r.household_uid, r.commune_code, r.list_year, r.reference_date, r.area,"
        " r.review_type, r.final_class, r.nlndn, r.income_12m_vnd, r.members_counted, r.roster_snapshot,"
        " h.head_name, h.household_no, coalesce(v.name, '') AS village_name"
        " FROM review r JOIN household h ON h.uid = r.household_uid"
        " LEFT JOIN village v ON v.uid = coalesce(r.village_uid, h.village_uid)"
        f" WHERE r.commune_code IN ({marks}) AND r.record_status IN {_COUNTED}"
        " AND r.income_12m_vnd IS NOT NULL AND r.members_counted > 0 AND substr(r.reference_date, 1, 4) = ?"
        " ORDER BY r.commune_code, coalesce(v.name_key, ''), h.household_no, h.uid, r.reference_date DESC",
        (*commune_codes, f"{year:04d}")).fetchall()
    out, seen = [], set()
    for r in rows:
        if r["household_uid"] in seen:
            continue
        seen.add(r["household_uid"])
        fact = dict(r)
        snapshot = fact.pop("roster_snapshot")
        members = json.loads(snapshot) if snapshot else [
            dict(m) for m in conn.execute(f"SELECT {', '.join(_MEMBER_FIELDS)} FROM member WHERE household_uid = ?"
                                          " ORDER BY position", (r["household_uid"],))]
        fact["members"] = sorted(members, key=lambda m: m.get("position") or 0)
        out.append(fact)
    return out
