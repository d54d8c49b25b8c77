"""All SQL of the sync package and the merge: bulk reads of a unit's records, sync state, ledger,
conflicts, duplicates and the bulk writes that apply a package (raw executemany, no per-row ORM)."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bkdesk.dbapi import sqlite3
from bkdesk.model.store import audit
from bkdesk.model.store.repo_desk import refresh_current

# Synced tables in the order a package is applied (parents before children).
# key: the column that identifies a record; scope: how the unit's rows are selected.
_HH = "(SELECT uid FROM household WHERE commune_code IN (SELECT value FROM json_each(:codes)))"
_ROUNDS = "(SELECT uid FROM review_round WHERE commune_code IN (SELECT value FROM json_each(:codes)))"


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    scope: str


TABLES: tuple[TableSpec, ...] = (
    TableSpec("village", "uid", "commune_code IN (SELECT value FROM json_each(:codes))"),
    TableSpec("household", "uid", "commune_code IN (SELECT value FROM json_each(:codes))"),
    TableSpec("member", "uid", f"household_uid IN {_HH}"),
    TableSpec("housing", "household_uid", f"household_uid IN {_HH}"),
    TableSpec("household_event", "uid", f"household_uid IN {_HH}"),
    TableSpec("review_round", "uid", "commune_code IN (SELECT value FROM json_each(:codes)) OR uid IN"
              f" (SELECT round_uid FROM review WHERE household_uid IN {_HH})"),
    TableSpec("village_meeting", "uid", f"round_uid IN {_ROUNDS}"),
    TableSpec("round_posting", "uid", f"round_uid IN {_ROUNDS}"),
    TableSpec("round_decision", "uid", f"round_uid IN {_ROUNDS}"),
    TableSpec("review", "uid", f"household_uid IN {_HH}"),
    TableSpec("exit_registration", "uid", f"household_uid IN {_HH}"),
)
SPECS = {t.name: t for t in TABLES}
# The round's own records (village meetings, postings, the commune decision): they travel since package
# format 4; a format-3 package has none of them.
ROUND_RECORDS = ("village_meeting", "round_posting", "round_decision")
# Tables whose tombstones are scoped by a commune code (the others by their household).
COMMUNE_SCOPED = ("village", "household", "review_round", *ROUND_RECORDS)
META = ("rev", "updated_at", "updated_by", "origin")
# Review parts kept in child tables travel inside the review record as JSON text.
CHILDREN = {
    "_indicators": ("review_indicator", ("indicator_code", "computed", "missing", "final", "reason")),
    "_causes": ("review_cause", ("cause_code", "text")),
    "_needs": ("review_need", ("need_code", "text")),
    "_groups": ("review_group", ("group_code", "derived", "final", "reason")),
}
# The sender's version identity of each record: content hash and ancestry (hashes it descends from).
BASE = ("_vhash", "_ancestors")
# Tombstones (deleted records) as carried in a package, and what a deleted row belongs to (scope):
# the commune code for villages, households and rounds, the household uid for the rest.
TOMBSTONE_COLUMNS = ("table_name", "uid", "scope", "deleted_at", "origin", "vhash", "ancestors")
TOMBSTONE_SCOPE = {
    "village": ("uid", "OLD.commune_code"),
    "household": ("uid", "OLD.commune_code"),
    "member": ("uid", "OLD.household_uid"),
    "housing": ("household_uid", "OLD.household_uid"),
    "household_event": ("uid", "OLD.household_uid"),
    "review_round": ("uid", "OLD.commune_code"),
    "review": ("uid", "OLD.household_uid"),
    "exit_registration": ("uid", "OLD.household_uid"),
}
# Added with the round records (migration m0009; TOMBSTONE_SCOPE is what m0004 created).
ROUND_RECORD_TOMBSTONE_SCOPE = {
    table: ("uid", "(SELECT commune_code FROM review_round WHERE uid = OLD.round_uid)") for table in ROUND_RECORDS}
# Columns computed from others: not compared by the merge, never chosen by hand, recomputed.
DERIVED = {"household": {"head_name", "head_sort", "search_text"}, "member": {"name_key", "name_sort"},
           "village": {"name_key"}}
AUDIT_COLUMNS = audit.COLUMNS


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(column, declared type) of a table, in schema order."""
    return [(r[1], (r[2] or "").upper()) for r in conn.execute(f"PRAGMA table_info({table})")]


