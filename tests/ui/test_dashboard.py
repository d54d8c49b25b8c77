"""Dashboard: figures from a real database, charts filled, target gap shown, PDF export read back."""

from __future__ import annotations

from pypdf import PdfReader

from bkdesk.model.review.dashboard_data import dashboard_data
from bkdesk.ui.views.dashboard import DashboardWidget, open_dashboard
from tests.ui.dashboard_demo import fill


def test_dashboard_data_counts_and_target_gap(tmp_path):
    conn = fill(tmp_path / "demo.sqlite", per_commune=20)
    data = dashboard_data(conn, "062", 2022)
    conn.close()
    assert data.households == 60 and sum(data.by_class.values()) == 60
    assert data.target is not None and data.target.households == 60
    assert data.gap_pct == data.actual_rate_pct - data.target.end_rate_pct
    assert data.poor_moves.identity_errors() == []
    assert data.poor_reduced == data.poor_moves.households["start"] - data.poor_moves.households["end"]
    assert len(data.deprivations) == 12 and len(data.causes) == 8
    assert data.registered.registered == data.registered.exited + data.registered.not_exited


def test_dashboard_widget_shows_the_figures_and_exports_pdf(qtbot, tmp_path):
    path = tmp_path / "demo.sqlite"
    fill(path, per_commune=20).close()
    widget = DashboardWidget(path)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.data is not None, timeout=10_000)
    data = widget.data
    assert widget.unit_combo.currentData() == "062" and widget.year_combo.currentData() == 2022
    assert [r[1] for r in widget.class_chart.rows] == [data.by_class[c] for c in data.by_class]
    assert "Chỉ tiêu: giảm" in widget.target_label.text() and "Chênh lệch" in widget.target_label.text()
    assert widget.target_bar.maximum() == data.target.target_households
    assert widget.deprivation_chart.rows[0][0] == "Việc làm"
    # another unit: a commune without its own plan target says so
    widget.unit_combo.setCurrentIndex(widget.unit_combo.findData("01954"))
    qtbot.waitUntil(lambda: widget.data is not None and widget.data.unit_code == "01954", timeout=10_000)
    assert "Chưa có chỉ tiêu" in widget.target_label.text()
    pdf = widget.export_pdf(tmp_path / "dash.pdf")
    text = " ".join(PdfReader(str(pdf)).pages[0].extract_text().split())  # Qt writes spaces as tabs
    assert "Xã Vân Tùng" in text and "Hộ nghèo" in text


def test_open_dashboard_entry_point(qtbot, tmp_path):
    path = tmp_path / "demo.sqlite"
    fill(path, per_commune=5).close()
    dlg = open_dashboard(None, path)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.dashboard.data is not None, timeout=10_000)
    assert dlg.windowTitle() == "Bảng điều khiển giảm nghèo"
