"""B1 answers on the Rà soát tab, shown only when a points table is loaded for the review's
(standard, region, area): a form built from the table's questions, the score A computed from it next
to the paper total, and the officer's choice of the final A (with a reason when it differs).

Answers live in ``review.b1_answers`` (JSON: code -> option code | [codes] | number); the review service
computes A (``points_table.compute_score_a``) and fills unanswered derived questions from the roster.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bkdesk.model.review.review_service import with_derived_answers
from bkdesk.ui.editor.forms import ERROR_STYLE, FieldSpec, Form, format_value
from bkdesk.ui.i18n import _

KINDS = {"single": "choice", "boolean": "choice", "multi": "multi", "count": "int", "numeric": "float"}
DERIVED_LABELS = {"member_count": "tự động: số nhân khẩu", "floor_area_m2": "tự động: diện tích nhà ở"}
SOURCES = (("paper_total", "Tổng điểm trên phiếu giấy"), ("computed", "Điểm tính từ bảng B1"))


def _options(q: dict):
    return lambda: [(o["code"], o.get("label_vi") or o["code"]) for o in q.get("options") or []]


def b1_specs(table: dict) -> list[FieldSpec]:
    """One field per question, in the table's order; labels are the table's own Vietnamese text."""
    specs = []
    for q in sorted(table["questions"], key=lambda q: q["order"]):
        label = f"{q['code']}. {q['label_vi']}" + (f" ({q['unit_vi']})" if q.get("unit_vi") else "")
        if q.get("derived_from") in DERIVED_LABELS:
            label += f" [{_(DERIVED_LABELS[q['derived_from']])}]"
        kind = KINDS[q["type"]]
        specs.append(FieldSpec(("b1", q["code"]), label, kind, _options(q) if kind in ("choice", "multi") else None,
                               bool(q.get("required")), name=f"b1_{q['code']}_{'combo' if kind == 'choice' else 'edit'}"))
    return specs


def _num(value) -> str:
    return "—" if value is None else format_value(FieldSpec(("x",), "", "float"), value)


class B1Panel(QGroupBox):
    """The B1 questions and the score-A choice; edits go to ``editor.edit_b1`` / ``editor.edit``."""

    def __init__(self, editor, table_uid: str, table: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.editor, self.table_uid, self.table = editor, table_uid, table
        self.setObjectName("b1_box")
        self.setTitle(_("Phiếu B1 theo bảng điểm {version} ({region})").format(
            version=table.get("version", ""), region=table.get("region_name_vi") or table.get("region_code", "")))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        grid = QGridLayout()
        self.computed_label = QLabel(self)
        self.computed_label.setObjectName("score_a_computed_label")
        self.paper_label = QLabel(self)
        self.paper_label.setObjectName("score_a_paper_label")
        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("score_a_source_combo")
        self.source_combo.addItem(_("Chưa chọn"), None)
        for code, label in SOURCES:
            self.source_combo.addItem(_(label), code)
        self.source_combo.currentIndexChanged.connect(
            lambda _i: self.editor.edit(("review", "score_a_source"), self.source_combo.currentData()))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("score_a_reason_edit")
        self.reason_edit.setPlaceholderText(_("Bắt buộc khi điểm A dùng khác điểm tính từ bảng"))
        self.reason_edit.textEdited.connect(lambda t: self.editor.edit(("review", "score_a_reason"), t))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("b1_error_label")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        grid.addWidget(QLabel(_("Điểm A tính từ bảng:"), self), 0, 0)
        grid.addWidget(self.computed_label, 0, 1)
        grid.addWidget(QLabel(_("Điểm A trên phiếu giấy:"), self), 0, 2)
        grid.addWidget(self.paper_label, 0, 3)
        grid.addWidget(QLabel(_("Điểm A dùng để xếp loại:"), self), 1, 0)
        grid.addWidget(self.source_combo, 1, 1, 1, 3)
        grid.addWidget(QLabel(_("Lý do:"), self), 2, 0)
        grid.addWidget(self.reason_edit, 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        lay.addLayout(grid)
        lay.addWidget(self.error_label)
        self.form = Form(b1_specs(table), columns=1)
        self.form.edited.connect(lambda path, value: self.editor.edit_b1(self.table_uid, path[-1], value))
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        lay.addWidget(scroll, 1)

    def answers(self, review: dict) -> dict:
        try:
            return json.loads(review.get("b1_answers") or "{}")
        except ValueError:
            return {}

    def load(self, review: dict, housing: dict, messages: dict) -> None:
        shown = with_derived_answers(self.table, self.answers(review), review.get("members_count"),
                                     housing.get("floor_area_m2"))
        self.form.load(lambda p: ",".join(shown[p[-1]]) if isinstance(shown.get(p[-1]), list) else shown.get(p[-1]))
        self.computed_label.setText(f"<b>{_num(review.get('score_a_computed'))}</b>")
        self.paper_label.setText(_num(review.get("score_a_paper")))
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(review.get("score_a_source")), 0))
        self.source_combo.blockSignals(False)
        if self.reason_edit.text() != (review.get("score_a_reason") or ""):
            self.reason_edit.setText(review.get("score_a_reason") or "")
        reason_error = messages.get(("review", "score_a_reason"), "")
        self.reason_edit.setStyleSheet("border: 1px solid #b00020;" if reason_error else "")
        self.reason_edit.setToolTip(reason_error)
        text = [m for m in (messages.get(("review", "b1_answers")), reason_error) if m]
        if review.get("b1_answers") and review.get("score_a_computed") is None and not text:
            text.append(_("Chưa trả lời đủ các câu bắt buộc (*) nên chưa tính được điểm A."))
        self.error_label.setText("\n".join(text))
        self.error_label.setVisible(bool(text))


def answer_value(q_type: str, value):
    """Form value -> stored answer (multi: list of codes); None or empty means unanswered."""
    if q_type == "multi":  # an untouched multi question stays unanswered; unticking all answers "none"
        return [c for c in (value or "").split(",") if c]
    return None if value in ("", None) else value
