"""Merge sync packages into a district/province database (or a commune's own, on a new laptop).

Every file is verified whole before anything is written (format, signature, signer trusted for its
unit, every record inside the unit); the files that pass are applied in ONE transaction (taken after one
automatic backup), so a cancel or a crash leaves the database as it was.
Per record, by version identity (content hash + the hashes it descends from), never by revision number:
the same content is unchanged; a version that descends from ours updates it; one ours descends from
changes nothing; anything else (two different edits of one version, from two laptops, a copied database
or a restored backup) is one conflict for a person. Tombstones (deletions) follow the same rules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import multiprocessing
import os
import pickle
import threading
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync import recipients, sealing, signing
from bkdesk.export.sync.conflicts import DELETED, TABLE_VI, refresh_household_keys
from bkdesk.export.sync.package import (
    LEVEL_VI,
    Package,
    PackageError,
    check_round_year,
    data_indexes,
    expected_tree,
    package_schema,
    read_package,
)
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules import roles
from bkdesk.model.rules.fmt import dmy
from bkdesk.model.rules.units import TREE_2022, TREE_2025, tree_on
from bkdesk.model.store import access, audit, repo_sync, settings
from bkdesk.model.store.bulk import LazyTransaction
from bkdesk.model.store.db import auto_backup
from bkdesk.model.store.repo_units import load_catalog

log = logging.getLogger(__name__)

MERGED, ALREADY, REJECTED = "merged", "already", "rejected"
STATUS_VI = {MERGED: "Đã nhập", ALREADY: "Đã nhập trước đó", REJECTED: "Bị từ chối"}
CATEGORIES = ("added", "updated", "unchanged", "conflicts", "deleted")
CATEGORY_VI = {"added": "Thêm mới", "updated": "Cập nhật", "unchanged": "Không đổi", "conflicts": "Xung đột",
               "deleted": "Đã xóa", "duplicates": "Có thể trùng hộ"}


@dataclass
class ConflictLine:
    """One conflicting field for the merge report (a deletion is one line with field "(bản ghi)")."""
    household: str  # household code and head's name
    table: str
    field: str
    local: str
    incoming: str
    local_origin: str  # officer, installation, time of the version held here
    incoming_origin: str


@dataclass
class PackageResult:
    file: str
    status: str
    message: str = ""
    unit_code: str = ""
    unit_name: str = ""
    round: str = ""
    checksum: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    households: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)
    conflicts: list[ConflictLine] = field(default_factory=list)
    installation: str = ""
    officer: str = ""
    fingerprint: str = ""
    public_key: str = ""
    untrusted_first_key: bool = False  # rejected only because its unit has no trusted key yet
    needs_passphrase: bool = False  # rejected because it is locked by a passphrase not given (or wrong)

    def as_dict(self) -> dict:
        return {"file": self.file, "status": self.status, "message": self.message, "unit_code": self.unit_code,
                "round": self.round, "counts": self.counts, "households": self.households,
                "duplicates": len(self.duplicates), "installation_id": self.installation, "officer": self.officer,
                "key_fingerprint": self.fingerprint}


@dataclass
class MergeReport:
    results: list[PackageResult] = field(default_factory=list)
    backup: Path | None = None

    @property
    def exit_code(self) -> int:
        bad = any(r.status == REJECTED or r.counts["conflicts"] for r in self.results)
        return 1 if bad else 0


# --- scope and tree ------------------------------------------------------------------------------------

def check_scope(conn: sqlite3.Connection, pkg: Package) -> dict[str, str]:
    """Refuse a package outside the database's scope or with codes inconsistent with its tree.

    Returns the commune code mapping to apply (2022 code -> 2025 successor when the database uses the
    2025 tree; identity otherwise)."""
    name, m = pkg.path.name, pkg.manifest
    cat = load_catalog(conn)
    db_tree = settings.get(conn, settings.TREE) or TREE_2022
    scope, scope_code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
    if not scope_code:
        raise PackageError("Cơ sở dữ liệu chưa được khởi tạo phạm vi (xã/huyện/tỉnh); không thể nhập gói.")
    tree, code = m["unit_tree"], m["unit_code"]
    if tree not in (TREE_2022, TREE_2025) or cat.find(code, tree) is None:
        raise PackageError(f"Tệp {name}: mã đơn vị {code} không có trong danh mục {tree}.")
    unit = cat.get(code, tree)
    try:
        review_year = int(m["round"])
        check_round_year(review_year)
    except (ValueError, UserError):
        raise PackageError(f"Tệp {name}: năm rà soát «{m['round']}» không hợp lệ.") from None
    if tree == TREE_2022 and expected_tree(review_year) != TREE_2022:
        heir = f" ({unit.name} {code} → {unit.successor_code}, hết hiệu lực sau ngày {dmy(unit.valid_to)})" if (
            unit.successor_code and unit.valid_to) else ""
        raise PackageError(f"Tệp {name}: gói năm rà soát {review_year} dùng mã đơn vị cũ (2022){heir}; hãy chuyển"
                           " đổi cơ sở dữ liệu của xã sang danh mục 2025 (bkdesk convert-units) rồi xuất lại.")
    if db_tree == TREE_2022 and tree == TREE_2025:
        raise PackageError(f"Tệp {name} dùng danh mục đơn vị từ 01/07/2025, còn cơ sở dữ liệu này dùng danh mục"
                           " 2022; không thể nhập.")
    communes = {u.code for u in cat.communes_under(code, tree)}
    mapping = {c: c for c in communes}
    if tree == TREE_2022 and db_tree == TREE_2025:
        mapping = {c: cat.get(c, TREE_2022).successor_code or "" for c in communes}
    allowed = {u.code for u in cat.communes_under(scope_code, db_tree)} if cat.find(scope_code, db_tree) else set()
    if not set(mapping.values()) <= allowed:
        scope_unit = cat.find(scope_code, db_tree)
        raise PackageError(f"Tệp {name}: gói của {unit.name} ({code}) không thuộc phạm vi"
                           f" {LEVEL_VI.get(scope or '', '')} {scope_unit.name if scope_unit else scope_code}"
                           " của cơ sở dữ liệu này; không nhập.")
    _check_records(pkg, cat, communes, tree)
    return mapping


def _check_rounds(conn: sqlite3.Connection, pkg: Package) -> None:
    """Refuse a package whose review round is another lineage of a round already here: the same commune,
    kind and year opened in a different database (a laptop set up again from scratch). Its households
    would arrive as different records of the same families; a person must choose which database is the
    commune's, so nothing is written."""
    header, rows = pkg.tables["review_round"]
    ui, ci, ki, yi = (header.index(c) for c in ("uid", "commune_code", "kind", "review_year"))
    mi = header.index("month") if "month" in header else None
    for r in rows:
        code = r[ci]  # rounds keep the code they were opened under (_map_codes maps villages and households)
        try:
            year, month = int(r[yi]), int(r[mi]) if mi is not None and r[mi] not in (None, "") else None
        except (TypeError, ValueError):
            raise PackageError(f"Tệp {pkg.path.name}: năm rà soát «{r[yi]}» của đợt {r[ui]} không hợp lệ.") from None
        here = repo_sync.round_uid_with_key(conn, code, r[ki], year, month)
        if here is not None and here != r[ui]:
            raise PackageError(
                f"Tệp {pkg.path.name}: đợt rà soát năm {year} của xã {code} trong gói được mở trên một cơ sở dữ liệu"
                " khác với đợt đã nhập trước đây (có thể xã đã cài lại máy và nhập lại từ đầu); không nhập để"
                " tránh trùng hộ. Hãy liên hệ xã để xuất gói từ cơ sở dữ liệu đã gửi trước đây (hoặc khôi phục"
                " bản sao lưu của nó).")
    header, rows = pkg.tables["round_decision"]
    ui, ri, ni, di = (header.index(c) for c in ("uid", "round_uid", "number", "decision_date"))
    for r in rows:  # one decision per round: another one recorded here for the same round is for a person
        here = repo_sync.round_decision_of(conn, r[ri])
        if here is not None and here["uid"] != r[ui]:
            raise PackageError(
                f"Tệp {pkg.path.name}: đợt rà soát {r[ri]} đã có quyết định số {here['number']} ngày"
                f" {dmy(here['decision_date'])} ở đây, khác với quyết định số {r[ni]} ngày {dmy(r[di])} trong gói"
                " (ghi trên hai máy khác nhau); không nhập. Hãy thống nhất với xã quyết định nào đúng.")


