"""Logging in from the command line: every command that opens a database goes through here.

The user comes from ``BKDESK_USER`` and the password from ``BKDESK_PASSWORD``, or they are asked for on a
terminal; without them the command stops with one line (exit 2) before touching anything. A plain
(unencrypted) database from an earlier version is converted on first open: the user named becomes its
first user, the plain file is kept aside until ``bkdesk users remove-plain``.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError

USER_ENV = "BKDESK_USER"
PASSWORD_ENV = "BKDESK_PASSWORD"


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stderr is not None
    except (ValueError, OSError):
        return False


def credentials(new: bool = False) -> tuple[str, str]:
    """The user and password; ``new``: they create the first user (init, demo), so a password typed on the
    terminal is asked twice."""
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return user, password
    if _interactive():
        if not user:
            print("Tên đăng nhập: ", end="", file=sys.stderr, flush=True)
            user = sys.stdin.readline().strip()
        if password is None:
            password = getpass.getpass("Mật khẩu: ")
            if new and getpass.getpass("Nhập lại mật khẩu: ") != password:
                raise UserError("Hai lần nhập mật khẩu không giống nhau; không có gì thay đổi.")
        if user:
            return user, password
    raise UserError(f"Cần đăng nhập: đặt biến môi trường {USER_ENV} và {PASSWORD_ENV} (hoặc chạy lệnh trong "
                    "cửa sổ dòng lệnh để nhập); không có gì thay đổi.")


def login_path(path: Path, creds: tuple[str, str] | None = None):
    """Log in to the existing database at ``path`` (converting a plain one first); returns the session.
    ``creds``: the user and password already asked for (`users passwd` needs the old password again)."""
    user, password = creds or credentials()
    try:
        return _login(Path(path), user, password)
    except sqlite3.OperationalError as exc:  # a full disk, a locked file: the cause, checked on this file
        from bkdesk.model.store.db import sqlite_error_message

        raise UserError(sqlite_error_message(exc, path)) from None


def _login(path: Path, user: str, password: str):
    from bkdesk.model.store import users
    from bkdesk.model.store.db import inspect_file

    if users.is_plain_database(path):
        inspect_file(path)  # another application's file, a truncated one: refused untouched, as before
        conv = users.convert_plain(path, user, password)
        print(f"Đã chuyển cơ sở dữ liệu {path.name} sang dạng mã hoá; người dùng đầu tiên: {conv.session.username} "
              f"({', '.join(conv.session.roles)}). KHOÁ KHÔI PHỤC (in ra, cất giữ, chỉ hiện một lần): "
              f"{conv.recovery}. Bản chưa mã hoá để tạm tại {conv.plain_copy.name}; xoá bằng "
              "'bkdesk users remove-plain --yes'.", file=sys.stderr)
        return conv.session
    return users.login(path, user, password)


def open_existing(args, required: bool = True, creds: tuple[str, str] | None = None):
    """The connection a command works on, logged in; None when the database is missing and not
    ``required``."""
    from bkdesk.cli.main import db_path
    from bkdesk.model.store.db import open_db

    path = db_path(args)
    if not path.exists():
        if required:
            raise UserError(f"Không tìm thấy cơ sở dữ liệu {path}.")
        return None
    login_path(path, creds)
    return open_db(path)


@contextlib.contextmanager
def database(args, creds: tuple[str, str] | None = None):
    """``with database(args) as conn:`` the logged-in connection of a command, closed after."""
    conn = open_existing(args, creds=creds)
    try:
        yield conn
    finally:
        conn.close()


def read_secret_file(path: str | Path, what: str) -> str:
    """A password or recovery key from a file (its first line; the line ending is not part of it). The
    messages do not repeat the name given: a secret typed in place of the file name stays off the screen and
    out of the log."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise UserError(f"Không tìm thấy tệp {what} đã chỉ; không có gì thay đổi.") from None
    except UnicodeDecodeError:
        raise UserError(f"Tệp {what} không phải văn bản UTF-8; không có gì thay đổi.") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise UserError(f"Tệp {what} trống; không có gì thay đổi.")
    return line


def new_password(password_file: str | None, whose: str = "") -> str:
    """A new password, never from the command line: from ``--password-file`` or asked twice on a terminal."""
    if password_file:
        return read_secret_file(password_file, "mật khẩu")
    if not _interactive():
        raise UserError("Cần mật khẩu mới: dùng --password-file TỆP (hoặc chạy lệnh trong cửa sổ dòng lệnh để "
                        "nhập); không có gì thay đổi.")
    label = f"Mật khẩu mới{f' cho {whose}' if whose else ''}: "
    first = getpass.getpass(label)
    if getpass.getpass("Nhập lại mật khẩu mới: ") != first:
        raise UserError("Hai lần nhập mật khẩu mới không giống nhau; không có gì thay đổi.")
    return first


def confirm(question: str, yes: bool, refused: str) -> bool:
    """The person agrees: ``--yes``, or asked on a terminal; without either, UserError(``refused``)."""
    if yes:
        return True
    if not _interactive():
        raise UserError(refused)
    print(f"{question} (c/k): ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("c", "có", "co", "y", "yes")


def begin_new(path: Path, display_name: str = ""):
    """Before creating a database at ``path`` (init, demo): the first user from the same variables, checked
    before any file is written. Returns the protection to finish once the database exists."""
    from bkdesk.model.store import users

    user, password = credentials(new=True)
    return users.begin_protected(path, user, password, display_name)


def print_recovery(prot, session) -> None:
    print(f"Người dùng đầu tiên: {session.username} (vai trò: {', '.join(session.roles)}).")
    print(f"KHOÁ KHÔI PHỤC (chỉ hiện một lần; in ra và cất giữ ở nơi an toàn của đơn vị): {prot.recovery}")
