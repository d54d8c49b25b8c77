"""Covering indexes for the desk's status-bar totals and village counts (household) and the per-class
counts of a list year (review): after each save the desk recounts them, and at 81,480 households the
full-table scans took ~300 ms of a save (DESIGN.md §5: save a household < 50 ms).

VACUUM INTO (backups, restore) writes every index before every trigger and view; an index created after
them would change place in the copy and break byte-level dump comparisons, so triggers and views are
dropped and recreated after the new indexes (same SQL, same order)."""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS household_totals ON household (commune_code, village_uid, complete)",
    "CREATE INDEX IF NOT EXISTS review_totals ON review (commune_code, list_year, final_class, household_uid)",
)


def apply(conn):
    later = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
                         " AND sql IS NOT NULL ORDER BY rowid").fetchall()
    for kind in ("trigger", "view"):  # triggers first: a trigger may sit on a view
        for k, name, _sql in later:
            if k == kind:
                conn.execute(f'DROP {kind.upper()} "{name}"')
    for statement in INDEXES:
        conn.execute(statement)
    for _kind, _name, sql in later:
        conn.execute(sql)
