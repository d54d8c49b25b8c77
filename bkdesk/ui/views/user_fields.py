"""The fields of a new user (login name, full name, password twice), shared by the first-run wizard, the
conversion of a plain database and the users screen; and the inline red message every account dialog uses."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from bkdesk.errors import UserError
from bkdesk.model.store.keyfile import MIN_PASSWORD
from bkdesk.ui.i18n import _

ERROR_STYLE = "color: #b00020;"


def error_label(parent: QWidget, name: str = "error_label") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


def button(parent: QWidget, text: str, name: str, slot, default: bool = False) -> QPushButton:
    """A named push button connected to ``slot``."""
    b = QPushButton(text, parent)
    if name:
        b.setObjectName(name)
    b.setDefault(default)
    b.clicked.connect(slot)
    return b


def button_row(*buttons: QPushButton, align: str = "right") -> QHBoxLayout:
    """The buttons side by side, pushed to the right (or the left) of the row."""
    row = QHBoxLayout()
    if align == "right":
        row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    if align == "left":
        row.addStretch(1)
    return row


def ok_cancel_row(dialog: QDialog, ok_text: str) -> QHBoxLayout:
    """The account dialogs' buttons: ``dialog.ok_button`` (default, accepts) and Huỷ (rejects)."""
    dialog.ok_button = button(dialog, ok_text, "ok_button", dialog.accept, default=True)
    return button_row(dialog.ok_button, button(dialog, "Huỷ", "", dialog.reject))


def password_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def check_pair(password: str, again: str) -> None:
    """The same password typed twice, long enough; one Vietnamese line otherwise."""
    if len(password) < MIN_PASSWORD:
        raise UserError(_("Mật khẩu cần ít nhất {n} ký tự.").format(n=MIN_PASSWORD))
    if password != again:
        raise UserError(_("Hai lần nhập mật khẩu không giống nhau."))


class NewUserFields:
    """Adds the rows of a new user to ``form``; ``display_edit`` may be a caller's existing field (the wizard's
    officer name is the first user's full name)."""

    def __init__(self, parent: QWidget, form: QFormLayout, display_edit: QLineEdit | None = None):
        self.username_edit = QLineEdit(parent)
        self.username_edit.setObjectName("username_edit")
        self.username_edit.setPlaceholderText(_("ví dụ: tham.ht (không dấu, không cách)"))
        self.display_edit = display_edit
        if display_edit is None:
            self.display_edit = QLineEdit(parent)
            self.display_edit.setObjectName("display_name_edit")
            form.addRow(_("Họ tên:"), self.display_edit)
        form.addRow(_("Tên đăng nhập:"), self.username_edit)
        self.password_edit = password_edit(parent, "password_edit")
        self.password_edit.setPlaceholderText(_("ít nhất {n} ký tự").format(n=MIN_PASSWORD))
        self.password2_edit = password_edit(parent, "password2_edit")
        form.addRow(_("Mật khẩu:"), self.password_edit)
        form.addRow(_("Nhập lại mật khẩu:"), self.password2_edit)

    def read(self) -> tuple[str, str, str]:
        """(login name, full name, password), or UserError with the one line to show."""
        username = self.username_edit.text().strip()
        display = self.display_edit.text().strip()
        if not display:
            raise UserError(_("Hãy nhập họ tên người dùng."))
        if not username:
            raise UserError(_("Hãy nhập tên đăng nhập."))
        password = self.password_edit.text()
        check_pair(password, self.password2_edit.text())
        return username, display, password
