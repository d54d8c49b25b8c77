"""Reviews (one per household and round or request), with indicator values, causes, needs and groups;
review rounds; exit-poverty registrations. Every write is one transaction with its audit rows."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.records import (
    ExitRegistration,
    GroupValue,
    IndicatorValue,
    Review,
    ReviewRound,
    as_dict,
    from_row,
)
from bkdesk.model.rules.text import clean_text
from bkdesk.model.store import audit, repo_rounds, repo_snapshots
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_base import local_origin, upsert_audited
from bkdesk.model.store.repo_desk import refresh_current


def _data(record) -> dict:
    return {k: v for k, v in as_dict(record).items() if k != "uid"}


def _clean(values: dict) -> dict:
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def _children_state(conn, review_uid: str) -> dict:
    return {
        "indicators": {r["indicator_code"]: {"computed": r["computed"], "final": r["final"], "reason": r["reason"],
                                             "missing": r["missing"]}
                       for r in conn.execute("SELECT * FROM review_indicator WHERE review_uid=?", (review_uid,))},
        "causes": {r["cause_code"]: r["text"] for r in
                   conn.execute("SELECT * FROM review_cause WHERE review_uid=?", (review_uid,))},
        "needs": {r["need_code"]: r["text"] for r in
                  conn.execute("SELECT * FROM review_need WHERE review_uid=?", (review_uid,))},
        "groups": {r["group_code"]: {"final": r["final"], "derived": r["derived"], "reason": r["reason"]}
                   for r in conn.execute("SELECT * FROM review_group WHERE review_uid=?", (review_uid,))},
    }


def _new_children_state(review: Review) -> dict:
    return {
        "indicators": {c: {"computed": v.computed, "final": v.final, "reason": clean_text(v.reason) or "",
                           "missing": v.missing} for c, v in review.indicators.items()},
        "causes": {c: clean_text(t) or "" for c, t in review.causes.items()},
        "needs": {c: clean_text(t) or "" for c, t in review.needs.items()},
        "groups": {c: {"final": g.final, "derived": g.derived, "reason": clean_text(g.reason) or ""}
                   for c, g in review.groups.items()},
    }


def _write_children(conn, uid: str, state: dict) -> None:
    for table in ("review_indicator", "review_cause", "review_need", "review_group"):
        conn.execute(f"DELETE FROM {table} WHERE review_uid=?", (uid,))
    conn.executemany(
        "INSERT INTO review_indicator (review_uid, indicator_code, computed, final, reason, missing)"
        " VALUES (?,?,?,?,?,?)",
        [(uid, c, v["computed"], v["final"], v["reason"], v["missing"]) for c, v in state["indicators"].items()])
    conn.executemany("INSERT INTO review_cause (review_uid, cause_code, text) VALUES (?,?,?)",
                     [(uid, c, t) for c, t in state["causes"].items()])
    conn.executemany("INSERT INTO review_need (review_uid, need_code, text) VALUES (?,?,?)",
                     [(uid, c, t) for c, t in state["needs"].items()])
    conn.executemany("INSERT INTO review_group (review_uid, group_code, derived, final, reason) VALUES (?,?,?,?,?)",
                     [(uid, c, g["derived"], g["final"], g["reason"]) for c, g in state["groups"].items()])


def _check_writable(conn, review: Review) -> None:
    row = conn.execute("SELECT record_status FROM review WHERE uid=?", (review.uid,)).fetchone()
    if row is not None and row[0] == "decided":
        raise UserError("Phiếu rà soát đã có quyết định công nhận nên không sửa được.")
    if review.round_uid:
        locked = conn.execute("SELECT locked FROM review_round WHERE uid=?", (review.round_uid,)).fetchone()
        if locked is None:
            raise UserError("Không tìm thấy đợt rà soát của phiếu.")
        if locked[0]:
            raise UserError("Đợt rà soát đã khóa; cần mở khóa (có ghi nhật ký) trước khi sửa.")


def _join_round(conn, review: Review) -> None:
    """A periodic review saved without a round joins the commune's round of its review year, when there is
    one and the household has no other review in it (issue 14: no review is left without its round)."""
    round_uid = repo_rounds.periodic_round_uid(conn, review.commune_code, int(review.list_year) - 1)
    if round_uid and repo_rounds.review_uid_in_round(conn, review.household_uid, round_uid) in (None, review.uid):
        review.round_uid = round_uid


def set_record_status(conn: sqlite3.Connection, review_uid: str, status: str, user: str, reason: str,
                      decision_id: str | None = None, at: str | None = None) -> None:
    """Move one review to ``status`` (draft | confirmed | decided) inside the caller's transaction, audited
    with ``reason``. The only path that may change a decided review (an audited unlock); the lifecycle
    rules themselves are in model/review/rounds.py."""
    if status not in ("draft", "confirmed", "decided"):
        raise UserError(f"Trạng thái phiếu không hợp lệ: {status}.")
    row = conn.execute("SELECT household_uid, decision_id FROM review WHERE uid=?", (review_uid,)).fetchone()
    if row is None:
        raise UserError("Không tìm thấy phiếu rà soát.")
    values = {"record_status": status, "decision_id": decision_id if status == "decided" else row["decision_id"]}
    upsert_audited(conn, "review", "uid", review_uid, values, user=user, reason=reason, at=at)
    refresh_current(conn, [row["household_uid"]])


def write_review(conn: sqlite3.Connection, review: Review, user: str, reason: str = "", origin: str = "",
                 at: str | None = None) -> None:
    """Write a review inside the caller's transaction (for services that save several records at once)."""
    at = at or audit.now_iso()
    origin = origin or local_origin(conn)
    if review.round_uid is None and review.review_type == "periodic":
        _join_round(conn, review)
    _check_writable(conn, review)
    old_children = _children_state(conn, review.uid)
    new_children = _new_children_state(review)
    rev = upsert_audited(conn, "review", "uid", review.uid, _clean(_data(review)), user=user, reason=reason,
                         origin=origin, at=at, expected_rev=review.meta.rev or None)
    if new_children != old_children:
        _write_children(conn, review.uid, new_children)
        for part in new_children:
            if new_children[part] != old_children[part]:
                audit.record_change(conn, "review", review.uid, {part: old_children[part]}, {part: new_children[part]},
                                    user, reason, origin, at)
        if rev == (review.meta.rev or 0):  # only children changed: still a new revision of the review
            conn.execute("UPDATE review SET rev=rev+1, updated_at=?, updated_by=?, origin=? WHERE uid=?",
                         (at, user, origin, review.uid))
            rev += 1
    review.meta.rev = rev
    repo_snapshots.store_roster(conn, review)  # the roster rows the round's outputs read
    refresh_current(conn, [review.household_uid])  # the desk's filter columns, same transaction


