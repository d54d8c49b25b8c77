"""Settings: interface language (takes effect on the next start)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from bkdesk.ui import prefs
from bkdesk.ui.i18n import _


class SettingsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Cài đặt"))
        lay = QFormLayout(self)
        self.language_combo = QComboBox(self)
        self.language_combo.setObjectName("language_combo")
        self.language_combo.addItem("Tiếng Việt", "vi")
        self.language_combo.addItem("English", "en")
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(prefs.language()), 0))
        lay.addRow(_("Ngôn ngữ giao diện:"), self.language_combo)
        lay.addRow(QLabel(_("Thay đổi ngôn ngữ có hiệu lực khi mở lại chương trình."), self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addRow(buttons)

    def accept(self) -> None:
        prefs.set_language(self.language_combo.currentData())
        super().accept()
