"""`bkdesk template` (the data-entry workbook) and `bkdesk import` (households and members from Excel).

`bkdesk import` exit codes: 0 every row imported (or already there, unchanged); 1 some rows rejected
(nothing imported, unless --valid-only, which imports the valid households whole and still exits 1);
2 a user error (one line on stderr, database unchanged).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub, common) -> None:
    p = sub.add_parser("template", parents=[common], help="tạo mẫu Excel nhập hộ và thành viên")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="tệp mẫu .xlsx")
    p.add_argument("--unit", metavar="CODE", help="mã xã (mặc định: xã của cơ sở dữ liệu)")
    p.add_argument("--with-data", action="store_true", help="điền sẵn dữ liệu hộ, thành viên, phiếu rà soát")
    p.add_argument("--round", type=int, metavar="YEAR", help="năm rà soát (bắt buộc với --with-data)")
    p.set_defaults(func=run_template)

    p = sub.add_parser("import", parents=[common], help="nhập hộ, thành viên từ tệp Excel (mẫu hoặc danh sách có sẵn)")
    p.add_argument("file", metavar="FILE.xlsx", help="tệp Excel cần nhập")
    p.add_argument("--round", required=True, type=int, metavar="YEAR", help="năm rà soát nhận phiếu nhập")
    p.add_argument("--report", metavar="OUT.xlsx", help="ghi báo cáo kiểm tra (Sheet, Dòng, Cột, Giá trị, Lý do)")
    p.add_argument("--valid-only", action="store_true", help="nhập các hộ hợp lệ, bỏ qua hộ có lỗi (vẫn trả mã 1)")
    p.add_argument("--map", metavar="FILE.json", help="cách ghép cột cho danh sách không theo mẫu")
    p.add_argument("--write-map", metavar="FILE.json", help="ghi cách ghép cột gợi ý rồi dừng (không nhập)")
    p.add_argument("--unit", metavar="CODE", help="mã xã (mặc định: xã của cơ sở dữ liệu)")
    p.set_defaults(func=run_import)


def _open(args):
    from bkdesk.cli.session import open_existing

    return open_existing(args)


def run_template(args: argparse.Namespace) -> int:
    from bkdesk.export.inputs.template import write_template

    conn = _open(args)
    try:
        n = write_template(conn, args.out, unit=args.unit, with_data=args.with_data, review_year=args.round)
    finally:
        conn.close()
    extra = f": {n['households']} hộ, {n['members']} thành viên" if args.with_data else ""
    print(f"Đã ghi mẫu nhập liệu {args.out}{extra}.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from bkdesk.export.inputs import mapping as mp
    from bkdesk.export.inputs.list_import import current_user, read_workbook, run_import, write_report

    mapping = mp.load_mapping_file(args.map) if args.map else None
    conn = _open(args)
    try:
        if args.write_map:
            sheets = read_workbook(args.file)
            name = next(iter(sheets), "")
            guess = mp.suggest_mapping(name, sheets.get(name, []))
            Path(args.write_map).write_text(json.dumps(guess.as_json(), ensure_ascii=False, indent=2),
                                            encoding="utf-8")
            print(f"Đã ghi gợi ý ghép cột {args.write_map} (trang «{name}», tiêu đề ở dòng {guess.header_row}); "
                  "kiểm tra rồi nhập với --map.")
            return 0
        result = run_import(conn, args.file, args.round, current_user(conn), valid_only=args.valid_only,
                            mapping=mapping, unit=args.unit)
    finally:
        conn.close()
    if args.report:
        write_report(result, args.report, Path(args.file).name)
    for i in result.issues[:20]:
        print(f"{i.sheet} dòng {i.row}: {i.column} = «{i.value}»: {i.reason}")
    if len(result.issues) > 20:
        print(f"... và {len(result.issues) - 20} dòng khác (xem báo cáo).")
    for i in result.duplicates[:20]:
        print(f"Lưu ý: {i.sheet} dòng {i.row}: {i.reason}.")
    state = "Đã nhập" if result.written else ("Không nhập gì (có dòng bị từ chối)" if result.issues
                                               else "Không có gì thay đổi")
    print(f"{state}. {result.summary_vi()}")
    if result.written and result.incomplete:
        print(f"{result.incomplete} phiếu còn thiếu thông tin hoặc có lỗi cần sửa (bản nháp chưa hoàn thành).")
    return result.exit_code
