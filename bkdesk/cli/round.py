"""`bkdesk round open|status|confirm|meeting|posting|decide|close|unlock-review --year R`: the periodic round
of review year R of the commune database, the same operations as the desk's round screen.

Exit codes: 0 done; 1 `confirm` left some household incomplete (one line per household and reason);
2 a user error (one line on stderr, database unchanged).
"""

from __future__ import annotations

import argparse
import json

from bkdesk.errors import UserError


def register(sub, common) -> None:
    p = sub.add_parser("round", parents=[common], help="đợt rà soát định kỳ: mở, xác nhận, họp thôn, niêm yết, "
                       "quyết định, đóng")
    steps = p.add_subparsers(dest="round_command", metavar="open|status|confirm|meeting|posting|decide|close")
    year = argparse.ArgumentParser(add_help=False)
    year.add_argument("--year", type=int, required=True, metavar="R", help="năm rà soát")

    s = steps.add_parser("open", parents=[common, year], help="mở đợt, chuyển kết quả kỳ trước sang làm điểm xuất phát")
    s.set_defaults(func=run_open)
    s = steps.add_parser("status", parents=[common, year], help="số hộ theo trạng thái, theo thôn")
    s.add_argument("--json", action="store_true", help="in JSON")
    s.set_defaults(func=run_status)
    s = steps.add_parser("confirm", parents=[common, year], help="xác nhận các phiếu đã đủ, báo hộ còn thiếu")
    s.add_argument("--village", metavar="NAME", help="chỉ một thôn")
    s.set_defaults(func=run_confirm)
    s = steps.add_parser("meeting", parents=[common, year], help="ghi biên bản họp thôn")
    s.add_argument("--village", required=True, metavar="NAME")
    s.add_argument("--date", required=True, metavar="dd/mm/yyyy")
    s.add_argument("--attendees", required=True, type=int, metavar="N", help="số người dự họp")
    s.add_argument("--agree", type=int, metavar="N", help="số người đồng ý với cả danh sách")
    s.add_argument("--votes", metavar="MÃHỘ=N,...", help="số người đồng ý theo từng hộ (mã hộ=số người)")
    s.add_argument("--place", default="", metavar="TEXT")
    s.add_argument("--chair", default="", metavar="NAME", help="chủ trì (trưởng thôn)")
    s.add_argument("--secretary", default="", metavar="NAME", help="thư ký")
    s.set_defaults(func=run_meeting)
    s = steps.add_parser("posting", parents=[common, year], help="ghi niêm yết công khai")
    s.add_argument("--place", required=True, metavar="TEXT")
    s.add_argument("--from", dest="start", required=True, metavar="dd/mm/yyyy")
    s.add_argument("--to", dest="end", required=True, metavar="dd/mm/yyyy")
    s.add_argument("--village", metavar="NAME", help="thôn niêm yết (bỏ trống: trụ sở UBND xã)")
    s.set_defaults(func=run_posting)
    s = steps.add_parser("decide", parents=[common, year], help="ghi quyết định công nhận và áp dụng cho đợt")
    s.add_argument("--number", required=True, metavar="TEXT", help="số quyết định")
    s.add_argument("--date", required=True, metavar="dd/mm/yyyy")
    s.add_argument("--signer", default="", metavar="NAME", help="người ký")
    s.set_defaults(func=run_decide)
    s = steps.add_parser("close", parents=[common, year], help="đóng đợt (chỉ đọc)")
    s.set_defaults(func=run_close)
    s = steps.add_parser("unlock-review", parents=[common, year], help="mở khóa phiếu đã có quyết định (ghi lý do)")
    s.add_argument("--household", required=True, metavar="MÃHỘ")
    s.add_argument("--reason", required=True, metavar="TEXT")
    s.set_defaults(func=run_unlock_review)
    p.set_defaults(func=_missing_step)


def _missing_step(args) -> int:
    raise UserError("Hãy chọn một bước: bkdesk round open|status|confirm|meeting|posting|decide|close --year R.")


def _open(args):
    from bkdesk.cli.session import open_existing

    return open_existing(args)


