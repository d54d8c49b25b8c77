"""Send up from the desk (issue 14): "Xuất gói gửi cấp trên" writes the commune's package, the same file as
`bkdesk export-package` (``export.sync.package.write_package``), with a suggested name (unit, round, date)
in the folder used last time, progress for a long export, and a summary of what went in.

The data is encrypted to the level above (its recipient key, registered once from here: "Đăng ký khoá
nhận của cấp trên…", or `bkdesk keys add-recipient`); without one the officer types a passphrase twice, to
tell the level above by phone (issue 16).

Entry points: ``open_send_package(parent, db_path)`` (menu and toolbar) and ``confirm_leave(parent,
db_path)`` (before the desk closes or switches database: offers to export the unexported changes now).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.store import settings
from bkdesk.model.store.db import open_db
from bkdesk.ui import prefs
from bkdesk.ui.jobs import run_in_background

FOLDER_KEY = "send_package/folder"
TABLE_LABELS = (("household", "hộ"), ("member", "thành viên"), ("review", "phiếu rà soát"),
                ("village", "thôn"), ("village_meeting", "biên bản họp thôn"), ("round_decision", "quyết định"))


def remembered_folder() -> Path:
    value = prefs.qsettings().value(FOLDER_KEY, "")
    folder = Path(str(value)) if value else Path.home()
    return folder if folder.is_dir() else Path.home()


def remember_folder(folder: Path) -> None:
    s = prefs.qsettings()
    s.setValue(FOLDER_KEY, str(folder))
    s.sync()


def package_context(db_path: str | Path) -> tuple[str, str, int]:
    """(unit code, unit name, review year) of a commune database; UserError when it cannot send up."""
    from bkdesk.model.store.repo_units import unit_name

    conn = open_db(db_path)
    try:
        code = settings.get(conn, settings.SCOPE_CODE) or ""
        year = int(settings.get(conn, settings.REVIEW_YEAR) or 0)
        name = unit_name(conn, code) or code
    finally:
        conn.close()
    if not code:
        raise UserError("Cơ sở dữ liệu chưa gắn với đơn vị nào nên chưa xuất được gói dữ liệu.")
    if not year:
        raise UserError("Cơ sở dữ liệu chưa có năm rà soát nên chưa xuất được gói dữ liệu.")
    return code, name, year


def suggested_name(unit_name: str, unit_code: str, review_year: int, today: dt.date | None = None) -> str:
    """bkdesk_<unit>_<code>_ra-soat-<R>_<yyyy-mm-dd>.xlsx (no accents or spaces: safe on every USB stick)."""
    from bkdesk.export.sync.package import ascii_fold

    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_fold(unit_name)).strip("-")
    return f"bkdesk_{slug}_{unit_code}_ra-soat-{review_year}_{(today or dt.date.today()).isoformat()}.xlsx"


def export_package(db_path: str | Path, unit_code: str, review_year: int, out: Path, control=None,
                   passphrase: str | None = None) -> dict:
    """Write the package (the same call as `bkdesk export-package`) and return its summary."""
    from bkdesk.export.sync.package import read_manifest, write_package
    from bkdesk.export.sync.sealing import iter_slot_summaries
    from bkdesk.model.jobs import NO_CONTROL

    conn = open_db(db_path)
    try:
        path, checksum = write_package(conn, unit_code, review_year, out, control or NO_CONTROL,
                                       passphrase=passphrase)
        statuses = _statuses(conn, review_year)
    finally:
        conn.close()
    manifest = read_manifest(path)
    counts = {t: int(manifest.get(f"rows.{t}", 0) or 0) for t, _ in TABLE_LABELS}
    return {"path": path, "checksum": checksum, "counts": counts, "statuses": statuses,
            "readers": list(iter_slot_summaries(manifest)), "passphrase": bool(passphrase)}


def recipient_lines(db_path: str | Path) -> list[str]:
    """The registered recipients of this database ("Huyện Ngân Sơn (062), khóa ABCD-…"); empty: none."""
    from bkdesk.export.sync.recipients import registered

    conn = open_db(db_path)
    try:
        return [f"{r['unit_name']} ({r['unit_code']}), dấu nhận dạng khóa {r['fingerprint']}" for r in registered(conn)]
    finally:
        conn.close()


def register_recipient(db_path: str | Path, key_file: str | Path) -> str:
    """Register the level above's key file (the same call as `bkdesk keys add-recipient`); the line to show."""
    from bkdesk.export.sync.recipients import LEVEL_VI, add_recipient

    conn = open_db(db_path)
    try:
        r, retired = add_recipient(conn, key_file)
    finally:
        conn.close()
    return (f"Đã đăng ký khóa nhận của {r.unit_name} ({r.unit_code}). Dấu nhận dạng:"
            f" {r.fingerprint}. Hãy gọi điện cho cán bộ {LEVEL_VI[r.unit_level]} để đối chiếu từng ký tự."
            + (f" Thôi dùng khóa cũ: {', '.join(retired)}." if retired else ""))


