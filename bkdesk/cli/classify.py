"""`bkdesk classify`: the classification calculator (standards.md §8) for one household's figures."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math

from bkdesk.errors import UserError
from bkdesk.model.rules.fmt import parse_dmy


def register(sub, common=None) -> None:
    parents = [common] if common is not None else []
    p = sub.add_parser("classify", parents=parents,
                       help="phân loại hộ từ điểm A và các chỉ số thiếu hụt (máy tính phân loại)")
    p.add_argument("--commune", required=True, metavar="CODE", help="mã xã/phường/thị trấn")
    p.add_argument("--list-year", required=True, metavar="YEAR", help="năm danh sách (năm rà soát định kỳ + 1)")
    p.add_argument("--score-a", metavar="A", help="điểm A (số ≥ 0)")
    p.add_argument("--deprived", default="", metavar="CODE,CODE", help="mã các chỉ số thiếu hụt, cách nhau dấu phẩy")
    p.add_argument("--reference-date", metavar="dd/mm/yyyy",
                   help="ngày tham chiếu (mặc định 01/09 của năm rà soát định kỳ)")
    p.add_argument("--income-12m", metavar="VND",
                   help="thủ tục xác định thu nhập: tổng thu nhập 12 tháng của hộ (đồng), thay cho --score-a")
    p.add_argument("--members", metavar="N", help="số nhân khẩu tính thu nhập (cùng --income-12m)")
    p.add_argument("--nlndn", action="store_true", help="hộ làm nông, lâm, ngư, diêm nghiệp (cùng --income-12m)")
    p.add_argument("--lang", choices=["vi", "en"], default="vi", help="ngôn ngữ của kết quả")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(func=run)


def _year(text: str) -> int:
    try:
        year = int(str(text).strip())
    except ValueError:
        raise UserError(f"Năm danh sách không hợp lệ: '{text}'.") from None
    if not 1900 <= year <= 2100:
        raise UserError(f"Năm danh sách không hợp lệ: '{text}'.")
    return year


def _score(text: str) -> float:
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise UserError(f"Điểm A phải là một số: '{text}'.") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise UserError(f"Điểm A phải là một số ≥ 0: '{text}'.")
    return int(value) if value.is_integer() else value


def _date(text: str) -> dt.date:
    try:
        return parse_dmy(text)
    except ValueError as exc:
        raise UserError(f"Ngày tham chiếu không hợp lệ. {exc}") from None


def run(args: argparse.Namespace) -> int:
    from bkdesk.model.rules.classify import CLASS_LABELS, classify
    from bkdesk.model.rules.indicators import DEPRIVED, NOT_DEPRIVED
    from bkdesk.model.rules.standards import periodic_reference_date
    from bkdesk.model.store.repo_standards import standard_for_list_year

    list_year = _year(args.list_year)
    income_mode = getattr(args, "income_12m", None) is not None
    if args.score_a is None and not income_mode:
        raise UserError("Cần --score-a (phân loại theo điểm) hoặc --income-12m và --members (theo thu nhập).")
    if args.score_a is not None and income_mode:
        raise UserError("Chỉ dùng một trong hai: --score-a hoặc --income-12m.")
    score_a = None if income_mode else _score(args.score_a)
    ref = _date(args.reference_date) if args.reference_date else periodic_reference_date(list_year)
    std = standard_for_list_year(list_year)
    commune = str(args.commune).strip()
    deprived = [c.strip().upper() for c in (args.deprived or "").split(",") if c.strip()]
    unknown = [c for c in deprived if c not in std.indicator_codes]
    if unknown:
        raise UserError(f"Mã chỉ số không hợp lệ: {', '.join(unknown)} (các mã của chuẩn {std.id}: "
                        f"{', '.join(std.indicator_codes)}).")
    if len(set(deprived)) != len(deprived):
        raise UserError("Mã chỉ số bị lặp trong --deprived.")
    if income_mode:
        return _by_income(args, std, commune, ref, len(deprived))
    finals = {c: DEPRIVED if c in deprived else NOT_DEPRIVED for c in std.indicator_codes}
    res = classify(list_year, commune, ref, score_a, finals, standard=std)
    lang = getattr(args, "lang", "vi") or "vi"
    if args.json:
        out = res.as_dict(lang)
        out["reference_date"] = ref.isoformat()
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(CLASS_LABELS[lang][res.cls])
        print(res.reasons(lang))
    return 0


def _whole(text: str, what: str, minimum: int) -> int:
    try:
        value = int(str(text).strip().replace(".", "").replace(" ", ""))
    except ValueError:
        raise UserError(f"{what} phải là số nguyên: '{text}'.") from None
    if value < minimum:
        raise UserError(f"{what} phải là số nguyên ≥ {minimum}: '{text}'.")
    return value


def _by_income(args: argparse.Namespace, std, commune: str, ref: dt.date, deprivations: int) -> int:
    """The income procedure's class (standards.md §5.3, §5.9) with its reasons."""
    from bkdesk.model.rules.classify import CLASS_LABELS
    from bkdesk.model.rules.income import income_result
    from bkdesk.model.rules.units import UnitError, area_of

    income = _whole(args.income_12m, "Thu nhập 12 tháng", 0)
    if args.members is None:
        raise UserError("Cần --members (số nhân khẩu tính thu nhập) cùng --income-12m.")
    members = _whole(args.members, "Số nhân khẩu", 1)
    try:
        area = area_of(commune, ref)
    except UnitError as exc:
        raise UserError(f"Mã xã không hợp lệ: {exc}.") from None
    res = income_result(std, area, income, members, deprivations, args.nlndn)
    if args.json:
        print(json.dumps({"class": res.cls, "standard_id": std.id, "revision": std.revision, "area": area,
                          "per_capita_month": float(res.per_capita), "reasons": res.reasons(),
                          "reference_date": ref.isoformat()}, ensure_ascii=False))
    else:
        print(CLASS_LABELS["vi"][res.cls])
        print(res.reasons())
    return 0
