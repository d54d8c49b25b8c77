"""Sync that never loses an edit (issue 15): version identity with ancestry, tombstones, signing keys.

- sync_state gains the content hash of the version last synced (sent or received) and its ancestry
  (hashes of the versions it descends from, newest first), so two different edits of one version are
  a conflict whatever their revision numbers, also from a copied database or a restored backup.
- sync_tombstone: a deleted record (member removed, household entered in error, village removed...)
  leaves a tombstone, written by a trigger whatever code path deletes it, so deletions travel.
- sync_key: the register of public keys trusted per unit (first key accepted explicitly, rotation
  audited); sync_own_key: this installation's own Ed25519 key pair, created here, with the database.

VACUUM INTO writes tables and indexes before triggers and views: they are dropped and recreated after the
new objects so that a copy dumps identically (see m0002).
"""

from bkdesk.model.store.repo_sync import TOMBSTONE_SCOPE, ensure_own_key
from bkdesk.model.store.schema_change import objects_before_triggers_and_views

TABLES = (
    "ALTER TABLE sync_state ADD COLUMN vhash TEXT",
    "ALTER TABLE sync_state ADD COLUMN ancestors TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE sync_tombstone (
    table_name TEXT NOT NULL,
    uid TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    deleted_at TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    vhash TEXT,
    ancestors TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (table_name, uid)
) WITHOUT ROWID""",
    """CREATE TABLE sync_own_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    private_key TEXT NOT NULL,
    created_at TEXT NOT NULL
)""",
    """CREATE TABLE sync_key (
    id INTEGER PRIMARY KEY,
    unit_code TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public_key TEXT NOT NULL DEFAULT '',
    installation_id TEXT NOT NULL DEFAULT '',
    officer TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'trusted' CHECK (status IN ('trusted', 'retired')),
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (unit_code, fingerprint)
)""",
)


def _tombstone_trigger(table: str, key: str, scope_sql: str) -> str:
    return (f"CREATE TRIGGER {table}_tombstone AFTER DELETE ON {table} BEGIN"
            " INSERT OR IGNORE INTO sync_tombstone (table_name, uid, scope, deleted_at, origin, vhash, ancestors)"
            f" VALUES ('{table}', OLD.{key}, coalesce({scope_sql}, ''),"
            " strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime'),"
            " coalesce((SELECT value FROM setting WHERE key = 'installation_id'), ''),"
            f" (SELECT vhash FROM sync_state WHERE table_name = '{table}' AND uid = OLD.{key}),"
            f" coalesce((SELECT ancestors FROM sync_state WHERE table_name = '{table}' AND uid = OLD.{key}), ''));"
            " END")


def apply(conn):
    with objects_before_triggers_and_views(conn):
        for statement in TABLES:
            conn.execute(statement)
    for table, (key, scope_sql) in TOMBSTONE_SCOPE.items():
        conn.execute(_tombstone_trigger(table, key, scope_sql))
    ensure_own_key(conn)
