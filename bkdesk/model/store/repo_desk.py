"""Queries behind the officer's desk: the household table (uid lists filtered and sorted in SQL, lazy row
data for the visible rows), village counts and totals. The "current review" of a household is its latest
review of the desk's list year."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules.text import search_key
from bkdesk.model.store.db import transaction

# Sort keys the table offers -> ORDER BY (uid last: a stable order for equal keys).
SORTS = {
    "household_no": "h.household_no {d}, h.uid",
    "head": "h.head_sort {d}, h.uid",
    "village": "coalesce(v.name_key, '') {d}, h.household_no, h.uid",
    "class": "coalesce(r.final_class, r.computed_class, '') {d}, h.household_no, h.uid",
    "score_a": "r.score_a_final {d}, h.household_no, h.uid",
    "d": "r.deprivation_count {d}, h.household_no, h.uid",
    "members": "(SELECT count(*) FROM member m WHERE m.household_uid=h.uid) {d}, h.uid",
    "complete": "h.complete {d}, h.household_no, h.uid",
    "status": "coalesce(rs.record_status, 'draft') {d}, h.complete {d}, h.household_no, h.uid",
}
RECORD_STATUSES = ("draft", "confirmed", "decided")  # households.md §1
_REVIEW_SORTS = ("class", "score_a", "d")


@dataclass
class DeskFilter:
    """What the officer asked for; empty fields do not filter."""

    commune_code: str | None = None
    list_year: int | None = None
    village_uid: str | None = None  # "" = households without a village
    search: str = ""
    final_class: str | None = None  # POOR, NEAR_POOR, MIDDLE, NOT_POOR, or "NONE" (no classification)
    group: str | None = None
    cause: str | None = None
    exit_registered: bool = False
    incomplete: bool = False
    only_uids: tuple[str, ...] | None = None  # restrict to these households (the desk's check after a save)
    record_status: str | None = None  # draft (also: no review yet), confirmed, decided


def _like(text: str) -> str:
    key = search_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{key}%"


def _current_review_sql(list_year: int | None) -> tuple[str, list]:
    """uid of the household's latest review in the list year (index review_household per row)."""
    sql = ("(SELECT uid FROM review WHERE household_uid=h.uid" + (" AND list_year=?" if list_year else "")
           + " ORDER BY reference_date DESC, updated_at DESC LIMIT 1)")
    return sql, ([list_year] if list_year else [])


_CURRENT_SELECT = (
    "SELECT household_uid, list_year, uid, final_class, computed_class, score_a_final, deprivation_count FROM ("
    " SELECT r.*, row_number() OVER (PARTITION BY household_uid, list_year"
    " ORDER BY reference_date DESC, updated_at DESC) AS n FROM review r {where}) WHERE n = 1")


def refresh_current(conn: sqlite3.Connection, household_uids: Iterable[str] | None = None) -> None:
    """Recompute ``household_current`` for these households (every household when None) in set-based
    statements, inside the caller's transaction. Call it after writing reviews by any path."""
    cols = "household_uid, list_year, review_uid, final_class, computed_class, score_a, d"
    if household_uids is None:
        conn.execute("DELETE FROM household_current")
        conn.execute(f"INSERT INTO household_current ({cols}) " + _CURRENT_SELECT.format(where=""))
        return
    uids = json.dumps(sorted(set(household_uids)))
    if uids == "[]":
        return
    conn.execute("DELETE FROM household_current WHERE household_uid IN (SELECT value FROM json_each(?))", (uids,))
    conn.execute(f"INSERT INTO household_current ({cols}) " + _CURRENT_SELECT.format(
        where="WHERE household_uid IN (SELECT value FROM json_each(?))"), (uids,))


def fill_current(conn: sqlite3.Connection) -> None:
    """Fill ``household_current`` for every household in its own transaction."""
    with transaction(conn):
        refresh_current(conn)


def current_is_missing(conn: sqlite3.Connection) -> bool:
    """True when reviews exist but household_current was never filled (a database loaded by a path that
    predates it); the desk then fills it once."""
    return (conn.execute("SELECT 1 FROM household_current LIMIT 1").fetchone() is None
            and conn.execute("SELECT 1 FROM review LIMIT 1").fetchone() is not None)