def _check_records(pkg: Package, cat, communes: set[str], tree: str) -> None:
    """Every record belongs to the package's unit: its communes, their villages and households, and the
    members, reviews, events... of those households; one record outside refuses the whole package."""
    name = pkg.path.name

    def outside(table: str, uid: str, why: str) -> PackageError:
        return PackageError(f"Tệp {name}: bản ghi {TABLE_VI.get(table, table).lower()} {uid} {why}, không thuộc"
                            f" đơn vị của gói ({pkg.manifest['unit_code']}); không nhập cả gói.")

    def belongs(code) -> bool:  # a commune of the unit, or (reviews before 07/2025) its 2022 predecessor
        if code in communes:
            return True
        old = cat.find(code, TREE_2022) if code else None
        return old is not None and old.successor_code in communes

    tombs = pkg.tables[fmt.TOMBSTONE_TABLE][1]
    dead_hh = {t[1] for t in tombs if t[0] == "household" and t[2] in communes}
    villages, households, rounds = set(), set(), set()
    header, data = pkg.tables["village"]
    ci, ki = header.index("commune_code"), header.index("uid")
    for r in data:
        if r[ci] not in communes:
            raise outside("village", r[ki], f"của xã {r[ci]}")
        villages.add(r[ki])
    header, data = pkg.tables["household"]
    ci, ki, vi = header.index("commune_code"), header.index("uid"), header.index("village_uid")
    for r in data:
        if r[ci] not in communes:
            raise outside("household", r[ki], f"của xã {r[ci]}")
        if r[vi] is not None and r[vi] not in villages:
            raise outside("household", r[ki], f"ở thôn {r[vi]} ngoài gói")
        households.add(r[ki])
    header, data = pkg.tables["review_round"]
    rounds = {r[header.index("uid")] for r in data}
    known = villages | households | rounds | {t[1] for t in tombs}
    for table in repo_sync.ROUND_RECORDS:  # a meeting, posting or decision of one of the package's rounds
        header, data = pkg.tables[table]
        ki, ri = header.index("uid"), header.index("round_uid")
        vi = header.index("village_uid") if "village_uid" in header else None
        for r in data:
            if r[ri] not in rounds:
                raise outside(table, r[ki], f"thuộc đợt rà soát {r[ri]} ngoài gói")
            if vi is not None and r[vi] is not None and r[vi] not in villages:
                raise outside(table, r[ki], f"ở thôn {r[vi]} ngoài gói")
            known.add(r[ki])
    for table in ("member", "housing", "household_event", "review", "exit_registration"):
        header, data = pkg.tables[table]
        hi, ki = header.index("household_uid"), header.index(repo_sync.SPECS[table].key)
        for r in data:
            if r[hi] not in households:
                raise outside(table, r[ki], f"của hộ {r[hi]} ngoài gói")
            known.add(r[ki])
    header, data = pkg.tables["review"]
    ci, ki, ri, vi = (header.index(c) for c in ("commune_code", "uid", "round_uid", "village_uid"))
    for r in data:
        if not belongs(r[ci]):
            raise outside("review", r[ki], f"của xã {r[ci]}")
        if r[ri] is not None and r[ri] not in rounds:
            raise outside("review", r[ki], f"thuộc đợt rà soát {r[ri]} ngoài gói")
        if r[vi] is not None and r[vi] not in villages:
            raise outside("review", r[ki], f"ở thôn {r[vi]} ngoài gói")
    for t in tombs:
        table, uid, scope = t[0], t[1], t[2]
        if table not in repo_sync.SPECS:
            raise outside(table, uid, "(bảng không đồng bộ)")
        if table in repo_sync.COMMUNE_SCOPED:
            if scope not in communes:
                raise outside(table, uid, f"(đã xóa) của xã {scope}")
        elif scope not in households and scope not in dead_hh:
            raise outside(table, uid, f"(đã xóa) của hộ {scope} ngoài gói")
    audit_header = list(repo_sync.AUDIT_COLUMNS)
    ti, ui = audit_header.index("table_name"), audit_header.index("record_uid")
    for r in pkg.tables[fmt.AUDIT_TABLE][1]:
        if r[ti] in repo_sync.SPECS and r[ui] not in known:
            raise outside(r[ti], r[ui], "(nhật ký thay đổi) không có trong gói")
    for table in ("review_round", "review"):
        header, data = pkg.tables[table]
        ci, di = header.index("commune_code"), header.index("reference_date")
        for r in data:
            try:
                on = dt.date.fromisoformat(r[di])
            except (TypeError, ValueError):
                raise PackageError(f"Tệp {name}: ngày tham chiếu «{r[di]}» không hợp lệ.") from None
            if tree == TREE_2022 and tree_on(on) != TREE_2022:
                raise PackageError(f"Tệp {name}: phiếu ngày {on:%d/%m/%Y} (sau 30/06/2025) trong gói dùng mã đơn"
                                   f" vị cũ ({cat.not_in_force_text(r[ci], on)}); không nhập.")
            if cat.find(r[ci], tree_on(on)) is None:
                raise PackageError(f"Tệp {name}: {cat.not_in_force_text(r[ci], on)}.")
            if table == "review_round" and not belongs(r[ci]):
                raise PackageError(f"Tệp {name}: đợt rà soát của xã {r[ci]} không thuộc đơn vị của gói ("
                                   f"{pkg.manifest['unit_code']}); không nhập cả gói.")


