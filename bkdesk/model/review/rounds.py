"""Review rounds (review-process.md §8): states, opening with households carried forward, finalising
(locks the round), audited unlock and backward moves.

Opening a periodic round of review year R creates, in one transaction, a draft review for every active
household of the commune with its start-of-period status (households.md §12): the class recognised in the
round of R − 1, else ABSENT for a household that moved in / split off during the period, else its latest
recognised class, else OTHER. A finalised round is locked: repo_reviews refuses to write its reviews.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from bkdesk.errors import UserError
from bkdesk.model.review.transitions import ABSENT, OTHER, status_of_class
from bkdesk.model.rules.records import Review, ReviewRound
from bkdesk.model.rules.standards import list_year_for, periodic_reference_date
from bkdesk.model.store import audit, repo_rounds
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_base import upsert_audited
from bkdesk.model.store.repo_reviews import find_round, get_round, write_review
from bkdesk.model.store.repo_standards import standard_for_list_year

PERIODIC_STATES = ("planned", "listing", "survey", "village_meetings", "posting", "reported", "decided",
                   "certified", "closed")
REGULAR_STATES = ("request", "survey", "village_meeting", "posting", "decided", "refused")
STATE_LABELS = {
    "planned": "Lập kế hoạch", "listing": "Lập danh sách hộ", "survey": "Rà soát, chấm điểm",
    "village_meetings": "Họp dân", "village_meeting": "Họp dân", "posting": "Niêm yết công khai",
    "reported": "Báo cáo, xin ý kiến", "decided": "Đã có quyết định", "certified": "Đã cấp giấy chứng nhận",
    "closed": "Đã đóng", "request": "Tiếp nhận đề nghị", "refused": "Từ chối", "open": "Đang mở",
}
KIND_LABELS = {"periodic": "Định kỳ", "regular": "Thường xuyên"}


def states_of(rnd: ReviewRound) -> tuple[str, ...]:
    return PERIODIC_STATES if rnd.kind == "periodic" else REGULAR_STATES


def _write_round(conn, rnd: ReviewRound, user: str, reason: str = "") -> None:
    data = {k: getattr(rnd, k) for k in ("commune_code", "kind", "review_year", "list_year", "month",
                                         "reference_date", "state", "locked", "standard_id")}
    rnd.meta.rev = upsert_audited(conn, "review_round", "uid", rnd.uid, data, user=user, reason=reason,
                                  expected_rev=rnd.meta.rev or None)


def start_status(conn: sqlite3.Connection, household_uid: str, review_year: int,
                 previous: repo_rounds.SnapshotRow | None, events: list[tuple[str, str]]) -> str:
    if previous is not None and previous.final_class:
        return status_of_class(previous.final_class)
    first_day = dt.date(review_year, 1, 1).isoformat()
    if any(e in repo_rounds.STARTING_EVENTS and d > first_day for e, d in events):
        return ABSENT
    latest = repo_rounds.latest_counted_class(conn, household_uid, review_year)
    return status_of_class(latest) if latest else OTHER


def open_periodic_round(conn: sqlite3.Connection, commune_code: str, review_year: int, user: str,
                        reference_date: dt.date | None = None) -> tuple[ReviewRound, int]:
    """Create the round (state ``planned``) and carry every active household forward. Returns (round, n)."""
    if find_round(conn, commune_code, "periodic", review_year) is not None:
        raise UserError(f"Xã {commune_code} đã có đợt rà soát định kỳ năm {review_year}.")
    list_year = list_year_for("periodic", review_year)
    standard = standard_for_list_year(list_year, conn)
    ref = (reference_date or periodic_reference_date(list_year)).isoformat()
    rnd = ReviewRound(commune_code, "periodic", review_year, list_year, ref, state="planned",
                      standard_id=standard.id)
    previous = repo_rounds.periodic_snapshot(conn, review_year - 1, [commune_code])
    households = repo_rounds.active_household_rows(conn, commune_code)
    events = repo_rounds.events_by_household(conn, {h["uid"] for h in households})
    at = audit.now_iso()
    with transaction(conn):
        _write_round(conn, rnd, user, reason="Mở đợt rà soát định kỳ")
        for h in households:
            review = Review(h["uid"], list_year, ref, commune_code, round_uid=rnd.uid, review_type="periodic",
                            village_uid=h["village_uid"], household_no=h["household_no"],
                            standard_id=standard.id, standard_revision=standard.revision,
                            start_status=start_status(conn, h["uid"], review_year, previous.get(h["uid"]),
                                                      events.get(h["uid"], [])))
            write_review(conn, review, user, reason="Chuyển hộ sang đợt rà soát mới", at=at)
    return rnd, len(households)


def open_regular_round(conn: sqlite3.Connection, commune_code: str, year: int, month: int, user: str
                       ) -> ReviewRound:
    if not 1 <= month <= 12:
        raise UserError("Tháng phải từ 1 đến 12.")
    if find_round(conn, commune_code, "regular", year, month) is not None:
        raise UserError(f"Xã {commune_code} đã có đợt rà soát thường xuyên tháng {month}/{year}.")
    list_year = list_year_for("regular", year)
    standard = standard_for_list_year(list_year, conn)
    rnd = ReviewRound(commune_code, "regular", year, list_year, dt.date(year, month, 15).isoformat(),
                      month=month, state="request", standard_id=standard.id)
    with transaction(conn):
        _write_round(conn, rnd, user, reason="Mở đợt rà soát thường xuyên")
    return rnd


def _load(conn, round_uid: str) -> ReviewRound:
    rnd = get_round(conn, round_uid)
    if rnd is None:
        raise UserError("Không tìm thấy đợt rà soát.")
    return rnd


def unreviewed_households(conn: sqlite3.Connection, round_uid: str) -> list[str]:
    """Households of the round with no counted final class and no ending lifecycle event ("chưa rà soát")."""
    rnd = _load(conn, round_uid)
    end_day = dt.date(rnd.review_year, 12, 31).isoformat()
    pending = [r["household_uid"] for r in repo_rounds.round_review_rows(conn, round_uid)
               if not (r["final_class"] and r["record_status"] in ("confirmed", "decided"))]
    events = repo_rounds.events_by_household(conn, set(pending))
    status = repo_rounds.household_status(conn, pending)
    return sorted(u for u in pending if status.get(u) == "active" and not any(
        e in repo_rounds.ENDING_EVENTS and d <= end_day for e, d in events.get(u, [])))


def advance(conn: sqlite3.Connection, round_uid: str, user: str) -> ReviewRound:
    """Move to the next state; leaving ``survey`` needs every household resolved."""
    rnd = _load(conn, round_uid)
    states = states_of(rnd)
    if rnd.locked:
        raise UserError("Đợt rà soát đã khóa; cần mở khóa (ghi lý do) trước khi chuyển bước.")
    pos = states.index(rnd.state) if rnd.state in states else -1
    if pos + 1 >= len(states) or rnd.state == "refused":
        raise UserError("Đợt rà soát đã ở bước cuối cùng.")
    if rnd.state == "survey":
        _require_all_reviewed(conn, rnd)
    rnd.state = states[pos + 1]
    with transaction(conn):
        _write_round(conn, rnd, user)
    return rnd


def move_back(conn: sqlite3.Connection, round_uid: str, state: str, user: str, reason: str) -> ReviewRound:
    """Go back to an earlier state: a reason is required and audited."""
    rnd = _load(conn, round_uid)
    states = states_of(rnd)
    if state not in states or (rnd.state in states and states.index(state) >= states.index(rnd.state)):
        raise UserError("Chỉ được quay lại một bước trước đó.")
    _require_reason(reason)
    if rnd.locked:
        raise UserError("Đợt rà soát đã khóa; cần mở khóa (ghi lý do) trước.")
    rnd.state = state
    with transaction(conn):
        _write_round(conn, rnd, user, reason=reason.strip())
    return rnd


def finalise(conn: sqlite3.Connection, round_uid: str, user: str) -> ReviewRound:
    """Lock the round (its reviews become read-only); refused while a household is "chưa rà soát"."""
    rnd = _load(conn, round_uid)
    if rnd.locked:
        raise UserError("Đợt rà soát đã được chốt.")
    _require_all_reviewed(conn, rnd)
    states = states_of(rnd)
    if rnd.kind == "periodic" and states.index(rnd.state if rnd.state in states else "planned") \
            < states.index("decided"):
        rnd.state = "decided"
    rnd.locked = 1
    with transaction(conn):
        _write_round(conn, rnd, user, reason="Chốt đợt rà soát")
    return rnd


def unlock(conn: sqlite3.Connection, round_uid: str, user: str, reason: str) -> ReviewRound:
    """Unlock a finalised round; the reason is written to the audit log."""
    _require_reason(reason)
    rnd = _load(conn, round_uid)
    if not rnd.locked:
        raise UserError("Đợt rà soát chưa bị khóa.")
    rnd.locked = 0
    with transaction(conn):
        _write_round(conn, rnd, user, reason=reason.strip())
    return rnd


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise UserError("Phải ghi lý do.")


def _require_all_reviewed(conn, rnd: ReviewRound) -> None:
    missing = unreviewed_households(conn, rnd.uid)
    if missing:
        raise UserError(f"Còn {len(missing)} hộ chưa rà soát (chưa có kết quả phân loại được xác nhận và không "
                        "có biến động chuyển đi, nhập hộ, hộ không còn).")
