"""A draft survives the editor being killed mid-edit and is restored in a new window."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from bkdesk.model.desk import DeskContext
from bkdesk.model.store import repo_drafts, settings
from bkdesk.model.store.repo_households import count_households
from bkdesk.ui import i18n
from bkdesk.ui.editor.dialog import draft_key
from bkdesk.ui.main_window import MainWindow
from tests.ui.helpers import type_text


def test_killed_editor_draft_is_restored(qtbot, db, db_path, monkeypatch):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    editor = win.new_household()
    editor.roster_tab.add_button.click()
    type_text(editor.roster_tab.member_form.widget("full_name"), "Triệu Thị Ước")
    type_text(editor.household_form.widget("address"), "Bản Khuổi Ít")
    qtbot.waitUntil(lambda: repo_drafts.load_draft(db, draft_key(editor.model.uid)) is not None, timeout=2000)
    uid = editor.state["household"]["uid"]
    assert repo_drafts.load_draft(db, draft_key(uid)) is not None
    # Kill: the window disappears without closeEvent (no save, no prompt).
    editor.draft_timer.stop()
    win.editors.clear()
    editor.deleteLater()
    win.deleteLater()
    assert count_households(db) == 0

    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes))
    win2 = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win2)
    opened = win2.offer_drafts()
    assert len(asked) == 1 and "Triệu Thị Ước" in asked[0]
    restored = opened[0]
    qtbot.addWidget(restored)
    assert restored.state["members"][0]["full_name"] == "Triệu Thị Ước"
    assert restored.household_form.widget("address").text() == "Bản Khuổi Ít"
    assert restored.roster_tab.member_form.widget("full_name").text() == "Triệu Thị Ước"
    assert restored.windowTitle().startswith("*")
    assert restored.save()
    assert count_households(db) == 1
    assert repo_drafts.load_draft(db, draft_key(uid)) is None  # saved: the draft is gone


def test_declined_draft_is_dropped(qtbot, db, db_path, monkeypatch):
    settings.put(db, settings.REVIEW_YEAR, "2024")
    repo_drafts.save_draft(db, "household:x", {"state": {"household": {"household_no": "0009"}, "members": []}})
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    assert win.offer_drafts() == []
    assert repo_drafts.list_drafts(db) == []