PASSPHRASE_TEXT = ("Chưa đăng ký khóa nhận của cấp trên, nên gói sẽ được khóa bằng một cụm mật khẩu. Hãy nhập cụm"
                   " mật khẩu hai lần, rồi báo cho cán bộ cấp trên qua điện thoại (không gửi kèm tệp, không ghi"
                   " vào thư điện tử hay tin nhắn cùng tệp).")


def ask_export_passphrase(parent, db_path: str | Path) -> tuple[bool, str | None]:
    """(go on, passphrase): no passphrase is needed when a recipient is registered; (False, None) when the
    person cancelled the question."""
    if recipient_lines(db_path):
        return True, None
    from bkdesk.ui.views.passphrase_dialog import ask_passphrase

    phrase = ask_passphrase(parent, True, PASSPHRASE_TEXT)
    return phrase is not None, phrase


def _statuses(conn, review_year: int) -> dict | None:
    from bkdesk.model.review import rounds

    try:
        return rounds.round_status(conn, rounds.periodic_round(conn, review_year))["statuses"]
    except UserError:
        return None


def summary_text(summary: dict) -> str:
    from bkdesk.model.review.rounds import STATUS_LABELS

    parts = [f"{fmt_int(summary['counts'][t])} {label}" for t, label in TABLE_LABELS if summary["counts"].get(t)]
    lines = [f"Đã xuất gói dữ liệu: {summary['path']}", "Trong gói: " + (", ".join(parts) or "chưa có dữ liệu") + "."]
    if summary["statuses"]:
        lines.append("Phiếu của đợt rà soát: " + ", ".join(
            f"{STATUS_LABELS[k].lower()} {fmt_int(n)}" for k, n in summary["statuses"].items() if n) + ".")
        if summary["statuses"].get("draft") or summary["statuses"].get("missing"):
            lines.append("Lưu ý: phiếu đang nhập chưa được tính trong danh sách và báo cáo của cấp trên.")
    if summary.get("readers"):
        lines.append("Dữ liệu trong gói chỉ mở được bằng: " + "; ".join(summary["readers"]) + ".")
    if summary.get("passphrase"):
        lines.append("Hãy báo cụm mật khẩu cho cấp trên qua điện thoại, không gửi kèm tệp.")
    lines.append(f"Mã kiểm tra: {summary['checksum'][:16]}…")
    return "\n".join(lines)


