"""Demo data (issue 8): deterministic, annex counts exact, classes are the engine's, `bkdesk check` passes."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bkdesk.cli.main import main as cli_main
from bkdesk.dbapi import sqlite3
from bkdesk.model.demo import build as demo
from bkdesk.model.rules.classify import classify
from bkdesk.model.rules.indicators import age_on, compute_indicators
from bkdesk.model.rules.units import TREE_2022, catalog
from bkdesk.model.store.bulk import class_counts, derived_like_repo, household_counts, household_derived
from bkdesk.model.store.check import check_database, check_warnings
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_standards import standard_for_list_year


@pytest.fixture(scope="module")
def commune_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "commune.sqlite"
    demo.build_demo_database(path, "commune", seed=3)
    conn = open_db(path)
    yield conn
    conn.close()


def test_allocation_matches_the_annex_per_district():
    plans = demo.allocate(seed=1)
    targets = demo.plan_targets()
    assert len(plans) == 108
    for d in targets.values():
        communes = [p for p in plans.values() if p.district == d.code]
        assert len(communes) == len(catalog().communes_under(d.code, TREE_2022))
        assert sum(p.households for p in communes) == d.households
        assert sum(p.poor for p in communes) == d.poor
        for p in communes:
            assert sum(n for _, _, n in p.transitions) == p.households
            assert sum(n for a, _, n in p.transitions if a == "POOR") == p.poor
    assert sum(d.households for d in targets.values()) == 81480
    assert sum(d.poor for d in targets.values()) == 21946


def test_allocation_is_deterministic_and_depends_on_the_seed():
    assert demo.allocate(1) == demo.allocate(1)
    assert demo.allocate(1) != demo.allocate(2)


@given(total=st.integers(0, 5000), weights=st.lists(st.floats(0.01, 10), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_split_exact_sums_and_respects_caps(total, weights):
    caps = [max(1, int(w * 100)) for w in weights]
    if total > sum(caps):
        return
    parts = demo.split_exact(total, weights, caps)
    assert sum(parts) == total
    assert all(0 <= p <= c for p, c in zip(parts, caps, strict=True))


def test_commune_build_is_sound_and_marked_as_demo(commune_db):
    conn = commune_db
    assert check_database(conn) == []
    assert conn.execute("SELECT value FROM setting WHERE key='is_demo'").fetchone()[0] == "1"
    assert conn.execute("SELECT count(*) FROM household WHERE is_demo <> 1").fetchone()[0] == 0
    code = demo.DEFAULT_COMMUNE
    plan = demo.allocate(3)[code]
    assert household_counts(conn, by="commune") == {code: plan.households}
    assert class_counts(conn, 2021, by="commune")[code]["POOR"] == plan.poor
    # Every record carries one audit row of the demo build.
    for table in ("household", "member", "review", "village", "exit_registration"):
        n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        audited = conn.execute("SELECT count(DISTINCT record_uid) FROM audit_log WHERE table_name=? AND"
                               " action='insert' AND reason=?", (table, demo.DEMO_REASON)).fetchone()[0]
        assert n > 0 and audited == n, table


def test_every_household_has_both_rounds_and_a_head(commune_db):
    conn = commune_db
    n = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    rounds = conn.execute("SELECT review_year, list_year, reference_date FROM review_round ORDER BY 1").fetchall()
    assert [tuple(r) for r in rounds] == [(2021, 2022, "2021-09-01"), (2022, 2023, "2022-09-01")]
    per_round = conn.execute("SELECT count(*) FROM review GROUP BY round_uid").fetchall()
    assert [r[0] for r in per_round] == [n, n]
    heads = conn.execute("SELECT count(*) FROM member WHERE relation_to_head='chu_ho'").fetchone()[0]
    assert heads == n
    assert conn.execute("SELECT count(*) FROM review_indicator").fetchone()[0] == 2 * n * 12


def test_stored_classes_are_what_the_engine_computes(commune_db):
    """Recompute a sample of reviews from the stored roster/housing (or the review's snapshot)."""
    conn = commune_db
    rows = conn.execute("SELECT * FROM review ORDER BY uid LIMIT 300").fetchall()
    for r in rows:
        ref = dt.date.fromisoformat(r["reference_date"])
        std = standard_for_list_year(r["list_year"])
        if r["roster_snapshot"]:
            roster, housing = json.loads(r["roster_snapshot"]), json.loads(r["housing_snapshot"])
        else:
            roster = [dict(m) for m in conn.execute("SELECT * FROM member WHERE household_uid=? ORDER BY position",
                                                     (r["household_uid"],))]
            housing = dict(conn.execute("SELECT * FROM housing WHERE household_uid=?", (r["household_uid"],)).fetchone())
        computed = {c: v.value for c, v in compute_indicators(std, roster, housing, ref).items()}
        stored = {i["indicator_code"]: (i["computed"], i["final"], i["reason"]) for i in
                  conn.execute("SELECT * FROM review_indicator WHERE review_uid=?", (r["uid"],))}
        assert {c: v[0] for c, v in stored.items()} == computed
        for c, (comp, final, reason) in stored.items():
            assert final == comp or reason, c
        res = classify(r["list_year"], r["commune_code"], ref, r["score_a_final"], {c: v[1] for c, v in stored.items()},
                       nlndn_middle=bool(r["nlndn_middle_recognised"]), standard=std)
        assert res.cls == r["final_class"] == r["computed_class"]
        assert res.deprivation_count == r["deprivation_count"]


def test_members_are_consistent_with_their_age(commune_db):
    conn = commune_db
    for m in conn.execute("SELECT * FROM member"):
        age, _ = age_on(dict(m), dt.date(2022, 9, 1))
        if m["malnourished"] is not None:
            assert age < 16
        if m["labour_contract"] is not None:
            assert m["wage_job"] == 1
        if m["seeking_work"] is not None:
            assert m["labour_status"] == "khong_co_viec_lam"
        if age < 13:
            assert m["id_number"] is None and m["labour_status"] is None
        if m["id_number"]:
            assert len(m["id_number"]) == 12 and m["id_number"].isdigit()
        if m["currently_studying"] == 1 and age >= 15:
            assert m["labour_status"] == "dang_di_hoc"


def test_causes_and_needs_only_for_poor_and_near_poor(commune_db):
    conn = commune_db
    bad = conn.execute("SELECT count(*) FROM review_cause c JOIN review r ON r.uid=c.review_uid"
                       " WHERE r.final_class NOT IN ('POOR','NEAR_POOR')").fetchone()[0]
    assert bad == 0
    missing = conn.execute("SELECT count(*) FROM review r WHERE r.final_class IN ('POOR','NEAR_POOR') AND NOT EXISTS"
                           " (SELECT 1 FROM review_cause c WHERE c.review_uid=r.uid)").fetchone()[0]
    assert missing == 0
    # Exit registrations match the household's status at registration (households.md §14).
    for target, cls in conn.execute(
            "SELECT e.target, r.final_class FROM exit_registration e JOIN review r ON r.household_uid=e.household_uid"
            " JOIN review_round o ON o.uid=r.round_uid AND o.review_year=2021"):
        assert (target, cls) in (("thoat_ngheo", "POOR"), ("thoat_can_ngheo", "NEAR_POOR"))


def test_same_seed_same_data(tmp_path):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    demo.build_demo_database(a, "commune", seed=5, code="01885")
    demo.build_demo_database(b, "commune", seed=5, code="01885")

    def content(path):
        c = sqlite3.connect(path)
        c.row_factory = sqlite3.Row
        try:  # everything but the origin column, which is each database's own installation id
            return [[{k: r[k] for k in r.keys() if k != "origin"} for r in c.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
                    for t in ("household", "member", "review", "review_indicator", "exit_registration")]
        finally:
            c.close()

    first = content(a)
    assert first == content(b)
    assert len(first[0]) > 300


def test_household_derived_matches_the_repository():
    rng = random.Random(0)
    roster = [{"full_name": n, "id_number": i, "presence": "present", "relation_to_head": r, "position": p}
              for p, (n, i, r) in enumerate([("Hoàng Văn Pắn", "006090001234", "chu_ho"),
                                             ("Nông Thị Ỷ", None, "vo"), ("Hoàng Thị Mây", "", "con")], start=1)]
    for _ in range(3):
        no = f"{rng.randrange(10000):04d}"
        assert household_derived(no, roster) == derived_like_repo(no, roster)


def test_district_scale_counts_equal_the_annex(tmp_path):
    path = tmp_path / "district.sqlite"
    demo.build_demo_database(path, "district", seed=1, code="062", workers=2)
    conn = open_db(path)
    try:
        target = demo.plan_targets()["062"]
        assert household_counts(conn)["062"] == target.households
        assert class_counts(conn, 2021)["062"]["POOR"] == target.poor
        assert check_database(conn) == []
        assert check_warnings(conn) == []  # no relation/sex/age/education or middle-living contradiction
    finally:
        conn.close()


def test_cli_demo_creates_a_scoped_database_and_refuses_a_non_empty_one(tmp_path, capsys):
    path = tmp_path / "cli.sqlite"
    assert cli_main(["demo", "--db", str(path), "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "Đã tạo dữ liệu mẫu" in out and "Thời gian" in out
    conn = open_db(path)
    try:
        scope = dict(conn.execute("SELECT key, value FROM setting WHERE key IN ('scope','scope_code')").fetchall())
    finally:
        conn.close()
    assert scope == {"scope": "commune", "scope_code": demo.DEFAULT_COMMUNE}
    assert cli_main(["demo", "--db", str(path)]) == 2
    assert "đã có hộ gia đình" in capsys.readouterr().err
    assert cli_main(["demo", "--db", str(tmp_path / "x.sqlite"), "--scale", "district", "--code", "01954"]) == 2
    assert "cấp huyện" in capsys.readouterr().err
    assert not (tmp_path / "x.sqlite").exists()


def test_cli_demo_uses_an_existing_commune_database(tmp_path, capsys):
    from bkdesk.model.store.databases import init_database

    path = tmp_path / "own.sqlite"
    init_database(path, "commune", "01885").close()
    assert cli_main(["demo", "--db", str(path)]) == 0
    conn = open_db(path)
    try:
        codes = {r[0] for r in conn.execute("SELECT DISTINCT commune_code FROM household")}
    finally:
        conn.close()
    assert codes == {"01885"}


def test_bkdesk_demo_flag_opens_the_gui_on_a_demo_commune(monkeypatch):
    import bkdesk.ui.app as app

    seen = []
    monkeypatch.setattr(app, "run_gui", lambda args: seen.append(args.db) or 0)
    assert cli_main(["--demo"]) == 0
    assert seen == [str(demo.demo_database_path())]
    conn = open_db(seen[0])
    try:
        assert conn.execute("SELECT value FROM setting WHERE key='is_demo'").fetchone()[0] == "1"
        n = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        conn.close()
    assert n == demo.allocate(1)[demo.DEFAULT_COMMUNE].households
    assert cli_main(["--demo"]) == 0  # reused, not rebuilt
    assert seen[1] == seen[0]


def test_indexes_are_rebuilt_exactly_after_the_bulk_load(commune_db, tmp_path):
    from bkdesk.model.store.databases import init_database

    fresh = init_database(tmp_path / "fresh.sqlite", "commune", "01954")
    try:
        def index_sql(c):
            return {r[0] for r in c.execute("SELECT sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")}

        assert index_sql(commune_db) == index_sql(fresh) != set()
    finally:
        fresh.close()
    assert commune_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_demo_passes_every_plausibility_rule_and_middle_living_households_carry_their_income(commune_db):
    from bkdesk.model.rules.classify import MIDDLE, classify_by_income

    assert check_warnings(commune_db) == []
    rows = commune_db.execute("SELECT list_year, area, nlndn, income_12m_vnd, members_counted, members_count,"
                              " income_period_from, income_period_to, reference_date FROM review"
                              " WHERE final_class='MIDDLE'").fetchall()
    assert rows
    for year, area, nlndn, income, counted, present, start, end, ref in rows:
        std = standard_for_list_year(year)
        assert nlndn == 1 and counted == present
        assert classify_by_income(std, area, income, counted, 0, True) == MIDDLE
        assert end < ref[:10] and start < end
    # a relationship that names a sex always matches it (73 members contradicted it before)
    from bkdesk.model.rules.validation import RELATION_SEX

    for rel, sex in commune_db.execute("SELECT relation_to_head, sex FROM member"):
        assert RELATION_SEX.get(rel, sex) == sex


def test_bkdesk_check_prints_contradictions_as_warnings_and_exits_0(tmp_path, capsys):
    path = tmp_path / "c.sqlite"
    demo.build_demo_database(path, "commune", seed=5, workers=1)
    conn = open_db(path)
    try:
        uid = conn.execute("SELECT uid FROM member WHERE relation_to_head='vo' LIMIT 1").fetchone()[0]
        conn.execute("UPDATE member SET sex='1' WHERE uid=?", (uid,))
    finally:
        conn.close()
    assert cli_main(["check", "--db", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cảnh báo: Hộ ") and 'là "Vợ" nhưng giới tính là nam' in out[0]
    assert out[-1] == "Cơ sở dữ liệu tốt: không phát hiện vấn đề; có 1 cảnh báo cần kiểm tra lại."
