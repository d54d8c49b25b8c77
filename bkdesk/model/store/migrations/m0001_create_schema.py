"""First schema: units, villages, households, members, housing, rounds, reviews, codes, audit, ledger."""

# Columns every synced record carries (DESIGN.md §3).
SYNC = """
    rev INTEGER NOT NULL DEFAULT 1 CHECK (rev >= 1),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT ''
"""

SQL = f"""
CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);

CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE admin_unit (
    tree TEXT NOT NULL CHECK (tree IN ('2022', '2025')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_code TEXT,
    district_code TEXT,
    area TEXT CHECK (area IN ('urban', 'rural')),
    valid_from TEXT,
    valid_to TEXT,
    successor_code TEXT,
    PRIMARY KEY (tree, code)
);

CREATE TABLE unit_type_history (
    id INTEGER PRIMARY KEY,
    tree TEXT NOT NULL,
    code TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    area TEXT NOT NULL CHECK (area IN ('urban', 'rural')),
    valid_from TEXT,
    valid_to TEXT,
    source TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (tree, code) REFERENCES admin_unit (tree, code)
);

CREATE TABLE unit_succession (
    old_code TEXT NOT NULL,
    new_code TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (old_code, new_code)
);

CREATE TABLE village (
    uid TEXT PRIMARY KEY,
    commune_code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'thôn',
    valid_from TEXT,
    valid_to TEXT,
    successor_uid TEXT REFERENCES village (uid),
    {SYNC}
);
CREATE INDEX village_commune ON village (commune_code);

CREATE TABLE household (
    uid TEXT PRIMARY KEY,
    household_no TEXT NOT NULL DEFAULT '',
    commune_code TEXT NOT NULL,
    village_uid TEXT REFERENCES village (uid),
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'moved_out', 'merged', 'dissolved')),
    complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    head_name TEXT NOT NULL DEFAULT '',
    head_sort TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT '',
    is_demo INTEGER NOT NULL DEFAULT 0,
    {SYNC}
);
CREATE INDEX household_commune ON household (commune_code, household_no);
CREATE INDEX household_village ON household (village_uid);
CREATE INDEX household_head_sort ON household (head_sort);
-- issue 4: the desk's search scans this covering index (no table reads) in household-code order
CREATE INDEX household_desk ON household (commune_code, household_no, uid, search_text);

CREATE TABLE member (
    uid TEXT PRIMARY KEY,
    household_uid TEXT NOT NULL REFERENCES household (uid) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 1,
    full_name TEXT NOT NULL,
    name_key TEXT NOT NULL DEFAULT '',
    name_sort TEXT NOT NULL DEFAULT '',
    sex TEXT CHECK (sex IN ('1', '2')),
    birth_date TEXT,
    birth_date_precision TEXT NOT NULL DEFAULT 'day' CHECK (birth_date_precision IN ('day', 'year')),
    ethnicity TEXT,
    id_number TEXT,
    id_issue_date TEXT,
    id_issue_place TEXT,
    permanent_residence TEXT,
    current_residence TEXT,
    relation_to_head TEXT,
    presence TEXT NOT NULL DEFAULT 'present'
        CHECK (presence IN ('present', 'moved_out', 'died', 'new_born', 'moved_in')),
    presence_date TEXT,
    labour_status TEXT CHECK (labour_status IN ('co_viec_lam', 'khong_co_viec_lam', 'dang_di_hoc')),
    seeking_work INTEGER,
    wage_job INTEGER,
    labour_contract INTEGER,
    able_to_work INTEGER,
    highest_general_education TEXT,
    vocational_qualification TEXT,
    on_job_training INTEGER,
    currently_studying INTEGER,
    school_level TEXT,
    level_suitable_for_age INTEGER,
    health_insurance INTEGER,
    malnourished INTEGER,
    malnutrition_kind TEXT,
    malnutrition_source TEXT,
    disability TEXT,
    monthly_social_allowance INTEGER,
    merit_person INTEGER,
    dependant INTEGER,
    low_income_worker TEXT,
    note TEXT NOT NULL DEFAULT '',
    {SYNC}
);
CREATE INDEX member_household ON member (household_uid, position);
CREATE INDEX member_name_key ON member (name_key);
CREATE INDEX member_id_number ON member (id_number);

CREATE TABLE housing (
    household_uid TEXT PRIMARY KEY REFERENCES household (uid) ON DELETE CASCADE,
    no_house INTEGER,
    wall_durable INTEGER,
    frame_durable INTEGER,
    roof_durable INTEGER,
    wall_material TEXT,
    frame_material TEXT,
    roof_material TEXT,
    floor_area_m2 REAL CHECK (floor_area_m2 IS NULL OR floor_area_m2 >= 0),
    water_source TEXT,
    latrine_type TEXT,
    phone_subscription INTEGER,
    internet_use INTEGER,
    info_devices TEXT,
    loudspeaker_audible INTEGER,
    {SYNC}
);

CREATE TABLE household_event (
    uid TEXT PRIMARY KEY,
    household_uid TEXT NOT NULL REFERENCES household (uid) ON DELETE CASCADE,
    event TEXT NOT NULL CHECK (event IN ('moved_in', 'split_from', 'moved_out', 'merged_into', 'dissolved')),
    event_date TEXT NOT NULL,
    other_household_uid TEXT,
    place TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    {SYNC}
);

CREATE TABLE review_round (
    uid TEXT PRIMARY KEY,
    commune_code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('periodic', 'regular')),
    review_year INTEGER NOT NULL,
    list_year INTEGER NOT NULL,
    month INTEGER,
    reference_date TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    standard_id TEXT,
    {SYNC}
);
CREATE UNIQUE INDEX review_round_key ON review_round (commune_code, kind, review_year, coalesce(month, 0));

CREATE TABLE review (
    uid TEXT PRIMARY KEY,
    household_uid TEXT NOT NULL REFERENCES household (uid) ON DELETE CASCADE,
    round_uid TEXT REFERENCES review_round (uid),
    review_type TEXT NOT NULL DEFAULT 'periodic'
        CHECK (review_type IN ('periodic', 'regular', 'nlndn', 'low_income_worker')),
    list_year INTEGER NOT NULL,
    reference_date TEXT NOT NULL,
    review_date TEXT,
    commune_code TEXT NOT NULL,
    village_uid TEXT REFERENCES village (uid),
    household_no TEXT NOT NULL DEFAULT '',
    standard_id TEXT,
    standard_revision INTEGER,
    area TEXT CHECK (area IN ('urban', 'rural')),
    reviewers TEXT NOT NULL DEFAULT '',
    household_representative TEXT NOT NULL DEFAULT '',
    record_status TEXT NOT NULL DEFAULT 'draft' CHECK (record_status IN ('draft', 'confirmed', 'decided')),
    start_status TEXT CHECK (start_status IN ('POOR', 'NEAR_POOR', 'OTHER', 'ABSENT')),
    nlndn INTEGER,
    nlndn_middle_recognised INTEGER,
    phieu_a_answers TEXT,
    phieu_a_result TEXT,
    score_a_paper REAL CHECK (score_a_paper IS NULL OR score_a_paper >= 0),
    score_a_computed REAL,
    score_a_final REAL,
    score_a_source TEXT CHECK (score_a_source IN ('paper_total', 'computed')),
    score_a_reason TEXT NOT NULL DEFAULT '',
    points_table_uid TEXT,
    b1_answers TEXT,
    score_b INTEGER,
    deprivation_count INTEGER,
    computed_class TEXT CHECK (computed_class IN ('POOR', 'NEAR_POOR', 'MIDDLE', 'NOT_POOR', 'PENDING')),
    final_class TEXT CHECK (final_class IN ('POOR', 'NEAR_POOR', 'MIDDLE', 'NOT_POOR')),
    override_reason TEXT NOT NULL DEFAULT '',
    override_by TEXT NOT NULL DEFAULT '',
    override_at TEXT,
    reasons_text TEXT NOT NULL DEFAULT '',
    decision_id TEXT,
    members_count INTEGER,
    roster_snapshot TEXT,
    housing_snapshot TEXT,
    income_12m_vnd INTEGER,
    income_period_from TEXT,
    income_period_to TEXT,
    members_counted INTEGER,
    signed INTEGER NOT NULL DEFAULT 0,
    {SYNC}
);
CREATE INDEX review_household ON review (household_uid, list_year);
CREATE INDEX review_round_class ON review (round_uid, final_class);
CREATE UNIQUE INDEX review_one_per_round ON review (household_uid, round_uid) WHERE round_uid IS NOT NULL;

CREATE TABLE review_indicator (
    review_uid TEXT NOT NULL REFERENCES review (uid) ON DELETE CASCADE,
    indicator_code TEXT NOT NULL,
    computed TEXT CHECK (computed IN ('deprived', 'not_deprived', 'unknown')),
    missing TEXT NOT NULL DEFAULT '',
    final TEXT CHECK (final IN ('deprived', 'not_deprived')),
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_uid, indicator_code)
);

CREATE TABLE review_cause (
    review_uid TEXT NOT NULL REFERENCES review (uid) ON DELETE CASCADE,
    cause_code TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_uid, cause_code)
);

CREATE TABLE review_need (
    review_uid TEXT NOT NULL REFERENCES review (uid) ON DELETE CASCADE,
    need_code TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_uid, need_code)
);

CREATE TABLE review_group (
    review_uid TEXT NOT NULL REFERENCES review (uid) ON DELETE CASCADE,
    group_code TEXT NOT NULL,
    derived INTEGER,
    final INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_uid, group_code)
);

CREATE TABLE exit_registration (
    uid TEXT PRIMARY KEY,
    household_uid TEXT NOT NULL REFERENCES household (uid) ON DELETE CASCADE,
    registration_year INTEGER NOT NULL,
    registration_date TEXT,
    registered_by_member_uid TEXT REFERENCES member (uid) ON DELETE SET NULL,
    target TEXT NOT NULL CHECK (target IN ('thoat_ngheo', 'thoat_can_ngheo')),
    commitment INTEGER NOT NULL DEFAULT 0,
    commitment_text TEXT NOT NULL DEFAULT '',
    livelihood_plan TEXT NOT NULL DEFAULT '',
    livelihood_text TEXT NOT NULL DEFAULT '',
    support_needed TEXT NOT NULL DEFAULT '',
    support_received TEXT NOT NULL DEFAULT '',
    mentor_org TEXT NOT NULL DEFAULT '',
    mentor_officer TEXT NOT NULL DEFAULT '',
    form04_submitted INTEGER NOT NULL DEFAULT 0,
    form04_date TEXT,
    withdrawn_date TEXT,
    withdrawn_reason TEXT NOT NULL DEFAULT '',
    outcome_reason TEXT NOT NULL DEFAULT '',
    {SYNC},
    UNIQUE (household_uid, registration_year)
);

CREATE TABLE standard_revision (
    standard_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    data TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    source_document TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (standard_id, revision)
);

CREATE TABLE points_table (
    uid TEXT PRIMARY KEY,
    standard_id TEXT NOT NULL,
    form TEXT NOT NULL,
    region_code TEXT NOT NULL,
    area TEXT NOT NULL CHECK (area IN ('urban', 'rural')),
    version TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    checksum TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE plan_target (
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    unit_name TEXT NOT NULL DEFAULT '',
    households INTEGER,
    poor_households INTEGER,
    target_reduction_rate REAL,
    target_reduction_households INTEGER,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unit_code, year)
);

CREATE TABLE draft (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

CREATE TABLE import_ledger (
    checksum TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    round_label TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sync_conflict (
    id INTEGER PRIMARY KEY,
    table_name TEXT NOT NULL,
    record_uid TEXT NOT NULL,
    local_data TEXT NOT NULL,
    incoming_data TEXT NOT NULL,
    package_checksum TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    decided_by TEXT,
    decided_at TEXT,
    decision TEXT
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    table_name TEXT NOT NULL,
    record_uid TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_record ON audit_log (table_name, record_uid);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- issue 6: sync state per record (last version received from a package) and possible duplicate families
CREATE TABLE sync_state (
    table_name TEXT NOT NULL,
    uid TEXT NOT NULL,
    rev INTEGER NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (table_name, uid)
) WITHOUT ROWID;
CREATE TABLE sync_duplicate (
    id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL,
    household_uid TEXT NOT NULL,
    other_household_uid TEXT NOT NULL,
    package_checksum TEXT NOT NULL,
    found_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'merged')),
    UNIQUE (id_number, household_uid, other_household_uid)
);

-- issue 4: the officer's desk. household_current = each household's current review per list year (its
-- latest by reference date, then update time), kept by repo_desk.refresh_current in the writing
-- transaction, so the household table filters and sorts on indexed columns. Derived data: not synced.
CREATE TABLE household_current (
    household_uid TEXT NOT NULL,
    list_year INTEGER NOT NULL,
    review_uid TEXT NOT NULL,
    final_class TEXT,
    computed_class TEXT,
    score_a REAL,
    d INTEGER,
    PRIMARY KEY (household_uid, list_year)
) WITHOUT ROWID;
-- (household_desk, the desk's covering search index, is with the household indexes: an index created
-- after the audit triggers changes place in VACUUM INTO copies, which breaks byte-level dump comparisons)
"""


def apply(conn):
    for statement in _split(SQL):
        conn.execute(statement)


def _split(sql: str) -> list[str]:
    """Split on ';' at statement ends, keeping trigger bodies (BEGIN ... END;) whole."""
    out, buf = [], []
    for line in sql.splitlines():
        buf.append(line)
        text = "\n".join(buf).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            out.append(text)
            buf = []
    return [s for s in out if s.strip(";").strip()]
