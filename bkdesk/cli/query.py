"""`bkdesk query "SELECT ..." [--json|--csv]`: read-only SQL over the decrypted database (issue 16 §7).

For the *quản trị* and *cán bộ tổng hợp* roles; every query is in the audit log. Output: a readable table
(default), CSV (UTF-8 with BOM, so Excel reads the diacritics) or JSON (a list of objects)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata

MAX_CELL = 60  # characters of a cell in the table view (CSV and JSON carry the whole value)


def register(sub, common) -> None:
    p = sub.add_parser("query", parents=[common],
                       help="truy vấn SQL chỉ đọc (một câu lệnh SELECT; Quản trị, Cán bộ tổng hợp)")
    p.add_argument("sql", metavar="SQL", help="một câu lệnh đọc: SELECT, WITH, VALUES hoặc PRAGMA (xem cấu trúc bảng)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="in kết quả dạng JSON (danh sách đối tượng)")
    fmt.add_argument("--csv", action="store_true", help="in kết quả dạng CSV (UTF-8 có BOM, mở được bằng Excel)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database
    from bkdesk.model.store.query import run_query

    with database(args) as conn:
        result = run_query(conn, args.sql)
    if args.json:
        text = json.dumps([dict(zip(result.columns, map(_json_value, r), strict=True)) for r in result.rows],
                          ensure_ascii=False, indent=1)
        _write(text + "\n")
    elif args.csv:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(result.columns)
        w.writerows([[_csv_value(v) for v in r] for r in result.rows])
        _write("\ufeff" + buf.getvalue())
    else:
        _write(_table(result.columns, result.rows))
    return 0


def _write(text: str) -> None:
    """UTF-8 whatever the console's code page (an old Windows console would fail on the diacritics)."""
    out = sys.stdout
    if hasattr(out, "buffer"):
        out.flush()
        out.buffer.write(text.encode("utf-8"))
        out.buffer.flush()
    else:
        out.write(text)


def _json_value(v):
    if isinstance(v, bytes):
        return v.hex()
    return v


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.hex()
    return v


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        return f"<{len(v)} byte>"
    text = " ".join(str(v).split()) if isinstance(v, str) else str(v)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [bool(rows) and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
               for i in range(len(columns))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    out.append(f"({len(rows)} dòng)")
    return unicodedata.normalize("NFC", "\n".join(out) + "\n")
