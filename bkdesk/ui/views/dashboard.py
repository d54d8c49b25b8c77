"""Dashboard: for a unit and a periodic round, classes, target vs actual, registered vs exited,
deprivations, causes and poor-household movements, drawn as simple bar charts; export to PDF.

Entry point for the main window: ``open_dashboard(parent, db_path)``. Figures are computed off the UI
thread with their own connection (model.dashboard_data).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bkdesk.model.review.dashboard_data import CLASS_LABELS, DashboardData
from bkdesk.model.rules.fmt import fmt_int, fmt_pct
from bkdesk.ui.jobs import run_in_background

ROW_H = 20
COLORS = {"POOR": "#c0392b", "NEAR_POOR": "#e67e22", "MIDDLE": "#2980b9", "NOT_POOR": "#27ae60"}


class BarChart(QWidget):
    """Horizontal bars, one fixed-height row each: label, bar, value (and a rate when given)."""

    def __init__(self, label_width: int = 190, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, int, str, str]] = []  # label, value, extra text, colour
        self.label_width = label_width

    def set_rows(self, rows: list[tuple[str, int, str, str]]) -> None:
        self.rows = rows
        self.setMinimumHeight(ROW_H * max(len(rows), 1) + 4)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, ROW_H * max(len(self.rows), 1) + 4)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = max((v for _, v, _, _ in self.rows), default=0) or 1
        value_w = 96
        bar_w = max(self.width() - self.label_width - value_w - 8, 10)
        for n, (label, value, extra, colour) in enumerate(self.rows):
            y = 2 + n * ROW_H
            p.setPen(QColor("#222"))
            p.drawText(QRectF(0, y, self.label_width - 6, ROW_H), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignVCenter, p.fontMetrics().elidedText(
                           label, Qt.TextElideMode.ElideRight, self.label_width - 6))
            w = bar_w * value / top
            p.fillRect(QRectF(self.label_width, y + 3, max(w, 1 if value else 0), ROW_H - 6), QColor(colour))
            text = fmt_int(value) + (f"  {extra}" if extra else "")
            p.drawText(QRectF(self.label_width + w + 4, y, value_w + bar_w - w, ROW_H),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()


def _box(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(8, 6, 8, 6)
    for w in widgets:
        lay.addWidget(w)
    lay.addStretch(1)
    return box


class DashboardWidget(QWidget):
    """The dashboard for the database at ``db_path``; pick a unit and a review year."""

    def __init__(self, db_path: str | Path, parent=None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.data: DashboardData | None = None
        self.loading = False
        self.unit_combo = QComboBox()
        self.year_combo = QComboBox()
        self.export_button = QPushButton("Xuất PDF…")
        self.status_label = QLabel("")
        bar = QHBoxLayout()
        for w in (QLabel("Đơn vị:"), self.unit_combo, QLabel("Năm rà soát:"), self.year_combo):
            bar.addWidget(w)
        bar.addWidget(self.status_label, 1)
        bar.addWidget(self.export_button)
        self.title_label = QLabel("")
        self.title_label.setFont(QFont(self.font().family(), 13, QFont.Weight.Bold))
        self.class_chart = BarChart(200)
        self.target_label = QLabel("")
        self.target_label.setWordWrap(True)
        self.target_bar = QProgressBar()
        self.target_bar.setFormat("%v / %m hộ giảm (%p%)")
        self.exit_chart = BarChart(200)
        self.moves_chart = BarChart(200)
        self.deprivation_chart = BarChart(230)
        self.cause_chart = BarChart(200)
        self.content = QWidget()
        grid = QGridLayout(self.content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.title_label, 0, 0, 1, 3)
        grid.addWidget(_box("Phân loại hộ", self.class_chart), 1, 0)
        self.target_bar_label = QLabel("Số hộ nghèo giảm (thực) so với chỉ tiêu:")
        grid.addWidget(_box("Chỉ tiêu giảm nghèo và thực hiện", self.target_label, self.target_bar_label,
                            self.target_bar), 1, 1)
        grid.addWidget(_box("Đăng ký thoát nghèo và kết quả", self.exit_chart), 1, 2)
        grid.addWidget(_box("Thiếu hụt dịch vụ xã hội của hộ nghèo (số hộ)", self.deprivation_chart), 2, 0)
        grid.addWidget(_box("Nguyên nhân nghèo (hộ nghèo, cận nghèo)", self.cause_chart), 2, 1)
        grid.addWidget(_box("Diễn biến hộ nghèo trong năm", self.moves_chart), 2, 2)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.content, 1)
        self._load_choices()
        self.unit_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.year_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.refresh()

    def _load_choices(self) -> None:
        from bkdesk.model.review.dashboard_data import review_years, unit_choices
        from bkdesk.model.store.db import open_db

        conn = open_db(self.db_path)
        try:
            units, years = unit_choices(conn), review_years(conn)
        finally:
            conn.close()
        for code, name in units:
            self.unit_combo.addItem(name, code)
        for y in years:
            self.year_combo.addItem(str(y), y)
        if not years:
            self.status_label.setText("Chưa có đợt rà soát định kỳ nào.")

    def _on_choice_changed(self, *_):
        self.refresh()

    def refresh(self) -> None:
        unit, year = self.unit_combo.currentData(), self.year_combo.currentData()
        if unit is None or year is None:
            return
        self.loading = True
        self.status_label.setText("Đang tính…")
        path = self.db_path

        def work(control):
            from bkdesk.model.review.dashboard_data import dashboard_data
            from bkdesk.model.store.db import open_db

            conn = open_db(path)
            try:
                return dashboard_data(conn, unit, year)
            finally:
                conn.close()

        run_in_background(work, self._on_loaded, self._on_failed, parent=self, title="Đang tính số liệu…")

    def _on_failed(self, message: str, trace: str) -> None:
        self.loading = False
        self.status_label.setText("")
        QMessageBox.warning(self, "Bảng điều khiển", message)

    def _on_loaded(self, data: DashboardData) -> None:
        self.loading = False
        self.data = data
        self.status_label.setText("" if not data.unresolved else
                                  f"Còn {fmt_int(data.unresolved)} hộ chưa rà soát (chưa tính).")
        self.title_label.setText(f"{data.unit_name} – rà soát năm {data.review_year}: "
                                 f"{fmt_int(data.households)} hộ đã có kết quả")
        self.class_chart.set_rows([(CLASS_LABELS[c], data.by_class[c], f"({fmt_pct(data.rate_of(c))} %)"
                                    if data.households else "", COLORS[c]) for c in CLASS_LABELS])
        self._show_target(data)
        reg = data.registered
        self.exit_chart.set_rows([
            ("Đăng ký thoát nghèo", reg.registered_poor, "", "#7f8c8d"),
            ("Đăng ký thoát cận nghèo", reg.registered_near, "", "#95a5a6"),
            ("Đã thoát", reg.exited, "", "#27ae60"),
            ("Chưa thoát", reg.not_exited, "", "#c0392b"),
            ("Chưa có kết quả", reg.by_code["no_result"], "", "#bdc3c7"),
            ("Không còn trên địa bàn", reg.by_code["absent"], "", "#bdc3c7"),
        ])
        moves = data.poor_moves.households
        self.moves_chart.set_rows([
            ("Hộ nghèo đầu kỳ", moves["start"], "", "#c0392b"),
            ("Thoát nghèo → cận nghèo", moves["poor_exit_to_near"], "", "#27ae60"),
            ("Thoát nghèo – vượt chuẩn", moves["poor_exit_above"], "", "#27ae60"),
            ("Giảm khác", moves["poor_decrease_other"], "", "#7f8c8d"),
            ("Từ hộ cận nghèo", moves["poor_from_near"], "", "#e67e22"),
            ("Tái nghèo", moves["poor_relapse"], "", "#e67e22"),
            ("Phát sinh mới", moves["poor_new"], "", "#e67e22"),
            ("Tăng khác", moves["poor_increase_other"], "", "#7f8c8d"),
            ("Hộ nghèo cuối kỳ", moves["end"], "", "#c0392b"),
        ])
        self.deprivation_chart.set_rows([(label, n, "", "#8e44ad") for label, n in data.deprivations])
        self.cause_chart.set_rows([(label, n, "", "#d35400") for label, n in data.causes])

    def _show_target(self, data: DashboardData) -> None:
        t = data.target
        if t is None:
            self.target_label.setText(f"Chưa có chỉ tiêu kế hoạch năm {data.review_year} cho {data.unit_name}.\n"
                                      f"Tỷ lệ hộ nghèo thực tế: {fmt_pct(data.actual_rate_pct)} %.")
            self.target_bar.setRange(0, 1)
            self.target_bar.setValue(0)
            return
        gap = data.gap_pct
        verdict = ("chưa có kết quả" if gap is None else "đạt chỉ tiêu" if gap <= 0
                   else f"còn cách chỉ tiêu {fmt_pct(gap)} điểm %")
        self.target_label.setText(
            f"Đầu năm: {fmt_int(t.poor)} hộ nghèo / {fmt_int(t.households)} hộ = {fmt_pct(t.poor_rate_pct)} %\n"
            f"Chỉ tiêu: giảm {fmt_int(t.target_households)} hộ ({fmt_pct(t.target_rate_pct)} %), "
            f"cuối năm {fmt_pct(t.end_rate_pct)} %\n"
            f"Thực tế cuối năm: {fmt_int(data.by_class['POOR'])} hộ nghèo = {fmt_pct(data.actual_rate_pct)} %\n"
            f"Chênh lệch: {verdict}")
        colour = "#27ae60" if gap is not None and gap <= 0 else "#c0392b"
        self.target_label.setStyleSheet(f"QLabel {{ border-left: 4px solid {colour}; padding-left: 6px; }}")
        self.target_bar.setRange(0, max(t.target_households, 1))
        reduced = data.poor_reduced or 0
        self.target_bar.setValue(max(0, min(reduced, t.target_households)))
        share = round(100 * reduced / t.target_households) if t.target_households else 0
        self.target_bar.setFormat(f"{fmt_int(reduced)} / {fmt_int(t.target_households)} hộ giảm ({share} %)")

    def export_pdf(self, path: str | Path) -> Path:
        """The dashboard as one landscape A4 page (vector text)."""
        path = Path(path)
        writer = QPdfWriter(str(path))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                         QMarginsF(10, 10, 10, 10)))
        writer.setResolution(96)
        writer.setTitle(self.title_label.text())
        painter = QPainter(writer)
        rect = writer.pageLayout().paintRectPixels(96)
        scale = min(rect.width() / self.content.width(), rect.height() / self.content.height())
        painter.scale(scale, scale)
        try:
            self.content.render(painter, QPoint(0, 0))
        finally:
            painter.end()
        return path

    def _on_export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Xuất bảng điều khiển", "bang-dieu-khien.pdf", "PDF (*.pdf)")
        if name:
            self.export_pdf(name)
            QMessageBox.information(self, "Bảng điều khiển", f"Đã xuất {name}.")


def open_dashboard(parent, db_path: str | Path) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("Bảng điều khiển giảm nghèo")
    lay = QVBoxLayout(dlg)
    lay.setContentsMargins(6, 6, 6, 6)
    dlg.dashboard = DashboardWidget(db_path, dlg)
    lay.addWidget(dlg.dashboard)
    dlg.resize(1340, 700)
    dlg.show()
    return dlg