# --- apply ---------------------------------------------------------------------------------------------

def _local_identity(local, idx: list[int], state) -> tuple[str, str]:
    """(content hash, ancestry) of the version held here: edits since the last sync descend from it."""
    vhash = fmt.content_hash([local[i] for i in idx])
    if state is None:
        return vhash, ""
    return vhash, fmt.ancestry_after(state[0], state[1] or "", vhash)


def _decide(lh: str, lanc: str, ih: str, ianc: str) -> str:
    if ih == lh:
        return "unchanged"
    if lh in ianc.split():
        return "updated"  # the incoming version was edited from ours (or from a descendant of ours)
    if ih in lanc.split():
        return "unchanged"  # ours was edited from the incoming version: we are newer
    return "conflicts"  # two different edits of one version (two laptops, a copy, a restored backup)


def _who(d: dict) -> str:
    origin = d.get("origin") or ""
    parts = [d.get("updated_by") or "(không rõ người sửa)", f"máy {origin[:8]}" if origin else "",
             d.get("updated_at") or ""]
    return ", ".join(p for p in parts if p)


def _label(hh_names: dict, conn, table: str, row: dict) -> str:
    hh = row.get("uid") if table == "household" else row.get("household_uid")
    if hh in hh_names:
        return hh_names[hh]
    return repo_sync.household_label(conn, table, row.get("uid") or row.get("household_uid") or "")


