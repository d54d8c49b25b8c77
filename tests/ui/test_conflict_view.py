"""The conflict screen: both versions field by field with who/when; per-field and whole-record decisions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_households import get_household
from bkdesk.ui.views.conflict_view import open_conflicts
from tests.export.sync_data import make_household_conflict
from tests.ui.helpers import type_text


def test_field_by_field_decision_is_applied_and_audited(qtbot, tmp_path):
    path, uid = make_household_conflict(tmp_path)
    dlg = open_conflicts(None, path)
    qtbot.addWidget(dlg)
    view = dlg.view
    assert view.conflicts_list.count() == 1
    assert "Hoàng Thị Lan" in view.who_label.text() and "Nông Văn Bình" in view.who_label.text()
    fields = {view.fields_table.item(r, 0).text(): (view.fields_table.item(r, 1).text(),
                                                    view.fields_table.item(r, 2).text())
              for r in range(view.fields_table.rowCount())}
    assert set(fields) == {"Địa chỉ", "Điện thoại"}
    assert fields["Địa chỉ"][0] == "Bản Mới" and fields["Điện thoại"][1] == "0912345678"
    view.set_choice("phone", "incoming")
    type_text(view.reason_edit, "Xác minh với trưởng thôn")
    with qtbot.waitSignal(view.conflict_resolved):
        qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    assert view.conflicts_list.count() == 0 and not view.apply_button.isEnabled()
    conn = open_db(path)
    hh = get_household(conn, uid).household
    assert (hh.address, hh.phone) == ("Bản Mới", "0912345678")
    reasons = [r[0] for r in conn.execute("SELECT reason FROM audit_log WHERE record_uid=? AND field='phone'"
                                          " ORDER BY id DESC LIMIT 1", (uid,))]
    assert reasons == ["Xác minh với trưởng thôn"]
    conn.close()


def test_whole_record_take_incoming(qtbot, tmp_path):
    path, uid = make_household_conflict(tmp_path)
    dlg = open_conflicts(None, path)
    qtbot.addWidget(dlg)
    qtbot.mouseClick(dlg.view.take_incoming_button, Qt.MouseButton.LeftButton)
    conn = open_db(path)
    hh = get_household(conn, uid).household
    assert hh.phone == "0912345678" and hh.address != "Bản Mới"
    assert conn.execute("SELECT status FROM sync_conflict").fetchone()[0] == "resolved"
    conn.close()


def test_deleted_member_against_an_edit_shown_and_decided(qtbot, tmp_path):
    """A member removed on one laptop and edited on the other: one row "(bản ghi)"; keeping the edit wins."""
    import shutil

    from bkdesk.model.store import settings
    from bkdesk.model.store.databases import init_database
    from bkdesk.model.store.repo_households import save_household
    from tests.export.sync_data import new_commune_db
    from tests.export.sync_keys import merge_files, write_package

    a = new_commune_db(tmp_path / "a.sqlite", "01954", 3, seed=41)
    uid = next(r[0] for r in a.execute(
        "SELECT household_uid FROM member GROUP BY household_uid HAVING count(*) >= 2 ORDER BY 1"))
    p0, _ = write_package(a, "01954", 2022, tmp_path / "p0.xlsx")
    a.close()
    shutil.copyfile(tmp_path / "a.sqlite", tmp_path / "b.sqlite")
    a, b = open_db(tmp_path / "a.sqlite"), open_db(tmp_path / "b.sqlite")
    bundle = get_household(b, uid)
    gone = bundle.members[-1].uid
    bundle.members[-1].note = "Đã về địa phương"
    save_household(b, bundle, "Nông Văn Bình", origin=settings.installation_id(b))
    bundle = get_household(a, uid)
    bundle.members.pop()
    save_household(a, bundle, "Hoàng Thị Lan", origin=settings.installation_id(a))
    pa, _ = write_package(a, "01954", 2022, tmp_path / "pa.xlsx")
    pb, _ = write_package(b, "01954", 2022, tmp_path / "pb.xlsx")
    path = tmp_path / "huyen.sqlite"
    district = init_database(path, "district", "062")
    merge_files(district, path, [p0, pa], trust_new=True)
    assert merge_files(district, path, [pb]).results[0].counts["conflicts"] == 1
    for c in (a, b, district):
        c.close()
    dlg = open_conflicts(None, path)
    qtbot.addWidget(dlg)
    view = dlg.view
    assert view.conflicts_list.count() == 1
    rows = [(view.fields_table.item(r, 1).text(), view.fields_table.item(r, 2).text())
            for r in range(view.fields_table.rowCount())]
    assert rows == [("Đã xóa", "Còn (đã sửa)")]
    qtbot.mouseClick(view.take_incoming_button, Qt.MouseButton.LeftButton)  # keep the edited member
    conn = open_db(path)
    assert conn.execute("SELECT note FROM member WHERE uid=?", (gone,)).fetchone()[0] == "Đã về địa phương"
    assert conn.execute("SELECT status FROM sync_conflict").fetchone()[0] == "resolved"
    conn.close()