def package_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """Columns of a table as carried in a package: the row, review parts, the sender's sync base."""
    cols = [c for c, _ in table_columns(conn, table)]
    if table == "review":
        cols += list(CHILDREN)
    return cols + list(BASE)


def column_kinds(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """int | float | text per package column (to decode the text cells of a package)."""
    kinds = {}
    for col, decl in table_columns(conn, table):
        kinds[col] = "int" if "INT" in decl else "float" if decl in ("REAL", "FLOAT", "DOUBLE") else "text"
    kinds.update({c: "text" for c in CHILDREN})
    kinds.update({c: "text" for c in BASE})
    return kinds


# --- bulk read of a unit -------------------------------------------------------------------------------

def _children_by_review(conn, table: str, cols: tuple[str, ...], where: str, codes: str) -> dict[str, str]:
    out: dict[str, list] = {}
    sql = (f"SELECT review_uid, {', '.join(cols)} FROM {table} WHERE review_uid IN"
           f" (SELECT uid FROM review WHERE {where}) ORDER BY review_uid, {cols[0]}")
    for row in conn.execute(sql, {"codes": codes}):
        out.setdefault(row[0], []).append(list(row[1:]))
    return {k: json.dumps(v, ensure_ascii=False, separators=(",", ":")) for k, v in out.items()}


def iter_unit_rows(conn: sqlite3.Connection, table: str, commune_codes: list[str]) -> Iterator[tuple]:
    """Every row of ``table`` belonging to the communes, in package column order, sorted by key."""
    spec = SPECS[table]
    codes = json.dumps(commune_codes)
    base = {(r[0]): (r[1], r[2]) for r in conn.execute(
        "SELECT uid, vhash, ancestors FROM sync_state WHERE table_name=?", (table,))}
    children = {}
    if table == "review":
        children = {name: _children_by_review(conn, t, cols, spec.scope, codes) for name, (t, cols) in
                    CHILDREN.items()}
    cols = [c for c, _ in table_columns(conn, table)]
    key_index = cols.index(spec.key)
    sql = f"SELECT {', '.join(cols)} FROM {table} WHERE {spec.scope} ORDER BY {spec.key}"
    for row in conn.execute(sql, {"codes": codes}):
        uid = row[key_index]
        extra = tuple(children[name].get(uid, "[]") for name in CHILDREN) if children else ()
        yield (*row, *extra, *base.get(uid, (None, None)))


def iter_audit_since(conn: sqlite3.Connection, last_id: int, record_uids: set[str] | None = None
                     ) -> Iterator[tuple[int, tuple]]:
    """(id, row) of audit entries after ``last_id``, optionally only for the given records."""
    sql = f"SELECT id, {', '.join(AUDIT_COLUMNS)} FROM audit_log WHERE id > ? ORDER BY id"
    for row in conn.execute(sql, (last_id,)):
        if record_uids is None or row[4] in record_uids:
            yield row[0], tuple(row[1:])


def summary_rows(conn: sqlite3.Connection, commune_codes: list[str], review_year: int) -> list[sqlite3.Row]:
    """Households of the communes with village, persons and the class of the round (visible list sheet)."""
    sql = f"""
    SELECT h.household_no, h.head_name, h.commune_code, coalesce(v.name, '') AS village, h.address,
           (SELECT count(*) FROM member m WHERE m.household_uid = h.uid) AS persons,
           (SELECT r.final_class FROM review r JOIN review_round o ON o.uid = r.round_uid
             WHERE r.household_uid = h.uid AND o.review_year = :year AND o.kind = 'periodic') AS final_class
    FROM household h LEFT JOIN village v ON v.uid = h.village_uid
    WHERE h.uid IN {_HH} ORDER BY h.commune_code, v.name_key, h.household_no, h.uid"""
    return conn.execute(sql, {"codes": json.dumps(commune_codes), "year": review_year}).fetchall()


# --- state used by the merge ---------------------------------------------------------------------------

def local_rows(conn: sqlite3.Connection, table: str, keys: list[str], parts: bool = True) -> dict[str, tuple]:
    """Existing rows (package column order without the base) for the given keys. ``parts`` False: a
    review's parts are left out (review_parts adds them)."""
    spec = SPECS[table]
    cols = [c for c, _ in table_columns(conn, table)]
    out: dict[str, tuple] = {}
    ki = cols.index(spec.key)
    for start in range(0, len(keys), 50_000):
        chunk = json.dumps(keys[start:start + 50_000])
        sql = f"SELECT {', '.join(cols)} FROM {table} WHERE {spec.key} IN (SELECT value FROM json_each(?))"
        for row in conn.execute(sql, (chunk,)):
            out[row[ki]] = tuple(row)
    return review_parts(conn, out) if table == "review" and parts else out


def review_parts(conn: sqlite3.Connection, out: dict[str, tuple]) -> dict[str, tuple]:
    """Review rows (uid -> row) with their parts (indicators, causes, needs, groups) appended as JSON text."""
    if out:
        codes = json.dumps(list(out))
        for child, ccols in CHILDREN.values():
            got: dict[str, list] = {}
            sql = (f"SELECT review_uid, {', '.join(ccols)} FROM {child} WHERE review_uid IN"
                   f" (SELECT value FROM json_each(?)) ORDER BY review_uid, {ccols[0]}")
            for row in conn.execute(sql, (codes,)):
                got.setdefault(row[0], []).append(list(row[1:]))
            for uid in out:
                out[uid] = out[uid] + (json.dumps(got.get(uid, []), ensure_ascii=False, separators=(",", ":")),)
    return out


def sync_states(conn: sqlite3.Connection, table: str, keys: list[str]) -> dict[str, tuple[str | None, str]]:
    """(content hash, ancestry) of the version last synced here, per record."""
    sql = ("SELECT uid, vhash, ancestors FROM sync_state WHERE table_name=? AND uid IN"
           " (SELECT value FROM json_each(?))")
    return {r[0]: (r[1], r[2]) for r in conn.execute(sql, (table, json.dumps(keys)))}


def round_uid_with_key(conn: sqlite3.Connection, commune_code: str, kind: str, review_year: int,
                       month: int | None) -> str | None:
    """The uid of the round this database already has for (commune, kind, review year, month), if any."""
    row = conn.execute("SELECT uid FROM review_round WHERE commune_code=? AND kind=? AND review_year=?"
                       " AND coalesce(month, 0)=?", (commune_code, kind, review_year, month or 0)).fetchone()
    return row[0] if row else None


def round_decision_of(conn: sqlite3.Connection, round_uid: str) -> dict | None:
    """The decision recorded here for a round (uid, number, decision_date), if any."""
    row = conn.execute("SELECT uid, number, decision_date FROM round_decision WHERE round_uid=?",
                       (round_uid,)).fetchone()
    return {"uid": row[0], "number": row[1], "decision_date": row[2]} if row else None


def ledger_entry(conn: sqlite3.Connection, checksum: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM import_ledger WHERE checksum=?", (checksum,)).fetchone()


def open_conflict_payloads(conn: sqlite3.Connection, table: str, uid: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT incoming_data FROM sync_conflict WHERE table_name=? AND record_uid=?"
                                       " AND status='open'", (table, uid))]


# --- bulk writes (inside the caller's transaction) -----------------------------------------------------

def upsert_rows(conn: sqlite3.Connection, table: str, cols: list[str], rows: Iterable[tuple],
                refresh: bool = True) -> None:
    """``refresh`` False: the caller refreshes household_current itself (a bulk merge, once at the end)."""
    key = SPECS[table].key
    sets = ", ".join(f"{c}=excluded.{c}" for c in cols if c != key)
    if table == "review":
        rows = list(rows)
    conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                     f" ON CONFLICT({key}) DO UPDATE SET {sets}", rows)
    if table == "review" and refresh:  # the desk's current-review table, set-based for the merged households
        i = cols.index("household_uid")
        refresh_current(conn, {r[i] for r in rows})


