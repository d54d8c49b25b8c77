"""The desk cannot open its database: say why in one line and offer the next step, in a window (the
windowed build has no console, so nothing may go only to stderr).

Next steps by kind of refusal (bkdesk.model.store.db.DatabaseFileError.kind):
- not a bkdesk database (another app's SQLite, empty or text file): choose another file;
- damaged or truncated: restore a backup (the damaged file is kept aside, never deleted) or choose another;
- made by a newer bkdesk: update the app (or choose another file);
- read-only folder, missing folder, locked: choose another file (or close the other program and retry).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

CHOOSE, RESTORE, RETRY, QUIT = "choose", "restore", "retry", "quit"
UPDATE_TEXT = ("Tệp này được tạo bởi phiên bản bkdesk mới hơn. Hãy cài phiên bản bkdesk mới nhất (xin bộ cài "
               "từ cán bộ phụ trách ở huyện) rồi mở lại; tệp không bị thay đổi.")


class StartupErrorDialog(QDialog):
    def __init__(self, path: Path, message: str, kind: str, has_backups: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("bkdesk: không mở được cơ sở dữ liệu")
        self.path, self.kind, self.choice = path, kind, QUIT
        layout = QVBoxLayout(self)
        self.message_label = QLabel(message)
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumWidth(520)
        layout.addWidget(self.message_label)
        if kind == "newer":
            self.update_label = QLabel(UPDATE_TEXT)
            self.update_label.setWordWrap(True)
            layout.addWidget(self.update_label)
        row = QHBoxLayout()
        self.restore_button = QPushButton("Khôi phục từ bản sao lưu…")
        self.restore_button.setVisible(has_backups and kind in ("damaged", "not_bkdesk"))
        self.choose_button = QPushButton("Chọn tệp khác…")
        self.retry_button = QPushButton("Thử lại")
        self.retry_button.setVisible(kind in ("locked", "readonly"))
        self.quit_button = QPushButton("Thoát")
        for b, choice in ((self.restore_button, RESTORE), (self.choose_button, CHOOSE), (self.retry_button, RETRY),
                          (self.quit_button, QUIT)):
            b.clicked.connect(lambda _=False, c=choice: self._choose(c))
            row.addWidget(b)
        layout.addLayout(row)
        (self.restore_button if self.restore_button.isVisibleTo(self) else self.choose_button).setDefault(True)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept() if choice != QUIT else self.reject()


def ask_other_file(parent: QWidget | None, start: Path) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Chọn cơ sở dữ liệu bkdesk", str(start.parent),
                                          "Cơ sở dữ liệu bkdesk (*.sqlite *.db);;Mọi tệp (*)")
    return Path(name) if name else None


def ask_backup(parent: QWidget | None, db_path: Path) -> Path | None:
    from bkdesk.model.store.db import backup_dir_for

    name, _ = QFileDialog.getOpenFileName(parent, "Chọn bản sao lưu", str(backup_dir_for(db_path)),
                                          "Bản sao lưu (*.sqlite)")
    return Path(name) if name else None
