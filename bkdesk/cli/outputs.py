"""Official outputs: `bkdesk report` (reports and lists, xlsx or PDF) and `bkdesk forms` (PDF batches).

`--round YEAR` is the review year R (the year of the periodic review; its lists apply from 1 January R + 1);
`bkdesk report --round YYYY-MM` (or `--round YYYY --month M`) is the regular review of that month.
"""

from __future__ import annotations

import argparse
import datetime as dt

from bkdesk.errors import UserError
from bkdesk.model.rules.fmt import parse_dmy


def _round(text: str) -> tuple[int, int | None]:
    """"2024" -> (2024, None); "2025-03" or "03/2025" -> (2025, 3)."""
    t = text.strip()
    try:
        if "-" in t:
            year, month = t.split("-", 1)
        elif "/" in t:
            month, year = t.split("/", 1)
        else:
            return int(t), None
        return int(year), int(month)
    except ValueError:
        raise UserError(f"Kỳ không hợp lệ: {text} (năm, ví dụ 2024, hoặc tháng rà soát thường xuyên, ví dụ "
                        "2025-03).") from None


def _date(text: str) -> dt.date:
    try:
        return parse_dmy(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def register(sub, common) -> None:
    p = sub.add_parser("report", parents=[common], help="lập báo cáo, danh sách (xlsx hoặc pdf)")
    p.add_argument("--form", required=True, metavar="NAME",
                   help="all (15 biểu), form02 (4 danh sách kèm Mẫu 02), 1-15, r01..r15, ds_ngheo, ds_can_ngheo, "
                        "ds_thoat_ngheo, ds_thoat_can_ngheo, ds_nlndn, niem_yet, dk_thoat_ngheo (danh sách hộ đăng "
                        "ký thoát nghèo và kết quả), bc_thoat_ngheo (báo cáo đăng ký thoát nghèo theo thôn/xã), "
                        "bc_thang (báo cáo rà soát thường xuyên tháng, với --round YYYY-MM), "
                        "thu_nhap_thap (danh sách người lao động có thu nhập thấp, Nghị định 30/2025)")
    p.add_argument("--unit", required=True, metavar="CODE", help="mã xã, huyện hoặc tỉnh")
    p.add_argument("--round", required=True, type=_round, metavar="YEAR|YYYY-MM",
                   help="năm rà soát định kỳ (danh sách áp dụng năm sau), hoặc tháng rà soát thường xuyên "
                        "(YYYY-MM, ví dụ 2025-03: bc_thang và các danh sách kèm quyết định của tháng)")
    p.add_argument("--month", type=int, metavar="M", help="tháng rà soát thường xuyên của năm --round")
    p.add_argument("--out", required=True, metavar="FILE", help="tệp kết quả .xlsx hoặc .pdf")
    p.add_argument("--official", action="store_true", help="bản chính thức để ký (không có dấu BẢN NHÁP)")
    p.add_argument("--date", type=_date, metavar="DD/MM/YYYY", help="ngày ban hành in trên văn bản")
    p.set_defaults(func=run_report)

    p = sub.add_parser("forms", parents=[common], help="in biểu mẫu PDF cho cả xã hoặc một thôn")
    p.add_argument("--kind", required=True,
                   choices=["review", "form01", "form03", "form04", "minutes", "notice", "decision"],
                   help="review: phiếu rà soát; form01/form03/form04: Mẫu số 01/03/04; minutes: biên bản họp dân; "
                        "notice: thông báo niêm yết (--village: của một thôn); decision: Quyết định công nhận "
                        "(Mẫu số 02) với 4 danh sách kèm theo")
    p.add_argument("--unit", required=True, metavar="CODE", help="mã xã")
    p.add_argument("--village", metavar="NAME", help="chỉ in cho một thôn")
    p.add_argument("--round", required=True, type=int, metavar="YEAR", help="năm rà soát")
    p.add_argument("--out", required=True, metavar="FILE", help="tệp .pdf")
    p.add_argument("--official", action="store_true", help="bản chính thức (Mẫu 03 luôn là bản chính thức)")
    p.add_argument("--date", type=_date, metavar="DD/MM/YYYY", help="ngày ban hành in trên văn bản")
    p.set_defaults(func=run_forms)


def _open(args):
    from bkdesk.cli.session import open_existing

    return open_existing(args)


def run_report(args: argparse.Namespace) -> int:
    from bkdesk.export.service import export

    conn = _open(args)
    try:
        year, month = args.round
        if args.month is not None:
            if month is not None and month != args.month:
                raise UserError(f"--round {year}-{month:02d} và --month {args.month} chỉ hai tháng khác nhau.")
            month = args.month
        out = export(conn, args.form, args.unit, year, args.out, official=args.official, on=args.date, month=month)
    finally:
        conn.close()
    print(f"Đã ghi {out}{'' if args.official else ' (bản nháp)'}.")
    return 0


def run_forms(args: argparse.Namespace) -> int:
    from bkdesk.export.forms import write_forms

    conn = _open(args)
    try:
        out, pages = write_forms(conn, args.kind, args.unit, args.round, args.out, village=args.village,
                                 official=args.official, on=args.date)
    finally:
        conn.close()
    print(f"Đã ghi {out} ({pages} trang).")
    return 0
