"""SQL for the list importer: who is already in the commune (by household code, head's CCCD, head's name),
villages created by an import, the periodic round an import writes into, and saved column mappings."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules.records import ReviewRound, new_uid
from bkdesk.model.rules.text import clean_text, search_key
from bkdesk.model.store import audit, settings
from bkdesk.model.store.repo_base import upsert_audited

MAPPING_PREFIX = "import_mapping:"
# What text.clean_text changes besides the ends: invisible characters, odd spaces, doubled spaces, line ends.
_ODD = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\t\u00a0\u2000-\u200a\u202f\u3000\r\n]|  ")


def quick_clean(text: str) -> str:
    """text.clean_text for one cell, without its cost when there is nothing to change but the ends."""
    if not _ODD.search(text) and unicodedata.is_normalized("NFC", text):
        return text.strip()
    return clean_text(text) or ""


@dataclass(frozen=True)
class KnownHousehold:
    uid: str
    household_no: str
    village_uid: str | None
    head_name_key: str
    head_birth: str | None
    head_id_number: str | None


def known_households(conn: sqlite3.Connection, commune_code: str) -> list[KnownHousehold]:
    """Every household of the commune with its head (the first member whose relation is the head)."""
    rows = conn.execute(
        "SELECT h.uid, h.household_no, h.village_uid, m.name_key, m.birth_date, m.id_number"
        " FROM household h LEFT JOIN member m ON m.uid = (SELECT uid FROM member WHERE household_uid=h.uid"
        "   AND relation_to_head IN ('chu_ho', 'Chủ hộ') ORDER BY position LIMIT 1)"
        " WHERE h.commune_code=?", (commune_code,)).fetchall()
    return [KnownHousehold(r[0], r[1] or "", r[2], r[3] or "", r[4], r[5]) for r in rows]


def village_uids(conn: sqlite3.Connection, commune_code: str) -> dict[str, str]:
    """search key of the village name -> village uid (villages in force)."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT name_key, uid FROM village WHERE commune_code=? AND valid_to IS NULL", (commune_code,))}


def add_village(conn: sqlite3.Connection, commune_code: str, name: str, user: str, reason: str, at: str) -> str:
    """A village named in an imported list, inside the caller's transaction (audited)."""
    name = clean_text(name) or ""
    uid = new_uid()
    row = {"uid": uid, "commune_code": commune_code, "name": name, "name_key": search_key(name), "type": "thôn",
           "rev": 1, "updated_at": at, "updated_by": user, "origin": ""}
    conn.execute(f"INSERT INTO village ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    audit.record_change(conn, "village", uid, None, {"commune_code": commune_code, "name": name, "type": "thôn"},
                        user, reason, at=at)
    return uid


def add_round(conn: sqlite3.Connection, rnd: ReviewRound, user: str, reason: str, at: str) -> None:
    """A periodic round an import writes into, when the commune has none for that year (caller's transaction)."""
    data = {k: getattr(rnd, k) for k in ("commune_code", "kind", "review_year", "list_year", "month",
                                         "reference_date", "state", "locked", "standard_id")}
    rnd.meta.rev = upsert_audited(conn, "review_round", "uid", rnd.uid, data, user=user, reason=reason, at=at)


def saved_mapping(conn: sqlite3.Connection, shape: str) -> dict | None:
    text = settings.get(conn, MAPPING_PREFIX + shape)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def save_mapping(conn: sqlite3.Connection, shape: str, mapping: dict) -> None:
    """Remember a column mapping for files of the same shape (inside the caller's transaction)."""
    settings.put(conn, MAPPING_PREFIX + shape, json.dumps(mapping, ensure_ascii=False, sort_keys=True))


