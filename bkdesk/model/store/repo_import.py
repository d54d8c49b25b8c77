"""SQL for the list importer: who is already in the commune (by household code, head's CCCD, head's name),
villages created by an import, the periodic round an import writes into, and saved column mappings."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from bkdesk.model.rules.records import ReviewRound, new_uid
from bkdesk.model.rules.text import clean_text, search_key
from bkdesk.model.store import audit, settings
from bkdesk.model.store.repo_base import upsert_audited

MAPPING_PREFIX = "import_mapping:"


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
