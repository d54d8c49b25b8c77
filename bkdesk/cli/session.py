"""Logging in from the command line: every command that opens a database goes through here.

The user comes from ``BKDESK_USER`` and the password from ``BKDESK_PASSWORD``, or they are asked for on a
terminal; without them the command stops with one line (exit 2) before touching anything. A plain
(unencrypted) database from an earlier version is converted on first open: the user named becomes its
first user, the plain file is kept aside until ``bkdesk users remove-plain``.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from bkdesk.errors import UserError

USER_ENV = "BKDESK_USER"
PASSWORD_ENV = "BKDESK_PASSWORD"


def _interactive() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty() and sys.stderr is not None
    except (ValueError, OSError):
        return False


def credentials() -> tuple[str, str]:
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return user, password
    if _interactive():
        if not user:
            print("Tên đăng nhập: ", end="", file=sys.stderr, flush=True)
            user = sys.stdin.readline().strip()
        if password is None:
            password = getpass.getpass("Mật khẩu: ")
        if user:
            return user, password
    raise UserError(f"Cần đăng nhập: đặt biến môi trường {USER_ENV} và {PASSWORD_ENV} (hoặc chạy lệnh trong "
                    "cửa sổ dòng lệnh để nhập); không có gì thay đổi.")


def login_path(path: Path):
    """Log in to the existing database at ``path`` (converting a plain one first); returns the session."""
    from bkdesk.model.store import users
    from bkdesk.model.store.db import inspect_file

    user, password = credentials()
    if users.is_plain_database(path):
        inspect_file(path)  # another application's file, a truncated one: refused untouched, as before
        conv = users.convert_plain(path, user, password)
        print(f"Đã chuyển cơ sở dữ liệu {path.name} sang dạng mã hoá; người dùng đầu tiên: {conv.session.username} "
              f"({', '.join(conv.session.roles)}). KHOÁ KHÔI PHỤC (in ra, cất giữ, chỉ hiện một lần): "
              f"{conv.recovery}. Bản chưa mã hoá để tạm tại {conv.plain_copy.name}; xoá bằng "
              "'bkdesk users remove-plain --yes'.", file=sys.stderr)
        return conv.session
    return users.login(path, user, password)


def open_existing(args, required: bool = True):
    """The connection a command works on, logged in; None when the database is missing and not
    ``required``."""
    from bkdesk.cli.main import db_path
    from bkdesk.model.store.db import open_db

    path = db_path(args)
    if not path.exists():
        if required:
            raise UserError(f"Không tìm thấy cơ sở dữ liệu {path}.")
        return None
    login_path(path)
    return open_db(path)


def begin_new(path: Path):
    """Before creating a database at ``path`` (init, demo): the first user from the same variables, checked
    before any file is written. Returns the protection to finish once the database exists."""
    from bkdesk.model.store import users

    user, password = credentials()
    return users.begin_protected(path, user, password)


def print_recovery(prot, session) -> None:
    print(f"Người dùng đầu tiên: {session.username} (vai trò: {', '.join(session.roles)}).")
    print(f"KHOÁ KHÔI PHỤC (chỉ hiện một lần; in ra và cất giữ ở nơi an toàn của xã): {prot.recovery}")
