"""Starting the GUI: one QApplication, Vietnamese (or English) UI, error hook, the login (an encrypted
database), the conversion of a plain one, the first-run wizard with the first user and the recovery key when
there is no database, the main window, and the offer to restore drafts left by a crash.

Screenshots (docs/screenshots, tools/screenshot.sh) use ``BKDESK_SHOW=wizard | main | editor:N``
(N = tab index) to open a given screen on start; it is not a user feature.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

_windows: list = []


def _database_ready(path: Path) -> bool:
    if not path.exists():  # a new database: the wizard creates it (a zero-byte file is refused, not adopted)
        return False
    from bkdesk.model.store import settings
    from bkdesk.model.store.databases import open_or_create

    conn = open_or_create(path)
    try:
        return bool(settings.get(conn, settings.SCOPE))
    finally:
        conn.close()


def open_window(path: Path):
    """Open the main window on a database (the wizard first when it is not set up); None if cancelled.

    A database that cannot be opened (not bkdesk, damaged, newer, read-only folder...) is explained in a
    dialog offering the next step (startup_error), never only on stderr."""
    from bkdesk.errors import UserError

    try:
        return _open_window(path)
    except UserError as exc:
        return startup_error(path, exc)


def startup_error(path: Path, exc: Exception):
    """Show why ``path`` cannot be opened and do the step the officer picks; returns the window opened or None."""
    from PySide6.QtWidgets import QMessageBox

    from bkdesk.errors import UserError
    from bkdesk.model.store.backups import list_backups, replace_damaged_with_backup
    from bkdesk.ui.views import startup_error as se

    kind = getattr(exc, "kind", "not_bkdesk")
    try:
        has_backups = bool(list_backups(path))
    except OSError:
        has_backups = False
    dlg = se.StartupErrorDialog(path, str(exc), kind, has_backups)
    _windows.append(dlg)
    try:
        dlg.exec()
    finally:
        _windows.remove(dlg)
    if dlg.choice == se.CHOOSE:
        other = se.ask_other_file(None, path)
        return open_window(other) if other else startup_error(path, exc)
    if dlg.choice == se.RETRY:
        return open_window(path)
    if dlg.choice == se.RESTORE:
        backup = se.ask_backup(None, path)
        if backup is None:
            return startup_error(path, exc)
        try:
            aside = replace_damaged_with_backup(path, backup)
        except UserError as again:
            return startup_error(path, again)
        QMessageBox.information(None, "bkdesk", f"Đã khôi phục từ {backup.name}. Tệp hỏng được giữ lại: "
                                f"{aside.name}.")
        return open_window(path)
    return None


def _log_in(path: Path) -> bool:
    """Before anything reads the database: an encrypted one asks for the user (login dialog), a plain one
    from an earlier version is converted (first user, recovery key, plain copy kept or deleted as the person
    says). False if the person gave up. A file that is neither is left to the opener to explain."""
    from bkdesk.model.store import keyring, users
    from bkdesk.model.store.db import inspect_file, is_encrypted_file

    if not path.exists() or path.stat().st_size == 0 or keyring.session_for(path) is not None:
        return True
    if users.is_plain_database(path):
        inspect_file(path)  # another application's file, a truncated one: refused untouched (startup error)
        if not _database_ready(path):
            return True  # an empty plain file from an interrupted first run: the wizard creates its user
        from bkdesk.ui.views.convert_dialog import ConvertDialog

        dlg = ConvertDialog(path, demo=_is_demo(path))
        return _exec(dlg) and dlg.conversion is not None
    if is_encrypted_file(path):
        from bkdesk.ui.views.login_dialog import LoginDialog

        dlg = LoginDialog(path)
        ok = _exec(dlg) and dlg.session is not None
        if dlg.damaged is not None:
            raise dlg.damaged  # open_window explains it and offers a backup (readable: the key is unlocked)
        return ok
    return True


def _exec(dlg) -> bool:
    from PySide6.QtWidgets import QDialog

    _windows.append(dlg)
    try:
        return dlg.exec() == QDialog.DialogCode.Accepted
    finally:
        _windows.remove(dlg)


def _is_demo(path: Path) -> bool:
    from bkdesk.model.store import settings
    from bkdesk.model.store.db import open_file_readonly

    conn = open_file_readonly(path)
    try:
        return settings.get(conn, settings.IS_DEMO) in ("1", "true", "yes")
    finally:
        conn.close()


def _open_window(path: Path):
    from bkdesk.model.desk import DeskContext
    from bkdesk.model.store import keyring
    from bkdesk.model.store.databases import open_or_create
    from bkdesk.ui.main_window import MainWindow
    from bkdesk.ui.views.wizard import FirstRunWizard

    if not _log_in(path):
        return None
    if not _database_ready(path):
        wizard = FirstRunWizard(path, ask_user=keyring.session_for(path) is None and not
                                (path.exists() and path.stat().st_size > 0))
        if os.environ.get("BKDESK_SHOW") == "wizard":
            wizard.show()
            _windows.append(wizard)
            return None
        if not _exec(wizard):
            return None
        if wizard.conn is not None:
            wizard.conn.close()
        if wizard.protection is not None:
            from bkdesk.ui.views.recovery_dialog import RecoveryKeyDialog

            _exec(RecoveryKeyDialog(path, wizard.protection.recovery, wizard.session.username))
        if not _log_in(path):  # a plain file set up without a user: converted now
            return None
    desk = DeskContext(path, opener=open_or_create)
    window = MainWindow(desk)
    window.destroyed.connect(lambda _o=None: desk.close())
    window.database_switch_requested.connect(lambda other: open_window(other))
    window.show()
    _windows.append(window)
    show = os.environ.get("BKDESK_SHOW", "")
    if show.startswith("editor:") and window.model.uids:
        editor = window.open_editor(window.model.uids[0], int(show.split(":")[1]))
        editor.move(30, 20)
    else:
        window.offer_drafts()
    start_daily_backup(window, path)
    return window


def start_daily_backup(window, path: Path):
    """The day's first opening takes a backup, off the UI thread (a big database takes seconds)."""
    from PySide6.QtWidgets import QMessageBox

    from bkdesk.model.store.backups import daily_backup
    from bkdesk.model.store.db import open_db, require_sound
    from bkdesk.ui.i18n import _
    from bkdesk.ui.jobs import run_in_background

    def work(control):
        conn = open_db(path)
        try:
            require_sound(conn, path)  # a damaged file is found the day it happens, not at an export
            return daily_backup(conn, path)
        finally:
            conn.close()

    def failed(message: str, details: str) -> None:
        text = _("Không sao lưu hằng ngày được: {message}").format(message=message)
        window.statusBar().showMessage(text, 30_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "bkdesk", text, QMessageBox.StandardButton.Ok, window)
        box.setModal(False)  # never blocks the officer's work
        box.show()

    return run_in_background(work, lambda result: None, failed, parent=window, title=_("Đang sao lưu hằng ngày…"))


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from bkdesk.model.store.databases import resolve_db_path
    from bkdesk.ui import error_hook, i18n, prefs
    from bkdesk.ui.views.about import app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("bkdesk")
    app.setOrganizationName("bkdesk")
    app.setWindowIcon(app_icon())
    i18n.set_language(getattr(args, "lang", None) or prefs.language())
    i18n.install_qt_translator(app)
    error_hook.install()
    if open_window(resolve_db_path(getattr(args, "db", None))) is None and not _windows:
        return 0
    return app.exec()
