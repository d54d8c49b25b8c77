"""Every counted review keeps the roster it was decided on (review.roster_snapshot, see repo_snapshots).

Reviews confirmed or decided before snapshots were kept get the roster of the day this migration runs, and
each of them is listed in review_snapshot_fill with that day and the reason, so that a reconstructed roster
is never mistaken for the one the round saw.

VACUUM INTO writes tables and indexes before triggers and views: they are dropped and recreated after the
new table so that a copy dumps identically (see m0002).
"""

import datetime as dt

from bkdesk.model.store.repo_snapshots import fill_missing

TABLE = """CREATE TABLE IF NOT EXISTS review_snapshot_fill (
    review_uid TEXT PRIMARY KEY REFERENCES review (uid) ON DELETE CASCADE,
    filled_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
)"""

REASON = "Danh sách thành viên lấy theo dữ liệu ngày nâng cấp (phiếu được xác nhận trước khi lưu ảnh chụp)"


def apply(conn):
    later = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
                         " AND sql IS NOT NULL ORDER BY rowid").fetchall()
    for kind in ("trigger", "view"):
        for k, name, _sql in later:
            if k == kind:
                conn.execute(f'DROP {kind.upper()} "{name}"')
    conn.execute(TABLE)
    for _kind, _name, sql in later:
        conn.execute(sql)
    fill_missing(conn, REASON, dt.datetime.now().astimezone().isoformat(timespec="seconds"))
