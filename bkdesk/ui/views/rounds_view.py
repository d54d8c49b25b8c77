"""Rounds screen: list the review rounds, open a periodic round, move it on, finalise (lock), unlock with
a reason. Entry point: ``open_rounds(parent, db_path)``. Errors show inline under the buttons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.store.db import open_db

COLUMNS = ("Xã", "Loại", "Năm rà soát", "Năm danh sách", "Bước", "Khóa")


class RoundsView(QWidget):
    def __init__(self, db_path: str | Path, parent=None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.round_uids: list[str] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2021, 2100)
        self.year_spin.setValue(dt.date.today().year)
        self.open_button = QPushButton("Mở đợt rà soát định kỳ")
        self.advance_button = QPushButton("Chuyển bước tiếp theo")
        self.finalise_button = QPushButton("Chốt đợt (khóa)")
        self.unlock_button = QPushButton("Mở khóa…")
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for w in (QLabel("Năm:"), self.year_spin, self.open_button, self.advance_button, self.finalise_button,
                  self.unlock_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.message_label)
        lay.addWidget(self.table, 1)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.advance_button.clicked.connect(lambda: self._act(rounds.advance))
        self.finalise_button.clicked.connect(lambda: self._act(rounds.finalise))
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.reload()

    def _conn(self):
        return open_db(self.db_path)

    def reload(self) -> None:
        from bkdesk.model.store.repo_reviews import list_rounds
        from bkdesk.model.store.repo_units import unit_name

        conn = self._conn()
        try:
            items = list_rounds(conn)
            names = {r.commune_code: unit_name(conn, r.commune_code) or r.commune_code for r in items}
        finally:
            conn.close()
        self.round_uids = [r.uid for r in items]
        self.table.setRowCount(len(items))
        for n, r in enumerate(items):
            values = (names[r.commune_code], rounds.KIND_LABELS.get(r.kind, r.kind), str(r.review_year),
                      str(r.list_year), rounds.STATE_LABELS.get(r.state, r.state), "Đã khóa" if r.locked else "")
            for c, v in enumerate(values):
                self.table.setItem(n, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()

    def selected_uid(self) -> str | None:
        row = self.table.currentRow()
        return self.round_uids[row] if 0 <= row < len(self.round_uids) else None

    def _run(self, fn, *args) -> bool:
        conn = self._conn()
        try:
            result = fn(conn, *args)
        except UserError as exc:
            self.message_label.setText(f"⚠ {exc}")
            return False
        finally:
            conn.close()
        self.message_label.setText(result if isinstance(result, str) else "Đã thực hiện.")
        self.reload()
        return True

    def _user(self, conn) -> str:
        from bkdesk.model.store import settings

        return settings.officer(conn)

    def open_round(self, commune_code: str, year: int) -> bool:
        def work(conn):
            _, n = rounds.open_periodic_round(conn, commune_code, year, self._user(conn))
            return f"Đã mở đợt rà soát định kỳ năm {year}, chuyển {n} hộ sang đợt mới."
        return self._run(work)

    def _act(self, fn, *extra) -> bool:
        uid = self.selected_uid()
        if uid is None:
            self.message_label.setText("⚠ Hãy chọn một đợt rà soát trong danh sách.")
            return False
        return self._run(lambda conn: fn(conn, uid, self._user(conn), *extra) and None)

    def unlock_selected(self, reason: str) -> bool:
        return self._act(rounds.unlock, reason)

    def _on_open_button_clicked(self) -> None:
        from bkdesk.model.store import settings

        conn = self._conn()
        try:
            code = settings.get(conn, settings.SCOPE_CODE)
            scope = settings.get(conn, settings.SCOPE)
        finally:
            conn.close()
        if scope != "commune":
            self.message_label.setText("⚠ Chỉ cơ sở dữ liệu của xã mới mở được đợt rà soát.")
            return
        self.open_round(code, self.year_spin.value())

    def _on_unlock_button_clicked(self) -> None:
        reason, ok = QInputDialog.getText(self, "Mở khóa đợt rà soát", "Lý do mở khóa (được ghi nhật ký):")
        if ok:
            self.unlock_selected(reason)


def open_rounds(parent, db_path: str | Path) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("Đợt rà soát")
    lay = QVBoxLayout(dlg)
    dlg.rounds_view = RoundsView(db_path, dlg)
    lay.addWidget(dlg.rounds_view)
    dlg.resize(900, 500)
    dlg.show()
    return dlg
