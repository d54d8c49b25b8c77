"""Official document parts (reports.md §7, Decree 30/2020): issuing body, motto, number, place and date,
signature block; Vietnamese number and date formats; text that must never become a formula."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bkdesk.export.reports.scope import Scope
from bkdesk.model.rules.fmt import date_vi, dmy, number_vi  # noqa: F401 (the document formats' one home)
from bkdesk.model.rules.units import TREE_2022, TREE_2025, Unit, catalog, tree_on

FORMULA_START = ("=", "+", "-", "@")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def place_name(name: str, unit_type: str) -> str:
    """"Xã Chợ Rã" -> "Chợ Rã" (the place line names the unit without its type) [to confirm]."""
    return name[len(unit_type) + 1:] if name.startswith(unit_type + " ") else name


UNIT_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Tỉnh", "Xã")


def mid_sentence(name: str) -> str:
    """"Xã Chợ Rã" -> "xã Chợ Rã": a unit type is written in lower case inside a sentence."""
    for t in UNIT_TYPES:
        if name.startswith(t + " "):
            return t.lower() + name[len(t):]
    return name


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


def issuer_on(unit: Unit, on: dt.date) -> Unit:
    """The unit whose People's Committee issues a document about ``unit`` on ``on`` (units.md, review-process.md
    §9): the unit itself while it exists; after 30/06/2025 a 2022 commune's 2025 successor, and for a district
    (district authorities ended) or the old province, the province of the 2025 tree."""
    cat = catalog()
    if tree_on(on) != TREE_2025 or unit.tree == TREE_2025:
        return unit
    if unit.level == "commune" and unit.successor_code:
        return cat.find(unit.successor_code, TREE_2025) or unit
    province = cat.find("06", TREE_2022) if unit.level == "district" else unit
    successor = province.successor_code if province is not None else None
    return cat.find(successor, TREE_2025) if successor and cat.find(successor, TREE_2025) else unit


def unit_name_on(unit: Unit, on: dt.date) -> str:
    """Name (with the unit type) in force on ``on`` (type changes, e.g. Xã -> Thị trấn)."""
    if unit.level == "commune":
        try:
            return catalog().period_on(unit.code, on).name
        except ValueError:
            return unit.name
    return unit.name


def doc_info(scope: Scope, layouts: dict, kind: str = "report", on: dt.date | None = None, draft: bool = True,
             signer_name: str = "", preparer_name: str = "", number: str = "") -> DocInfo:
    doc = layouts["document"]
    on = on or dt.date.today()
    unit = issuer_on(scope.unit, on)
    name = unit_name_on(unit, on)
    unit_type = next((t for t in UNIT_TYPES if name.startswith(t + " ")), unit.type)
    symbol = doc["number_symbol"].get(kind, "UBND")
    return DocInfo(
        issuer=[doc["issuer_prefix"], name.upper()],
        number=f"Số: {number or ' ' * 6}/{symbol}",
        place_date=f"{place_name(name, unit_type)}, {date_vi(on)}",
        motto=(doc["motto_1"], doc["motto_2"]),
        signature=list(doc["signature_report"]), signer_name=signer_name,
        preparer=doc["preparer"] if kind == "report" else "", preparer_name=preparer_name,
        draft=draft, watermark=doc["draft_watermark"] if draft else "")
