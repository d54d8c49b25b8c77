"""SQL for rounds, start/end snapshots and transitions (the round record itself: repo_reviews.save_round).

A review "counts" (reports.md §1) when its record_status is confirmed or decided and it has a final_class.
"""

from __future__ import annotations

from dataclasses import dataclass

from bkdesk.dbapi import sqlite3

COUNTED = "('confirmed', 'decided')"
ENDING_EVENTS = ("moved_out", "merged_into", "dissolved")
STARTING_EVENTS = ("moved_in", "split_from")


@dataclass(frozen=True)
class SnapshotRow:
    """One household's review in a periodic round."""

    review_uid: str
    household_uid: str
    commune_code: str
    village_uid: str | None
    final_class: str | None  # None when not counted yet (draft or no class)
    start_status: str | None
    persons: int | None
    round_uid: str
    round_locked: int
    record_status: str


def periodic_snapshot(conn: sqlite3.Connection, review_year: int, commune_codes: list[str] | None = None
                      ) -> dict[str, SnapshotRow]:
    """household_uid -> its review in the periodic round(s) of ``review_year``."""
    sql = (f"SELECT r.uid, r.household_uid, r.commune_code, r.village_uid, r.start_status, r.record_status,"
           f" CASE WHEN r.record_status IN {COUNTED} THEN r.final_class END AS final_class,"
           f" coalesce(r.members_count, (SELECT count(*) FROM member m WHERE m.household_uid=r.household_uid"
           f"   AND m.presence IN ('present', 'new_born', 'moved_in'))) AS persons,"
           f" rr.uid AS round_uid, rr.locked"
           f" FROM review r JOIN review_round rr ON rr.uid = r.round_uid"
           f" WHERE rr.kind='periodic' AND rr.review_year=?")
    args: list = [review_year]
    if commune_codes is not None:
        sql += f" AND rr.commune_code IN ({','.join('?' * len(commune_codes))})"
        args += list(commune_codes)
    return {r["household_uid"]: SnapshotRow(r["uid"], r["household_uid"], r["commune_code"], r["village_uid"],
                                            r["final_class"], r["start_status"], r["persons"], r["round_uid"],
                                            r["locked"], r["record_status"])
            for r in conn.execute(sql, args)}


def events_by_household(conn: sqlite3.Connection, household_uids: list[str] | None = None
                        ) -> dict[str, list[tuple[str, str]]]:
    """household_uid -> [(event, event_date)] in date order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in conn.execute("SELECT household_uid, event, event_date FROM household_event ORDER BY event_date"):
        if household_uids is None or r[0] in household_uids:
            out.setdefault(r[0], []).append((r[1], r[2]))
    return out


def household_status(conn: sqlite3.Connection, household_uids: list[str]) -> dict[str, str]:
    out = {}
    for chunk in _chunks(household_uids):
        out.update({r[0]: r[1] for r in conn.execute(
            f"SELECT uid, status FROM household WHERE uid IN ({','.join('?' * len(chunk))})", chunk)})
    return out


def households_on_earlier_lists(conn: sqlite3.Connection, first_list_year: int, last_list_year: int,
                                final_class: str, exclude_round_uids: set[str] | None = None) -> set[str]:
    """Households with a counted review of ``final_class`` whose list year is in the window.

    Regular decisions of the last list year are left out: they fall inside the period (net change only).
    """
    rows = conn.execute(
        f"SELECT household_uid, round_uid FROM review WHERE record_status IN {COUNTED} AND final_class=?"
        " AND list_year BETWEEN ? AND ? AND (review_type='periodic' OR list_year < ?)",
        (final_class, first_list_year, last_list_year, last_list_year)).fetchall()
    skip = exclude_round_uids or set()
    return {r[0] for r in rows if r[1] not in skip}


def latest_counted_class(conn: sqlite3.Connection, household_uid: str, max_list_year: int) -> str | None:
    row = conn.execute(f"SELECT final_class FROM review WHERE household_uid=? AND record_status IN {COUNTED}"
                       " AND final_class IS NOT NULL AND list_year<=? ORDER BY list_year DESC, reference_date DESC"
                       " LIMIT 1", (household_uid, max_list_year)).fetchone()
    return row[0] if row else None


def active_household_rows(conn: sqlite3.Connection, commune_code: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT uid, household_no, village_uid FROM household WHERE commune_code=?"
                        " AND status='active' ORDER BY household_no, uid", (commune_code,)).fetchall()


def round_review_rows(conn: sqlite3.Connection, round_uid: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT uid, household_uid, record_status, final_class FROM review WHERE round_uid=?",
                        (round_uid,)).fetchall()


def _chunks(items: list, size: int = 900):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def add_household_event(conn: sqlite3.Connection, household_uid: str, event: str, event_date: str, user: str,
                        other_household_uid: str | None = None, place: str = "", reason: str = "") -> str:
    """Record a lifecycle event (households.md §13), audited; snapshots read it (never inferred). EDIT."""
    from bkdesk.errors import UserError
    from bkdesk.model.rules import roles as R
    from bkdesk.model.rules.records import new_uid
    from bkdesk.model.store.access import require
    from bkdesk.model.store.db import transaction
    from bkdesk.model.store.repo_base import upsert_audited

    require(conn, R.EDIT)
    if event not in ENDING_EVENTS + STARTING_EVENTS:
        raise UserError(f"Loại biến động không hợp lệ: {event}.")
    uid = new_uid()
    with transaction(conn):
        upsert_audited(conn, "household_event", "uid", uid,
                       {"household_uid": household_uid, "event": event, "event_date": event_date,
                        "other_household_uid": other_household_uid, "place": place, "reason": reason},
                       user=user, reason=reason)
    return uid


# The round's records (m0003): status counts, village meetings, posting, decision ---------------------------

def status_rows(conn: sqlite3.Connection, round_uid: str) -> list[sqlite3.Row]:
    """(village_uid, village_name, record_status, n) of the round's reviews."""
    return conn.execute(
        "SELECT r.village_uid, v.name AS village_name, r.record_status, count(*) AS n FROM review r"
        " LEFT JOIN village v ON v.uid = r.village_uid WHERE r.round_uid=?"
        " GROUP BY r.village_uid, r.record_status", (round_uid,)).fetchall()


