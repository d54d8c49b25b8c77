"""Removing a household entered in error (typed twice, or never a household of the commune): the desk's
"Xóa hộ (nhập nhầm)…" and `bkdesk household remove` both call ``remove_household``.

The household goes with everything of its own (members, housing, events, reviews, exit registrations), each
deletion audited with the officer's reason; the tombstones that carry the deletion to the district and the
province are written by the schema's triggers. A household with a review in a decided or locked round is
never removed: the outputs of a decided round do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.review.household_edit import draft_key
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.rules.text import clean_text
from bkdesk.model.store import repo_households
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction

# What the confirmation line names, per table deleted with the household.
_COUNTED = (("member", "thành viên"), ("review", "phiếu rà soát"), ("household_event", "biến động hộ"),
            ("exit_registration", "đăng ký thoát nghèo"))


@dataclass
class Removed:
    uid: str
    household_no: str
    head_name: str
    reason: str
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """One Vietnamese line saying what went (the command line prints it, the desk shows it)."""
        parts = [f"{fmt_int(self.counts[t])} {label}" for t, label in _COUNTED if self.counts.get(t)]
        return (f"Đã xóa hộ {label_of(self.household_no, self.head_name)}"
                + (f" cùng {', '.join(parts)}" if parts else "")
                + f" (lý do: {self.reason}; đã ghi nhật ký, việc xóa sẽ được gửi lên cấp trên trong gói dữ liệu).")


def label_of(household_no: str, head_name: str) -> str:
    """'0003 (Nguyễn Văn Đức)': how an officer names a household."""
    no = household_no or "(chưa có mã)"
    return f"{no} ({head_name})" if head_name else no


def find_household(conn: sqlite3.Connection, code: str, commune_code: str | None = None) -> sqlite3.Row:
    """The household whose uid, or household number within the commune, is ``code``; one Vietnamese line
    when there is none or the number is shared (then the uid tells them apart)."""
    if not clean_text(code or ""):
        raise UserError("Hãy ghi mã hộ (số hộ trên phiếu) hoặc mã định danh của hộ.")
    rows = repo_households.find_households(conn, code, commune_code)
    if not rows:
        raise UserError(f"Không có hộ mã {clean_text(code)} trong cơ sở dữ liệu.")
    if len(rows) > 1:
        which = "; ".join(f"{label_of(r['household_no'], r['head_name'])}: {r['uid']}" for r in rows[:5])
        raise UserError(f"Có {len(rows)} hộ cùng mã {clean_text(code)} ({which}); hãy ghi mã định danh của hộ "
                        "cần xóa.")
    return rows[0]


def _round_name(row) -> str:
    if row["kind"] == "regular" and row["month"]:
        return f"đợt rà soát thường xuyên tháng {row['month']:02d}/{row['review_year']}"
    if row["kind"] == "periodic":
        return f"đợt rà soát định kỳ năm {row['review_year']}"
    return "phiếu rà soát"


def refusal(conn: sqlite3.Connection, uid: str) -> str:
    """Why this household may not be removed (one Vietnamese line, with what to do instead), "" when it may."""
    row = repo_households.household_heading(conn, uid)
    if row is None:
        return "Không tìm thấy hộ (có thể đã bị xóa)."
    frozen = repo_households.frozen_reviews(conn, uid)
    if not frozen:
        return ""
    label = label_of(row["household_no"], row["head_name"])
    decided = [r for r in frozen if r["record_status"] == "decided"
               or r["state"] in repo_households.DECIDED_ROUND_STATES]
    if decided:
        return (f"Không xóa được hộ {label}: hộ có trong kết quả {_round_name(decided[0])} đã có quyết định công "
                "nhận, kết quả đó không được thay đổi. Nếu hộ không còn ở xã (chuyển đi, nhập hộ khác, hộ không "
                "còn), hãy ghi nhận biến động đó qua rà soát thường xuyên thay vì xóa hộ.")
    return (f"Không xóa được hộ {label}: {_round_name(frozen[0])} đã khóa. Lãnh đạo xã mở khóa đợt (ghi lý do) "
            "rồi mới xóa được hộ.")


def remove_household(conn: sqlite3.Connection, uid: str, reason: str, user: str = "") -> Removed:
    """Remove the household ``uid`` entered in error, in one transaction: refused (nothing changed) without
    a reason, for a user who may not edit households, or when a review of it is in a decided or locked
    round."""
    require(conn, R.EDIT)
    reason = clean_text(reason or "")
    if not reason:
        raise UserError("Phải ghi lý do xóa hộ (ví dụ: nhập trùng với hộ 0012).")
    with transaction(conn):
        why = refusal(conn, uid)
        if why:
            raise UserError(why)
        row = repo_households.household_heading(conn, uid)
        counts = repo_households.delete_household(conn, uid, user=user, reason=reason, draft_key=draft_key(uid))
    return Removed(uid, row["household_no"], row["head_name"], reason, counts)
