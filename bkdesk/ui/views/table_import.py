"""Import a B1 points table or the plan targets: choose the file, read it (guarded, in a child process, off
the GUI thread), preview what it holds, confirm, store. The same functions as `bkdesk points import` and
`bkdesk targets import`; a refused file is one line in the dialog, which stays open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bkdesk.ui.jobs import run_in_background

POINTS, TARGETS = "points", "targets"
TITLES = {POINTS: "Nạp bảng điểm B1", TARGETS: "Nạp chỉ tiêu giảm nghèo theo kế hoạch"}
FILTERS = {POINTS: "Bảng điểm (*.xlsx *.json)", TARGETS: "Chỉ tiêu (*.xlsx *.csv)"}


def _read(kind: str, path: Path, year: int):
    """In the background: read and check the file; returns (data, preview lines)."""
    if kind == POINTS:
        from bkdesk.export.inputs.points_xlsx import load_points_file, preview_lines

        table = load_points_file(path)
        return (table, None), preview_lines(table)
    from bkdesk.export.inputs.targets_xlsx import preview_lines, read_targets_file

    inputs, found = read_targets_file(path, year)
    year = found or year
    return (inputs, year), preview_lines(inputs, year)


def _store(kind: str, db_path: Path, data, source: str) -> str:
    """In the background, in the write turn: store what was previewed."""
    from bkdesk.model.store import settings
    from bkdesk.model.store.db import open_db
    from bkdesk.model.store.writer import WRITERS

    with WRITERS.writing(TITLES[kind].lower()):
        conn = open_db(db_path)
        try:
            if kind == POINTS:
                from bkdesk.model.store.repo_points import store_points_table

                store_points_table(conn, data[0], user=settings.officer(conn))
                return f"Đã nạp bảng điểm {data[0]['version']}."
            from bkdesk.model.store.repo_targets import save_plan_targets

            inputs, year = data
            save_plan_targets(conn, year, inputs, user=settings.officer(conn), source=source)
            return f"Đã nạp chỉ tiêu năm {year} của {len(inputs)} đơn vị."
        finally:
            conn.close()


class TableImportDialog(QDialog):
    def __init__(self, kind: str, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind, self.db_path = kind, Path(db_path)
        self.path: Path | None = None
        self.data = None
        self.job = None
        self.stored = False
        self.setWindowTitle(TITLES[kind])
        self.resize(760, 460)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.choose_button = QPushButton("Chọn tệp…")
        self.choose_button.clicked.connect(self._on_choose)
        self.file_label = QLabel("Chưa chọn tệp.")
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(dt.date.today().year)
        self.year_spin.setPrefix("Năm kế hoạch ")
        self.year_spin.setVisible(kind == TARGETS)
        row.addWidget(self.year_spin)
        layout.addLayout(row)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Nội dung tệp sẽ hiện ở đây để kiểm tra trước khi nạp.")
        layout.addWidget(self.preview, 1)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.confirm_button = QPushButton("Nạp vào cơ sở dữ liệu")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm)
        self.close_button = QPushButton("Đóng")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def _on_choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, TITLES[self.kind], "", FILTERS[self.kind])
        if name:
            self.load_file(name)

    def load_file(self, path: str | Path) -> None:
        """Read and check ``path`` in the background, then show the preview."""
        self.path, self.data = Path(path), None
        self.file_label.setText(self.path.name)
        self.preview.setPlainText("")
        self.confirm_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.status_label.setText(f"Đang đọc và kiểm tra {self.path.name}…")
        kind, year, target = self.kind, self.year_spin.value(), self.path
        self.job = run_in_background(lambda control: _read(kind, target, year), self._on_read, self._on_failed,
                                     parent=self, title="Đang đọc tệp…")

    def _on_read(self, result) -> None:
        self.job = None
        self.data, lines = result
        self.preview.setPlainText("\n".join(lines))
        self.status_label.setText("Hãy kiểm tra nội dung rồi bấm «Nạp vào cơ sở dữ liệu».")
        self.confirm_button.setEnabled(True)
        self.choose_button.setEnabled(True)

    def _on_failed(self, message: str, details: str) -> None:
        self.job = None
        self.status_label.setText(f"Không nạp: {' '.join(message.split())}")
        self.choose_button.setEnabled(True)
        self.confirm_button.setEnabled(False)

    def confirm(self) -> None:
        if self.data is None or self.path is None:
            return
        self.confirm_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.status_label.setText("Đang nạp…")
        kind, db_path, data, source = self.kind, self.db_path, self.data, self.path.name
        self.job = run_in_background(lambda control: _store(kind, db_path, data, source), self._on_stored,
                                     self._on_failed, parent=self, title="Đang nạp…")

    def _on_stored(self, text: str) -> None:
        self.job = None
        self.stored = True
        self.data = None
        self.status_label.setText(text)
        self.choose_button.setEnabled(True)


def open_table_import(parent: QWidget | None, db_path: str | Path, kind: str) -> TableImportDialog:
    dlg = TableImportDialog(kind, db_path, parent)
    dlg.show()
    return dlg
