"""The editor's tabs that are more than a form: roster, review (indicators + banner), causes & groups.

Each tab reports edits through ``editor.edit(path, value)`` and redraws itself from ``editor.state``
in ``load()`` (after every edit, undo and redo), with signals blocked while it writes into widgets.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.model.rules.classify import CLASS_LABELS, CLASSES
from bkdesk.model.rules.indicators import DEPRIVED, NOT_DEPRIVED
from bkdesk.ui.editor.b1 import B1Panel
from bkdesk.ui.editor.forms import Form, format_value
from bkdesk.ui.editor.specs import member_specs, review_specs
from bkdesk.ui.i18n import _, language

ROW_HEIGHT = 26
VALUE_LABELS = {DEPRIVED: "Thiếu hụt", NOT_DEPRIVED: "Không thiếu hụt", "unknown": "Chưa xác định được"}
BANNER_COLORS = {"POOR": "#fde2e1", "NEAR_POOR": "#fff1cc", "MIDDLE": "#e3f1ff", "NOT_POOR": "#e2f5e4",
                 "PENDING": "#eeeeee"}


def _label(cl, name: str, code) -> str:
    if code in (None, ""):
        return ""
    try:
        return cl.label(name, code, language())
    except Exception:  # noqa: BLE001 (a code not in the list is shown as it is)
        return str(code)


def _quiet(widget, method: str, value) -> None:
    """Set a widget value without emitting edit signals (redraw from state)."""
    widget.blockSignals(True)
    try:
        getattr(widget, method)(value)
    finally:
        widget.blockSignals(False)


class RosterTab(QWidget):
    """Roster table (Enter in the name adds the next member) and the selected member's form."""

    COLUMNS = ("STT", "Họ và tên", "Giới tính", "Ngày sinh", "Quan hệ với chủ hộ", "Số CCCD / CMND")

    def __init__(self, editor, codelists):
        super().__init__(editor)
        self.editor, self.cl, self.current = editor, codelists, -1
        lay = QVBoxLayout(self)
        self.roster_table = QTableWidget(0, len(self.COLUMNS), self)
        self.roster_table.setObjectName("roster_table")
        self.roster_table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.roster_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roster_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster_table.verticalHeader().setVisible(False)
        self.roster_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.roster_table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT - 4)
        self.roster_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for c, w in ((0, 50), (2, 90), (3, 110), (4, 170), (5, 170)):  # headers readable at 1366x768
            self.roster_table.horizontalHeader().resizeSection(c, w)
        self.roster_table.setMaximumHeight(150)
        self.roster_table.currentCellChanged.connect(self._on_roster_table_current_changed)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Thêm thành viên"), self)
        self.add_button.setObjectName("add_member_button")
        self.delete_button = QPushButton(_("Xóa thành viên"), self)
        self.up_button = QPushButton(_("Lên"), self)
        self.down_button = QPushButton(_("Xuống"), self)
        for b in (self.add_button, self.delete_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        hint = QLabel(_("Gõ họ tên rồi nhấn Enter để thêm người tiếp theo."), self)
        buttons.addWidget(hint)
        self.add_button.clicked.connect(self.add_member)
        self.delete_button.clicked.connect(self.delete_member)
        self.up_button.clicked.connect(lambda: self.move_member(-1))
        self.down_button.clicked.connect(lambda: self.move_member(1))
        self.member_form = Form(member_specs(codelists), columns=4, parent=self)
        self.member_form.edited.connect(self._on_member_form_edited)
        self.member_form.widget("full_name").returnPressed.connect(self._on_name_return)
        self.members_error_label = QLabel(self)
        self.members_error_label.setStyleSheet("color: #b00020;")
        lay.addLayout(buttons)
        lay.addWidget(self.roster_table)
        lay.addWidget(self.members_error_label)
        lay.addWidget(self.member_form, 1)

    def add_member(self) -> None:
        self.editor.add_member()
        self.select(len(self.editor.state["members"]) - 1)
        self.member_form.widget("full_name").setFocus()

    def delete_member(self) -> None:
        if 0 <= self.current < len(self.editor.state["members"]):
            self.editor.delete_member(self.current)

    def move_member(self, step: int) -> None:
        i = self.current
        if 0 <= i < len(self.editor.state["members"]) and 0 <= i + step < len(self.editor.state["members"]):
            self.editor.move_member(i, step)
            self.select(i + step)

    def select(self, i: int) -> None:
        self.current = i
        self.roster_table.setCurrentCell(i, 1)
        self._load_form()

    def _on_name_return(self) -> None:
        members = self.editor.state["members"]
        if self.current == len(members) - 1 and members[self.current].get("full_name"):
            self.add_member()

    def _on_roster_table_current_changed(self, row, _col, _prow, _pcol) -> None:
        if row >= 0 and row != self.current:
            self.current = row
            self._load_form()

    def _on_member_form_edited(self, path, value) -> None:
        if 0 <= self.current < len(self.editor.state["members"]):
            self.editor.edit(("members", self.current, path[-1]), value)

    def _load_form(self) -> None:
        members = self.editor.state["members"]
        ok = 0 <= self.current < len(members)
        self.member_form.setEnabled(ok)
        self.member_form.load(lambda p: members[self.current].get(p[-1]) if ok else None)
        self._show_member_messages()

    def load(self, messages: dict, warnings: set | frozenset = frozenset(), disabled: set | frozenset = frozenset(),
             ) -> None:
        self._warnings, self._disabled = warnings, disabled
        members = self.editor.state["members"]
        t = self.roster_table
        t.blockSignals(True)
        t.setRowCount(len(members))
        for i, m in enumerate(members):
            values = (str(i + 1), m.get("full_name") or "", _label(self.cl, "sexes", m.get("sex")),
                      format_value(self.member_form.fields[("member", "birth_date")].spec, m.get("birth_date")),
                      _label(self.cl, "relationships", m.get("relation_to_head")), m.get("id_number") or "")
            for c, v in enumerate(values):
                item = t.item(i, c)
                if item is None:
                    t.setItem(i, c, QTableWidgetItem(v))
                elif item.text() != v:
                    item.setText(v)
        if self.current >= len(members) or (self.current < 0 and members):
            self.current = len(members) - 1 if self.current >= 0 else 0
        if self.current >= 0:
            t.setCurrentCell(self.current, 1)
        t.blockSignals(False)
        self._load_form()
        self.members_error_label.setText(messages.get(("members",), ""))
        self._messages = messages
        self._show_member_messages()

    def _show_member_messages(self) -> None:
        i = self.current
        mine = {k: v for k, v in getattr(self, "_messages", {}).items()
                if len(k) == 3 and k[0] == "members" and k[1] == i}
        self.member_form.show_errors({("member", k[2]): v for k, v in mine.items()},
                                     {("member", k[2]) for k in getattr(self, "_warnings", ()) if k in mine})
        self.member_form.set_disabled({("member", k[2]) for k in getattr(self, "_disabled", ())
                                       if len(k) == 3 and k[0] == "members" and k[1] == i})


class ReviewTab(QWidget):
    """Score A, the indicators (computed, confirm/override with reason), final class, live banner."""

    COLUMNS = ("Chỉ số", "Giá trị tính được", "Xác nhận", "Lý do (khi khác giá trị tính)", "Còn thiếu")

    def __init__(self, editor, standard):
        super().__init__(editor)
        self.editor, self.standard = editor, standard
        lay = QVBoxLayout(self)
        self.banner_label = QLabel(self)
        self.banner_label.setObjectName("banner_label")
        self.banner_label.setWordWrap(True)
        self.banner_label.setMinimumHeight(44)
        self.banner_label.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.banner_label)
        self.review_form = Form(review_specs(), columns=6, parent=self)
        self.review_form.edited.connect(self.editor.edit)
        lay.addWidget(self.review_form)
        top = QHBoxLayout()
        self.confirm_button = QPushButton(_("Xác nhận các chỉ số theo giá trị tính được"), self)
        self.confirm_button.setObjectName("confirm_indicators_button")
        self.confirm_button.clicked.connect(self.editor.confirm_indicators)
        top.addWidget(self.confirm_button)
        top.addStretch(1)
        lay.addLayout(top)
        codes = standard.indicator_codes
        self.indicator_table = QTableWidget(len(codes), len(self.COLUMNS), self)
        self.indicator_table.setObjectName("indicator_table")
        self.indicator_table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.indicator_table.verticalHeader().setVisible(False)
        self.indicator_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.indicator_table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.indicator_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.indicator_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for c, w in enumerate((300, 140, 150, 260)):
            header.resizeSection(c, w)
        header.setStretchLastSection(True)
        self.final_combos: dict[str, QComboBox] = {}
        self.reason_edits: dict[str, QLineEdit] = {}
        for r, code in enumerate(codes):
            ind = standard.indicator_by_code[code]
            name = ind.label_en if language() == "en" else ind.label_vi
            self.indicator_table.setItem(r, 0, QTableWidgetItem(f"{code} - {name}"))
            combo = QComboBox()
            combo.setObjectName(f"final_{code}_combo")
            for value, label in ((None, _("Chưa xác nhận")), (DEPRIVED, _("Thiếu hụt")),
                                 (NOT_DEPRIVED, _("Không thiếu hụt"))):
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(
                lambda _i, c=code, w=combo: self.editor.edit(("review", "indicators", c, "final"), w.currentData()))
            edit = QLineEdit()
            edit.setObjectName(f"reason_{code}_edit")
            edit.textEdited.connect(lambda t, c=code: self.editor.edit(("review", "indicators", c, "reason"), t))
            self.indicator_table.setCellWidget(r, 2, combo)
            self.indicator_table.setCellWidget(r, 3, edit)
            self.final_combos[code], self.reason_edits[code] = combo, edit
        self.b1_panel = None
        if editor.points_table is not None:  # B1 answers beside the indicators when a table is loaded
            self.b1_panel = B1Panel(editor, *editor.points_table)
            for c, w in enumerate((230, 105, 125, 170)):
                header.resizeSection(c, w)
            split = QSplitter(Qt.Orientation.Horizontal, self)
            split.addWidget(self.indicator_table)
            split.addWidget(self.b1_panel)
            split.setSizes([760, 520])
            lay.addWidget(split, 1)
        else:
            lay.addWidget(self.indicator_table, 1)
        final = QHBoxLayout()
        final.addWidget(QLabel(_("Kết quả xác nhận (khác kết quả tính cần lý do):"), self))
        self.final_class_combo = QComboBox(self)
        self.final_class_combo.setObjectName("final_class_combo")
        self.final_class_combo.addItem(_("Theo kết quả tính"), None)
        for cls in CLASSES:
            self.final_class_combo.addItem(_(CLASS_LABELS["vi"][cls]), cls)
        self.final_class_combo.currentIndexChanged.connect(self._on_override_changed)
        self.override_reason_edit = QLineEdit(self)
        self.override_reason_edit.setObjectName("override_reason_edit")
        self.override_reason_edit.textEdited.connect(self._on_override_changed)
        final.addWidget(self.final_class_combo)
        final.addWidget(QLabel(_("Lý do:"), self))
        final.addWidget(self.override_reason_edit, 1)
        lay.addLayout(final)

    def _on_override_changed(self, *_args) -> None:
        self.editor.edit_override(self.final_class_combo.currentData(), self.override_reason_edit.text())

    def load(self, messages: dict) -> None:
        review = self.editor.state["review"]
        self.review_form.load(lambda p: review.get(p[-1]))
        self.review_form.show_errors({k: v for k, v in messages.items() if k[0] == "review"})
        for r, code in enumerate(self.standard.indicator_codes):
            v = review["indicators"].get(code) or {}
            computed = v.get("computed")
            item = QTableWidgetItem(_(VALUE_LABELS.get(computed, "")) if computed else "")
            self.indicator_table.setItem(r, 1, item)
            miss = QTableWidgetItem(v.get("missing") or "")
            miss.setToolTip(v.get("missing") or "")
            self.indicator_table.setItem(r, 4, miss)
            combo, edit = self.final_combos[code], self.reason_edits[code]
            _quiet(combo, "setCurrentIndex", max(combo.findData(v.get("final")), 0))
            if edit.text() != (v.get("reason") or ""):
                _quiet(edit, "setText", v.get("reason") or "")
            err = messages.get(("review", "indicators", code, "reason"))
            edit.setStyleSheet("border: 1px solid #b00020;" if err else "")
            edit.setToolTip(err or "")
        overridden = review.get("final_class") if review.get("override_reason") else None
        want = overridden if overridden else self.final_class_combo.currentData()
        if want not in CLASSES or (not overridden and want == review.get("computed_class")):
            want = None
        _quiet(self.final_class_combo, "setCurrentIndex", max(self.final_class_combo.findData(want), 0))
        if self.override_reason_edit.text() != (review.get("override_reason") or ""):
            self.override_reason_edit.setText(review.get("override_reason") or "")
        if self.b1_panel is not None:
            self.b1_panel.load(review, self.editor.state["housing"], messages)
        self.show_banner(review)

    def show_banner(self, review: dict) -> None:
        cls = review.get("final_class") or review.get("computed_class") or "PENDING"
        labels = CLASS_LABELS["en" if language() == "en" else "vi"]
        title = labels.get(cls, "")
        if review.get("final_class") and review.get("computed_class") not in (None, review.get("final_class")):
            title += " " + _("(đã điều chỉnh, kết quả tính: {cls})").format(
                cls=labels.get(review.get("computed_class"), ""))
        text = review.get("reasons_text") or self.editor.refusal or ""
        self.banner_label.setText(f"<b style='font-size:14pt'>{title}</b><br>{_html(text)}")
        self.banner_label.setStyleSheet(f"background: {BANNER_COLORS.get(cls, '#eeeeee')}; padding: 6px;")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CausesTab(QWidget):
    """Causes of poverty and support needs (multiple, with text where required), household groups."""

    def __init__(self, editor, codelists):
        super().__init__(editor)
        self.editor, self.cl = editor, codelists
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        self.cause_boxes, self.cause_edits = self._checks(left, _("Nguyên nhân nghèo"), "causes", "causes")
        self.need_boxes, self.need_edits = self._checks(left, _("Nhu cầu hỗ trợ"), "support_needs", "needs")
        self.causes_error_label = QLabel(self)
        self.causes_error_label.setStyleSheet("color: #b00020;")
        left.addWidget(self.causes_error_label)
        left.addStretch(1)
        lay.addLayout(left, 3)
        groups = QGroupBox(_("Nhóm đối tượng (tự tính từ danh sách thành viên; sửa cần lý do)"), self)
        grid = QGridLayout(groups)
        self.group_boxes, self.group_edits, self.group_derived = {}, {}, {}
        for r, item in enumerate(codelists.items("household_groups")):
            code = item["code"]
            box = QCheckBox(item["label_en" if language() == "en" else "label_vi"], groups)
            box.setObjectName(f"group_{code}_check")
            derived = QLabel(groups)
            edit = QLineEdit(groups)
            edit.setPlaceholderText(_("Lý do"))
            box.toggled.connect(lambda on, c=code: self.editor.edit_group(c, int(on), None))
            edit.textEdited.connect(lambda t, c=code: self.editor.edit_group(c, None, t))
            grid.addWidget(box, r, 0)
            grid.addWidget(derived, r, 1)
            grid.addWidget(edit, r, 2)
            self.group_boxes[code], self.group_edits[code], self.group_derived[code] = box, edit, derived
        grid.setRowStretch(len(self.group_boxes), 1)
        lay.addWidget(groups, 2)

    def _checks(self, lay, title: str, list_name: str, part: str):
        box = QGroupBox(title, self)
        grid = QGridLayout(box)
        boxes, edits = {}, {}
        for r, item in enumerate(self.cl.items(list_name)):
            code = item["code"]
            check = QCheckBox(item["label_en" if language() == "en" else "label_vi"], box)
            check.setObjectName(f"{part}_{code}_check")
            edit = QLineEdit(box)
            edit.setPlaceholderText(_("Ghi rõ") if item.get("requires_text") else _("Ghi chú"))
            check.toggled.connect(lambda on, c=code, e=edit: self.editor.edit_choice(part, c, on, e.text()))
            edit.textEdited.connect(lambda t, c=code, ch=check: ch.isChecked() and self.editor.edit_choice(
                part, c, True, t))
            grid.addWidget(check, r // 2, (r % 2) * 2)
            grid.addWidget(edit, r // 2, (r % 2) * 2 + 1)
            boxes[code], edits[code] = check, edit
        lay.addWidget(box)
        return boxes, edits

    def load(self, messages: dict) -> None:
        review = self.editor.state["review"]
        for part, boxes, edits in (("causes", self.cause_boxes, self.cause_edits),
                                   ("needs", self.need_boxes, self.need_edits)):
            chosen = review.get(part) or {}
            for code, box in boxes.items():
                _quiet(box, "setChecked", code in chosen)
                text = chosen.get(code, edits[code].text() if code not in chosen else "")
                if code in chosen and edits[code].text() != text:
                    _quiet(edits[code], "setText", text)
        errs = [v for k, v in messages.items() if k[:2] == ("review", "causes")]
        self.causes_error_label.setText("\n".join(errs))
        for code, box in self.group_boxes.items():
            g = (review.get("groups") or {}).get(code) or {}
            _quiet(box, "setChecked", bool(g.get("final")))
            derived = g.get("derived")
            self.group_derived[code].setText(_("Tự tính: ") + (_("Chưa rõ") if derived is None else
                                                               (_("Có") if derived else _("Không"))))
            if self.group_edits[code].text() != (g.get("reason") or ""):
                _quiet(self.group_edits[code], "setText", g.get("reason") or "")
