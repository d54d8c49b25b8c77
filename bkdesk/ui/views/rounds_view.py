"""Rounds screen: the review rounds, and for the selected periodic round the counts per record status per
village and the steps of review-process.md §4 (confirm a village or all, record a village meeting, the
posting, the commune decision, close). Also open a periodic round, move it on, finalise (lock), unlock
with a reason. Entry point: ``open_rounds(parent, db_path)``. Errors show inline under the buttons.

Every step calls model/review/rounds.py, the same functions as `bkdesk round ...`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bkdesk.errors import UserError
from bkdesk.model.review import rounds
from bkdesk.model.rules.fmt import dmy, parse_dmy
from bkdesk.model.store.db import open_db

COLUMNS = ("Xã", "Loại", "Năm rà soát", "Năm danh sách", "Bước", "Khóa")
STATUS_COLUMNS = ("Thôn", "Đang nhập", "Đã xác nhận", "Đã quyết định", "Chưa có phiếu", "Họp thôn")
STATUS_KEYS = ("draft", "confirmed", "decided", "missing")


PERIODIC_STEPS_TIP = ("Đợt rà soát định kỳ chuyển bước bằng các nút bên dưới: xác nhận phiếu, họp thôn, niêm yết, "
                      "quyết định công nhận, đóng đợt.")


def _date(text: str, what: str) -> dt.date:
    try:
        return parse_dmy(text)
    except ValueError as exc:
        raise UserError(f"{what}: {exc}") from None


class _StepDialog(QDialog):
    """A small form for one step; ``values()`` raises UserError on bad input (shown inline, kept open)."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.apply = None  # set by the view: callable(dialog) -> None, raises UserError
        self.form = QFormLayout()
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("step_error_label")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ghi")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.extra = QVBoxLayout()
        lay.addLayout(self.extra)
        lay.addWidget(self.error_label)
        lay.addWidget(self.buttons)

    def line(self, name: str, label: str, text: str = "") -> QLineEdit:
        edit = QLineEdit(text, self)
        edit.setObjectName(name)
        self.form.addRow(label, edit)
        return edit

    def spin(self, name: str, label: str, value: int = 0) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(0, 100000)
        box.setValue(value)
        self.form.addRow(label, box)
        return box

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def accept(self) -> None:
        try:
            if self.apply is not None:
                self.apply(self)
        except UserError as exc:
            self.error_label.setText(f"⚠ {exc}")
            return
        super().accept()