def _record_conflict(conn, table: str, uid: str, local: dict, incoming: dict, result: PackageResult,
                     hh_names: dict) -> None:
    payload = json.dumps(incoming, ensure_ascii=False, sort_keys=True)
    if payload not in repo_sync.open_conflict_payloads(conn, table, uid):
        repo_sync.add_conflict(conn, table, uid, local, incoming, result.checksum)
    label = _label(hh_names, conn, table, local if DELETED not in local else incoming)
    if DELETED in local or DELETED in incoming:
        result.conflicts.append(ConflictLine(label, table, "(bản ghi)",
                                             "đã xóa" if DELETED in local else "còn, đã sửa",
                                             "đã xóa" if DELETED in incoming else "còn, đã sửa",
                                             _who(local), _who(incoming)))
        return
    skip = set(repo_sync.META) | repo_sync.DERIVED.get(table, set()) | set(repo_sync.BASE)
    for k, v in incoming.items():
        if k in skip or k == repo_sync.SPECS[table].key:
            continue
        if json.dumps(local.get(k), ensure_ascii=False) != json.dumps(v, ensure_ascii=False):
            result.conflicts.append(ConflictLine(label, table, k, "" if local.get(k) is None else str(local.get(k)),
                                                 "" if v is None else str(v), _who(local), _who(incoming)))


