"""Views refresh from the desk context's announcements; widgets never hold a database handle."""

from __future__ import annotations

import random

from PySide6.QtWidgets import QWidget

from bkdesk.dbapi import sqlite3
from bkdesk.model.desk import DeskContext
from bkdesk.model.store import settings
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_households import save_household
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from tests.factories import make_bundle


def _window(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    return win


def test_a_merge_announced_by_another_screen_refreshes_the_list(qtbot, db, db_path):
    win = _window(qtbot, db, db_path)
    assert win.model.rowCount() == 0
    other = open_db(db_path)  # a dialog or a background job writes with its own connection
    try:
        save_household(other, make_bundle(random.Random(1), "01954", no=7), user="t")
    finally:
        other.close()
    assert win.model.rowCount() == 0  # nobody told the window yet
    win.desk.announce("merge_done")
    assert win.model.rowCount() == 1
    assert win.village_tree.topLevelItem(0).text(1) == "1"


def test_a_new_village_is_announced_and_shown(qtbot, db, db_path):
    win = _window(qtbot, db, db_path)
    heard = []
    win.signals.villages_changed.connect(lambda: heard.append(1))
    win.add_village("Bản Pác Nặm")
    assert heard == [1]
    root = win.village_tree.topLevelItem(0)
    assert [root.child(i).text(0) for i in range(root.childCount())] == ["Bản Pác Nặm"]


def test_no_widget_holds_a_connection(qtbot, db, db_path):
    win = _window(qtbot, db, db_path)
    save_household(db, make_bundle(random.Random(2), "01954", no=1), user="t")
    win.refresh()
    editor = win.open_editor(win.model.uids[0])
    qtbot.addWidget(editor)
    holders = [type(o).__name__ for o in [win, win.model, editor, *win.findChildren(QWidget),
                                          *editor.findChildren(QWidget)]
               if any(isinstance(v, sqlite3.Connection) for v in vars(o).values())]
    assert holders == []
    assert not hasattr(win, "conn") and not hasattr(win.model, "conn") and not hasattr(editor, "conn")
    editor.model.forget_changes()


def test_a_round_change_moves_the_list_year_and_the_title(qtbot, db, db_path):
    win = _window(qtbot, db, db_path)
    assert "2024" in win.windowTitle() and win.model.filter.list_year == 2025
    settings.put(db, settings.REVIEW_YEAR, "2025")  # what opening the next round records
    win.desk.announce("round_changed")
    assert "2025" in win.windowTitle() and win.model.filter.list_year == 2026
