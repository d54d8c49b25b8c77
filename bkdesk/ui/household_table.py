"""The household table: an id-list model (uids from SQL, row data fetched lazily per visible page).

The columns are data: one ``Column`` per column (key, header, alignment, sort key, width, how a row is shown
and what its tooltip says). The model never holds a database handle: it asks the desk context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, Qt

from bkdesk.model.review.household_edit import STATUS_LABELS
from bkdesk.model.rules.classify import CLASS_LABELS
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.ui.i18n import _, language

PAGE = 100
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _num(x) -> str:
    if x is None:
        return ""
    if float(x).is_integer():
        return fmt_int(int(x))
    whole, _sep, frac = f"{x:.1f}".partition(".")
    return f"{fmt_int(int(whole))},{frac}"


def _class_text(d: dict, _table) -> str:
    cls = d.get("final_class") or d.get("computed_class")
    return CLASS_LABELS["en" if language() == "en" else "vi"].get(cls, "") if cls else ""


def _exit_text(d: dict, _table) -> str:
    return {"thoat_ngheo": _("Thoát nghèo"), "thoat_can_ngheo": _("Thoát cận nghèo")}.get(d.get("exit_target"), "")


def _status_text(d: dict, _table) -> str:
    status = d.get("record_status") or "draft"
    text = _(STATUS_LABELS.get(status, STATUS_LABELS["draft"]))
    if status == "draft" and not d.get("complete"):
        text += " " + _("(chưa đủ)")
    return text


def _status_tip(d: dict, _table) -> str:
    return _("Hồ sơ đủ thông tin") if d.get("complete") else _("Hồ sơ chưa đủ thông tin (chưa hoàn thành)")


def _cause_names(d: dict, table) -> str:
    return "; ".join(table.cause_label(c) for c in d.get("causes") or [])


def _cause_codes(d: dict, _table) -> str:
    codes = d.get("causes") or []
    return (_("Mã nguyên nhân: ") + ", ".join(codes)) if codes else ""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese header, translated when shown
    display: Callable[[dict, HouseholdTableModel], str]
    width: int
    sort: str | None = None  # sort key of repo_desk.SORTS; None = not sortable
    align: int | None = None
    tooltip: Callable[[dict, HouseholdTableModel], str] | None = None
    hint: str = ""  # the header's tooltip when the header is a short form


def _field(name: str, num: bool = False):
    return (lambda d, _t: _num(d.get(name))) if num else (lambda d, _t: d.get(name) or "")


# Widths fit the table beside the village tree at 1366x768 with every header readable (bold, sort arrow);
# the causes column takes the rest. The window widens a column whose header needs more in another font.
COLUMNS: tuple[Column, ...] = (
    Column("household_no", "Mã hộ", _field("household_no"), 75, "household_no"),
    Column("head", "Chủ hộ", _field("head_name"), 145, "head"),
    Column("village", "Thôn", _field("village"), 95, "village"),
    Column("members", "Số người", _field("members", True), 90, "members", RIGHT),
    Column("class", "Phân loại", _class_text, 118, "class"),
    Column("score_a", "Điểm A", _field("score_a", True), 80, "score_a", RIGHT),
    Column("d", "Số thiếu hụt", _field("d", True), 112, "d", RIGHT, None, "Số chỉ số thiếu hụt (D)"),
    Column("status", "Trạng thái", _status_text, 128, "status", None, _status_tip),
    Column("exit", "Đăng ký thoát", _exit_text, 115, None, None, None, "Đăng ký thoát nghèo"),
    Column("causes", "Nguyên nhân nghèo", _cause_names, 170, None, None, _cause_codes),
)
HEADER_PADDING, SORT_ARROW = 16, 16


class HouseholdTableModel(QAbstractTableModel):
    COLUMNS = COLUMNS

    def __init__(self, desk, parent=None, cause_labels: dict[str, str] | None = None):
        super().__init__(parent)
        self.desk = desk
        self.filter = desk.desk_filter()
        self.cause_labels = cause_labels or {}
        self.sort_key, self.descending = "household_no", False
        self.uids: list[str] = []
        self._cache: dict[str, dict] = {}

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.COLUMNS) if c.key == key)

    def cause_label(self, code: str) -> str:
        return self.cause_labels.get(code, code)

    def refresh(self) -> None:
        """Re-run the SQL query for the current filter and sort (one id list, no row data)."""
        self.beginResetModel()
        self.uids = self.desk.household_uids(self.filter, self.sort_key, self.descending)
        self._cache.clear()
        self.endResetModel()

    def refresh_row(self, uid: str) -> None:
        """One household was saved: when it still matches the filter and sorts between the same neighbours
        (or still does not match), the id list is unchanged and only its row is re-read; else a full refresh.
        Re-reading 81,480 ids took ~100 ms of every save."""
        try:
            row = self.uids.index(uid)
        except ValueError:
            row = None
        near = [uid] if row is None else self.uids[max(0, row - 1):row + 2]
        check = dataclasses.replace(self.filter, only_uids=tuple(near))
        found = self.desk.household_uids(check, self.sort_key, self.descending)
        if found != ([] if row is None else near):
            self.refresh()
            return
        if row is not None:
            self._cache.pop(uid, None)
            self._cache.update(self.desk.row_data([uid]))
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def rowCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.uids)

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            col = self.COLUMNS[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return _(col.label)
            if role == Qt.ItemDataRole.ToolTipRole:
                return _(col.hint or col.label)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        key = self.COLUMNS[column].sort if 0 <= column < len(self.COLUMNS) else None
        if key is None:
            return
        self.sort_key, self.descending = key, order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def _row(self, r: int) -> dict:
        uid = self.uids[r]
        if uid not in self._cache:
            start = (r // PAGE) * PAGE
            page = self.uids[start:start + PAGE]
            if len(self._cache) > 20 * PAGE:
                self._cache.clear()
            self._cache.update(self.desk.row_data(page))
        return self._cache.get(uid, {})

    def uid_at(self, r: int) -> str | None:
        return self.uids[r] if 0 <= r < len(self.uids) else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return col.align
        if role == Qt.ItemDataRole.DisplayRole:
            return col.display(self._row(index.row()), self)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(self._row(index.row()), self) or None
        return None
