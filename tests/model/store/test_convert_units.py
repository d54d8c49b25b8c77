"""`bkdesk convert-units`: a 2022-coded database moved to the 2025 successors (units.md §7)."""

from __future__ import annotations

import openpyxl
import pytest

from bkdesk.cli.main import main as cli_main
from bkdesk.model.demo import build as demo
from bkdesk.model.review import rounds
from bkdesk.model.review.review_service import confirm_computed, save_household_with_review
from bkdesk.model.rules.units import TREE_2022, TREE_2025, catalog
from bkdesk.model.store import settings
from bkdesk.model.store.backups import restore_backup
from bkdesk.model.store.check import check_database
from bkdesk.model.store.convert_units import convert, plan_conversion
from bkdesk.model.store.db import connect, open_db
from bkdesk.model.store.repo_households import get_household
from bkdesk.model.store.repo_reviews import review_in_round
from bkdesk.model.store.users import Session

BA_BE = "061"
SYNC = {"rev", "updated_at", "updated_by", "origin"}
USER = "Cán bộ huyện"


def _rows(conn, table: str, drop: set[str] = frozenset()) -> dict:
    rows = conn.execute(f"SELECT * FROM {table}").fetchall()
    key = "uid" if "uid" in rows[0].keys() else rows[0].keys()[0]
    return {r[key]: {k: r[k] for k in r.keys() if k not in drop} for r in rows}


def _content(conn) -> dict:
    """Everything a conversion must keep: households and villages apart from their code and number, every
    member, housing, review and its parts, registration."""
    out = {"household": _rows(conn, "household", SYNC | {"commune_code", "household_no"}),
           "village": _rows(conn, "village", SYNC | {"commune_code"})}
    for table in ("member", "housing", "review", "exit_registration"):
        out[table] = _rows(conn, table)
    for table in ("review_indicator", "review_cause", "review_need", "review_group"):
        out[table] = sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {table}"))
    return out


@pytest.fixture(scope="module")
def ba_be(tmp_path_factory):
    path = tmp_path_factory.mktemp("convert") / "ba-be.sqlite"
    demo.build_demo_database(path, "district", seed=1, code=BA_BE, workers=2)
    return path


