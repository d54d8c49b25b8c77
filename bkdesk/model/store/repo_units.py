"""Units in the database: seeded from the shipped CSVs; areas stay editable data."""

from __future__ import annotations

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules import units as units_mod
from bkdesk.model.rules.units import TREE_2022, TREE_2025, TypePeriod, Unit, UnitCatalog

_UNIT_COLS = ("tree", "code", "name", "type", "level", "parent_code", "district_code", "area", "valid_from",
              "valid_to", "successor_code")


def seed_units(conn: sqlite3.Connection) -> int:
    """Load the shipped unit data into empty unit tables (inside the caller's transaction)."""
    if conn.execute("SELECT count(*) FROM admin_unit").fetchone()[0]:
        return 0
    cat = units_mod.catalog()
    rows = [tuple(getattr(u, c) for c in _UNIT_COLS)
            for u in cat.units.values()]
    conn.executemany(f"INSERT INTO admin_unit ({', '.join(_UNIT_COLS)}) VALUES ({', '.join('?' * len(_UNIT_COLS))})",
                     rows)
    conn.executemany(
        "INSERT INTO unit_type_history (tree, code, type, name, area, valid_from, valid_to, source)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(p.tree, p.code, p.type, p.name, p.area, p.valid_from, p.valid_to, p.source) for p in cat.type_periods()])
    effective = units_mod.TREE_2022_LAST_DAY.fromordinal(units_mod.TREE_2022_LAST_DAY.toordinal() + 1).isoformat()
    conn.executemany(
        "INSERT INTO unit_succession (old_code, new_code, effective_date, source) VALUES (?,?,?,?)",
        [(u.code, u.successor_code, effective, "units-bac-kan.csv") for u in cat.communes(TREE_2022)
         if u.successor_code])
    return len(rows)


def load_catalog(conn: sqlite3.Connection) -> UnitCatalog:
    """The catalog as stored in this database (reflects edited areas)."""
    units = [Unit(**{c: r[c] for c in _UNIT_COLS}) for r in conn.execute("SELECT * FROM admin_unit")]
    periods = [TypePeriod(r["tree"], r["code"], r["type"], r["name"], r["area"], r["valid_from"], r["valid_to"],
                          r["source"]) for r in conn.execute("SELECT * FROM unit_type_history")]
    return UnitCatalog(units, periods)


def unit_name(conn: sqlite3.Connection, code: str, tree: str | None = None) -> str | None:
    """The unit's name in ``tree``; by default in the unit list this database was created with (a code
    alone is ambiguous: 37 codes name one unit in the 2022 list and another in the 2025 list)."""
    if tree is None:
        row = conn.execute("SELECT value FROM setting WHERE key='tree'").fetchone()
        tree = row[0] if row and row[0] else TREE_2022
    row = conn.execute("SELECT name FROM admin_unit WHERE tree=? AND code=?", (tree, code)).fetchone()
    return row[0] if row else None


__all__ = ["seed_units", "load_catalog", "unit_name", "TREE_2022", "TREE_2025"]
