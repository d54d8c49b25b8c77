"""Bulk loading with raw sqlite3 executemany (DESIGN.md §5: sqlite-utils is 6-16x slower for this).

Used by the demo data. Rows arrive ready-made (column tuples in the schema's names); each record gets
ONE audit row (action 'insert', no field) rather than one per field, so that `bkdesk check` finds every
household audited while half a million rows load in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import lru_cache
from types import SimpleNamespace

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules.text import name_sort_text, search_key
from bkdesk.model.store.db import connect, transaction
from bkdesk.model.store.repo_households import _derived

# Load order respects the foreign keys.
TABLE_ORDER = ("village", "household", "member", "housing", "review_round", "review", "review_indicator",
               "review_cause", "review_need", "review_group", "exit_registration")
# Tables whose records are audited (child rows of a review are part of the review record).
AUDITED = {"village": "uid", "household": "uid", "member": "uid", "housing": "household_uid",
           "review_round": "uid", "review": "uid", "exit_registration": "uid"}


def insert_rows(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     rows)


def audit_insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple], reason: str) -> list[tuple]:
    """One (at, user, table, uid, 'insert', reason, origin) audit row per record."""
    key = columns.index(AUDITED[table])
    at, user, origin = columns.index("updated_at"), columns.index("updated_by"), columns.index("origin")
    return [(r[at], r[user], table, r[key], "insert", reason, r[origin]) for r in rows]


def load_tables(conn: sqlite3.Connection, tables: dict[str, tuple[Sequence[str], list[tuple]]],
                reason: str) -> int:
    """Insert every table's rows and their audit rows in ONE transaction; returns the rows written."""
    written = 0
    with transaction(conn):
        audit: list[tuple] = []
        for table in TABLE_ORDER:
            if table not in tables:
                continue
            columns, rows = tables[table]
            insert_rows(conn, table, columns, rows)
            written += len(rows)
            if table in AUDITED:
                audit += audit_insert_rows(table, columns, rows, reason)
        insert_rows(conn, "audit_log", ("at", "user", "table_name", "record_uid", "action", "reason", "origin"),
                    audit)
    return written + len(audit)


def set_bulk_pragmas(conn: sqlite3.Connection, scratch: bool) -> None:
    """A large page cache for random-uuid key inserts. A scratch file (thrown away if the load fails) needs no
    journal and no fsync; a live database keeps WAL, with NORMAL sync (still safe from corruption)."""
    conn.execute("PRAGMA cache_size=-131072")
    if scratch:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
    else:
        conn.execute("PRAGMA synchronous=NORMAL")


@contextmanager
def bulk_mode(conn: sqlite3.Connection, scratch: bool):
    """``with bulk_mode(conn, scratch):`` bulk-load settings for the block, the house's synchronous=FULL after."""
    set_bulk_pragmas(conn, scratch)
    try:
        yield conn
    finally:
        conn.execute("PRAGMA synchronous=FULL")


def worker_connection(path: str, scratch: bool, key: bytes | None = None) -> sqlite3.Connection:
    """A loader process's own connection, in bulk mode for its life (a scratch file: no house setup). ``key``:
    the database's data key (a process started fresh has no keyring of its own)."""
    from bkdesk.dbapi import Connection
    from bkdesk.model.store.db import apply_key

    if scratch:
        conn = sqlite3.connect(path, timeout=120, isolation_level=None, factory=Connection)
        if key is not None:
            apply_key(conn, key)
    else:
        conn = connect(path, key)
    set_bulk_pragmas(conn, scratch)
    return conn


@contextmanager
def scratch_database(conn: sqlite3.Connection):
    """A database built in a scratch file: rollback journal while it is built (bulk mode may turn it off),
    WAL again once it is complete. On failure the caller throws the file away."""
    conn.execute("PRAGMA journal_mode=DELETE")
    yield conn
    conn.execute("PRAGMA journal_mode=WAL")


