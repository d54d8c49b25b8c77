"""`bkdesk users ...` as a commune would use it: `bkdesk init`, one user per role, each working with their own
BKDESK_USER/BKDESK_PASSWORD; what a role may not do is refused in one line naming the role that may."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bkdesk.cli.main import main
from bkdesk.model.store import keyring, users
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_households import save_household
from tests.conftest import TEST_COMMUNE, TEST_PASSWORD, TEST_USER
from tests.dbutil import dump
from tests.factories import make_bundle

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2022
PEOPLE = {  # user: (role, display name, password)
    "rasoat": ("ra_soat_vien", "Lý Thị Dung", "mat-khau-ra-soat-1"),
    "giamngheo": ("can_bo_giam_ngheo_xa", "Hoàng Văn Bình", "mat-khau-giam-ngheo-1"),
    "lanhdao": ("lanh_dao_xa", "Nông Đức Mạnh", "mat-khau-lanh-dao-1"),
    "quantri": ("Quản trị", "Triệu Thị Lan", "mat-khau-quan-tri-1"),  # a role by its Vietnamese name
}


def _as(monkeypatch, user: str, password: str | None = None) -> None:
    monkeypatch.setenv("BKDESK_USER", user)
    monkeypatch.setenv("BKDESK_PASSWORD", password if password is not None else
                       (TEST_PASSWORD if user == TEST_USER else PEOPLE[user][2]))


def _secret(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def commune(tmp_path, capsys, monkeypatch):
    """(database, recovery key): made by `bkdesk init` as the test user, with one user per role added."""
    db = tmp_path / "xa.sqlite"
    assert main(["init", "--db", str(db), "--commune", TEST_COMMUNE, "--units", "2022", "--officer", "Hà Thị Mai"]) == 0
    out = capsys.readouterr().out
    recovery = re.search(r"KHOÁ KHÔI PHỤC[^:]*: (\S+)", out).group(1)
    for user, (role, name, password) in PEOPLE.items():
        pw = _secret(tmp_path, f"{user}.txt", password)
        assert main(["users", "add", user, "--role", role, "--name", name, "--password-file", pw, "--db", str(db)]) == 0
        assert f"Đã thêm người dùng {user} ({name})" in capsys.readouterr().out
    keyring.forget()  # every command below logs in as a fresh process would
    return db, recovery


def _run(capsys, db, *argv) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def _one_line(err: str) -> str:
    assert err.startswith("Lỗi: ") and "\n" not in err and "Traceback" not in err, err
    return err


def _login_dump(db) -> list[str]:
    users.login(db, TEST_USER, TEST_PASSWORD)
    try:
        return dump(db)
    finally:
        keyring.forget()


def test_init_names_the_first_user_and_list_shows_every_user(commune, capsys, monkeypatch):
    db, recovery = commune
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{1,4})+", recovery)
    code, out, _ = _run(capsys, db, "users", "list")
    assert code == 0
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert rows[0] == ["giamngheo", "Hoàng Văn Bình", "Cán bộ giảm nghèo xã", "đang hoạt động"]
    assert ["kiemthu", "Hà Thị Mai", "Rà soát viên, Cán bộ giảm nghèo xã, Lãnh đạo xã, Quản trị",
            "đang hoạt động"] in rows
    assert ["quantri", "Triệu Thị Lan", "Quản trị", "đang hoạt động"] in rows
    _as(monkeypatch, "rasoat")  # reading the list is open to every user
    assert _run(capsys, db, "users", "list")[0] == 0


def test_each_role_is_refused_the_operations_of_the_others(commune, capsys, monkeypatch, tmp_path):
    db, _ = commune
    pw = _secret(tmp_path, "moi.txt", "mat-khau-nguoi-moi")
    refused = [  # (user, command, what is missing, the role that has it)
        ("rasoat", ["users", "add", "moi", "--role", "ra_soat_vien", "--password-file", pw],
         "quản lý người dùng", "Quản trị"),
        ("rasoat", ["round", "open", "--year", str(YEAR)], "điều hành đợt rà soát", "Cán bộ giảm nghèo xã"),
        ("rasoat", ["query", "SELECT count(*) FROM household"], "truy vấn SQL chỉ đọc", "Quản trị"),
        ("giamngheo", ["users", "disable", "rasoat"], "quản lý người dùng", "Quản trị"),
        ("giamngheo", ["query", "SELECT 1"], "truy vấn SQL chỉ đọc", "Quản trị"),
        ("lanhdao", ["round", "open", "--year", str(YEAR)], "điều hành đợt rà soát", "Cán bộ giảm nghèo xã"),
        ("lanhdao", ["users", "roles", "rasoat", "--role", "quan_tri"], "quản lý người dùng", "Quản trị"),
        ("quantri", ["round", "open", "--year", str(YEAR)], "điều hành đợt rà soát", "Cán bộ giảm nghèo xã"),
    ]
    before = _login_dump(db)
    for user, argv, missing, role in refused:
        _as(monkeypatch, user)
        code, _out, err = _run(capsys, db, *argv)
        assert code == 2, (user, argv, err)
        assert f"Người dùng {user} (" in _one_line(err) and missing in err and f"cần vai trò {role}" in err, err
    assert _login_dump(db) == before  # nothing written by any refusal

    allowed = [("giamngheo", ["round", "open", "--year", str(YEAR)]),
               ("quantri", ["users", "roles", "rasoat", "--role", "ra_soat_vien,lanh_dao_xa"]),
               ("quantri", ["query", "SELECT count(*) AS n FROM app_user", "--json"])]
    for user, argv in allowed:
        _as(monkeypatch, user)
        code, out, err = _run(capsys, db, *argv)
        assert code == 0, (user, argv, err)
    assert '"n": 5' in out


def test_disable_and_password_set_by_the_administrator(commune, capsys, monkeypatch, tmp_path):
    db, _ = commune
    _as(monkeypatch, "quantri")
    assert _run(capsys, db, "users", "disable", "rasoat")[0] == 0
    assert "rasoat\tLý Thị Dung\tRà soát viên\tđã khoá" in _run(capsys, db, "users", "list")[1]
    _as(monkeypatch, "rasoat")
    code, _, err = _run(capsys, db, "users", "list")
    assert code == 2 and "không có gì thay đổi" in _one_line(err)
    _as(monkeypatch, "quantri")  # another user's password: the administrator sets it (and re-enables)
    assert _run(capsys, db, "users", "passwd", "rasoat", "--password-file",
                _secret(tmp_path, "pw.txt", "mat-khau-moi-cua-dung"))[0] == 0
    _as(monkeypatch, "rasoat", "mat-khau-moi-cua-dung")
    assert _run(capsys, db, "users", "list")[0] == 0
    code, _, err = _run(capsys, db, "users", "passwd", "quantri", "--password-file",
                        _secret(tmp_path, "pw2.txt", "mat-khau-chiem-quyen"))
    assert code == 2 and "quản lý người dùng" in _one_line(err)
    _as(monkeypatch, "quantri")  # the last administrator cannot lock themselves out... but kiemthu is one too
    assert _run(capsys, db, "users", "disable", TEST_USER)[0] == 0
    code, _, err = _run(capsys, db, "users", "disable", "quantri")
    assert code == 2 and "ít nhất một người dùng Quản trị" in _one_line(err)


def test_a_password_change_keeps_the_data(commune, capsys, monkeypatch, tmp_path):
    db, _ = commune
    users.login(db, TEST_USER, TEST_PASSWORD)
    conn = open_db(db)
    rng = random.Random(5)
    for no in range(1, 6):
        save_household(conn, make_bundle(rng, TEST_COMMUNE, no=no), user="x")
    conn.close()
    keyring.forget()

    def counts():
        users.login(db, TEST_USER, TEST_PASSWORD)
        conn = open_db(db)
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT "
                                                "LIKE 'sqlite_%' AND name <> 'audit_log'")]
            return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names}, dump(db)
        finally:
            conn.close()
            keyring.forget()

    before, before_dump = counts()
    assert before["household"] == 5 and before["member"] > 5
    _as(monkeypatch, "rasoat")
    code, out, _ = _run(capsys, db, "users", "passwd", "--password-file", _secret(tmp_path, "n.txt", "mat-khau-doi-roi"))
    assert code == 0 and "Đã đổi mật khẩu của rasoat" in out
    after, after_dump = counts()
    assert after == before
    # every row as it was; the audit log gained the change, nothing else (no re-encryption)
    new = [line for line in after_dump if line not in before_dump]
    assert len(after_dump) == len(before_dump) + 1 and len(new) == 1 and "Đổi mật khẩu" in new[0], new
    code, _, err = _run(capsys, db, "users", "list")  # the old password no longer opens it
    assert code == 2 and "Sai tên đăng nhập hoặc mật khẩu" in _one_line(err)
    _as(monkeypatch, "rasoat", "mat-khau-doi-roi")
    assert _run(capsys, db, "users", "list")[0] == 0


def test_the_recovery_key_resets_a_forgotten_password(commune, capsys, monkeypatch, tmp_path):
    db, recovery = commune
    monkeypatch.delenv("BKDESK_USER")  # no login: the person forgot the password
    monkeypatch.delenv("BKDESK_PASSWORD")
    new = _secret(tmp_path, "moi.txt", "mat-khau-sau-khi-quen")
    wrong = _secret(tmp_path, "sai.txt", "ABCD-" * 12 + "ABC")
    before = _login_dump(db)
    code, _, err = _run(capsys, db, "users", "reset", "rasoat", "--recovery-key-file", wrong, "--password-file", new)
    assert code == 2 and "Khoá khôi phục" in _one_line(err)
    assert _login_dump(db) == before
    right = _secret(tmp_path, "khoa.txt", recovery)
    code, out, err = _run(capsys, db, "users", "reset", "rasoat", "--recovery-key-file", right, "--password-file", new)
    assert code == 0 and "Đã đặt lại mật khẩu cho rasoat" in out, err
    keyring.forget()
    _as(monkeypatch, "rasoat", "mat-khau-sau-khi-quen")
    assert _run(capsys, db, "users", "list")[0] == 0
    _as(monkeypatch, "rasoat")
    assert _run(capsys, db, "users", "list")[0] == 2


def test_passwords_are_never_taken_from_the_command_line(commune, capsys):
    db, _ = commune
    code, _, err = _run(capsys, db, "users", "add", "moi", "--role", "ra_soat_vien", "--password", "abc12345678")
    assert code == 2 and "Tham số không hợp lệ" in _one_line(err)
    code, _, err = _run(capsys, db, "users", "add", "moi", "--role", "ra_soat_vien", "--password-file", "abc12345678")
    assert code == 2 and "Không tìm thấy tệp mật khẩu" in _one_line(err) and "abc12345678" not in err
    before = _login_dump(db)
    code, _, err = _run(capsys, db, "users", "add", "moi", "--role", "ra_soat_vien")  # no file, no terminal
    assert code == 2 and "--password-file" in _one_line(err)
    code, _, err = _run(capsys, db, "users", "add", "moi", "--role", "thu_kho", "--password-file", __file__)
    assert code == 2 and "Vai trò không hợp lệ: thu_kho" in _one_line(err)
    assert _login_dump(db) == before


def test_plain_sqlite_cannot_read_the_database_the_right_user_can(commune):
    db, _ = commune
    assert "Hà Thị Mai".encode() not in db.read_bytes() and b"app_user" not in db.read_bytes()
    code = ("import sqlite3, sys\n"
            "try:\n"
            "    print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM sqlite_master').fetchone())\n"
            "except sqlite3.DatabaseError as exc:\n"
            "    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "refused: file is not a database"
    env = {"PYTHONPATH": str(ROOT), "BKDESK_USER": "quantri", "BKDESK_PASSWORD": PEOPLE["quantri"][2],
           "HOME": str(db.parent / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "bkdesk", "users", "list", "--db", str(db)], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, cwd=ROOT)
    assert done.returncode == 0 and "Triệu Thị Lan" in done.stdout, done.stderr
    done = subprocess.run([sys.executable, "-m", "bkdesk", "users", "list", "--db", str(db)], capture_output=True,
                          text=True, env={**env, "BKDESK_PASSWORD": "sai-mat-khau-roi"}, stdin=subprocess.DEVNULL,
                          cwd=ROOT)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "Sai tên đăng nhập" in done.stderr


def test_remove_plain_after_a_conversion_asks_first(tmp_path, capsys):
    from bkdesk.model.store.databases import init_database

    db = tmp_path / "cu.sqlite"
    init_database(db, "commune", TEST_COMMUNE, officer="Cán bộ cũ").close()  # a database of an earlier version
    code, _, err = _run(capsys, db, "users", "list")
    assert code == 0 and "KHOÁ KHÔI PHỤC" in err and "remove-plain" in err
    plain = users.plain_leftovers(db)
    assert len(plain) == 1 and users.is_plain_database(plain[0]) and users.is_protected(db)
    code, out, err = _run(capsys, db, "users", "remove-plain")  # no --yes and no terminal to ask on
    assert code == 2 and "--yes" in _one_line(err) and plain[0].exists()
    code, out, _ = _run(capsys, db, "users", "remove-plain", "--yes")
    assert code == 0 and "Đã xoá 1 tệp chưa mã hoá" in out and not plain[0].exists()
    code, out, _ = _run(capsys, db, "users", "remove-plain")
    assert code == 0 and "Không còn bản chưa mã hoá" in out
