"""Restore screen: the database's backups (date, reason, size, households), restore one, undo a restore.

Entry points for the main window: ``open_restore(parent, db_path)`` (returns True when the data changed,
so the caller reloads its views) and ``confirm_unexported_changes(parent, db_path)`` (call before exit or
a database switch; False means the user chose to stay).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.store import backups, export_marker
from bkdesk.model.store.db import connect, open_db
from bkdesk.ui.jobs import run_in_background

COLUMNS = ("Thời điểm sao lưu", "Lý do", "Dung lượng", "Số hộ")
COL_TIME, COL_REASON, COL_SIZE, COL_HOUSEHOLDS = range(4)


def _size_text(size: int) -> str:
    return f"{fmt_int(max(1, round(size / 1024)))} KB"


def ask(parent: QWidget | None, title: str, text: str, yes: str, no: str = "Không") -> bool:
    """A yes/no question with Vietnamese buttons; the safe answer is the default."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


class RestoreView(QDialog):
    restored = Signal(str)  # the backup holding the state before the restore

    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.changed = False
        self._job = None
        self._items: list[backups.BackupInfo] = []
        self.setWindowTitle("Sao lưu và khôi phục")
        self.resize(760, 420)
        self.intro_label = QLabel(
            "Các bản sao lưu tự động và thủ công của cơ sở dữ liệu này. Trước khi khôi phục, trạng thái "
            "hiện tại được sao lưu, nên có thể hoàn tác.")
        self.intro_label.setWordWrap(True)
        self.backups_table = QTableWidget(0, len(COLUMNS))
        self.backups_table.setHorizontalHeaderLabels(COLUMNS)
        self.backups_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backups_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.backups_table.verticalHeader().setVisible(False)
        self.backups_table.horizontalHeader().setSectionResizeMode(COL_REASON, QHeaderView.ResizeMode.Stretch)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.backup_button = QPushButton("Sao lưu ngay")
        self.restore_button = QPushButton("Khôi phục bản đã chọn…")
        self.undo_button = QPushButton("Hoàn tác lần khôi phục gần nhất…")
        self.close_button = QPushButton("Đóng")
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.undo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.backups_table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.backup_button.clicked.connect(self._on_backup_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.backups_table.itemSelectionChanged.connect(self._update_buttons)
        self.reload()

    # --- list ------------------------------------------------------------------------------------

    def reload(self) -> None:
        self._items = backups.list_backups(self.db_path)
        self.backups_table.setRowCount(len(self._items))
        for row, b in enumerate(self._items):
            count = "không đọc được" if b.households is None else fmt_int(b.households)
            values = (b.created.strftime("%d/%m/%Y %H:%M:%S"), b.reason_label, _size_text(b.size), count)
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col in (COL_SIZE, COL_HOUSEHOLDS):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.backups_table.setItem(row, col, item)
        self.backups_table.resizeColumnToContents(COL_TIME)
        if not self._items:
            self.status_label.setText("Chưa có bản sao lưu nào.")
        self._update_buttons()

    def selected_backup(self) -> backups.BackupInfo | None:
        rows = self.backups_table.selectionModel().selectedRows()
        return self._items[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        busy = self._job is not None
        chosen = self.selected_backup()
        self.restore_button.setEnabled(not busy and chosen is not None and chosen.households is not None)
        self.undo_button.setEnabled(not busy and backups.last_restore_backup(self.db_path) is not None)
        self.backup_button.setEnabled(not busy)

    # --- actions ---------------------------------------------------------------------------------

    def _on_backup_button_clicked(self) -> None:
        path = self.db_path

        def work(control):
            conn = open_db(path)
            try:
                return backups.backup_now(conn, path)
            finally:
                conn.close()

        self._run(work, "Đang sao lưu…", lambda out: f"Đã sao lưu vào {Path(out).name}.", restored=False)

    def _on_restore_button_clicked(self) -> None:
        chosen = self.selected_backup()
        if chosen is None:
            return
        text = (f"Khôi phục cơ sở dữ liệu về bản sao lưu lúc {chosen.created:%d/%m/%Y %H:%M:%S} "
                f"({fmt_int(chosen.households)} hộ)?\n\nMọi thay đổi sau thời điểm đó sẽ bị thay thế. Trạng thái "
                "hiện tại được sao lưu trước, nên có thể hoàn tác.")
        if not ask(self, "Khôi phục từ bản sao lưu", text, "Khôi phục"):
            return
        path, source = self.db_path, chosen.path
        self._run(lambda control: backups.restore_backup(path, source), "Đang khôi phục…",
                  lambda out: f"Đã khôi phục bản sao lưu lúc {chosen.created:%d/%m/%Y %H:%M:%S}. "
                              "Có thể hoàn tác.", restored=True)

    def _on_undo_button_clicked(self) -> None:
        before = backups.last_restore_backup(self.db_path)
        if before is None:
            return
        text = (f"Trở lại trạng thái ngay trước lần khôi phục lúc {before.created:%d/%m/%Y %H:%M:%S}?\n\n"
                "Trạng thái hiện tại cũng được sao lưu trước.")
        if not ask(self, "Hoàn tác khôi phục", text, "Hoàn tác"):
            return
        path = self.db_path
        self._run(lambda control: backups.undo_last_restore(path), "Đang hoàn tác…",
                  lambda out: "Đã hoàn tác lần khôi phục gần nhất.", restored=True)

    def _run(self, fn, title: str, message, restored: bool) -> None:
        def done(result) -> None:
            self._job = None
            self.reload()
            self.status_label.setText(message(result))
            if restored:
                self.changed = True
                self.restored.emit(str(result))

        def failed(msg: str, trace: str) -> None:
            self._job = None
            self.reload()
            self.status_label.setText(f"Lỗi: {msg}")

        def in_turn(control):  # a restore writes the whole database: the officer's saves wait for it
            from bkdesk.model.store.writer import WRITERS

            with WRITERS.writing("khôi phục bản sao lưu"):
                return fn(control)

        self.status_label.setText(title)
        self._job = run_in_background(in_turn, done, failed, parent=self, title=title)
        self._update_buttons()

    @property
    def busy(self) -> bool:
        return self._job is not None


def open_restore(parent: QWidget | None, db_path: str | Path) -> bool:
    """Show the Restore screen (modal). True when the database content was replaced."""
    view = RestoreView(db_path, parent)
    view.exec()
    return view.changed


def unexported_changes(db_path: str | Path) -> int:
    if not Path(db_path).exists():
        return 0
    try:
        conn = connect(db_path)
        try:
            return export_marker.unexported_change_count(conn)
        finally:
            conn.close()
    except sqlite3.Error:  # not a database we can read: nothing we could warn about
        return 0


def confirm_unexported_changes(parent: QWidget | None, db_path: str | Path) -> bool:
    """True when it is fine to leave this database (no unexported changes, or the user confirmed)."""
    n = unexported_changes(db_path)
    if n == 0:
        return True
    text = (f"Có {fmt_int(n)} thay đổi chưa được xuất vào gói dữ liệu gửi cấp trên.\n\n"
            "Nếu rời đi bây giờ, các thay đổi vẫn được lưu trên máy này nhưng cấp trên chưa nhận được. "
            "Vẫn tiếp tục?")
    return ask(parent, "Thay đổi chưa xuất", text, "Vẫn tiếp tục", "Ở lại")
