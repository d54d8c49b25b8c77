"""run_in_background: the one way the UI runs long work off the GUI thread, with progress and cancel."""

from __future__ import annotations

import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from bkdesk.model.jobs import Cancelled, JobControl

PROGRESS_DELAY_MS = 500


class _Signals(QObject):
    # Created on the GUI thread, so the connected slots run there.
    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message, traceback
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[JobControl], object], control: JobControl, signals: _Signals):
        super().__init__()
        self.fn, self.control, self.signals = fn, control, signals

    def run(self) -> None:
        try:
            result = self.fn(self.control)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # every worker failure reaches the user
            self.signals.failed.emit(str(exc), traceback.format_exc())
        else:
            self.signals.finished.emit(result)


class Job(QObject):
    """A running background job; keeps its signals and progress dialog alive until it ends."""

    done = Signal()

    def __init__(self, parent: QWidget | None, title: str):
        super().__init__(parent)
        self.signals = _Signals(self)
        self.control = JobControl(lambda d, t, s: self.signals.progressed.emit(d, t, s))
        self.dialog: QProgressDialog | None = None
        self._parent, self._title = parent, title
        self._timer = QTimer(self, singleShot=True, interval=PROGRESS_DELAY_MS)
        self._timer.timeout.connect(self._show_dialog)
        self.signals.progressed.connect(self._on_progress)
        for sig in (self.signals.finished, self.signals.failed, self.signals.cancelled):
            sig.connect(self._close)
        self._last = (0, 0, "")

    def _show_dialog(self) -> None:
        dlg = QProgressDialog(self._title, "Hủy", 0, 0, self._parent)
        dlg.setWindowTitle(self._title)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.canceled.connect(self.control.cancel)
        self.dialog = dlg
        self._on_progress(*self._last)
        if self.dialog is dlg:  # the job may have ended while the dialog processed events
            dlg.show()

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self._last = (done, total, text)
        dlg = self.dialog  # setValue on a modal dialog processes events, which may close the job
        if dlg is not None:
            dlg.setMaximum(max(total, 0))
            if text:
                dlg.setLabelText(text)
            dlg.setValue(min(done, total) if total else 0)

    def _close(self, *args) -> None:
        self._timer.stop()
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.control.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        self.done.emit()


_running: set[Job] = set()


def run_in_background(fn: Callable[[JobControl], object], on_done: Callable[[object], None],
                      on_error: Callable[[str, str], None], *, parent: QWidget | None = None,
                      title: str = "Đang xử lý…", on_cancel: Callable[[], None] | None = None) -> Job:
    """Run ``fn(control)`` on the thread pool. Callbacks run on the GUI thread.

    A progress dialog with a "Hủy" button appears if the job lasts longer than half a second. ``fn``
    must open its own database connection (one per thread).
    """
    job = Job(parent, title)
    job.signals.finished.connect(on_done)
    job.signals.failed.connect(on_error)
    if on_cancel is not None:
        job.signals.cancelled.connect(on_cancel)
    _running.add(job)
    job.done.connect(lambda: _running.discard(job))
    job._timer.start()
    QThreadPool.globalInstance().start(_Runnable(fn, job.control, job.signals))
    return job