def _query(f: DeskFilter, sort: str, descending: bool) -> tuple[str, list]:
    if f.list_year:
        return _query_current(f, sort, descending)
    where, args = _household_conditions(f)
    needs_review = bool(f.final_class or f.group or f.cause) or sort in _REVIEW_SORTS
    _review_conditions(f, where, args, cls="r.final_class", review="r.uid", status="r.record_status")
    order = SORTS[sort].format(d="DESC" if descending else "ASC").replace("rs.", "r.")
    joins = " LEFT JOIN village v ON v.uid=h.village_uid" if sort == "village" else ""
    if needs_review or f.record_status or sort == "status":
        sub, sub_args = _current_review_sql(f.list_year)
        joins += f" LEFT JOIN review r ON r.uid={sub}"
        args = sub_args + args
    sql = f"SELECT h.uid FROM household h{joins}"
    return sql + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}", args


# Sort keys on household_current (alias c) for the fast path.
_CURRENT_SORTS = {"class": "coalesce(c.final_class, c.computed_class, '') {d}, h.household_no, h.uid",
                  "score_a": "c.score_a {d}, h.household_no, h.uid", "d": "c.d {d}, h.household_no, h.uid"}


def _only(f: DeskFilter) -> tuple[list[str], list]:
    if f.only_uids is None:
        return [], []
    return [f"h.uid IN ({','.join('?' * len(f.only_uids))})"], list(f.only_uids)


def _household_conditions(f: DeskFilter) -> tuple[list[str], list]:
    where, args = _only(f)
    if f.commune_code:
        where.append("h.commune_code=?")
        args.append(f.commune_code)
    if f.village_uid is not None:
        where.append("h.village_uid=?" if f.village_uid else "h.village_uid IS NULL")
        args += [f.village_uid] if f.village_uid else []
    if f.search and search_key(f.search):
        where.append("h.search_text LIKE ? ESCAPE '\\'")
        args.append(_like(f.search))
    if f.incomplete:
        where.append("h.complete=0")
    if f.exit_registered:  # registered in the review year (list year - 1) when one is chosen
        where.append("EXISTS (SELECT 1 FROM exit_registration e WHERE e.household_uid=h.uid"
                     " AND e.withdrawn_date IS NULL" + (" AND e.registration_year=?" if f.list_year else "") + ")")
        args += [f.list_year - 1] if f.list_year else []
    return where, args


def _review_conditions(f: DeskFilter, where: list[str], args: list, *, cls: str, review: str, status: str) -> None:
    """Class, group, cause and status filters on the household's current review, whichever table holds it
    (``review`` directly, or ``household_current`` for a list year)."""
    if f.final_class == "NONE":
        where.append(f"coalesce({cls}, '')=''")
    elif f.final_class:
        where.append(f"{cls}=?")
        args.append(f.final_class)
    if f.group:
        where.append(f"EXISTS (SELECT 1 FROM review_group g WHERE g.review_uid={review} AND g.group_code=?"
                     " AND g.final=1)")
        args.append(f.group)
    if f.cause:
        where.append(f"EXISTS (SELECT 1 FROM review_cause x WHERE x.review_uid={review} AND x.cause_code=?)")
        args.append(f.cause)
    if f.record_status:
        where.append(f"coalesce({status}, 'draft')=?")
        args.append(f.record_status)


def _query_current(f: DeskFilter, sort: str, descending: bool) -> tuple[str, list]:
    """The list year's filters and sorts on household_current (one indexed lookup, no per-row sort)."""
    where, args = _household_conditions(f)
    _review_conditions(f, where, args, cls="c.final_class", review="c.review_uid", status="rs.record_status")
    order = (_CURRENT_SORTS.get(sort) or SORTS[sort]).format(d="DESC" if descending else "ASC")
    joins = " LEFT JOIN village v ON v.uid=h.village_uid" if sort == "village" else ""
    with_status = bool(f.record_status) or sort == "status"
    if f.final_class or f.group or f.cause or sort in _REVIEW_SORTS or with_status:
        kind = "JOIN" if f.final_class not in (None, "NONE") else "LEFT JOIN"
        joins += f" {kind} household_current c ON c.household_uid=h.uid AND c.list_year=?"
        args = [f.list_year] + args
    if with_status:
        joins += " LEFT JOIN review rs ON rs.uid=c.review_uid"
    sql = f"SELECT h.uid FROM household h{joins}"
    return sql + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}", args


def household_uids(conn: sqlite3.Connection, f: DeskFilter, sort: str = "household_no",
                   descending: bool = False) -> list[str]:
    """Matching household uids in display order (the whole id list of the table model)."""
    sql, args = _query(f, sort, descending)
    cur = conn.cursor()
    cur.row_factory = None  # 80,000 plain tuples, not sqlite3.Row objects
    return [r[0] for r in cur.execute(sql, args)]


