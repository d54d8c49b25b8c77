"""Quản trị > Người dùng: the users of the database with their roles and state; add a user, set a password,
change roles, disable. And "Đổi mật khẩu" (own password) for everyone. All through bkdesk.model.store.users;
refusals (PermissionDenied, bad input) are shown inline and change nothing."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.ui.views.user_fields import NewUserFields, check_pair, error_label, ok_cancel_row, password_edit

COLUMNS = ("Tên đăng nhập", "Họ tên", "Vai trò", "Trạng thái", "Tạo lúc")


@contextmanager
def _conn(path: Path):
    from bkdesk.model.store.db import open_db

    conn = open_db(path)
    try:
        yield conn
    finally:
        conn.close()


class RoleBoxes:
    """One checkbox per role of the database's level (Vietnamese labels)."""

    def __init__(self, parent, layout, level: str | None, checked=()):
        self.boxes: dict[str, QCheckBox] = {}
        for role in R.roles_of_level(level):
            box = QCheckBox(role.label, parent)
            box.setObjectName(f"role_{role.code}")
            box.setToolTip(", ".join(R.PERMISSION_LABELS[p] for p in sorted(role.permissions)))
            box.setChecked(role.code in checked)
            layout.addWidget(box)
            self.boxes[role.code] = box

    def codes(self) -> list[str]:
        codes = [c for c, b in self.boxes.items() if b.isChecked()]
        if not codes:
            raise UserError("Hãy chọn ít nhất một vai trò.")
        return codes


class AddUserDialog(QDialog):
    def __init__(self, path: Path, level: str | None, parent=None):
        super().__init__(parent)
        self.setObjectName("add_user_dialog")
        self.setWindowTitle("Thêm người dùng")
        self.path = path
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.fields = NewUserFields(self, form)
        lay.addLayout(form)
        lay.addWidget(QLabel("Vai trò:", self))
        self.roles = RoleBoxes(self, lay, level)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        lay.addLayout(ok_cancel_row(self, "Thêm"))
        self.setMinimumWidth(520)

    def accept(self) -> None:
        from bkdesk.model.store import users

        try:
            username, display, password = self.fields.read()
            codes = self.roles.codes()
            with _conn(self.path) as conn:
                users.add_user(conn, username, password, codes, display)
        except (UserError, ValueError) as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()


class RolesDialog(QDialog):
    def __init__(self, path: Path, level: str | None, user, parent=None):
        super().__init__(parent)
        self.setObjectName("roles_dialog")
        self.setWindowTitle(f"Vai trò của {user.username}")
        self.path, self.username = path, user.username
        lay = QVBoxLayout(self)
        self.roles = RoleBoxes(self, lay, level, user.roles)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        lay.addLayout(ok_cancel_row(self, "Lưu"))

    def accept(self) -> None:
        from bkdesk.model.store import users

        try:
            codes = self.roles.codes()
            with _conn(self.path) as conn:
                users.set_roles(conn, self.username, codes)
        except (UserError, ValueError) as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()


class PasswordDialog(QDialog):
    """An administrator sets ``username``'s password; with ``own`` the user changes their own (old one first)."""

    def __init__(self, path: Path, username: str, own: bool = False, parent=None):
        super().__init__(parent)
        self.setObjectName("password_dialog")
        self.setWindowTitle("Đổi mật khẩu" if own else f"Đặt mật khẩu cho {username}")
        self.path, self.username, self.own = path, username, own
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.old_edit = password_edit(self, "old_password_edit")
        if own:
            form.addRow("Mật khẩu hiện tại:", self.old_edit)
        self.password_edit = password_edit(self, "password_edit")
        self.password2_edit = password_edit(self, "password2_edit")
        form.addRow("Mật khẩu mới:", self.password_edit)
        form.addRow("Nhập lại mật khẩu mới:", self.password2_edit)
        lay.addLayout(form)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        lay.addLayout(ok_cancel_row(self, "Đổi mật khẩu" if own else "Đặt mật khẩu"))
        self.setMinimumWidth(460)

    def accept(self) -> None:
        from bkdesk.model.store import users

        try:
            check_pair(self.password_edit.text(), self.password2_edit.text())
            if self.own:
                users.change_own_password(self.path, self.username, self.old_edit.text(), self.password_edit.text())
            else:
                with _conn(self.path) as conn:
                    users.set_password(conn, self.username, self.password_edit.text())
        except UserError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()


