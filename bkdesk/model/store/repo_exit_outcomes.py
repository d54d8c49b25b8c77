"""What the derived exit-registration outcomes read (households.md §14): final review results of a year and
the registering households."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3


def final_results(conn: sqlite3.Connection, year: int) -> dict[str, tuple[str, str]]:
    """household_uid -> (final_class, source) for the registration year: regular-review decisions of the year
    in date order, then the periodic round's final result (decided, or confirmed in a locked round), which
    supersedes them."""
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
        out[r[0]] = (r[1], "periodic")
    return out


def households_by_uid(conn: sqlite3.Connection, uids: list[str]) -> dict[str, sqlite3.Row]:
    """uid -> household row (commune, village and its name, number, head, status), read in chunks of 900."""
    out = {}
    for i in range(0, len(uids), 900):
        chunk = uids[i:i + 900]
        out.update({r["uid"]: r for r in conn.execute(
            "SELECT h.uid, h.commune_code, h.village_uid, h.household_no, h.head_name, h.status,"
            " coalesce(v.name, '') AS village_name FROM household h LEFT JOIN village v ON v.uid=h.village_uid"
            f" WHERE h.uid IN ({','.join('?' * len(chunk))})", chunk)})
    return out
