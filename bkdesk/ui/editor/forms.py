"""Forms built in code from a declarative field spec (STYLE.md 6), with inline Vietnamese errors.

A ``FieldSpec`` names the state path it edits; ``Form`` builds the widgets into a grid, reports every
user edit as ``edited(path, value)`` and shows the model's ``FieldError`` messages under each field.
Values: text as typed (NFC on save), dates dd/mm/yyyy on screen and ISO in the state, numbers with a
comma or a dot, yes/no as 1/0/None, pick-lists as codes, multi-choice as "code,code".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bkdesk.model.review.household_edit import YEAR_MAX, YEAR_MIN
from bkdesk.model.rules.fmt import DateNotExistError, dmy, parse_dmy
from bkdesk.ui.i18n import _

ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5a00;"
FIELD_HEIGHT = 24


@dataclass(frozen=True)
class FieldSpec:
    path: tuple  # state path, e.g. ("housing", "floor_area_m2"); members use ("members", None, key)
    label: str  # Vietnamese (translated with _() when shown)
    kind: str = "text"  # text | int | float | date | year | choice | yesno | multi
    choices: Callable[[], list[tuple[str, str]]] | None = None
    required: bool = False
    name: str = ""  # widget object name: <field>_<kind> (STYLE.md 13)
    placeholder: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.path[-1]


class ParseError(ValueError):
    pass


def parse_value(spec: FieldSpec, text: str):
    """Screen text -> state value; raises ParseError with a Vietnamese message."""
    text = (text or "").strip()
    if spec.kind == "text":
        return text
    if text == "":
        return None
    if spec.kind == "year":
        if not (len(text) == 4 and text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX):
            raise ParseError(_("Năm phải có 4 chữ số, từ {lo} đến {hi}.").format(lo=YEAR_MIN, hi=YEAR_MAX))
        return int(text)
    if spec.kind == "int":
        if not text.lstrip("-").isdigit():
            raise ParseError(_("Phải là số nguyên."))
        return int(text)
    if spec.kind == "float":
        try:
            return float(text.replace(".", "").replace(",", ".") if "," in text else text)
        except ValueError:
            raise ParseError(_("Phải là một số (ví dụ 35,5).")) from None
    if spec.kind == "date":
        if len(text) == 4 and text.isdigit() and spec.extra.get("year_ok"):
            if not YEAR_MIN - 150 <= int(text) <= YEAR_MAX:
                raise ParseError(_("Năm sinh phải có 4 chữ số, từ {lo} đến {hi}.").format(lo=YEAR_MIN - 150,
                                                                                        hi=YEAR_MAX))
            return text
        try:
            return parse_dmy(text).isoformat()
        except DateNotExistError:
            raise ParseError(_("Ngày không tồn tại ({text}).").format(text=text)) from None
        except ValueError:
            raise ParseError(_("Ngày phải có dạng dd/mm/yyyy.")) from None
    return text


def format_value(spec: FieldSpec, value) -> str:
    if value is None:
        return ""
    if spec.kind == "date" and isinstance(value, str):
        return dmy(value)
    if spec.kind == "float" and isinstance(value, int | float):
        return f"{value:g}".replace(".", ",")
    return str(value)


class _Field(QObject):
    """One spec'd field: its editor widget, its inline error label, and value conversion."""

    changed = Signal(tuple, object)

    def __init__(self, spec: FieldSpec, parent: QWidget):
        super().__init__(parent)
        self.spec = spec
        self.parse_error = ""
        self._model_text, self._model_warning = "", False  # the record's own finding on this field
        self._shown_warning = False
        self.widget = self._make(parent)
        self.widget.setObjectName(spec.name or f"{spec.key}_{self._kind_name()}")
        self.widget.setMinimumHeight(FIELD_HEIGHT)
        self.error_label = QLabel(parent)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setObjectName(f"{spec.key}_error_label")
        self.error_label.hide()

    def _kind_name(self) -> str:
        return {"choice": "combo", "yesno": "combo", "multi": "checks"}.get(self.spec.kind, "edit")

    def _make(self, parent: QWidget) -> QWidget:
        s = self.spec
        if s.kind in ("choice", "yesno"):
            w = QComboBox(parent)
            items = [("", "")] + ([("1", _("Có")), ("0", _("Không"))] if s.kind == "yesno" else s.choices())
            for code, label in items:
                w.addItem(label, code)
            w.currentIndexChanged.connect(lambda _i: self._emit())
            return w
        if s.kind == "multi":
            w = QWidget(parent)
            lay = QHBoxLayout(w)
            lay.setContentsMargins(0, 0, 0, 0)
            self.checks = []
            for code, label in s.choices():
                box = QCheckBox(label, w)
                box.setProperty("code", code)
                box.toggled.connect(lambda _c: self._emit())
                lay.addWidget(box)
                self.checks.append(box)
            lay.addStretch(1)
            return w
        w = QLineEdit(parent)
        if s.placeholder:
            w.setPlaceholderText(_(s.placeholder))
        elif s.kind == "date":
            w.setPlaceholderText("dd/mm/yyyy")
        w.textEdited.connect(lambda _t: self._emit())
        return w

    def value(self):
        s = self.spec
        if s.kind == "choice":
            return self.widget.currentData() or None
        if s.kind == "yesno":
            code = self.widget.currentData()
            return None if not code else int(code)
        if s.kind == "multi":
            return ",".join(b.property("code") for b in self.checks if b.isChecked())
        return parse_value(s, self.widget.text())

    def set_value(self, value) -> None:
        s = self.spec
        self.widget.blockSignals(True)
        try:
            if s.kind in ("choice", "yesno"):
                code = "" if value is None else str(value)
                i = self.widget.findData(code)
                self.widget.setCurrentIndex(max(i, 0))
            elif s.kind == "multi":
                chosen = set((value or "").split(","))
                for b in self.checks:
                    b.blockSignals(True)
                    b.setChecked(b.property("code") in chosen)
                    b.blockSignals(False)
            else:
                if self.parse_error and value is None:
                    return  # keep the officer's unparsable text on screen
                text = format_value(s, value)
                if self.widget.text() != text:
                    self.widget.setText(text)
        finally:
            self.widget.blockSignals(False)

    def _emit(self) -> None:
        try:
            value = self.value()
            self.parse_error = ""
        except ParseError as exc:
            value, self.parse_error = None, str(exc)
        self.show_error(self._model_text, self._model_warning)  # typed text judged at once, valid or not
        self.changed.emit(self.spec.path, value)

    def show_error(self, text: str, warning: bool = False) -> None:
        self._model_text, self._model_warning = text, warning
        warning = warning and not self.parse_error
        text = self.parse_error or text
        if warning != self._shown_warning:  # a style sheet change costs ~0.1 ms per label: only on change
            self.error_label.setStyleSheet(WARNING_STYLE if warning else ERROR_STYLE)
            self._shown_warning = warning
        if self.error_label.text() != text:
            self.error_label.setText(text)
        self.error_label.setVisible(bool(text))


