"""The passphrase of a package (issue 16): asked twice when a package is exported without a registered
recipient (the officer tells it to the level above by phone, never with the file), once when a merge meets
a package locked by one. Entry point: ``ask_passphrase(parent, confirm, text)``."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from bkdesk.errors import UserError
from bkdesk.export.sync.sealing import MIN_PASSPHRASE, check_passphrase
from bkdesk.ui.views.user_fields import error_label, password_edit


class PassphraseDialog(QDialog):
    def __init__(self, text: str, confirm: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("passphrase_dialog")
        self.setWindowTitle("Cụm mật khẩu của gói dữ liệu")
        self.confirm = confirm
        self.value: str | None = None
        lay = QVBoxLayout(self)
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.passphrase_edit = password_edit(self, "passphrase_edit")
        self.passphrase_edit.setPlaceholderText(f"ít nhất {MIN_PASSPHRASE} ký tự")
        form.addRow("Cụm mật khẩu:", self.passphrase_edit)
        self.passphrase2_edit = password_edit(self, "passphrase2_edit")
        if confirm:
            form.addRow("Nhập lại:", self.passphrase2_edit)
        else:
            self.passphrase2_edit.hide()
        lay.addLayout(form)
        self.error = error_label(self, "passphrase_error_label")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("passphrase_ok_button")
        self.ok_button.setText("Đồng ý")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 220)

    def _on_ok(self) -> None:
        text = self.passphrase_edit.text()
        try:
            value = check_passphrase(text) if self.confirm else text
            if not value:
                raise UserError("Hãy nhập cụm mật khẩu.")
            if self.confirm and text != self.passphrase2_edit.text():
                raise UserError("Hai lần nhập cụm mật khẩu không giống nhau.")
        except UserError as exc:
            self.error.setText(str(exc))
            return
        self.value = value
        self.accept()


def ask_passphrase(parent: QWidget | None, confirm: bool, text: str) -> str | None:
    """The passphrase typed (twice when ``confirm``), or None when the person cancelled."""
    dlg = PassphraseDialog(text, confirm, parent)
    try:
        return dlg.value if dlg.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dlg.deleteLater()