def insert_new_households(conn: sqlite3.Connection, items: list[tuple], user: str, reason: str, at: str) -> None:
    """New households from an imported list, with members, housing and their review, inside the caller's
    transaction: raw executemany (store.bulk) and ONE audit row per record naming the file, as the bulk
    loader does (a new record's values are its row; a per-field audit of 4,000 households is ~600,000
    rows). ``items``: (HouseholdBundle, Review) pairs, already filled and validated by the review service."""
    from bkdesk.model.rules.records import Household, Housing, Member, Review, data_fields
    from bkdesk.model.store.access import current_user
    from bkdesk.model.store.bulk import (
        AUDITED,
        audit_insert_rows,
        insert_rows,
        member_keys,
    )
    from bkdesk.model.store.repo_base import local_origin
    from bkdesk.model.store.repo_desk import refresh_current
    from bkdesk.model.store.repo_households import _head

    if not items:
        return
    origin = local_origin(conn)
    sync = (1, at, user, origin)
    sync_cols = ("rev", "updated_at", "updated_by", "origin")

    def clean(record, fields):  # the importer cleaned every text cell it parsed; codes and uids need nothing
        return tuple(getattr(record, f) for f in fields)

    def derived(hh, members) -> dict:  # repo_households._derived, with the name keys cached per name
        head = _head(members)
        parts = [hh.household_no] + [m.full_name for m in members] + [m.id_number or "" for m in members]
        return {"head_name": head.full_name if head else "", "head_sort": member_keys(head.full_name)[1] if head
                else "", "search_text": " | ".join(search_key(p) for p in parts if p)}

    hh_fields = [f for f in data_fields(Household) if f != "uid"]
    m_fields = [f for f in data_fields(Member) if f != "uid"]
    r_fields = [f for f in data_fields(Review) if f != "uid"]
    h_fields = data_fields(Housing)
    tables: dict[str, tuple[tuple, list]] = {
        "household": (("uid", *hh_fields, "head_name", "head_sort", "search_text", *sync_cols), []),
        "member": (("uid", *m_fields, "name_key", "name_sort", *sync_cols), []),
        "housing": (("household_uid", *h_fields, *sync_cols), []),
        "review": (("uid", *r_fields, *sync_cols), []),
        "review_indicator": (("review_uid", "indicator_code", "computed", "final", "reason", "missing"), []),
        "review_cause": (("review_uid", "cause_code", "text"), []),
        "review_need": (("review_uid", "need_code", "text"), []),
        "review_group": (("review_uid", "group_code", "derived", "final", "reason"), []),
    }
    for bundle, review in items:
        hh = bundle.household
        d = derived(hh, bundle.members)
        tables["household"][1].append((hh.uid, *clean(hh, hh_fields), d["head_name"],
                                       d["head_sort"], d["search_text"], *sync))
        for m in bundle.members:
            tables["member"][1].append((m.uid, *clean(m, m_fields), *member_keys(m.full_name),
                                        *sync))
        tables["housing"][1].append((hh.uid, *clean(bundle.housing, h_fields), *sync))
        tables["review"][1].append((review.uid, *clean(review, r_fields), *sync))
        for code, v in review.indicators.items():
            tables["review_indicator"][1].append((review.uid, code, v.computed, v.final, clean_text(v.reason) or "",
                                                  v.missing))
        tables["review_cause"][1].extend((review.uid, c, clean_text(t) or "") for c, t in review.causes.items())
        tables["review_need"][1].extend((review.uid, c, clean_text(t) or "") for c, t in review.needs.items())
        tables["review_group"][1].extend((review.uid, c, g.derived, g.final, clean_text(g.reason) or "")
                                         for c, g in review.groups.items())
    audit_rows: list[tuple] = []
    for table, (columns, rows) in tables.items():
        insert_rows(conn, table, columns, rows)
        if table in AUDITED:
            audit_rows += audit_insert_rows(table, columns, rows, reason)
    who = current_user(conn)  # the logged-in user, as audit.record_change writes it
    if who:
        audit_rows = [(at_, who, *rest) for at_, _, *rest in audit_rows]
    insert_rows(conn, "audit_log", ("at", "user", "table_name", "record_uid", "action", "reason", "origin"),
                audit_rows)
    refresh_current(conn, [b.household.uid for b, _ in items])
