"""The desk context's announcements as Qt signals (views connect to these instead of calling each other)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class DeskSignals(QObject):
    household_saved = Signal(str)
    households_changed = Signal()
    villages_changed = Signal()
    round_changed = Signal()
    merge_done = Signal()

    def __init__(self, desk, parent: QObject | None = None):
        super().__init__(parent)
        self.desk = desk
        self._unsubscribe = [desk.subscribe(name, getattr(self, name).emit) for name in
                             ("household_saved", "households_changed", "villages_changed", "round_changed",
                              "merge_done")]

    def detach(self) -> None:
        for fn in self._unsubscribe:
            fn()
        self._unsubscribe = []