def _apply_table(conn, table: str, header: list[str], rows: list[list], result: PackageResult,
                 touched: set[str], hh_names: dict, bulk: _Bulk | None = None) -> list[str]:
    spec = repo_sync.SPECS[table]
    n = len(header) - len(repo_sync.BASE)
    cols = [c for c, _ in repo_sync.table_columns(conn, table)]
    ki = header.index(spec.key)
    hi = header.index("household_uid") if "household_uid" in header else None
    ri, oi = header.index("rev"), header.index("origin")
    idx = data_indexes(table, header)
    keys = [r[ki] for r in rows]
    local = repo_sync.local_rows(conn, table, keys, parts=False)
    if local and bulk is not None:
        bulk.flush(conn)  # staged sync states and review parts are read (or replaced) below: in place first
    if local and table == "review":
        local = repo_sync.review_parts(conn, local)
    states = repo_sync.sync_states(conn, table, keys) if local else {}
    tombs = repo_sync.local_tombstones(conn, table, keys) if repo_sync.has_tombstones(conn, table) else {}
    write, children, synced, replaced = [], {name: [] for name in repo_sync.CHILDREN}, [], []
    if not local and not tombs:  # nothing of it here yet (a bulk merge, a first import): every row is added
        nc = len(cols)
        write = [tuple(r[:nc]) for r in rows]
        if table == "review":
            replaced = [False] * len(rows)
            for j, name in enumerate(repo_sync.CHILDREN):
                children[name] = [(r[ki], r[nc + j]) for r in rows]
        synced = [(r[ki], r[ri], r[oi], r[n], r[n + 1] or "") for r in rows]
        result.counts["added"] += len(rows)
        if table == "household":
            result.households["added"] += len(rows)
        rows = []
    for r in rows:
        inc, ih, ianc = r[:n], r[n], r[n + 1] or ""
        uid = inc[ki]
        loc = local.get(uid)
        if loc is None:
            kind = "added"
            if uid in tombs:  # deleted here: the incoming version is the deleted one or older, or a new edit
                th, tanc = tombs[uid]
                if ih == th or ih in tanc.split():
                    kind = "unchanged"
                else:
                    kind = "conflicts"
                    _record_conflict(conn, table, uid, {DELETED: "1", "_vhash": th, "_ancestors": tanc},
                                     dict(zip(header, r, strict=True)), result, hh_names)
        else:
            lh, lanc = _local_identity(loc, idx, states.get(uid))
            kind = _decide(lh, lanc, ih, ianc)
            if kind == "conflicts":
                _record_conflict(conn, table, uid, {**dict(zip(header[:n], loc, strict=True)), "_vhash": lh,
                                                    "_ancestors": lanc}, dict(zip(header, r, strict=True)),
                                 result, hh_names)
            elif kind == "unchanged" and ih == lh and states.get(uid, (None,))[0] != ih:
                synced.append((uid, inc[ri], inc[oi], ih, fmt.merge_ancestry(ianc, lanc)))
        if kind in ("added", "updated"):
            write.append(tuple(inc[:len(cols)]))
            if table == "member" and kind == "updated":
                touched.add(inc[hi])
            if table == "review":
                replaced.append(loc is not None)
                for j, name in enumerate(repo_sync.CHILDREN):
                    children[name].append((uid, inc[len(cols) + j]))
            synced.append((uid, inc[ri], inc[oi], ih, ianc))
        result.counts[kind] += 1
        if table == "household":
            result.households[kind] += 1
    repo_sync.upsert_rows(conn, table, cols, write, refresh=bulk is None)
    if table == "review":
        repo_sync.replace_review_children(conn, children, existing=replaced, staged=bulk is not None)
    repo_sync.set_sync_states(conn, table, synced, staged=bulk is not None)
    return keys


def _apply_tombstones(conn, pkg: Package, result: PackageResult, touched: set[str], hh_names: dict,
                      bulk: _Bulk | None = None) -> None:
    """Deletions, children before parents, by the same rules as edits: a record is deleted when the
    deleted version is ours or descends from ours; a concurrent edit here makes a conflict."""
    order = {t.name: i for i, t in enumerate(repo_sync.TABLES)}
    by_table: dict[str, list] = {}
    for t in pkg.tables[fmt.TOMBSTONE_TABLE][1]:
        by_table.setdefault(t[0], []).append(t)
    for table in sorted(by_table, key=lambda t: -order[t]):
        rows = by_table[table]
        keys = [t[1] for t in rows]
        local = repo_sync.local_rows(conn, table, keys)
        if local and bulk is not None:
            bulk.flush(conn)  # the states read below and the parts a deletion takes with it: in place first
        states = repo_sync.sync_states(conn, table, keys)
        cols = repo_sync.package_columns(conn, table)[:-len(repo_sync.BASE)]
        idx = data_indexes(table, cols)
        gone, keep = [], []
        for t in rows:
            uid, th, tanc = t[1], t[5], t[6] or ""
            loc = local.get(uid)
            if loc is None:
                keep.append(t)  # not here (or already deleted): keep the tombstone so that it travels on
                continue
            lh, lanc = _local_identity(loc, idx, states.get(uid))
            kind = "deleted" if lh == th or lh in tanc.split() else "conflicts"
            if kind == "deleted" and table == "village" and repo_sync.village_in_use(conn, uid):
                kind = "conflicts"  # households or reviews here still name it
            if kind == "deleted":
                gone.append(uid)
                keep.append(t)
                if table == "member":
                    touched.add(loc[cols.index("household_uid")])
            else:
                _record_conflict(conn, table, uid, {**dict(zip(cols, loc, strict=True)), "_vhash": lh,
                                                    "_ancestors": lanc},
                                 {DELETED: "1", "_vhash": th, "_ancestors": tanc, "updated_at": t[3],
                                  "origin": t[4], "updated_by": ""}, result, hh_names)
            result.counts[kind] += 1
            if table == "household":
                result.households[kind] += 1
        repo_sync.put_tombstones(conn, [tuple(t) for t in keep])
        repo_sync.delete_rows(conn, table, gone)


def _map_codes(pkg: Package, mapping: dict[str, str]) -> None:
    if all(k == v for k, v in mapping.items()):
        return
    for table in ("village", "household"):
        header, rows = pkg.tables[table]
        ci = header.index("commune_code")
        for r in rows:
            r[ci] = mapping[r[ci]]
    for t in pkg.tables[fmt.TOMBSTONE_TABLE][1]:
        if t[0] in ("village", "household") and t[2] in mapping:
            t[2] = mapping[t[2]]


