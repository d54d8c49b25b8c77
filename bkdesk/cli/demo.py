"""`bkdesk demo`: fill a database with demo data (a commune, a district or the whole province)."""

from __future__ import annotations

import argparse
import time


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="tạo dữ liệu mẫu (xã, huyện hoặc toàn tỉnh)")
    p.add_argument("--scale", choices=["commune", "district", "province"], default="commune",
                   help="quy mô: commune (một xã, mặc định), district (một huyện), province (toàn tỉnh)")
    p.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)")
    p.add_argument("--code", metavar="CODE", help="mã xã (commune) hoặc mã huyện (district) muốn tạo")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bkdesk.cli.main import db_path
    from bkdesk.cli.session import begin_new, login_path, print_recovery
    from bkdesk.model.store.users import abandon_protected

    path = db_path(args)
    t0 = time.perf_counter()
    from bkdesk.model.demo.build import build_for_path
    from bkdesk.model.rules.fmt import fmt_float, fmt_int

    new = not path.exists() or path.stat().st_size == 0
    if new:
        prot = begin_new(path)
    else:
        prot = None
        login_path(path)
    try:
        counts = build_for_path(path, args.scale, args.seed, args.code, protection=prot,
                                progress=_progress if args.scale != "commune" else None)
    except BaseException:
        if prot is not None:
            abandon_protected(prot)
        raise
    seconds = time.perf_counter() - t0
    print(f"Đã tạo dữ liệu mẫu ({args.scale}, hạt giống {args.seed}) trong {path}: "
          f"{fmt_int(counts['communes'])} xã, {fmt_int(counts['households'])} hộ, "
          f"{fmt_int(counts['poor_2021'])} hộ nghèo đầu kỳ "
          f"(rà soát năm 2021), {fmt_int(counts['rows'])} dòng dữ liệu.")
    print(f"Thời gian: {fmt_float(seconds, 1)} giây.")
    if prot is not None:
        print_recovery(prot, counts["session"])
    return 0


def _progress(done: int, total: int, code: str) -> None:
    if done % 10 == 0 or done == total:
        print(f"  ... {done}/{total} xã", flush=True)

