"""`bkdesk household remove CODE --reason TEXT`: remove a household entered in error (typed twice, or not a
household of the commune), the same operation as the desk's "Xóa hộ (nhập nhầm)…". CODE is the household
number shown on the forms within the commune, or the household's uid when two share a number.

Exit codes: 0 removed (one line on stdout); 2 refused or bad input (one line on stderr, database unchanged).
"""

from __future__ import annotations

import argparse

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("household", parents=[common], help="hộ gia đình: xóa hộ nhập nhầm")
    steps = p.add_subparsers(dest="household_command", metavar="remove")
    s = steps.add_parser("remove", parents=[common], help="xóa hộ nhập nhầm (nhập trùng, không phải hộ của xã); "
                         "ghi lý do, có nhật ký, việc xóa được gửi lên cấp trên")
    s.add_argument("code", metavar="MÃHỘ", help="mã hộ trên phiếu (trong xã) hoặc mã định danh của hộ")
    s.add_argument("--reason", required=True, metavar="TEXT", help="lý do xóa (bắt buộc)")
    s.set_defaults(func=run_remove)
    p.set_defaults(func=_missing_step)


def _missing_step(args) -> int:
    raise UserError("Hãy chọn một thao tác: bkdesk household remove MÃHỘ --reason \"...\".")


def run_remove(args: argparse.Namespace) -> int:
    from bkdesk.cli.session import database
    from bkdesk.model.review.household_remove import find_household, remove_household
    from bkdesk.model.store import settings

    with database(args) as conn:
        commune = settings.get(conn, settings.SCOPE_CODE) if settings.get(conn, settings.SCOPE) == "commune" \
            else None
        row = find_household(conn, args.code, commune)
        removed = remove_household(conn, row["uid"], args.reason, settings.officer(conn))
    print(removed.line())
    return 0
