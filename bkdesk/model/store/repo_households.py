"""Households with their members and housing: save (one transaction, audited), read, list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.records import Household, Housing, Member, as_dict, data_fields, from_row
from bkdesk.model.rules.text import clean_text, name_sort_text, search_key
from bkdesk.model.store import audit
from bkdesk.model.store.access import require
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_base import delete_audited, local_origin, upsert_audited
from bkdesk.model.store.repo_desk import refresh_current

HEAD_RELATION = "Chủ hộ"
HEAD_RELATIONS = ("chu_ho", HEAD_RELATION)  # code from the code lists, and the label older data used

@dataclass
class HouseholdBundle:
    """A household as the editor sees it: identification, roster and housing."""

    household: Household
    members: list[Member] = field(default_factory=list)
    housing: Housing = field(default_factory=Housing)


def _clean_record(record) -> None:
    for name in data_fields(type(record)):
        value = getattr(record, name)
        if isinstance(value, str):
            setattr(record, name, clean_text(value))


def _head(members: list[Member]) -> Member | None:
    present = [m for m in members if m.presence in ("present", "new_born", "moved_in")]
    heads = [m for m in present if m.relation_to_head in HEAD_RELATIONS]
    if heads:
        return heads[0]
    return min(present or members, key=lambda m: m.position, default=None)


def _derived(bundle: HouseholdBundle) -> dict:
    head = _head(bundle.members)
    parts = [bundle.household.household_no] + [m.full_name for m in bundle.members] + [
        m.id_number or "" for m in bundle.members]
    return {
        "head_name": head.full_name if head else "",
        "head_sort": name_sort_text(head.full_name) if head else "",
        "search_text": " | ".join(search_key(p) for p in parts if p),
    }


def _write_household(conn, bundle: HouseholdBundle, user: str, reason: str, origin: str, at: str) -> None:
    hh = bundle.household
    hh.meta.rev = upsert_audited(conn, "household", "uid", hh.uid, _without_uid(as_dict(hh)), user=user,
                                 reason=reason, origin=origin, at=at, expected_rev=hh.meta.rev or None,
                                 extra=_derived(bundle))


def _write_members(conn, bundle: HouseholdBundle, user: str, reason: str, origin: str, at: str) -> None:
    hh_uid = bundle.household.uid
    old_uids = {r[0] for r in conn.execute("SELECT uid FROM member WHERE household_uid=?", (hh_uid,))}
    for position, m in enumerate(bundle.members, start=1):
        m.household_uid, m.position = hh_uid, position
        keys = {"name_key": search_key(m.full_name), "name_sort": name_sort_text(m.full_name)}
        m.meta.rev = upsert_audited(conn, "member", "uid", m.uid, _without_uid(as_dict(m)), user=user,
                                    reason=reason, origin=origin, at=at, extra=keys)
        old_uids.discard(m.uid)
    for uid in sorted(old_uids):  # members removed from the roster
        delete_audited(conn, "member", "uid", uid, user=user, reason=reason, origin=origin, at=at)


def _write_housing(conn, bundle: HouseholdBundle, user: str, reason: str, origin: str, at: str) -> None:
    bundle.housing.meta.rev = upsert_audited(conn, "housing", "household_uid", bundle.household.uid,
                                             as_dict(bundle.housing), user=user, reason=reason, origin=origin,
                                             at=at)


def _without_uid(values: dict) -> dict:
    return {k: v for k, v in values.items() if k != "uid"}


def save_household(conn: sqlite3.Connection, bundle: HouseholdBundle, user: str, reason: str = "",
                   origin: str = "") -> HouseholdBundle:
    """Save a household, its roster and housing atomically, with audit rows in the same transaction."""
    require(conn, R.EDIT)
    with transaction(conn):
        write_household(conn, bundle, user, reason, origin)
    return bundle


def write_household(conn: sqlite3.Connection, bundle: HouseholdBundle, user: str, reason: str = "",
                    origin: str = "", at: str | None = None) -> HouseholdBundle:
    """Write a household inside the caller's transaction (for services that save several records at once)."""
    _clean_record(bundle.household)
    for m in bundle.members:
        _clean_record(m)
        if not m.full_name:
            raise UserError("Họ và tên thành viên không được để trống.")
    _clean_record(bundle.housing)
    at = at or audit.now_iso()
    _write_household(conn, bundle, user, reason, origin, at)
    _write_members(conn, bundle, user, reason, origin, at)
    _write_housing(conn, bundle, user, reason, origin, at)
    return bundle


def get_household(conn: sqlite3.Connection, uid: str) -> HouseholdBundle | None:
    row = conn.execute("SELECT * FROM household WHERE uid=?", (uid,)).fetchone()
    if row is None:
        return None
    members = [from_row(Member, r) for r in
               conn.execute("SELECT * FROM member WHERE household_uid=? ORDER BY position", (uid,))]
    hrow = conn.execute("SELECT * FROM housing WHERE household_uid=?", (uid,)).fetchone()
    return HouseholdBundle(from_row(Household, row), members, from_row(Housing, hrow) if hrow else Housing())


