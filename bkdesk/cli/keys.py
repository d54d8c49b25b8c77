"""`bkdesk keys`: this installation's signing key, the register of keys trusted per unit, and the recipient
keys that make packages readable only by the level above (export-recipient, add-recipient)."""

from __future__ import annotations

import argparse

from bkdesk.cli.session import database
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
    e = ksub.add_parser("export-recipient", parents=[common],
                        help="ghi khóa nhận gói của huyện/tỉnh này ra tệp để các đơn vị cấp dưới đăng ký")
    e.add_argument("--out", required=True, metavar="FILE", help="tệp khóa nhận (.json)")
    e.set_defaults(func=run_export_recipient)
    a = ksub.add_parser("add-recipient", parents=[common],
                        help="đăng ký khóa nhận của cấp trên: gói xuất từ đây chỉ cấp trên mở được")
    a.add_argument("file", metavar="FILE", help="tệp khóa nhận do huyện/tỉnh xuất (bkdesk keys export-recipient)")
    a.set_defaults(func=run_add_recipient)


def run_show(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.signing import own_fingerprint
    from bkdesk.model.store import repo_sync, settings

    with database(args) as conn:
        print(f"Dấu nhận dạng khóa của máy này: {own_fingerprint(conn)}")
        print(f"Mã cài đặt: {settings.installation_id(conn)}")
        keys = repo_sync.trusted_keys(conn, status=None)
    _show_recipients(args)
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
    with database(args) as conn:
        cat = load_catalog(conn)
        if not any(cat.find(unit, tree) for tree in (TREE_2022, TREE_2025)):
            raise UserError(f"Không có đơn vị hành chính mã {unit}.")
        with transaction(conn):
            retired = trust_key(conn, unit, fp, settings.officer(conn), replace=args.replace, reason=args.reason)
    print(f"Đã tin cậy khóa {fp} cho đơn vị {unit}."
          + (f" Thôi tin cậy: {', '.join(retired)}." if retired else ""))
    return 0


def _show_recipients(args) -> None:
    from bkdesk.export.sync import recipients, sealing, signing

    with database(args) as conn:
        raw = recipients.own_key(conn)
        rows = recipients.registered(conn)
    if raw is not None:
        print(f"Khóa nhận gói của cấp này: {signing.fingerprint(sealing.public_key_text(raw))}")
    if not rows:
        print("Chưa đăng ký khóa nhận của cấp trên (gói xuất từ đây cần cụm mật khẩu).")
    for r in rows:
        print(f"Khóa nhận của cấp trên: {r['unit_name']} ({r['unit_code']}): {r['fingerprint']}"
              f" (đăng ký {r['added_at'][:10]})")


def run_export_recipient(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.recipients import write_recipient_file

    with database(args) as conn:
        out, r = write_recipient_file(conn, args.out)
    print(f"Đã ghi khóa nhận của {r.unit_name} ({r.unit_code}) vào {out}.")
    print(f"Dấu nhận dạng khóa nhận (đọc qua điện thoại cho đơn vị cấp dưới đối chiếu): {r.fingerprint}")
    return 0


def run_add_recipient(args: argparse.Namespace) -> int:
    from bkdesk.export.sync.recipients import add_recipient

    with database(args) as conn:
        r, retired = add_recipient(conn, args.file)
    print(f"Đã đăng ký khóa nhận của {r.unit_name} ({r.unit_code}): dấu nhận dạng"
          f" {r.fingerprint}. Hãy gọi điện đối chiếu dấu nhận dạng này với cấp trên."
          + (f" Thôi dùng khóa cũ: {', '.join(retired)}." if retired else ""))
    return 0
