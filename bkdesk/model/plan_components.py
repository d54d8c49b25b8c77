"""Support needs by plan component (issue 7 §4): each poor / near-poor household's deprivations, causes
and needs mapped, as data (resources/plans/plan-components-2022.json), to the plan's policies 1.1-1.5 and
projects Dự án 1-7; counted per unit, households registered to exit first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache

from bkdesk.errors import UserError
from bkdesk.paths import resource_path

FORMAT = "bkdesk-plan-components"
DEFAULT_FILE = "plan-components-2022.json"


@dataclass(frozen=True)
class ComponentMap:
    components: list[dict]
    indicators: dict[str, list[str]]
    causes: dict[str, list[str]]
    needs: dict[str, list[str]]

    def codes(self) -> list[str]:
        return [c["code"] for c in self.components]

    def label(self, code: str) -> str:
        return next(c["label_vi"] for c in self.components if c["code"] == code)

    def components_of(self, indicators: set[str], causes: set[str], needs: set[str]) -> set[str]:
        out: set[str] = set()
        for codes, table in ((indicators, self.indicators), (causes, self.causes), (needs, self.needs)):
            for c in codes:
                out.update(table.get(c, ()))
        return out


def parse_component_map(data, source: str) -> ComponentMap:
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("format_version") != 1:
        raise UserError(f"Tệp {source}: sai định dạng (cần '{FORMAT}' phiên bản 1).")
    comps = data.get("components")
    if not isinstance(comps, list) or not all(isinstance(c, dict) and c.get("code") and c.get("label_vi")
                                              for c in comps):
        raise UserError(f"Tệp {source}: danh sách hợp phần không hợp lệ.")
    known = {c["code"] for c in comps}
    for part in ("indicators", "causes", "needs"):
        table = data.get(part)
        if not isinstance(table, dict):
            raise UserError(f"Tệp {source}: thiếu bảng '{part}'.")
        for key, codes in table.items():
            bad = [c for c in codes if c not in known] if isinstance(codes, list) else [codes]
            if bad:
                raise UserError(f"Tệp {source}: '{part}.{key}' tham chiếu hợp phần không có: {bad}.")
    return ComponentMap(comps, data["indicators"], data["causes"], data["needs"])


@lru_cache(maxsize=4)
def component_map(name: str = DEFAULT_FILE) -> ComponentMap:
    path = resource_path("plans", name)
    return parse_component_map(json.loads(path.read_text(encoding="utf-8")), path.name)


@dataclass
class ComponentCounts:
    unit: str
    households: int = 0
    registered: int = 0
    need_registered: dict[str, int] = field(default_factory=dict)  # registered to exit, listed first
    need_all: dict[str, int] = field(default_factory=dict)


def component_needs(conn: sqlite3.Connection, review_year: int, registration_year: int | None = None,
                    commune_codes: list[str] | None = None, cmap: ComponentMap | None = None
                    ) -> dict[str, ComponentCounts]:
    """Per commune ("" = total): poor and near-poor households of the periodic round of ``review_year``
    needing each component, and among them those registered to exit in ``registration_year``
    (default: the list year, review_year + 1)."""
    cmap = cmap or component_map()
    reg_year = registration_year or review_year + 1
    rows = conn.execute(
        "SELECT r.uid, r.household_uid, r.commune_code FROM review r JOIN review_round rr ON rr.uid=r.round_uid"
        " WHERE rr.kind='periodic' AND rr.review_year=? AND r.record_status IN ('confirmed', 'decided')"
        " AND r.final_class IN ('POOR', 'NEAR_POOR')", (review_year,)).fetchall()
    registered = {r[0] for r in conn.execute(
        "SELECT household_uid FROM exit_registration WHERE registration_year=? AND withdrawn_date IS NULL",
        (reg_year,))}
    parts = _parts(conn, review_year, "review_indicator", "indicator_code", "t.final='deprived'")
    causes = _parts(conn, review_year, "review_cause", "cause_code")
    needs = _parts(conn, review_year, "review_need", "need_code")
    out: dict[str, ComponentCounts] = {}
    total = _empty("", cmap)
    for r in rows:
        if commune_codes is not None and r["commune_code"] not in commune_codes:
            continue
        comps = cmap.components_of(parts.get(r["uid"], set()), causes.get(r["uid"], set()),
                                   needs.get(r["uid"], set()))
        is_reg = r["household_uid"] in registered
        for bucket in (out.setdefault(r["commune_code"], _empty(r["commune_code"], cmap)), total):
            bucket.households += 1
            bucket.registered += is_reg
            for c in comps:
                bucket.need_all[c] += 1
                bucket.need_registered[c] += is_reg
    result = dict(sorted(out.items()))
    result[""] = total
    return result


def _empty(unit: str, cmap: ComponentMap) -> ComponentCounts:
    return ComponentCounts(unit, need_registered=dict.fromkeys(cmap.codes(), 0),
                           need_all=dict.fromkeys(cmap.codes(), 0))


def _parts(conn: sqlite3.Connection, review_year: int, table: str, column: str, where: str = "1"
           ) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in conn.execute(f"SELECT t.review_uid, t.{column} FROM {table} t JOIN review r ON r.uid=t.review_uid"
                          " JOIN review_round rr ON rr.uid=r.round_uid WHERE rr.kind='periodic'"
                          f" AND rr.review_year=? AND {where}", (review_year,)):
        out.setdefault(r[0], set()).add(r[1])
    return out
