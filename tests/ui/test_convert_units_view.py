"""The desk's conversion to the 2025 unit codes: the plan shown first, then converted on request."""

from __future__ import annotations

from bkdesk.model.demo import build as demo
from bkdesk.model.store import settings
from bkdesk.model.store.db import open_db
from bkdesk.ui.views.convert_units_view import ConvertUnitsView


def test_preview_then_convert_then_nothing_left_to_convert(qtbot, tmp_path):
    path = tmp_path / "coc-dan.sqlite"
    demo.build_demo_database(path, "commune", seed=6, code="01945", workers=1)
    view = ConvertUnitsView(path)
    qtbot.addWidget(view)
    view.show()
    preview = view.plan_text.toPlainText()
    assert preview.startswith("Xem trước (chưa thay đổi gì):")
    assert "Xã Ngân Sơn (01954) ← Xã Cốc Đán (01945)" in preview
    conn = open_db(path)
    assert settings.get(conn, settings.TREE) == "2022"  # the preview changed nothing
    conn.close()
    assert view.convert_button.isEnabled()
    view.convert_button.click()
    assert view.changed and view.backup is not None and view.backup.exists()
    assert str(view.backup) in view.status_label.text() and not view.convert_button.isEnabled()
    conn = open_db(path)
    try:
        assert settings.get(conn, settings.TREE) == "2025"
        assert {r[0] for r in conn.execute("SELECT DISTINCT commune_code FROM household")} == {"01954"}
    finally:
        conn.close()
    again = ConvertUnitsView(path)
    qtbot.addWidget(again)
    assert not again.convert_button.isEnabled()
    assert "không cần chuyển đổi" in again.status_label.text()
