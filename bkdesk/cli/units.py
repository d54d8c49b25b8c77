"""`bkdesk convert-units`: move a commune or district database from the 2022 unit codes to the 2025 ones."""

from __future__ import annotations

import argparse
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser(
        "convert-units", parents=[common],
        help="chuyển cơ sở dữ liệu của xã/huyện từ mã đơn vị 2022 sang mã đơn vị từ 01/07/2025 "
             "(sao lưu trước, có thể khôi phục)")
    p.add_argument("--preview", action="store_true", help="chỉ xem trước, không thay đổi gì")
    p.add_argument("--combine", nargs="+", default=[], metavar="FILE",
                   help="gộp thêm cơ sở dữ liệu của các xã cũ khác cùng xã mới trước khi chuyển đổi")
    p.set_defaults(func=run_convert)


def run_convert(args: argparse.Namespace) -> int:
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import credentials, open_existing
    from bkdesk.model.store import settings, users
    from bkdesk.model.store.convert_units import convert, plan_conversion

    path = db_path(args)
    conn = open_existing(args)
    for other in args.combine or []:  # an encrypted database to combine: the same user logs in to it too
        if Path(other).exists() and users.is_protected(other):
            users.login(other, *credentials())
    try:
        if args.preview:
            if args.combine:
                raise UserError("--preview không dùng cùng --combine: xem trước từng tệp rồi gộp khi chuyển đổi.")
            print("Xem trước (chưa thay đổi gì):")
            for line in plan_conversion(conn).lines():
                print(line)
            return 0
        plan, backup = convert(conn, path, settings.officer(conn) or "bkdesk convert-units", args.combine)
        for line in plan.lines():
            print(line)
        print(f"Đã chuyển đổi. Bản sao trước khi chuyển đổi: {backup}")
        print(f"Để hoàn tác: bkdesk restore --db {path} --from {backup}")
        return 0
    finally:
        conn.close()
