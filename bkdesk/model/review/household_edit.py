"""Editing one household, without a display: the record as plain data, edits by tuple path, validation with
structured field paths, undo/redo over record snapshots (merged per field), the draft, and the save
(revision keeping, conflicts). The editor dialog only displays a ``HouseholdEdit``.

The record ("state") is a dict: ``household``, ``members`` (list), ``housing``, ``review``, ``exit`` (or None),
each the ``asdict`` of its record. After every edit the review service recomputes the derived parts of the
review (indicators, class, reasons) into the state, so undo restores them with the rest.

The object never keeps a database connection: it asks ``connect()`` for the caller's connection of the
current thread each time it needs one (the desk context supplies it).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from bkdesk.errors import UserError
from bkdesk.model.review.review_service import (
    ReviewOutcome,
    fill_review,
    is_impossible,
    new_review,
    points_table_for,
    proposed_exit_registration,
    save_household_with_review,
)
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import HEAD_CODE, CodeLists, codelists
from bkdesk.model.rules.indicators import age_on
from bkdesk.model.rules.records import (
    ExitRegistration,
    GroupValue,
    Household,
    Housing,
    IndicatorValue,
    Member,
    Review,
    SyncMeta,
)
from bkdesk.model.rules.validation import ERROR, WARNING, FieldError
from bkdesk.model.store import access, repo_desk, repo_drafts, repo_standards
from bkdesk.model.store.repo_households import HouseholdBundle, get_household
from bkdesk.model.store.repo_reviews import exit_registrations, latest_review

Path = tuple  # ("household", "address"), ("members", 2, "birth_date"), ("review", "indicators", "TN", "reason")
DECIDED = "decided"
# Record statuses (households.md §1) and their Vietnamese names on the desk.
STATUS_LABELS = {"draft": "Đang nhập", "confirmed": "Đã xác nhận", "decided": "Đã quyết định"}
# Years an officer can mean in a year field (the review standards run 2022-2030; a margin each side).
YEAR_MIN, YEAR_MAX = 2000, 2100
_LIST_MERGE_OFF = "members!"  # structural roster edits (add, delete, move) never merge


def draft_key(household_uid: str) -> str:
    return f"household:{household_uid}"


# --- the record as plain data ----------------------------------------------------------------------------

def to_state(bundle: HouseholdBundle, review: Review, exit_reg: ExitRegistration | None) -> dict:
    return {"household": asdict(bundle.household), "members": [asdict(m) for m in bundle.members],
            "housing": asdict(bundle.housing), "review": asdict(review),
            "exit": asdict(exit_reg) if exit_reg is not None else None}


def _rebuild(cls, data: dict):
    data = dict(data)
    meta = SyncMeta(**data.pop("meta", {}) or {})
    return cls(**data, meta=meta)


def from_state(state: dict) -> tuple[HouseholdBundle, Review, ExitRegistration | None]:
    state = copy.deepcopy(state)
    hh = _rebuild(Household, state["household"])
    members = [_rebuild(Member, m) for m in state["members"]]
    housing = _rebuild(Housing, state["housing"])
    rv = dict(state["review"])
    indicators = {c: IndicatorValue(**v) for c, v in rv.pop("indicators", {}).items()}
    groups = {c: GroupValue(**v) for c, v in rv.pop("groups", {}).items()}
    causes, needs = rv.pop("causes", {}), rv.pop("needs", {})
    review = _rebuild(Review, rv)
    review.indicators, review.groups, review.causes, review.needs = indicators, groups, causes, needs
    exit_reg = _rebuild(ExitRegistration, state["exit"]) if state.get("exit") else None
    return HouseholdBundle(hh, members, housing), review, exit_reg


def get_path(state: dict, path: Path):
    node = state
    for p in path:
        if node is None:
            return None
        if isinstance(node, list):
            node = node[p] if isinstance(p, int) and 0 <= p < len(node) else None
        else:
            node = node.get(p)
    return node


def set_path(state: dict, path: Path, value) -> None:
    node = state
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


# --- validation with structured paths ---------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    """One validation finding on a field of the record: ``path`` is a state path (a tuple)."""

    path: Path
    message: str  # Vietnamese, the reason included
    severity: str = ERROR  # error | warning
    blocking: bool = False  # an impossible value: the record cannot be saved at all


def issue_path(error: FieldError) -> Path:
    """The state path of a validation finding (the rules name fields "members[2].birth_date")."""
    text = error.field.removeprefix("impossible.")
    parts: list = []
    for chunk in text.split("."):
        name, _, index = chunk.partition("[")
        if name:
            parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    if parts and parts[0] == "indicators":
        parts.insert(0, "review")
    if parts and parts[0] == "causes":
        parts.insert(0, "review")
    return tuple(parts)


def _as_issue(error: FieldError) -> Issue:
    return Issue(issue_path(error), error.message, error.severity, is_impossible(error))


def year_issue(path: Path, value) -> Issue | None:
    """A year field holds four digits in a sensible range."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not YEAR_MIN <= value <= YEAR_MAX:
        return Issue(path, f"Năm phải có 4 chữ số, từ {YEAR_MIN} đến {YEAR_MAX}.", ERROR, True)
    return None


