"""Logging: one Qt-free setup (bkdesk/logs.py) used by the command line and the desk, written to the log folder."""

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bkdesk import logs
from bkdesk.cli.main import main
from bkdesk.model.store import backups
from bkdesk.model.store.databases import log_dir
from bkdesk.model.store.db import open_db
from tests.cli.protected import protected_database


@pytest.fixture
def log_text():
    yield lambda: logs.log_file().read_text(encoding="utf-8")
    if logs._handler is not None:
        logs.ROOT.removeHandler(logs._handler)
        logs._handler.close()
        logs._handler = None


def test_setup_writes_to_the_user_log_folder_once(tmp_path, log_text):
    first = logs.setup_logging()
    assert logs.setup_logging() is first and logs.ROOT.handlers.count(first) == 1
    assert logs.log_file() == log_dir() / "bkdesk.log" and logs.log_file().is_relative_to(tmp_path)
    logging.getLogger("bkdesk.model.store.backups").info("một dòng nhật ký: Đặng Thị Hà")
    first.flush()
    assert "INFO bkdesk.model.store.backups: một dòng nhật ký: Đặng Thị Hà" in log_text()


def test_a_folder_that_cannot_be_written_leaves_logging_off(tmp_path, monkeypatch, log_text):
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    monkeypatch.setattr(logs, "log_dir", lambda: blocker / "logs")
    handler = logs.setup_logging()
    assert isinstance(handler, logging.NullHandler)
    logging.getLogger("bkdesk.cli.main").info("không ghi được")  # nothing raises


def test_the_command_line_logs_commands_refusals_and_restores(db_path, tmp_path, log_text):
    db = protected_database(db_path)  # as `bkdesk init` leaves it: the command logs in
    snap = backups.backup_now(db, db_path)
    db.close()
    assert main(["restore", "--db", str(db_path), "--from", str(snap)]) == 0
    assert main(["restore", "--db", str(db_path), "--from", str(tmp_path / "khong-co.sqlite")]) == 2
    logs._handler.flush()
    text = log_text()
    assert "INFO bkdesk.cli.main: bkdesk restore" in text
    assert f"INFO bkdesk.model.store.users: login kiemthu on {db_path}" in text
    assert f"INFO bkdesk.model.store.backups: restored {db_path} from {snap}" in text
    assert "INFO bkdesk.cli.main: refused: Không tìm thấy bản sao lưu" in text


def test_the_desk_uses_the_same_setup():
    from bkdesk.ui import error_hook

    assert error_hook.setup_logging is logs.setup_logging and error_hook.LOG_NAME == logs.LOG_NAME


def test_the_logging_setup_imports_no_qt():
    code = "import sys, bkdesk.logs; print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_migrations_and_their_backup_are_logged(tmp_path, log_text):
    logs.setup_logging()
    old = tmp_path / "cu.sqlite"
    shutil.copy(Path(__file__).parent / "fixtures" / "schema_v1.sqlite", old)
    open_db(old).close()
    logs._handler.flush()
    text = log_text()
    assert "INFO bkdesk.model.store.db: backup (truoc-nang-cap-v1) written: " in text
    assert f"INFO bkdesk.model.store.db: migration m0002_desk_totals_indexes applied to {old}" in text
