"""Startup errors in a dialog with the next step (also in the windowed build, where sys.stderr is None)."""

from __future__ import annotations

import hashlib
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.databases import init_database
from bkdesk.ui import app
from bkdesk.ui.views import startup_error as se
from bkdesk.ui.views.convert_dialog import ConvertDialog
from bkdesk.ui.views.recovery_dialog import RecoveryKeyDialog
from tests.ui.helpers import drive_modals, fill_first_user, protected_database, type_text


def _when_dialog(qtbot, act):
    """Act on the startup dialog once its exec() runs (as a person would click it)."""
    seen = []

    def poll():
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, se.StartupErrorDialog):
            seen.append(dlg.message_label.text())
            act(dlg)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def _click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _close_windows(qtbot):
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(60_000)  # the day's backup job runs with the window as parent
    qtbot.wait(50)
    for w in list(app._windows):
        qtbot.addWidget(w)  # closed and deleted by pytest-qt, after the events it still has to process
        app._windows.remove(w)


def test_a_zero_byte_file_is_explained_and_another_file_opens(qtbot, tmp_path, monkeypatch):
    empty = tmp_path / "rong.sqlite"
    empty.write_bytes(b"")
    good = tmp_path / "xa.sqlite"
    protected_database(good)[0].close()  # logged in (as after the login dialog)
    monkeypatch.setattr(se, "ask_other_file", lambda parent, start: good)
    seen = _when_dialog(qtbot, lambda dlg: _click(qtbot, dlg.choose_button))
    window = app.open_window(empty)
    try:
        assert seen and "0 byte" in seen[0]
        assert window is not None and window.isVisible()
        assert empty.read_bytes() == b""  # untouched
    finally:
        _close_windows(qtbot)


def test_a_damaged_database_is_restored_from_a_backup_and_the_damaged_file_kept(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "xa.sqlite"
    conn = init_database(path, "commune", "01954", officer="Kiểm thử")  # plain, from an earlier version
    backup = dbmod.auto_backup(conn, path, "hang-ngay")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])  # truncated by a copy that stopped half-way
    damaged = _sha(path)
    monkeypatch.setattr(se, "ask_backup", lambda parent, db: backup)
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)

    def act(dlg):
        assert dlg.restore_button.isVisible() and not dlg.retry_button.isVisible()
        _click(qtbot, dlg.restore_button)

    seen = _when_dialog(qtbot, act)

    def convert(dlg):  # restored plain: encrypted before the desk opens, the plain copy kept (reminded)
        type_text(dlg.fields.display_edit, "Kiểm thử")
        fill_first_user(dlg)
        dlg.convert_button.click()

    steps = drive_modals([(ConvertDialog, convert), (RecoveryKeyDialog, lambda d: d.kept_check.click() or
                                                     d.continue_button.click()),
                          (ConvertDialog, lambda d: d.pages.currentIndex() == 1, lambda d: d.keep_button.click())])
    window = app.open_window(path)
    try:
        assert steps == ["ConvertDialog", "RecoveryKeyDialog", "ConvertDialog"], steps
        assert seen and "cắt cụt" in seen[0]
        assert window is not None and window.isVisible()
        kept = [p for p in tmp_path.iterdir() if ".hong-" in p.name and p.suffix == ".sqlite"]
        assert len(kept) == 1 and _sha(kept[0]) == damaged  # never deleted
        check = dbmod.open_db(path)
        assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        check.close()
    finally:
        _close_windows(qtbot)


def test_a_newer_database_says_update_the_app_and_is_left_alone(qtbot, tmp_path):
    path = tmp_path / "moi.sqlite"
    dbmod.open_db(path).close()
    c = sqlite3.connect(path)
    c.execute(f"PRAGMA user_version={dbmod.latest_version() + 3}")
    c.close()
    before = _sha(path)

    def act(dlg):
        assert dlg.kind == "newer" and "phiên bản bkdesk mới nhất" in dlg.update_label.text()
        assert not dlg.restore_button.isVisible()
        _click(qtbot, dlg.quit_button)

    seen = _when_dialog(qtbot, act)
    assert app.open_window(path) is None
    assert seen and "mới hơn" in seen[0]
    assert _sha(path) == before


def test_windowed_build_without_stderr_shows_the_dialog_and_exits_cleanly(qtbot, tmp_path, monkeypatch):
    from bkdesk.cli.main import main

    other = tmp_path / "khac.sqlite"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    c.commit()
    c.close()
    before = _sha(other)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    seen = _when_dialog(qtbot, lambda dlg: _click(qtbot, dlg.quit_button))
    assert main(["--db", str(other)]) == 0
    assert seen and "phần mềm khác" in seen[0]
    assert _sha(other) == before