def replace_review_children(conn: sqlite3.Connection, parts: dict[str, list[tuple[str, str]]],
                            existing: list[bool] | None = None, staged: bool = False) -> None:
    """``parts[name]`` = (review uid, JSON list of child rows); replaces each review's child rows.
    ``existing[i]`` False says review i is new (nothing to delete). ``staged``: the new rows go to the bulk
    merge's staging table (see stage_tables; the caller moved what was staged before replacing any)."""
    for name, (child, ccols) in CHILDREN.items():
        items = parts.get(name, [])
        old = [(uid,) for i, (uid, _) in enumerate(items) if existing is None or existing[i]]
        conn.executemany(f"DELETE FROM {child} WHERE review_uid=?", old)
        child = STAGE_PREFIX + child if staged else child
        texts = [text or "[]" for _, text in items]
        try:  # one C-level parse for all reviews (each text is one JSON list); else one by one
            parsed = json.loads("[" + ",".join(texts) + "]") if texts else []
            if len(parsed) != len(texts):
                raise ValueError
        except ValueError:
            parsed = [json.loads(t) for t in texts]
        rows = [(uid, *r) for (uid, _), part in zip(items, parsed, strict=True) for r in part]
        conn.executemany(f"INSERT INTO {child} (review_uid, {', '.join(ccols)}) VALUES"
                         f" ({', '.join('?' * (len(ccols) + 1))})", rows)


