"""`bkdesk standards [show ID|history ID|set FILE]`: the poverty standards in force and their revisions
(standards.md §2). A standard is data: `show` writes the effective JSON, an officer edits it, `set` saves it as
revision N+1 with the reason and the source document (audited); later reviews of its list years use it.

Exit codes: 0 done; 2 a user error (one line on stderr, database unchanged).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("standards", parents=[common],
                       help="chuẩn nghèo đang áp dụng; xem, xem lịch sử, lưu bản sửa (có lý do, văn bản căn cứ)")
    steps = p.add_subparsers(dest="standards_command", metavar="show|history|set")
    s = steps.add_parser("show", parents=[common], help="in dữ liệu chuẩn (JSON) đang áp dụng")
    s.add_argument("standard_id", metavar="ID", help="mã chuẩn, ví dụ vn-2022-2026 (xem `bkdesk standards`)")
    s.add_argument("--out", metavar="FILE.json", help="ghi ra tệp thay vì in ra màn hình")
    s.set_defaults(func=run_show)
    s = steps.add_parser("history", parents=[common], help="các bản sửa đã lưu: ai, khi nào, lý do, văn bản căn cứ")
    s.add_argument("standard_id", metavar="ID")
    s.set_defaults(func=run_history)
    s = steps.add_parser("set", parents=[common], help="lưu tệp JSON đã sửa thành phiên bản mới của chuẩn")
    s.add_argument("file", metavar="FILE.json", help="dữ liệu chuẩn đã sửa (từ `bkdesk standards show ID --out`)")
    s.add_argument("--reason", required=True, metavar="TEXT", help="lý do sửa")
    s.add_argument("--source-document", required=True, metavar="TEXT",
                   help="văn bản căn cứ (số, ngày, cơ quan ban hành)")
    s.set_defaults(func=run_set)
    p.set_defaults(func=run_list)


def _connect(args, required: bool):
    """The database when it exists (a missing one: the shipped standards), or an error when ``required``."""
    from bkdesk.cli.session import open_existing

    return open_existing(args, required)


def _known(conn, standard_id: str):
    from bkdesk.model.store.repo_standards import effective_standards

    found = {s.id: s for s in effective_standards(conn)}
    if standard_id not in found:
        raise UserError(f"Không có chuẩn nghèo mã '{standard_id}'. Các mã có: {', '.join(sorted(found))}.")
    return found[standard_id]


def _close(conn) -> None:
    if conn is not None:
        conn.close()


def run_list(args: argparse.Namespace) -> int:
    from bkdesk.model.store.repo_standards import effective_standards, standard_history

    conn = _connect(args, required=False)
    try:
        for std in effective_standards(conn):
            saved = conn is not None and bool(standard_history(conn, std.id))
            origin = "bản sửa lưu trong cơ sở dữ liệu" if saved else "bản đi kèm phần mềm"
            print(f"{std.id}\tdanh sách năm {std.list_year_from}-{std.list_year_to}\t{std.status}\t"
                  f"phiên bản {std.revision} ({origin})")
    finally:
        _close(conn)
    return 0


def run_show(args: argparse.Namespace) -> int:
    conn = _connect(args, required=False)
    try:
        std = _known(conn, args.standard_id)
    finally:
        _close(conn)
    text = json.dumps(std.data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.out:
        from bkdesk.fileio import atomic_output

        with atomic_output(args.out) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
        print(f"Đã ghi {std.id} phiên bản {std.revision} vào {args.out}.")
    else:
        sys.stdout.write(text)
    return 0


def run_history(args: argparse.Namespace) -> int:
    from bkdesk.model.rules.fmt import dmy_hm
    from bkdesk.model.store.repo_standards import standard_history

    conn = _connect(args, required=False)
    try:
        std = _known(conn, args.standard_id)
        rows = standard_history(conn, std.id) if conn is not None else []
    finally:
        _close(conn)
    if not rows:
        print(f"Chưa có bản sửa nào của {std.id} trong cơ sở dữ liệu: đang dùng bản đi kèm phần mềm "
              f"(phiên bản {std.revision}).")
        return 0
    for r in rows:
        at = dmy_hm(dt.datetime.fromisoformat(r["changed_at"]))
        print(f"phiên bản {r['revision']}\t{at}\t{r['changed_by']}\t{r['reason']}\t"
              f"căn cứ: {r['source_document']}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    from bkdesk.model.store import settings
    from bkdesk.model.store.repo_standards import save_standard_revision

    path = Path(args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Không tìm thấy tệp {path}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"Tệp {path.name} không phải JSON hợp lệ (UTF-8): {exc}.") from None
    if not isinstance(data, dict):
        raise UserError(f"Tệp {path.name} phải chứa một đối tượng JSON dữ liệu chuẩn nghèo.")
    conn = _connect(args, required=True)
    try:
        _known(conn, str(data.get("id", "")))
        std = save_standard_revision(conn, data, settings.officer(conn) or "bkdesk", args.reason,
                                     args.source_document)
    finally:
        conn.close()
    print(f"Đã lưu {std.id} phiên bản {std.revision}; các phiếu rà soát mới của năm danh sách "
          f"{std.list_year_from}-{std.list_year_to} dùng phiên bản này.")
    return 0
