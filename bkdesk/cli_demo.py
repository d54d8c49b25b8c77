"""`bkdesk demo`: fill a database with demo data (a commune, a district or the whole province)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="tạo dữ liệu mẫu (xã, huyện hoặc toàn tỉnh)")
    p.add_argument("--scale", choices=["commune", "district", "province"], default="commune",
                   help="quy mô: commune (một xã, mặc định), district (một huyện), province (toàn tỉnh)")
    p.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)")
    p.add_argument("--code", metavar="CODE", help="mã xã (commune) hoặc mã huyện (district) muốn tạo")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bkdesk.cli import db_path

    path = db_path(args)
    t0 = time.perf_counter()
    counts = build_for_path(path, args.scale, args.seed, args.code, progress=_progress if args.scale != "commune"
                            else None)
    seconds = time.perf_counter() - t0
    print(f"Đã tạo dữ liệu mẫu ({args.scale}, hạt giống {args.seed}) trong {path}: "
          f"{_n(counts['communes'])} xã, {_n(counts['households'])} hộ, {_n(counts['poor_2021'])} hộ nghèo đầu kỳ "
          f"(rà soát năm 2021), {_n(counts['rows'])} dòng dữ liệu.")
    print(f"Thời gian: {seconds:.1f} giây.".replace(".", ",", 1))
    return 0


def _progress(done: int, total: int, code: str) -> None:
    if done % 10 == 0 or done == total:
        print(f"  ... {done}/{total} xã", flush=True)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def build_for_path(path: Path, scale: str, seed: int, code: str | None = None, progress=None) -> dict:
    """Build into ``path``: a missing file is created and scoped for the scale; an existing commune
    database gets its own commune (commune scale); any other existing database must be empty and scoped
    to match the scale."""
    from bkdesk.model import demo, settings
    from bkdesk.model.db import open_db

    if not path.exists() or path.stat().st_size == 0:
        return demo.build_demo_database(path, scale, seed, code, progress=progress)
    conn = open_db(path)
    try:
        scope, scope_code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
        if scale == "commune" and scope == "commune" and scope_code:
            if code and code != scope_code:
                raise UserError(f"Cơ sở dữ liệu {path} là của xã {scope_code}, không phải xã {code}.")
            return demo.build_demo(conn, "commune", seed, scope_code, progress=progress)
        want_scope, want_code = demo.scope_for(scale, code)
        if scope is None:
            raise UserError(f"Cơ sở dữ liệu {path} chưa được khởi tạo; hãy chọn một tệp mới cho dữ liệu mẫu.")
        if (scope, scope_code) != (want_scope, want_code):
            raise UserError(f"Cơ sở dữ liệu {path} có phạm vi {scope} {scope_code}, không hợp với dữ liệu mẫu "
                            f"quy mô {scale} ({want_scope} {want_code}); hãy chọn một tệp mới.")
        return demo.build_demo(conn, scale, seed, code if scale != "province" else None, progress=progress)
    finally:
        conn.close()


def ensure_demo_db(seed: int = 1) -> Path:
    """The demo commune database `bkdesk --demo` opens (see bkdesk.model.demo.ensure_demo_database)."""
    from bkdesk.model.demo import ensure_demo_database

    return ensure_demo_database(seed)
