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
