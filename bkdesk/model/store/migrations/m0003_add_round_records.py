"""The round's records (review-process.md §4, §8) and no review left without its round (issue 14).

- village_meeting: one village's meeting of a round (date, place, chair, secretary, attendees) with the
  agreement counts, either per household in focus (``votes``: JSON {household uid: agreeing}) or once for
  the whole list (``list_agree``); whether the vote is per household or per list is [to confirm], both kept.
- round_posting: the public posting of a round's results (place, start and end dates; a village or the
  commune office when village_uid is empty).
- round_decision: the commune decision (Form 02) of a round: number, date, signer; the round's reviews
  point to it through review.decision_id.
- Reattachment: the desk saved periodic reviews with no round; when a round of that commune and review
  year exists they join it. If the round already holds an untouched carried-forward draft of the same
  household (no score, no class, no confirmed indicator), the entered review takes its place (keeping its
  start status) and the empty draft is removed. Every change is written to the audit log.

VACUUM INTO writes tables and indexes before triggers and views: they are dropped and recreated after the
new objects so that a copy dumps identically (see m0002).
"""

import datetime as dt

from bkdesk.model.store.schema_change import objects_before_triggers_and_views

SYNC = """
    rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT ''
"""

TABLES = (
    f"""CREATE TABLE village_meeting (
    uid TEXT PRIMARY KEY,
    round_uid TEXT NOT NULL REFERENCES review_round (uid),
    village_uid TEXT REFERENCES village (uid),
    meeting_date TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    chair TEXT NOT NULL DEFAULT '',
    secretary TEXT NOT NULL DEFAULT '',
    attendees INTEGER NOT NULL CHECK (attendees > 0),
    list_agree INTEGER CHECK (list_agree IS NULL OR list_agree >= 0),
    votes TEXT NOT NULL DEFAULT '{{}}',
    note TEXT NOT NULL DEFAULT '',
    {SYNC}
)""",
    "CREATE INDEX village_meeting_round ON village_meeting (round_uid, village_uid)",
    f"""CREATE TABLE round_posting (
    uid TEXT PRIMARY KEY,
    round_uid TEXT NOT NULL REFERENCES review_round (uid),
    village_uid TEXT REFERENCES village (uid),
    place TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    {SYNC}
)""",
    "CREATE INDEX round_posting_round ON round_posting (round_uid)",
    f"""CREATE TABLE round_decision (
    uid TEXT PRIMARY KEY,
    round_uid TEXT NOT NULL UNIQUE REFERENCES review_round (uid),
    number TEXT NOT NULL,
    decision_date TEXT NOT NULL,
    signer TEXT NOT NULL DEFAULT '',
    {SYNC}
)""",
)

REASON = "Gắn phiếu rà soát vào đợt rà soát của năm (nâng cấp dữ liệu)"


def _audit(conn, at, table, uid, action, field, old, new):
    conn.execute("INSERT INTO audit_log (at, user, table_name, record_uid, action, field, old_value, new_value,"
                 " reason, origin) VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, '')",
                 (at, table, uid, action, field, old, new, REASON))


def _empty_draft(conn, review_uid: str) -> bool:
    row = conn.execute("SELECT record_status, final_class, computed_class, score_a_final, score_a_paper"
                       " FROM review WHERE uid=?", (review_uid,)).fetchone()
    if row is None or row[0] != "draft" or any(v is not None for v in row[1:]):
        return False
    confirmed = conn.execute("SELECT count(*) FROM review_indicator WHERE review_uid=? AND final IS NOT NULL",
                             (review_uid,)).fetchone()[0]
    return confirmed == 0


def reattach_orphans(conn) -> int:
    at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    moved = 0
    orphans = conn.execute(
        "SELECT r.uid, r.household_uid, r.start_status, rr.uid FROM review r JOIN review_round rr"
        " ON rr.commune_code = r.commune_code AND rr.kind = 'periodic' AND rr.review_year = r.list_year - 1"
        " WHERE r.round_uid IS NULL AND r.review_type = 'periodic' ORDER BY r.updated_at").fetchall()
    for uid, household_uid, start_status, round_uid in orphans:
        held = conn.execute("SELECT uid, start_status FROM review WHERE household_uid=? AND round_uid=?",
                            (household_uid, round_uid)).fetchone()
        if held is not None:
            if not _empty_draft(conn, held[0]):
                continue  # two entered reviews: left for the officer (bkdesk check lists it)
            for table in ("review_indicator", "review_cause", "review_need", "review_group"):
                conn.execute(f"DELETE FROM {table} WHERE review_uid=?", (held[0],))
            conn.execute("UPDATE household_current SET review_uid=? WHERE review_uid=?", (uid, held[0]))
            conn.execute("DELETE FROM review WHERE uid=?", (held[0],))
            _audit(conn, at, "review", held[0], "delete", None, None, None)
            if start_status is None and held[1] is not None:
                conn.execute("UPDATE review SET start_status=? WHERE uid=?", (held[1], uid))
                _audit(conn, at, "review", uid, "update", "start_status", None, held[1])
        conn.execute("UPDATE review SET round_uid=?, rev=rev+1, updated_at=? WHERE uid=?", (round_uid, at, uid))
        _audit(conn, at, "review", uid, "update", "round_uid", None, round_uid)
        moved += 1
    return moved


def apply(conn):
    with objects_before_triggers_and_views(conn):
        for statement in TABLES:
            conn.execute(statement)
    reattach_orphans(conn)
