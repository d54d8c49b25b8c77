"""Report data queries (reports.md §1-§6): every SQL statement the official outputs need lives here.

A review counts only when it is the household's periodic review of the review year R (list year R + 1)
and its record_status is 'confirmed' or 'decided' (households.md §2). Callers get plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules.text import search_key
from bkdesk.model.store import repo_snapshots
from bkdesk.model.store.repo_list_status import status_at_registration

COUNTED = ("confirmed", "decided")
PRESENT = ("present", "new_born", "moved_in")
_ST = "('confirmed', 'decided')"


def _marks(codes: Iterable[str]) -> tuple[str, list[str]]:
    codes = list(codes)
    return ",".join("?" * len(codes)) or "NULL", codes


def _scope_reviews(codes: list[str]) -> str:
    """Sub-select of the counted periodic reviews of list year ? in the communes (placeholders follow)."""
    marks = ",".join("?" * len(codes)) or "NULL"
    return (f"SELECT uid FROM review WHERE review_type = 'periodic' AND list_year = ? AND record_status IN {_ST}"
            f" AND commune_code IN ({marks})")


def counted_reviews(conn: sqlite3.Connection, commune_codes: list[str], review_year: int,
                    look_back_from: int) -> list[dict]:
    """One dict per counted periodic review of review year R in the communes, with the start snapshot.

    ``prev_class`` / ``prev_members`` come from the household's counted periodic review of list year R (the
    lists in force at the start of the period); ``was_poor`` / ``was_near`` say whether an earlier counted
    list (list years ``look_back_from`` .. R) had the household as poor / near-poor (relapse rule §12).
    """
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT r.uid AS review_uid, r.household_uid, r.commune_code, coalesce(r.village_uid, h.village_uid) AS village_uid,
           r.household_no AS review_no,
           r.final_class, r.start_status, r.members_count, r.reference_date, r.reasons_text, r.decision_id,
           r.score_a_final, r.score_b, r.deprivation_count, r.reviewers, r.household_representative, r.area,
           r.review_date, r.computed_class, r.override_reason, r.income_12m_vnd, r.members_counted,
           h.household_no, h.head_name, h.head_sort, h.address, h.status AS household_status,
           v.name AS village_name, v.name_key AS village_key,
           (SELECT p.final_class FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.list_year = r.list_year - 1 AND p.record_status IN {_ST}
              ORDER BY p.updated_at DESC LIMIT 1) AS prev_class,
           (SELECT p.members_count FROM review p WHERE p.household_uid = r.household_uid
              AND p.review_type = 'periodic' AND p.list_year = r.list_year - 1 AND p.record_status IN {_ST}
              ORDER BY p.updated_at DESC LIMIT 1) AS prev_members,
           EXISTS (SELECT 1 FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.record_status IN {_ST} AND p.final_class = 'POOR' AND p.list_year < r.list_year
              AND p.list_year >= ?) AS was_poor,
           EXISTS (SELECT 1 FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.record_status IN {_ST} AND p.final_class = 'NEAR_POOR' AND p.list_year < r.list_year
              AND p.list_year >= ?) AS was_near
    FROM review r JOIN household h ON h.uid = r.household_uid
    LEFT JOIN village v ON v.uid = coalesce(r.village_uid, h.village_uid)
    WHERE r.review_type = 'periodic' AND r.list_year = ? AND r.record_status IN {_ST}
      AND r.commune_code IN ({marks})
    ORDER BY r.commune_code, v.name_key, h.household_no, h.uid
    """
    rows = conn.execute(sql, [look_back_from, look_back_from, review_year + 1, *codes]).fetchall()
    return [dict(r) for r in rows]


