"""Main window of the officer's desk."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow

from bkdesk.model import settings
from bkdesk.model.repo_households import count_households
from bkdesk.model.repo_units import unit_name


class MainWindow(QMainWindow):
    def __init__(self, conn, path: Path):
        super().__init__()
        self.conn = conn
        self.db_path = path
        code = settings.get(conn, settings.SCOPE_CODE)
        unit = unit_name(conn, code) if code else None
        self.setWindowTitle(f"bkdesk - {unit or 'Chưa chọn đơn vị'}")
        self.summary_label = QLabel(f"Số hộ: {count_households(conn):n}")
        self.setCentralWidget(self.summary_label)
        self.resize(1280, 720)
