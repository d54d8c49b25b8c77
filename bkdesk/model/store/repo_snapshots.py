"""The roster a review was decided on (DESIGN.md §3: outputs of a decided round never change).

A counted review (record_status 'confirmed' or 'decided') carries its household's roster as JSON in
``review.roster_snapshot``: the review service writes the roster it classified; a review written without
one (repositories, bulk loads) gets the household's roster at the moment it is written. Reports and forms
of a round read these snapshots, never today's ``member`` rows, so editing a roster later changes no
figure of an earlier round.

The JSON travels with the review (packages carry review rows); for reading, the store also keeps it as rows
of ``review_roster`` (one per member, the fields outputs print or count), written with the review, so that a
province's reports read 330,000 persons with one query instead of parsing 80,000 JSON texts.

Snapshots that were NOT taken when the review was written (databases from before snapshots were kept,
demo loads) are filled from the roster of the day they were filled and listed in ``review_snapshot_fill``
with that day and the reason: the data says honestly which rosters are reconstructions.
"""

from __future__ import annotations

import json
import sqlite3

COUNTED = ("confirmed", "decided")

# Fields every parsed snapshot member has (what reports, lists and forms print or count); a snapshot keeps
# every column of the member row.
SNAPSHOT_COLS = ("uid", "household_uid", "position", "full_name", "sex", "birth_date", "birth_date_precision",
                 "ethnicity", "relation_to_head", "presence", "presence_date", "malnourished", "health_insurance",
                 "currently_studying", "level_suitable_for_age", "able_to_work", "merit_person",
                 "monthly_social_allowance", "id_number", "id_issue_date", "id_issue_place", "permanent_residence",
                 "current_residence", "labour_status", "note")
_NOT_KEPT = {"name_key", "name_sort", "rev", "updated_at", "updated_by", "origin"}


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in _NOT_KEPT]


def current_roster_json(conn: sqlite3.Connection, household_uid: str) -> str:
    cols = _columns(conn, "member")
    cur = conn.cursor()
    cur.row_factory = None
    cur.execute(f"SELECT {', '.join(cols)} FROM member WHERE household_uid = ? ORDER BY position", (household_uid,))
    return json.dumps([dict(zip(cols, r, strict=True)) for r in cur], ensure_ascii=False, sort_keys=True)


def current_housing_json(conn: sqlite3.Connection, household_uid: str) -> str | None:
    cols = _columns(conn, "housing")
    cur = conn.cursor()
    cur.row_factory = None
    row = cur.execute(f"SELECT {', '.join(cols)} FROM housing WHERE household_uid = ?", (household_uid,)).fetchone()
    return json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False, sort_keys=True) if row else None


def fill_if_missing(conn: sqlite3.Connection, review) -> None:
    """Give a counted review about to be written the household's roster (and housing) of now, unless it
    carries its own."""
    if review.record_status in COUNTED and not review.roster_snapshot:
        review.roster_snapshot = current_roster_json(conn, review.household_uid)
        if not review.housing_snapshot:
            review.housing_snapshot = current_housing_json(conn, review.household_uid)


ROSTER_COLS = tuple(c for c in SNAPSHOT_COLS if c != "household_uid")


def store_roster(conn: sqlite3.Connection, review) -> None:
    """Keep the roster rows of a review just written (counted: its snapshot; otherwise none)."""
    conn.execute("DELETE FROM review_roster WHERE review_uid = ?", (review.uid,))
    if review.record_status in COUNTED and review.roster_snapshot:
        _insert_rows(conn, review.uid, review.household_uid, review.roster_snapshot)


def _insert_rows(conn: sqlite3.Connection, review_uid: str, household_uid: str, text: str) -> None:
    roster = parse_roster(text, household_uid) or []
    conn.executemany(f"INSERT INTO review_roster (review_uid, {', '.join(ROSTER_COLS)})"
                     f" VALUES (?, {', '.join('?' * len(ROSTER_COLS))})",
                     [(review_uid, *(m.get(c) for c in ROSTER_COLS)) for m in roster])


def fill_roster_rows(conn: sqlite3.Connection) -> int:
    """Roster rows for every counted review that has a snapshot but no rows yet (after a migration, a bulk
    load or a merge). Inside the caller's transaction; returns the number of reviews filled."""
    rows = conn.execute(f"SELECT uid, household_uid, roster_snapshot FROM review WHERE record_status IN {COUNTED!r}"
                        " AND roster_snapshot IS NOT NULL AND NOT EXISTS (SELECT 1 FROM review_roster x"
                        " WHERE x.review_uid = review.uid)").fetchall()
    for uid, household_uid, text in rows:
        _insert_rows(conn, uid, household_uid, text)
    return len(rows)


def _object(cols: list[str], alias: str) -> str:
    return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in cols) + ")"


def fill_missing(conn: sqlite3.Connection, reason: str, at: str) -> int:
    """Set-based: every counted review without a snapshot gets its household's roster (and housing) of now,
    listed in review_snapshot_fill with ``at`` and ``reason``. Runs inside the caller's transaction; returns
    the count."""
    where = f"roster_snapshot IS NULL AND record_status IN {COUNTED!r}"
    conn.execute(f"INSERT OR REPLACE INTO review_snapshot_fill (review_uid, filled_at, reason)"
                 f" SELECT uid, ?, ? FROM review WHERE {where}", (at, reason))
    roster = (f"(SELECT json_group_array(json(o)) FROM (SELECT {_object(_columns(conn, 'member'), 'm')} AS o"
              f" FROM member m WHERE m.household_uid = review.household_uid ORDER BY m.position))")
    housing = (f"(SELECT {_object(_columns(conn, 'housing'), 'x')} FROM housing x"
               f" WHERE x.household_uid = review.household_uid)")
    cur = conn.execute(f"UPDATE review SET housing_snapshot = coalesce(housing_snapshot, {housing}),"
                       f" roster_snapshot = {roster} WHERE {where}")
    filled = cur.rowcount
    fill_roster_rows(conn)
    return filled


def filled_reviews(conn: sqlite3.Connection, review_uids: list[str] | None = None) -> dict[str, dict]:
    """review uid -> {filled_at, reason} for snapshots that are reconstructions."""
    rows = conn.execute("SELECT review_uid, filled_at, reason FROM review_snapshot_fill").fetchall()
    wanted = set(review_uids) if review_uids is not None else None
    return {r[0]: {"filled_at": r[1], "reason": r[2]} for r in rows if wanted is None or r[0] in wanted}


def parse_roster(text: str | None, household_uid: str) -> list[dict] | None:
    """The snapshot as member dicts (every SNAPSHOT_COLS key present), or None without a snapshot."""
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
