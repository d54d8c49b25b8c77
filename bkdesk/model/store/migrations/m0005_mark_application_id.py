"""Mark the file as a bkdesk database: ``PRAGMA application_id`` (SQLite header bytes 68-71).

With the ``schema_migration`` table it lets bkdesk refuse, untouched, any other SQLite file (another
application's database, a file from a newer bkdesk) instead of migrating it in place (issue 17)."""

APPLICATION_ID = 0x424B4453  # "BKDS"; keep equal to bkdesk.model.store.db.APPLICATION_ID


def apply(conn):
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
