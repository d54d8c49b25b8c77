"""Merge conflicts: both versions side by side, field by field, with who and when; the officer keeps one
side per field or for the whole record; each decision is audited. Entry point: ``open_conflicts``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.export.sync import conflicts as conflicts_mod

# Vietnamese labels for the fields people usually disagree on; other fields show their column name.
FIELD_VI = {"household_no": "Số hộ", "address": "Địa chỉ", "phone": "Điện thoại", "status": "Tình trạng hộ",
            "note": "Ghi chú", "village_uid": "Thôn", "full_name": "Họ và tên", "sex": "Giới tính",
            "birth_date": "Ngày sinh", "ethnicity": "Dân tộc", "id_number": "Số CCCD",
            "relation_to_head": "Quan hệ với chủ hộ", "presence": "Tình trạng cư trú",
            "final_class": "Phân loại cuối cùng", "score_a_paper": "Điểm A (phiếu giấy)",
            "_indicators": "Các chỉ số thiếu hụt", "_causes": "Nguyên nhân nghèo", "_needs": "Nhu cầu hỗ trợ",
            "_groups": "Nhóm đối tượng", "name": "Tên", "target": "Mục tiêu đăng ký"}
COL_FIELD, COL_LOCAL, COL_INCOMING = 0, 1, 2


def _when(text: str) -> str:
    try:
        return dt.datetime.fromisoformat(text).strftime("%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return text or ""


def _show(value) -> str:
    return "" if value is None else str(value)


class ConflictView(QWidget):
    conflict_resolved = Signal(int)

    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._conflicts: list[conflicts_mod.Conflict] = []
        self.conflicts_list = QListWidget()
        self.who_label = QLabel()
        self.who_label.setWordWrap(True)
        self.fields_table = QTableWidget(0, 3)
        self.fields_table.setHorizontalHeaderLabels(["Trường", "Bản tại máy", "Bản nhập vào"])
        self.fields_table.verticalHeader().setVisible(False)
        self.fields_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.fields_table.horizontalHeader().setStretchLastSection(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Lý do quyết định (ghi vào nhật ký)")
        self.keep_local_button = QPushButton("Giữ toàn bộ bản tại máy")
        self.take_incoming_button = QPushButton("Lấy toàn bộ bản nhập vào")
        self.apply_button = QPushButton("Áp dụng lựa chọn từng trường")
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.who_label)
        right.addWidget(QLabel("Đánh dấu ô ở cột «Bản nhập vào» để lấy giá trị đó; các trường khác giữ bản tại máy."))
        right.addWidget(self.fields_table, 1)
        right.addWidget(self.reason_edit)
        buttons = QHBoxLayout()
        for b in (self.keep_local_button, self.take_incoming_button, self.apply_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        right.addWidget(self.message_label)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(QLabel("Xung đột chờ quyết định:"))
        left.addWidget(self.conflicts_list, 1)
        layout.addLayout(left, 1)
        layout.addLayout(right, 2)
        self.conflicts_list.currentRowChanged.connect(self._on_conflicts_list_current_row_changed)
        self.keep_local_button.clicked.connect(lambda: self._decide(conflicts_mod.LOCAL))
        self.take_incoming_button.clicked.connect(lambda: self._decide(conflicts_mod.INCOMING))
        self.apply_button.clicked.connect(lambda: self._decide(self.field_choices()))
        self.refresh()

    def _with_db(self, fn):
        from bkdesk.model.store.db import open_db

        conn = open_db(self.db_path)
        try:
            return fn(conn)
        finally:
            conn.close()

    def refresh(self) -> None:
        self._conflicts = self._with_db(conflicts_mod.list_open)
        self.conflicts_list.clear()
        for c in self._conflicts:
            self.conflicts_list.addItem(QListWidgetItem(f"#{c.id} {c.label}"))
        has = bool(self._conflicts)
        for b in (self.keep_local_button, self.take_incoming_button, self.apply_button):
            b.setEnabled(has)
        if has:
            self.conflicts_list.setCurrentRow(0)
        else:
            self.fields_table.setRowCount(0)
            self.who_label.setText("Không còn xung đột nào chờ quyết định.")

    def current(self) -> conflicts_mod.Conflict | None:
        row = self.conflicts_list.currentRow()
        return self._conflicts[row] if 0 <= row < len(self._conflicts) else None

    def _on_conflicts_list_current_row_changed(self, row: int) -> None:
        c = self.current()
        if c is None:
            return
        (lu, lt), (iu, it) = c.who(conflicts_mod.LOCAL), c.who(conflicts_mod.INCOMING)
        self.who_label.setText(f"Bản tại máy: {lu or 'không rõ'}, sửa lúc {_when(lt)}.\n"
                               f"Bản nhập vào: {iu or 'không rõ'}, sửa lúc {_when(it)}.")
        fields = c.fields()
        self.fields_table.setRowCount(len(fields))
        for r, f in enumerate(fields):
            name = QTableWidgetItem(FIELD_VI.get(f.field, f.field))
            name.setData(Qt.ItemDataRole.UserRole, f.field)
            self.fields_table.setItem(r, COL_FIELD, name)
            self.fields_table.setItem(r, COL_LOCAL, QTableWidgetItem(_show(f.local)))
            incoming = QTableWidgetItem(_show(f.incoming))
            incoming.setFlags(incoming.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            incoming.setCheckState(Qt.CheckState.Unchecked)
            self.fields_table.setItem(r, COL_INCOMING, incoming)
        self.fields_table.resizeColumnToContents(COL_FIELD)

    def field_choices(self) -> dict[str, str]:
        out = {}
        for r in range(self.fields_table.rowCount()):
            field = self.fields_table.item(r, COL_FIELD).data(Qt.ItemDataRole.UserRole)
            checked = self.fields_table.item(r, COL_INCOMING).checkState() == Qt.CheckState.Checked
            out[field] = conflicts_mod.INCOMING if checked else conflicts_mod.LOCAL
        return out

    def set_choice(self, field: str, side: str) -> None:
        for r in range(self.fields_table.rowCount()):
            if self.fields_table.item(r, COL_FIELD).data(Qt.ItemDataRole.UserRole) == field:
                state = Qt.CheckState.Checked if side == conflicts_mod.INCOMING else Qt.CheckState.Unchecked
                self.fields_table.item(r, COL_INCOMING).setCheckState(state)

    def _decide(self, choices) -> None:
        c = self.current()
        if c is None:
            return
        from bkdesk.model.store import settings

        def work(conn):
            return conflicts_mod.resolve(conn, c.id, choices, user=settings.officer(conn),
                                         reason=self.reason_edit.text().strip())
        try:
            self._with_db(work)
        except UserError as exc:
            self.message_label.setText(f"Lỗi: {exc}")
            return
        self.message_label.setText(f"Đã giải quyết xung đột #{c.id}; quyết định đã ghi vào nhật ký.")
        self.reason_edit.clear()
        self.conflict_resolved.emit(c.id)
        self.refresh()


def open_conflicts(parent: QWidget | None, db_path: str | Path) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("Xung đột dữ liệu sau khi tổng hợp")
    dlg.resize(1000, 560)
    layout = QVBoxLayout(dlg)
    dlg.view = ConflictView(db_path, dlg)
    layout.addWidget(dlg.view)
    close = QPushButton("Đóng")
    close.clicked.connect(dlg.close)
    layout.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)
    dlg.show()
    return dlg
