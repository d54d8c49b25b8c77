"""After a save the desk re-reads the household id list only when the saved household changed place
(performance, DESIGN.md §5: save < 50 ms at 81,480 households); the list must still be right."""

from __future__ import annotations

import random

import pytest
from PySide6.QtWidgets import QMessageBox

from bkdesk.model.desk import DeskContext
from bkdesk.model.store import settings
from bkdesk.model.store.repo_households import save_household
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from tests.factories import make_bundle


@pytest.fixture
def desk(qtbot, db, db_path, monkeypatch):
    i18n.set_language("vi")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    settings.put(db, settings.REVIEW_YEAR, "2024")
    rng = random.Random(5)
    uids = [save_household(db, make_bundle(rng, "01954", no=i), user="t").household.uid for i in range(1, 6)]
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    win.show()
    yield win, uids
    assert shown == []


def _save(win, uid, path, value):
    editor = win.open_editor(uid)
    editor.edit(path, value)
    assert editor.save()
    editor.close()


def _shown_numbers(win):
    model = win.model
    return [model.data(model.index(r, model.column("household_no"))) for r in range(model.rowCount())]


def test_save_in_place_keeps_the_id_list_and_rereads_the_row(desk):
    win, uids = desk
    before = win.model.uids
    assert before == uids
    _save(win, uids[2], ("household", "address"), "Bản Khuổi Ít")
    assert win.model.uids is before  # not re-read
    assert _shown_numbers(win) == ["0001", "0002", "0003", "0004", "0005"]


def test_save_that_moves_the_household_rereads_the_list(desk):
    win, uids = desk
    _save(win, uids[1], ("household", "household_no"), "0009")
    assert win.model.uids == [uids[0], uids[2], uids[3], uids[4], uids[1]]
    assert _shown_numbers(win) == ["0001", "0003", "0004", "0005", "0009"]


def test_save_that_leaves_the_filter_rereads_the_list(desk):
    win, uids = desk
    win.search_edit.setText("0004")
    win.search_timer.stop()  # its debounce would fire after this test closed the database
    win.apply_filters()
    assert win.model.uids == [uids[3]]
    shown = win.model.uids
    _save(win, uids[3], ("household", "address"), "Thôn Nà Đon")
    assert win.model.uids is shown  # still matches: not re-read
    _save(win, uids[3], ("household", "household_no"), "0077")
    assert win.model.uids == []
    assert "0 / 5" in win.totals_label.text()
