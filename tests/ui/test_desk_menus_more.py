"""Village rename through the UI, the recent-databases menu, and the global error hook."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QPlainTextEdit

from bkdesk.model.desk import DeskContext
from bkdesk.model.store import settings
from bkdesk.model.store.databases import init_database, log_dir
from bkdesk.model.store.repo_villages import list_villages
from bkdesk.ui import error_hook, i18n, prefs
from bkdesk.ui.main_window import MainWindow
from tests.ui.helpers import type_text


def _desk(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    win.show()
    return win


def test_rename_village_through_the_tree_and_dialog(qtbot, db, db_path):
    win = _desk(qtbot, db, db_path)
    uid = win.add_village("Thôn Nà Pài")
    root = win.village_tree.topLevelItem(0)
    item = next(root.child(i) for i in range(root.childCount()) if root.child(i).text(0) == "Thôn Nà Pài")
    win.village_tree.setCurrentItem(item)

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog) and dialog.textValue() == "Thôn Nà Pài"
        edit = dialog.findChild(type(win.search_edit))
        edit.clear()
        type_text(edit, "Bản Khuổi Ít")
        dialog.accept()

    QTimer.singleShot(0, answer)
    rename = next(a for a in win.menu("Thôn").actions() if a.text() == "Đổi tên thôn")
    rename.trigger()
    assert [v["name"] for v in list_villages(db, "01954") if v["uid"] == uid] == ["Bản Khuổi Ít"]
    root = win.village_tree.topLevelItem(0)
    names = [root.child(i).text(0) for i in range(root.childCount())]
    assert "Bản Khuổi Ít" in names and "Thôn Nà Pài" not in names
    assert win.village_tree.currentItem().text(0) == "Bản Khuổi Ít"  # the selection stays on it


def test_recent_databases_menu_lists_and_switches(qtbot, db, db_path, tmp_path, monkeypatch):
    other = tmp_path / "khac.sqlite"
    init_database(other, "commune", "01954", officer="Cán bộ khác").close()
    prefs.add_recent_database(other)
    win = _desk(qtbot, db, db_path)  # opening adds itself first
    assert prefs.recent_databases()[:2] == [str(db_path), str(other)]
    win.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in win.recent_menu.actions()]
    assert texts[:2] == [str(db_path), str(other)]
    opened = []
    win.database_switch_requested.connect(opened.append)
    monkeypatch.setattr("bkdesk.ui.main_menus.may_leave_database", lambda w: True)
    win.recent_menu.actions()[0].trigger()  # the open database itself: nothing happens
    assert opened == [] and win.isVisible()
    win.recent_menu.actions()[1].trigger()
    assert opened == [other] and not win.isVisible()


def test_recent_database_switch_can_be_refused(qtbot, db, db_path, tmp_path, monkeypatch):
    other = tmp_path / "khac.sqlite"
    prefs.add_recent_database(other)
    win = _desk(qtbot, db, db_path)
    opened = []
    win.database_switch_requested.connect(opened.append)
    monkeypatch.setattr("bkdesk.ui.main_menus.may_leave_database", lambda w: False)  # "Ở lại"
    win._switch_to(other)
    assert opened == [] and win.isVisible()


def test_error_hook_shows_report_and_logs(qtbot, monkeypatch):
    handler = error_hook.setup_logging()
    shown = []

    def close_report():
        dialog = QApplication.activeModalWidget()
        shown.append(dialog.findChild(QPlainTextEdit, "error_report_text").toPlainText())
        dialog.findChild(QPlainTextEdit).selectAll()
        dialog.reject()

    monkeypatch.setattr(sys, "excepthook", error_hook.excepthook)
    QTimer.singleShot(0, close_report)
    try:
        raise ValueError("lỗi thử nghiệm Đặng")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    finally:
        handler.flush()
        logging.getLogger("bkdesk").removeHandler(handler)
        handler.close()
    assert len(shown) == 1 and "ValueError: lỗi thử nghiệm Đặng" in shown[0] and "Traceback" in shown[0]
    text = (log_dir() / error_hook.LOG_NAME).read_text(encoding="utf-8")
    assert "Unhandled exception" in text and "lỗi thử nghiệm Đặng" in text


def test_opening_the_desk_takes_the_days_backup_once(qtbot, db_path):
    from bkdesk.model.store.backups import REASON_DAILY, list_backups
    from bkdesk.ui import app as app_mod
    from tests.ui.helpers import protected_database

    protected_database(db_path)[0].close()  # logged in, as after the login dialog
    window = app_mod.open_window(db_path)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: [b.reason for b in list_backups(db_path)] == [REASON_DAILY], timeout=10_000)
    with qtbot.waitSignal(app_mod.start_daily_backup(window, db_path).done, timeout=10_000):
        pass
    assert [b.reason for b in list_backups(db_path)] == [REASON_DAILY]  # once a day, not once per opening