class LazyTransaction:
    """One write transaction for a merge of many packages, begun only when the first package is accepted.

    ``begin()`` takes a large page cache (random-uuid keys thrash the default 2 MB), BEGIN IMMEDIATE, and
    defers foreign-key checks to COMMIT (a package's rows arrive table by table). ``begin(check_keys_at_end=True)``
    (a bulk merge into an empty database) turns foreign keys off for the transaction instead: no parent is
    looked up per inserted row (measured: 13 s of a province merge), and ``commit()`` checks the whole
    database's references once before COMMIT, refusing (and rolling back) on any broken one. Deletions
    then cascade by hand (``repo_sync.delete_rows``). ``commit()`` commits; ``close()`` (in a ``finally``)
    rolls back what an error or a cancel left uncommitted, turns foreign keys back on and gives the page
    cache back.
    """

    def __init__(self, conn: sqlite3.Connection, cache_kib: int = 256_000) -> None:
        self.conn, self.cache_kib = conn, cache_kib
        self.open = self.begun = self.keys_off = False

    def begin(self, check_keys_at_end: bool = False) -> None:
        if self.open:
            return
        self.conn.execute(f"PRAGMA cache_size={-self.cache_kib}")
        self.begun = True
        if check_keys_at_end:  # outside a transaction: the pragma is a no-op inside one
            self.conn.execute("PRAGMA foreign_keys=OFF")
            self.keys_off = True
        self.conn.execute("BEGIN IMMEDIATE")
        if not self.keys_off:
            self.conn.execute("PRAGMA defer_foreign_keys=ON")
        self.open = True

    def set_cache(self, kib: int) -> None:
        """Another page cache size for the rest of the transaction (dirty pages spill to the WAL)."""
        self.conn.execute(f"PRAGMA cache_size={-kib}")

    def commit(self) -> None:
        if self.open:
            if self.keys_off:
                broken = foreign_key_violations(self.conn)
                if broken:
                    raise UserError(f"Dữ liệu sau khi gộp có {len(broken)} bản ghi tham chiếu tới bản ghi không có"
                                    f" (bảng {', '.join(sorted({r[0] for r in broken}))}); đã hủy, cơ sở dữ liệu"
                                    " không thay đổi.")
            self.conn.execute("COMMIT")
            self.open = False

    def close(self) -> None:
        """Roll back what was not committed; foreign keys on again; give the page cache back."""
        try:
            if self.open:
                self.open = False
                if self.conn.in_transaction:  # SQLite ends it itself on a full disk: keep the real cause
                    self.conn.execute("ROLLBACK")
        finally:
            if self.keys_off:
                self.keys_off = False
                self.conn.execute("PRAGMA foreign_keys=ON")
            if self.begun:
                self.conn.execute("PRAGMA cache_size=-2000")


def foreign_key_violations(conn: sqlite3.Connection) -> list[tuple]:
    """(table, rowid, parent table, key index) of every row whose reference names no parent row."""
    return [tuple(r) for r in conn.execute("PRAGMA foreign_key_check")]


def database_path(conn: sqlite3.Connection) -> str:
    """The file of the connection's main database."""
    return conn.execute("PRAGMA database_list").fetchone()[2]


@contextmanager
def deferred_indexes(conn: sqlite3.Connection, tables: Sequence[str]):
    """Drop the secondary indexes of EMPTY tables for a bulk load and recreate them (same SQL) after:
    building an index once over loaded rows is far cheaper than random-uuid inserts into it."""
    marks = ",".join("?" * len(tables))
    if any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables):
        yield
        return
    saved = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
                         f" AND tbl_name IN ({marks})", tuple(tables)).fetchall()
    with transaction(conn):
        for name, _ in saved:
            conn.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with transaction(conn):
            for _, sql in saved:
                conn.execute(sql)


def household_derived(household_no: str, members: Sequence[dict]) -> dict:
    """head_name / head_sort / search_text exactly as repo_households._derived computes them on save
    (tests/model/test_demo.py compares the two); names repeat, so their keys are cached."""
    head = members[0]  # demo rosters put the head first
    parts = [household_no] + [m["full_name"] for m in members] + [m["id_number"] or "" for m in members]
    return {"head_name": head["full_name"], "head_sort": member_keys(head["full_name"])[1],
            "search_text": " | ".join(p if p.isdigit() else _key(p) for p in parts if p)}


@lru_cache(maxsize=100_000)
def member_keys(full_name: str) -> tuple[str, str]:
    """(name_key, name_sort) of a member, as repo_households stores them."""
    return search_key(full_name), name_sort_text(full_name)


@lru_cache(maxsize=100_000)
def _key(text: str) -> str:
    return search_key(text)


def derived_like_repo(household_no: str, members: Sequence[dict]) -> dict:
    """The repository's own computation, for tests comparing it with ``household_derived``."""
    bundle = SimpleNamespace(household=SimpleNamespace(household_no=household_no),
                             members=[SimpleNamespace(**m) for m in members])
    return _derived(bundle)


def class_counts(conn: sqlite3.Connection, review_year: int, by: str = "district") -> dict[str, dict[str, int]]:
    """{unit code: {final class: households}} of the periodic round of ``review_year``."""
    unit = "u.district_code" if by == "district" else "r.commune_code"
    rows = conn.execute(
        f"SELECT {unit}, r.final_class, count(*) FROM review r JOIN review_round o ON o.uid = r.round_uid"
        " JOIN admin_unit u ON u.tree = '2022' AND u.code = r.commune_code"
        f" WHERE o.kind = 'periodic' AND o.review_year = ? GROUP BY {unit}, r.final_class", (review_year,))
    out: dict[str, dict[str, int]] = {}
    for code, cls, n in rows:
        out.setdefault(code, {})[cls] = n
    return out


def household_counts(conn: sqlite3.Connection, by: str = "district") -> dict[str, int]:
    unit = "u.district_code" if by == "district" else "h.commune_code"
    return dict(conn.execute(
        f"SELECT {unit}, count(*) FROM household h JOIN admin_unit u ON u.tree = '2022'"
        f" AND u.code = h.commune_code GROUP BY {unit}").fetchall())