def regular_reviews(conn: sqlite3.Connection, commune_codes: list[str], year: int, month: int) -> list[dict]:
    """Every review of the communes' regular rounds of ``month``/``year`` (drafts included, ``counted`` says
    whether it is confirmed or decided), with the household's class on the lists in force (the counted
    periodic review of list year ``year``) as the start status."""
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT r.uid AS review_uid, r.household_uid, r.commune_code, coalesce(r.village_uid, h.village_uid) AS village_uid,
           r.household_no AS review_no, r.record_status, r.record_status IN {_ST} AS counted, rr.state AS round_state,
           r.final_class, r.start_status, r.members_count, r.reference_date, r.reasons_text, r.decision_id,
           r.score_a_final, r.score_b, r.deprivation_count, r.reviewers, r.household_representative, r.area,
           r.review_date, r.computed_class, r.override_reason, r.roster_snapshot,
           h.household_no, h.head_name, h.head_sort, h.address, h.status AS household_status,
           v.name AS village_name, v.name_key AS village_key,
           (SELECT p.final_class FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.list_year = r.list_year AND p.record_status IN {_ST}
              ORDER BY p.updated_at DESC LIMIT 1) AS prev_class,
           (SELECT p.members_count FROM review p WHERE p.household_uid = r.household_uid
              AND p.review_type = 'periodic' AND p.list_year = r.list_year AND p.record_status IN {_ST}
              ORDER BY p.updated_at DESC LIMIT 1) AS prev_members,
           EXISTS (SELECT 1 FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.record_status IN {_ST} AND p.final_class = 'POOR' AND p.list_year < r.list_year) AS was_poor,
           EXISTS (SELECT 1 FROM review p WHERE p.household_uid = r.household_uid AND p.review_type = 'periodic'
              AND p.record_status IN {_ST} AND p.final_class = 'NEAR_POOR' AND p.list_year < r.list_year) AS was_near
    FROM review r JOIN review_round rr ON rr.uid = r.round_uid JOIN household h ON h.uid = r.household_uid
    LEFT JOIN village v ON v.uid = coalesce(r.village_uid, h.village_uid)
    WHERE rr.kind = 'regular' AND rr.review_year = ? AND rr.month = ? AND r.commune_code IN ({marks})
    ORDER BY r.commune_code, v.name_key, h.household_no, h.uid
    """
    return [dict(r) for r in conn.execute(sql, [year, month, *codes])]


def rosters_of(conn: sqlite3.Connection, reviews: list[dict]) -> dict[str, list[dict]]:
    """household uid -> the roster each review row (with roster_snapshot) saw."""
    return {r["household_uid"]: review_roster(conn, r) for r in reviews}


def communes_with_lists(conn: sqlite3.Connection, commune_codes: list[str], list_year: int) -> set[str]:
    """Communes that have at least one counted periodic review of ``list_year`` (the lists in force then)."""
    marks, codes = _marks(commune_codes)
    return {r[0] for r in conn.execute(
        f"SELECT DISTINCT commune_code FROM review WHERE review_type = 'periodic' AND list_year = ?"
        f" AND record_status IN {_ST} AND commune_code IN ({marks})", [list_year, *codes])}


def departed_households(conn: sqlite3.Connection, commune_codes: list[str], review_year: int) -> list[dict]:
    """Households on the start lists (counted review of list year R) that left the commune before the end
    of the period: no counted review in round R and a household status other than active (§12 ABSENT)."""
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT p.household_uid, p.commune_code, p.final_class AS prev_class, p.members_count AS prev_members,
           (SELECT count(*) FROM member m WHERE m.household_uid = p.household_uid
              AND m.presence IN ('present', 'new_born', 'moved_in')) AS roster,
           h.head_name, h.household_no, h.status
    FROM review p JOIN household h ON h.uid = p.household_uid
    WHERE p.review_type = 'periodic' AND p.list_year = ? AND p.record_status IN {_ST}
      AND p.final_class IN ('POOR', 'NEAR_POOR') AND p.commune_code IN ({marks}) AND h.status != 'active'
      AND NOT EXISTS (SELECT 1 FROM review r WHERE r.household_uid = p.household_uid AND r.review_type = 'periodic'
                      AND r.list_year = ? AND r.record_status IN {_ST})
    """
    return [dict(r) for r in conn.execute(sql, [review_year, *codes, review_year + 1])]


