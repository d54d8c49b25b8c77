"""`bkdesk points import FILE`: load a B1 points table (.xlsx with sheets meta/questions/options/bands, or
canonical JSON) into the database, after the hostile-file guard, the limits and the full validation."""

from __future__ import annotations

import argparse
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("points", parents=[common], help="bảng điểm B1 (phiếu điểm) theo vùng và khu vực")
    p.add_argument("action", choices=["import"], help="import: nạp bảng điểm từ tệp")
    p.add_argument("file", metavar="TỆP", help="tệp bảng điểm .xlsx hoặc .json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import open_existing
    from bkdesk.export.inputs.points_xlsx import load_points_file, preview_lines
    from bkdesk.model.store import settings
    from bkdesk.model.store.repo_points import store_points_table

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"Không tìm thấy tệp {path}.")
    table = load_points_file(path)  # guarded, limited, validated before the database is opened
    conn = open_existing(args)
    try:
        store_points_table(conn, table, user=settings.officer(conn))
    finally:
        conn.close()
    print("Đã nạp: " + "; ".join(preview_lines(table)) + ".")
    return 0
