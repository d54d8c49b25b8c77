"""Merge sync packages into a district/province database (or a commune's own, on a new laptop).

Every file is verified whole before anything is written; the files that pass are applied in ONE
transaction (taken after one automatic backup), so a cancel or a crash leaves the database as it was.
Per record: a missing record is added; a strictly newer revision from the same origin, or an edit made
from the very version we hold, updates it; edits on both sides become one conflict for a person.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import sqlite3
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync.conflicts import refresh_household_keys
from bkdesk.export.sync.package import (
    LEVEL_VI,
    Package,
    PackageError,
    check_round_year,
    expected_tree,
    package_schema,
    read_package,
)
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules.units import TREE_2022, TREE_2025, tree_on
from bkdesk.model.store import audit, repo_sync, settings
from bkdesk.model.store.bulk import LazyTransaction
from bkdesk.model.store.db import auto_backup
from bkdesk.model.store.repo_units import load_catalog

MERGED, ALREADY, REJECTED = "merged", "already", "rejected"
STATUS_VI = {MERGED: "Đã nhập", ALREADY: "Đã nhập trước đó", REJECTED: "Bị từ chối"}
CATEGORIES = ("added", "updated", "unchanged", "conflicts")
CATEGORY_VI = {"added": "Thêm mới", "updated": "Cập nhật", "unchanged": "Không đổi", "conflicts": "Xung đột",
               "duplicates": "Có thể trùng hộ"}


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

    def as_dict(self) -> dict:
        return {"file": self.file, "status": self.status, "message": self.message, "unit_code": self.unit_code,
                "round": self.round, "counts": self.counts, "households": self.households,
                "duplicates": len(self.duplicates)}


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
        raise PackageError(f"Tệp {name}: gói năm rà soát {review_year} dùng mã đơn vị cũ (2022); hãy chuyển đổi"
                           " cơ sở dữ liệu của xã sang danh mục 2025 rồi xuất lại.")
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


def _check_records(pkg: Package, cat, communes: set[str], tree: str) -> None:
    name = pkg.path.name
    for table in ("village", "household"):
        header, rows = pkg.tables[table]
        ci = header.index("commune_code")
        bad = next((r[ci] for r in rows if r[ci] not in communes), None)
        if bad is not None:
            raise PackageError(f"Tệp {name}: có bản ghi mã xã {bad} không thuộc đơn vị của gói; không nhập.")
    for table in ("review_round", "review"):
        header, rows = pkg.tables[table]
        ci, di = header.index("commune_code"), header.index("reference_date")
        for r in rows:
            try:
                on = dt.date.fromisoformat(r[di])
            except (TypeError, ValueError):
                raise PackageError(f"Tệp {name}: ngày tham chiếu «{r[di]}» không hợp lệ.") from None
            if tree == TREE_2022 and tree_on(on) != TREE_2022:
                raise PackageError(f"Tệp {name}: phiếu ngày {on:%d/%m/%Y} (sau 30/06/2025) trong gói dùng mã đơn"
                                   " vị cũ; không nhập.")
            if cat.find(r[ci], tree_on(on)) is None:
                raise PackageError(f"Tệp {name}: mã xã {r[ci]} không có hiệu lực vào ngày {on:%d/%m/%Y}.")


# --- apply ---------------------------------------------------------------------------------------------

def _decide(local, inc, state, base, ri: int, oi: int, data_idx: list[int]) -> str:
    if local is None:
        return "added"
    same = all(local[i] == inc[i] for i in data_idx)
    if inc[oi] == local[oi]:  # one installation's own history is linear: the higher revision wins
        return ("updated" if not same else "meta") if inc[ri] > local[ri] else "unchanged"
    if same:
        return "unchanged"
    if base == (local[ri], local[oi]):  # edited from the very version we hold
        return "updated"
    if state == (inc[ri], inc[oi]):  # ours was edited from the incoming version
        return "unchanged"
    return "conflicts"


def _apply_table(conn, table: str, header: list[str], rows: list[list], result: PackageResult,
                 touched: set[str]) -> list[str]:
    spec = repo_sync.SPECS[table]
    n = len(header) - len(repo_sync.BASE)
    cols = [c for c, _ in repo_sync.table_columns(conn, table)]
    ki, ri, oi = header.index(spec.key), header.index("rev"), header.index("origin")
    skip = set(repo_sync.META) | repo_sync.DERIVED.get(table, set())
    data_idx = [i for i, c in enumerate(header[:n]) if c not in skip]
    keys = [r[ki] for r in rows]
    local = repo_sync.local_rows(conn, table, keys)
    states = repo_sync.sync_states(conn, table, keys)
    write, children, synced, replaced = [], {name: [] for name in repo_sync.CHILDREN}, [], []
    for r in rows:
        inc, base = r[:n], tuple(r[n:])
        uid = inc[ki]
        loc = local.get(uid)
        kind = _decide(loc, inc, states.get(uid), base, ri, oi, data_idx)
        if kind in ("added", "updated", "meta"):
            write.append(tuple(inc[:len(cols)]))
            if table == "member" and kind == "updated":
                touched.add(inc[header.index("household_uid")])
            if table == "review":
                replaced.append(loc is not None)
                for j, name in enumerate(repo_sync.CHILDREN):
                    children[name].append((uid, inc[len(cols) + j]))
            synced.append((uid, inc[ri], inc[oi]))
        elif kind == "conflicts":
            incoming = dict(zip(header[:n], inc, strict=True))
            if json.dumps(incoming, ensure_ascii=False, sort_keys=True) not in repo_sync.open_conflict_payloads(
                    conn, table, uid):
                repo_sync.add_conflict(conn, table, uid, dict(zip(header[:n], loc, strict=True)), incoming,
                                       result.checksum)
        kind = "unchanged" if kind == "meta" else kind
        result.counts[kind] += 1
        if table == "household":
            result.households[kind] += 1
    repo_sync.upsert_rows(conn, table, cols, write)
    if table == "review":
        repo_sync.replace_review_children(conn, children, existing=replaced)
    repo_sync.set_sync_states(conn, table, synced)
    return keys


def _map_codes(pkg: Package, mapping: dict[str, str]) -> None:
    if all(k == v for k, v in mapping.items()):
        return
    for table in ("village", "household"):
        header, rows = pkg.tables[table]
        ci = header.index("commune_code")
        for r in rows:
            r[ci] = mapping[r[ci]]


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


def apply_package(conn: sqlite3.Connection, pkg: Package, mapping: dict[str, str], user: str,
                  result: PackageResult) -> None:
    """Write one verified package inside the caller's transaction."""
    _map_codes(pkg, mapping)
    hh_keys: list[str] = []
    touched: set[str] = set()
    for spec in repo_sync.TABLES:
        header, rows = pkg.tables[spec.name]
        keys = _apply_table(conn, spec.name, header, rows, result, touched)
        if spec.name == "household":
            hh_keys = keys
    refresh_household_keys(conn, sorted(touched))
    repo_sync.append_audit(conn, _new_audit_rows(conn, pkg.tables[fmt.AUDIT_TABLE][1]))
    at = audit.now_iso()
    result.duplicates = repo_sync.find_duplicates(conn, hh_keys)
    repo_sync.record_duplicates(conn, result.duplicates, pkg.checksum, at)
    repo_sync.add_ledger(conn, pkg.checksum, pkg.path.name, pkg.manifest["unit_code"], pkg.manifest["round"], at,
                         user, result.as_dict())