def _date(text: str):
    from bkdesk.model.rules.fmt import parse_dmy

    try:
        return parse_dmy(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _user(conn) -> str:
    from bkdesk.model.store import settings

    return settings.officer(conn)


def _village(conn, rnd, name: str) -> str:
    from bkdesk.model.store.repo_reports import village_uid_by_name

    uid = village_uid_by_name(conn, rnd.commune_code, name)
    if uid is None:
        raise UserError(f"Không có thôn '{name}' trong xã.")
    return uid


def _run(args, work) -> int:
    from bkdesk.model.review import rounds

    conn = _open(args)
    try:
        return work(conn, rounds, rounds.periodic_round(conn, args.year) if args.round_command != "open" else None)
    finally:
        conn.close()


def run_open(args) -> int:
    def work(conn, rounds, _rnd):
        from bkdesk.model.store import settings

        if settings.get(conn, settings.SCOPE) != "commune":
            raise UserError("Chỉ cơ sở dữ liệu của một xã mới mở được đợt rà soát.")
        rnd, n = rounds.open_periodic_round(conn, settings.get(conn, settings.SCOPE_CODE), args.year, _user(conn))
        print(f"Đã mở đợt rà soát định kỳ năm {rnd.review_year} (danh sách áp dụng năm {rnd.list_year}): {n} hộ.")
        return 0
    return _run(args, work)


def run_status(args) -> int:
    def work(conn, rounds, rnd):
        status = rounds.round_status(conn, rnd)
        if args.json:
            print(json.dumps(rounds.status_json(status), ensure_ascii=False))
            return 0
        print(f"Đợt rà soát định kỳ năm {rnd.review_year}: {rounds.STATE_LABELS.get(rnd.state, rnd.state)}"
              + (" (đã khóa)" if rnd.locked else ""))
        for label, counts in [("Cả xã", status["statuses"])] + [(v["name"], v["statuses"]) for v in status["villages"]]:
            print(f"{label}: " + ", ".join(f"{rounds.STATUS_LABELS[k]} {n}" for k, n in counts.items()))
        return 0
    return _run(args, work)


def run_confirm(args) -> int:
    def work(conn, rounds, rnd):
        village = _village(conn, rnd, args.village) if args.village else None
        done, incomplete = rounds.confirm(conn, rnd, _user(conn), village_uid=village)
        for label, reason in incomplete:
            print(f"{label}: {reason}")
        print(f"Đã xác nhận {len(done)} hộ; còn {len(incomplete)} hộ chưa đủ thông tin.")
        return 1 if incomplete else 0
    return _run(args, work)


def _votes(conn, rnd, village_uid: str, text: str | None) -> dict[str, int]:
    from bkdesk.model.store import repo_rounds

    if not text:
        return {}
    by_no = {r["household_no"]: r["household_uid"] for r in repo_rounds.round_review_list(conn, rnd.uid, village_uid)}
    out = {}
    for part in text.split(","):
        no, _, n = part.partition("=")
        if no.strip() not in by_no or not n.strip().isdigit():
            raise UserError(f"Biểu quyết không hợp lệ: '{part.strip()}' (dạng MÃHỘ=SỐNGƯỜI, hộ thuộc thôn).")
        out[by_no[no.strip()]] = int(n)
    return out


def run_meeting(args) -> int:
    def work(conn, rounds, rnd):
        village = _village(conn, rnd, args.village)
        _uid, back = rounds.record_meeting(conn, rnd, village, _date(args.date), args.attendees, _user(conn),
                                           place=args.place, chair=args.chair, secretary=args.secretary,
                                           list_agree=args.agree, votes=_votes(conn, rnd, village, args.votes))
        for label in back:
            print(f"{label}: chưa đạt 50% đồng ý, chuyển về rà soát lại")
        print(f"Đã ghi biên bản họp thôn {args.village}" + (f"; {len(back)} hộ phải rà soát lại." if back else "."))
        return 0
    return _run(args, work)


def run_posting(args) -> int:
    def work(conn, rounds, rnd):
        village = _village(conn, rnd, args.village) if args.village else None
        rounds.record_posting(conn, rnd, args.place, _date(args.start), _date(args.end), _user(conn), village)
        print(f"Đã ghi niêm yết công khai tại {args.place.strip()}.")
        return 0
    return _run(args, work)


def run_decide(args) -> int:
    def work(conn, rounds, rnd):
        n = rounds.decide(conn, rnd, args.number, _date(args.date), _user(conn), signer=args.signer)
        print(f"Đã ghi quyết định số {args.number.strip()}: công nhận {n} hộ.")
        return 0
    return _run(args, work)


def run_close(args) -> int:
    def work(conn, rounds, rnd):
        rounds.close(conn, rnd, _user(conn))
        print(f"Đã đóng đợt rà soát định kỳ năm {rnd.review_year}.")
        return 0
    return _run(args, work)


def run_unlock_review(args) -> int:
    def work(conn, rounds, rnd):
        from bkdesk.model.store import repo_rounds

        rows = [r for r in repo_rounds.round_review_list(conn, rnd.uid) if r["household_no"] == args.household.strip()]
        if not rows:
            raise UserError(f"Không có hộ mã {args.household} trong đợt rà soát.")
        rounds.unlock_review(conn, rnd, rows[0]["household_uid"], _user(conn), args.reason)
        print(f"Đã mở khóa phiếu của hộ {args.household} (đã ghi nhật ký).")
        return 0
    return _run(args, work)