def _new_audit_rows(conn, rows: list[list]) -> list[tuple]:
    """Audit entries not yet stored: history that reached us by another path (a re-imported package on
    a second laptop, a commune then its district) is kept once."""
    have = repo_sync.existing_audit(conn, {(r[2], r[3]) for r in rows})
    out = []
    for r in rows:
        t = tuple(r)
        if have[t] > 0:
            have[t] -= 1
        else:
            out.append(t)
    return out


@dataclass
class _Bulk:
    """A merge of many packages into an empty database: secondary indexes dropped and built once at the
    end, sync states and review parts staged and moved in key order (repo_sync.STAGED), the history
    deduplicated in memory, rosters' derived keys and current reviews refreshed once."""
    indexes: list[tuple[str, str]]
    audit: Counter
    touched: set[str] = field(default_factory=set)
    # household -> the packages (in merge order) that carried it, and each package's result and checksum
    carried: dict[str, list[int]] = field(default_factory=dict)
    packages: list[tuple[PackageResult, str]] = field(default_factory=list)

    @classmethod
    def start(cls, conn) -> _Bulk:
        repo_sync.stage_tables(conn)
        return cls(repo_sync.defer_indexes(conn), repo_sync.audit_fingerprints(conn))

    def flush(self, conn) -> None:
        """Move what is staged into its tables (a record arrives again: its state and parts are read)."""
        repo_sync.flush_staged(conn)

    def new_audit_rows(self, rows: list[list]) -> list[tuple]:
        rows = list(map(tuple, rows))
        hashes = list(map(hash, rows))
        if self.audit.keys().isdisjoint(hashes) and len(set(hashes)) == len(hashes):
            self.audit.update(hashes)  # nothing of it stored yet (a commune's own history): all new
            return rows
        used: Counter = Counter()
        out = []
        for r in rows:
            t = tuple(r)
            h = hash(t)
            if self.audit[h] - used[h] > 0:
                used[h] += 1
            else:
                out.append(t)
        for t in out:
            self.audit[hash(t)] += 1
        return out

    def carry(self, pkg: Package, result: PackageResult) -> None:
        header, rows = pkg.tables["household"]
        ki = header.index("uid")
        n = len(self.packages)
        self.packages.append((result, pkg.checksum))
        for r in rows:
            self.carried.setdefault(r[ki], []).append(n)

    def finish(self, conn) -> None:
        repo_sync.flush_staged(conn, drop=True)
        repo_sync.rebuild_indexes(conn, self.indexes)
        refresh_household_keys(conn, sorted(self.touched))
        # possible duplicates as the row-by-row merge finds them: a package's household against households
        # already here when that package was applied (before this merge, or carried by it or an earlier one)
        per: list[list] = [[] for _ in self.packages]
        for dup in repo_sync.all_duplicates(conn, self.carried):
            other = self.carried.get(dup[2])
            for p in self.carried[dup[1]]:
                if other is None or other[0] <= p:
                    per[p].append(dup)
        at = audit.now_iso()
        for (result, checksum), dups in zip(self.packages, per, strict=True):
            result.duplicates = dups
            repo_sync.record_duplicates(conn, dups, checksum, at)
            repo_sync.set_ledger_report(conn, checksum, result.as_dict())


MERGE_CACHE_KIB = 160_000  # page cache while merging (measured: 256 MB took the merge over 500 MB in all)
# The page cache while a bulk merge moves its staged rows and builds its indexes: their sorts are held in
# memory (temp_store=MEMORY: temp files would not be encrypted), so the cache gives them room (measured at
# 81,480 households: peak 381 MB with 40 MB; moves every 300,000 rows instead kept the big cache but copied
# every page they touched into the statement journal, 455 MB).
FINISH_CACHE_KIB = 40_000
BULK_MIN_FILES = 8  # an empty database and at least this many files: build the indexes once at the end