def test_ba_be_district_converts_keeping_every_record_and_its_2025_round_works(ba_be, tmp_path, capsys):
    path = tmp_path / "ba-be.sqlite"
    path.write_bytes(ba_be.read_bytes())
    conn = open_db(path)
    before = _content(conn)
    codes_before = dict(conn.execute("SELECT uid, commune_code FROM household").fetchall())
    numbers_before = dict(conn.execute("SELECT uid, household_no FROM household").fetchall())
    conn.close()

    assert cli_main(["convert-units", "--db", str(path), "--preview"]) == 0
    preview = capsys.readouterr().out
    assert "Xã Ba Bể (01906) ← Xã Cao Thượng (01900)" in preview and "huyện 061 (danh mục 2022) → tỉnh 19" in preview
    assert cli_main(["convert-units", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    backup = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Đã chuyển đổi"))

    conn = open_db(path)
    try:
        after = _content(conn)
        for table, rows in before.items():
            assert after[table] == rows, table  # counts and content
        cat = catalog()
        moved = dict(conn.execute("SELECT uid, commune_code FROM household").fetchall())
        assert {uid: cat.successor_2025(code) for uid, code in codes_before.items()} == moved
        assert {c for (c,) in conn.execute("SELECT DISTINCT commune_code FROM village")} == set(moved.values())
        # numbers unique in each new commune; the old number stays on every earlier review and in the audit log
        dup = conn.execute("SELECT commune_code, household_no FROM household GROUP BY 1, 2 HAVING count(*) > 1"
                           ).fetchall()
        assert dup == []
        renumbered = [u for u, no in conn.execute("SELECT uid, household_no FROM household") if numbers_before[u] != no]
        assert renumbered
        uid = renumbered[0]
        old_no = numbers_before[uid]
        assert {r[0] for r in conn.execute("SELECT household_no FROM review WHERE household_uid=?", (uid,))} == {old_no}
        log = conn.execute("SELECT old_value, reason FROM audit_log WHERE table_name='household' AND record_uid=?"
                           " AND field='household_no'", (uid,)).fetchone()
        assert log[0] == old_no and "số hộ cũ" in log[1]
        assert settings.get(conn, settings.TREE) == TREE_2025
        assert (settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)) == ("province", "19")
        assert check_database(conn) == []

        # the 2025 round of a new commune accepts reviews (checked as a commune officer would work: the
        # province's own users have no round or editing role)
        conn.session = Session.of("canboxa", "Cán bộ xã", ["can_bo_giam_ngheo_xa", "ra_soat_vien"], "commune")
        rnd, n = rounds.open_periodic_round(conn, "01906", 2025, USER)
        assert n == sum(1 for c in moved.values() if c == "01906")
        hh = conn.execute("SELECT uid FROM household WHERE commune_code='01906' AND status='active' LIMIT 1"
                          ).fetchone()[0]
        review = review_in_round(conn, hh, rnd.uid)
        review.score_a_paper = 150
        bundle = get_household(conn, hh)
        outcome = save_household_with_review(conn, bundle, review, USER)
        confirm_computed(review)
        outcome = save_household_with_review(conn, bundle, review, USER)
        assert outcome.refusal == "" and outcome.result.cls == "NOT_POOR"
        assert review_in_round(conn, hh, rnd.uid).area == "rural"
    finally:
        conn.close()

    # reports after conversion are headed with the 2025 unit
    out_xlsx = tmp_path / "bieu1.xlsx"
    assert cli_main(["report", "--db", str(path), "--form", "1", "--unit", "01906", "--round", "2025",
                     "--out", str(out_xlsx)]) == 0
    ws = openpyxl.load_workbook(out_xlsx).worksheets[0]
    text = " ".join(str(v) for row in ws.iter_rows(max_row=12, values_only=True) for v in row if v)
    assert "XÃ BA BỂ" in text and "Đơn vị: Xã Ba Bể" in text

    # reversible from the backup made first
    restore_backup(path, backup)
    conn = open_db(path)
    try:
        assert settings.get(conn, settings.TREE) == TREE_2022
        assert dict(conn.execute("SELECT uid, commune_code FROM household").fetchall()) == codes_before
    finally:
        conn.close()


def test_a_second_conversion_is_refused_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "x.sqlite"
    demo.build_demo_database(path, "commune", seed=3, code="01945", workers=1)
    assert cli_main(["convert-units", "--db", str(path)]) == 0
    capsys.readouterr()
    size = path.stat().st_size
    raw = connect(path)
    before = raw.execute("SELECT count(*), max(id) FROM audit_log").fetchone()
    raw.close()
    assert cli_main(["convert-units", "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "Lỗi: Cơ sở dữ liệu đã dùng danh mục đơn vị từ 01/07/2025; không cần chuyển đổi."
    raw = connect(path)
    assert raw.execute("SELECT count(*), max(id) FROM audit_log").fetchone() == before
    raw.close()
    assert path.stat().st_size == size
    conn = open_db(path)
    try:
        assert (settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)) == ("commune", "01954")
    finally:
        conn.close()


def test_commune_databases_of_one_new_commune_combine(tmp_path, capsys):
    """Xã Cao Thượng (01900) and Xã Nam Mẫu (01909) both become Xã Ba Bể (01906)."""
    a, b = tmp_path / "cao-thuong.sqlite", tmp_path / "nam-mau.sqlite"
    demo.build_demo_database(a, "commune", seed=1, code="01900", workers=1)
    demo.build_demo_database(b, "commune", seed=2, code="01909", workers=1)
    counts = {}
    for p in (a, b):
        conn = open_db(p)
        counts[p] = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("household", "member", "review", "village")}
        conn.close()
    conn = open_db(a)
    try:
        plan, backup = convert(conn, a, USER, combine=[b])
        assert backup.exists()
        assert [c.code for c in plan.communes] == ["01906"]
        for table in ("household", "member", "review", "village"):
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == counts[a][table] + counts[b][table], table
        assert tuple(conn.execute("SELECT count(DISTINCT household_no), count(*) FROM household").fetchone()) == (
            counts[a]["household"] + counts[b]["household"],) * 2
        assert (settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)) == ("commune", "01906")
        assert check_database(conn) == []
        with pytest.raises(Exception, match="không cần chuyển đổi"):
            plan_conversion(conn)
    finally:
        conn.close()


