"""Settings: interface language (takes effect on the next start), idle lock time (from the next opening)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox

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
        self.idle_spin = QSpinBox(self)
        self.idle_spin.setObjectName("idle_lock_spin")
        self.idle_spin.setRange(0, 240)
        self.idle_spin.setSuffix(_(" phút"))
        self.idle_spin.setSpecialValueText(_("không khoá"))
        self.idle_spin.setValue(round(prefs.idle_lock_minutes()))
        lay.addRow(_("Khoá màn hình khi không dùng:"), self.idle_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addRow(buttons)

    def accept(self) -> None:
        prefs.set_language(self.language_combo.currentData())
        if self.idle_spin.value() != round(prefs.idle_lock_minutes()):
            prefs.set_idle_lock_minutes(self.idle_spin.value())
        super().accept()