def _applies(m: dict, key: str, ref: dt.date, child_max: int | None) -> bool:
    """Whether a roster field applies to this member (households.md §3.2 and §15)."""
    if key == "seeking_work":
        return m.get("labour_status") == "khong_co_viec_lam"
    if key == "labour_contract":
        return m.get("wage_job") == 1
    if key == "malnourished" and child_max is not None:
        try:
            age, _ = age_on(m, ref)
        except ValueError:
            return True
        return age is None or age < child_max
    if key in ("school_level", "level_suitable_for_age"):
        return m.get("currently_studying") != 0
    return True


MEMBER_CONDITIONAL = ("seeking_work", "labour_contract", "malnourished", "school_level", "level_suitable_for_age")
EXIT_CONDITIONAL = {"form04_date": "form04_submitted", "withdrawn_reason": "withdrawn_date",
                    "commitment_text": "commitment"}


@dataclass
class SaveResult:
    uid: str
    first_save: bool
    complete: bool
    missing: list[Issue] = field(default_factory=list)  # errors that keep the record a draft


class HouseholdEdit:
    """One household being edited. Build it with ``load``, ``new`` or ``from_draft``."""

    def __init__(self, connect: Callable, state: dict, user: str = "", is_new: bool = False,
                 restored: bool = False):
        self.connect, self.user, self.is_new = connect, user, is_new
        self.state = copy.deepcopy(state)
        self._undo: list[tuple[dict, dict, Path]] = []
        self._index = 0  # commands applied
        self._clean: int | None = None if restored else 0  # a restored draft is unsaved by definition
        self._merge_open = True
        self.outcome: ReviewOutcome | None = None
        self.refusal = ""
        self.listeners: list[Callable[[], None]] = []
        self._issues_cache: tuple | None = None
        self._version = 0  # bumped whenever the record changes
        conn = connect()
        std_id = self.state["review"].get("standard_id")
        self.standard = repo_standards.effective_standard(conn, std_id) if std_id else \
            repo_standards.standard_for_list_year(self.state["review"]["list_year"], conn)
        self.codelists: CodeLists = codelists(self.standard.id)
        self.points_table = points_table_for(conn, from_state(self.state)[1])  # (uid, table) | None
        review = self.state["review"]
        self.lock_reason = ""
        if review.get("record_status") == DECIDED:
            self.lock_reason = "Phiếu rà soát đã có quyết định công nhận: chỉ xem, không sửa được."
        elif repo_desk.round_locked(conn, review.get("round_uid")):
            self.lock_reason = "Đợt rà soát đã khóa: chỉ xem, không sửa được."
        self.read_only = bool(self.lock_reason)
        self._recompute(self.state)

    # --- building ---------------------------------------------------------------------------------------

    @classmethod
    def load(cls, connect: Callable, uid: str, review_year: int | None, list_year: int | None,
             user: str = "") -> HouseholdEdit | None:
        """The household's current review of the list year (a new one for the review year when none)."""
        conn = connect()
        bundle = get_household(conn, uid)
        if bundle is None:
            return None
        review = latest_review(conn, uid)
        if review is None or (list_year and review.list_year != list_year):
            review = new_review(bundle, review_year or (review.list_year - 1 if review else dt.date.today().year))
        regs = exit_registrations(conn, uid)
        return cls(connect, to_state(bundle, review, regs[-1] if regs else None), user)

    @classmethod
    def new(cls, connect: Callable, commune_code: str, review_year: int, village_uid: str | None = None,
            user: str = "") -> HouseholdEdit:
        hh = Household(commune_code=commune_code,
                       household_no=repo_desk.next_household_no(connect(), commune_code))
        hh.village_uid = village_uid or None
        bundle = HouseholdBundle(hh)
        return cls(connect, to_state(bundle, new_review(bundle, review_year), None), user, is_new=True)

    @classmethod
    def from_draft(cls, connect: Callable, data: dict, user: str = "") -> HouseholdEdit:
        return cls(connect, data["state"], user, is_new=bool(data.get("is_new")), restored=True)

    # --- reading ----------------------------------------------------------------------------------------

    @property
    def uid(self) -> str:
        return self.state["household"]["uid"]

    def get(self, path: Path):
        return get_path(self.state, path)

    @property
    def dirty(self) -> bool:
        """Unsaved changes: the record differs from what was loaded or last saved (an untouched new
        household is not dirty: closing it loses nothing)."""
        return self._clean != self._index

    @property
    def status(self) -> str:
        return self.state["review"].get("record_status") or "draft"

    def head_name(self) -> str:
        return next((m.get("full_name") or "" for m in self.state["members"]
                     if m.get("relation_to_head") == HEAD_CODE), "")

    def reference_date(self) -> dt.date:
        try:
            return dt.date.fromisoformat(str(self.state["review"].get("reference_date"))[:10])
        except ValueError:
            return dt.date.today()

    def issues(self) -> list[Issue]:
        """Every error and warning of the record, each with the state path of its field (computed once per
        version of the record)."""
        key = (self._version, self._clean)
        if self._issues_cache is None or self._issues_cache[0] != key:
            self._issues_cache = (key, self._find_issues())
        return list(self._issues_cache[1])

    def _find_issues(self) -> list[Issue]:
        out = [_as_issue(e) for e in (self.outcome.issues if self.outcome else [])]
        exit_reg = self.state.get("exit")
        if exit_reg:
            found = year_issue(("exit", "registration_year"), exit_reg.get("registration_year"))
            if found:
                out.append(found)
        conn = self.connect()
        hh = self.state["household"]
        if hh.get("household_no") and repo_desk.household_no_taken(conn, hh["commune_code"], hh["household_no"],
                                                                    hh["uid"]):
            out.append(Issue(("household", "household_no"), f"Mã hộ {hh['household_no']} đã có trong xã.",
                             ERROR, True))
        return out

    def messages(self) -> dict[Path, Issue]:
        """The first finding per field path (errors before warnings)."""
        out: dict[Path, Issue] = {}
        for issue in sorted(self.issues(), key=lambda i: i.severity != ERROR):
            out.setdefault(issue.path, issue)
        return out

    def missing(self) -> list[Issue]:
        """What keeps the record from being complete: the errors, then what the classification still needs
        (score A, indicators not yet confirmed, or why no classification can be made)."""
        out = [i for i in self.issues() if i.severity == ERROR]
        review = self.state["review"]
        if self.refusal:
            out.append(Issue(("review",), self.refusal))
        if review.get("score_a_final") is None:
            out.append(Issue(("review", "score_a_paper"), "Chưa có điểm A (tổng điểm trên phiếu B1)."))
        open_codes = [c for c, v in (review.get("indicators") or {}).items() if v.get("final") is None]
        if open_codes:
            out.append(Issue(("review", "indicators", open_codes[0], "final"),
                             "Chưa xác nhận chỉ số: " + ", ".join(open_codes) + "."))
        return out

    def disabled(self) -> set[Path]:
        """Fields that do not apply to this record now (by age, by status); the editor greys them out."""
        out: set[Path] = set()
        ref = self.reference_date()
        dd = next((i for i in self.standard.indicators if i.rule_type == "child_malnutrition"), None)
        child_max = dd.params.get("child_age_max_exclusive") if dd else None
        for i, m in enumerate(self.state["members"]):
            out |= {("members", i, k) for k in MEMBER_CONDITIONAL if not _applies(m, k, ref, child_max)}
        exit_reg = self.state.get("exit")
        for key, needs in EXIT_CONDITIONAL.items():
            if not exit_reg or not exit_reg.get(needs):
                out.add(("exit", key))
        return out

    # --- edits ------------------------------------------------------------------------------------------

    def _refuse_if_locked(self) -> None:
        if self.read_only:
            raise UserError(self.lock_reason)

    def edit(self, path: Path, value) -> bool:
        """Set one field; False when the value is unchanged."""
        self._refuse_if_locked()
        if get_path(self.state, path) == value:
            return False
        after = copy.deepcopy(self.state)
        set_path(after, path, value)
        self._push(after, path)
        return True

    def change(self, key: Path, fn: Callable[[dict], None]) -> None:
        """A compound edit (``fn`` changes a copy of the record); ``key`` names it for merging."""
        self._refuse_if_locked()
        after = copy.deepcopy(self.state)
        fn(after)
        self._push(after, key)

    def _push(self, after: dict, key: Path) -> None:
        self._recompute(after)
        before = self.state
        del self._undo[self._index:]
        if self._clean is not None and self._clean > self._index:
            self._clean = None  # the saved state was undone and is now unreachable
        last = self._undo[-1] if self._undo and self._merge_open else None
        if last is not None and last[2] == key and key[0] != _LIST_MERGE_OFF and self._clean != self._index:
            self._undo[-1] = (last[0], after, key)  # consecutive edits of one field merge
        else:
            self._undo.append((before, after, key))
            self._index += 1
        self._merge_open = True
        # The snapshots are never changed in place (edits copy, undo/redo copy), so the current record
        # can be the snapshot itself: one deep copy per edit, not three.
        self.state = after
        self._announce()

    def can_undo(self) -> bool:
        return self._index > 0 and not self.read_only

    def can_redo(self) -> bool:
        return self._index < len(self._undo) and not self.read_only

    def undo(self) -> bool:
        if not self.can_undo():
            return False
        self._index -= 1
        self._apply(self._undo[self._index][0])
        return True

    def redo(self) -> bool:
        if not self.can_redo():
            return False
        self._apply(self._undo[self._index][1])
        self._index += 1
        return True

    def _apply(self, state: dict) -> None:
        self.state = copy.deepcopy(state)
        self._recompute(self.state)
        self._merge_open = False
        self._announce()

    def _announce(self) -> None:
        self._version += 1
        for fn in list(self.listeners):
            fn()

    # roster and review helpers (each one undo step)

    def add_member(self) -> int:
        def add(s):
            m = Member(full_name="")
            m.household_uid = s["household"]["uid"]
            if not s["members"]:
                m.relation_to_head = HEAD_CODE
            s["members"].append(asdict(m))
        self.change((_LIST_MERGE_OFF, "add"), add)
        return len(self.state["members"]) - 1

    def delete_member(self, i: int) -> None:
        self.change((_LIST_MERGE_OFF, "delete"), lambda s: s["members"].pop(i))

    def move_member(self, i: int, step: int) -> None:
        def move(s):
            ms = s["members"]
            ms[i], ms[i + step] = ms[i + step], ms[i]
        self.change((_LIST_MERGE_OFF, "move"), move)

    def confirm_indicators(self) -> None:
        def confirm(s):
            for v in s["review"]["indicators"].values():
                if v.get("final") is None and v.get("computed") in ("deprived", "not_deprived"):
                    v["final"] = v["computed"]
        self.change(("review", "indicators!"), confirm)

    def edit_b1(self, table_uid: str, code: str, value) -> None:
        """One B1 answer (None = unanswered); the review then records which table it was scored with."""
        def change(s):
            rv = s["review"]
            answers = json.loads(rv.get("b1_answers") or "{}")
            if value is None:
                answers.pop(code, None)
            else:
                answers[code] = value
            rv["b1_answers"] = json.dumps(answers, ensure_ascii=False, sort_keys=True) if answers else None
            rv["points_table_uid"] = table_uid
        self.change(("review", "b1_answers", code), change)

    def edit_override(self, cls, reason: str) -> None:
        def change(s):
            s["review"]["final_class"] = cls or s["review"].get("computed_class")
            s["review"]["override_reason"] = reason if cls else ""
        self.change(("review", "override"), change)

    def edit_choice(self, part: str, code: str, on: bool, text: str) -> None:
        def change(s):
            if on:
                s["review"][part][code] = text or ""
            else:
                s["review"][part].pop(code, None)
        self.change(("review", part, code), change)

    def edit_group(self, code: str, final, reason) -> None:
        def change(s):
            g = s["review"]["groups"].setdefault(code, {"final": 0, "derived": None, "reason": ""})
            if final is not None:
                g["final"] = final
            if reason is not None:
                g["reason"] = reason
        self.change(("review", "groups", code), change)

    def set_exit_registered(self, on: bool) -> None:
        def change(s):
            if on and not s.get("exit"):
                year = s["review"]["list_year"] - 1
                # §14: the target follows the household's status on the registration date
                reg = proposed_exit_registration(self.connect(), s["household"]["uid"], year,
                                                 s["review"].get("final_class"))
                s["exit"] = asdict(reg)
            elif not on:
                s["exit"] = None
        self.change(("exit!",), change)

    # --- derived parts ----------------------------------------------------------------------------------

    def _recompute(self, state: dict) -> None:
        bundle, review, _exit = from_state(state)
        try:
            self.outcome = fill_review(self.connect(), bundle, review, self.user)
            self.refusal = self.outcome.refusal
        except UserError as exc:
            self.outcome, self.refusal = None, str(exc)
            return
        state["review"] = to_state(bundle, review, None)["review"]

    # --- save and draft ---------------------------------------------------------------------------------

    def save(self) -> SaveResult:
        """Write household, review and exit registration in one audited transaction. Raises UserError
        (nothing written, the edits kept) for impossible values, a locked review or a conflicting edit;
        access.PermissionDenied for a user without the EDIT permission."""
        access.require(self.connect(), R.EDIT)
        self._refuse_if_locked()
        blocking = [i for i in self.issues() if i.blocking]
        if blocking:
            raise UserError("Không lưu được vì có giá trị không hợp lệ: " + "; ".join(i.message for i in blocking))
        state = copy.deepcopy(self.state)
        state["members"] = [m for m in state["members"] if (m.get("full_name") or "").strip()]
        bundle, review, exit_reg = from_state(state)
        conn = self.connect()
        outcome = save_household_with_review(conn, bundle, review, self.user, exit_reg=exit_reg)
        first = self.is_new
        self.outcome = outcome
        self._keep_revs(to_state(bundle, review, exit_reg))
        self.state["review"]["record_status"] = review.record_status
        self.state["household"]["complete"] = bundle.household.complete
        self.is_new = False
        repo_drafts.delete_draft(conn, draft_key(bundle.household.uid))
        self._clean = self._index
        self._merge_open = False
        complete = bool(bundle.household.complete)
        missing = [] if complete else self.missing()
        self._announce()
        return SaveResult(bundle.household.uid, first, complete, missing)

    def _keep_revs(self, saved: dict) -> None:
        """Saved revisions into the current record and every undo snapshot (undo then save is no conflict)."""
        metas = {part: saved[part]["meta"] for part in ("household", "housing", "review")}
        member_meta = {m["uid"]: m["meta"] for m in saved["members"]}
        states = [self.state] + [s for cmd in self._undo for s in cmd[:2]]
        for s in states:
            for part, meta in metas.items():
                s[part]["meta"] = dict(meta)
            for m in s["members"]:
                if m["uid"] in member_meta:
                    m["meta"] = dict(member_meta[m["uid"]])
            if s.get("exit") and saved.get("exit") and s["exit"]["uid"] == saved["exit"]["uid"]:
                s["exit"]["meta"] = dict(saved["exit"]["meta"])

    def save_draft(self) -> bool:
        """Keep the unsaved record (restored after a crash); nothing is written when nothing changed, nor
        for a user who may not edit (the draft timer must not fail: the save says why)."""
        if not self.dirty or self.read_only or not access.allowed(self.connect(), R.EDIT):
            return False
        repo_drafts.save_draft(self.connect(), draft_key(self.uid), {"state": self.state, "is_new": self.is_new})
        return True

    def discard_draft(self) -> None:
        repo_drafts.delete_draft(self.connect(), draft_key(self.uid))

    def forget_changes(self) -> None:
        """The officer chose not to keep the unsaved edits: drop the draft; nothing is left to save."""
        self.discard_draft()
        self._clean = self._index


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "draft", STATUS_LABELS["draft"])


__all__ = ["HouseholdEdit", "Issue", "SaveResult", "draft_key", "get_path", "set_path", "to_state", "from_state",
           "issue_path", "year_issue", "status_label", "STATUS_LABELS", "WARNING", "ERROR"]