def row_data(conn: sqlite3.Connection, uids: list[str], list_year: int | None) -> dict[str, dict]:
    """Display values of a page of rows, in a few queries."""
    if not uids:
        return {}
    marks = ",".join("?" * len(uids))
    out = {r["uid"]: dict(r) for r in conn.execute(
        "SELECT h.uid, h.household_no, h.head_name, h.complete, h.status, coalesce(v.name, '') AS village,"
        " (SELECT count(*) FROM member m WHERE m.household_uid=h.uid AND m.presence IN"
        " ('present','new_born','moved_in')) AS members FROM household h LEFT JOIN village v ON v.uid=h.village_uid"
        f" WHERE h.uid IN ({marks})", uids)}
    year_sql = " AND list_year=?" if list_year else ""
    for uid in out:
        row = conn.execute(
            "SELECT uid, final_class, computed_class, score_a_final, deprivation_count, record_status FROM review"
            f" WHERE household_uid=?{year_sql} ORDER BY reference_date DESC, updated_at DESC LIMIT 1",
            [uid] + ([list_year] if list_year else [])).fetchone()
        review = dict(row) if row else {}
        out[uid].update(review_uid=review.get("uid"), final_class=review.get("final_class"),
                        computed_class=review.get("computed_class"), score_a=review.get("score_a_final"),
                        d=review.get("deprivation_count"), record_status=review.get("record_status"))
        out[uid]["causes"] = [r[0] for r in conn.execute(
            "SELECT cause_code FROM review_cause WHERE review_uid=? ORDER BY cause_code", (review.get("uid"),))]
        reg = conn.execute("SELECT target, withdrawn_date FROM exit_registration WHERE household_uid=?"
                           " ORDER BY registration_year DESC LIMIT 1", (uid,)).fetchone()
        out[uid]["exit_target"] = reg[0] if reg and not reg[1] else None
    return out


def village_counts(conn: sqlite3.Connection, commune_code: str | None = None) -> dict[str | None, int]:
    """Households per village uid (None = without a village)."""
    sql, args = "SELECT village_uid, count(*) FROM household", []
    if commune_code:
        sql, args = sql + " WHERE commune_code=?", [commune_code]
    return {r[0]: r[1] for r in conn.execute(sql + " GROUP BY village_uid", args)}


def totals(conn: sqlite3.Connection, commune_code: str | None, list_year: int | None) -> dict[str, int]:
    """Households, incomplete ones, and households per final class of their reviews of the list year
    (status bar; a household with two reviews in the year in different classes counts in both)."""
    where, args = ("WHERE commune_code=?", [commune_code]) if commune_code else ("", [])
    n, incomplete = conn.execute(f"SELECT count(*), coalesce(sum(complete=0), 0) FROM household {where}",
                                 args).fetchone()
    out = {"households": n, "incomplete": incomplete}
    conds = [c for c in (where.replace("WHERE ", ""), "list_year=?" if list_year else "") if c]
    sql = "SELECT final_class, count(DISTINCT household_uid) FROM review"
    sql += (" WHERE " + " AND ".join(conds) if conds else "") + " GROUP BY final_class"
    for cls, count in conn.execute(sql, args + ([list_year] if list_year else [])):
        out[cls or "NONE"] = count
    return out


def round_locked(conn: sqlite3.Connection, round_uid: str | None) -> bool:
    """True when the review round exists and is locked (its reviews are read-only until an audited unlock)."""
    if not round_uid:
        return False
    row = conn.execute("SELECT locked FROM review_round WHERE uid=?", (round_uid,)).fetchone()
    return bool(row and row[0])


def household_no_taken(conn: sqlite3.Connection, commune_code: str, household_no: str, uid: str) -> bool:
    return conn.execute("SELECT 1 FROM household WHERE commune_code=? AND household_no=? AND uid<>? LIMIT 1",
                        (commune_code, household_no, uid)).fetchone() is not None


def next_household_no(conn: sqlite3.Connection, commune_code: str) -> str:
    """The next free numeric household code of the commune, zero-padded to 4 digits."""
    best = 0
    for (no,) in conn.execute("SELECT household_no FROM household WHERE commune_code=?", (commune_code,)):
        if no and no.isdigit():
            best = max(best, int(no))
    return f"{best + 1:04d}"