def save_review(conn: sqlite3.Connection, review: Review, user: str, reason: str = "", origin: str = "") -> Review:
    require(conn, R.EDIT)
    with transaction(conn):
        write_review(conn, review, user, reason, origin)
    return review


def get_review(conn: sqlite3.Connection, uid: str) -> Review | None:
    row = conn.execute("SELECT * FROM review WHERE uid=?", (uid,)).fetchone()
    if row is None:
        return None
    review = from_row(Review, row)
    state = _children_state(conn, uid)
    review.indicators = {c: IndicatorValue(**v) for c, v in state["indicators"].items()}
    review.causes = state["causes"]
    review.needs = state["needs"]
    review.groups = {c: GroupValue(**g) for c, g in state["groups"].items()}
    return review


def review_in_round(conn: sqlite3.Connection, household_uid: str, round_uid: str) -> Review | None:
    row = conn.execute("SELECT uid FROM review WHERE household_uid=? AND round_uid=?",
                       (household_uid, round_uid)).fetchone()
    return get_review(conn, row[0]) if row else None


def latest_review(conn: sqlite3.Connection, household_uid: str) -> Review | None:
    row = conn.execute("SELECT uid FROM review WHERE household_uid=? ORDER BY list_year DESC, reference_date DESC,"
                       " updated_at DESC LIMIT 1", (household_uid,)).fetchone()
    return get_review(conn, row[0]) if row else None


# Rounds ------------------------------------------------------------------------------------------------

def save_round(conn: sqlite3.Connection, rnd: ReviewRound, user: str, reason: str = "", origin: str = ""
               ) -> ReviewRound:
    require(conn, R.ROUND)
    with transaction(conn):
        rnd.meta.rev = upsert_audited(conn, "review_round", "uid", rnd.uid, _data(rnd), user=user, reason=reason,
                                      origin=origin, expected_rev=rnd.meta.rev or None)
    return rnd


def get_round(conn: sqlite3.Connection, uid: str) -> ReviewRound | None:
    row = conn.execute("SELECT * FROM review_round WHERE uid=?", (uid,)).fetchone()
    return from_row(ReviewRound, row) if row else None


def find_round(conn: sqlite3.Connection, commune_code: str, kind: str, review_year: int, month: int | None = None
               ) -> ReviewRound | None:
    row = conn.execute("SELECT * FROM review_round WHERE commune_code=? AND kind=? AND review_year=?"
                       " AND coalesce(month, 0)=?", (commune_code, kind, review_year, month or 0)).fetchone()
    return from_row(ReviewRound, row) if row else None


def list_rounds(conn: sqlite3.Connection, commune_code: str | None = None) -> list[ReviewRound]:
    sql, args = "SELECT * FROM review_round", ()
    if commune_code:
        sql, args = sql + " WHERE commune_code=?", (commune_code,)
    return [from_row(ReviewRound, r) for r in conn.execute(sql + " ORDER BY review_year, kind, month", args)]


# Exit-poverty registrations ----------------------------------------------------------------------------

def save_exit_registration(conn: sqlite3.Connection, reg: ExitRegistration, user: str, reason: str = "",
                           origin: str = "") -> ExitRegistration:
    require(conn, R.EDIT)
    if reg.target not in ("thoat_ngheo", "thoat_can_ngheo"):
        raise UserError("Mục tiêu đăng ký phải là thoát nghèo hoặc thoát cận nghèo.")
    with transaction(conn):
        reg.meta.rev = upsert_audited(conn, "exit_registration", "uid", reg.uid, _clean(_data(reg)), user=user,
                                      reason=reason, origin=origin, expected_rev=reg.meta.rev or None)
    return reg


def exit_registrations(conn: sqlite3.Connection, household_uid: str | None = None,
                       year: int | None = None) -> list[ExitRegistration]:
    where, args = [], []
    if household_uid:
        where.append("household_uid=?")
        args.append(household_uid)
    if year:
        where.append("registration_year=?")
        args.append(year)
    sql = "SELECT * FROM exit_registration" + (" WHERE " + " AND ".join(where) if where else "")
    return [from_row(ExitRegistration, r) for r in conn.execute(sql + " ORDER BY registration_year, uid", args)]