def _filters(commune_code: str | None, village_uid: str | None, search: str | None) -> tuple[str, list]:
    where, args = [], []
    if commune_code:
        where.append("commune_code=?")
        args.append(commune_code)
    if village_uid:
        where.append("village_uid=?")
        args.append(village_uid)
    if search and search_key(search):
        where.append("search_text LIKE ? ESCAPE '\\'")
        key = search_key(search).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{key}%")
    return (" WHERE " + " AND ".join(where)) if where else "", args


def list_household_uids(conn: sqlite3.Connection, commune_code: str | None = None, village_uid: str | None = None,
                        search: str | None = None, order: str = "household_no") -> list[str]:
    """Ids of matching households, sorted in SQL (for an id-list table model)."""
    order_sql = {"household_no": "household_no, uid", "head": "head_sort, uid"}[order]
    where, args = _filters(commune_code, village_uid, search)
    return [r[0] for r in conn.execute(f"SELECT uid FROM household{where} ORDER BY {order_sql}", args)]


def iter_households(conn: sqlite3.Connection, batch: int = 1000, commune_code: str | None = None
                    ) -> Iterator[HouseholdBundle]:
    """Every household, by keyset pagination on uid (no OFFSET)."""
    last = ""
    while True:
        where, args = _filters(commune_code, None, None)
        where = (where + " AND " if where else " WHERE ") + "uid > ?"
        uids = [r[0] for r in conn.execute(f"SELECT uid FROM household{where} ORDER BY uid LIMIT ?",
                                           (*args, last, batch))]
        if not uids:
            return
        for uid in uids:
            bundle = get_household(conn, uid)
            if bundle is not None:
                yield bundle
        last = uids[-1]


def count_households(conn: sqlite3.Connection, commune_code: str | None = None) -> int:
    where, args = _filters(commune_code, None, None)
    return conn.execute(f"SELECT count(*) FROM household{where}", args).fetchone()[0]


# --- removing a household entered in error (issue 15: its deletion travels as tombstones) ------------------

# A household's own records, deleted before it in this order (an exit registration names a member; a
# review's indicator, cause, need, group and roster rows go with the review by ON DELETE CASCADE). Each
# deletion is audited and leaves its tombstone (migration m0004's triggers).
OWN_RECORDS = (("exit_registration", "uid"), ("review", "uid"), ("household_event", "uid"),
               ("housing", "household_uid"), ("member", "uid"))
# Round states whose outputs never change (rounds.py: a decided round is read-only, later changes go
# through regular reviews).
DECIDED_ROUND_STATES = ("decided", "certified", "closed")


def find_households(conn: sqlite3.Connection, code: str, commune_code: str | None = None) -> list[sqlite3.Row]:
    """Households whose uid, or household number within the commune, is ``code`` (uid, household_no,
    head_name), by household number."""
    code = clean_text(code or "")
    sql = "SELECT uid, household_no, head_name FROM household WHERE (uid=? OR household_no=?)"
    args: list = [code, code]
    if commune_code:
        sql += " AND (uid=? OR commune_code=?)"
        args += [code, commune_code]
    return conn.execute(sql + " ORDER BY household_no, uid", args).fetchall()


def household_heading(conn: sqlite3.Connection, uid: str) -> sqlite3.Row | None:
    """How an officer names the household: uid, household_no, head_name (None when there is none)."""
    return conn.execute("SELECT uid, household_no, head_name FROM household WHERE uid=?", (uid,)).fetchone()


def frozen_reviews(conn: sqlite3.Connection, household_uid: str) -> list[sqlite3.Row]:
    """The household's reviews that a removal must leave alone: decided, or in a decided or locked round
    (record_status, the round's kind, review_year, month, state and locked; NULL round fields without one)."""
    states = ", ".join(f"'{s}'" for s in DECIDED_ROUND_STATES)
    return conn.execute(
        "SELECT r.uid, r.record_status, rr.kind, rr.review_year, rr.month, rr.state, rr.locked"
        " FROM review r LEFT JOIN review_round rr ON rr.uid = r.round_uid WHERE r.household_uid = ?"
        f" AND (r.record_status = 'decided' OR rr.locked = 1 OR rr.state IN ({states}))"
        " ORDER BY rr.review_year, rr.month", (household_uid,)).fetchall()


def delete_household(conn: sqlite3.Connection, uid: str, *, user: str, reason: str, origin: str = "",
                     at: str | None = None, draft_key: str | None = None) -> dict[str, int]:
    """Delete a household and every record of its own inside the caller's transaction, each audited with
    ``reason``; its editor draft (``draft_key``) and its rows of the desk's current reviews go too.
    Returns the number of records deleted per table (the household included)."""
    at = at or audit.now_iso()
    origin = origin or local_origin(conn)
    counts: dict[str, int] = {}
    for table, key in OWN_RECORDS:
        keys = [r[0] for r in conn.execute(f"SELECT {key} FROM {table} WHERE household_uid=? ORDER BY {key}",
                                           (uid,))]
        for value in keys:
            delete_audited(conn, table, key, value, user=user, reason=reason, origin=origin, at=at)
        counts[table] = len(keys)
    delete_audited(conn, "household", "uid", uid, user=user, reason=reason, origin=origin, at=at)
    counts["household"] = 1
    if draft_key:
        conn.execute("DELETE FROM draft WHERE key=?", (draft_key,))
    refresh_current(conn, [uid])
    return counts
