"""First run: choose the commune (searchable, accent-insensitive), officer name, review year, and the first user
(login name, password twice); create the database encrypted (issue 16). The recovery key is shown by the caller
(app) once the wizard is accepted: ``wizard.protection.recovery``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
)

from bkdesk.errors import UserError
from bkdesk.model.rules.text import search_key
from bkdesk.model.rules.units import TREE_2022, TREE_2022_LAST_DAY, TREE_2025, catalog, tree_on
from bkdesk.model.store import settings
from bkdesk.model.store.databases import init_database
from bkdesk.ui.i18n import _
from bkdesk.ui.views.user_fields import NewUserFields

TREE_ROLE = Qt.ItemDataRole.UserRole + 1


def commune_choices() -> list[tuple[str, str, str, str]]:
    """(code, display text, search key, unit list) of every commune, 2025 units first (the units in force).

    A code alone is ambiguous (37 codes name one unit in each list), so every choice carries its list."""
    cat = catalog()
    out = []
    for tree in (TREE_2025, TREE_2022):
        for u in cat.communes(tree):
            parent = cat.find(u.parent_code, tree) if u.parent_code else None
            text = f"{u.name} ({u.code})" + (f" - {parent.name}" if parent else "")
            text += " " + (_("[trước 01/07/2025]") if tree == TREE_2022 else _("[từ 01/07/2025]"))
            out.append((u.code, text, search_key(text), tree))
    return out


class FirstRunWizard(QDialog):
    """Creates the database at ``path``; ``self.conn`` is the open connection afterwards, logged in as the first
    user (``self.session``). ``ask_user=False``: the database is already protected and logged in (a converted
    file that was never set up): only the commune and year are asked."""

    def __init__(self, path: Path, parent=None, ask_user: bool = True):
        super().__init__(parent)
        self.path, self.conn = Path(path), None
        self.protection, self.session = None, None
        self.setWindowTitle(_("Bắt đầu sử dụng bkdesk"))
        lay = QVBoxLayout(self)
        intro = QLabel(_("Chưa có cơ sở dữ liệu. Chọn xã làm việc, nhập tên cán bộ và năm rà soát.") + (
            " " + _("Dữ liệu được mã hoá: tạo người dùng đầu tiên (tên đăng nhập, mật khẩu) để mở lại sau này.")
            if ask_user else ""), self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.commune_search_edit = QLineEdit(self)
        self.commune_search_edit.setObjectName("commune_search_edit")
        self.commune_search_edit.setPlaceholderText(_("Gõ tên xã, có dấu hoặc không dấu (ví dụ: van tung)"))
        self.commune_search_edit.textChanged.connect(self._on_commune_search_edit_text_changed)
        self.commune_list = QListWidget(self)
        self.commune_list.setObjectName("commune_list")
        self.commune_list.setMinimumHeight(260)
        self.officer_edit = QLineEdit(self)
        self.officer_edit.setObjectName("officer_edit")
        self.year_spin = QSpinBox(self)
        self.year_spin.setObjectName("review_year_spin")
        self.year_spin.setRange(2021, 2035)
        self.year_spin.setValue(dt.date.today().year)
        form.addRow(_("Tìm xã:"), self.commune_search_edit)
        form.addRow(_("Xã làm việc:"), self.commune_list)
        form.addRow(_("Tên cán bộ:"), self.officer_edit)
        form.addRow(_("Năm rà soát:"), self.year_spin)
        self.user_fields = NewUserFields(self, form, self.officer_edit) if ask_user else None
        lay.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error_label)
        path_label = QLabel(_("Tệp dữ liệu: {path}").format(path=self.path), self)
        path_label.setWordWrap(True)
        lay.addWidget(path_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._choices = commune_choices()
        self._fill("")
        self.resize(620, 640 if ask_user else 560)

    def _fill(self, text: str) -> None:
        key = search_key(text)
        self.commune_list.clear()
        for code, label, k, tree in self._choices:
            if not key or key in k:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, code)
                item.setData(TREE_ROLE, tree)
                self.commune_list.addItem(item)
        if self.commune_list.count():
            self.commune_list.setCurrentRow(0)

    def _on_commune_search_edit_text_changed(self, text: str) -> None:
        self._fill(text)

    def accept(self) -> None:
        item = self.commune_list.currentItem()
        officer = self.officer_edit.text().strip()
        if item is None:
            self.error_label.setText(_("Hãy chọn một xã trong danh sách."))
            return
        if not officer:
            self.error_label.setText(_("Hãy nhập tên cán bộ."))
            return
        code, tree, year = item.data(Qt.ItemDataRole.UserRole), item.data(TREE_ROLE), self.year_spin.value()
        if tree_on(dt.date(year, 12, 31)) != tree:
            self.error_label.setText(
                _("Xã thuộc danh mục đơn vị trước 01/07/2025 chỉ dùng cho năm rà soát đến {y}.").format(
                    y=TREE_2022_LAST_DAY.year - 1) if tree == TREE_2022 else
                _("Xã theo danh mục đơn vị từ 01/07/2025 dùng cho năm rà soát từ {y}.").format(
                    y=TREE_2022_LAST_DAY.year))
            return
        if self.user_fields is not None:
            try:
                username, display, password = self.user_fields.read()
            except UserError as exc:
                self.error_label.setText(str(exc))
                return
        from bkdesk.model.store import users

        try:
            if self.user_fields is not None:
                self.protection = users.begin_protected(self.path, username, password, display)
            self.conn = init_database(self.path, "commune", code, officer=officer, tree=tree)
            settings.put(self.conn, settings.REVIEW_YEAR, str(year))
            if self.protection is not None:
                self.session = users.finish_protected(self.protection, self.conn)
        except UserError as exc:
            if self.protection is not None and self.conn is None:
                users.abandon_protected(self.protection)
                self.protection = None
            QMessageBox.warning(self, _("Không tạo được cơ sở dữ liệu"), str(exc))
            return
        super().accept()