class RoundsView(QWidget):
    def __init__(self, db_path: str | Path, parent=None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.round_uids: list[str] = []
        self.village_uids: list[str | None] = []
        self.step_dialog: _StepDialog | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("rounds_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMaximumHeight(150)
        self.year_spin = QSpinBox()
        self.year_spin.setObjectName("round_year_spin")
        self.year_spin.setRange(2021, 2100)
        self.year_spin.setValue(self._default_year())
        self.open_button = QPushButton("Mở đợt rà soát định kỳ")
        self.open_button.setObjectName("round_open_button")
        self.advance_button = QPushButton("Chuyển bước tiếp theo")
        self.finalise_button = QPushButton("Chốt đợt (khóa)")
        self.unlock_button = QPushButton("Mở khóa…")
        self.message_label = QLabel("")
        self.message_label.setObjectName("round_message_label")
        self.message_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for w in (QLabel("Năm:"), self.year_spin, self.open_button, self.advance_button, self.finalise_button,
                  self.unlock_button):
            buttons.addWidget(w)
        buttons.addStretch(1)

        self.state_label = QLabel("")
        self.state_label.setObjectName("round_state_label")
        self.state_label.setWordWrap(True)
        self.status_table = QTableWidget(0, len(STATUS_COLUMNS))
        self.status_table.setObjectName("round_status_table")
        self.status_table.setHorizontalHeaderLabels(STATUS_COLUMNS)
        self.status_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.status_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.status_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.status_table.verticalHeader().setVisible(False)
        self.status_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.confirm_village_button = QPushButton("Xác nhận phiếu của thôn")
        self.confirm_village_button.setObjectName("confirm_village_button")
        self.confirm_all_button = QPushButton("Xác nhận cả xã")
        self.confirm_all_button.setObjectName("confirm_all_button")
        self.meeting_button = QPushButton("Ghi biên bản họp thôn…")
        self.meeting_button.setObjectName("meeting_button")
        self.posting_button = QPushButton("Ghi niêm yết…")
        self.posting_button.setObjectName("posting_button")
        self.decision_button = QPushButton("Ghi quyết định công nhận…")
        self.decision_button.setObjectName("decision_button")
        self.close_round_button = QPushButton("Đóng đợt")
        self.close_round_button.setObjectName("close_round_button")
        self.unlock_review_button = QPushButton("Mở khóa phiếu…")
        self.unlock_review_button.setObjectName("unlock_review_button")
        self.unlock_review_button.setToolTip("Mở lại một phiếu đã có quyết định để sửa (phải ghi lý do)")
        steps = QHBoxLayout()
        for b in (self.confirm_village_button, self.confirm_all_button, self.meeting_button, self.posting_button,
                  self.decision_button, self.close_round_button, self.unlock_review_button):
            steps.addWidget(b)
        steps.addStretch(1)
        self.report_text = QPlainTextEdit()
        self.report_text.setObjectName("round_report_text")
        self.report_text.setReadOnly(True)
        self.report_text.setPlaceholderText("Hộ chưa xác nhận được và lý do sẽ hiện ở đây.")
        self.report_text.setMaximumHeight(110)
        progress = QGroupBox("Tiến độ đợt rà soát theo thôn")
        pl = QVBoxLayout(progress)
        pl.addWidget(self.state_label)
        pl.addWidget(self.status_table, 1)
        pl.addLayout(steps)
        pl.addWidget(self.report_text)

        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.message_label)
        lay.addWidget(self.table)
        lay.addWidget(progress, 1)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.advance_button.clicked.connect(lambda: self._act(rounds.advance))
        self.finalise_button.clicked.connect(lambda: self._act(rounds.finalise))
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.table.itemSelectionChanged.connect(self.reload_status)
        self.confirm_village_button.clicked.connect(lambda: self.confirm(all_villages=False))
        self.confirm_all_button.clicked.connect(lambda: self.confirm(all_villages=True))
        self.meeting_button.clicked.connect(self.open_meeting_dialog)
        self.posting_button.clicked.connect(self.open_posting_dialog)
        self.decision_button.clicked.connect(self.open_decision_dialog)
        self.close_round_button.clicked.connect(self._on_close_round_button_clicked)
        self.unlock_review_button.clicked.connect(self.open_unlock_review_dialog)
        self.reload()

    def _conn(self):
        return open_db(self.db_path)

    def _default_year(self) -> int:
        from bkdesk.model.store import settings

        conn = self._conn()
        try:
            return int(settings.get(conn, settings.REVIEW_YEAR) or 0) or dt.date.today().year
        finally:
            conn.close()

    def reload(self) -> None:
        from bkdesk.model.store.repo_reviews import list_rounds
        from bkdesk.model.store.repo_units import unit_name

        keep = self.selected_uid()
        conn = self._conn()
        try:
            items = list_rounds(conn)
            names = {r.commune_code: unit_name(conn, r.commune_code) or r.commune_code for r in items}
        finally:
            conn.close()
        self.round_uids = [r.uid for r in items]
        self.table.blockSignals(True)
        self.table.setRowCount(len(items))
        for n, r in enumerate(items):
            values = (names[r.commune_code], rounds.KIND_LABELS.get(r.kind, r.kind), str(r.review_year),
                      str(r.list_year), rounds.STATE_LABELS.get(r.state, r.state), "Đã khóa" if r.locked else "")
            for c, v in enumerate(values):
                self.table.setItem(n, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        row = self.round_uids.index(keep) if keep in self.round_uids else next(
            (i for i, r in enumerate(items) if r.kind == "periodic" and r.review_year == self.year_spin.value()), -1)
        if row >= 0:
            self.table.selectRow(row)
        self.table.blockSignals(False)
        self.reload_status()

    def selected_uid(self) -> str | None:
        row = self.table.currentRow()
        return self.round_uids[row] if 0 <= row < len(self.round_uids) else None

    def selected_round(self):
        from bkdesk.model.store.repo_reviews import get_round

        uid = self.selected_uid()
        if uid is None:
            return None
        conn = self._conn()
        try:
            return get_round(conn, uid)
        finally:
            conn.close()

    def reload_status(self) -> None:
        rnd = self.selected_round()
        # A periodic round moves on only through its recorded steps (confirm, meeting, posting, decision,
        # close): the generic "next step" and "lock" would skip the decision record.
        stepwise = rnd is not None and rnd.kind == "periodic"
        for button in (self.advance_button, self.finalise_button):
            button.setEnabled(not stepwise)
            button.setToolTip(PERIODIC_STEPS_TIP if stepwise else "")
        self._gate_by_roles()
        keep = self.selected_village()
        self.status_table.setRowCount(0)
        self.village_uids = []
        if rnd is None or rnd.kind != "periodic":
            self.state_label.setText("Chọn một đợt rà soát định kỳ để xem tiến độ theo thôn.")
            return
        conn = self._conn()
        try:
            status = rounds.round_status(conn, rnd)
        finally:
            conn.close()
        total = status["statuses"]
        text = (f"Đợt rà soát định kỳ năm {rnd.review_year}: {rounds.STATE_LABELS.get(rnd.state, rnd.state)}"
                + (" (đã khóa)" if rnd.locked else "") + ". Cả xã: "
                + ", ".join(f"{rounds.STATUS_LABELS[k].lower()} {total[k]}" for k in STATUS_KEYS) + ".")
        if status["posting"]:
            p = status["posting"][-1]
            text += f" Niêm yết: {p['place']}, {dmy(p['from'])}–{dmy(p['to'])}."
        if status["decision"]:
            d = status["decision"]
            text += f" Quyết định số {d['number']} ngày {dmy(d['date'])}" + (f", {d['signer']} ký." if d["signer"]
                                                                              else ".")
        self.state_label.setText(text)
        self.status_table.setRowCount(len(status["villages"]))
        for n, v in enumerate(status["villages"]):
            m = v["meeting"]
            meeting = "" if m is None else f"{dmy(m['date'])}: " + ("đạt" if m["passed"] else "chưa đạt")
            cells = [v["name"], *(str(v["statuses"][k]) for k in STATUS_KEYS), meeting]
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.status_table.setItem(n, c, item)
            self.village_uids.append(v["uid"])
        if self.village_uids:
            self.status_table.selectRow(self.village_uids.index(keep) if keep in self.village_uids else 0)

    def _gate_by_roles(self) -> None:
        """Buttons the logged-in user's roles cannot use are disabled, the tooltip naming the role needed."""
        from bkdesk.model.rules import roles as R
        from bkdesk.ui.permissions import gate, session_for_path

        session = session_for_path(self.db_path)
        for button, perm in ((self.open_button, R.ROUND), (self.advance_button, R.ROUND),
                             (self.finalise_button, R.ROUND), (self.unlock_button, R.UNLOCK),
                             (self.confirm_village_button, R.CONFIRM), (self.confirm_all_button, R.CONFIRM),
                             (self.meeting_button, R.ROUND), (self.posting_button, R.ROUND),
                             (self.decision_button, R.DECIDE), (self.close_round_button, R.ROUND),
                             (self.unlock_review_button, R.UNLOCK)):
            gate(button, session, perm)

    def selected_village(self) -> str | None:
        row = self.status_table.currentRow()
        return self.village_uids[row] if 0 <= row < len(self.village_uids) else None

    def _periodic(self):
        rnd = self.selected_round()
        if rnd is None or rnd.kind != "periodic":
            raise UserError("Hãy chọn một đợt rà soát định kỳ trong danh sách.")
        return rnd

    def _step(self, work) -> bool:
        try:
            rnd = self._periodic()
            conn = self._conn()
            try:
                message = work(conn, rnd)
            finally:
                conn.close()
        except UserError as exc:
            self.message_label.setText(f"⚠ {exc}")
            return False
        self.message_label.setText(message)
        self.reload()
        return True

    def confirm(self, all_villages: bool) -> bool:
        village = None if all_villages else self.selected_village()
        if not all_villages and village is None:
            self.message_label.setText("⚠ Hãy chọn một thôn trong bảng tiến độ.")
            return False

        def work(conn, rnd):
            done, incomplete = rounds.confirm(conn, rnd, self._user(conn), village_uid=village)
            self.report_text.setPlainText("\n".join(f"{label}: {reason}" for label, reason in incomplete))
            return f"Đã xác nhận {len(done)} hộ" + (f"; còn {len(incomplete)} hộ chưa đủ thông tin (xem danh sách "
                                                     "bên dưới)." if incomplete else ".")
        return self._step(work)

    def _dialog(self, title: str) -> _StepDialog:
        dlg = _StepDialog(title, self)
        self.step_dialog = dlg
        dlg.finished.connect(lambda _r: self.reload())
        return dlg

    def open_meeting_dialog(self) -> _StepDialog | None:
        village = self.selected_village()
        if village is None:
            self.message_label.setText("⚠ Hãy chọn thôn đã họp trong bảng tiến độ.")
            return None
        row = self.status_table.currentRow()
        dlg = self._dialog(f"Biên bản họp thôn {self.status_table.item(row, 0).text()}")
        dlg.date_edit = dlg.line("meeting_date_edit", "Ngày họp (dd/mm/yyyy):")
        dlg.place_edit = dlg.line("meeting_place_edit", "Địa điểm:")
        dlg.chair_edit = dlg.line("meeting_chair_edit", "Chủ trì (trưởng thôn):")
        dlg.secretary_edit = dlg.line("meeting_secretary_edit", "Thư ký:")
        dlg.attendees_spin = dlg.spin("meeting_attendees_spin", "Số người dự họp:")
        dlg.agree_spin = dlg.spin("meeting_agree_spin", "Số người đồng ý cả danh sách:")
        note = QLabel("Nếu biểu quyết riêng từng hộ, ghi số người đồng ý ở bảng dưới (để trống: hộ không biểu "
                      "quyết riêng). Hộ dưới 50% đồng ý phải rà soát lại.", dlg)
        note.setWordWrap(True)
        dlg.extra.addWidget(note)
        conn = self._conn()
        try:
            from bkdesk.model.store import repo_rounds

            rows = repo_rounds.round_review_list(conn, self._periodic().uid, village)
        finally:
            conn.close()
        dlg.vote_uids = [r["household_uid"] for r in rows]
        dlg.votes_table = QTableWidget(len(rows), 2, dlg)
        dlg.votes_table.setObjectName("meeting_votes_table")
        dlg.votes_table.setHorizontalHeaderLabels(("Hộ", "Số người đồng ý"))
        dlg.votes_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for n, r in enumerate(rows):
            item = QTableWidgetItem(f"{r['household_no']} {r['head_name'] or ''}".strip())
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            dlg.votes_table.setItem(n, 0, item)
            dlg.votes_table.setItem(n, 1, QTableWidgetItem(""))
        dlg.extra.addWidget(dlg.votes_table)

        def apply(d):
            votes = {}
            for n, uid in enumerate(d.vote_uids):
                text = (d.votes_table.item(n, 1).text() if d.votes_table.item(n, 1) else "").strip()
                if text:
                    if not text.isdigit():
                        raise UserError(f"Số người đồng ý của hộ {d.votes_table.item(n, 0).text()} phải là số.")
                    votes[uid] = int(text)
            meeting_date = _date(d.date_edit.text(), "Ngày họp")
            conn = self._conn()
            try:
                rnd = self._periodic()
                _uid, back = rounds.record_meeting(
                    conn, rnd, village, meeting_date, d.attendees_spin.value(), self._user(conn),
                    place=d.place_edit.text(), chair=d.chair_edit.text(), secretary=d.secretary_edit.text(),
                    list_agree=d.agree_spin.value() if d.agree_spin.value() or not votes else None, votes=votes)
            finally:
                conn.close()
            self.message_label.setText("Đã ghi biên bản họp thôn." + (
                f" {len(back)} hộ chưa đạt 50% đồng ý, phải rà soát lại." if back else ""))
            self.report_text.setPlainText("\n".join(f"{b}: chưa đạt 50% đồng ý, chuyển về đang nhập" for b in back))
        dlg.apply = apply
        dlg.resize(520, 520)
        dlg.open()
        return dlg

    def open_posting_dialog(self) -> _StepDialog:
        dlg = self._dialog("Niêm yết công khai kết quả")
        dlg.place_edit = dlg.line("posting_place_edit", "Nơi niêm yết:", "Nhà văn hóa thôn và trụ sở UBND xã")
        dlg.from_edit = dlg.line("posting_from_edit", "Từ ngày (dd/mm/yyyy):")
        dlg.to_edit = dlg.line("posting_to_edit", "Đến ngày (dd/mm/yyyy):")

        def apply(d):
            start, end = _date(d.from_edit.text(), "Từ ngày"), _date(d.to_edit.text(), "Đến ngày")
            conn = self._conn()
            try:
                rounds.record_posting(conn, self._periodic(), d.place_edit.text(), start, end, self._user(conn))
            finally:
                conn.close()
            self.message_label.setText("Đã ghi niêm yết công khai.")
        dlg.apply = apply
        dlg.open()
        return dlg

    def open_decision_dialog(self) -> _StepDialog:
        dlg = self._dialog("Quyết định công nhận (Mẫu số 02)")
        dlg.number_edit = dlg.line("decision_number_edit", "Số quyết định:")
        dlg.date_edit = dlg.line("decision_date_edit", "Ngày quyết định (dd/mm/yyyy):")
        dlg.signer_edit = dlg.line("decision_signer_edit", "Người ký:")

        def apply(d):
            decided_on = _date(d.date_edit.text(), "Ngày quyết định")
            conn = self._conn()
            try:
                n = rounds.decide(conn, self._periodic(), d.number_edit.text(), decided_on, self._user(conn),
                                  signer=d.signer_edit.text())
            finally:
                conn.close()
            self.message_label.setText(f"Đã ghi quyết định số {d.number_edit.text().strip()}: công nhận {n} hộ; "
                                       "các phiếu đã khóa.")
        dlg.apply = apply
        dlg.open()
        return dlg

    def open_unlock_review_dialog(self) -> _StepDialog:
        dlg = self._dialog("Mở khóa phiếu đã có quyết định")
        dlg.household_edit = dlg.line("unlock_household_edit", "Mã hộ:")
        dlg.reason_edit = dlg.line("unlock_reason_edit", "Lý do (ghi nhật ký):")

        def apply(d):
            from bkdesk.model.store import repo_rounds

            no = d.household_edit.text().strip()
            conn = self._conn()
            try:
                rnd = self._periodic()
                rows = [r for r in repo_rounds.round_review_list(conn, rnd.uid) if r["household_no"] == no]
                if not rows:
                    raise UserError(f"Không có hộ mã {no or '(trống)'} trong đợt rà soát.")
                rounds.unlock_review(conn, rnd, rows[0]["household_uid"], self._user(conn), d.reason_edit.text())
            finally:
                conn.close()
            self.message_label.setText(f"Đã mở khóa phiếu của hộ {no}; phiếu trở về trạng thái đã xác nhận.")
        dlg.apply = apply
        dlg.open()
        return dlg

    def _on_close_round_button_clicked(self) -> None:
        self._step(lambda conn, rnd: rounds.close(conn, rnd, self._user(conn)) and
                   f"Đã đóng đợt rà soát định kỳ năm {rnd.review_year}.")

    def _run(self, fn, *args) -> bool:
        conn = self._conn()
        try:
            result = fn(conn, *args)
        except UserError as exc:
            self.message_label.setText(f"⚠ {exc}")
            return False
        finally:
            conn.close()
        self.message_label.setText(result if isinstance(result, str) else "Đã thực hiện.")
        self.reload()
        return True

    def _user(self, conn) -> str:
        from bkdesk.model.store import settings

        return settings.officer(conn)

    def open_round(self, commune_code: str, year: int) -> bool:
        def work(conn):
            _, n = rounds.open_periodic_round(conn, commune_code, year, self._user(conn))
            return f"Đã mở đợt rà soát định kỳ năm {year}, chuyển {n} hộ sang đợt mới."
        return self._run(work)

    def _act(self, fn, *extra) -> bool:
        uid = self.selected_uid()
        if uid is None:
            self.message_label.setText("⚠ Hãy chọn một đợt rà soát trong danh sách.")
            return False
        return self._run(lambda conn: fn(conn, uid, self._user(conn), *extra) and None)

    def unlock_selected(self, reason: str) -> bool:
        return self._act(rounds.unlock, reason)

    def _on_open_button_clicked(self) -> None:
        from bkdesk.model.store import settings

        conn = self._conn()
        try:
            code = settings.get(conn, settings.SCOPE_CODE)
            scope = settings.get(conn, settings.SCOPE)
        finally:
            conn.close()
        if scope != "commune":
            self.message_label.setText("⚠ Chỉ cơ sở dữ liệu của xã mới mở được đợt rà soát.")
            return
        self.open_round(code, self.year_spin.value())

    def _on_unlock_button_clicked(self) -> None:
        reason, ok = QInputDialog.getText(self, "Mở khóa đợt rà soát", "Lý do mở khóa (được ghi nhật ký):")
        if ok:
            self.unlock_selected(reason)


def open_rounds(parent, db_path: str | Path) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("Đợt rà soát")
    lay = QVBoxLayout(dlg)
    dlg.rounds_view = RoundsView(db_path, dlg)
    lay.addWidget(dlg.rounds_view)
    dlg.resize(1100, 640)
    dlg.show()
    return dlg
