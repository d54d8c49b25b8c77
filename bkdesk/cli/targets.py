"""`bkdesk targets`: the plan-targets table (plan-2022.md annex) from the shipped plan or an input CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("targets", parents=[common], help="bảng chỉ tiêu giảm tỷ lệ hộ nghèo theo kế hoạch")
    p.add_argument("--year", type=int, metavar="NAM",
                   help="năm kế hoạch: không có --from thì dùng kế hoạch đi kèm phần mềm (ví dụ 2022)")
    p.add_argument("--from", dest="source", metavar="IN.csv",
                     help="tệp CSV: code,name,households,poor,target_rate_pct,target_households")
    p.add_argument("--out", required=True, metavar="FILE", help="tệp kết quả .xlsx hoặc .csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bkdesk.export.inputs.targets_xlsx import write_targets_xlsx
    from bkdesk.model.rules import targets
    from bkdesk.model.rules.fmt import fmt_int, fmt_pct

    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise UserError("Tệp kết quả phải có đuôi .xlsx hoặc .csv.")
    if args.source is None and args.year is None:
        raise UserError("Hãy ghi --year NAM (kế hoạch đi kèm) hoặc --from IN.csv.")
    if args.source is None:
        rows, year = targets.shipped_table(args.year), args.year
        source = "Kế hoạch 166/KH-UBND ngày 17/03/2022 của UBND tỉnh Bắc Kạn" if args.year == 2022 else ""
    else:
        rows, year, source = targets.table_for_inputs(targets.read_inputs_csv(args.source)), args.year, ""
    if kind == ".csv":
        targets.write_output_csv(rows, out)
    else:
        write_targets_xlsx(rows, year or _year_guess(), out, source)
    total = rows[-1]
    print(f"Đã ghi {len(rows) - 1} đơn vị và dòng tổng vào {out}: tỷ lệ hộ nghèo {fmt_pct(total.poor_rate_pct)}% "
          f"-> {fmt_pct(total.end_rate_pct)}% (giảm {fmt_int(total.target_households)} hộ).")
    return 0


def _year_guess() -> int:
    import datetime as dt

    return dt.date.today().year