def test_a_2025_round_opened_under_the_old_code_moves_and_then_accepts_reviews(tmp_path):
    from bkdesk.model.review.review_service import fill_review

    path = tmp_path / "coc-dan.sqlite"
    demo.build_demo_database(path, "commune", seed=4, code="01945", workers=1)
    conn = open_db(path)
    try:
        rnd, _ = rounds.open_periodic_round(conn, "01945", 2025, USER)
        hh = conn.execute("SELECT household_uid FROM review WHERE round_uid=? LIMIT 1", (rnd.uid,)).fetchone()[0]
        refused = fill_review(conn, get_household(conn, hh), review_in_round(conn, hh, rnd.uid), USER)
        assert "đơn vị kế tiếp là Xã Ngân Sơn (01954)" in refused.refusal
        plan, _ = convert(conn, path, USER)
        assert (plan.rounds_2025, plan.reviews_2025) == (1, conn.execute(
            "SELECT count(*) FROM review WHERE round_uid=?", (rnd.uid,)).fetchone()[0])
        assert conn.execute("SELECT commune_code FROM review_round WHERE uid=?", (rnd.uid,)).fetchone()[0] == "01954"
        assert [r[0] for r in conn.execute("SELECT DISTINCT commune_code FROM review WHERE list_year=2026")] == ["01954"]
        assert {r[0] for r in conn.execute("SELECT DISTINCT commune_code FROM review WHERE list_year<2026")} == {"01945"}
        review = review_in_round(conn, hh, rnd.uid)
        review.score_a_paper = 150
        bundle = get_household(conn, hh)
        outcome = fill_review(conn, bundle, review, USER)
        assert outcome.refusal == "" and review.area is not None
    finally:
        conn.close()


def test_a_2025_package_with_old_codes_names_the_successor_and_the_conversion(tmp_path):
    from pathlib import Path
    from types import SimpleNamespace

    from bkdesk.export.sync.merge import PackageError, check_scope
    from bkdesk.model.store.databases import init_database

    conn = init_database(tmp_path / "tinh.sqlite", "province", "19", tree="2025")
    try:
        pkg = SimpleNamespace(path=Path("coc-dan-2025.xlsx"),
                              manifest={"unit_tree": "2022", "unit_code": "01945", "round": "2025"})
        with pytest.raises(PackageError) as err:
            check_scope(conn, pkg)
    finally:
        conn.close()
    assert "(Xã Cốc Đán 01945 → 01954, hết hiệu lực sau ngày 30/06/2025)" in str(err.value)
    assert "bkdesk convert-units" in str(err.value)


def test_exporting_a_2025_package_from_a_2022_database_names_the_successor(db, tmp_path):
    from bkdesk.errors import UserError
    from tests.export.sync_keys import write_package

    with pytest.raises(UserError) as err:
        write_package(db, "01954", 2025, tmp_path)
    assert "01954 hết hiệu lực sau ngày 30/06/2025, đơn vị kế tiếp 01954" in str(err.value)
    assert "(bkdesk convert-units)" in str(err.value)
