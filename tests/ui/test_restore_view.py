import random

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from bkdesk.model.store import backups, export_marker
from bkdesk.model.store.repo_households import count_households, save_household
from bkdesk.ui.views import restore_view
from bkdesk.ui.views.restore_view import COL_HOUSEHOLDS, COL_REASON, RestoreView, confirm_unexported_changes
from tests.dbutil import dump
from tests.factories import make_bundle


def _add(conn, n, seed):
    rng = random.Random(seed)
    for i in range(n):
        save_household(conn, make_bundle(rng, "01954", no=seed * 100 + i), user="t")


def _answer(button_text: str, seen: dict):
    """Click a button of the next modal message box, like a person would."""
    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen["text"] = box.text()
        button = next(b for b in box.buttons() if b.text() == button_text)
        button.click()
    QTimer.singleShot(20, click)


def _dump(path) -> list[str]:
    return dump(path)


def test_restore_screen_lists_restores_and_undoes(qtbot, db, db_path):
    _add(db, 3, seed=1)
    snap = backups.backup_now(db, db_path)
    expected = _dump(snap)
    _add(db, 2, seed=2)
    changed = _dump(db_path)

    view = RestoreView(db_path)
    qtbot.addWidget(view)
    assert view.backups_table.rowCount() == 1
    assert view.backups_table.item(0, COL_HOUSEHOLDS).text() == "3"
    assert view.backups_table.item(0, COL_REASON).text() == "Sao lưu thủ công"
    assert not view.restore_button.isEnabled() and not view.undo_button.isEnabled()

    view.backups_table.selectRow(0)
    assert view.restore_button.isEnabled()
    seen = {}
    _answer("Khôi phục", seen)
    with qtbot.waitSignal(view.restored, timeout=10000):
        qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    assert "3 hộ" in seen["text"]
    assert _dump(db_path) == expected
    assert count_households(db) == 3
    assert view.changed and "Đã khôi phục" in view.status_label.text()
    assert view.backups_table.rowCount() == 2  # the state before the restore is now listed
    assert view.backups_table.item(0, COL_REASON).text() == "Trước khi khôi phục"
    assert view.backups_table.item(0, COL_HOUSEHOLDS).text() == "5"

    assert view.undo_button.isEnabled()
    _answer("Hoàn tác", seen)
    with qtbot.waitSignal(view.restored, timeout=10000):
        qtbot.mouseClick(view.undo_button, Qt.MouseButton.LeftButton)
    assert _dump(db_path) == changed
    assert count_households(db) == 5


def test_declining_the_question_changes_nothing(qtbot, db, db_path):
    _add(db, 2, seed=1)
    backups.backup_now(db, db_path)
    _add(db, 1, seed=3)
    before = _dump(db_path)
    view = RestoreView(db_path)
    qtbot.addWidget(view)
    view.backups_table.selectRow(0)
    _answer("Không", {})
    qtbot.mouseClick(view.restore_button, Qt.MouseButton.LeftButton)
    assert not view.busy and not view.changed
    assert _dump(db_path) == before
    assert view.backups_table.rowCount() == 1


def test_backup_now_button(qtbot, db, db_path):
    _add(db, 2, seed=1)
    view = RestoreView(db_path)
    qtbot.addWidget(view)
    assert view.backups_table.rowCount() == 0
    assert view.status_label.text() == "Chưa có bản sao lưu nào."
    qtbot.mouseClick(view.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.backups_table.rowCount() == 1 and not view.busy, timeout=10000)
    assert view.backups_table.item(0, COL_HOUSEHOLDS).text() == "2"
    assert not view.changed


def test_warning_on_unexported_changes(qtbot, db, db_path):
    assert confirm_unexported_changes(None, db_path)  # nothing changed: no question asked
    _add(db, 1, seed=1)
    seen = {}
    _answer("Ở lại", seen)
    assert not confirm_unexported_changes(None, db_path)
    assert "chưa được xuất" in seen["text"]
    _answer("Vẫn tiếp tục", seen)
    assert confirm_unexported_changes(None, db_path)
    export_marker.set_last_exported_audit_id(db, "01954", db.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    assert confirm_unexported_changes(None, db_path)
    assert restore_view.unexported_changes(db_path) == 0
