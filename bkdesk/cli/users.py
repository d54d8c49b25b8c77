"""`bkdesk users ...`: users and roles of a database, passwords, the recovery key, plain copies.

Passwords never come from the command line: the logged-in user's from BKDESK_USER/BKDESK_PASSWORD (or
the terminal), a new one from ``--password-file FILE`` or asked twice on a terminal."""

from __future__ import annotations

import argparse

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("users", parents=[common], help="người dùng, vai trò, mật khẩu, khoá khôi phục")
    users = p.add_subparsers(dest="users_command", metavar="LỆNH", required=True)
    # no abbreviations: `--password SECRET` must not be taken for `--password-file` (and echoed as a file name)

    q = users.add_parser("add", parents=[common], allow_abbrev=False, help="thêm người dùng (chỉ Quản trị)")
    q.add_argument("user", metavar="USER", help="tên đăng nhập")
    q.add_argument("--role", action="append", required=True, metavar="R[,R...]",
                   help="vai trò (mã hoặc tên: ra_soat_vien, can_bo_giam_ngheo_xa, lanh_dao_xa, can_bo_tong_hop, "
                        "quan_tri)")
    q.add_argument("--name", default="", metavar="HỌ_TÊN", help="họ tên hiển thị")
    q.add_argument("--password-file", metavar="FILE", help="tệp chứa mật khẩu của người dùng mới (dòng đầu)")
    q.set_defaults(func=run_add)

    q = users.add_parser("list", parents=[common], allow_abbrev=False, help="liệt kê người dùng và vai trò")
    q.set_defaults(func=run_list)

    q = users.add_parser("passwd", parents=[common], allow_abbrev=False,
                         help="đổi mật khẩu của mình, hoặc đặt mật khẩu cho người khác (chỉ Quản trị)")
    q.add_argument("user", metavar="USER", nargs="?", help="người dùng (mặc định: chính mình)")
    q.add_argument("--password-file", metavar="FILE", help="tệp chứa mật khẩu mới (dòng đầu)")
    q.set_defaults(func=run_passwd)

    q = users.add_parser("disable", parents=[common], allow_abbrev=False, help="khoá người dùng (chỉ Quản trị)")
    q.add_argument("user", metavar="USER")
    q.set_defaults(func=run_disable)

    q = users.add_parser("roles", parents=[common], allow_abbrev=False, help="đặt lại vai trò của người dùng (chỉ Quản trị)")
    q.add_argument("user", metavar="USER")
    q.add_argument("--role", action="append", required=True, metavar="R[,R...]", help="các vai trò mới")
    q.set_defaults(func=run_roles)

    q = users.add_parser("reset", parents=[common], allow_abbrev=False, help="đặt lại mật khẩu đã quên bằng khoá khôi phục")
    q.add_argument("user", metavar="USER")
    q.add_argument("--recovery-key-file", required=True, metavar="FILE", help="tệp chứa khoá khôi phục")
    q.add_argument("--password-file", metavar="FILE", help="tệp chứa mật khẩu mới (dòng đầu)")
    q.set_defaults(func=run_reset)

    q = users.add_parser("remove-plain", parents=[common], allow_abbrev=False,
                         help="xoá bản chưa mã hoá để tạm khi chuyển đổi và các bản sao lưu chưa mã hoá")
    q.add_argument("--yes", action="store_true", help="đồng ý xoá, không hỏi lại")
    q.set_defaults(func=run_remove_plain)


def _roles(values: list[str]) -> str:
    return ",".join(values)


def _role_error(exc: ValueError) -> UserError:
    return UserError(f"{exc} Không có gì thay đổi.")


def run_add(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database, new_password
    from bkdesk.model.rules.roles import USERS, role_labels
    from bkdesk.model.store import users
    from bkdesk.model.store.access import require

    with database(args) as conn:
        require(conn, USERS)  # before asking for a password the command would not use
        password = new_password(args.password_file, args.user)
        try:
            row = users.add_user(conn, args.user, password, _roles(args.role), args.name)
        except ValueError as exc:
            raise _role_error(exc) from None
    print(f"Đã thêm người dùng {row.username} ({row.display_name}), vai trò: {role_labels(row.roles)}.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database
    from bkdesk.model.rules.roles import role_labels
    from bkdesk.model.store import users

    with database(args) as conn:
        rows = users.list_users(conn)
    for u in rows:
        print(f"{u.username}\t{u.display_name}\t{role_labels(u.roles)}\t"
              f"{'đã khoá' if u.disabled else 'đang hoạt động'}")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import credentials, database, new_password
    from bkdesk.model.rules.roles import USERS
    from bkdesk.model.store import users
    from bkdesk.model.store.access import require
    from bkdesk.model.store.keyfile import normalize_username

    creds = credentials()
    with database(args, creds=creds) as conn:  # a wrong password stops here
        me = conn.session.username
        target = normalize_username(args.user) if args.user else me
        if target != me:
            require(conn, USERS)
            users.set_password(conn, target, new_password(args.password_file, target))
            print(f"Đã đặt mật khẩu mới cho {target}.")
            return 0
    users.change_own_password(db_path(args), me, creds[1], new_password(args.password_file))
    print(f"Đã đổi mật khẩu của {me}; dữ liệu không phải mã hoá lại.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database
    from bkdesk.model.store import users

    with database(args) as conn:
        users.disable_user(conn, args.user)
    print(f"Đã khoá người dùng {args.user}: không đăng nhập được nữa (đặt lại mật khẩu để mở lại).")
    return 0


def run_roles(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database
    from bkdesk.model.rules.roles import role_labels
    from bkdesk.model.store import users

    with database(args) as conn:
        try:
            row = users.set_roles(conn, args.user, _roles(args.role))
        except ValueError as exc:
            raise _role_error(exc) from None
    print(f"Vai trò của {row.username}: {role_labels(row.roles)}.")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    """A forgotten password: no login (that is the point); the recovery key opens the database."""
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import new_password, read_secret_file
    from bkdesk.model.store import users

    path = db_path(args)
    if not path.exists():
        raise UserError(f"Không tìm thấy cơ sở dữ liệu {path}.")
    recovery = read_secret_file(args.recovery_key_file, "khoá khôi phục")
    session = users.reset_with_recovery(path, recovery, args.user, new_password(args.password_file, args.user))
    print(f"Đã đặt lại mật khẩu cho {session.username} bằng khoá khôi phục.")
    return 0


def run_remove_plain(args: argparse.Namespace) -> int:
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import confirm, database
    from bkdesk.model.rules.roles import USERS
    from bkdesk.model.store import users
    from bkdesk.model.store.access import require

    with database(args) as conn:
        require(conn, USERS)
    leftovers = users.plain_leftovers(db_path(args))
    if not leftovers:
        print("Không còn bản chưa mã hoá nào của cơ sở dữ liệu này.")
        return 0
    for p in leftovers:
        print(f"Bản chưa mã hoá: {p}")
    if not confirm(f"Xoá vĩnh viễn {len(leftovers)} tệp chưa mã hoá trên?", args.yes,
                   f"Có {len(leftovers)} tệp chưa mã hoá; thêm --yes để đồng ý xoá (hoặc chạy trong cửa sổ dòng "
                   "lệnh để được hỏi); chưa xoá gì."):
        print("Chưa xoá gì.")
        return 0
    removed = users.remove_plain(leftovers)
    print(f"Đã xoá {len([p for p in removed if p in leftovers])} tệp chưa mã hoá.")
    return 0
