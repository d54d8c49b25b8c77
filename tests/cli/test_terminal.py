"""On a terminal (a real pseudo-terminal, the command in its own process): the user and password are asked
for when the variables are not set, a new password twice and never echoed, and `users remove-plain` asks
before deleting."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")


def on_terminal(argv: list[str], dialogue: list[tuple[str, str]], home: Path, timeout: float = 60
                ) -> tuple[int, str]:
    """Run ``bkdesk argv`` with a terminal as its controlling tty; answer each (prompt, answer) in turn when
    the prompt appears. Returns the exit code and everything the terminal showed."""
    master, slave = pty.openpty()

    def controlling_tty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = {"PYTHONPATH": str(ROOT), "HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    proc = subprocess.Popen([sys.executable, "-m", "bkdesk", *argv], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=ROOT, preexec_fn=controlling_tty)
    os.close(slave)
    shown, pending, deadline = b"", list(dialogue), time.monotonic() + timeout
    answered_at = 0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the command ended and closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if pending and pending[0][0].encode() in shown[answered_at:]:
                answered_at = len(shown)
                os.write(master, pending.pop(0)[1].encode() + b"\n")
            elif not ready and proc.poll() is not None:
                break
        else:
            proc.kill()
        return proc.wait(timeout=10), shown.decode("utf-8", "replace").replace("\r\n", "\n")
    finally:
        os.close(master)


def test_init_asks_the_first_user_and_the_password_twice(tmp_path):
    db = tmp_path / "xa.sqlite"
    init = ["init", "--commune", "01954", "--units", "2022", "--db", str(db)]
    code, shown = on_terminal(init, [("Tên đăng nhập:", "quantri"), ("Mật khẩu:", "mat-khau-dau-tien"),
                                     ("Nhập lại mật khẩu:", "mat-khau-khac-han")], tmp_path)
    assert code == 2 and "Hai lần nhập mật khẩu không giống nhau" in shown and not db.exists()
    code, shown = on_terminal(init, [("Tên đăng nhập:", "quantri"), ("Mật khẩu:", "mat-khau-dau-tien"),
                                     ("Nhập lại mật khẩu:", "mat-khau-dau-tien")], tmp_path)
    assert code == 0 and "KHOÁ KHÔI PHỤC" in shown, shown
    assert "mat-khau-dau-tien" not in shown  # never echoed

    add = ["users", "add", "rasoat", "--role", "ra_soat_vien", "--db", str(db)]
    login = [("Tên đăng nhập:", "quantri"), ("Mật khẩu:", "mat-khau-dau-tien")]
    code, shown = on_terminal(add, [*login, ("Mật khẩu mới cho rasoat:", "mat-khau-ra-soat"),
                                    ("Nhập lại mật khẩu mới:", "mat-khau-ra-soet")], tmp_path)
    assert code == 2 and "không giống nhau" in shown
    code, shown = on_terminal(add, [*login, ("Mật khẩu mới cho rasoat:", "mat-khau-ra-soat"),
                                    ("Nhập lại mật khẩu mới:", "mat-khau-ra-soat")], tmp_path)
    assert code == 0 and "Đã thêm người dùng rasoat" in shown and "mat-khau-ra-soat" not in shown, shown
    code, shown = on_terminal(["users", "list", "--db", str(db)],
                              [("Tên đăng nhập:", "rasoat"), ("Mật khẩu:", "mat-khau-ra-soat")], tmp_path)
    assert code == 0 and "rasoat\trasoat\tRà soát viên\tđang hoạt động" in shown, shown


def test_remove_plain_asks_on_a_terminal(tmp_path):
    from bkdesk.model.store import users
    from bkdesk.model.store.databases import init_database

    db = tmp_path / "cu.sqlite"
    init_database(db, "commune", "01954", officer="Cán bộ cũ").close()
    login = [("Tên đăng nhập:", "quantri"), ("Mật khẩu:", "mat-khau-quan-tri")]
    code, shown = on_terminal(["users", "remove-plain", "--db", str(db)],
                              [*login, ("(c/k):", "k")], tmp_path)  # converted on this first open, then asked
    plain = users.plain_leftovers(db)
    assert code == 0 and "Đã chuyển cơ sở dữ liệu" in shown and "Chưa xoá gì." in shown and len(plain) == 1, shown
    code, shown = on_terminal(["users", "remove-plain", "--db", str(db)], [*login, ("(c/k):", "c")], tmp_path)
    assert code == 0 and "Đã xoá 1 tệp chưa mã hoá" in shown and not plain[0].exists(), shown
