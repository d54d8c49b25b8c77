"""Counts behind the dashboard: decided (or confirmed) periodic reviews of a set of communes for one year."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3

# Reviews that count for a periodic review year: the year's periodic rounds of the given communes, reviews
# confirmed or decided with a final class.
_COUNTED = ("FROM review r JOIN review_round rr ON rr.uid=r.round_uid WHERE rr.kind='periodic' AND rr.review_year=?"
            " AND rr.commune_code IN ({marks}) AND r.record_status IN ('confirmed','decided')"
            " AND r.final_class IS NOT NULL")


def _counted(communes: list[str]) -> str:
    return _COUNTED.format(marks=",".join("?" * len(communes)))


def communes_with_rounds(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT commune_code FROM review_round ORDER BY 1")]


def periodic_review_years(conn: sqlite3.Connection) -> list[int]:
    """Years with a periodic round, newest first."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT review_year FROM review_round WHERE kind='periodic' ORDER BY 1 DESC")]


def class_counts(conn: sqlite3.Connection, review_year: int, communes: list[str]) -> dict[str, int]:
    """Counted households per final class."""
    return dict(conn.execute(f"SELECT r.final_class, count(*) {_counted(communes)} GROUP BY r.final_class",
                             [review_year, *communes]).fetchall())


def poor_deprivation_counts(conn: sqlite3.Connection, review_year: int, communes: list[str]) -> dict[str, int]:
    """Poor households deprived in each indicator (final value)."""
    return dict(conn.execute(
        "SELECT i.indicator_code, count(*) FROM review_indicator i JOIN review r ON r.uid=i.review_uid "
        f"JOIN review_round rr ON rr.uid=r.round_uid {_where(communes)} AND r.final_class='POOR'"
        " AND i.final='deprived' GROUP BY i.indicator_code", [review_year, *communes]).fetchall())


def cause_counts(conn: sqlite3.Connection, review_year: int, communes: list[str]) -> dict[str, int]:
    """Poor and near-poor households naming each cause code (local codes as stored)."""
    return dict(conn.execute(
        "SELECT c.cause_code, count(*) FROM review_cause c JOIN review r ON r.uid=c.review_uid "
        f"JOIN review_round rr ON rr.uid=r.round_uid {_where(communes)}"
        " AND r.final_class IN ('POOR','NEAR_POOR') GROUP BY c.cause_code", [review_year, *communes]).fetchall())


def _where(communes: list[str]) -> str:
    sql = _counted(communes)
    return sql[sql.index("WHERE"):]
