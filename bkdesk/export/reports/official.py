"""Official document parts (reports.md §7, Decree 30/2020): issuing body, motto, number, place and date,
signature block; Vietnamese number and date formats; text that must never become a formula."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bkdesk.export.reports.scope import Scope
from bkdesk.model.rules.fmt import date_vi, dmy, number_vi  # noqa: F401 (the document formats' one home)
from bkdesk.model.rules.units import Unit

FORMULA_START = ("=", "+", "-", "@")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def place_name(name: str, unit_type: str) -> str:
    """"Xã Chợ Rã" -> "Chợ Rã" (the place line names the unit without its type) [to confirm]."""
    return name[len(unit_type) + 1:] if name.startswith(unit_type + " ") else name


@dataclass
class DocInfo:
    issuer: list[str]  # e.g. ["ỦY BAN NHÂN DÂN", "XÃ VÂN TÙNG"]
    number: str  # "Số:      /BC-UBND"
    place_date: str  # "Vân Tùng, ngày 05 tháng 12 năm 2026"
    motto: tuple[str, str]
    signature: list[str] = field(default_factory=list)
    signer_name: str = ""
    preparer: str = ""
    preparer_name: str = ""
    draft: bool = True
    watermark: str = ""


def doc_info(scope: Scope, layouts: dict, kind: str = "report", on: dt.date | None = None, draft: bool = True,
             signer_name: str = "", preparer_name: str = "", number: str = "") -> DocInfo:
    doc = layouts["document"]
    unit = scope.unit
    name = scope.unit_name(unit)
    unit_type = name.split(" ")[0] if unit.level != "commune" else _type_on(scope, unit)
    on = on or dt.date.today()
    symbol = doc["number_symbol"].get(kind, "UBND")
    return DocInfo(
        issuer=[doc["issuer_prefix"], name.upper()],
        number=f"Số: {number or ' ' * 6}/{symbol}",
        place_date=f"{place_name(name, unit_type)}, {date_vi(on)}",
        motto=(doc["motto_1"], doc["motto_2"]),
        signature=list(doc["signature_report"]), signer_name=signer_name,
        preparer=doc["preparer"] if kind == "report" else "", preparer_name=preparer_name,
        draft=draft, watermark=doc["draft_watermark"] if draft else "")


def _type_on(scope: Scope, unit: Unit) -> str:
    name = scope.unit_name(unit)
    for t in ("Thị trấn", "Phường", "Xã"):
        if name.startswith(t + " "):
            return t
    return unit.type
