"""`bkdesk targets`: the plan-targets table (plan-2022.md annex) from the shipped plan or an input CSV;
`bkdesk targets import FILE`: store a year's targets from a CSV or an annex-layout workbook."""

from __future__ import annotations

import argparse
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("targets", parents=[common], help="bảng chỉ tiêu giảm tỷ lệ hộ nghèo theo kế hoạch")
    p.add_argument("action", nargs="*", metavar="import TỆP",
                   help="«import TỆP»: nạp chỉ tiêu từ tệp .csv hoặc .xlsx (mẫu phụ lục) vào cơ sở dữ liệu")
    p.add_argument("--year", type=int, metavar="NAM",
                   help="năm kế hoạch: không có --from thì dùng kế hoạch đi kèm phần mềm (ví dụ 2022)")
    p.add_argument("--from", dest="source", metavar="IN.csv",
                   help="tệp CSV: code,name,households,poor,target_rate_pct,target_households")
    p.add_argument("--out", metavar="FILE", help="tệp kết quả .xlsx hoặc .csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action:
        return run_import(args)
    from bkdesk.export.inputs.targets_xlsx import read_targets_file, write_targets_xlsx
    from bkdesk.fileio import write_csv
    from bkdesk.model.rules import targets
    from bkdesk.model.rules.fmt import fmt_int, fmt_pct

    if not args.out:
        raise UserError("Hãy ghi --out TỆP (.xlsx hoặc .csv), hoặc «targets import TỆP».")
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
        inputs, year = read_targets_file(args.source, args.year)
        rows, source = targets.table_for_inputs(inputs), ""
    if kind == ".csv":
        values = [r.output_values() for r in rows]
        write_csv(out, list(targets.OUTPUT_COLUMNS), [[v[c] for c in targets.OUTPUT_COLUMNS] for v in values])
    else:
        write_targets_xlsx(rows, year or _year_guess(), out, source)
    total = rows[-1]
    print(f"Đã ghi {len(rows) - 1} đơn vị và dòng tổng vào {out}: tỷ lệ hộ nghèo {fmt_pct(total.poor_rate_pct)}% "
          f"-> {fmt_pct(total.end_rate_pct)}% (giảm {fmt_int(total.target_households)} hộ).")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import open_existing
    from bkdesk.export.inputs.targets_xlsx import read_targets_file
    from bkdesk.model.rules import targets
    from bkdesk.model.rules.fmt import fmt_int, fmt_pct
    from bkdesk.model.store import settings
    from bkdesk.model.store.repo_targets import save_plan_targets

    if len(args.action) != 2 or args.action[0] != "import":
        raise UserError("Cú pháp: bkdesk targets import TỆP [--year NAM] (hoặc targets --year NAM --out TỆP).")
    path = Path(args.action[1])
    inputs, year = read_targets_file(path, args.year)
    if year is None:
        raise UserError("Hãy ghi --year NAM: năm kế hoạch của các chỉ tiêu trong tệp CSV.")
    rows = targets.table_for_inputs(inputs)  # computes and checks before anything is stored
    conn = open_existing(args)
    try:
        save_plan_targets(conn, year, inputs, user=settings.officer(conn), source=path.name)
    finally:
        conn.close()
    total = rows[-1]
    print(f"Đã nạp chỉ tiêu năm {year} của {len(inputs)} đơn vị từ {path.name}: tỷ lệ hộ nghèo "
          f"{fmt_pct(total.poor_rate_pct)}% -> {fmt_pct(total.end_rate_pct)}% "
          f"(giảm {fmt_int(total.target_households)} hộ).")
    return 0


def _year_guess() -> int:
    import datetime as dt

    return dt.date.today().year
