"""Users of the database and their roles (issue 16).

The data key wrapped per user lives in the key file beside the database (it is needed before the file can
be read); who exists and which roles they hold live here, inside the encrypted file, so that editing the
key file can grant nothing. ``roles``: comma-separated role codes (bkdesk.model.rules.roles)."""


def apply(conn):
    conn.execute("""
        CREATE TABLE app_user (
            username TEXT PRIMARY KEY,
            display_name TEXT NOT NULL DEFAULT '',
            roles TEXT NOT NULL DEFAULT '',
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        )""")
