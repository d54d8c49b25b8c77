"""Vietnamese by default and complete: every visible text of the main window and the editor, Qt's own
buttons included; the English catalogue covers every UI literal."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableView,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from bkdesk.model.desk import DeskContext
from bkdesk.model.review.review_service import new_review, save_household_with_review
from bkdesk.model.store import settings
from bkdesk.ui import i18n
from bkdesk.ui.main_window import MainWindow
from bkdesk.ui.strings_en import EN
from tests.factories import make_bundle

UI = Path(__file__).resolve().parents[2] / "bkdesk" / "ui"
DESK_MODULES = ("app", "editor/dialog", "editor/b1", "editor/specs", "editor/tabs", "error_hook", "editor/forms", "household_table", "i18n", "main_menus", "main_window", "views/settings_dialog", "views/wizard",
                "views/user_fields", "views/login_dialog", "views/lock_screen", "permissions")
LITERAL = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)')


def visible_texts(root: QWidget) -> list[str]:
    out = [root.windowTitle()]
    for w in [root] + root.findChildren(QWidget):
        if not w.isVisibleTo(root) and w is not root:
            continue
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        if isinstance(w, QGroupBox):
            out.append(w.title())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())]
        if isinstance(w, QTableView | QTableWidget):
            m = w.model()
            out += [str(m.headerData(c, Qt.Orientation.Horizontal)) for c in range(m.columnCount())]
    if hasattr(root, "menuBar"):
        for menu_action in root.menuBar().actions():
            out.append(menu_action.text())
            out += [a.text() for a in menu_action.menu().actions()]
    return [t for t in out if t and t.strip()]


def english_only() -> set[str]:
    vi = set(EN)
    return {v for v in EN.values() if v not in vi and v not in ("bkdesk",)}


def test_catalogue_covers_every_literal():
    missing = []
    for name in DESK_MODULES:
        for lit in LITERAL.findall((UI / f"{name}.py").read_text(encoding="utf-8")):
            if lit not in EN:
                missing.append(f"{name}: {lit}")
    assert missing == []


@pytest.fixture
def desk(qtbot, db, db_path):
    i18n.set_language("vi")
    settings.put(db, settings.REVIEW_YEAR, "2024")
    bundle = make_bundle(random.Random(4), "01954", 3)
    save_household_with_review(db, bundle, new_review(bundle, 2024), "cb")
    win = MainWindow(DeskContext(db_path, db))
    qtbot.addWidget(win)
    win.show()
    return win


def test_every_visible_text_is_vietnamese(qtbot, desk):
    bad = english_only()
    texts = visible_texts(desk)
    editor = desk.open_editor(desk.model.uids[0])
    qtbot.addWidget(editor)
    for tab in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(tab)
        texts += visible_texts(editor)
    english = sorted({t for t in texts if t.replace("&", "") in bad or t in bad})
    assert english == []
    assert "Hộ gia đình" in texts and "Thành viên" in texts and "Tệp" in texts
    assert len(texts) > 150
    editor.model.forget_changes()


def test_qt_own_buttons_are_vietnamese(qtbot):
    i18n.set_language("vi")
    app = QApplication.instance()
    tr = i18n.install_qt_translator(app)
    try:
        std = QDialogButtonBox.StandardButton
        box = QDialogButtonBox(std.Ok | std.Cancel | std.Yes | std.No | std.Save | std.Discard | std.Close)
        qtbot.addWidget(box)
        texts = {b.text().replace("&", "") for b in box.buttons()}
        assert texts == {"Đồng ý", "Hủy", "Có", "Không", "Lưu", "Không lưu", "Đóng"}
    finally:
        app.removeTranslator(tr)


def test_english_is_switchable(qtbot, db, db_path):
    i18n.set_language("en")
    try:
        settings.put(db, settings.REVIEW_YEAR, "2024")
        win = MainWindow(DeskContext(db_path, db))
        qtbot.addWidget(win)
        texts = visible_texts(win)
        assert "File" in texts and "Add household" in texts and "Tệp" not in texts
    finally:
        i18n.set_language("vi")