def unreviewed_households(conn: sqlite3.Connection, commune_codes: list[str], review_year: int) -> list[dict]:
    """Active households on the start lists with no counted review in round R ("chưa rà soát", §13)."""
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT p.household_uid, p.commune_code, p.final_class AS prev_class, p.members_count AS prev_members,
           (SELECT count(*) FROM member m WHERE m.household_uid = p.household_uid
              AND m.presence IN ('present', 'new_born', 'moved_in')) AS roster,
           h.head_name, h.household_no
    FROM review p JOIN household h ON h.uid = p.household_uid
    WHERE p.review_type = 'periodic' AND p.list_year = ? AND p.record_status IN {_ST}
      AND p.final_class IN ('POOR', 'NEAR_POOR') AND p.commune_code IN ({marks}) AND h.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM review r WHERE r.household_uid = p.household_uid AND r.review_type = 'periodic'
                      AND r.list_year = ? AND r.record_status IN {_ST})
    ORDER BY h.household_no
    """
    return [dict(r) for r in conn.execute(sql, [review_year, *codes, review_year + 1])]


def _child_rows(conn, table: str, cols: str, where_extra: str, commune_codes: list[str], review_year: int):
    sub = _scope_reviews(commune_codes)
    sql = f"SELECT review_uid, {cols} FROM {table} WHERE review_uid IN ({sub}){where_extra}"
    return conn.execute(sql, [review_year + 1, *commune_codes])


def deprived_indicators(conn, commune_codes: list[str], review_year: int) -> dict[str, set[str]]:
    """review uid -> indicator codes whose final value (computed when not confirmed) is deprived."""
    out: dict[str, set[str]] = {}
    for uid, code in _child_rows(conn, "review_indicator", "indicator_code",
                                 " AND coalesce(final, computed) = 'deprived'", commune_codes, review_year):
        out.setdefault(uid, set()).add(code)
    return out


def deprived_of(conn, review_uids: list[str]) -> dict[str, set[str]]:
    """review uid -> deprived indicator codes (final, else computed) for the given reviews."""
    out: dict[str, set[str]] = {}
    for i in range(0, len(review_uids), 500):
        chunk = review_uids[i:i + 500]
        for uid, code in conn.execute(f"SELECT review_uid, indicator_code FROM review_indicator WHERE review_uid IN"
                                      f" ({','.join('?' * len(chunk))}) AND coalesce(final, computed) = 'deprived'",
                                      chunk):
            out.setdefault(uid, set()).add(code)
    return out


def indicator_values(conn, review_uid: str) -> dict[str, dict]:
    rows = conn.execute("SELECT indicator_code, computed, final, reason FROM review_indicator WHERE review_uid = ?",
                        (review_uid,))
    return {r[0]: {"computed": r[1], "final": r[2], "reason": r[3]} for r in rows}


def review_codes(conn, table: str, commune_codes: list[str], review_year: int) -> dict[str, dict[str, str]]:
    """review uid -> {code: text} for review_cause / review_need."""
    col = {"review_cause": "cause_code", "review_need": "need_code"}[table]
    out: dict[str, dict[str, str]] = {}
    for uid, code, text in _child_rows(conn, table, f"{col}, text", "", commune_codes, review_year):
        out.setdefault(uid, {})[code] = text
    return out


def review_groups(conn, commune_codes: list[str], review_year: int) -> dict[str, dict[str, int]]:
    """review uid -> {group code: final flag}."""
    out: dict[str, dict[str, int]] = {}
    for uid, code, final in _child_rows(conn, "review_group", "group_code, final", "", commune_codes, review_year):
        out.setdefault(uid, {})[code] = int(final)
    return out


_REPORT_MEMBER_COLS = ("uid, household_uid, position, full_name, sex, birth_date, birth_date_precision, ethnicity,"
                       " relation_to_head, presence, presence_date, malnourished, health_insurance,"
                       " currently_studying, level_suitable_for_age, able_to_work, merit_person,"
                       " monthly_social_allowance, note, id_number, id_issue_date, id_issue_place,"
                       " permanent_residence, current_residence")
_MEMBER_COLS = _REPORT_MEMBER_COLS + ", labour_status"


def members_of_reviewed(conn, commune_codes: list[str], review_year: int) -> dict[str, list[dict]]:
    """household uid -> the roster its counted review of round R was decided on (review_roster rows of the
    snapshot, every presence state, by position); the JSON snapshot, else today's members, for a review that
    has no rows (e.g. just merged)."""
    sub = (f"SELECT uid FROM review WHERE review_type = 'periodic' AND list_year = ?"
           f" AND record_status IN {_ST} AND commune_code IN ({','.join('?' * len(commune_codes)) or 'NULL'})")
    cols = repo_snapshots.ROSTER_COLS
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples: a third of the cost of Row -> dict at 330,000 persons
    household_of = dict(cur.execute(sub.replace("SELECT uid", "SELECT uid, household_uid", 1),
                                    [review_year + 1, *commune_codes]).fetchall())
    cur.execute(f"SELECT review_uid, {', '.join(cols)} FROM review_roster WHERE review_uid IN ({sub})"
                f" ORDER BY review_uid, position", [review_year + 1, *commune_codes])
    out: dict[str, list[dict]] = {}
    for row in cur:
        household_uid = household_of[row[0]]
        member = dict(zip(cols, row[1:], strict=True))
        member["household_uid"] = household_uid
        out.setdefault(household_uid, []).append(member)
    cur.execute(f"SELECT household_uid, roster_snapshot FROM review WHERE uid IN ({sub})"
                f" AND NOT EXISTS (SELECT 1 FROM review_roster x WHERE x.review_uid = review.uid)",
                [review_year + 1, *commune_codes])
    live: list[str] = []
    for household_uid, text in cur.fetchall():
        roster = repo_snapshots.parse_roster(text, household_uid)
        if roster is None:
            live.append(household_uid)
        else:
            out[household_uid] = roster
    for i in range(0, len(live), 500):
        chunk = live[i:i + 500]
        cur.execute(f"SELECT {_REPORT_MEMBER_COLS} FROM member WHERE household_uid IN ({','.join('?' * len(chunk))})"
                    " ORDER BY household_uid, position", chunk)
        names = [d[0] for d in cur.description]
        for row in cur:
            out.setdefault(row[1], []).append(dict(zip(names, row, strict=True)))
    return out


def review_roster(conn, review: dict) -> list[dict]:
    """The roster a review row saw (its stored roster rows, else its JSON snapshot); today's members when it
    has neither (a draft)."""
    uid = review.get("review_uid") or review.get("uid")
    roster = repo_snapshots.roster_rows(conn, uid, review["household_uid"]) if uid else None
    if roster is None:
        roster = repo_snapshots.parse_roster(review.get("roster_snapshot"), review["household_uid"])
    return roster if roster is not None else members_of(conn, review["household_uid"])


def members_of(conn, household_uid: str) -> list[dict]:
    return [dict(r) for r in conn.execute(f"SELECT {_MEMBER_COLS} FROM member WHERE household_uid = ?"
                                          " ORDER BY position", (household_uid,))]


def household_row(conn, household_uid: str) -> dict | None:
    row = conn.execute("SELECT h.*, v.name AS village_name FROM household h LEFT JOIN village v"
                       " ON v.uid = h.village_uid WHERE h.uid = ?", (household_uid,)).fetchone()
    return dict(row) if row else None


def household_history(conn, household_uid: str) -> list[dict]:
    """Counted periodic reviews of a household, by list year (certificate grid, Form 03)."""
    rows = conn.execute(f"SELECT uid, list_year, final_class FROM review WHERE household_uid = ?"
                        f" AND review_type = 'periodic' AND record_status IN {_ST} ORDER BY list_year",
                        (household_uid,)).fetchall()
    return [dict(r) for r in rows]


def households_in(conn, commune_codes: list[str], village_uid: str | None = None) -> list[str]:
    """Active household uids of the communes (or of one village), in village and number order."""
    marks, codes = _marks(commune_codes)
    sql = (f"SELECT h.uid FROM household h LEFT JOIN village v ON v.uid = h.village_uid"
           f" WHERE h.status = 'active' AND h.commune_code IN ({marks})")
    args: list = list(codes)
    if village_uid:
        sql += " AND h.village_uid = ?"
        args.append(village_uid)
    return [r[0] for r in conn.execute(sql + " ORDER BY h.commune_code, v.name_key, h.household_no, h.uid", args)]


def exit_registrations_in(conn, commune_codes: list[str], year: int) -> list[dict]:
    """Registrations of the year with the household's counted class at the end of that year's round."""
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT e.uid, e.household_uid, e.target, e.withdrawn_date, e.support_received, e.registration_date,
           e.registration_year, h.head_name, h.status,
           h.commune_code, v.name AS village_name,
           (SELECT r.final_class FROM review r WHERE r.household_uid = e.household_uid AND r.review_type = 'periodic'
              AND r.list_year = ? AND r.record_status IN {_ST} ORDER BY r.updated_at DESC LIMIT 1) AS final_class
    FROM exit_registration e JOIN household h ON h.uid = e.household_uid
    LEFT JOIN village v ON v.uid = h.village_uid
    WHERE e.registration_year = ? AND h.commune_code IN ({marks})
    ORDER BY v.name_key, h.household_no
    """
    rows = [dict(r) for r in conn.execute(sql, [year + 1, year, *codes])]
    for r in rows:  # households.md §14: the target must match the status on the registration date
        r["registered_status"] = status_at_registration(conn, r["household_uid"], r["registration_date"],
                                                        r["registration_year"])
    return rows