class Form(QWidget):
    """A grid of spec'd fields (label above editor, ``columns`` fields per row)."""

    edited = Signal(tuple, object)

    def __init__(self, specs: list[FieldSpec], columns: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[tuple, _Field] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for i, spec in enumerate(specs):
            f = _Field(spec, self)
            f.changed.connect(self.edited)
            self.fields[spec.path] = f
            label = QLabel(_(spec.label) + (" *" if spec.required else ""), self)
            label.setBuddy(f.widget)
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(label)
            box.addWidget(f.widget)
            box.addWidget(f.error_label)
            grid.addLayout(box, i // columns, i % columns)
        for c in range(columns):
            grid.setColumnStretch(c, 1)
        grid.setRowStretch(len(specs) // columns + 1, 1)

    def widget(self, key: str) -> QWidget:
        return next(f.widget for p, f in self.fields.items() if p[-1] == key)

    def load(self, get: Callable[[tuple], object]) -> None:
        for path, f in self.fields.items():
            f.set_value(get(path))

    def field_widget(self, path: tuple) -> QWidget | None:
        f = self.fields.get(path)
        return f.widget if f is not None else None

    def show_errors(self, messages: dict[tuple, str], warnings: set[tuple] | frozenset = frozenset()) -> None:
        for path, f in self.fields.items():
            f.show_error(messages.get(path, ""), path in warnings)

    def set_disabled(self, paths: set[tuple]) -> None:
        """Grey out the fields that do not apply now (by age, by status)."""
        for path, f in self.fields.items():
            f.widget.setEnabled(path not in paths)

    def clear_parse_errors(self) -> None:
        """Forget unparsable text (undo/redo put the record's value back on screen)."""
        for f in self.fields.values():
            f.parse_error = ""

    def parse_errors(self) -> list[str]:
        return [f"{_(f.spec.label)}: {f.parse_error}" for f in self.fields.values() if f.parse_error]
