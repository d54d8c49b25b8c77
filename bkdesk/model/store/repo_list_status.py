"""SQL for a household's place on the recognised lists on a given day (households.md §12, §14).

Lists in force on day D: the periodic review whose list year is at most D's year (a periodic review of
year R sets the lists applied from 1 January of R + 1), and regular-review decisions taken on or before D.
"""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.model.store.repo_rounds import COUNTED


def counted_class_on(conn: sqlite3.Connection, household_uid: str, day: str) -> str | None:
    """Final class of the latest counted review in force on ``day`` (yyyy-mm-dd), or None."""
    row = conn.execute(
        f"SELECT final_class FROM review WHERE household_uid=? AND record_status IN {COUNTED}"
        " AND final_class IS NOT NULL AND list_year<=?"
        " AND (review_type='periodic' OR substr(reference_date, 1, 10)<=?)"
        " ORDER BY list_year DESC, CASE review_type WHEN 'periodic' THEN 0 ELSE 1 END DESC, reference_date DESC"
        " LIMIT 1", (household_uid, int(day[:4]), day)).fetchone()
    return row[0] if row else None


def start_status_of_year(conn: sqlite3.Connection, household_uid: str, review_year: int) -> str | None:
    """The start status (1 January of the review year) recorded on the household's periodic review of that
    year: what a new database knows before it holds any recognised list."""
    row = conn.execute(
        "SELECT start_status FROM review WHERE household_uid=? AND review_type='periodic' AND list_year=?"
        " AND start_status IS NOT NULL ORDER BY updated_at DESC LIMIT 1",
        (household_uid, review_year + 1)).fetchone()
    return row[0] if row else None


def registration_day(registration_date: str | None, registration_year: int) -> str:
    """The registration date, or 1 January of the registration year when none was written."""
    day = (registration_date or "")[:10]
    return day if len(day) == 10 else f"{registration_year:04d}-01-01"


def status_at_registration(conn: sqlite3.Connection, household_uid: str, registration_date: str | None,
                           registration_year: int) -> str | None:
    """households.md §14: the household's class on the lists in force on the registration date, else the
    start status on its periodic review of the registration year; None when the database knows neither."""
    status = counted_class_on(conn, household_uid, registration_day(registration_date, registration_year))
    return status if status is not None else start_status_of_year(conn, household_uid, registration_year)
