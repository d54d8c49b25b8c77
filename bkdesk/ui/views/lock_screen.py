"""Idle lock: after a time without keyboard or mouse input to the app (prefs.idle_lock_minutes, default 15),
the desk covers itself with a lock screen asking for the same user's password. Nothing is closed: an open
editor keeps its unsaved text behind the lock screen and is there again after unlocking."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bkdesk.ui.i18n import _
from bkdesk.ui.views.user_fields import error_label, password_edit

INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                          QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.ShortcutOverride})


class LockScreen(QWidget):
    """A frameless, application-modal window over the whole screen; only the right password closes it."""

    unlocked = Signal()

    def __init__(self, db_path: Path, username: str, label: str):
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("lock_screen")
        self.setWindowTitle(_("bkdesk - Đã khoá"))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.db_path, self.username, self._open = Path(db_path), username, False
        self.setStyleSheet("#lock_screen { background: #2b3a4a; } #lock_box { background: white; "
                           "border-radius: 6px; }")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QFrame(self)
        box.setObjectName("lock_box")
        box.setFixedWidth(460)
        lay = QVBoxLayout(box)
        title = QLabel(_("bkdesk đã khoá vì lâu không sử dụng"), box)
        font = title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        title.setFont(font)
        lay.addWidget(title)
        who = QLabel(_("Người dùng: {user}. Nhập mật khẩu để tiếp tục; các phiếu đang mở vẫn giữ nguyên.").format(
            user=label), box)
        who.setObjectName("who_label")
        who.setWordWrap(True)
        lay.addWidget(who)
        self.password_edit = password_edit(box, "lock_password_edit")
        self.password_edit.returnPressed.connect(self.try_unlock)
        lay.addWidget(self.password_edit)
        self.error_label = error_label(box)
        lay.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addStretch(1)
        self.unlock_button = QPushButton(_("Mở khoá"), box)
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        row.addWidget(self.unlock_button)
        lay.addLayout(row)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(box)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(1)

    def try_unlock(self) -> bool:
        from bkdesk.model.store import users

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            ok = users.check_password_of(self.db_path, self.username, self.password_edit.text())
        finally:
            QApplication.restoreOverrideCursor()
        if not ok:
            self.error_label.setText(_("Sai mật khẩu; hãy nhập lại."))
            self.password_edit.selectAll()
            return False
        self._open = True
        self.password_edit.clear()
        self.close()
        self.unlocked.emit()
        return True

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._open:
            event.accept()
        else:
            event.ignore()  # Alt+F4 does not unlock


class IdleLock(QObject):
    """Watches the app's input (an application event filter) and shows the lock screen after ``seconds``."""

    locked = Signal()

    def __init__(self, window, db_path: Path, username: str, label: str, seconds: float):
        super().__init__(window)
        self.db_path, self.username, self.label = Path(db_path), username, label
        self.screen: LockScreen | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(int(seconds * 1000), 50))
        self.timer.timeout.connect(self.lock)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if self.screen is None and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def lock(self) -> LockScreen:
        if self.screen is None:
            self.screen = LockScreen(self.db_path, self.username, self.label)
            self.screen.unlocked.connect(self._unlocked)
            screen = QApplication.primaryScreen()
            if screen is not None:
                self.screen.setGeometry(screen.geometry())
            self.screen.showFullScreen()
            self.screen.raise_()
            self.screen.activateWindow()
            self.screen.password_edit.setFocus()
            self.locked.emit()
        return self.screen

    def _unlocked(self) -> None:
        self.screen = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.screen is not None:
            self.screen._open = True
            self.screen.close()
            self.screen = None
