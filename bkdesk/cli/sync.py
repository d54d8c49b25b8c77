"""Sync commands: export-package (a unit's records to one .xlsx) and merge (packages into this database)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub, common) -> None:
    p = sub.add_parser("export-package", parents=[common], help="xuất gói dữ liệu của một đơn vị (tệp .xlsx)")
    p.add_argument("--unit", required=True, metavar="CODE", help="mã xã/huyện/tỉnh cần xuất")
    p.add_argument("--round", required=True, type=int, metavar="YEAR", help="năm rà soát (năm diễn ra rà soát)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="tệp gói (hoặc thư mục: đặt tên tự động)")
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="tệp chứa cụm mật khẩu khóa gói (khi chưa đăng ký khóa nhận của cấp trên; báo cụm mật khẩu"
                        " cho cấp trên qua kênh khác)")
    p.set_defaults(func=run_export)

    p = sub.add_parser("merge", parents=[common], help="nhập và tổng hợp các gói dữ liệu của xã/huyện")
    p.add_argument("files", nargs="+", metavar="FILE", help="các tệp gói .xlsx")
    p.add_argument("--report", metavar="OUT.xlsx", help="ghi báo cáo nhập ra tệp .xlsx")
    p.add_argument("--trust-new", action="store_true",
                   help="tin cậy khóa ký của đơn vị chưa có khóa nào (đã đối chiếu dấu nhận dạng qua điện thoại)")
    p.add_argument("--passphrase-file", metavar="FILE", help="tệp chứa cụm mật khẩu của gói được khóa bằng cụm mật khẩu")
    p.set_defaults(func=run_merge)


def _open_existing(args):
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import open_existing

    return db_path(args), open_existing(args)


def read_passphrase(file: str | None) -> str | None:
    """The first line of a passphrase file (scripts): one line on a missing or empty file."""
    from bkdesk.errors import UserError

    if not file:
        return None
    try:
        lines = Path(file).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise UserError(f"Không có tệp cụm mật khẩu {file}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Không đọc được tệp cụm mật khẩu {file}: {exc}.") from None
    if not lines or not lines[0].strip():
        raise UserError(f"Tệp cụm mật khẩu {file} trống.")
    return lines[0]


def run_export(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.package import read_manifest, write_package
    from bkdesk.export.sync.sealing import iter_slot_summaries

    passphrase = read_passphrase(args.passphrase_file)
    _, conn = _open_existing(args)
    try:
        out, checksum = write_package(conn, args.unit.strip(), args.round, Path(args.out), passphrase=passphrase)
    finally:
        conn.close()
    print(f"Đã xuất gói {out} (mã kiểm tra {checksum[:16]}…).")
    print("Dữ liệu trong gói chỉ mở được bằng: " + "; ".join(iter_slot_summaries(read_manifest(out))) + ".")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.merge import STATUS_VI
    from bkdesk.export.sync.merge_report import write_report

    passphrase = read_passphrase(args.passphrase_file)
    path, conn = _open_existing(args)
    try:
        from bkdesk.export.sync.merge import merge_files

        report = merge_files(conn, path, [Path(f) for f in args.files], trust_new=args.trust_new,
                             passphrase=passphrase)
    finally:
        conn.close()
    for r in report.results:
        c = r.counts
        line = (f"{r.file}: {STATUS_VI[r.status]}" + (f" — thêm {c['added']}, cập nhật {c['updated']}, không đổi"
                f" {c['unchanged']}, xung đột {c['conflicts']}, có thể trùng {len(r.duplicates)}"
                if r.status == "merged" else "") + (f". {r.message}" if r.message else ""))
        print(line)
        if r.fingerprint and r.status != "rejected":
            print(f"  người gửi: {r.officer or '(không rõ)'}, máy {r.installation[:8]}, khóa {r.fingerprint}")
        for c in r.conflicts:
            print(f"  xung đột: {c.household} — {c.table}.{c.field}: tại máy «{c.local}» ({c.local_origin}),"
                  f" nhập vào «{c.incoming}» ({c.incoming_origin})")
    if args.report:
        print(f"Đã ghi báo cáo nhập: {write_report(report, args.report)}")
    return report.exit_code