def set_sync_states(conn: sqlite3.Connection, table: str,
                    states: Iterable[tuple[str, int, str, str, str]], staged: bool = False) -> None:
    """(uid, rev, origin, content hash, ancestry) of the version now synced (sent or received). ``staged``:
    to the bulk merge's staging table (see stage_tables)."""
    if staged:
        conn.executemany(f"INSERT INTO {STAGE_PREFIX}sync_state (table_name, uid, rev, origin, vhash, ancestors)"
                         " VALUES (?,?,?,?,?,?)", ((table, *state) for state in states))
        return
    conn.executemany("INSERT INTO sync_state (table_name, uid, rev, origin, vhash, ancestors) VALUES (?,?,?,?,?,?)"
                     " ON CONFLICT (table_name, uid) DO UPDATE SET rev=excluded.rev, origin=excluded.origin,"
                     " vhash=excluded.vhash, ancestors=excluded.ancestors",
                     ((table, *state) for state in states))


def existing_audit(conn: sqlite3.Connection, pairs: set[tuple[str, str]]) -> Counter:
    """Audit rows already stored for these (table, record) pairs, as a multiset of row tuples."""
    sql = (f"SELECT {', '.join('a.' + c for c in AUDIT_COLUMNS)} FROM (SELECT json_extract(value, '$[0]') AS t,"
           " json_extract(value, '$[1]') AS u FROM json_each(?)) p CROSS JOIN audit_log a"
           " ON a.table_name = p.t AND a.record_uid = p.u")
    return Counter(tuple(r) for r in conn.execute(sql, (json.dumps(sorted(pairs)),)))


