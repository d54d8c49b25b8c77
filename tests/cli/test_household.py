"""`bkdesk household remove CODE --reason TEXT` (issue 15 point 2) on a real, protected database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bkdesk.cli.main import main
from bkdesk.model.store.db import open_db
from tests.dbutil import dump
from tests.model.review.test_household_remove import REASON, _decide, commune

ROOT = Path(__file__).resolve().parents[2]


def _run(db_path, *argv) -> int:
    return main(["household", "remove", *argv, "--db", str(db_path)])


def _households(db_path) -> list[str]:
    conn = open_db(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT household_no FROM household ORDER BY household_no")]
    finally:
        conn.close()


def test_remove_by_household_number(db, db_path, capsys):
    commune(db)
    db.close()
    assert _run(db_path, "0002", "--reason", REASON) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Đã xóa hộ 0002 (Nguyễn Văn Đức) cùng 2 thành viên")
    assert REASON in out[0]
    assert _households(db_path) == ["0001"]
    assert main(["check", "--db", str(db_path)]) == 0


def test_bad_input_and_refusals_exit_2_with_one_line(db, db_path, capsys):
    village, _first, _twice = commune(db)
    _decide(db, village)
    db.close()
    capsys.readouterr()
    before = dump(db_path)
    for argv, expected in ((["0009", "--reason", REASON], "Không có hộ mã 0009"),
                           (["0002", "--reason", "  "], "Phải ghi lý do xóa hộ"),
                           (["0002"], "Tham số không hợp lệ"),  # --reason is required
                           (["0002", "--reason", REASON], "đã có quyết định công nhận")):
        assert _run(db_path, *argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("Lỗi: ") and expected in err[0], (argv, err)
    assert main(["household", "--db", str(db_path)]) == 2
    assert "bkdesk household remove" in capsys.readouterr().err
    assert dump(db_path) == before


def test_the_installed_command_removes_by_uid(db, db_path):
    """The command as an officer types it, in its own process (logs in from BKDESK_USER/BKDESK_PASSWORD)."""
    _village, _first, twice = commune(db)
    db.close()
    done = subprocess.run([sys.executable, "-m", "bkdesk", "household", "remove", twice, "--reason", REASON,
                           "--db", str(db_path)], capture_output=True, text=True, env=dict(os.environ),
                          stdin=subprocess.DEVNULL, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Đã xóa hộ 0002") and done.stdout.count("\n") == 1
    assert _households(db_path) == ["0001"]