def apply_package(conn: sqlite3.Connection, pkg: Package, mapping: dict[str, str], user: str,
                  result: PackageResult, bulk: _Bulk | None = None) -> None:
    """Write one verified package inside the caller's transaction."""
    _map_codes(pkg, mapping)
    touched: set[str] = set()
    header, rows = pkg.tables["household"]
    ki, ni, hi = header.index("uid"), header.index("household_no"), header.index("head_name")
    hh_names = {r[ki]: f"Hộ {r[ni]} – {r[hi]}" for r in rows}
    for spec in repo_sync.TABLES:
        header, rows = pkg.tables[spec.name]
        _apply_table(conn, spec.name, header, rows, result, touched, hh_names, bulk)
    _apply_tombstones(conn, pkg, result, touched, hh_names, bulk)
    audit_rows = pkg.tables[fmt.AUDIT_TABLE][1]
    if bulk is None:
        refresh_household_keys(conn, sorted(touched))
        repo_sync.append_audit(conn, _new_audit_rows(conn, audit_rows))
    else:
        bulk.touched |= touched
        repo_sync.append_audit(conn, bulk.new_audit_rows(audit_rows))
    at = audit.now_iso()
    if bulk is None:
        header, rows = pkg.tables["member"]
        ui, ii = header.index("uid"), header.index("id_number")
        result.duplicates = repo_sync.find_duplicates(conn, [r[ui] for r in rows if r[ii]])
        repo_sync.record_duplicates(conn, result.duplicates, pkg.checksum, at)
    else:
        bulk.carry(pkg, result)
    result.status = MERGED
    repo_sync.add_ledger(conn, pkg.checksum, pkg.path.name, pkg.manifest["unit_code"], pkg.manifest["round"], at,
                         user, result.as_dict())
    m = pkg.manifest
    audit.record_change(conn, "import_ledger", pkg.checksum, None,
                        {"file": pkg.path.name, "unit_code": m["unit_code"], "round": m["round"],
                         "installation_id": m.get("installation_id", ""), "officer": m.get("officer", ""),
                         "key_fingerprint": pkg.fingerprint, "exported_at": m.get("exported_at", ""),
                         "conflicts": result.counts["conflicts"], "deleted": result.counts["deleted"]},
                        user, "Nhập gói dữ liệu", settings.get(conn, settings.INSTALLATION_ID) or "", at)


READ_AHEAD_MIN_FILES = 8  # below this a reader process costs more to start than it saves


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause Python's cycle collector while millions of row lists and tuples are made and dropped: each of
    its full passes walks every live row (a package's rows hold no reference cycles; reference counting
    frees them). It runs again, once, afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _reader_start() -> None:
    """In the reader process: end when the merging process ends, however it ends (killed, crashed), on
    every platform: the parent's sentinel (a pipe on POSIX, a process handle on Windows) is waited on.
    Its address space is bounded too (POSIX), so no package can take the machine's memory. The process only
    decodes packages (no reference cycles worth a collector pass)."""
    from bkdesk.export.sync.file_guard import limit_reader_memory

    gc.disable()
    limit_reader_memory()
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _read_verified(path: Path, schema: dict, keys: sealing.OpenKeys) -> bytes:
    """In the reader process (no connection, no job control: the caller checks for a cancel): the package,
    pickled (see _ReadAhead._wait)."""
    try:
        return pickle.dumps(read_package(path, None, schema=schema, keys=keys), pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        raise PackageError(f"Tệp {path.name} cần quá nhiều bộ nhớ để đọc (vượt giới hạn); không nhập.") from None


class _ReadAhead:
    """Verify and decode the files, for many files in a reader process that runs ahead of the caller.

    Each package is read and verified whole before it is handed over, so "verify everything before
    writing" holds per package; at most two packages are read ahead (bounded memory). A process, not a
    thread: a reading thread holds the GIL so often that SQLite's writes wait for it (measured slower)."""

    def __init__(self, files: list[Path], schema: dict, keys: sealing.OpenKeys):
        self._files, self._schema, self._keys = files, schema, keys
        self._pending: dict[int, Future] = {}
        self._pool = None
        if len(files) >= READ_AHEAD_MIN_FILES:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_reader_start)

    def _submit(self, i: int) -> None:
        if i < len(self._files) and i not in self._pending:
            self._pending[i] = self._pool.submit(_read_verified, self._files[i], self._schema, self._keys)

    def get(self, i: int, control: JobControl) -> Package:
        """Package ``i`` (in file order); raises its PackageError. Checks for a cancel while waiting. When
        the reader process dies or cannot start (no way to start Python?), the rest is read here."""
        if self._pool is not None:
            try:
                for j in range(i, i + 3):
                    self._submit(j)
                return self._wait(self._pending.pop(i), control)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                self._pending.clear()
        return read_package(self._files[i], None, control, self._schema, self._keys)

    @staticmethod
    def _wait(future: Future, control: JobControl) -> Package:
        while True:
            try:
                data = future.result(timeout=0.1)
            except FutureTimeout:
                control.check()
                continue
            # Decoded here, in the merging thread, when it is needed: decoded by the pool's result thread it
            # would hold the GIL while SQLite's inserts wait for it.
            return pickle.loads(data)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def merge_files(conn: sqlite3.Connection, db_path: str | Path, files: list[str | Path],
                control: JobControl = NO_CONTROL, user: str | None = None, trust_new: bool = False,
                passphrase: str | None = None) -> MergeReport:
    """Verify and merge the files (see _merge_files), with the cycle collector paused."""
    with _no_cyclic_gc():
        return _merge_files(conn, db_path, files, control, user, trust_new, passphrase)


