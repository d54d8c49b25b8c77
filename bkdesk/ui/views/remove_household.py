"""Hộ gia đình > Xóa hộ (nhập nhầm)…: remove the selected household entered in error, after the officer sees
which household it is and writes the reason. The work is the model's (model.review.household_remove, through
the desk context, which announces the change so the list, the counts and the village tree refresh); a
refusal is shown as the model's one line."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.ui.i18n import _
from bkdesk.ui.views.user_fields import button, button_row, error_label

SHOWN_MS = 15_000


class RemoveHouseholdDialog(QDialog):
    """Names the household (number, head, village, people), asks the reason (required), removes on
    **Xóa hộ**; ``removed`` holds the model's result after it is accepted."""

    def __init__(self, desk, uid: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk, self.uid, self.removed = desk, uid, None
        self.setObjectName("remove_household_dialog")
        self.setWindowTitle(_("Xóa hộ nhập nhầm"))
        row = desk.row_data([uid]).get(uid, {})
        lay = QVBoxLayout(self)
        self.household_label = QLabel(_("Xóa hộ {no} - chủ hộ {head}?").format(
            no=row.get("household_no") or _("(chưa có mã)"), head=row.get("head_name") or _("(chưa có tên)")), self)
        self.household_label.setObjectName("household_label")
        self.household_label.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.household_label)
        where = QLabel(_("{village}, {n} người").format(village=row.get("village") or _("(chưa có thôn)"),
                                                          n=fmt_int(row.get("members") or 0)), self)
        lay.addWidget(where)
        note = QLabel(_("Chỉ dùng cho hộ nhập trùng hoặc nhập nhầm. Hộ bị xóa cùng thành viên, nhà ở, phiếu rà "
                        "soát, biến động và đăng ký thoát nghèo của hộ. Việc xóa được ghi nhật ký và gửi lên cấp "
                        "trên trong gói dữ liệu tiếp theo; không hoàn tác được."), self)
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QFormLayout()
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reason_edit")
        self.reason_edit.setPlaceholderText(_("ví dụ: Nhập trùng với hộ 0012"))
        self.reason_edit.textChanged.connect(self._on_reason_edit_text_changed)
        form.addRow(_("Lý do xóa (bắt buộc):"), self.reason_edit)
        lay.addLayout(form)
        self.error_label = error_label(self)
        lay.addWidget(self.error_label)
        self.remove_button = button(self, _("Xóa hộ"), "remove_button", self.accept, default=True)
        self.remove_button.setEnabled(False)
        self.cancel_button = button(self, _("Huỷ"), "cancel_button", self.reject)
        lay.addLayout(button_row(self.remove_button, self.cancel_button))
        self.setMinimumWidth(520)
        self.reason_edit.setFocus()

    def _on_reason_edit_text_changed(self, text: str) -> None:
        self.remove_button.setEnabled(bool(text.strip()))
        self.error_label.setText("")

    def accept(self) -> None:
        try:
            self.removed = self.desk.remove_household(self.uid, self.reason_edit.text())
        except UserError as exc:  # refused (reason, role, a round decided meanwhile, database busy)
            self.error_label.setText(str(exc))
            return
        super().accept()


def can_remove(window) -> bool:
    """One household selected and the user may edit households."""
    return bool(window.current_uid()) and window.desk.can(R.EDIT)


def remove_selected(window):
    """The action: check, confirm, remove; returns the model's result, None when nothing was removed."""
    uid = window.current_uid()
    title = _("Xóa hộ nhập nhầm")
    if not uid:
        QMessageBox.information(window, title, _("Hãy chọn một hộ trong danh sách."))
        return None
    if any(getattr(e, "model", None) is not None and e.model.uid == uid for e in window.editors):
        QMessageBox.warning(window, title, _("Hộ này đang mở trong cửa sổ hộ: hãy đóng cửa sổ đó trước khi xóa."))
        return None
    why = window.desk.removal_refusal(uid)
    if why:
        QMessageBox.warning(window, _("Không xóa được hộ"), why)
        return None
    dialog = RemoveHouseholdDialog(window.desk, uid, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    window.statusBar().showMessage(dialog.removed.line(), SHOWN_MS)
    return dialog.removed


def wire(window, action) -> None:
    """Keep ``action`` enabled only while one household is selected and the user may edit, and offer it on the
    table's context menu."""

    def update(*_args) -> None:
        action.setEnabled(can_remove(window))

    view = window.table_view
    view.selectionModel().currentChanged.connect(update)
    window.model.modelReset.connect(update)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    view.addAction(action)
    update()
