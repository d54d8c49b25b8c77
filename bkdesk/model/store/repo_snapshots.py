"""The roster a review was decided on (DESIGN.md §3: outputs of a decided round never change).

Every counted review (record_status 'confirmed' or 'decided') has its roster as rows of ``review_roster``
(one per member, the fields the outputs print or count), written by the store in the same transaction as
the review: from the roster the review service classified (``review.roster_snapshot``, the JSON that
travels with the review), else from the household's members at that moment. Reports and forms of a round
read these rows, never today's ``member`` rows, so editing a roster later changes no figure of an earlier
round; a decided review cannot be written again, so its rows never change.

Rows instead of more JSON in the review row: a province's reports read 330,000 persons with one indexed
query, and the review rows the reports scan stay small (a 3.6 KB roster text in each row made every look-up
of a review read through it).

Rosters that were NOT taken when the review was written (databases from before rosters were kept, bulk and
demo loads) are filled from the members of the day they were filled, and listed in ``review_snapshot_fill``
with that day and the reason: the data says honestly which rosters are reconstructions.
"""

from __future__ import annotations

import json

from bkdesk.dbapi import sqlite3

COUNTED = ("confirmed", "decided")

# Fields every roster member has: what reports, lists and forms print or count.
SNAPSHOT_COLS = ("uid", "household_uid", "position", "full_name", "sex", "birth_date", "birth_date_precision",
                 "ethnicity", "relation_to_head", "presence", "presence_date", "malnourished", "health_insurance",
                 "currently_studying", "level_suitable_for_age", "able_to_work", "merit_person",
                 "monthly_social_allowance", "id_number", "id_issue_date", "id_issue_place", "permanent_residence",
                 "current_residence", "labour_status", "note")
ROSTER_COLS = tuple(c for c in SNAPSHOT_COLS if c != "household_uid")
_INSERT = (f"INSERT INTO review_roster (review_uid, {', '.join(ROSTER_COLS)})"
           f" VALUES (?, {', '.join('?' * len(ROSTER_COLS))})")
_FROM_MEMBERS = (f"INSERT INTO review_roster (review_uid, {', '.join(ROSTER_COLS)})"
                 f" SELECT r.uid, {', '.join('m.' + c for c in ROSTER_COLS)} FROM review r"
                 f" JOIN member m ON m.household_uid = r.household_uid")


def store_roster(conn: sqlite3.Connection, review) -> None:
    """Keep the roster rows of a review just written (inside the caller's transaction): a counted review's
    roster (its JSON snapshot, else the household's members now); none for a draft."""
    conn.execute("DELETE FROM review_roster WHERE review_uid = ?", (review.uid,))
    if review.record_status not in COUNTED:
        return
    if review.roster_snapshot:
        _insert_json(conn, review.uid, review.household_uid, review.roster_snapshot)
    else:
        conn.execute(_FROM_MEMBERS + " WHERE r.uid = ?", (review.uid,))


def _insert_json(conn: sqlite3.Connection, review_uid: str, household_uid: str, text: str) -> None:
    roster = parse_roster(text, household_uid) or []
    conn.executemany(_INSERT, [(review_uid, *(m.get(c) for c in ROSTER_COLS)) for m in roster])


def fill_missing(conn: sqlite3.Connection, reason: str, at: str) -> int:
    """Roster rows for every counted review that has none (after a migration, a bulk or demo load, a merge):
    from its JSON snapshot when it has one, else from the household's members now, each of those listed in
    review_snapshot_fill with ``at`` and ``reason``. Inside the caller's transaction; returns how many
    rosters were reconstructed from today's members."""
    missing = (f"record_status IN {COUNTED!r} AND NOT EXISTS (SELECT 1 FROM review_roster x"
               f" WHERE x.review_uid = review.uid)")
    for uid, household_uid, text in conn.execute(f"SELECT uid, household_uid, roster_snapshot FROM review"
                                                 f" WHERE roster_snapshot IS NOT NULL AND {missing}").fetchall():
        _insert_json(conn, uid, household_uid, text)
    n = conn.execute(f"INSERT OR REPLACE INTO review_snapshot_fill (review_uid, filled_at, reason)"
                     f" SELECT uid, ?, ? FROM review WHERE {missing}", (at, reason)).rowcount
    conn.execute(_FROM_MEMBERS + f" WHERE r.record_status IN {COUNTED!r} AND NOT EXISTS (SELECT 1 FROM review_roster"
                 " x WHERE x.review_uid = r.uid)")
    return n


def filled_reviews(conn: sqlite3.Connection, review_uids: list[str] | None = None) -> dict[str, dict]:
    """review uid -> {filled_at, reason} for rosters that are reconstructions."""
    rows = conn.execute("SELECT review_uid, filled_at, reason FROM review_snapshot_fill").fetchall()
    wanted = set(review_uids) if review_uids is not None else None
    return {r[0]: {"filled_at": r[1], "reason": r[2]} for r in rows if wanted is None or r[0] in wanted}


def roster_rows(conn: sqlite3.Connection, review_uid: str, household_uid: str) -> list[dict] | None:
    """The stored roster of one review (every SNAPSHOT_COLS key), or None when it has none."""
    cur = conn.cursor()
    cur.row_factory = None
    rows = cur.execute(f"SELECT {', '.join(ROSTER_COLS)} FROM review_roster WHERE review_uid = ? ORDER BY position",
                       (review_uid,)).fetchall()
    if not rows:
        return None
    return [{"household_uid": household_uid, **dict(zip(ROSTER_COLS, r, strict=True))} for r in rows]


def parse_roster(text: str | None, household_uid: str) -> list[dict] | None:
    """A JSON snapshot as member dicts (every SNAPSHOT_COLS key present), or None without a snapshot."""
    if not text:
        return None
    out = []
    for m in json.loads(text):
        row = {c: m.get(c) for c in SNAPSHOT_COLS}
        row["household_uid"] = household_uid
        if not row.get("presence"):
            row["presence"] = "present"
        if not row.get("birth_date_precision"):
            row["birth_date_precision"] = "day"
        out.append(row)
    out.sort(key=lambda m: (m["position"] if m["position"] is not None else 0))
    return out
