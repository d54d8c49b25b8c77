"""Convert to the 2025 unit codes (units.md §7): the plan first, then the conversion on request.

Entry point for the main window: ``open_convert_units(parent, db_path)`` (modal; True when the database was
converted, so the caller reloads its views). The same functions as ``bkdesk convert-units``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from bkdesk.errors import UserError
from bkdesk.model.store import settings
from bkdesk.model.store.convert_units import convert, plan_conversion
from bkdesk.model.store.db import connect


class ConvertUnitsView(QDialog):
    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.changed = False
        self.backup: Path | None = None
        self.setWindowTitle("Chuyển đổi mã đơn vị hành chính từ 01/07/2025")
        self.resize(820, 420)
        self.intro_label = QLabel(
            "Cơ sở dữ liệu chuyển từ mã đơn vị năm 2022 sang mã của đơn vị kế tiếp từ 01/07/2025. Các xã cũ "
            "hợp thành một xã mới được gộp lại; các phiếu rà soát trước 01/07/2025 giữ mã cũ. Trước khi chuyển "
            "đổi, toàn bộ cơ sở dữ liệu được sao lưu; khôi phục bản sao đó để hoàn tác.")
        self.intro_label.setWordWrap(True)
        self.plan_text = QPlainTextEdit()
        self.plan_text.setReadOnly(True)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.convert_button = QPushButton("Chuyển đổi")
        self.close_button = QPushButton("Đóng")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.convert_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.plan_text, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.convert_button.clicked.connect(self.run_conversion)
        self.close_button.clicked.connect(self.accept)
        self._preview()

    def _preview(self) -> None:
        conn = connect(self.db_path)
        try:
            lines = plan_conversion(conn).lines()
        except UserError as exc:
            self.plan_text.setPlainText("")
            self.status_label.setText(str(exc))
            self.convert_button.setEnabled(False)
            return
        finally:
            conn.close()
        self.plan_text.setPlainText("Xem trước (chưa thay đổi gì):\n" + "\n".join(lines))

    def run_conversion(self) -> None:
        conn = connect(self.db_path)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            plan, self.backup = convert(conn, self.db_path, settings.officer(conn) or "bkdesk")
        except UserError as exc:
            self.status_label.setText(str(exc))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
            conn.close()
        self.changed = True
        self.convert_button.setEnabled(False)
        self.plan_text.setPlainText("Đã chuyển đổi:\n" + "\n".join(plan.lines()))
        self.status_label.setText(f"Đã chuyển đổi. Bản sao trước khi chuyển đổi: {self.backup} (Tệp → Sao lưu và "
                                  "khôi phục để hoàn tác).")


def open_convert_units(parent: QWidget | None, db_path: str | Path) -> bool:
    """Show the conversion screen (modal). True when the database was converted."""
    view = ConvertUnitsView(db_path, parent)
    view.exec()
    return view.changed