READ_AHEAD_MIN_FILES = 8  # below this a reader process costs more to start than it saves


def _read_verified(path: Path, schema: dict) -> Package:
    """In the reader process (no connection, no job control: the caller checks for a cancel)."""
    return read_package(path, None, schema=schema)


class _ReadAhead:
    """Verify and decode the files, for many files in a reader process that runs ahead of the caller.

    Each package is read and verified whole before it is handed over, so "verify everything before
    writing" holds per package; at most two packages are read ahead (bounded memory). A process, not a
    thread: a reading thread holds the GIL so often that SQLite's writes wait for it (measured slower)."""

    def __init__(self, files: list[Path], schema: dict):
        self._files, self._schema = files, schema
        self._pending: dict[int, Future] = {}
        self._pool = None
        if len(files) >= READ_AHEAD_MIN_FILES:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def _submit(self, i: int) -> None:
        if i < len(self._files) and i not in self._pending:
            self._pending[i] = self._pool.submit(_read_verified, self._files[i], self._schema)

    def get(self, i: int, control: JobControl) -> Package:
        """Package ``i`` (in file order); raises its PackageError. Checks for a cancel while waiting."""
        if self._pool is None:
            return read_package(self._files[i], None, control, self._schema)
        for j in range(i, i + 3):
            self._submit(j)
        future = self._pending.pop(i)
        while True:
            try:
                return future.result(timeout=0.1)
            except FutureTimeout:
                control.check()
            except BrokenProcessPool:  # the reader died (no way to start Python?): read here instead
                return read_package(self._files[i], None, control, self._schema)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def merge_files(conn: sqlite3.Connection, db_path: str | Path, files: list[str | Path],
                control: JobControl = NO_CONTROL, user: str | None = None) -> MergeReport:
    """Verify and merge the files; all accepted files are applied in one transaction."""
    user = user if user is not None else settings.officer(conn)
    files = [Path(f) for f in files]
    report, seen = MergeReport(), set()
    reader = _ReadAhead(files, package_schema(conn))
    tx = LazyTransaction(conn)
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
                if pkg.checksum in seen or repo_sync.ledger_entry(conn, pkg.checksum) is not None:
                    result.status, result.message = ALREADY, "Gói này đã nhập trước đó; không thay đổi gì."
                    continue
                mapping = check_scope(conn, pkg)
            except PackageError as exc:
                result.message = str(exc)
                continue
            if not tx.open:
                report.backup = auto_backup(conn, db_path, "truoc-nhap-goi")
                tx.begin()
            apply_package(conn, pkg, mapping, user, result)
            result.status, seen = MERGED, seen | {pkg.checksum}
            del pkg
        control.report(len(files), len(files), "Đang ghi vào cơ sở dữ liệu…")
        tx.commit()
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
