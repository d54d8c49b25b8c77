"""About dialog: version, where the data and the logs are, and the licences of everything bundled.

Entry point for the menus: ``open_about(parent)``. Paths are selectable so an officer can read them out
or paste them when calling for help; each folder has a button that opens it in the file manager.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bkdesk import __version__
from bkdesk.model.store.databases import default_db_path, log_dir
from bkdesk.paths import resource_path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The bkdesk icon at every rendered size (for windows, the taskbar and this dialog)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource_path("icons", f"bkdesk-{size}.png")
        if path.exists():
            icon.addFile(str(path))
    return icon


def bundled_components() -> list[dict]:
    """Bundled libraries and fonts with their licence, from resources/licenses/third-party.json."""
    data = json.loads(resource_path("licenses", "third-party.json").read_text(encoding="utf-8"))
    return data["components"]


def licence_text(component: dict) -> str:
    """The notice (if any) followed by the full licence text shipped with the app."""
    path = resource_path(*component["file"].split("/"))
    body = path.read_text(encoding="utf-8", errors="replace") if path.exists() else (
        f"(Không tìm thấy tệp giấy phép {component['file']} trong bộ cài.)")
    notice = component.get("notice", "")
    return f"{notice}\n\n{body}" if notice else body


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, db_path: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Giới thiệu bkdesk")
        self.setWindowIcon(app_icon())
        self.db_path = Path(db_path) if db_path else default_db_path()
        self.log_dir = log_dir()
        self.components = bundled_components()

        layout = QVBoxLayout(self)
        layout.addLayout(self._header())
        layout.addLayout(self._folders())
        layout.addWidget(QLabel("Phần mềm và phông chữ đóng gói kèm (chọn một dòng để xem giấy phép):"))
        layout.addLayout(self._licences(), stretch=1)
        self.close_button = QPushButton("Đóng")
        self.close_button.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(760, 560)  # fits a 1366x768 laptop screen with the taskbar

    def _header(self) -> QHBoxLayout:
        icon_label = QLabel()
        icon_label.setPixmap(QPixmap(str(resource_path("icons", "bkdesk-64.png"))))
        self.version_label = QLabel(
            f"<b>bkdesk {__version__}</b><br>Rà soát hộ nghèo, hộ cận nghèo<br>"
            f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PySide6.__version__}")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(icon_label)
        row.addWidget(self.version_label, stretch=1)
        return row

    def _folders(self) -> QFormLayout:
        form = QFormLayout()
        self.db_label = self._path_label(self.db_path)
        form.addRow("Tệp dữ liệu:", self.db_label)
        self.data_dir_label = self._path_label(self.db_path.parent)
        self.open_data_button = QPushButton("Mở thư mục dữ liệu")
        self.open_data_button.clicked.connect(lambda: self._open_folder(self.db_path.parent))
        form.addRow("Thư mục dữ liệu:", self._with_button(self.data_dir_label, self.open_data_button))
        self.log_dir_label = self._path_label(self.log_dir)
        self.open_log_button = QPushButton("Mở thư mục nhật ký")
        self.open_log_button.clicked.connect(lambda: self._open_folder(self.log_dir))
        form.addRow("Thư mục nhật ký:", self._with_button(self.log_dir_label, self.open_log_button))
        return form

    def _licences(self) -> QHBoxLayout:
        self.licence_list = QListWidget()
        for comp in self.components:
            self.licence_list.addItem(f"{comp['name']} — {comp['licence']}")
            self.licence_list.item(self.licence_list.count() - 1).setToolTip(comp.get("use", ""))
        self.licence_view = QPlainTextEdit()
        self.licence_view.setReadOnly(True)
        self.licence_list.currentRowChanged.connect(self._on_licence_list_current_row_changed)
        self.licence_list.setCurrentRow(0)
        row = QHBoxLayout()
        row.addWidget(self.licence_list, stretch=2)
        row.addWidget(self.licence_view, stretch=3)
        return row

    def _on_licence_list_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.components):
            self.licence_view.setPlainText(licence_text(self.components[row]))

    @staticmethod
    def _path_label(path: Path) -> QLabel:
        label = QLabel(str(path))
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        return label

    @staticmethod
    def _with_button(label: QLabel, button: QPushButton) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(label, stretch=1)
        row.addWidget(button)
        return box

    @staticmethod
    def _open_folder(path: Path) -> bool:
        path.mkdir(parents=True, exist_ok=True)  # the log folder may not exist before the first log
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_about(parent: QWidget | None = None) -> AboutDialog:
    """Show the About dialog (window-modal, non-blocking); uses the parent's open database if it has one."""
    dialog = AboutDialog(parent, getattr(parent, "db_path", None))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
