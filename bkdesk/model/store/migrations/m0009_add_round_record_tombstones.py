"""The round's records travel in packages (issue 15, package format 4): a village meeting, a posting or a
commune decision deleted here leaves a tombstone like every other synced record, so the deletion reaches the
level above. Their scope is the commune of their round (repo_sync.ROUND_RECORD_TOMBSTONE_SCOPE).
"""

from bkdesk.model.store.migrations.m0004_add_sync_lineage import _tombstone_trigger
from bkdesk.model.store.repo_sync import ROUND_RECORD_TOMBSTONE_SCOPE


def apply(conn):
    for table, (key, scope_sql) in ROUND_RECORD_TOMBSTONE_SCOPE.items():
        conn.execute(_tombstone_trigger(table, key, scope_sql))
