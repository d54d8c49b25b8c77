"""Bad days in the desk: far-corner workbooks in the merge dialog, a save while a long merge writes."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMainWindow

from bkdesk.dbapi import sqlite3
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db, sqlite_error_message
from bkdesk.model.store.repo_households import count_households, save_household
from bkdesk.model.store.writer import WRITERS
from bkdesk.ui.views.merge_dialog import open_merge_dialog
from bkdesk.ui.write_wait import save_when_free
from tests.factories import make_bundle

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "generic"


def _hash(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_merge_dialog_survives_every_far_corner_workbook(qtbot, tmp_path):
    import tests.test_corpus  # noqa: F401  (generates the corpus when missing)

    files = sorted(p for p in CORPUS.glob("*.xlsx") if p.name.startswith(("corner-", "far-", "wide-")))
    assert len(files) >= 12
    path = tmp_path / "huyen.sqlite"
    init_database(path, "district", "062").close()
    before = _hash(path)
    dlg = open_merge_dialog(None, path)
    qtbot.addWidget(dlg)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    dlg.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier))
    assert dlg.files_list.count() == len(files)
    with qtbot.waitSignal(dlg.merge_finished, timeout=120_000):
        qtbot.mouseClick(dlg.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert dlg.isVisible()  # the desk is alive: no reader abort took the process down
    assert dlg.report_table.rowCount() == len(files)
    assert {dlg.report_table.item(r, 3).text() for r in range(len(files))} == {"Bị từ chối"}
    assert _hash(path) == before
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)  # the job's thread is gone before the dialog is
    qtbot.wait(100)


def _long_merge(db: Path, seconds: float, started: threading.Event, with_queue: bool = True) -> threading.Thread:
    """Holds the write turn and SQLite's write lock like a long merge does."""
    def run():
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            if with_queue:
                with WRITERS.writing("gộp gói dữ liệu"):
                    conn.execute("BEGIN IMMEDIATE")
                    started.set()
                    time.sleep(seconds)
                    conn.execute("COMMIT")
            else:
                conn.execute("BEGIN IMMEDIATE")
                started.set()
                time.sleep(seconds)
                conn.execute("COMMIT")
        finally:
            conn.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _desk(qtbot, tmp_path):
    path = tmp_path / "xa.sqlite"
    conn = init_database(path, "commune", "01954", officer="Kiểm thử")
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    return path, conn, window


def test_a_save_during_a_long_merge_waits_with_a_message_and_succeeds(qtbot, tmp_path):
    path, conn, window = _desk(qtbot, tmp_path)
    started = threading.Event()
    merge = _long_merge(path, 1.5, started)
    assert started.wait(5)
    saved, failed = [], []
    t0 = time.monotonic()
    pending = save_when_free(window, lambda: save_household(conn, make_bundle(random.Random(1), "01954", 3),
                                                            user="Kiểm thử"),
                             saved.append, failed.append, conn=conn)
    assert time.monotonic() - t0 < 0.5  # the GUI thread did not block on the lock
    assert "đang được dùng bởi thao tác «gộp gói dữ liệu»" in window.statusBar().currentMessage()
    assert "đang được dùng" in pending.waiting
    qtbot.waitUntil(lambda: bool(saved or failed), timeout=15_000)
    merge.join(5)
    assert failed == [] and len(saved) == 1
    assert count_households(conn) == 1
    assert window.statusBar().currentMessage() == "" and window.isVisible()
    conn.close()


def test_a_save_locked_by_another_process_retries_without_freezing(qtbot, tmp_path):
    path, conn, window = _desk(qtbot, tmp_path)
    started = threading.Event()
    other = _long_merge(path, 1.2, started, with_queue=False)  # e.g. `bkdesk merge` from a terminal
    assert started.wait(5)
    saved, failed = [], []
    t0 = time.monotonic()
    save_when_free(window, lambda: save_household(conn, make_bundle(random.Random(2), "01954", 2), user="Kiểm thử"),
                   saved.append, failed.append, conn=conn)
    assert time.monotonic() - t0 < 1.0  # 200 ms SQLite wait, then the timer: not the 10 s busy timeout
    assert "đang được dùng bởi" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(saved or failed), timeout=15_000)
    other.join(5)
    assert failed == [] and len(saved) == 1 and count_households(conn) == 1
    conn.close()


def test_a_save_that_cannot_get_its_turn_fails_with_the_message_and_keeps_nothing_half_done(qtbot, tmp_path):
    path, conn, window = _desk(qtbot, tmp_path)
    started = threading.Event()
    merge = _long_merge(path, 3.0, started)
    assert started.wait(5)
    saved, failed = [], []
    save_when_free(window, lambda: save_household(conn, make_bundle(random.Random(3), "01954", 2), user="Kiểm thử"),
                   saved.append, failed.append, give_up_s=0.6, conn=conn)
    qtbot.waitUntil(lambda: bool(saved or failed), timeout=10_000)
    assert saved == [] and len(failed) == 1
    assert "Cơ sở dữ liệu đang được dùng bởi" in failed[0] and "giữ nguyên" in failed[0]
    assert window.isVisible()
    merge.join(5)
    assert count_households(conn) == 0
    conn.close()


def test_locked_error_message_names_the_cause(tmp_path):
    path = tmp_path / "xa.sqlite"
    open_db(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "Cơ sở dữ liệu" in sqlite_error_message(exc) and "đang được dùng bởi" in sqlite_error_message(exc)
    else:
        raise AssertionError("the second writer was not refused")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()


def test_ctrl_s_in_the_editor_during_a_long_merge_keeps_the_work_and_saves_when_it_is_done(qtbot, tmp_path,
                                                                                          monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from bkdesk.model.desk import DeskContext
    from bkdesk.model.store import settings
    from bkdesk.model.store.repo_households import get_household
    from bkdesk.ui import i18n
    from bkdesk.ui.main_window import MainWindow

    i18n.set_language("vi")
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warnings.append(a[2])))
    path = tmp_path / "xa.sqlite"
    conn = init_database(path, "commune", "01954", officer="Kiểm thử")
    settings.put(conn, settings.REVIEW_YEAR, "2024")
    uid = save_household(conn, make_bundle(random.Random(5), "01954", 3), user="t").household.uid
    win = MainWindow(DeskContext(path, conn))
    qtbot.addWidget(win)
    win.show()
    editor = win.open_editor(uid)
    editor.edit(("household", "address"), "Bản Nà Pò")
    started = threading.Event()
    merge = _long_merge(path, 1.5, started)
    assert started.wait(5)
    t0 = time.monotonic()
    assert editor.save() is False  # not yet: the merge has the turn
    assert time.monotonic() - t0 < 0.5  # no freeze
    assert "đang được dùng bởi thao tác «gộp gói dữ liệu»" in editor.status_bar.currentMessage()
    assert editor.model.dirty and warnings == []  # the work is on screen, no error box, no crash dialog
    qtbot.waitUntil(lambda: editor.pending_save.done, timeout=15_000)
    merge.join(5)
    assert warnings == [] and not editor.model.dirty
    assert "Đã lưu hộ" in editor.status_bar.currentMessage()
    assert get_household(conn, uid).household.address == "Bản Nà Pò"
    editor.close()
