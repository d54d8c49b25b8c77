"""Recipient encryption keys of sync packages (m0008): this database's own X25519 private key as a
receiving level, and the public keys of the levels above it sends to. No logic beyond storage here: the
checks and the cryptography live in ``bkdesk.export.sync.recipients`` and ``.sealing``."""

from __future__ import annotations

import base64

from bkdesk.dbapi import sqlite3


def own_private_key(conn: sqlite3.Connection) -> bytes | None:
    """The raw 32-byte X25519 private key of this database, or None when none was made yet."""
    row = conn.execute("SELECT private_key FROM sync_recipient_own WHERE id = 1").fetchone()
    return base64.b64decode(row[0]) if row and row[0] else None


def store_own_private_key(conn: sqlite3.Connection, raw: bytes, at: str) -> None:
    conn.execute("INSERT INTO sync_recipient_own (id, private_key, created_at) VALUES (1, ?, ?)",
                 (base64.b64encode(raw).decode(), at))


def recipients(conn: sqlite3.Connection, status: str | None = "active") -> list[sqlite3.Row]:
    sql = "SELECT * FROM sync_recipient WHERE (:st IS NULL OR status = :st) ORDER BY unit_code, id"
    return conn.execute(sql, {"st": status}).fetchall()


def add_recipient(conn: sqlite3.Connection, unit_code: str, unit_name: str, unit_level: str, public_key: str,
                  fingerprint: str, at: str, user: str) -> list[str]:
    """Register (or re-activate) a recipient key; the unit's other active keys are retired. Returns the
    fingerprints retired. Inside the caller's transaction."""
    conn.execute("INSERT INTO sync_recipient (unit_code, unit_name, unit_level, public_key, fingerprint, status,"
                 " added_at, added_by) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)"
                 " ON CONFLICT (unit_code, fingerprint) DO UPDATE SET status = 'active', unit_name = excluded.unit_name,"
                 " added_at = excluded.added_at, added_by = excluded.added_by",
                 (unit_code, unit_name, unit_level, public_key, fingerprint, at, user))
    retired = [r[0] for r in conn.execute(
        "SELECT fingerprint FROM sync_recipient WHERE unit_code = ? AND fingerprint <> ? AND status = 'active'",
        (unit_code, fingerprint))]
    conn.execute("UPDATE sync_recipient SET status = 'retired' WHERE unit_code = ? AND fingerprint <> ?",
                 (unit_code, fingerprint))
    return retired
