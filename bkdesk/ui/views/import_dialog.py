"""Tệp > Nhập từ Excel: households and members from the template or from an existing list.

The person picks a file; the first rows are shown; a list that is not the template gets a column
mapping (suggested from its header names, or the one saved for files of the same shape) that the person
can change. "Kiểm tra" validates without writing; "Nhập" imports (in the background, with progress and
cancel). Rejected rows are listed with Sheet, Dòng, Cột, Giá trị, Lý do and can be saved as xlsx.
The same functions as `bkdesk import` do the work. Entry point: ``open_import_dialog(parent, db_path)``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.export.inputs import mapping as mp
from bkdesk.export.inputs.list_import import REPORT_COLUMNS
from bkdesk.ui.jobs import run_in_background

SKIP = "(bỏ qua)"
STATUS_CHOICES = [("", "(theo cột trong tệp, nếu có)"), ("POOR", "Hộ nghèo"), ("NEAR_POOR", "Hộ cận nghèo")]


def _with_conn(db_path: Path, fn):
    from bkdesk.model.store.db import open_db

    conn = open_db(db_path)  # one short-lived connection per call / thread
    try:
        return fn(conn)
    finally:
        conn.close()


def _import_job(db_path: Path, path: Path, year: int, valid_only: bool, mapping, sheets, dry_run: bool):
    def fn(control):
        from bkdesk.export.inputs.list_import import current_user, run_import

        return _with_conn(db_path, lambda conn: run_import(
            conn, path, year, current_user(conn), valid_only=valid_only, mapping=mapping, control=control,
            dry_run=dry_run, sheets=sheets))
    return fn


class ImportDialog(QDialog):
    import_finished = Signal(object)  # ImportResult
    file_opened = Signal(bool)  # the chosen file was read (True) or refused (False)

    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.view = None  # FileView of the chosen file
        self.result = None
        self.job = None
        self._dry_run = False
        self.setWindowTitle("Nhập từ Excel")
        self.resize(1100, 700)
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText("Chọn tệp Excel (.xlsx): mẫu nhập liệu của bkdesk hoặc danh sách có sẵn")
        self.choose_button = QPushButton("Chọn tệp…")
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(self._default_year())
        self.valid_only_check = QCheckBox("Chỉ nhập các hộ hợp lệ (bỏ qua hộ có lỗi)")
        self.kind_label = QLabel("")
        self.kind_label.setWordWrap(True)
        self.preview_table = QTableWidget(0, 0)
        self.preview_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels(["Cột trong tệp", "Là thông tin"])
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.status_combo = QComboBox()
        for code, label in STATUS_CHOICES:
            self.status_combo.addItem(label, code)
        self.mapping_box = QWidget()
        mbox = QVBoxLayout(self.mapping_box)
        mbox.setContentsMargins(0, 0, 0, 0)
        mbox.addWidget(QLabel("Ghép cột (tệp không theo mẫu): chọn mỗi cột là thông tin gì."))
        mbox.addWidget(self.mapping_table, 1)
        form = QFormLayout()
        form.addRow("Tình trạng đầu kỳ của mọi hộ trong danh sách:", self.status_combo)
        mbox.addLayout(form)
        self.check_button = QPushButton("Kiểm tra")
        self.import_button = QPushButton("Nhập")
        self.save_report_button = QPushButton("Lưu báo cáo ra Excel…")
        self.close_button = QPushButton("Đóng")
        for b in (self.check_button, self.import_button, self.save_report_button):
            b.setEnabled(False)
        self.status_label = QLabel("Chọn tệp để bắt đầu.")
        self.status_label.setWordWrap(True)
        self.report_table = QTableWidget(0, len(REPORT_COLUMNS))
        self.report_table.setHorizontalHeaderLabels(list(REPORT_COLUMNS))
        self.report_table.verticalHeader().setVisible(False)
        self.report_table.horizontalHeader().setStretchLastSection(True)
        self.report_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        top = QHBoxLayout()
        top.addWidget(QLabel("Tệp:"))
        top.addWidget(self.file_edit, 1)
        top.addWidget(self.choose_button)
        top.addWidget(QLabel("Năm rà soát:"))
        top.addWidget(self.year_spin)
        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Các dòng đầu của tệp:"))
        left.addWidget(self.preview_table, 1)
        middle.addLayout(left, 3)
        middle.addWidget(self.mapping_box, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.valid_only_check)
        buttons.addStretch(1)
        for b in (self.check_button, self.import_button, self.save_report_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.kind_label)
        layout.addLayout(middle, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel("Dòng bị từ chối, hộ có thể trùng, phiếu nhập dạng bản nháp chưa hoàn thành:"))
        layout.addWidget(self.report_table, 2)
        self.mapping_box.setVisible(False)
        self.choose_button.clicked.connect(self._on_choose_clicked)
        self.check_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.save_report_button.clicked.connect(self._on_save_report_clicked)
        self.close_button.clicked.connect(self.close)

    def _default_year(self) -> int:
        from bkdesk.model.store import settings

        try:
            year = _with_conn(self.db_path, lambda c: settings.get(c, settings.REVIEW_YEAR))
        except UserError:
            year = None
        return int(year) if year and str(year).isdigit() else dt.date.today().year

    # the file ------------------------------------------------------------------------------------------
    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp Excel", "", "Tệp Excel (*.xlsx)")
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> None:
        """Read the file in the background (guard + reader child); ``file_opened`` tells when it is shown."""
        if self.job is not None:
            return
        path = Path(path)
        for b in (self.check_button, self.import_button, self.choose_button):
            b.setEnabled(False)
        self.status_label.setText(f"Đang đọc tệp {path.name}…")

        def fn(control):
            from bkdesk.export.inputs.list_import import describe_file

            return _with_conn(self.db_path, lambda conn: describe_file(conn, path))

        self.job = run_in_background(fn, lambda view: self._on_file_read(path, view), self._on_file_failed,
                                     parent=self, title="Đang đọc tệp…", on_cancel=self._on_file_failed)

    def _on_file_read(self, path: Path, view) -> None:
        self.job = None
        self.choose_button.setEnabled(True)
        self.view, self.result = view, None
        self.file_edit.setText(str(path))
        self._show_preview()
        self._show_mapping()
        self.report_table.setRowCount(0)
        self.save_report_button.setEnabled(False)
        for b in (self.check_button, self.import_button):
            b.setEnabled(True)
        self.status_label.setText("Bấm «Kiểm tra» để xem các dòng có lỗi, hoặc «Nhập» để nhập.")
        self.file_opened.emit(True)

    def _on_file_failed(self, message: str = "Đã hủy.", _trace: str = "") -> None:
        self.job = None
        self.view = None
        self.choose_button.setEnabled(True)
        self.status_label.setText(message)
        for b in (self.check_button, self.import_button):
            b.setEnabled(False)
        self.file_opened.emit(False)

    def _show_preview(self) -> None:
        rows = self.view.preview()
        width = max((len(r) for r in rows), default=0)
        self.preview_table.setColumnCount(width)
        self.preview_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.preview_table.setItem(r, c, QTableWidgetItem(value))
        self.preview_table.setVerticalHeaderLabels([str(i + 1) for i in range(len(rows))])

    def _show_mapping(self) -> None:
        view = self.view
        if view.is_template:
            self.mapping_box.setVisible(False)
            self.kind_label.setText("Tệp theo mẫu nhập liệu của bkdesk: các cột được nhận ra theo mã cột (dòng 1).")
            return
        m = view.mapping
        self.kind_label.setText(
            f"Tệp không theo mẫu: trang «{m.sheet}», tiêu đề ở dòng {m.header_row}. "
            + ("Dùng cách ghép cột đã lưu cho tệp cùng dạng." if view.saved else "Cách ghép cột được gợi ý từ tên cột; "
               "hãy kiểm tra lại.") + " Danh sách năm trước (hộ nghèo, cận nghèo) đặt tình trạng đầu kỳ cho đợt này.")
        rows = view.sheets.get(m.sheet, [])
        header = [str(c).strip() for c in (rows[m.header_row - 1] if len(rows) >= m.header_row else [])
                  if c not in (None, "")]
        self.mapping_table.setRowCount(len(header))
        for r, h in enumerate(header):
            self.mapping_table.setItem(r, 0, QTableWidgetItem(h))
            combo = QComboBox()
            combo.addItem(SKIP, "")
            for key, label in mp.LABELS.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(max(combo.findData(m.columns.get(h, "")), 0))
            self.mapping_table.setCellWidget(r, 1, combo)
        self.mapping_table.resizeColumnsToContents()
        self.status_combo.setCurrentIndex(max(self.status_combo.findData(m.constants.get("start_status", "")), 0))
        self.mapping_box.setVisible(True)

    def mapping(self) -> mp.Mapping | None:
        """The mapping as the person set it (None for the template)."""
        if self.view is None or self.view.is_template:
            return None
        m = self.view.mapping
        columns = {}
        for r in range(self.mapping_table.rowCount()):
            key = self.mapping_table.cellWidget(r, 1).currentData()
            if key:
                columns[self.mapping_table.item(r, 0).text()] = key
        status = self.status_combo.currentData()
        return mp.mapping_from_json({"sheet": m.sheet, "header_row": m.header_row, "columns": columns,
                                     "constants": {"start_status": status} if status else {}})

    def set_column_key(self, header: str, key: str) -> None:
        """Choose what one column is (as a person does with the drop-down)."""
        for r in range(self.mapping_table.rowCount()):
            if self.mapping_table.item(r, 0).text() == header:
                combo = self.mapping_table.cellWidget(r, 1)
                combo.setCurrentIndex(combo.findData(key))

    # check / import --------------------------------------------------------------------------------------
    def start(self, dry_run: bool) -> None:
        if self.view is None or self.job is not None:
            return
        try:
            mapping = self.mapping()
        except UserError as exc:
            self.status_label.setText(str(exc))
            return
        for b in (self.check_button, self.import_button):
            b.setEnabled(False)
        self._dry_run = dry_run
        self.status_label.setText("Đang kiểm tra…" if dry_run else "Đang nhập…")
        fn = _import_job(self.db_path, Path(self.file_edit.text()), self.year_spin.value(),
                         self.valid_only_check.isChecked(), mapping, self.view.sheets, dry_run)
        self.job = run_in_background(fn, self._on_done, self._on_failed, parent=self,
                                     title="Đang kiểm tra tệp…" if dry_run else "Đang nhập từ Excel…",
                                     on_cancel=self._on_cancelled)

    def _finish(self, text: str) -> None:
        self.job = None
        self.status_label.setText(text)
        for b in (self.check_button, self.import_button):
            b.setEnabled(self.view is not None)

    def _on_done(self, result) -> None:
        self.result = result
        lines = [(i, "") for i in result.issues] + [(i, "") for i in result.duplicates] + [
            (i, "Bản nháp chưa hoàn thành: ") for i in result.drafts]
        self.report_table.setRowCount(len(lines))
        for r, (i, prefix) in enumerate(lines):
            for c, value in enumerate((i.sheet, str(i.row), i.column, i.value, prefix + i.reason)):
                self.report_table.setItem(r, c, QTableWidgetItem(value))
        self.report_table.resizeColumnsToContents()
        self.save_report_button.setEnabled(True)
        if result.written:
            head = "Đã nhập; các phiếu ở trạng thái bản nháp, cần xác nhận."
        elif self._dry_run:
            head = "Kết quả kiểm tra (chưa ghi):"
        elif result.issues and not self.valid_only_check.isChecked():
            head = "Chưa nhập gì: có dòng bị từ chối (sửa tệp, hoặc chọn «Chỉ nhập các hộ hợp lệ»)."
        else:
            head = "Không có gì thay đổi."
        self._finish(f"{head} {result.summary_vi()}")
        self.import_finished.emit(result)

    def _on_failed(self, message: str, _trace: str) -> None:
        self._finish(message)

    def _on_cancelled(self) -> None:
        self._finish("Đã hủy; dữ liệu không thay đổi.")

    def save_report(self, out: str | Path) -> Path:
        from bkdesk.export.inputs.list_import import write_report

        return write_report(self.result, out, Path(self.file_edit.text()).name)

    def _on_save_report_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu báo cáo nhập", "bao-cao-nhap.xlsx", "Tệp Excel (*.xlsx)")
        if not path:
            return
        try:
            self.save_report(path)
        except UserError as exc:
            QMessageBox.warning(self, "Không lưu được", str(exc))
            return
        self.status_label.setText(f"Đã lưu báo cáo {path}.")


def open_import_dialog(parent, db_path) -> ImportDialog:
    dlg = ImportDialog(db_path, parent)
    dlg.show()
    return dlg