class UsersDialog(QDialog):
    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.setObjectName("users_dialog")
        self.setWindowTitle("Người dùng")
        self.path, self.users, self.level = Path(path), [], None
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("users_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table)
        self.message_label = error_label(self, "message_label")
        lay.addWidget(self.message_label)
        row = QHBoxLayout()
        self.add_button = QPushButton("Thêm người dùng...", self)
        self.password_button = QPushButton("Đặt mật khẩu...", self)
        self.roles_button = QPushButton("Đổi vai trò...", self)
        self.disable_button = QPushButton("Khoá người dùng", self)
        for name, button, slot in (("add_user_button", self.add_button, self.add_user),
                                   ("set_password_button", self.password_button, self.set_password),
                                   ("roles_button", self.roles_button, self.change_roles),
                                   ("disable_button", self.disable_button, self.disable)):
            button.setObjectName(name)
            button.clicked.connect(lambda _c=False, s=slot: s())
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("Đóng", self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        lay.addLayout(row)
        self.refresh()
        self.resize(820, 420)

    def refresh(self) -> None:
        from bkdesk.model.store import settings, users

        with _conn(self.path) as conn:
            self.users = users.list_users(conn)
            self.level = settings.get(conn, settings.SCOPE)
        self.table.setRowCount(len(self.users))
        for i, u in enumerate(self.users):
            cells = (u.username, u.display_name, R.role_labels(u.roles), "Đã khoá" if u.disabled else "Đang hoạt động",
                     (u.created_at or "")[:16].replace("T", " "))
            for c, text in enumerate(cells):
                self.table.setItem(i, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def say(self, text: str, ok: bool) -> None:
        self.message_label.setStyleSheet("color: #1b5e20;" if ok else "color: #b00020;")
        self.message_label.setText(text)

    def current(self):
        row = self.table.currentRow()
        if 0 <= row < len(self.users):
            return self.users[row]
        self.say("Hãy chọn một người dùng trong danh sách.", False)
        return None

    def _done(self, dialog: QDialog, message: str) -> None:
        self.dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.say(message, True)
            self.refresh()

    def add_user(self) -> None:
        self._done(AddUserDialog(self.path, self.level, self), "Đã thêm người dùng.")

    def set_password(self) -> None:
        user = self.current()
        if user is not None:
            self._done(PasswordDialog(self.path, user.username, parent=self),
                       f"Đã đặt mật khẩu mới cho {user.username}.")

    def change_roles(self) -> None:
        user = self.current()
        if user is not None:
            self._done(RolesDialog(self.path, self.level, user, self), f"Đã đổi vai trò của {user.username}.")

    def disable(self) -> None:
        from bkdesk.model.store import users

        user = self.current()
        if user is None:
            return
        try:
            with _conn(self.path) as conn:
                users.disable_user(conn, user.username)
        except UserError as exc:
            self.say(str(exc), False)
            return
        self.say(f"Đã khoá người dùng {user.username}: không đăng nhập được nữa (đặt mật khẩu mới để mở lại).", True)
        self.refresh()


def open_users(parent, db_path: Path) -> UsersDialog:
    dlg = UsersDialog(db_path, parent)
    dlg.show()
    return dlg


def open_own_password(parent, db_path: Path, username: str) -> PasswordDialog:
    dlg = PasswordDialog(db_path, username, own=True, parent=parent)
    dlg.show()
    return dlg
