"""Store commands: init, check, backup."""

from __future__ import annotations

import argparse

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help="tạo cơ sở dữ liệu mới cho một xã hoặc huyện/tỉnh")
    p.add_argument("--commune", metavar="CODE", help="mã xã (5 chữ số): cơ sở dữ liệu làm việc của xã")
    p.add_argument("--scope", nargs=2, metavar=("LEVEL", "CODE"),
                   help="district|province CODE: cơ sở dữ liệu tổng hợp của huyện/tỉnh")
    p.add_argument("--units", metavar="2022|2025",
                   help="danh mục đơn vị hành chính của mã (bắt buộc khi mã có ở cả hai danh mục)")
    p.add_argument("--officer", default="", metavar="NAME", help="họ tên cán bộ")
    p.set_defaults(func=run_init)

    p = sub.add_parser("check", parents=[common], help="kiểm tra toàn vẹn và các ràng buộc nghiệp vụ")
    p.set_defaults(func=run_check)

    p = sub.add_parser("backup", parents=[common], help="sao lưu cơ sở dữ liệu ra một tệp")
    p.add_argument("--out", required=True, metavar="FILE", help="tệp sao lưu (chưa tồn tại)")
    p.set_defaults(func=run_backup)


def _open_existing(args):
    from bkdesk.cli.session import open_existing

    return open_existing(args)


def run_init(args: argparse.Namespace) -> int:
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import begin_new, print_recovery
    from bkdesk.model.store.databases import init_database, scope_unit
    from bkdesk.model.store.users import abandon_protected, finish_protected

    if bool(args.commune) == bool(args.scope):
        raise UserError("Hãy chọn đúng một trong hai: --commune CODE hoặc --scope district|province CODE.")
    if args.commune:
        scope, code = "commune", args.commune
    else:
        scope, code = args.scope
        if scope not in ("district", "province"):
            raise UserError("--scope phải là district hoặc province.")
    path = db_path(args)
    unit, tree = scope_unit(scope, code.strip(), args.units)
    if path.exists() and path.stat().st_size > 0:
        raise UserError(f"Cơ sở dữ liệu {path} đã có; chọn tệp khác.")
    prot = begin_new(path, args.officer)  # the officer named is the first user
    try:
        conn = init_database(path, scope, unit.code, args.officer, tree=tree)
        try:
            session = finish_protected(prot, conn)
        finally:
            conn.close()
    except BaseException:
        abandon_protected(prot)
        raise
    print(f"Đã tạo cơ sở dữ liệu {path} (phạm vi {scope} {code}: {unit.name}, danh mục {tree}).")
    print_recovery(prot, session)
    return 0


WARNINGS_SHOWN = 50


def run_check(args: argparse.Namespace) -> int:
    from bkdesk.model.store.check import check_database, check_warnings

    conn = _open_existing(args)
    try:
        problems = check_database(conn)
        warnings = [] if problems else check_warnings(conn)
    finally:
        conn.close()
    for w in warnings[:WARNINGS_SHOWN]:  # contradictions to look at; they do not make the database unsound
        print(f"Cảnh báo: {w}")
    if len(warnings) > WARNINGS_SHOWN:
        print(f"... và {len(warnings) - WARNINGS_SHOWN} cảnh báo khác.")
    if problems:
        for p in problems:
            print(p)
        print(f"Phát hiện {len(problems)} vấn đề.")
        return 1
    if warnings:
        print(f"Cơ sở dữ liệu tốt: không phát hiện vấn đề; có {len(warnings)} cảnh báo cần kiểm tra lại.")
        return 0
    print("Cơ sở dữ liệu tốt: không phát hiện vấn đề.")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from bkdesk.model.store.db import backup_to

    conn = _open_existing(args)
    try:
        out = backup_to(conn, args.out)
    finally:
        conn.close()
    print(f"Đã sao lưu vào {out}.")
    return 0
