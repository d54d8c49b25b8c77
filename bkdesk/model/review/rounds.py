"""Review rounds (review-process.md §8): states, opening with households carried forward, finalising
(locks the round), audited unlock and backward moves.

Opening a periodic round of review year R creates, in one transaction, a draft review for every active
household of the commune with its start-of-period status (households.md §12): the class recognised in the
round of R − 1, else ABSENT for a household that moved in / split off during the period, else its latest
recognised class, else OTHER. A finalised round is locked: repo_reviews refuses to write its reviews.
Each step checks the logged-in user's permission first (access.require): ROUND for opening, moving, meetings,
posting, finalising and closing; CONFIRM, DECIDE and UNLOCK for confirming, the decision and unlocking.
"""

from __future__ import annotations

import datetime as dt
import json

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.review.transitions import ABSENT, OTHER, status_of_class
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.records import Review, ReviewRound, new_uid
from bkdesk.model.rules.standards import list_year_for, periodic_reference_date
from bkdesk.model.store import audit, repo_rounds
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_base import upsert_audited
from bkdesk.model.store.repo_reviews import find_round, get_review, get_round, set_record_status, write_review
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
    require(conn, R.ROUND)
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
    entered = repo_rounds.orphan_reviews(conn, commune_code, list_year)
    at = audit.now_iso()
    with transaction(conn):
        _write_round(conn, rnd, user, reason="Mở đợt rà soát định kỳ")
        for h in households:
            status = start_status(conn, h["uid"], review_year, previous.get(h["uid"]), events.get(h["uid"], []))
            if h["uid"] in entered:  # a review already entered for this year joins the round as it is
                review = get_review(conn, entered[h["uid"]])
                review.round_uid, review.start_status = rnd.uid, review.start_status or status
                write_review(conn, review, user, reason="Gắn phiếu đã nhập vào đợt rà soát mới", at=at)
                continue
            review = Review(h["uid"], list_year, ref, commune_code, round_uid=rnd.uid, review_type="periodic",
                            village_uid=h["village_uid"], household_no=h["household_no"],
                            standard_id=standard.id, standard_revision=standard.revision,
                            start_status=status)
            write_review(conn, review, user, reason="Chuyển hộ sang đợt rà soát mới", at=at)
    return rnd, len(households)


def open_regular_round(conn: sqlite3.Connection, commune_code: str, year: int, month: int, user: str
                       ) -> ReviewRound:
    require(conn, R.ROUND)
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
    require(conn, R.ROUND)
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
    require(conn, R.ROUND)
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
    require(conn, R.ROUND)
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
    require(conn, R.UNLOCK)
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


# Review status lifecycle (issue 14): draft -> confirmed -> village meeting / posting -> decided (locked) -----

STATUSES = ("draft", "confirmed", "decided")
STATUS_LABELS = {"draft": "Đang nhập", "confirmed": "Đã xác nhận", "decided": "Đã quyết định",
                 "missing": "Chưa có phiếu"}
NO_VILLAGE = "(chưa gán thôn)"
PASS_SHARE = 0.5  # review-process.md §4 step 3: at least 50 % of the attendees agree (inclusive)


def periodic_round(conn: sqlite3.Connection, review_year: int) -> ReviewRound:
    """The periodic round of review year R of this database's commune."""
    from bkdesk.model.store import settings

    if settings.get(conn, settings.SCOPE) != "commune":
        raise UserError("Chỉ cơ sở dữ liệu của một xã mới có đợt rà soát.")
    code = settings.get(conn, settings.SCOPE_CODE) or ""
    rnd = find_round(conn, code, "periodic", int(review_year))
    if rnd is None:
        raise UserError(f"Chưa mở đợt rà soát định kỳ năm {review_year} (bkdesk round open --year {review_year}).")
    return rnd


