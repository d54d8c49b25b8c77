"""Household editor: five tabs over a ``HouseholdEdit`` (the Qt-free editing model), which it only displays.

Buttons Lưu / Lưu và hộ tiếp theo / Đóng, Ctrl+S, Ctrl+Z / Ctrl+Y, Esc closes (asking only when something
changed). A draft is written within two seconds of a change. A decided review opens read-only behind a
visible lock. Errors and warnings are shown under their fields and clear as soon as the value is valid.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.review.household_edit import ERROR, HouseholdEdit, Issue, draft_key, status_label
from bkdesk.model.store.writer import DatabaseBusy
from bkdesk.ui.editor.b1 import answer_value
from bkdesk.ui.editor.forms import Form
from bkdesk.ui.editor.specs import exit_specs, household_specs
from bkdesk.ui.editor.tabs import CausesTab, ReviewTab, RosterTab
from bkdesk.ui.i18n import _

DRAFT_DELAY_MS = 1_500  # the draft is written within 2 s of a change (a kill loses at most that)
TAB_TITLES = ("Hộ gia đình", "Thành viên", "Rà soát", "Nguyên nhân && nhu cầu", "Đăng ký thoát nghèo")
TAB_OF_PART = {"household": 0, "housing": 0, "members": 1, "review": 2, "exit": 4}
LOCK_STYLE = "background: #fff4d6; border: 1px solid #c79a00; padding: 6px;"
INFO_STYLE = "background: #fdecea; padding: 4px;"
READ_ONLY_STYLE = "background: #f0f0f0; color: #333333;"
MISSING_SHOWN = 5

__all__ = ["HouseholdEditor", "draft_key"]


class HouseholdEditor(QDialog):
    household_saved = Signal(str)
    saved_message = Signal(str)  # the confirmation, also shown in the main window's status bar
    next_requested = Signal(str)  # "Lưu và hộ tiếp theo": the uid just saved

    def __init__(self, desk, model: HouseholdEdit, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk, self.model = desk, model
        self.standard, self.codelists, self.points_table = model.standard, model.codelists, model.points_table
        self._build()
        for button in self.findChildren(QPushButton):  # Enter belongs to the fields, not to a dialog button
            button.setAutoDefault(False)
            button.setDefault(False)
        self._shortcuts()
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.autosave_draft)
        model.listeners.append(self._on_model_changed)
        self.reload()
        if model.read_only:
            self._lock()
        self.resize(1300, 700)

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.lock_label = QLabel(self)
        self.lock_label.setObjectName("lock_label")
        self.lock_label.setStyleSheet(LOCK_STYLE)
        self.lock_label.setWordWrap(True)
        self.lock_label.hide()
        lay.addWidget(self.lock_label)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("editor_tabs")
        villages = [(r["uid"], r["name"]) for r in self.desk.villages()]
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
        lay.addWidget(self.tabs, 1)
        self.info_label = QLabel(self)
        self.info_label.setObjectName("editor_info_label")
        self.info_label.setWordWrap(True)
        self.info_label.setStyleSheet(INFO_STYLE)
        self.info_label.hide()
        lay.addWidget(self.info_label)
        bottom = QHBoxLayout()
        self.status_bar = QStatusBar(self)
        self.status_bar.setObjectName("editor_status_bar")
        self.status_bar.setSizeGripEnabled(False)
        self.record_status_label = QLabel(self)
        self.record_status_label.setObjectName("record_status_label")
        self.status_bar.addPermanentWidget(self.record_status_label)
        bottom.addWidget(self.status_bar, 1)
        self.save_button = QPushButton(_("Lưu (Ctrl+S)"), self)
        self.save_button.setObjectName("save_button")
        self.save_next_button = QPushButton(_("Lưu và hộ tiếp theo"), self)
        self.save_next_button.setObjectName("save_next_button")
        self.confirm_household_button = QPushButton(_("Xác nhận hộ"), self)
        self.confirm_household_button.setObjectName("confirm_household_button")
        self.confirm_household_button.setToolTip(_("Lưu rồi chuyển phiếu từ 'đang nhập' sang 'đã xác nhận' "
                                                    "(phiếu phải đủ thông tin)"))
        self.confirm_household_button.clicked.connect(self.confirm_household)
        self.close_button = QPushButton(_("Đóng"), self)
        self.close_button.setObjectName("close_button")
        self.save_button.clicked.connect(self.save)
        self.save_next_button.clicked.connect(self.save_and_next)
        self.close_button.clicked.connect(self.close)
        for b in (self.confirm_household_button, self.save_button, self.save_next_button, self.close_button):
            bottom.addWidget(b)
        lay.addLayout(bottom)

    def _shortcuts(self) -> None:
        # Explicit sequences: StandardKey.Redo already holds Ctrl+Y on some platforms (ambiguous = dead).
        for seq, slot in (("Ctrl+S", self.save), ("Ctrl+Z", self.undo), ("Ctrl+Y", self.redo),
                          ("Ctrl+Shift+Z", self.redo)):
            QShortcut(QKeySequence(seq), self, activated=slot)

    def _lock(self) -> None:
        """A decided review: everything is shown, nothing can be changed (the lock says why)."""
        self.lock_label.setText("<b>" + _("ĐÃ KHÓA.") + "</b> " + _(self.model.lock_reason) + " " + _(
            "Muốn sửa phải mở khóa đợt rà soát (có ghi nhật ký)."))
        self.lock_label.show()
        keep = {self.close_button, self.roster_tab.roster_table}
        for w in self.tabs.findChildren(QWidget):
            if w in keep:
                continue
            if isinstance(w, QLineEdit):
                w.setReadOnly(True)
                w.setStyleSheet(READ_ONLY_STYLE)
            elif isinstance(w, QComboBox | QAbstractButton):
                w.setEnabled(False)
        self.exit_check.setEnabled(False)
        self.confirm_household_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.save_next_button.setEnabled(False)

    # --- edits (the tabs call these; the model does the work) -----------------------------------

    @property
    def state(self) -> dict:
        return self.model.state

    @property
    def refusal(self) -> str:
        return self.model.refusal

    @property
    def outcome(self):
        return self.model.outcome

    def _guard(self, fn, *args) -> None:
        if self.model.read_only:
            return
        try:
            fn(*args)
        except UserError as exc:
            self.status_bar.showMessage(str(exc), 10_000)

    def edit(self, path: tuple, value) -> None:
        self._guard(self.model.edit, path, value)

    def add_member(self) -> None:
        self._guard(self.model.add_member)

    def delete_member(self, i: int) -> None:
        self._guard(self.model.delete_member, i)

    def move_member(self, i: int, step: int) -> None:
        self._guard(self.model.move_member, i, step)

    def confirm_indicators(self) -> None:
        self._guard(self.model.confirm_indicators)

    def edit_b1(self, table_uid: str, code: str, value) -> None:
        qtype = next(q["type"] for q in self.points_table[1]["questions"] if q["code"] == code)
        self._guard(self.model.edit_b1, table_uid, code, answer_value(qtype, value))

    def edit_override(self, cls, reason: str) -> None:
        self._guard(self.model.edit_override, cls, reason)

    def edit_choice(self, part: str, code: str, on: bool, text: str) -> None:
        self._guard(self.model.edit_choice, part, code, on, text)

    def edit_group(self, code: str, final, reason) -> None:
        self._guard(self.model.edit_group, code, final, reason)

    def _on_exit_check_toggled(self, on: bool) -> None:
        self._guard(self.model.set_exit_registered, on)

    def undo(self) -> None:
        if self.model.can_undo():
            self._forms_clear_parse_errors()  # the restored value replaces any unparsable text
            self.model.undo()

    def redo(self) -> None:
        if self.model.can_redo():
            self._forms_clear_parse_errors()
            self.model.redo()

    def _forms(self) -> list[Form]:
        forms = [self.household_form, self.roster_tab.member_form, self.review_tab.review_form, self.exit_form]
        if self.review_tab.b1_panel is not None:
            forms.append(self.review_tab.b1_panel.form)
        return forms

    def _forms_clear_parse_errors(self) -> None:
        for f in self._forms():
            f.clear_parse_errors()

    def _on_model_changed(self) -> None:
        try:
            self.reload()
        except RuntimeError:  # the dialog is being destroyed
            return
        if self.model.dirty and not self.draft_timer.isActive():
            self.draft_timer.start()

    # --- display -----------------------------------------------------------------------------

    def messages(self) -> tuple[dict[tuple, str], set[tuple]]:
        """Text per field path, and the paths whose finding is only a warning."""
        found = self.model.messages()
        texts = {p: (i.message if i.severity == ERROR else _("Lưu ý: ") + i.message) for p, i in found.items()}
        return texts, {p for p, i in found.items() if i.severity != ERROR}

    def reload(self) -> None:
        msgs, warnings = self.messages()
        disabled = self.model.disabled()
        get = self.model.get
        self.household_form.load(get)
        self.household_form.show_errors({k: v for k, v in msgs.items() if k[0] in ("household", "housing")},
                                        warnings)
        self.roster_tab.load(msgs, warnings, disabled)
        self.review_tab.load(msgs)
        self.causes_tab.load(msgs)
        has_exit = bool(self.state.get("exit"))
        self.exit_check.blockSignals(True)
        self.exit_check.setChecked(has_exit)
        self.exit_check.blockSignals(False)
        self.exit_form.setEnabled(has_exit)
        self.exit_form.load(get)
        self.exit_form.show_errors({k: v for k, v in msgs.items() if k[0] == "exit"}, warnings)
        self.exit_form.set_disabled({p for p in disabled if p[0] == "exit"})
        self.record_status_label.setText(_("Trạng thái: {s}").format(s=_(status_label(self.model.status))))
        self.confirm_household_button.setEnabled(not self.model.read_only and self.model.status == "draft")
        self._update_title()

    def _update_title(self) -> None:
        hh = self.state["household"]
        mark = "* " if self.model.dirty or self.model.is_new else ""
        lock = " [" + _("đã khóa") + "]" if self.model.read_only else ""
        self.setWindowTitle(f"{mark}{_('Hộ')} {hh.get('household_no') or ''} {self.model.head_name()}".strip()
                            + lock + " - bkdesk")

    @property
    def dirty(self) -> bool:
        return self.model.dirty

    def show_issue(self, issue: Issue) -> None:
        """Bring the field of ``issue`` on screen and give it the focus."""
        path = issue.path
        self.tabs.setCurrentIndex(TAB_OF_PART.get(path[0], 0))
        widget = None
        if path[0] == "members" and len(path) >= 2 and isinstance(path[1], int):
            self.roster_tab.select(path[1])
            if len(path) == 3:
                widget = self.roster_tab.member_form.field_widget(("member", path[2]))
            else:
                widget = self.roster_tab.roster_table
        elif path[0] == "members":
            widget = self.roster_tab.add_button
        elif path[:2] == ("review", "indicators") and len(path) >= 3:
            widget = self.review_tab.final_combos.get(path[2])
        else:
            for form in self._forms():
                widget = widget or form.field_widget(path)
        if widget is not None:
            widget.setFocus()

    # --- save, drafts, close -----------------------------------------------------------------

    def save(self) -> bool:
        if self.model.read_only:
            return False
        problems = sum((f.parse_errors() for f in self._forms()), [])
        if problems:
            QMessageBox.warning(self, _("Chưa lưu được"), "\n".join(problems))
            return False
        try:
            result = self.desk.save_household(self.model)
        except DatabaseBusy as exc:  # a merge or restore is writing: say so, keep the work, save when it is done
            self._save_when_free(str(exc))
            return False
        except UserError as exc:
            QMessageBox.warning(self, _("Chưa lưu được"), str(exc))
            return False
        self._after_save(result)
        return True

    def _save_when_free(self, message: str) -> None:
        from bkdesk.ui.write_wait import save_when_free

        self.status_bar.showMessage(message, 0)
        if getattr(self, "pending_save", None) is not None and not self.pending_save.done:
            return  # already waiting
        self.pending_save = save_when_free(
            self, lambda: self.desk.save_household(self.model), self._after_save,
            lambda text: QMessageBox.warning(self, _("Chưa lưu được"), text), what="lưu hộ")

    def _after_save(self, result) -> None:
        self.draft_timer.stop()
        hh = self.state["household"]
        text = _("Đã lưu hộ {no} {head} lúc {at}").format(no=hh.get("household_no") or "", head=self.model.head_name(),
                                                        at=dt.datetime.now().strftime("%H:%M:%S"))
        if not result.complete:
            text += " " + _("(chưa hoàn thành)")
        self.status_bar.showMessage(text, 15_000)
        self.saved_message.emit(text)
        self.household_saved.emit(result.uid)
        if result.first_save and result.missing:
            lines = [i.message for i in result.missing[:MISSING_SHOWN]]
            more = len(result.missing) - MISSING_SHOWN
            self.info_label.setText(_("Đã lưu nhưng hồ sơ chưa hoàn thành, còn thiếu:") + "\n• " + "\n• ".join(lines)
                                    + (("\n" + _("... và {n} mục khác").format(n=more)) if more > 0 else ""))
            self.info_label.show()
            self.show_issue(result.missing[0])
        else:
            self.info_label.hide()
        self._update_title()

    def confirm_household(self) -> bool:
        """Save when needed, then confirm the review (draft -> confirmed); an incomplete record says why."""
        if self.model.read_only or ((self.model.dirty or self.model.is_new) and not self.save()):
            return False
        try:
            done, reason = self.desk.confirm_household(self.model.uid)
        except UserError as exc:
            QMessageBox.warning(self, _("Chưa xác nhận được"), str(exc))
            return False
        if not done:
            self.info_label.setText(_("Chưa xác nhận được vì hồ sơ chưa đủ:") + "\n• " + reason)
            self.info_label.show()
            return False
        fresh = self.desk.open_household(self.model.uid)  # the confirmed review, with its new revision
        if self._on_model_changed in self.model.listeners:
            self.model.listeners.remove(self._on_model_changed)
        self.model = fresh
        fresh.listeners.append(self._on_model_changed)
        self.info_label.hide()
        self.reload()
        hh = self.state["household"]
        text = _("Đã xác nhận hộ {no} {head}").format(no=hh.get("household_no") or "", head=self.model.head_name())
        self.status_bar.showMessage(text, 15_000)
        self.saved_message.emit(text)
        return True

    def save_and_next(self) -> bool:
        if not self.save():
            return False
        uid = self.model.uid
        self.close()
        self.next_requested.emit(uid)
        return True

    def autosave_draft(self) -> None:
        try:
            self.model.save_draft()
        except UserError as exc:  # a locked or full disk: the edits stay on screen
            self.status_bar.showMessage(str(exc), 10_000)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.model.dirty and not self.model.read_only:
            answer = QMessageBox.question(
                self, _("Đóng hộ đang sửa"), _("Hộ này có thay đổi chưa lưu. Lưu trước khi đóng?"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel or (
                    answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Discard:
                self.model.forget_changes()
        self.draft_timer.stop()
        if self._on_model_changed in self.model.listeners:
            self.model.listeners.remove(self._on_model_changed)
        event.accept()

    def reject(self) -> None:  # Esc: close, asking only when something changed
        self.close()
