"""The other screens are reachable from the main window's menus, and leaving a database asks about
changes not yet exported."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from bkdesk.model.desk import DeskContext
from bkdesk.model.store import settings
from bkdesk.ui import i18n, main_menus
from bkdesk.ui.main_window import MainWindow
from tests.ui.test_desk_language import visible_texts


@pytest.fixture
def win(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    w = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(w)
    w.show()
    return w


def _menu_of(win, action) -> str:
    return next(name for name, menu in win._menus.items() if action in menu.actions())


EXPECTED = {  # action key -> (menu, class name of the window it opens)
    "export": ("Xuất/In", "ExportDialog"),
    "merge": ("Tổng hợp", "MergeDialog"),
    "conflicts": ("Tổng hợp", "QDialog"),
    "rounds": ("Đợt rà soát", "QDialog"),
    "dashboard": ("Đợt rà soát", "QDialog"),
    "about": ("Trợ giúp", "AboutDialog"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_menu_action_opens_its_window(qtbot, win, key):
    menu, cls = EXPECTED[key]
    action = win.screen_actions[key]
    assert _menu_of(win, action) == menu
    before = set(QApplication.topLevelWidgets())
    action.trigger()
    opened = [w for w in QApplication.topLevelWidgets() if w not in before and isinstance(w, QDialog)
              and w.isVisible()]
    assert [type(w).__name__ for w in opened] == [cls]
    dialog = opened[0]
    assert dialog.parent() is win
    dialog.close()
    assert not dialog.isVisible()


def test_restore_is_in_the_file_menu_and_refreshes(qtbot, win, monkeypatch):
    assert _menu_of(win, win.screen_actions["restore"]) == "Tệp"
    seen = []

    def close_modal():
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog).__name__)
        dialog.reject()

    refreshed = []
    monkeypatch.setattr(win, "refresh", lambda: refreshed.append(True))
    QTimer.singleShot(0, close_modal)
    win.screen_actions["restore"].trigger()
    assert seen == ["RestoreView"]
    assert refreshed == []  # nothing restored, nothing reloaded


def test_merge_dialog_closing_refreshes_the_table(qtbot, win, monkeypatch):
    refreshed = []
    monkeypatch.setattr(win, "refresh", lambda: refreshed.append(True))
    dialog = main_menus.open_merge(win)
    dialog.close()
    assert refreshed == [True]


def test_quit_asks_about_unexported_changes(qtbot, win, monkeypatch):
    answers = []
    monkeypatch.setattr(main_menus, "may_leave_database", lambda w: answers.append(w) or False)
    assert win.quit_desk() is False
    assert win.isVisible() and answers == [win]
    monkeypatch.setattr(main_menus, "may_leave_database", lambda w: True)
    assert win.quit_desk() is True
    assert not win.isVisible()


def test_new_menu_texts_are_vietnamese_and_translated(qtbot, db, db_path):
    settings.put(db, settings.REVIEW_YEAR, "2024")
    i18n.set_language("vi")
    w = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(w)
    vi = visible_texts(w)
    assert "Tổng hợp gói dữ liệu..." in vi and "Sao lưu và khôi phục..." in vi
    i18n.set_language("en")
    try:
        w2 = MainWindow(DeskContext(db_path, db))
        qtbot.addWidget(w2)
        en = visible_texts(w2)
        assert "Merge data packages..." in en and "Backup and restore..." in en and "Dashboard..." in en
    finally:
        i18n.set_language("vi")