def _advance_to(conn, rnd: ReviewRound, state: str, user: str, reason: str) -> None:
    """Move the round forward to ``state`` (never backward), inside the caller's transaction."""
    states = states_of(rnd)
    if state in states and (rnd.state not in states or states.index(rnd.state) < states.index(state)):
        rnd.state = state
        _write_round(conn, rnd, user, reason=reason)


def _require_open(rnd: ReviewRound) -> None:
    if rnd.locked:
        raise UserError("Đợt rà soát đã khóa; cần mở khóa (ghi lý do) trước.")
    if rnd.state in ("decided", "certified", "closed"):
        raise UserError("Đợt rà soát đã có quyết định công nhận; không thay đổi được kết quả nữa.")


def round_status(conn: sqlite3.Connection, rnd: ReviewRound) -> dict:
    """Counts per record status, for the round and per village (with its meeting), the posting and the
    decision; ``status_json`` keeps the part `bkdesk round status --json` prints."""
    def empty() -> dict:
        return {s: 0 for s in (*STATUSES, "missing")}

    total, villages = empty(), {}
    for v in repo_rounds.villages_of_commune(conn, rnd.commune_code):
        villages[v["uid"]] = {"uid": v["uid"], "name": v["name"], "statuses": empty()}
    for r in repo_rounds.status_rows(conn, rnd.uid):
        entry = villages.setdefault(r["village_uid"], {"uid": r["village_uid"], "name": r["village_name"] or NO_VILLAGE,
                                                       "statuses": empty()})
        entry["statuses"][r["record_status"]] += r["n"]
        total[r["record_status"]] += r["n"]
    for h in repo_rounds.households_without_review(conn, rnd.uid, rnd.commune_code):
        entry = villages.setdefault(h["village_uid"], {"uid": h["village_uid"], "name": h["village_name"] or NO_VILLAGE,
                                                       "statuses": empty()})
        entry["statuses"]["missing"] += 1
        total["missing"] += 1
    held = {m["village_uid"]: m for m in repo_rounds.meetings(conn, rnd.uid)}
    present = {r["household_uid"] for r in repo_rounds.round_review_list(conn, rnd.uid)} if held else set()
    for uid, entry in villages.items():
        m = held.get(uid)
        entry["meeting"] = None if m is None else {"date": m["meeting_date"], "passed": not _failed(m, present)}
    posts = repo_rounds.postings(conn, rnd.uid)
    dec = repo_rounds.decision(conn, rnd.uid)
    return {"year": rnd.review_year, "state": rnd.state, "locked": bool(rnd.locked), "statuses": total,
            "villages": [villages[k] for k in sorted(villages, key=lambda k: (k is None, villages[k]["name"]))],
            "posting": [{"place": p["place"], "from": p["start_date"], "to": p["end_date"]} for p in posts],
            "decision": None if dec is None else {"number": dec["number"], "date": dec["decision_date"],
                                                  "signer": dec["signer"]}}


def status_json(status: dict) -> dict:
    """{"year": R, "state": ..., "statuses": {...}, "villages": [{"name": ..., "statuses": {...}}]}."""
    return {"year": status["year"], "state": status["state"], "statuses": status["statuses"],
            "villages": [{"name": v["name"], "statuses": v["statuses"]} for v in status["villages"]]}


def _label(row) -> str:
    return f"Hộ {row['household_no'] or '?'}" + (f" ({row['head_name']})" if row["head_name"] else "")


def _incomplete_reason(outcome, review: Review) -> str:
    if outcome.refusal:
        return outcome.refusal
    if outcome.errors:
        return "; ".join(dict.fromkeys(e.message for e in outcome.errors[:3])) + (
            f" (và {len(outcome.errors) - 3} lỗi khác)" if len(outcome.errors) > 3 else "")
    missing = []
    if review.score_a_final is None:
        missing.append("chưa có điểm A")
    open_codes = [c for c, v in review.indicators.items() if v.final is None]
    if open_codes:
        missing.append("chỉ số chưa xác nhận: " + ", ".join(open_codes))
    return "chưa phân loại được: " + ("; ".join(missing) or "thiếu thông tin để phân loại")


