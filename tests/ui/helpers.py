"""Helpers for driving widgets like a person, including Vietnamese letters."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent


def type_text(widget, text: str) -> None:
    """Type ``text`` into a focused-able widget key by key (qtbot.keyClicks aborts on "ễ")."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    QCoreApplication.processEvents()


def fill_first_user(dialog, username: str = "", password: str = "") -> None:
    """Type the first user's login name and password twice into a dialog with NewUserFields (the wizard, the
    conversion dialog, the users screen); the full name is typed by the caller (the wizard's officer name)."""
    from tests.conftest import TEST_PASSWORD, TEST_USER

    fields = getattr(dialog, "user_fields", None) or dialog.fields
    type_text(fields.username_edit, username or TEST_USER)
    for edit in (fields.password_edit, fields.password2_edit):
        type_text(edit, password or TEST_PASSWORD)


def protected_database(path, commune: str = "01954", username: str = "", password: str = "", review_year=None):
    """A commune database created the way the desk creates it: encrypted, first user logged in. Returns
    (connection, protection); ``protection.recovery`` is the recovery key."""
    from bkdesk.model.store import settings, users
    from bkdesk.model.store.databases import init_database
    from tests.conftest import TEST_PASSWORD, TEST_USER

    prot = users.begin_protected(path, username or TEST_USER, password or TEST_PASSWORD, "Hoàng Thị Thắm")
    conn = init_database(path, "commune", commune, officer="Hoàng Thị Thắm")
    if review_year:
        settings.put(conn, settings.REVIEW_YEAR, str(review_year))
    users.finish_protected(prot, conn)
    return conn, prot


def desk_window(qtbot, path):
    """The main window on the database at ``path`` (its user logged in in this process), shown."""
    from bkdesk.model.desk import DeskContext
    from bkdesk.ui.main_window import MainWindow

    win = MainWindow(DeskContext(path))
    qtbot.addWidget(win)
    win.show()
    return win


def drive_modals(steps, timeout_ms: int = 30_000):
    """Act on modal dialogs as they come up (a person at the keyboard while ``exec()`` runs): ``steps`` is a
    list of (dialog class, act) or (dialog class, ready predicate, act), handled in order. Returns the list of
    steps done (their classes' names) for the test to check."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    todo, done = list(steps), []
    waited = [0]

    def give_up(dlg, why: str) -> None:
        done.append(why)
        todo.clear()
        if dlg is not None and hasattr(dlg, "done"):
            dlg.done(0)  # never leave a test hanging in exec()

    def poll():
        if not todo:
            return
        cls, *rest = todo[0]
        ready, act = (rest[0], rest[1]) if len(rest) == 2 else ((lambda d: True), rest[0])
        dlg = QApplication.activeModalWidget()
        if waited[0] > timeout_ms:
            give_up(dlg, f"timeout waiting for {cls.__name__} (active: {type(dlg).__name__})")
            return
        if isinstance(dlg, cls) and dlg.isVisible() and ready(dlg):
            todo.pop(0)
            done.append(cls.__name__)
            try:
                act(dlg)
            except BaseException as exc:  # an assertion inside a step: report it, close the dialog
                give_up(dlg, f"error in {cls.__name__}: {exc!r}")
                return
        waited[0] += 20
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return done
