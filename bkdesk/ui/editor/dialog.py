"""Household editor: five tabs, undo over record snapshots, Ctrl+S, Esc asks, autosaved draft.

The whole record (household, roster, housing, review, exit registration) lives in ``self.state`` as plain
data. Every edit is a snapshot command on a QUndoStack (merged per field); after each edit the review
service recomputes the derived parts (indicators, class, reasons) into the state, so undo restores them.
"""

from __future__ import annotations

import copy
import json

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QCheckBox, QDialog, QMessageBox, QPushButton, QTabWidget, QVBoxLayout, QWidget

from bkdesk.errors import UserError
from bkdesk.model.review.review_service import fill_review, points_table_for, save_household_with_review
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.records import ExitRegistration, Member
from bkdesk.model.store import repo_drafts, repo_standards, settings
from bkdesk.model.store.repo_villages import list_villages
from bkdesk.ui.editor.b1 import answer_value
from bkdesk.ui.editor.forms import Form
from bkdesk.ui.editor.specs import exit_specs, household_specs
from bkdesk.ui.editor.state import from_state, get_path, set_path, to_state
from bkdesk.ui.editor.tabs import CausesTab, ReviewTab, RosterTab
from bkdesk.ui.i18n import _

AUTOSAVE_MS = 30_000
TAB_TITLES = ("Hộ gia đình", "Thành viên", "Rà soát", "Nguyên nhân && nhu cầu", "Đăng ký thoát nghèo")


def draft_key(household_uid: str) -> str:
    return f"household:{household_uid}"


class _Snapshot(QUndoCommand):
    """One edit: the record before and after; consecutive edits of the same field merge."""

    def __init__(self, editor: HouseholdEditor, before: dict, after: dict, path: tuple):
        super().__init__(_("Sửa {field}").format(field=str(path[-1])))
        self.editor, self.before, self.after, self.path = editor, before, after, path

    def id(self) -> int:
        return 1

    def mergeWith(self, other) -> bool:  # noqa: N802 (Qt name)
        if other.path != self.path or self.path[0] in ("members!",):
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.editor.apply_state(self.after)

    def undo(self) -> None:
        self.editor.apply_state(self.before)


