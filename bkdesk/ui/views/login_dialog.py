"""Logging in to an encrypted database: user and password; a wrong one is refused inline and changes nothing.
"Quên mật khẩu?" opens the recovery dialog (recovery key + new password)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from bkdesk.errors import UserError
from bkdesk.ui.i18n import _
from bkdesk.ui.views.user_fields import error_label, password_edit


class LoginDialog(QDialog):
    """``session`` is the logged-in user's session once accepted."""

    def __init__(self, path: Path, username: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self.path, self.session = Path(path), None
        self.setWindowTitle(_("bkdesk - Đăng nhập"))
        lay = QVBoxLayout(self)
        intro = QLabel(_("Dữ liệu được mã hoá. Đăng nhập để mở cơ sở dữ liệu:"), self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        name = QLabel(str(self.path), self)
        name.setWordWrap(True)
        name.setStyleSheet("color: #555;")
        lay.addWidget(name)
        form = QFormLayout()
        self.username_edit = QLineEdit(username, self)
        self.username_edit.setObjectName("username_edit")
        self.password_edit = password_edit(self, "password_edit")
        form.addRow(_("Tên đăng nhập:"), self.username_edit)
        form.addRow(_("Mật khẩu:"), self.password_edit)
        lay.addLayout(form)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        row = QHBoxLayout()
        self.forgot_button = QPushButton(_("Quên mật khẩu?"), self)
        self.forgot_button.setObjectName("forgot_button")
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self.forgot)
        row.addWidget(self.forgot_button)
        row.addStretch(1)
        self.ok_button = QPushButton(_("Đăng nhập"), self)
        self.ok_button.setObjectName("ok_button")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.accept)
        cancel = QPushButton(_("Thoát"), self)
        cancel.setObjectName("cancel_button")
        cancel.clicked.connect(self.reject)
        row.addWidget(self.ok_button)
        row.addWidget(cancel)
        lay.addLayout(row)
        (self.password_edit if username else self.username_edit).setFocus()
        self.resize(460, 220)

    def accept(self) -> None:
        from bkdesk.model.store import users

        if not self.username_edit.text().strip() or not self.password_edit.text():
            self.error_label.setText(_("Hãy nhập tên đăng nhập và mật khẩu."))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the key derivation takes a moment
        try:
            self.session = users.login(self.path, self.username_edit.text(), self.password_edit.text())
        except UserError as exc:
            if getattr(exc, "kind", "") == "damaged":  # right password, damaged file: the startup screen
                self.damaged = exc                      # offers the restore from a backup
                super().reject()
                return
            self.error_label.setText(str(exc))
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        finally:
            QApplication.restoreOverrideCursor()
        super().accept()

    damaged = None  # the error of a database the right password could not read

    def forgot(self) -> None:
        from bkdesk.ui.views.recovery_dialog import RecoveryResetDialog

        self.recovery_dialog = RecoveryResetDialog(self.path, self.username_edit.text().strip(), self)
        if self.recovery_dialog.exec() == QDialog.DialogCode.Accepted:
            self.session = self.recovery_dialog.session
            super().accept()


def login_to(path: Path, parent=None):
    """Ask for the user of ``path``; the session, or None if the person gave up."""
    dlg = LoginDialog(path, parent=parent)
    return dlg.session if dlg.exec() == QDialog.DialogCode.Accepted else None
