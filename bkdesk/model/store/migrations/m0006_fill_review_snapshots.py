"""Every counted review keeps the roster it was decided on (review.roster_snapshot, see repo_snapshots).

Reviews confirmed or decided before snapshots were kept get the roster of the day this migration runs, and
each of them is listed in review_snapshot_fill with that day and the reason, so that a reconstructed roster
is never mistaken for the one the round saw.

VACUUM INTO writes tables and indexes before triggers and views: they are dropped and recreated after the
new table so that a copy dumps identically (see m0002).
"""

import datetime as dt

from bkdesk.model.store.repo_snapshots import fill_missing
from bkdesk.model.store.schema_change import objects_before_triggers_and_views

TABLE = """CREATE TABLE IF NOT EXISTS review_snapshot_fill (
    review_uid TEXT PRIMARY KEY REFERENCES review (uid) ON DELETE CASCADE,
    filled_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
)"""

ROSTER = """CREATE TABLE IF NOT EXISTS review_roster (
    review_uid TEXT NOT NULL REFERENCES review (uid) ON DELETE CASCADE,
    uid TEXT, position INTEGER, full_name TEXT, sex TEXT, birth_date TEXT, birth_date_precision TEXT,
    ethnicity TEXT, relation_to_head TEXT, presence TEXT, presence_date TEXT, malnourished INTEGER,
    health_insurance INTEGER, currently_studying INTEGER, level_suitable_for_age INTEGER, able_to_work INTEGER,
    merit_person INTEGER, monthly_social_allowance INTEGER, id_number TEXT, id_issue_date TEXT,
    id_issue_place TEXT, permanent_residence TEXT, current_residence TEXT, labour_status TEXT, note TEXT
)"""

# The reports' look-ups of a household's earlier counted reviews read only this index, never the review
# rows (whose roster JSON would otherwise be read through for updated_at at the end of the row).
INDEXES = ("CREATE INDEX IF NOT EXISTS review_roster_review ON review_roster (review_uid, position)",
           "CREATE INDEX IF NOT EXISTS review_lists ON review (household_uid, review_type, list_year, record_status,"
           " final_class, members_count, updated_at)")

REASON = "Danh sách thành viên lấy theo dữ liệu ngày nâng cấp (phiếu được xác nhận trước khi lưu ảnh chụp)"


def apply(conn):
    with objects_before_triggers_and_views(conn):
        conn.execute(TABLE)
        conn.execute(ROSTER)
        for statement in INDEXES:
            conn.execute(statement)
    fill_missing(conn, REASON, dt.datetime.now().astimezone().isoformat(timespec="seconds"))
