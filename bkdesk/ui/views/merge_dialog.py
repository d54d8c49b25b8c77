"""Import several sync packages at once (file dialog or drag and drop), with progress and cancel, then
the merge report on screen and as xlsx. Packages are opened with this database's recipient key; those
locked by a passphrase make the dialog ask for it (once) and merge them again; a unit's first signing key
is trusted after the person compared its fingerprint. Entry point: ``open_merge_dialog(parent, db_path)``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.export.sync.merge_report import HEADER, report_rows, write_report
from bkdesk.ui.jobs import run_in_background


def _merge_job(db_path: Path, files: list[Path], passphrase: str | None = None):
    def fn(control):
        from bkdesk.export.sync.merge import merge_files
        from bkdesk.model.store.db import open_db
        from bkdesk.model.store.writer import WRITERS

        with WRITERS.writing("gộp gói dữ liệu"):  # the officer's save waits its turn, never races the merge
            conn = open_db(db_path)  # one connection per thread
            try:
                return merge_files(conn, db_path, files, control, passphrase=passphrase)
            finally:
                conn.close()
    return fn


class MergeDialog(QDialog):
    merge_finished = Signal(object)  # MergeReport

    def __init__(self, db_path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.report = None
        self._base_report = None
        self._passphrase: str | None = None
        self.job = None
        self.setWindowTitle("Nhập và tổng hợp gói dữ liệu")
        self.setAcceptDrops(True)
        self.resize(1000, 560)
        self.files_list = QListWidget()
        self.add_button = QPushButton("Thêm tệp…")
        self.remove_button = QPushButton("Bỏ tệp đã chọn")
        self.merge_button = QPushButton("Nhập các tệp")
        self.save_report_button = QPushButton("Lưu báo cáo ra Excel…")
        self.recipient_button = QPushButton("Xuất khóa nhận cho cấp dưới…")
        self.recipient_button.setToolTip("Tệp khóa để các xã đăng ký: gói của xã chỉ cơ sở dữ liệu này mở được")
        self.close_button = QPushButton("Đóng")
        self.status_label = QLabel("Chọn hoặc kéo thả các tệp gói dữ liệu (.xlsx) vào đây.")
        self.status_label.setWordWrap(True)
        self.report_table = QTableWidget(0, len(HEADER))
        self.report_table.setHorizontalHeaderLabels(list(HEADER))
        self.report_table.verticalHeader().setVisible(False)
        self.report_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.save_report_button.setEnabled(False)
        self.merge_button.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.merge_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.recipient_button)
        for b in (self.save_report_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Các tệp sẽ nhập:"))
        layout.addWidget(self.files_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel("Báo cáo nhập:"))
        layout.addWidget(self.report_table, 2)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.save_report_button.clicked.connect(self._on_save_report_button_clicked)
        self.recipient_button.clicked.connect(self._on_recipient_button_clicked)
        self.close_button.clicked.connect(self.close)

    # files ---------------------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        return [Path(self.files_list.item(i).text()) for i in range(self.files_list.count())]

    def add_files(self, paths) -> None:
        known = set(self.files())
        for p in map(Path, paths):
            if p.is_file() and p not in known:
                self.files_list.addItem(str(p))
                known.add(p)
        self.merge_button.setEnabled(bool(known) and self.job is None)

    def _on_add_button_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Chọn gói dữ liệu", "", "Gói dữ liệu bkdesk (*.xlsx)")
        self.add_files(paths)

    def _on_remove_button_clicked(self) -> None:
        for item in self.files_list.selectedItems():
            self.files_list.takeItem(self.files_list.row(item))
        self.merge_button.setEnabled(self.files_list.count() > 0)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.add_files(u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile())
        event.acceptProposedAction()

    # merge ---------------------------------------------------------------------------------------------
    def _on_merge_button_clicked(self) -> None:
        files = self.files()
        if not files:
            return
        self.merge_button.setEnabled(False)
        self.status_label.setText(f"Đang kiểm tra và nhập {len(files)} tệp…")
        self.job = run_in_background(_merge_job(self.db_path, files, self._passphrase), self._on_job_done, self._on_job_failed,
                                     parent=self, title="Đang nhập gói dữ liệu…", on_cancel=self._on_job_cancelled)

    def _finish(self, text: str) -> None:
        self.job = None
        self.status_label.setText(text)
        self.merge_button.setEnabled(self.files_list.count() > 0)

    def _on_job_done(self, report) -> None:
        if self._base_report is not None:  # a re-run after trusting keys: its rows replace the refused ones
            redone = {r.file: r for r in report.results}
            report.results = [redone.get(r.file, r) for r in self._base_report.results]
            report.backup = report.backup or self._base_report.backup
            self._base_report = None
        self.report = report
        rows = report_rows(report)
        self.report_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.report_table.setItem(r, c, QTableWidgetItem(value))
        self.report_table.resizeColumnsToContents()
        self.save_report_button.setEnabled(True)
        merged = sum(x.status == "merged" for x in report.results)
        conflicts = sum(x.counts["conflicts"] for x in report.results)
        rejected = sum(x.status == "rejected" for x in report.results)
        text = f"Đã xử lý {len(rows)} tệp: {merged} tệp nhập mới, {rejected} tệp bị từ chối, {conflicts} xung đột."
        if conflicts:
            text += " Hãy mở màn hình «Xung đột dữ liệu» để quyết định."
        self._finish(text)
        self.merge_finished.emit(report)
        self._follow_up(report)

    def ask_trust(self, unit: str, officer: str, fingerprint: str) -> bool:
        """Ask the person to compare the fingerprint with the sender (by phone) before trusting it."""
        answer = QMessageBox.question(
            self, "Xác nhận khóa của đơn vị gửi",
            f"Chưa có khóa tin cậy cho đơn vị {unit}. Gói được ký bởi {officer or '(không rõ cán bộ)'} bằng khóa"
            f" có dấu nhận dạng:\n\n    {fingerprint}\n\nHãy gọi điện cho người gửi, nhờ họ đọc dấu nhận dạng"
            " trên máy của họ (bkdesk keys show) và so từng ký tự. Tin cậy khóa này và nhập lại gói?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_passphrase(self, count: int, wrong: bool) -> str | None:
        """Ask for the passphrase the sender told by phone (None: the person cancelled)."""
        from bkdesk.ui.views.passphrase_dialog import ask_passphrase

        text = (f"{count} tệp được khóa bằng cụm mật khẩu (đơn vị gửi chưa đăng ký khóa nhận của cấp này). Hãy"
                " nhập cụm mật khẩu mà cán bộ gửi đã báo qua điện thoại.")
        if wrong:
            text = "Cụm mật khẩu vừa nhập không đúng. " + text
        return ask_passphrase(self, False, text)

    def _follow_up(self, report) -> None:
        """Merge again the files a person unblocked: a first key trusted, a passphrase typed."""
        again = self._offer_first_keys(report)
        locked = [r for r in report.results if r.needs_passphrase]
        if locked:
            phrase = self.ask_passphrase(len(locked), wrong=self._passphrase is not None)
            if phrase:
                self._passphrase = phrase
                again += [f for f in self.files() if f.name in {r.file for r in locked} and f not in again]
        if again:
            self._base_report = report
            self.status_label.setText(f"Đang nhập lại {len(again)} tệp…")
            self.merge_button.setEnabled(False)
            self.job = run_in_background(_merge_job(self.db_path, again, self._passphrase), self._on_job_done,
                                         self._on_job_failed, parent=self, title="Đang nhập gói dữ liệu…",
                                         on_cancel=self._on_job_cancelled)

    def _offer_first_keys(self, report) -> list[Path]:
        from bkdesk.errors import UserError
        from bkdesk.export.sync.signing import trust_first_key

        asked: dict[str, bool] = {}
        again = []
        for r in report.results:
            if not r.untrusted_first_key or not r.fingerprint:
                continue
            key = (r.unit_code, r.fingerprint)
            if key not in asked:
                asked[key] = self.ask_trust(r.unit_code, r.officer, r.fingerprint)
                if asked[key]:
                    try:
                        trust_first_key(self.db_path, r.unit_code, r.fingerprint, r.public_key, r.installation,
                                        r.officer)
                    except UserError as exc:
                        asked[key] = False
                        self.status_label.setText(str(exc))
            if asked[key]:
                again.append(next(f for f in self.files() if f.name == r.file))
        return again

    def _on_job_failed(self, message: str, details: str) -> None:
        self._finish(f"Lỗi: {message} Cơ sở dữ liệu không thay đổi.")

    def _on_job_cancelled(self) -> None:
        self._finish("Đã hủy: cơ sở dữ liệu không thay đổi.")

    def _on_recipient_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu khóa nhận gói", "khoa-nhan-goi.json",
                                              "Tệp khóa nhận bkdesk (*.json)")
        if path:
            self.export_recipient(path)

    def export_recipient(self, path: str | Path) -> None:
        """Write this database's recipient key file (the same call as `bkdesk keys export-recipient`)."""
        from bkdesk.errors import UserError
        from bkdesk.export.sync.recipients import write_recipient_file
        from bkdesk.model.store.db import open_db

        conn = open_db(self.db_path)
        try:
            out, r = write_recipient_file(conn, path)
        except UserError as exc:
            self.status_label.setText(str(exc))
            return
        finally:
            conn.close()
        self.status_label.setText(f"Đã ghi khóa nhận vào {out}. Gửi tệp này cho các đơn vị cấp dưới và đọc dấu nhận"
                                  f" dạng {r.fingerprint} qua điện thoại để họ đối chiếu khi đăng ký.")

    def _on_save_report_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Lưu báo cáo nhập", "bao-cao-nhap.xlsx", "Excel (*.xlsx)")
        if path and self.report is not None:
            self.save_report(path)

    def save_report(self, path: str | Path) -> Path:
        out = write_report(self.report, path)
        self.status_label.setText(f"Đã lưu báo cáo nhập: {out}")
        return out


def open_merge_dialog(parent: QWidget | None, db_path: str | Path) -> MergeDialog:
    dlg = MergeDialog(db_path, parent)
    dlg.show()
    return dlg