def open_conflicts(conn, commune_codes: list[str]) -> int:
    """Unresolved sync conflicts on records of the communes (households, members, reviews, registrations)."""
    marks, codes = _marks(commune_codes)
    sql = f"""
    SELECT count(*) FROM sync_conflict c WHERE c.status = 'open' AND (
        c.record_uid IN (SELECT uid FROM household WHERE commune_code IN ({marks}))
     OR c.record_uid IN (SELECT uid FROM review WHERE commune_code IN ({marks}))
     OR c.record_uid IN (SELECT m.uid FROM member m JOIN household h ON h.uid = m.household_uid
                         WHERE h.commune_code IN ({marks}))
     OR c.record_uid IN (SELECT e.uid FROM exit_registration e JOIN household h ON h.uid = e.household_uid
                         WHERE h.commune_code IN ({marks}))
     OR c.record_uid IN (SELECT uid FROM village WHERE commune_code IN ({marks}))
     OR c.record_uid IN (SELECT household_uid FROM housing WHERE household_uid IN
                         (SELECT uid FROM household WHERE commune_code IN ({marks}))))
    """
    return conn.execute(sql, codes * 6).fetchone()[0]


def round_of(conn, commune_code: str, review_year: int, month: int | None = None) -> dict | None:
    """The commune's periodic round of the year, or its regular round of ``month``."""
    if month:
        row = conn.execute("SELECT * FROM review_round WHERE commune_code = ? AND kind = 'regular'"
                           " AND review_year = ? AND month = ?", (commune_code, review_year, month)).fetchone()
    else:
        row = conn.execute("SELECT * FROM review_round WHERE commune_code = ? AND kind = 'periodic'"
                           " AND review_year = ?", (commune_code, review_year)).fetchone()
    return dict(row) if row else None


