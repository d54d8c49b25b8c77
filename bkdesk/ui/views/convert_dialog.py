"""A plain (unencrypted) database from an earlier version: explain, create the first user, encrypt it into a
new file (verified table by table, off the UI thread), show the recovery key, then ask whether to delete the
plain copy and the plain backups. Declining keeps them; the desk reminds (``plain_leftovers``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.ui.views.user_fields import NewUserFields, button, button_row, error_label

EXPLAIN = ("Cơ sở dữ liệu này được tạo bởi phiên bản trước và CHƯA ĐƯỢC MÃ HOÁ: ai có tệp cũng đọc được họ tên, "
           "số CCCD, địa chỉ của người dân. Theo Luật Bảo vệ dữ liệu cá nhân, dữ liệu sẽ được mã hoá: bkdesk chép "
           "toàn bộ dữ liệu sang một tệp mã hoá mới, kiểm tra từng bảng, rồi mới dùng tệp mới. Từ nay mỗi lần mở "
           "cần đăng nhập. Hãy tạo người dùng đầu tiên (có mọi vai trò, kể cả Quản trị):")
EXPLAIN_DEMO = ("Dữ liệu mẫu cũng được mã hoá như dữ liệu thật và mở bằng đăng nhập. Hãy tạo người dùng để dùng "
                "thử (có mọi vai trò, kể cả Quản trị):")


class ConvertDialog(QDialog):
    """``conversion`` (users.Conversion) once the data is encrypted; ``removed`` lists deleted plain files."""

    def __init__(self, path: Path, parent=None, demo: bool = False):
        super().__init__(parent)
        self.setObjectName("convert_dialog")
        self.setWindowTitle("Mã hoá dữ liệu" if not demo else "Dữ liệu mẫu: tạo người dùng")
        self.path, self.demo = Path(path), demo
        self.conversion, self.removed, self.job = None, [], None
        lay = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        lay.addWidget(self.pages)
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._plain_page())
        self.resize(640, 420)

    def _form_page(self) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        intro = QLabel(EXPLAIN_DEMO if self.demo else EXPLAIN, page)
        intro.setObjectName("intro_label")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        name = QLabel(f"Tệp: {self.path}", page)
        name.setWordWrap(True)
        lay.addWidget(name)
        form = QFormLayout()
        self.fields = NewUserFields(page, form)
        self.fields.display_edit.setFocus()
        lay.addLayout(form)
        self.error_label = error_label(page)
        lay.addWidget(self.error_label)
        lay.addStretch(1)
        self.convert_button = button(page, "Tạo người dùng và mã hoá" if not self.demo else "Tạo người dùng",
                                     "convert_button", self.convert, default=True)
        self.cancel_button = button(page, "Thoát", "", self.reject)
        lay.addLayout(button_row(self.convert_button, self.cancel_button))
        return page

    def _plain_page(self) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        self.done_label = QLabel(page)
        self.done_label.setObjectName("done_label")
        self.done_label.setWordWrap(True)
        lay.addWidget(self.done_label)
        ask = QLabel("Bản chưa mã hoá vẫn còn trên máy (tệp cũ và các bản sao lưu cũ dưới đây). Nên xoá để không ai "
                     "đọc được dữ liệu cá nhân từ đó. Xoá ngay bây giờ?", page)
        ask.setWordWrap(True)
        lay.addWidget(ask)
        self.plain_list = QListWidget(page)
        self.plain_list.setObjectName("plain_list")
        lay.addWidget(self.plain_list)
        self.delete_button = button(page, "Xoá bản chưa mã hoá", "delete_plain_button", self.delete_plain)
        self.keep_button = button(page, "Giữ lại (nhắc sau)", "keep_plain_button", self.accept)
        lay.addLayout(button_row(self.delete_button, self.keep_button))
        return page

    # --- steps ------------------------------------------------------------------------------------

    def convert(self) -> None:
        from bkdesk.model.store import users
        from bkdesk.ui.jobs import run_in_background

        try:
            username, display, password = self.fields.read()
        except UserError as exc:
            self.error_label.setText(str(exc))
            return
        self.error_label.setText("Đang mã hoá dữ liệu...")
        self.convert_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        path = self.path

        def work(control):
            return users.convert_plain(path, username, password, display)

        def failed(message: str, details: str) -> None:
            self.error_label.setText(message)
            self.convert_button.setEnabled(True)
            self.cancel_button.setEnabled(True)

        self.job = run_in_background(work, self._converted, failed, parent=self, title="Đang mã hoá dữ liệu…")

    def _converted(self, conv) -> None:
        from bkdesk.model.store import users
        from bkdesk.ui.views.recovery_dialog import RecoveryKeyDialog

        self.conversion = conv
        self.error_label.setText("")
        rows = sum(conv.tables.values())
        self.done_label.setText(f"Đã mã hoá: {len(conv.tables)} bảng, {fmt_int(rows)} dòng, kiểm tra khớp với tệp"
                                f" cũ. Người dùng đầu tiên: {conv.session.label}.")
        self.recovery_dialog = RecoveryKeyDialog(self.path, conv.recovery, conv.session.username, self)
        self.recovery_dialog.exec()
        if self.demo:  # sample data, nothing personal: the plain build is not kept
            self.removed = users.remove_plain(conv)
            self.accept()
            return
        for p in [conv.plain_copy, *conv.plain_backups]:
            self.plain_list.addItem(str(p))
        self.pages.setCurrentIndex(1)

    def delete_plain(self) -> None:
        from bkdesk.model.store import users

        try:
            self.removed = users.remove_plain(self.conversion)
        except OSError as exc:
            from bkdesk.fileio import os_error_message

            self.done_label.setText(os_error_message(exc))
            return
        self.accept()

    def reject(self) -> None:
        if self.conversion is not None:  # encrypted already: leaving now keeps the plain copy (reminded later)
            self.accept()
        elif self.job is None or self.convert_button.isEnabled():
            super().reject()


def plain_reminder(path: Path) -> str:
    """The desk's reminder while plain copies or plain backups are left on disk; '' when none."""
    from bkdesk.model.store import users

    left = users.plain_leftovers(path)
    if not left:
        return ""
    return (f"Còn {len(left)} bản chưa mã hoá của dữ liệu (tệp cũ, sao lưu cũ): nên xoá ở Quản trị > "
            "Xoá bản chưa mã hoá.")