def confirm(conn: sqlite3.Connection, rnd: ReviewRound, user: str, village_uid: str | None = None,
            household_uids: set[str] | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Confirm the round's draft reviews that pass validation (all, one village, or the given households).

    Returns (labels of the reviews confirmed now, [(label, reason)] of those still incomplete); each
    confirmation is audited. Reviews already confirmed or decided are left as they are.
    """
    from bkdesk.model.review.review_service import fill_review
    from bkdesk.model.store.repo_households import get_household

    require(conn, R.CONFIRM)
    _require_open(rnd)
    done, incomplete = [], []
    at = audit.now_iso()
    with transaction(conn):
        _adopt_orphans(conn, rnd, user, at)
        for row in repo_rounds.round_review_list(conn, rnd.uid, village_uid):
            if row["record_status"] != "draft" or (household_uids is not None
                                                   and row["household_uid"] not in household_uids):
                continue
            bundle, review = get_household(conn, row["household_uid"]), get_review(conn, row["uid"])
            outcome = fill_review(conn, bundle, review, user)
            if not outcome.complete:
                incomplete.append((_label(row), _incomplete_reason(outcome, review)))
                continue
            review.record_status = "confirmed"
            write_review(conn, review, user, reason="Xác nhận phiếu rà soát", at=at)
            done.append(_label(row))
        if done:
            _advance_to(conn, rnd, "survey", user, "Bắt đầu xác nhận phiếu rà soát")
    return done, incomplete


def _adopt_orphans(conn, rnd: ReviewRound, user: str, at: str) -> None:
    """Reviews of the round's year written without a round (a bulk import) join it, inside the caller's
    transaction, when their household has no review in the round yet."""
    for household_uid, review_uid in repo_rounds.orphan_reviews(conn, rnd.commune_code, rnd.list_year).items():
        if repo_rounds.review_uid_in_round(conn, household_uid, rnd.uid) is None:
            review = get_review(conn, review_uid)
            review.round_uid = rnd.uid
            write_review(conn, review, user, reason="Gắn phiếu đã nhập vào đợt rà soát", at=at)


def unconfirm(conn: sqlite3.Connection, rnd: ReviewRound, household_uid: str, user: str, reason: str) -> None:
    """Send a confirmed review back to draft (to correct it); audited with the reason."""
    require(conn, R.CONFIRM)
    _require_reason(reason)
    _require_open(rnd)
    uid = repo_rounds.review_uid_in_round(conn, household_uid, rnd.uid)
    if uid is None:
        raise UserError("Hộ không có phiếu trong đợt rà soát này.")
    with transaction(conn):
        set_record_status(conn, uid, "draft", user, reason.strip())


def _failed(meeting: dict, present: set[str] | None = None) -> list[str]:
    """Household uids whose agreement is below half the attendees (all of them for a failed list vote).
    ``present``: only these households count (one removed since as entered in error no longer holds the
    village's meeting back)."""
    attendees = meeting["attendees"]
    votes = json.loads(meeting["votes"] or "{}") if isinstance(meeting["votes"], str) else meeting["votes"]
    failed = [h for h, agree in votes.items() if agree < PASS_SHARE * attendees and (present is None or h in present)]
    if meeting["list_agree"] is not None and meeting["list_agree"] < PASS_SHARE * attendees:
        failed.append("*")
    return failed


def record_meeting(conn: sqlite3.Connection, rnd: ReviewRound, village_uid: str, meeting_date: dt.date,
                   attendees: int, user: str, place: str = "", chair: str = "", secretary: str = "",
                   list_agree: int | None = None, votes: dict[str, int] | None = None) -> tuple[str, list[str]]:
    """Record a village meeting (review-process.md §4 step 3). Every review of the village must be confirmed
    first. A household (or the whole list) with fewer than 50 % of the attendees agreeing goes back to draft
    (step 2) and needs a new meeting. Returns (meeting uid, labels of the households sent back)."""
    require(conn, R.ROUND)
    _require_open(rnd)
    if not isinstance(attendees, int) or attendees <= 0:
        raise UserError("Số người dự họp phải là số nguyên lớn hơn 0.")
    votes = dict(votes or {})
    if list_agree is None and not votes:
        raise UserError("Phải ghi số người đồng ý: cho cả danh sách hoặc cho từng hộ.")
    for n in [*votes.values(), *([list_agree] if list_agree is not None else [])]:
        if not isinstance(n, int) or n < 0 or n > attendees:
            raise UserError(f"Số người đồng ý phải từ 0 đến {attendees} (số người dự họp).")
    rows = repo_rounds.round_review_list(conn, rnd.uid, village_uid)
    if not rows:
        raise UserError("Thôn này chưa có hộ nào trong đợt rà soát.")
    by_uid = {r["household_uid"]: r for r in rows}
    unknown = [h for h in votes if h not in by_uid]
    if unknown:
        raise UserError("Có hộ được biểu quyết nhưng không thuộc thôn này trong đợt rà soát.")
    drafts = [r for r in rows if r["record_status"] == "draft"]
    if drafts:
        raise UserError(f"Còn {len(drafts)} hộ của thôn chưa được xác nhận ({_label(drafts[0])}…): xác nhận "
                        "trước khi ghi biên bản họp thôn.")
    uid = new_uid()
    data = {"round_uid": rnd.uid, "village_uid": village_uid, "meeting_date": meeting_date.isoformat(),
            "place": place.strip(), "chair": chair.strip(), "secretary": secretary.strip(), "attendees": attendees,
            "list_agree": list_agree, "votes": json.dumps(votes, sort_keys=True), "note": ""}
    failed = _failed(data)
    back = list(by_uid) if "*" in failed else [h for h in failed if h != "*"]
    at = audit.now_iso()
    with transaction(conn):
        repo_rounds.write_meeting(conn, uid, data, user, reason="Ghi biên bản họp thôn")
        for h in back:
            if by_uid[h]["record_status"] == "confirmed":
                set_record_status(conn, by_uid[h]["uid"], "draft", user, at=at,
                                  reason="Họp thôn không đạt trên 50% đồng ý: rà soát lại")
        _advance_to(conn, rnd, "village_meetings", user, "Ghi biên bản họp thôn")
    return uid, [_label(by_uid[h]) for h in back]


def record_posting(conn: sqlite3.Connection, rnd: ReviewRound, place: str, start: dt.date, end: dt.date,
                   user: str, village_uid: str | None = None) -> str:
    """Record the public posting of the results (review-process.md §4 step 4)."""
    require(conn, R.ROUND)
    _require_open(rnd)
    if not (place or "").strip():
        raise UserError("Phải ghi nơi niêm yết.")
    if end < start:
        raise UserError("Ngày kết thúc niêm yết phải không trước ngày bắt đầu.")
    uid = new_uid()
    with transaction(conn):
        repo_rounds.write_posting(conn, uid, {"round_uid": rnd.uid, "village_uid": village_uid,
                                              "place": place.strip(), "start_date": start.isoformat(),
                                              "end_date": end.isoformat()}, user, reason="Ghi niêm yết công khai")
        _advance_to(conn, rnd, "posting", user, "Ghi niêm yết công khai")
    return uid


def decide(conn: sqlite3.Connection, rnd: ReviewRound, number: str, decision_date: dt.date, user: str,
           signer: str = "") -> int:
    """Record the commune decision (Form 02: number, date, signer) and apply it: every confirmed review of
    the round becomes ``decided`` (read-only). Refused while a household is unconfirmed or a village with
    households has no passing meeting. Returns the number of reviews decided."""
    require(conn, R.DECIDE)
    _require_open(rnd)
    number = (number or "").strip()
    if not number:
        raise UserError("Phải ghi số quyết định.")
    if decision_date.year < rnd.review_year:
        raise UserError(f"Ngày quyết định phải thuộc năm rà soát {rnd.review_year} hoặc sau đó.")
    status = round_status(conn, rnd)
    pending = status["statuses"]["draft"] + status["statuses"]["missing"]
    if pending:
        raise UserError(f"Còn {pending} hộ chưa được xác nhận: xác nhận hết trước khi ghi quyết định.")
    if not status["statuses"]["confirmed"]:
        raise UserError("Không có phiếu nào đã xác nhận để công nhận.")
    no_meeting = [v["name"] for v in status["villages"]
                  if sum(v["statuses"].values()) and not (v["meeting"] and v["meeting"]["passed"])]
    if no_meeting:
        raise UserError("Chưa có biên bản họp thôn đạt yêu cầu: " + ", ".join(no_meeting) + ".")
    uid = new_uid()
    at = audit.now_iso()
    reviews = [r for r in repo_rounds.round_review_list(conn, rnd.uid) if r["record_status"] == "confirmed"]
    with transaction(conn):
        repo_rounds.write_decision(conn, uid, {"round_uid": rnd.uid, "number": number,
                                               "decision_date": decision_date.isoformat(), "signer": signer.strip()},
                                   user, reason="Ghi quyết định công nhận")
        for r in reviews:
            set_record_status(conn, r["uid"], "decided", user, decision_id=uid, at=at,
                              reason=f"Quyết định số {number} ngày {decision_date:%d/%m/%Y}")
        _advance_to(conn, rnd, "decided", user, f"Quyết định số {number}")
    return len(reviews)


def close(conn: sqlite3.Connection, rnd: ReviewRound, user: str) -> ReviewRound:
    """Close a decided round: read-only from now on (later changes through regular reviews)."""
    require(conn, R.ROUND)
    if rnd.state not in ("decided", "certified"):
        raise UserError("Chỉ đóng được đợt rà soát đã có quyết định công nhận.")
    rnd.state, rnd.locked = "closed", 1
    with transaction(conn):
        _write_round(conn, rnd, user, reason="Đóng đợt rà soát")
    return rnd


def unlock_review(conn: sqlite3.Connection, rnd: ReviewRound, household_uid: str, user: str, reason: str) -> None:
    """Reopen one decided review for correction (back to confirmed); only with a reason, audited."""
    require(conn, R.UNLOCK)
    _require_reason(reason)
    if rnd.locked:
        raise UserError("Đợt rà soát đã khóa; cần mở khóa đợt (ghi lý do) trước.")
    uid = repo_rounds.review_uid_in_round(conn, household_uid, rnd.uid)
    row = get_review(conn, uid) if uid else None
    if row is None or row.record_status != "decided":
        raise UserError("Phiếu của hộ này chưa có quyết định nên không cần mở khóa.")
    with transaction(conn):
        set_record_status(conn, uid, "confirmed", user, reason.strip())


def confirm_household(conn: sqlite3.Connection, household_uid: str, review_year: int, user: str
                      ) -> tuple[bool, str]:
    """Confirm one household's review of the periodic round of ``review_year`` (the editor's per-household
    step). Returns (confirmed now or already, the reason when it is still incomplete)."""
    require(conn, R.CONFIRM)
    rnd = periodic_round(conn, review_year)
    uid = repo_rounds.review_uid_in_round(conn, household_uid, rnd.uid)
    if uid is None:
        raise UserError("Hộ chưa có phiếu trong đợt rà soát này: hãy lưu phiếu rà soát của hộ trước.")
    if get_review(conn, uid).record_status != "draft":
        return True, ""
    done, incomplete = confirm(conn, rnd, user, household_uids={household_uid})
    return bool(done), incomplete[0][1] if incomplete else ""
