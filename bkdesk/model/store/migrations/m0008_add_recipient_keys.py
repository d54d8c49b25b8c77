"""Packages only the level above can read (issue 16): recipient encryption keys.

- sync_recipient_own: this database's own X25519 key pair as a *receiving* level (a district or province
  database): commune packages are encrypted to its public part. Created on first need, kept inside the
  encrypted database.
- sync_recipient: the public keys of the levels above that this database sends packages to (a commune
  registers its district's or province's key once); the hidden data sheets of every package are encrypted
  to each active one. A new key of the same unit retires the previous one (audited).
"""


def apply(conn):
    conn.execute("""
        CREATE TABLE sync_recipient_own (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            private_key TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE sync_recipient (
            id INTEGER PRIMARY KEY,
            unit_code TEXT NOT NULL,
            unit_name TEXT NOT NULL DEFAULT '',
            unit_level TEXT NOT NULL,
            public_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL DEFAULT '',
            UNIQUE (unit_code, fingerprint)
        )""")