def _merge_files(conn: sqlite3.Connection, db_path: str | Path, files: list[str | Path],
                 control: JobControl, user: str | None, trust_new: bool, passphrase: str | None) -> MergeReport:
    """Verify and merge the files; all accepted files are applied in one transaction.

    Packages are opened with this database's recipient key, or ``passphrase`` for those locked by one.
    ``trust_new``: a unit without a trusted key yet gets the key its package is signed with (recorded
    and audited; needs the SETUP permission); without it such a package is refused, naming the key's
    fingerprint."""
    access.require(conn, roles.MERGE)
    user = user if user is not None else settings.officer(conn)
    files = [Path(f) for f in files]
    report, seen, trusted_now, bulk = MergeReport(), set(), set(), None
    reader = _ReadAhead(files, package_schema(conn), recipients.open_keys(conn, passphrase))
    tx = LazyTransaction(conn, cache_kib=MERGE_CACHE_KIB)
    try:
        for i, f in enumerate(files):
            control.report(i, len(files), f"Đang xử lý {f.name} ({i + 1}/{len(files)})…")
            result = PackageResult(f.name, REJECTED)
            report.results.append(result)
            try:
                pkg = reader.get(i, control)
                m = pkg.manifest
                result.unit_code, result.unit_name, result.round = m["unit_code"], m.get("unit_name", ""), m["round"]
                result.checksum = pkg.checksum
                result.installation, result.officer = m.get("installation_id", ""), m.get("officer", "")
                result.fingerprint, result.public_key = pkg.fingerprint, m.get("public_key", "")
                if pkg.checksum in seen or repo_sync.ledger_entry(conn, pkg.checksum) is not None:
                    result.status, result.message = ALREADY, "Gói này đã nhập trước đó; không thay đổi gì."
                    continue
                mapping = check_scope(conn, pkg)
                _, register = signing.check_signer(conn, m, f.name, trust_new)
                if register and m["unit_code"] not in trusted_now:
                    access.require(conn, roles.SETUP)
                _check_rounds(conn, pkg)
            except signing.UntrustedKey as exc:
                result.message, result.untrusted_first_key = str(exc), exc.first
                continue
            except sealing.SealError as exc:
                result.message, result.needs_passphrase = str(exc), exc.needs_passphrase
                continue
            except (PackageError, access.PermissionDenied) as exc:
                result.message = str(exc)
                continue
            if not tx.open:
                report.backup = auto_backup(conn, db_path, "truoc-nhap-goi")
                wide = len(files) >= BULK_MIN_FILES and repo_sync.is_empty(conn)
                tx.begin(check_keys_at_end=wide)  # every reference checked once, before COMMIT
                if wide:
                    bulk = _Bulk.start(conn)
            if register and m["unit_code"] not in trusted_now:
                signing.trust_key(conn, m["unit_code"], pkg.fingerprint, user, public_key=m["public_key"],
                                  installation=m.get("installation_id", ""), officer=m.get("officer", ""),
                                  reason=f"Tin cậy khóa mới khi nhập gói {f.name} (--trust-new)")
                trusted_now.add(m["unit_code"])
            apply_package(conn, pkg, mapping, user, result, bulk)
            result.status, seen = MERGED, seen | {pkg.checksum}
            log.info("package %s (unit %s, round %s) applied", f.name, result.unit_code, result.round)
            del pkg
        control.report(len(files), len(files), "Đang ghi vào cơ sở dữ liệu…")
        if bulk is not None:
            tx.set_cache(FINISH_CACHE_KIB)
            bulk.finish(conn)
        tx.commit()
        if report.backup is not None:
            log.info("merge committed: %d of %d files applied", sum(r.status == MERGED for r in report.results),
                     len(files))
    finally:
        tx.close()
        reader.close()
    return report


def require_no_open_conflicts(conn: sqlite3.Connection) -> None:
    """For consolidated official reports: refuse while merge conflicts wait for a decision."""
    n = repo_sync.count_open_conflicts(conn)
    if n:
        raise UserError(f"Còn {n} xung đột dữ liệu chưa giải quyết sau khi tổng hợp; hãy giải quyết trước khi in"
                        " báo cáo chính thức.")
