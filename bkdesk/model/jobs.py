"""Progress and cancellation for long work (import, merge, export), without Qt.

Long functions take a ``JobControl``: they call ``report(done, total, text)`` now and then, and
``check()`` at safe points; ``check()`` raises ``Cancelled`` once the user pressed cancel, so the
function's transaction rolls back and nothing is left half-written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """The user cancelled; the work was rolled back."""


class JobControl:
    def __init__(self, on_progress: Callable[[int, int, str], None] | None = None):
        self._cancel = threading.Event()
        self._on_progress = on_progress

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("Đã hủy theo yêu cầu; dữ liệu không thay đổi.")

    def report(self, done: int, total: int, text: str = "") -> None:
        if self._on_progress is not None:
            self._on_progress(done, total, text)
        self.check()


NO_CONTROL = JobControl()
