"""Every command that opens a database logs in first (issue 16 §4): without BKDESK_USER/BKDESK_PASSWORD and
without a terminal to ask on, exit 2 with one line before anything is written; a wrong password, exit 2,
a clear message, and the database, its key file and its folder unchanged."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bkdesk.cli.main import main
from bkdesk.model.store import keyring, users
from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.dbutil import dump
from tests.model.rules.test_points_table import made_up_table

ROOT = Path(__file__).resolve().parents[2]
NEED_LOGIN = "Cần đăng nhập: đặt biến môi trường BKDESK_USER và BKDESK_PASSWORD"
WRONG = "Sai tên đăng nhập hoặc mật khẩu; không có gì thay đổi."


def _commands(folder: Path) -> list[list[str]]:
    """Every command that works on an existing database, with arguments that would succeed or fail later."""
    targets = folder / "chi-tieu.csv"
    targets.write_text("code,name,households,poor,target_rate_pct,target_households\n01954,Xã Vân Tùng,1000,250,3.5,\n",
                       encoding="utf-8")
    points = folder / "bang-diem.json"
    points.write_text(json.dumps(made_up_table(), ensure_ascii=False), encoding="utf-8")
    password = folder / "mat-khau.txt"
    password.write_text("mat-khau-moi-12345\n", encoding="utf-8")
    out = folder / "ra"
    return [
        ["check"], ["backup", "--out", str(out / "sao-luu.sqlite")], ["backups"], ["restore", "--undo"],
        ["round", "status", "--year", "2022"], ["round", "open", "--year", "2022"],
        ["standards", "history", "vn-2022-2026"], ["targets", "import", str(targets), "--year", "2026"],
        ["points", "import", str(points)], ["template", "--out", str(out / "mau.xlsx")],
        ["import", str(folder / "ds.xlsx"), "--round", "2023"],
        ["report", "--form", "ds_ngheo", "--unit", "01954", "--round", "2022", "--out", str(out / "ds.xlsx")],
        ["convert-units", "--preview"], ["demo"], ["export-package", "--unit", "01954", "--round", "2022",
                                                   "--out", str(out)],
        ["merge", str(folder / "goi.xlsx")], ["keys", "show"],
        ["users", "list"], ["users", "passwd", "--password-file", str(password)], ["users", "disable", "ai-do"],
        ["users", "remove-plain", "--yes"], ["query", "SELECT 1"],
    ]


def _state(db: Path) -> tuple:
    """Rows and schema (read as the test user), and every file beside the database byte for byte."""
    users.login(db, TEST_USER, TEST_PASSWORD)
    try:
        rows = dump(db)
    finally:
        keyring.forget()
    files = {str(p.relative_to(db.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(db.parent.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))
             and p.suffix != ".log"}
    return rows, files


def test_every_command_that_opens_a_database_needs_a_login(db, db_path, tmp_path, capsys, monkeypatch):
    db.close()
    keyring.forget()
    commands = _commands(tmp_path)
    before = _state(db_path)
    monkeypatch.delenv("BKDESK_USER")
    monkeypatch.delenv("BKDESK_PASSWORD")
    for argv in commands:
        capsys.readouterr()
        assert main([*argv, "--db", str(db_path)]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"Lỗi: {NEED_LOGIN}") and "\n" not in err, (argv, err)
    monkeypatch.setenv("BKDESK_USER", TEST_USER)  # the user alone is not enough either
    assert main(["check", "--db", str(db_path)]) == 2
    assert NEED_LOGIN in capsys.readouterr().err
    assert _state(db_path) == before


def test_a_wrong_password_writes_nothing(db, db_path, tmp_path, capsys, monkeypatch):
    db.close()
    keyring.forget()
    commands = _commands(tmp_path)
    before = _state(db_path)
    for user, password in ((TEST_USER, "sai-mat-khau-1"), ("khong-co-ai", TEST_PASSWORD), (TEST_USER, "")):
        monkeypatch.setenv("BKDESK_USER", user)
        monkeypatch.setenv("BKDESK_PASSWORD", password)
        for argv in commands:
            capsys.readouterr()
            assert main([*argv, "--db", str(db_path)]) == 2, argv
            err = capsys.readouterr().err.strip()
            assert err == f"Lỗi: {WRONG}", (user, argv, err)
    assert _state(db_path) == before
    assert keyring.lookup(db_path) is None  # nothing left unlocked in this process either


def test_init_and_demo_need_the_first_user_before_writing_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BKDESK_PASSWORD")
    for argv in (["init", "--commune", "01954", "--units", "2022"], ["demo"]):
        db = tmp_path / f"{argv[0]}.sqlite"
        assert main([*argv, "--db", str(db)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"Lỗi: {NEED_LOGIN}") and "\n" not in err, err
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == []
    monkeypatch.setenv("BKDESK_PASSWORD", "ngan")  # too short a password: refused before the file exists
    assert main(["init", "--commune", "01954", "--units", "2022", "--db", str(tmp_path / "a.sqlite")]) == 2
    assert "\n" not in capsys.readouterr().err.strip()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == []


def test_a_real_process_without_the_variables_or_a_terminal(db, db_path):
    db.close()
    env = {"PYTHONPATH": str(ROOT), "HOME": str(db_path.parent / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bkdesk", "check", "--db", str(db_path)], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and NEED_LOGIN in done.stderr
    done = subprocess.run([sys.executable, "-m", "bkdesk", "check", "--db", str(db_path)], capture_output=True,
                          text=True, env={**env, "BKDESK_USER": TEST_USER, "BKDESK_PASSWORD": TEST_PASSWORD},
                          stdin=subprocess.DEVNULL, cwd=ROOT)
    assert done.returncode == 0 and "Cơ sở dữ liệu tốt" in done.stdout, done.stderr


@pytest.mark.parametrize("module", ["store", "backups", "demo", "units", "round", "outputs", "template",
                                    "standards", "targets", "points", "users", "query", "sync", "keys"])
def test_no_command_opens_a_database_but_through_the_login(module):
    """The one way to a database from the command line is bkdesk.cli.session (open_existing, login_path,
    begin_new); a direct open_db/connect would skip the login."""
    tree = ast.parse((ROOT / "bkdesk" / "cli" / f"{module}.py").read_text(encoding="utf-8"))
    calls = {getattr(n.func, "id", None) or getattr(n.func, "attr", None) for n in ast.walk(tree)
             if isinstance(n, ast.Call)}
    assert calls & {"open_db", "connect", "open_file_readonly", "attach"} == set(), module