def append_audit(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    audit.append_rows(conn, rows)


def add_conflict(conn: sqlite3.Connection, table: str, uid: str, local: dict, incoming: dict,
                 checksum: str) -> None:
    conn.execute("INSERT INTO sync_conflict (table_name, record_uid, local_data, incoming_data, package_checksum)"
                 " VALUES (?,?,?,?,?)", (table, uid, _dump(local), _dump(incoming), checksum))


def _dump(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def find_duplicates(conn: sqlite3.Connection, member_uids: list[str]) -> list[tuple[str, str, str]]:
    """(id number, household, other household) where one of these members' CCCD appears in a household of
    another commune (looked up by member key and the CCCD index only: fast in a bulk merge too)."""
    sql = """
    SELECT m.id_number, m.household_uid, o.household_uid
    FROM member m JOIN household h ON h.uid = m.household_uid
    JOIN member o ON o.id_number = m.id_number AND o.household_uid <> m.household_uid
    JOIN household oh ON oh.uid = o.household_uid AND oh.commune_code <> h.commune_code
    WHERE m.uid IN (SELECT value FROM json_each(?)) AND m.id_number IS NOT NULL AND m.id_number <> ''
    ORDER BY 1, 2, 3"""
    return [tuple(r) for r in conn.execute(sql, (json.dumps(member_uids),))]


def has_tombstones(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sync_tombstone WHERE table_name=? LIMIT 1", (table,)).fetchone() is not None


def record_duplicates(conn: sqlite3.Connection, dups: list[tuple[str, str, str]], checksum: str, at: str) -> None:
    conn.executemany("INSERT OR IGNORE INTO sync_duplicate (id_number, household_uid, other_household_uid,"
                     " package_checksum, found_at) VALUES (?,?,?,?,?)",
                     [(*d, checksum, at) for d in dups])


def add_ledger(conn: sqlite3.Connection, checksum: str, file_name: str, unit_code: str, round_label: str,
               at: str, user: str, report: dict) -> None:
    conn.execute("INSERT INTO import_ledger (checksum, file_name, unit_code, round_label, imported_at, imported_by,"
                 " report) VALUES (?,?,?,?,?,?,?)",
                 (checksum, file_name, unit_code, round_label, at, user, _dump(report)))


# --- conflicts -----------------------------------------------------------------------------------------

def list_conflicts(conn: sqlite3.Connection, status: str = "open") -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM sync_conflict WHERE status=? ORDER BY id", (status,)).fetchall()


def get_conflict(conn: sqlite3.Connection, conflict_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM sync_conflict WHERE id=?", (conflict_id,)).fetchone()


def count_open_conflicts(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM sync_conflict WHERE status='open'").fetchone()[0]


def close_conflict(conn: sqlite3.Connection, conflict_id: int, user: str, at: str, decision: dict) -> None:
    conn.execute("UPDATE sync_conflict SET status='resolved', decided_by=?, decided_at=?, decision=? WHERE id=?",
                 (user, at, _dump(decision), conflict_id))


def set_household_keys(conn: sqlite3.Connection, uid: str, keys: dict) -> None:
    conn.execute("UPDATE household SET head_name=?, head_sort=?, search_text=? WHERE uid=?",
                 (keys["head_name"], keys["head_sort"], keys["search_text"], uid))


def household_label(conn: sqlite3.Connection, table: str, uid: str) -> str:
    """A short human label of a record (household number and head; a round record: its round) for the
    conflict list."""
    if table in ROUND_RECORDS:
        village = "NULL" if table == "round_decision" else "x.village_uid"  # a decision is the commune's
        row = conn.execute(f"SELECT o.review_year, o.commune_code, (SELECT name FROM village WHERE uid = {village})"
                           f" FROM {table} x JOIN review_round o ON o.uid = x.round_uid WHERE x.uid=?",
                           (uid,)).fetchone()
        if row is None:
            return uid
        return f"Đợt rà soát năm {row[0]} ({row[1]})" + (f" – {row[2]}" if row[2] else "")
    hh = uid
    if table in ("member", "household_event", "review", "exit_registration"):
        row = conn.execute(f"SELECT household_uid FROM {table} WHERE uid=?", (uid,)).fetchone()
        hh = row[0] if row else uid
    row = conn.execute("SELECT household_no, head_name, commune_code FROM household WHERE uid=?", (hh,)).fetchone()
    return f"Hộ {row[0]} – {row[1]} ({row[2]})" if row else uid


# --- tombstones ----------------------------------------------------------------------------------------

def iter_unit_tombstones(conn: sqlite3.Connection, commune_codes: list[str]) -> Iterator[tuple]:
    """Tombstones of the communes' records (their villages, households, rounds, and every record of
    their households, deleted or not), except records that exist again."""
    codes = json.dumps(commune_codes)
    hh = ("(SELECT uid FROM household WHERE commune_code IN (SELECT value FROM json_each(:codes)) UNION"
          " SELECT uid FROM sync_tombstone WHERE table_name = 'household'"
          " AND scope IN (SELECT value FROM json_each(:codes)))")
    sql = (f"SELECT {', '.join('t.' + c for c in TOMBSTONE_COLUMNS)} FROM sync_tombstone t"
           f" WHERE ((t.table_name IN {COMMUNE_SCOPED!r} AND t.scope IN (SELECT value FROM json_each(:codes)))"
           f" OR (t.table_name NOT IN {COMMUNE_SCOPED!r} AND t.scope IN {hh}))"
           " ORDER BY t.table_name, t.uid")
    for row in conn.execute(sql, {"codes": codes}):
        spec = SPECS.get(row[0])
        if spec is None:
            continue
        if conn.execute(f"SELECT 1 FROM {row[0]} WHERE {spec.key}=?", (row[1],)).fetchone() is None:
            yield tuple(row)


def local_tombstones(conn: sqlite3.Connection, table: str, keys: list[str]) -> dict[str, tuple[str | None, str]]:
    """(hash of the deleted version's base, ancestry) of local tombstones for these records."""
    sql = ("SELECT uid, vhash, ancestors FROM sync_tombstone WHERE table_name=? AND uid IN"
           " (SELECT value FROM json_each(?))")
    return {r[0]: (r[1], r[2]) for r in conn.execute(sql, (table, json.dumps(keys)))}


def put_tombstones(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Store tombstones (TOMBSTONE_COLUMNS order) received in a package; an existing one is replaced."""
    conn.executemany(f"INSERT OR REPLACE INTO sync_tombstone ({', '.join(TOMBSTONE_COLUMNS)}) VALUES"
                     f" ({', '.join('?' * len(TOMBSTONE_COLUMNS))})", rows)


def drop_tombstone(conn: sqlite3.Connection, table: str, uid: str) -> None:
    conn.execute("DELETE FROM sync_tombstone WHERE table_name=? AND uid=?", (table, uid))


def delete_rows(conn: sqlite3.Connection, table: str, keys: list[str]) -> None:
    """Delete records (their tombstones are written by the m0004 triggers; children cascade: by SQLite, or
    by hand while a bulk merge has foreign keys off); the desk's current reviews of their households follow."""
    households = keys if table == "household" else [r[0] for r in conn.execute(
        "SELECT DISTINCT household_uid FROM review WHERE uid IN (SELECT value FROM json_each(?))",
        (json.dumps(keys),))] if table == "review" else []
    if conn.execute("PRAGMA foreign_keys").fetchone()[0]:
        conn.executemany(f"DELETE FROM {table} WHERE {SPECS[table].key}=?", [(k,) for k in keys])
    elif keys:
        _delete_cascading(conn, _references(conn), table, SPECS[table].key, keys)
    refresh_current(conn, households)


def _references(conn: sqlite3.Connection) -> dict[str, list[tuple[str, str, str, str]]]:
    """parent table -> (child table, child column, parent column, ON DELETE action) of every foreign key."""
    out: dict[str, list[tuple[str, str, str, str]]] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE"
                                         " 'sqlite_%' ORDER BY name")]
    for child in tables:
        for fk in conn.execute(f"PRAGMA foreign_key_list({child})"):
            parent_col = fk[4] or next((c[1] for c in conn.execute(f"PRAGMA table_info({fk[2]})") if c[5] == 1),
                                       "rowid")  # REFERENCES t without a column: t's primary key
            out.setdefault(fk[2], []).append((child, fk[3], parent_col, fk[6].upper()))
    return out


def _delete_cascading(conn: sqlite3.Connection, refs: dict, table: str, column: str, values: list) -> None:
    """DELETE FROM table WHERE column IN values, with the schema's ON DELETE actions (CASCADE, SET NULL)
    applied first, as SQLite applies them when foreign keys are on. A NO ACTION reference left broken is
    found by the check before COMMIT (bulk.foreign_key_violations)."""
    where = f"{column} IN (SELECT value FROM json_each(?))"
    for child, ccol, pcol, action in refs.get(table, []):
        parents = values if pcol == column else [r[0] for r in conn.execute(
            f"SELECT {pcol} FROM {table} WHERE {where}", (json.dumps(values),))]
        if not parents:
            continue
        if action == "CASCADE":
            _delete_cascading(conn, refs, child, ccol, parents)
        elif action == "SET NULL":
            conn.execute(f"UPDATE {child} SET {ccol} = NULL WHERE {ccol} IN (SELECT value FROM json_each(?))",
                         (json.dumps(parents),))
    conn.execute(f"DELETE FROM {table} WHERE {where}", (json.dumps(values),))


def village_in_use(conn: sqlite3.Connection, uid: str) -> bool:
    sql = ("SELECT EXISTS (SELECT 1 FROM household WHERE village_uid=:u) OR EXISTS (SELECT 1 FROM review WHERE"
           " village_uid=:u) OR EXISTS (SELECT 1 FROM village WHERE successor_uid=:u)")
    return bool(conn.execute(sql, {"u": uid}).fetchone()[0])


# --- signing keys --------------------------------------------------------------------------------------

LEGACY_OWN_KEY = "sync_signing_key"  # where the first build of m0004 kept the key (in the setting table)


def ensure_own_key(conn: sqlite3.Connection) -> bytes:
    """This installation's Ed25519 private key (raw 32 bytes), created on first use (with the database)."""
    table = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sync_own_key'").fetchone()
    if table:
        row = conn.execute("SELECT private_key FROM sync_own_key WHERE id = 1").fetchone()
        if row and row[0]:
            return base64.b64decode(row[0])
    row = conn.execute("SELECT value FROM setting WHERE key=?", (LEGACY_OWN_KEY,)).fetchone()
    if row and row[0]:
        return base64.b64decode(row[0])
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                      serialization.NoEncryption())
    text = base64.b64encode(raw).decode()
    if table:
        conn.execute("INSERT INTO sync_own_key (id, private_key, created_at) VALUES (1, ?, strftime("
                     "'%Y-%m-%dT%H:%M:%S', 'now', 'localtime'))", (text,))
    else:
        conn.execute("INSERT INTO setting(key, value) VALUES (?, ?)", (LEGACY_OWN_KEY, text))
    return raw


def trusted_keys(conn: sqlite3.Connection, unit_code: str | None = None,
                 status: str | None = "trusted") -> list[sqlite3.Row]:
    sql = "SELECT * FROM sync_key WHERE (:unit IS NULL OR unit_code=:unit) AND (:st IS NULL OR status=:st)"
    return conn.execute(sql + " ORDER BY unit_code, id", {"unit": unit_code, "st": status}).fetchall()


def add_trusted_key(conn: sqlite3.Connection, unit_code: str, fingerprint: str, public_key: str, installation: str,
                    officer: str, at: str, user: str, reason: str) -> None:
    conn.execute("INSERT INTO sync_key (unit_code, fingerprint, public_key, installation_id, officer, status,"
                 " added_at, added_by, reason) VALUES (?,?,?,?,?,'trusted',?,?,?) ON CONFLICT (unit_code, fingerprint)"
                 " DO UPDATE SET status='trusted', public_key=CASE WHEN excluded.public_key <> '' THEN"
                 " excluded.public_key ELSE sync_key.public_key END, added_at=excluded.added_at,"
                 " added_by=excluded.added_by, reason=excluded.reason",
                 (unit_code, fingerprint, public_key, installation, officer, at, user, reason))


def set_key_public(conn: sqlite3.Connection, unit_code: str, fingerprint: str, public_key: str) -> None:
    conn.execute("UPDATE sync_key SET public_key=? WHERE unit_code=? AND fingerprint=? AND public_key=''",
                 (public_key, unit_code, fingerprint))


def retire_keys(conn: sqlite3.Connection, unit_code: str, keep: str) -> list[str]:
    """Retire the unit's trusted keys other than ``keep``; returns the fingerprints retired."""
    gone = [r[0] for r in conn.execute("SELECT fingerprint FROM sync_key WHERE unit_code=? AND status='trusted'"
                                       " AND fingerprint<>?", (unit_code, keep))]
    conn.execute("UPDATE sync_key SET status='retired' WHERE unit_code=? AND status='trusted' AND fingerprint<>?",
                 (unit_code, keep))
    return gone



def record_sent_versions(conn: sqlite3.Connection, states: dict[str, list[tuple]]) -> None:
    """After an export: the versions just sent are the ones synced (their descendants name them)."""
    from bkdesk.model.store.db import transaction

    with transaction(conn):
        for table, rows in states.items():
            set_sync_states(conn, table, rows)


# Secondary indexes a bulk merge into an empty database drops and builds once at the end (inside its
# transaction): keeping them up to date row by row under random-uuid keys costs most of a province merge.
# Unique indexes stay; possible duplicates (CCCD) are then found once at the end (all_duplicates).
BULK_DEFERRED_INDEXES = ("village_commune", "household_commune", "household_village", "household_head_sort",
                         "household_desk", "household_totals", "member_household", "member_name_key",
                         "member_id_number", "review_household", "review_round_class", "review_totals",
                         "review_lists", "audit_record")


def is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM household LIMIT 1").fetchone() is None


def defer_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Drop the bulk-deferred indexes (inside the caller's transaction); returns (name, sql) to rebuild."""
    marks = ", ".join("?" * len(BULK_DEFERRED_INDEXES))
    saved = [tuple(r) for r in conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT"
                                            f" NULL AND name IN ({marks}) ORDER BY rowid", BULK_DEFERRED_INDEXES)]
    for name, _ in saved:
        conn.execute(f'DROP INDEX "{name}"')
    return saved


def rebuild_indexes(conn: sqlite3.Connection, saved: list[tuple[str, str]]) -> None:
    """Build the dropped indexes again (same SQL), then recreate triggers and views after them so every index
    stays before every trigger and view in the schema, as in a backup copy (see migration m0002)."""
    if not saved:
        return
    for _, sql in saved:
        conn.execute(sql)
    later = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
                         " AND sql IS NOT NULL ORDER BY rowid").fetchall()
    for kind in ("trigger", "view"):
        for k, name, _sql in later:
            if k == kind:
                conn.execute(f'DROP {kind.upper()} "{name}"')
    for _kind, _name, sql in later:
        conn.execute(sql)
    refresh_current(conn)


# Tables a bulk merge writes through a staging table (plain, no key: rows appended) and moves in key order
# once (sorted inserts append to the B-trees): every package's random uuids otherwise land all over these
# trees, which do not fit the page cache together (measured at 81,480 households: sync states and review
# parts took 18 s of random inserts; staged 5 s, moved once at the end 7 s). Table -> its key columns.
STAGED = {"sync_state": ("table_name", "uid"), "review_indicator": ("review_uid", "indicator_code"),
          "review_cause": ("review_uid", "cause_code"), "review_need": ("review_uid", "need_code"),
          "review_group": ("review_uid", "group_code")}
STAGE_PREFIX = "bulk_stage_"


def stage_tables(conn: sqlite3.Connection) -> None:
    """Create the staging tables (inside the caller's transaction: a rollback leaves no trace)."""
    for table in STAGED:
        conn.execute(f"CREATE TABLE {STAGE_PREFIX}{table} AS SELECT * FROM {table} WHERE 0")


def flush_staged(conn: sqlite3.Connection, drop: bool = False) -> None:
    """Move the staged rows into their tables in key order (a later row of the same key wins, as the
    upsert would have it); ``drop``: then remove the staging tables."""
    for table, key in STAGED.items():
        stage = STAGE_PREFIX + table
        cols = [c for c, _ in table_columns(conn, table)]
        sets = ", ".join(f"{c}=excluded.{c}" for c in cols if c not in key)
        conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {stage} WHERE true"
                     f" ORDER BY {', '.join(key)}, rowid ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}")
        conn.execute(f"DROP TABLE {stage}" if drop else f"DELETE FROM {stage}")


def any_present(conn: sqlite3.Connection, table: str, keys: list[str]) -> bool:
    """True when one of these records is already stored."""
    return conn.execute(f"SELECT 1 FROM {table} WHERE {SPECS[table].key} IN (SELECT value FROM json_each(?))"
                        " LIMIT 1", (json.dumps(keys),)).fetchone() is not None


def audit_fingerprints(conn: sqlite3.Connection) -> Counter:
    """Hashes of the stored audit rows (a bulk merge dedupes the history it brings against these)."""
    return Counter(hash(tuple(r)) for r in conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_log"))


def all_duplicates(conn: sqlite3.Connection, household_uids: Iterable[str]) -> list[tuple[str, str, str]]:
    """find_duplicates for every member of these households at once (a bulk merge, after its indexes).
    The CCCDs held more than once come first, from one ordered pass over the CCCD index (a province has a
    few among 330,000 persons); only their holders are then joined (CROSS JOIN keeps that order; measured at 81,480 households: 4.0 s
    driven from the households, 0.05 s from the shared CCCDs)."""
    sql = """
    WITH shared AS MATERIALIZED (SELECT id_number FROM member WHERE id_number IS NOT NULL AND id_number <> ''
                                 GROUP BY id_number HAVING count(*) > 1)
    SELECT m.id_number, m.household_uid, o.household_uid
    FROM shared s CROSS JOIN member m ON m.id_number = s.id_number JOIN household h ON h.uid = m.household_uid
    JOIN member o ON o.id_number = s.id_number AND o.household_uid <> m.household_uid
    JOIN household oh ON oh.uid = o.household_uid AND oh.commune_code <> h.commune_code
    WHERE m.household_uid IN (SELECT value FROM json_each(?))
    ORDER BY 1, 2, 3"""
    return [tuple(r) for r in conn.execute(sql, (json.dumps(sorted(set(household_uids))),))]


def set_ledger_report(conn: sqlite3.Connection, checksum: str, report: dict) -> None:
    conn.execute("UPDATE import_ledger SET report=? WHERE checksum=?", (_dump(report), checksum))
