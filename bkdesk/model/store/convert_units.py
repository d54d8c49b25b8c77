"""Convert a commune or district database from the 2022 unit codes to their 2025 successors (units.md §7).

What changes, in one audited transaction after a full copy of the database (the backup it is reversed from):
- households and villages move to the successor commune (identities and village ids unchanged); where
  several former communes make one new commune, households of all but one of them get new numbers in the
  new list, after the highest number kept (their old numbers stay on every earlier review and in the
  audit log);
- rounds and reviews dated from 01/07/2025 (entered under an old code, which the 2025 tree refuses) move
  to the successor; two such rounds of one new commune become one;
- every review before 01/07/2025 keeps its old code, as the historical record;
- the database is scoped to the 2025 tree: a commune database to the successor commune, a district
  database (the district level ends on 30/06/2025) to the province, as a merging database.

``combine`` first copies in the databases of other former communes (same schema), so that the former
communes of one new commune end up in one file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.fmt import fmt_int
from bkdesk.model.rules.units import TREE_2022, TREE_2022_LAST_DAY, TREE_2025, UnitCatalog
from bkdesk.model.store import audit, settings
from bkdesk.model.store.access import require
from bkdesk.model.store.db import attach, backup_to, transaction
from bkdesk.model.store.repo_base import local_origin
from bkdesk.model.store.repo_desk import refresh_current
from bkdesk.model.store.repo_units import load_catalog

FIRST_2025_DAY = (TREE_2022_LAST_DAY + dt.timedelta(days=1)).isoformat()
CONVERTED_SETTING = "converted_to_2025"
_LEVEL_VI = {"commune": "xã", "district": "huyện", "province": "tỉnh"}
REASON = "Chuyển đổi sang mã đơn vị hành chính từ 01/07/2025 (NQ 1683/NQ-UBTVQH15)"
# Tables copied when databases of former communes are combined, parents first.
COMBINED_TABLES = ("village", "household", "member", "housing", "household_event", "review_round", "review",
                   "review_indicator", "review_cause", "review_need", "review_group", "exit_registration")


@dataclass
class NewCommune:
    code: str
    name: str
    old: list[tuple[str, str, int]] = field(default_factory=list)  # (old code, old name, households)
    kept: str = ""  # the former commune whose household numbers stay ("name (code)")
    kept_code: str = ""
    renumbered: int = 0


@dataclass
class ConversionPlan:
    scope: str
    scope_code: str
    new_scope: str
    new_scope_code: str
    communes: list[NewCommune]
    households: int
    villages: int
    rounds_2025: int
    reviews_2025: int

    def lines(self) -> list[str]:
        """The preview, one line per new commune, in Vietnamese."""
        out = []
        for c in self.communes:
            olds = ", ".join(f"{name} ({code}): {fmt_int(n)} hộ" for code, name, n in c.old)
            more = f"; đánh số lại {fmt_int(c.renumbered)} hộ (giữ số hộ của {c.kept})" if c.renumbered else ""
            out.append(f"{c.name} ({c.code}) ← {olds}{more}")
        out.append(f"Tổng: {fmt_int(self.households)} hộ, {fmt_int(self.villages)} thôn/tổ; {self.rounds_2025} đợt và "
                   f"{fmt_int(self.reviews_2025)} phiếu từ 01/07/2025 chuyển sang mã mới; các phiếu trước đó giữ mã cũ.")
        out.append(f"Phạm vi cơ sở dữ liệu: {_LEVEL_VI[self.scope]} {self.scope_code} (danh mục 2022) → "
                   f"{_LEVEL_VI[self.new_scope]} {self.new_scope_code} (danh mục 2025).")
        return out


def _old_codes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT commune_code FROM household UNION SELECT commune_code FROM village").fetchall()
    return sorted(r[0] for r in rows)


def _successors(cat: UnitCatalog, codes: list[str]) -> dict[str, str]:
    out = {}
    for code in codes:
        unit = cat.find(code, TREE_2022)
        if unit is None or unit.level != "commune":
            raise UserError(f"Mã xã {code} trong cơ sở dữ liệu không có trong danh mục 2022; không chuyển đổi được.")
        if not unit.successor_code or cat.find(unit.successor_code, TREE_2025) is None:
            raise UserError(f"{unit.name} ({code}) không có đơn vị kế tiếp trong danh mục 2025.")
        out[code] = unit.successor_code
    return out


def plan_conversion(conn: sqlite3.Connection) -> ConversionPlan:
    """What ``convert`` would do; nothing is written. Refuses a database already in the 2025 tree."""
    scope, code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
    if not scope or not code:
        raise UserError("Cơ sở dữ liệu chưa được khởi tạo phạm vi (xã/huyện); không có gì để chuyển đổi.")
    if (settings.get(conn, settings.TREE) or TREE_2022) == TREE_2025:
        raise UserError("Cơ sở dữ liệu đã dùng danh mục đơn vị từ 01/07/2025; không cần chuyển đổi.")
    if scope not in ("commune", "district"):
        raise UserError("Chỉ chuyển đổi được cơ sở dữ liệu của một xã hoặc một huyện.")
    cat = load_catalog(conn)
    olds = _old_codes(conn)
    if scope == "commune" and code not in olds:
        olds.append(code)
    succ = _successors(cat, olds)
    counts = dict(conn.execute("SELECT commune_code, count(*) FROM household GROUP BY commune_code").fetchall())
    groups: dict[str, NewCommune] = {}
    for old in olds:
        new = succ[old]
        nc = groups.setdefault(new, NewCommune(new, cat.get(new, TREE_2025).name))
        nc.old.append((old, cat.get(old, TREE_2022).name, counts.get(old, 0)))
    for nc in groups.values():
        with_households = [o for o in nc.old if o[2]]
        keep = next((o for o in with_households if o[0] == nc.code), with_households[0] if with_households else None)
        nc.kept, nc.kept_code = (f"{keep[1]} ({keep[0]})", keep[0]) if keep else ("", "")
        nc.renumbered = sum(o[2] for o in with_households if keep is not None and o[0] != keep[0])
    if scope == "commune":
        new_scope, new_code = "commune", succ[code]
    else:
        province = next((u.code for u in cat.list(TREE_2025, "province")), None)
        if province is None:
            raise UserError("Danh mục 2025 không có đơn vị cấp tỉnh.")
        new_scope, new_code = "province", province
    rounds = conn.execute("SELECT count(*) FROM review_round WHERE reference_date >= ?", (FIRST_2025_DAY,)
                          ).fetchone()[0]
    reviews = conn.execute("SELECT count(*) FROM review WHERE reference_date >= ?", (FIRST_2025_DAY,)).fetchone()[0]
    villages = conn.execute("SELECT count(*) FROM village").fetchone()[0]
    return ConversionPlan(scope, code, new_scope, new_code, sorted(groups.values(), key=lambda c: c.code),
                          sum(counts.values()), villages, rounds, reviews)


def _bump(conn, table: str, uid: str, values: dict, user: str, origin: str, at: str, reason: str) -> None:
    row = conn.execute(f"SELECT * FROM {table} WHERE uid=?", (uid,)).fetchone()
    old = {k: row[k] for k in values}
    if not audit.diff(old, values):
        return
    sets = ", ".join(f"{k}=?" for k in values)
    conn.execute(f"UPDATE {table} SET {sets}, rev=rev+1, updated_at=?, updated_by=?, origin=? WHERE uid=?",
                 (*values.values(), at, user, origin, uid))
    audit.record_change(conn, table, uid, old, values, user, reason, origin, at)


def _number_width(numbers: list[str]) -> int:
    return max((len(n) for n in numbers if n.isdigit()), default=4)


def _apply(conn: sqlite3.Connection, plan: ConversionPlan, user: str, at: str) -> None:
    origin = local_origin(conn)
    succ = {old: nc.code for nc in plan.communes for old, _, _ in nc.old}
    # villages: re-parented, ids unchanged
    for uid, code in conn.execute("SELECT uid, commune_code FROM village").fetchall():
        _bump(conn, "village", uid, {"commune_code": succ[code]}, user, origin, at, REASON)
    # households: successor code; the households of all but one former commune numbered after the kept ones
    for nc in plan.communes:
        olds = [o[0] for o in nc.old]
        kept = nc.kept_code
        rows = conn.execute(
            f"SELECT uid, commune_code, household_no FROM household WHERE commune_code IN ({','.join('?' * len(olds))})"
            " ORDER BY commune_code = ? DESC, commune_code, household_no, uid", (*olds, kept)).fetchall()
        kept_numbers = [r["household_no"] for r in rows if r["commune_code"] == kept]
        width = _number_width([r["household_no"] for r in rows])
        nxt = max((int(n) for n in kept_numbers if n.isdigit()), default=0) + 1
        taken = set(kept_numbers)
        for r in rows:
            values = {"commune_code": nc.code}
            if r["commune_code"] != kept:
                while str(nxt).zfill(width) in taken:
                    nxt += 1
                values["household_no"] = str(nxt).zfill(width)
                taken.add(values["household_no"])
                nxt += 1
            reason = REASON if "household_no" not in values else (
                f"{REASON}; số hộ cũ {r['household_no']} của xã {r['commune_code']}")
            _bump(conn, "household", r["uid"], values, user, origin, at, reason)
    # rounds and reviews from 01/07/2025: the successor code; two rounds of one new commune become one
    rounds = conn.execute("SELECT uid, commune_code, kind, review_year, coalesce(month, 0) AS month FROM review_round"
                          " WHERE reference_date >= ? ORDER BY commune_code, uid", (FIRST_2025_DAY,)).fetchall()
    kept_round: dict[tuple, str] = {}
    for r in rounds:
        key = (succ.get(r["commune_code"], r["commune_code"]), r["kind"], r["review_year"], r["month"])
        if key in kept_round:
            for (ruid,) in conn.execute("SELECT uid FROM review WHERE round_uid=?", (r["uid"],)).fetchall():
                _bump(conn, "review", ruid, {"round_uid": kept_round[key]}, user, origin, at, REASON)
            for table in _round_children(conn):
                conn.execute(f"DELETE FROM {table} WHERE round_uid=?", (r["uid"],))
            old = dict(r)
            conn.execute("DELETE FROM review_round WHERE uid=?", (r["uid"],))
            audit.record_change(conn, "review_round", r["uid"], old, None, user,
                                f"{REASON}; gộp vào đợt {kept_round[key]}", origin, at)
        else:
            kept_round[key] = r["uid"]
            _bump(conn, "review_round", r["uid"], {"commune_code": key[0]}, user, origin, at, REASON)
    for r in conn.execute("SELECT uid, commune_code FROM review WHERE reference_date >= ?", (FIRST_2025_DAY,)
                          ).fetchall():
        if r["commune_code"] in succ:
            _bump(conn, "review", r["uid"], {"commune_code": succ[r["commune_code"]]}, user, origin, at, REASON)
    refresh_current(conn)
    summary = {"at": at, "by": user, "from": {"scope": plan.scope, "code": plan.scope_code, "tree": TREE_2022},
               "map": succ}
    settings_rows = {settings.SCOPE: plan.new_scope, settings.SCOPE_CODE: plan.new_scope_code,
                     settings.TREE: TREE_2025, CONVERTED_SETTING: json.dumps(summary, ensure_ascii=False)}
    for key, value in settings_rows.items():
        old = settings.get(conn, key)
        conn.execute("INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                     (key, value))
        audit.record_change(conn, "setting", key, {"value": old}, {"value": value}, user, REASON, origin, at)


def _round_children(conn: sqlite3.Connection) -> list[str]:
    """Tables (besides review) whose rows belong to one round (meetings, postings, decisions)."""
    out = []
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info({name})")}
        if "round_uid" in cols and name not in ("review", "review_round"):
            out.append(name)
    return out


def conversion_backup_path(db_path: str | Path, now: dt.datetime | None = None) -> Path:
    p = Path(db_path)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return p.with_name(f"{p.stem}.truoc-chuyen-doi-2025-{stamp}.sqlite")


def convert(conn: sqlite3.Connection, db_path: str | Path, user: str,
            combine: list[str | Path] | None = None) -> tuple[ConversionPlan, Path]:
    """Back up, (combine,) convert. Returns the plan carried out and the backup that reverses it."""
    require(conn, R.SETUP)
    others = [Path(p) for p in combine or []]
    for path in others:
        if not path.exists():
            raise UserError(f"Không tìm thấy cơ sở dữ liệu {path}.")
    plan_conversion(conn)  # refuse early (already converted, not scoped) before any copy is made
    backup = backup_to(conn, conversion_backup_path(db_path))
    at = audit.now_iso()
    aliases = []
    try:
        for i, path in enumerate(others):  # ATTACH is refused inside a transaction
            attach(conn, path, f"other{i}")
            aliases.append((f"other{i}", path))
        with transaction(conn):
            for alias, path in aliases:
                _combine(conn, alias, path, user, at)
            plan = plan_conversion(conn)
            _apply(conn, plan, user, at)
    finally:
        for alias, _ in aliases:
            conn.execute(f"DETACH DATABASE {alias}")
    return plan, backup


# --- combining the databases of former communes -------------------------------------------------------

def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _combine(conn: sqlite3.Connection, alias: str, path: Path, user: str, at: str) -> None:
    """Copy the records of another former commune's database into this one (same schema, 2022 tree)."""
    mine = conn.execute("SELECT max(version) FROM main.schema_migration").fetchone()[0]
    theirs = conn.execute(f"SELECT max(version) FROM {alias}.schema_migration").fetchone()[0]
    if mine != theirs:
        raise UserError(f"{path.name}: lược đồ phiên bản {theirs}, khác cơ sở dữ liệu này ({mine}); hãy mở "
                        "tệp đó bằng phiên bản bkdesk hiện tại trước.")
    other = dict(conn.execute(f"SELECT key, value FROM {alias}.setting").fetchall())
    if (other.get(settings.TREE) or TREE_2022) != TREE_2022 or other.get(settings.SCOPE) != "commune":
        raise UserError(f"{path.name}: chỉ gộp được cơ sở dữ liệu của một xã theo danh mục 2022.")
    for table in COMBINED_TABLES:
        cols = _columns(conn, "main", table)
        if cols != _columns(conn, alias, table):
            raise UserError(f"{path.name}: bảng {table} khác cấu trúc; không gộp được.")
        names = ", ".join(cols)
        conn.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM {alias}.{table}")
    cols = ", ".join(c for c in _columns(conn, "main", "audit_log") if c != "id")
    conn.execute(f"INSERT INTO main.audit_log ({cols}) SELECT {cols} FROM {alias}.audit_log ORDER BY id")
    audit.record_change(conn, "setting", "combined_from", None,
                        {"value": f"{path.name}: xã {other.get(settings.SCOPE_CODE)}"}, user,
                        "Gộp cơ sở dữ liệu của xã cũ trước khi chuyển đổi mã đơn vị 2025", local_origin(conn), at)


def converted_summary(conn: sqlite3.Connection) -> dict | None:
    raw = settings.get(conn, CONVERTED_SETTING)
    return json.loads(raw) if raw else None
