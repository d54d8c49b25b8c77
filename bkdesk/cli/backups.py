"""Backup commands: list the automatic backups, restore one (undoable), undo the last restore."""

from __future__ import annotations

import argparse

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("backups", parents=[common], help="liệt kê các bản sao lưu tự động của cơ sở dữ liệu")
    p.set_defaults(func=run_list)
    p = sub.add_parser("restore", parents=[common],
                       help="khôi phục từ một bản sao lưu (trạng thái hiện tại được sao lưu trước, có thể hoàn tác)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--from", dest="source", metavar="FILE", help="tệp sao lưu (xem `bkdesk backups`)")
    what.add_argument("--undo", action="store_true", help="hoàn tác lần khôi phục gần nhất")
    p.set_defaults(func=run_restore)


def _path(args):
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import login_path

    path = db_path(args)
    if not path.exists():
        raise UserError(f"Không tìm thấy cơ sở dữ liệu {path}.")
    login_path(path)  # backups are encrypted with the database's key: the same login opens them
    return path


def run_list(args: argparse.Namespace) -> int:
    from bkdesk.model.rules.fmt import dmy_hms, fmt_int
    from bkdesk.model.store.backups import list_backups

    items = list_backups(_path(args))
    if not items:
        print("Chưa có bản sao lưu nào.")
        return 0
    for b in items:
        count = "không đọc được" if b.households is None else f"{fmt_int(b.households)} hộ"
        print(f"{dmy_hms(b.created)}\t{b.reason_label}\t{fmt_int(max(1, round(b.size / 1024)))} KB\t"
              f"{count}\t{b.path}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from bkdesk.model.store.backups import restore_backup, undo_last_restore

    path = _path(args)
    safety = undo_last_restore(path) if args.undo else restore_backup(path, args.source)
    done = "Đã hoàn tác lần khôi phục gần nhất" if args.undo else f"Đã khôi phục từ {args.source}"
    print(f"{done}. Trạng thái trước đó được sao lưu tại {safety}.")
    return 0