def households_without_review(conn: sqlite3.Connection, round_uid: str, commune_code: str) -> list[sqlite3.Row]:
    """Active households of the commune that have no review in the round (village_uid, village_name, uid)."""
    return conn.execute(
        "SELECT h.uid, h.village_uid, v.name AS village_name FROM household h LEFT JOIN village v"
        " ON v.uid = h.village_uid WHERE h.commune_code=? AND h.status='active' AND NOT EXISTS"
        " (SELECT 1 FROM review r WHERE r.household_uid = h.uid AND r.round_uid=?)",
        (commune_code, round_uid)).fetchall()


def round_review_list(conn: sqlite3.Connection, round_uid: str, village_uid: str | None = None
                      ) -> list[sqlite3.Row]:
    """The round's reviews with what a confirmation report names: household number and head."""
    sql = ("SELECT r.uid, r.household_uid, r.record_status, r.final_class, r.village_uid, h.household_no,"
           " h.head_name FROM review r JOIN household h ON h.uid = r.household_uid WHERE r.round_uid=?")
    args: list = [round_uid]
    if village_uid is not None:
        sql += " AND r.village_uid=?"
        args.append(village_uid)
    return conn.execute(sql + " ORDER BY h.household_no, h.uid", args).fetchall()


def villages_of_commune(conn: sqlite3.Connection, commune_code: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT uid, name, name_key FROM village WHERE commune_code=? AND valid_to IS NULL"
                        " ORDER BY name_key", (commune_code,)).fetchall()


def orphan_reviews(conn: sqlite3.Connection, commune_code: str, list_year: int) -> dict[str, str]:
    """household uid -> its latest periodic review of the list year that has no round."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT household_uid, uid FROM review WHERE round_uid IS NULL AND review_type='periodic'"
        " AND commune_code=? AND list_year=? ORDER BY updated_at", (commune_code, list_year))}


def periodic_round_uid(conn: sqlite3.Connection, commune_code: str, review_year: int) -> str | None:
    row = conn.execute("SELECT uid FROM review_round WHERE commune_code=? AND kind='periodic' AND review_year=?",
                       (commune_code, review_year)).fetchone()
    return row[0] if row else None


def review_uid_in_round(conn: sqlite3.Connection, household_uid: str, round_uid: str) -> str | None:
    row = conn.execute("SELECT uid FROM review WHERE household_uid=? AND round_uid=?",
                       (household_uid, round_uid)).fetchone()
    return row[0] if row else None


def _write_record(conn, table: str, uid: str, data: dict, user: str, reason: str) -> None:
    from bkdesk.model.store.repo_base import upsert_audited

    upsert_audited(conn, table, "uid", uid, data, user=user, reason=reason)


def write_meeting(conn: sqlite3.Connection, uid: str, data: dict, user: str, reason: str = "") -> None:
    """Insert or update a village meeting inside the caller's transaction (audited)."""
    _write_record(conn, "village_meeting", uid, data, user, reason)


def write_posting(conn: sqlite3.Connection, uid: str, data: dict, user: str, reason: str = "") -> None:
    _write_record(conn, "round_posting", uid, data, user, reason)


def write_decision(conn: sqlite3.Connection, uid: str, data: dict, user: str, reason: str = "") -> None:
    _write_record(conn, "round_decision", uid, data, user, reason)


def meetings(conn: sqlite3.Connection, round_uid: str) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT m.*, v.name AS village_name FROM village_meeting m LEFT JOIN village v ON v.uid = m.village_uid"
        " WHERE m.round_uid=? ORDER BY m.meeting_date, m.updated_at", (round_uid,))]


def postings(conn: sqlite3.Connection, round_uid: str) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT p.*, v.name AS village_name FROM round_posting p LEFT JOIN village v ON v.uid = p.village_uid"
        " WHERE p.round_uid=? ORDER BY p.start_date", (round_uid,))]


def decision(conn: sqlite3.Connection, round_uid: str) -> dict | None:
    row = conn.execute("SELECT * FROM round_decision WHERE round_uid=?", (round_uid,)).fetchone()
    return dict(row) if row else None
