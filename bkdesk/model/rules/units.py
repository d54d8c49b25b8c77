"""Administrative units as data: the 2022 tree (province 06), the 2025 tree (province 19), type history.

No unit code, name or type appears in code; everything comes from the CSV files under
``resources/units`` (or from the database tables seeded from them, where users may edit areas).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from bkdesk.paths import resource_path

TREE_2022 = "2022"
TREE_2025 = "2025"
# The 2022 tree is valid up to and including this day; the 2025 tree from the next day.
TREE_2022_LAST_DAY = dt.date(2025, 6, 30)


class UnitError(ValueError):
    """A unit code that does not exist in the tree in force on the given date."""


@dataclass(frozen=True)
class Unit:
    tree: str
    code: str
    name: str
    type: str
    level: str  # province | district | commune
    parent_code: str | None
    district_code: str | None
    area: str | None  # urban | rural for communes
    valid_from: str | None
    valid_to: str | None
    successor_code: str | None = None


@dataclass(frozen=True)
class TypePeriod:
    tree: str
    code: str
    type: str
    name: str
    area: str
    valid_from: str | None
    valid_to: str | None
    source: str


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(resource_path("units", name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _none(value: str | None) -> str | None:
    return value or None


def tree_on(on_date: dt.date) -> str:
    return TREE_2022 if on_date <= TREE_2022_LAST_DAY else TREE_2025


class UnitCatalog:
    """Units and their type periods; answers code lookups by date."""

    def __init__(self, units: list[Unit], periods: list[TypePeriod]):
        self.units = {(u.tree, u.code): u for u in units}
        self._periods: dict[tuple[str, str], list[TypePeriod]] = {}
        for p in periods:
            self._periods.setdefault((p.tree, p.code), []).append(p)

    @classmethod
    def from_resources(cls) -> UnitCatalog:
        units: list[Unit] = []
        periods: list[TypePeriod] = []
        history = {(r["tree"], r["code"]) for r in _read_csv("unit-type-history.csv")}
        rows_2022 = _read_csv("units-bac-kan.csv")
        province = next((r["code"] for r in rows_2022 if r["level"] == "province"), None)
        for r in rows_2022:
            parent = {"province": None, "district": province, "commune": r["district_code"]}
            units.append(Unit(TREE_2022, r["code"], r["name"], r["type"], r["level"],
                              parent[r["level"]], _none(r["district_code"]), _none(r["area_2022"]),
                              _none(r["valid_from"]), _none(r["valid_to"]), _none(r["successor_code_2025"])))
            if r["level"] == "commune" and (TREE_2022, r["code"]) not in history:
                periods.append(TypePeriod(TREE_2022, r["code"], r["type"], r["name"], r["area_2022"],
                                          _none(r["valid_from"]), _none(r["valid_to"]), "units-bac-kan.csv"))
        for r in _read_csv("unit-type-history.csv"):
            periods.append(TypePeriod(r["tree"], r["code"], r["type"], r["name"], r["area"],
                                      _none(r["valid_from"]), _none(r["valid_to"]), r["source"]))
        for r in _read_csv("units-2025.csv"):
            units.append(Unit(TREE_2025, r["code"], r["name"], r["type"], r["level"], _none(r["parent_code"]),
                              None, _none(r["area"]), _none(r["valid_from"]), _none(r["valid_to"])))
            if r["level"] == "commune":
                periods.append(TypePeriod(TREE_2025, r["code"], r["type"], r["name"], r["area"],
                                          _none(r["valid_from"]), _none(r["valid_to"]), r["source"]))
        return cls(units, periods)

    def get(self, code: str, tree: str = TREE_2022) -> Unit:
        try:
            return self.units[(tree, code)]
        except KeyError:
            raise UnitError(f"Không có đơn vị mã {code} trong danh mục {tree}") from None

    def find(self, code: str, tree: str = TREE_2022) -> Unit | None:
        return self.units.get((tree, code))

    def list(self, tree: str = TREE_2022, level: str | None = None) -> list[Unit]:
        return [u for (t, _), u in sorted(self.units.items()) if t == tree and (level is None or u.level == level)]

    def communes(self, tree: str = TREE_2022) -> list[Unit]:
        return self.list(tree, "commune")

    def children(self, code: str, tree: str = TREE_2022) -> list[Unit]:
        return [u for u in self.list(tree) if u.parent_code == code]

    def communes_under(self, code: str, tree: str = TREE_2022) -> list[Unit]:
        """Communes of a province, district or commune code (the commune itself)."""
        unit = self.get(code, tree)
        if unit.level == "commune":
            return [unit]
        if unit.level == "district":
            return [u for u in self.communes(tree) if u.district_code == code]
        return self.communes(tree)

    def period_on(self, code: str, on_date: dt.date) -> TypePeriod:
        tree = tree_on(on_date)
        day = on_date.isoformat()
        for p in self._periods.get((tree, code), []):
            if (p.valid_from is None or p.valid_from <= day) and (p.valid_to is None or day <= p.valid_to):
                return p
        raise UnitError(self.not_in_force_text(code, on_date))

    def not_in_force_text(self, code: str, on_date: dt.date) -> str:
        """Why ``code`` has no unit on ``on_date``; a 2022 code after its end names its 2025 successor."""
        text = f"Mã đơn vị {code} không có hiệu lực vào ngày {on_date:%d/%m/%Y}"
        old = self.find(code, TREE_2022)
        if old is not None and tree_on(on_date) == TREE_2025 and old.successor_code:
            new = self.find(old.successor_code, TREE_2025)
            ended = dt.date.fromisoformat(old.valid_to) if old.valid_to else TREE_2022_LAST_DAY
            heir = f"{new.name} ({new.code})" if new else old.successor_code
            text += f": {old.name} ({code}) hết hiệu lực sau ngày {ended:%d/%m/%Y}, đơn vị kế tiếp là {heir}"
        return text

    def area_of(self, commune_code: str, on_date: dt.date) -> str:
        return self.period_on(commune_code, on_date).area

    def successor_2025(self, code_2022: str) -> str | None:
        unit = self.get(code_2022, TREE_2022)
        return unit.successor_code

    def type_periods(self) -> list[TypePeriod]:
        return [p for ps in self._periods.values() for p in ps]


@lru_cache(maxsize=1)
def catalog() -> UnitCatalog:
    return UnitCatalog.from_resources()


def area_of(commune_code: str, on_date: dt.date) -> str:
    """``urban`` or ``rural`` for a commune-level unit on a date (shipped data)."""
    return catalog().area_of(commune_code, on_date)
