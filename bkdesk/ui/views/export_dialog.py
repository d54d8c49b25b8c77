"""Export / print dialog: what, which unit, which round, where; progress and cancel; print preview.

The lead wires ``open_export_dialog(parent, db_path)`` into the Export/Print menu. The dialog holds no
database handle: the work runs in ``run_in_background`` and opens its own connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bkdesk.export import service
from bkdesk.ui.jobs import run_in_background


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, db_path: str | Path):
        super().__init__(parent)
        self.setWindowTitle("Xuất báo cáo, in biểu mẫu")
        self.db_path = Path(db_path)
        self.job = None
        self.last_result: object = None
        defaults = service.export_defaults(self.db_path)
        self.what_combo = QComboBox()
        self.unit_edit = QLineEdit(defaults["unit"])
        self.unit_edit.setPlaceholderText("mã xã, huyện hoặc tỉnh")
        self.village_edit = QLineEdit()
        self.village_edit.setPlaceholderText("để trống: cả xã")
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2021, 2100)
        self.year_spin.setValue(defaults["year"])
        self.format_combo = QComboBox()
        self.format_combo.addItem("Excel (.xlsx)", ".xlsx")
        self.format_combo.addItem("PDF để ký (.pdf)", ".pdf")
        self.official_check = QCheckBox("Bản chính thức để ký (không có dấu BẢN NHÁP)")
        self.out_edit = QLineEdit()
        self.browse_button = QPushButton("Chọn…")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.export_button = QPushButton("Xuất")
        self.preview_button = QPushButton("Xem trước khi in")
        self.close_button = QPushButton("Đóng")
        self._layout()
        self._fill_choices()
        self.year_spin.valueChanged.connect(self._fill_choices)
        self.what_combo.currentIndexChanged.connect(self._on_what_combo_changed)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.export_button.clicked.connect(self.start_export)
        self.preview_button.clicked.connect(self.start_preview)
        self.close_button.clicked.connect(self.reject)
        self._on_what_combo_changed()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Nội dung:", self.what_combo)
        form.addRow("Đơn vị:", self.unit_edit)
        form.addRow("Thôn:", self.village_edit)
        form.addRow("Năm rà soát:", self.year_spin)
        form.addRow("Định dạng:", self.format_combo)
        form.addRow("", self.official_check)
        where = QHBoxLayout()
        where.addWidget(self.out_edit)
        where.addWidget(self.browse_button)
        form.addRow("Lưu vào:", where)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.status_label)
        box.addLayout(buttons)
        self.what_combo.setMinimumWidth(420)

    def _fill_choices(self) -> None:
        current = self.what_combo.currentData()
        self.what_combo.blockSignals(True)
        self.what_combo.clear()
        try:
            choices = service.output_choices(self.year_spin.value())
        except Exception as exc:  # a year without a standard: say so inline
            choices = []
            self.status_label.setText(str(exc))
        for key, label in choices:
            self.what_combo.addItem(label, key)
        i = self.what_combo.findData(current)
        self.what_combo.setCurrentIndex(max(i, 0))
        self.what_combo.blockSignals(False)

    def choice(self) -> str:
        return self.what_combo.currentData() or ""

    def _on_what_combo_changed(self, *_args) -> None:
        forms = self.choice().startswith("forms:")
        self.village_edit.setEnabled(forms)
        self.preview_button.setEnabled(not forms)
        if forms:
            self.format_combo.setCurrentIndex(1)
        self.format_combo.setEnabled(not forms)

    def _on_browse_button_clicked(self) -> None:
        suffix = self.format_combo.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Lưu tệp", self.out_edit.text(),
                                              "Excel (*.xlsx)" if suffix == ".xlsx" else "PDF (*.pdf)")
        if path:
            self.out_edit.setText(path if path.lower().endswith(suffix) else path + suffix)

    def _output_path(self) -> str | None:
        text = self.out_edit.text().strip()
        if not text:
            self.status_label.setText("Hãy chọn nơi lưu tệp.")
            return None
        suffix = self.format_combo.currentData()
        return text if text.lower().endswith(suffix) else text + suffix

    def _busy(self, busy: bool) -> None:
        for w in (self.export_button, self.preview_button):
            w.setEnabled(not busy)
        if not busy:
            self._on_what_combo_changed()

    def start_export(self) -> None:
        out = self._output_path()
        if out is None:
            return
        args = (self.db_path, self.choice(), self.unit_edit.text().strip(), self.year_spin.value(), out,
                self.official_check.isChecked(), self.village_edit.text().strip())
        self.status_label.setText("Đang xuất…")
        self._busy(True)
        self.job = run_in_background(
            lambda control: service.run_output(*args, control=control), self._on_done, self._on_error,
            parent=self, title="Đang xuất báo cáo…", on_cancel=self._on_cancel)

    def start_preview(self) -> None:
        args = (self.db_path, self.choice(), self.unit_edit.text().strip(), self.year_spin.value(),
                self.official_check.isChecked())
        self.status_label.setText("Đang chuẩn bị bản xem trước…")
        self._busy(True)
        self.job = run_in_background(
            lambda control: service.preview_tables(*args, control=control), self._on_preview_ready,
            self._on_error, parent=self, title="Đang chuẩn bị…", on_cancel=self._on_cancel)

    def _on_done(self, result) -> None:
        self.last_result = result
        self._busy(False)
        self.status_label.setText(f"Đã ghi {result}.")

    def _on_preview_ready(self, prepared) -> None:
        self.last_result = prepared
        self._busy(False)
        self.status_label.setText("")
        from bkdesk.ui.views.export_preview import show_preview

        self.preview = show_preview(self, prepared.tables, prepared.doc, exec_=not getattr(self, "_testing", False))

    def _on_error(self, message: str, _traceback: str) -> None:
        self._busy(False)
        self.status_label.setText(f"Lỗi: {message}")

    def _on_cancel(self) -> None:
        self._busy(False)
        self.status_label.setText("Đã hủy; không có tệp nào được ghi.")


def open_export_dialog(parent: QWidget | None, db_path: str | Path) -> ExportDialog:
    """Show the Export/Print dialog (non-modal) and return it."""
    dlg = ExportDialog(parent, db_path)
    dlg.show()
    return dlg
