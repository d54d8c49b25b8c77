"""`bkdesk keys`: this installation's signing key and the register of keys trusted per unit."""

from __future__ import annotations

import argparse

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("keys", parents=[common], help="khóa ký gói dữ liệu: xem khóa của máy này, tin cậy khóa")
    ksub = p.add_subparsers(dest="keys_command", metavar="LỆNH", required=True)
    s = ksub.add_parser("show", parents=[common], help="dấu nhận dạng khóa của máy này và các khóa đã tin cậy")
    s.set_defaults(func=run_show)
    t = ksub.add_parser("trust", parents=[common], help="tin cậy khóa của một đơn vị (sau khi gọi điện đối chiếu)")
    t.add_argument("--unit", required=True, metavar="CODE", help="mã xã/huyện gửi gói")
    t.add_argument("--fingerprint", required=True, metavar="F", help="dấu nhận dạng khóa, ví dụ ABCD-EFGH-IJKL-MNOP")
    t.add_argument("--replace", action="store_true",
                   help="thay khóa cũ của đơn vị (đơn vị đổi máy): các khóa cũ thôi được tin cậy")
    t.add_argument("--reason", default="", metavar="TEXT", help="lý do (ghi vào nhật ký)")
    t.set_defaults(func=run_trust)


def _open(args):
    from bkdesk.cli.session import open_existing

    return open_existing(args)


def run_show(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.signing import own_fingerprint
    from bkdesk.model.store import repo_sync, settings

    conn = _open(args)
    try:
        print(f"Dấu nhận dạng khóa của máy này: {own_fingerprint(conn)}")
        print(f"Mã cài đặt: {settings.installation_id(conn)}")
        keys = repo_sync.trusted_keys(conn, status=None)
    finally:
        conn.close()
    if not keys:
        print("Chưa tin cậy khóa của đơn vị nào.")
    for k in keys:
        state = "tin cậy" if k["status"] == "trusted" else "đã thay"
        who = f", cán bộ {k['officer']}" if k["officer"] else ""
        print(f"Đơn vị {k['unit_code']}: {k['fingerprint']} ({state}, từ {k['added_at'][:10]}{who})")
    return 0


def run_trust(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.signing import normalise_fingerprint, trust_key
    from bkdesk.model.rules.units import TREE_2022, TREE_2025
    from bkdesk.model.store import settings
    from bkdesk.model.store.db import transaction
    from bkdesk.model.store.repo_units import load_catalog

    fp = normalise_fingerprint(args.fingerprint)
    unit = args.unit.strip()
    conn = _open(args)
    try:
        cat = load_catalog(conn)
        if not any(cat.find(unit, tree) for tree in (TREE_2022, TREE_2025)):
            raise UserError(f"Không có đơn vị hành chính mã {unit}.")
        with transaction(conn):
            retired = trust_key(conn, unit, fp, settings.officer(conn), replace=args.replace, reason=args.reason)
    finally:
        conn.close()
    print(f"Đã tin cậy khóa {fp} cho đơn vị {unit}."
          + (f" Thôi tin cậy: {', '.join(retired)}." if retired else ""))
    return 0