class HouseholdEditor(QDialog):
    household_saved = Signal(str)

    def __init__(self, conn, bundle, review, exit_reg=None, parent: QWidget | None = None,
                 state: dict | None = None, is_new: bool = False):
        super().__init__(parent)
        self.conn, self.is_new = conn, is_new
        self.user = settings.officer(conn) or ""
        self.state = state or to_state(bundle, review, exit_reg)
        self.outcome, self.refusal = None, ""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        std_id = self.state["review"].get("standard_id")
        self.standard = repo_standards.effective_standard(conn, std_id) if std_id else \
            repo_standards.standard_for_list_year(self.state["review"]["list_year"], conn)
        self.codelists = codelists(self.standard.id)
        self.points_table = points_table_for(conn, from_state(self.state)[1])  # (uid, table) | None
        self._build()
        for button in self.findChildren(QPushButton):  # Enter belongs to the fields, not to a dialog button
            button.setAutoDefault(False)
            button.setDefault(False)
        self._recompute(self.state)
        self.reload()
        self._shortcuts()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave_draft)
        self.autosave_timer.start(AUTOSAVE_MS)
        if state is not None:  # restored draft: unsaved by definition
            self.undo_stack.resetClean()
        self._update_title()
        self.resize(1300, 700)

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("editor_tabs")
        commune = self.state["household"]["commune_code"]
        villages = [(r["uid"], r["name"]) for r in list_villages(self.conn, commune)]
        self.household_form = Form(household_specs(self.codelists, villages), columns=4, parent=self)
        self.household_form.edited.connect(self.edit)
        self.roster_tab = RosterTab(self, self.codelists)
        self.review_tab = ReviewTab(self, self.standard)
        self.causes_tab = CausesTab(self, self.codelists)
        exit_page = QWidget(self)
        exit_lay = QVBoxLayout(exit_page)
        self.exit_check = QCheckBox(_("Hộ đăng ký thoát nghèo / thoát cận nghèo"), exit_page)
        self.exit_check.setObjectName("exit_registered_check")
        self.exit_check.toggled.connect(self._on_exit_check_toggled)
        self.exit_form = Form(exit_specs(), columns=4, parent=exit_page)
        self.exit_form.edited.connect(self.edit)
        exit_lay.addWidget(self.exit_check)
        exit_lay.addWidget(self.exit_form, 1)
        for page, title in zip((self.household_form, self.roster_tab, self.review_tab, self.causes_tab, exit_page),
                               TAB_TITLES, strict=True):
            self.tabs.addTab(page, _(title))
        lay.addWidget(self.tabs)

    def _shortcuts(self) -> None:
        # Explicit sequences: StandardKey.Redo already holds Ctrl+Y on some platforms (ambiguous = dead).
        for seq, slot in (("Ctrl+S", self.save), ("Ctrl+Z", self.undo_stack.undo), ("Ctrl+Y", self.undo_stack.redo),
                          ("Ctrl+Shift+Z", self.undo_stack.redo)):
            QShortcut(QKeySequence(seq), self, activated=slot)

    # --- edits -------------------------------------------------------------------------------

    def edit(self, path: tuple, value) -> None:
        if get_path(self.state, path) == value:
            return
        after = copy.deepcopy(self.state)
        set_path(after, path, value)
        self._push(after, path)

    def _push(self, after: dict, path: tuple) -> None:
        self._recompute(after)
        self.undo_stack.push(_Snapshot(self, copy.deepcopy(self.state), after, path))

    def _change(self, path: tuple, fn) -> None:
        after = copy.deepcopy(self.state)
        fn(after)
        self._push(after, path)

    def add_member(self) -> None:
        def add(s):
            m = Member(full_name="")
            m.household_uid = s["household"]["uid"]
            if not s["members"]:
                m.relation_to_head = "chu_ho"
            s["members"].append(from_state_member(m))
        self._change(("members!", "add"), add)

    def delete_member(self, i: int) -> None:
        self._change(("members!", "delete"), lambda s: s["members"].pop(i))

    def move_member(self, i: int, step: int) -> None:
        def move(s):
            ms = s["members"]
            ms[i], ms[i + step] = ms[i + step], ms[i]
        self._change(("members!", "move"), move)

    def confirm_indicators(self) -> None:
        def confirm(s):
            for v in s["review"]["indicators"].values():
                if v.get("final") is None and v.get("computed") in ("deprived", "not_deprived"):
                    v["final"] = v["computed"]
        self._change(("review", "indicators!"), confirm)

    def edit_b1(self, table_uid: str, code: str, value) -> None:
        """One B1 answer (None = unanswered); the review then records which table it was scored with."""
        qtype = next(q["type"] for q in self.points_table[1]["questions"] if q["code"] == code)
        value = answer_value(qtype, value)

        def change(s):
            rv = s["review"]
            answers = json.loads(rv.get("b1_answers") or "{}")
            if value is None:
                answers.pop(code, None)
            else:
                answers[code] = value
            rv["b1_answers"] = json.dumps(answers, ensure_ascii=False, sort_keys=True) if answers else None
            rv["points_table_uid"] = table_uid
        self._change(("review", "b1_answers", code), change)

    def edit_override(self, cls, reason: str) -> None:
        def change(s):
            s["review"]["final_class"] = cls or s["review"].get("computed_class")
            s["review"]["override_reason"] = reason if cls else ""
        self._change(("review", "override"), change)

    def edit_choice(self, part: str, code: str, on: bool, text: str) -> None:
        def change(s):
            if on:
                s["review"][part][code] = text or ""
            else:
                s["review"][part].pop(code, None)
        self._change(("review", part, code), change)

    def edit_group(self, code: str, final, reason) -> None:
        def change(s):
            g = s["review"]["groups"].setdefault(code, {"final": 0, "derived": None, "reason": ""})
            if final is not None:
                g["final"] = final
            if reason is not None:
                g["reason"] = reason
        self._change(("review", "groups", code), change)

    def _on_exit_check_toggled(self, on: bool) -> None:
        def change(s):
            if on and not s.get("exit"):
                year = s["review"]["list_year"] - 1
                target = "thoat_can_ngheo" if s["review"].get("final_class") == "NEAR_POOR" else "thoat_ngheo"
                reg = ExitRegistration(household_uid=s["household"]["uid"], registration_year=year, target=target)
                s["exit"] = to_state_exit(reg)
            elif not on:
                s["exit"] = None
        self._change(("exit!",), change)

    # --- state -------------------------------------------------------------------------------

    def _recompute(self, state: dict) -> None:
        """Derived review parts into ``state`` (from the review service)."""
        bundle, review, exit_reg = from_state(state)
        try:
            self.outcome = fill_review(self.conn, bundle, review, self.user)
            self.refusal = self.outcome.refusal
        except UserError as exc:
            self.outcome, self.refusal = None, str(exc)
            return
        state["review"] = to_state(bundle, review, None)["review"]

    def apply_state(self, state: dict) -> None:
        self.state = copy.deepcopy(state)
        self._recompute(self.state)
        self.reload()

    def _messages(self) -> dict:
        out: dict[tuple, str] = {}
        for e in (self.outcome.issues if self.outcome else []):
            parts = e.field.replace("impossible.", "").replace("[", ".").replace("]", "").split(".")
            key = tuple(int(p) if p.isdigit() and parts[0] == "members" else p for p in parts)
            out.setdefault(key, e.message)
        return out

    def reload(self) -> None:
        msgs = self._messages()
        self.household_form.load(lambda p: get_path(self.state, p))
        self.household_form.show_errors({k: v for k, v in msgs.items() if k[0] in ("household", "housing")})
        self.roster_tab.load(msgs)
        self.review_tab.load(msgs)
        self.causes_tab.load(msgs)
        has_exit = bool(self.state.get("exit"))
        self.exit_check.blockSignals(True)
        self.exit_check.setChecked(has_exit)
        self.exit_check.blockSignals(False)
        self.exit_form.setEnabled(has_exit)
        self.exit_form.load(lambda p: get_path(self.state, p))
        self._update_title()

    def _on_undo_stack_clean_changed(self, _clean: bool) -> None:
        try:
            self._update_title()
        except RuntimeError:  # emitted while the dialog is being destroyed
            pass

    def _update_title(self) -> None:
        hh = self.state["household"]
        head = next((m["full_name"] for m in self.state["members"] if m.get("relation_to_head") == "chu_ho"), "")
        mark = "" if self.undo_stack.isClean() and not self.is_new else "* "
        self.setWindowTitle(f"{mark}{_('Hộ')} {hh.get('household_no') or ''} {head}".strip() + " - bkdesk")

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean() or self.is_new

    # --- save, drafts, close -----------------------------------------------------------------

    def save(self) -> bool:
        forms = [self.household_form, self.roster_tab.member_form, self.review_tab.review_form, self.exit_form]
        if self.review_tab.b1_panel is not None:
            forms.append(self.review_tab.b1_panel.form)
        problems = sum((f.parse_errors() for f in forms), [])
        if problems:
            QMessageBox.warning(self, _("Chưa lưu được"), "\n".join(problems))
            return False
        state = copy.deepcopy(self.state)
        state["members"] = [m for m in state["members"] if (m.get("full_name") or "").strip()]
        bundle, review, exit_reg = from_state(state)
        try:
            outcome = save_household_with_review(self.conn, bundle, review, self.user, exit_reg=exit_reg)
        except UserError as exc:
            QMessageBox.warning(self, _("Chưa lưu được"), str(exc))
            return False
        self.outcome = outcome
        saved = to_state(bundle, review, exit_reg)
        self._keep_revs(saved)
        self.is_new = False
        repo_drafts.delete_draft(self.conn, draft_key(bundle.household.uid))
        self.undo_stack.setClean()
        self.reload()
        self.household_saved.emit(bundle.household.uid)
        return True

    def _keep_revs(self, saved: dict) -> None:
        """Saved revisions into the current state and every undo snapshot (so undo+save is not a conflict)."""
        revs = {("household",): saved["household"]["meta"], ("housing",): saved["housing"]["meta"],
                ("review",): saved["review"]["meta"]}
        member_meta = {m["uid"]: m["meta"] for m in saved["members"]}
        states = [self.state] + [s for i in range(self.undo_stack.count())
                                 for s in (self.undo_stack.command(i).before, self.undo_stack.command(i).after)]
        for s in states:
            for (part,), meta in revs.items():
                s[part]["meta"] = dict(meta)
            for m in s["members"]:
                if m["uid"] in member_meta:
                    m["meta"] = dict(member_meta[m["uid"]])
            if s.get("exit") and saved.get("exit") and s["exit"]["uid"] == saved["exit"]["uid"]:
                s["exit"]["meta"] = dict(saved["exit"]["meta"])

    def autosave_draft(self) -> None:
        if self.dirty:
            repo_drafts.save_draft(self.conn, draft_key(self.state["household"]["uid"]),
                                   {"state": self.state, "is_new": self.is_new})

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.dirty:
            answer = QMessageBox.question(
                self, _("Đóng hộ đang sửa"), _("Hộ này có thay đổi chưa lưu. Lưu trước khi đóng?"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Discard:
                repo_drafts.delete_draft(self.conn, draft_key(self.state["household"]["uid"]))
        self.autosave_timer.stop()
        event.accept()

    def reject(self) -> None:  # Esc: ask before discarding
        self.close()


def from_state_member(m: Member) -> dict:
    from dataclasses import asdict
    return asdict(m)


def to_state_exit(reg: ExitRegistration) -> dict:
    from dataclasses import asdict
    return asdict(reg)