class SendPackageDialog(QDialog):
    """Choose where to write the package, export it in the background, show what went in."""

    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.setWindowTitle("Xuất gói gửi cấp trên")
        self.setObjectName("send_package_dialog")
        self.summary: dict | None = None
        self.job = None
        lay = QVBoxLayout(self)
        self.unit_code, unit_name, year = package_context(self.db_path)
        intro = QLabel(f"Gói dữ liệu của {unit_name} ({self.unit_code}), đợt rà soát năm {year}, để gửi cấp "
                       "trên tổng hợp (cùng tệp với lệnh bkdesk export-package).", self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.year_spin = QSpinBox(self)
        self.year_spin.setObjectName("send_year_spin")
        self.year_spin.setRange(2021, 2100)
        self.year_spin.setValue(year)
        self.path_edit = QLineEdit(str(remembered_folder() / suggested_name(unit_name, self.unit_code, year)), self)
        self.path_edit.setObjectName("send_path_edit")
        self.browse_button = QPushButton("Chọn nơi lưu...", self)
        self.browse_button.setObjectName("send_browse_button")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow("Năm rà soát:", self.year_spin)
        form.addRow("Tệp gói:", row)
        self.recipient_label = QLabel("", self)
        self.recipient_label.setObjectName("send_recipient_label")
        self.recipient_label.setWordWrap(True)
        self.register_button = QPushButton("Đăng ký khóa nhận của cấp trên...", self)
        self.register_button.setObjectName("send_register_button")
        # The label wraps: on its own row (a wrapped label beside a button in one row overlapped the row above)
        form.addRow("Mã hóa cho:", self.recipient_label)
        keys = QHBoxLayout()
        keys.addWidget(self.register_button)
        keys.addStretch(1)
        form.addRow("", keys)
        lay.addLayout(form)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("send_message_label")
        self.message_label.setWordWrap(True)
        lay.addWidget(self.message_label, 1)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Xuất gói", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("send_export_button")
        self.close_button = self.buttons.addButton("Đóng", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setObjectName("send_close_button")
        lay.addWidget(self.buttons)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.register_button.clicked.connect(self._on_register_button_clicked)
        self._show_recipients()
        self.year_spin.valueChanged.connect(lambda y: self.path_edit.setText(
            str(Path(self.path_edit.text()).parent / suggested_name(unit_name, self.unit_code, y))))
        self.resize(720, 300)

    def _on_browse_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu gói dữ liệu", self.path_edit.text(), "Excel (*.xlsx)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def _show_recipients(self) -> None:
        lines = recipient_lines(self.db_path)
        self.recipient_label.setText("; ".join(lines) if lines else "Chưa đăng ký khóa nhận của cấp trên: khi xuất"
                                     " sẽ hỏi một cụm mật khẩu để khóa gói.")

    def _on_register_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp khóa nhận của cấp trên", str(Path.home()),
                                              "Tệp khóa nhận bkdesk (*.json);;Mọi tệp (*)")
        if not path:
            return
        try:
            text = register_recipient(self.db_path, path)
        except UserError as exc:
            self.message_label.setText(f"⚠ {exc}")
            return
        self._show_recipients()
        self.message_label.setText(text)

    def start_export(self) -> None:
        out = Path(self.path_edit.text().strip())
        if not out.name or out.suffix.lower() != ".xlsx":
            self.message_label.setText("⚠ Tệp gói dữ liệu phải có đuôi .xlsx.")
            return
        if out.exists():
            self.message_label.setText("⚠ Tệp này đã có; hãy chọn tên khác để không ghi đè gói cũ.")
            return
        if not out.parent.is_dir():
            self.message_label.setText(f"⚠ Không có thư mục {out.parent}.")
            return
        go_on, phrase = ask_export_passphrase(self, self.db_path)
        if not go_on:
            self.message_label.setText("Chưa xuất: cần đăng ký khóa nhận của cấp trên hoặc nhập cụm mật khẩu.")
            return
        self.export_button.setEnabled(False)
        self.message_label.setText("Đang xuất gói dữ liệu…")
        year = self.year_spin.value()
        self.job = run_in_background(lambda control: export_package(self.db_path, self.unit_code, year, out, control,
                                                                    phrase),
                                     self._done, self._failed, parent=self, title="Đang xuất gói dữ liệu…",
                                     on_cancel=self._cancelled)

    def _done(self, summary) -> None:
        self.summary = summary
        remember_folder(Path(summary["path"]).parent)
        self.message_label.setText(summary_text(summary))
        self.export_button.setEnabled(True)

    def _failed(self, message: str, _detail: str = "") -> None:
        self.message_label.setText(f"⚠ {message}")
        self.export_button.setEnabled(True)

    def _cancelled(self) -> None:
        self.message_label.setText("Đã hủy; không có tệp nào được ghi.")
        self.export_button.setEnabled(True)


def open_send_package(parent, db_path: str | Path) -> QDialog | None:
    try:
        dlg = SendPackageDialog(db_path, parent)
    except UserError as exc:
        QMessageBox.warning(parent, "Xuất gói gửi cấp trên", str(exc))
        return None
    dlg.show()
    return dlg


def confirm_leave(parent: QWidget | None, db_path: str | Path) -> bool:
    """True when the desk may close: no unexported changes, or the officer exported now or chose to leave."""
    from bkdesk.ui.views.restore_view import unexported_changes

    n = unexported_changes(db_path)
    if n == 0:
        return True
    box = QMessageBox(QMessageBox.Icon.Question, "Thay đổi chưa xuất",
                      f"Có {fmt_int(n)} thay đổi chưa được xuất vào gói dữ liệu gửi cấp trên.\n\n"
                      "Xuất gói ngay bây giờ? Nếu không, các thay đổi vẫn được lưu trên máy này nhưng cấp trên "
                      "chưa nhận được.", parent=parent)
    export = box.addButton("Xuất gói ngay", QMessageBox.ButtonRole.AcceptRole)
    leave = box.addButton("Vẫn thoát", QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton("Ở lại", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(export)
    box.setEscapeButton(stay)
    box.exec()
    clicked = box.clickedButton()
    if clicked is leave:
        return True
    if clicked is not export:
        return False
    try:
        code, name, year = package_context(db_path)
        out = remembered_folder() / suggested_name(name, code, year)
        n = 1
        while out.exists():
            n += 1
            out = out.with_name(f"{suggested_name(name, code, year)[:-5]}_{n}.xlsx")
        go_on, phrase = ask_export_passphrase(parent, db_path)
        if not go_on:
            return False
        summary = export_package(db_path, code, year, out, passphrase=phrase)
    except UserError as exc:
        QMessageBox.warning(parent, "Không xuất được gói dữ liệu", str(exc))
        return False
    remember_folder(out.parent)
    QMessageBox.information(parent, "Xuất gói gửi cấp trên", summary_text(summary))
    return True
