"""The merge dialog: files from the file list and drag and drop, background merge, report, cancel."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from python_calamine import CalamineWorkbook

from bkdesk.export.sync.package import read_manifest
from bkdesk.export.sync.signing import fingerprint
from bkdesk.model.store import repo_sync
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from bkdesk.ui.views.merge_dialog import MergeDialog, open_merge_dialog
from bkdesk.ui.views.passphrase_dialog import PassphraseDialog
from tests.export.sync_data import file_hash
from tests.export.sync_fixtures import commune_pkg, other_district_pkg  # noqa: F401
from tests.export.sync_keys import TEST_PASSPHRASE
from tests.ui.helpers import drive_modals, type_text


def _district(tmp_path):
    path = tmp_path / "huyen.sqlite"
    init_database(path, "district", "062").close()
    return path


def _drop(dlg, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    dlg.dropEvent(event)


def test_drop_files_merge_and_report(qtbot, tmp_path, commune_pkg, other_district_pkg, monkeypatch):  # noqa: F811
    path = _district(tmp_path)
    dlg = open_merge_dialog(None, path)
    qtbot.addWidget(dlg)
    assert not dlg.merge_button.isEnabled()
    _drop(dlg, [commune_pkg[1], other_district_pkg, commune_pkg[1]])
    assert dlg.files_list.count() == 2 and dlg.merge_button.isEnabled()
    asked = []

    def answer_yes(parent, title, text, *args):  # the person compared the fingerprint over the phone
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    typed = []

    def type_passphrase(pd, text):
        typed.append(text)
        type_text(pd.passphrase_edit, text)
        pd.ok_button.click()

    # the package is locked by a passphrase (the commune has no recipient key): a wrong one, then the right one
    done = drive_modals([(PassphraseDialog, lambda pd: type_passphrase(pd, "không phải cụm này")),
                         (PassphraseDialog, lambda pd: type_passphrase(pd, TEST_PASSPHRASE))])
    with qtbot.waitSignal(dlg.merge_finished, timeout=30_000):  # first run: locked, and the key is unknown
        qtbot.mouseClick(dlg.merge_button, Qt.MouseButton.LeftButton)
    fp = fingerprint(read_manifest(commune_pkg[1])["public_key"])
    qtbot.waitUntil(lambda: dlg.job is None and dlg.report_table.item(0, 3).text() == "Đã nhập", timeout=30_000)
    assert done == ["PassphraseDialog", "PassphraseDialog"] and typed[1] == TEST_PASSPHRASE
    assert len(asked) == 1 and fp in asked[0] and "01954" in asked[0]
    conn = open_db(path)
    assert [k["fingerprint"] for k in repo_sync.trusted_keys(conn, "01954")] == [fp]
    conn.close()
    assert dlg.report_table.rowCount() == 2
    assert dlg.report_table.item(0, 3).text() == "Đã nhập"
    assert fp in dlg.report_table.item(0, dlg.report_table.columnCount() - 1).text()
    assert dlg.report_table.item(1, 3).text() == "Bị từ chối"
    assert "không thuộc phạm vi" in dlg.report_table.item(1, dlg.report_table.columnCount() - 2).text()
    assert "1 tệp bị từ chối" in dlg.status_label.text()
    out = dlg.save_report(tmp_path / "bao-cao.xlsx")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Báo cáo nhập").to_python()
    assert [r[3] for r in rows[1:]] == ["Đã nhập", "Bị từ chối"]


def test_cancelled_merge_changes_nothing(qtbot, tmp_path, commune_pkg):  # noqa: F811
    path = _district(tmp_path)
    before = file_hash(path)
    dlg = MergeDialog(path)
    qtbot.addWidget(dlg)
    dlg.ask_trust = lambda *a: False  # if the reading finishes before the cancel: the key is not trusted
    dlg.ask_passphrase = lambda *a: None  # ... and no passphrase is given
    dlg.add_files([commune_pkg[1]])
    qtbot.mouseClick(dlg.merge_button, Qt.MouseButton.LeftButton)
    dlg.job.control.cancel()
    qtbot.waitUntil(lambda: dlg.job is None, timeout=30_000)
    assert "Đã hủy" in dlg.status_label.text()
    assert dlg.report_table.rowCount() == 0
    assert file_hash(path) == before


def test_the_district_writes_its_recipient_key_file_for_the_communes(qtbot, tmp_path, monkeypatch):
    import json

    from PySide6.QtWidgets import QFileDialog

    path = _district(tmp_path)
    dlg = open_merge_dialog(None, path)
    qtbot.addWidget(dlg)
    out = tmp_path / "khoa-nhan.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    qtbot.mouseClick(dlg.recipient_button, Qt.MouseButton.LeftButton)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["unit_code"] == "062" and data["fingerprint"] in dlg.status_label.text()
