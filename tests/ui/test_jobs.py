import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from bkdesk.model.jobs import JobControl
from bkdesk.ui.jobs import run_in_background
from tests.ui.helpers import type_text


def test_result_reaches_the_gui_thread(qtbot):
    got = {}
    main = threading.get_ident()

    def work(control: JobControl):
        control.report(1, 2, "nửa đường")
        return threading.get_ident()

    def done(result):
        got["worker"], got["callback"] = result, threading.get_ident()

    job = run_in_background(work, done, lambda m, t: got.setdefault("error", m))
    qtbot.waitUntil(lambda: "callback" in got, timeout=5000)
    assert got["callback"] == main != got["worker"]
    assert job.dialog is None  # quick jobs never show a dialog


def test_errors_reach_the_user(qtbot):
    got = {}

    def work(control):
        raise ValueError("tệp hỏng")

    run_in_background(work, lambda r: None, lambda m, t: got.update(msg=m, tb=t))
    qtbot.waitUntil(lambda: "msg" in got, timeout=5000)
    assert got["msg"] == "tệp hỏng" and "ValueError" in got["tb"]


def test_slow_job_shows_progress_and_cancel_stops_it(qtbot):
    got = {}
    release = threading.Event()

    def work(control: JobControl):
        for i in range(1000):
            control.report(i, 1000, f"Hộ {i}")
            release.wait(0.01)
        return "xong"

    job = run_in_background(work, lambda r: got.update(done=r), lambda m, t: got.update(err=m),
                            on_cancel=lambda: got.update(cancelled=True), title="Đang nhập")
    qtbot.waitUntil(lambda: job.dialog is not None and job.dialog.isVisible(), timeout=5000)
    assert job.dialog.labelText().startswith("Hộ ")
    button = job.dialog.findChild(QPushButton)
    assert button.text() == "Hủy"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: got.get("cancelled"), timeout=5000)
    assert "done" not in got and "err" not in got


def test_type_text_handles_vietnamese(qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    type_text(edit, "Nguyễn Thị Hường Đức")
    assert edit.text() == "Nguyễn Thị Hường Đức"
