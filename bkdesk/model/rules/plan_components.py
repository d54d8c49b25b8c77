"""Support needs by plan component (issue 7 §4): each poor / near-poor household's deprivations, causes
and needs mapped, as data (resources/plans/plan-components-2022.json), to the plan's policies 1.1-1.5 and
projects Dự án 1-7; counted per unit, households registered to exit first.
"""

from __future__ import annotations

import json
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
