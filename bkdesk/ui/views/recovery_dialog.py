"""The recovery key: shown once when a database is encrypted (to print or copy and keep in the commune's safe),
and used to set a new password when one is forgotten (or the key file beside the database is lost)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from bkdesk.errors import UserError
from bkdesk.ui.views.user_fields import (
    button,
    button_row,
    check_pair,
    error_label,
    ok_cancel_row,
    password_edit,
)

KEPT_TEXT = "Tôi đã ghi/in khoá khôi phục và cất giữ"


class RecoveryKeyDialog(QDialog):
    """Shows the recovery key once; "Tiếp tục" stays disabled until the person ticks that it is kept."""

    def __init__(self, path: Path, recovery: str, username: str, parent=None):
        super().__init__(parent)
        self.setObjectName("recovery_key_dialog")
        self.setWindowTitle("Khoá khôi phục - chỉ hiện một lần")
        self.path, self.recovery, self.username = Path(path), recovery, username
        lay = QVBoxLayout(self)
        intro = QLabel(
            "Dữ liệu đã được mã hoá. Đây là KHOÁ KHÔI PHỤC của cơ sở dữ liệu: khi quên mật khẩu, chỉ khoá này "
            "mở lại được dữ liệu. Hãy in hoặc chép ra giấy, cất vào tủ hồ sơ của xã. Khoá chỉ hiện một lần "
            "này; không ai (kể cả người hỗ trợ kỹ thuật) lấy lại được nếu mất.", self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.key_text = QPlainTextEdit(recovery, self)
        self.key_text.setObjectName("recovery_key_text")
        self.key_text.setReadOnly(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(16)
        mono.setBold(True)
        self.key_text.setFont(mono)
        self.key_text.setFixedHeight(110)
        lay.addWidget(self.key_text)
        where = QLabel(f"Cơ sở dữ liệu: {self.path}\nNgười dùng đầu tiên: {username}", self)
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(where)
        self.copy_button = button(self, "Sao chép", "copy_button", self.copy)
        self.print_button = button(self, "In...", "print_button", self.print_key)
        lay.addLayout(button_row(self.copy_button, self.print_button, align="left"))
        self.status_label = QLabel(self)
        lay.addWidget(self.status_label)
        self.kept_check = QCheckBox(KEPT_TEXT, self)
        self.kept_check.setObjectName("kept_check")
        lay.addWidget(self.kept_check)
        self.continue_button = QPushButton("Tiếp tục", self)
        self.continue_button.setObjectName("continue_button")
        self.continue_button.setEnabled(False)
        self.continue_button.setDefault(True)
        self.kept_check.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.accept)
        lay.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(640, 380)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.recovery)
        self.status_label.setText("Đã chép khoá vào bộ nhớ tạm: dán vào giấy/tệp in rồi cất giữ, không gửi qua "
                                  "mạng.")

    def document(self) -> QTextDocument:
        doc = QTextDocument()
        doc.setHtml(f"<h2>bkdesk: khoá khôi phục cơ sở dữ liệu</h2><p>Tệp: {html.escape(str(self.path))}</p>"
                    f"<p>Người dùng đầu tiên: {html.escape(self.username)}</p>"
                    f"<p style='font-family: monospace; font-size: 18pt'><b>{html.escape(self.recovery)}</b></p>"
                    "<p>Cất giữ nơi an toàn của đơn vị. Dùng khi quên mật khẩu: màn hình đăng nhập, "
                    "«Quên mật khẩu?».</p>")
        return doc

    def print_key(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dlg = QPrintDialog(printer, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.document().print_(printer)
            self.status_label.setText("Đã gửi khoá khôi phục tới máy in.")

    def reject(self) -> None:
        if self.kept_check.isChecked():  # Esc or the close button once the key is kept
            self.accept()
        else:
            self.status_label.setText("Hãy ghi hoặc in khoá khôi phục rồi đánh dấu ô dưới đây trước khi tiếp tục.")


class RecoveryResetDialog(QDialog):
    """Forgotten password: recovery key + user + new password twice -> users.reset_with_recovery (logs in)."""

    def __init__(self, path: Path, username: str = "", parent=None):
        super().__init__(parent)
        self.setObjectName("recovery_reset_dialog")
        self.setWindowTitle("Đặt lại mật khẩu bằng khoá khôi phục")
        self.path, self.session = Path(path), None
        lay = QVBoxLayout(self)
        intro = QLabel("Nhập khoá khôi phục (giấy cất giữ khi tạo cơ sở dữ liệu), tên đăng nhập và mật khẩu mới.",
                       self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.recovery_edit = QLineEdit(self)
        self.recovery_edit.setObjectName("recovery_edit")
        font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.recovery_edit.setFont(font)
        self.recovery_edit.setMinimumWidth(460)
        self.username_edit = QLineEdit(username, self)
        self.username_edit.setObjectName("username_edit")
        self.password_edit = password_edit(self, "password_edit")
        self.password2_edit = password_edit(self, "password2_edit")
        form.addRow("Khoá khôi phục:", self.recovery_edit)
        form.addRow("Tên đăng nhập:", self.username_edit)
        form.addRow("Mật khẩu mới:", self.password_edit)
        form.addRow("Nhập lại mật khẩu mới:", self.password2_edit)
        lay.addLayout(form)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        lay.addLayout(ok_cancel_row(self, "Đặt mật khẩu và đăng nhập"))

    def accept(self) -> None:
        from bkdesk.model.store import users

        try:
            if not self.recovery_edit.text().strip():
                raise UserError("Hãy nhập khoá khôi phục.")
            if not self.username_edit.text().strip():
                raise UserError("Hãy nhập tên đăng nhập.")
            check_pair(self.password_edit.text(), self.password2_edit.text())
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.session = users.reset_with_recovery(self.path, self.recovery_edit.text(),
                                                         self.username_edit.text(), self.password_edit.text())
            finally:
                QApplication.restoreOverrideCursor()
        except (UserError, ValueError) as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()