def round_reviews(conn, commune_codes: list[str], review_year: int, village_uid: str | None = None) -> list[dict]:
    """Every periodic review of round R (drafts included: printed forms are working papers), in list order."""
    marks, codes = _marks(commune_codes)
    sql = (f"SELECT r.*, h.head_name, h.address, h.household_no AS hh_no, v.name AS village_name"
           f" FROM review r JOIN household h ON h.uid = r.household_uid"
           f" LEFT JOIN village v ON v.uid = coalesce(r.village_uid, h.village_uid)"
           f" WHERE r.review_type = 'periodic' AND r.list_year = ? AND r.commune_code IN ({marks})")
    args: list = [review_year + 1, *codes]
    if village_uid:
        sql += " AND coalesce(r.village_uid, h.village_uid) = ?"
        args.append(village_uid)
    return [dict(r) for r in conn.execute(sql + " ORDER BY r.commune_code, v.name_key, h.household_no, h.uid", args)]


def review_causes(conn, review_uid: str) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT cause_code, text FROM review_cause WHERE review_uid = ?",
                                             (review_uid,))}


def deprived_by_list_year(conn, household_uid: str) -> dict[int, set[str]]:
    """list year -> deprived indicator codes of the household's counted periodic reviews (Form 03 grid)."""
    out: dict[int, set[str]] = {}
    rows = conn.execute(f"SELECT r.list_year, i.indicator_code FROM review r JOIN review_indicator i"
                        f" ON i.review_uid = r.uid WHERE r.household_uid = ? AND r.review_type = 'periodic'"
                        f" AND r.record_status IN {_ST} AND coalesce(i.final, i.computed) = 'deprived'",
                        (household_uid,))
    for year, code in rows:
        out.setdefault(year, set()).add(code)
    return out


def village_uid_by_name(conn, commune_code: str, name: str) -> str | None:
    row = conn.execute("SELECT uid FROM village WHERE commune_code = ? AND name_key = ?",
                       (commune_code, search_key(name))).fetchone()
    return row[0] if row else None
