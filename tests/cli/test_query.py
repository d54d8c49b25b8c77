"""`bkdesk query "SELECT ..." [--json|--csv]`: one read-only statement over the decrypted database, for the
*quản trị* and *cán bộ tổng hợp* roles, each run in the audit log; anything that could write is refused
in one line with the database unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bkdesk.cli.main import main
from bkdesk.model.store import keyring, users
from tests.conftest import TEST_PASSWORD, TEST_USER
from tests.dbutil import dump

ANALYST, ANALYST_PW = "phantich", "mat-khau-phan-tich"


@pytest.fixture
def district(tmp_path, capsys, monkeypatch):
    db = tmp_path / "huyen.sqlite"
    assert main(["init", "--db", str(db), "--scope", "district", "062", "--officer", "Đặng Văn Sơn"]) == 0
    pw = tmp_path / "pw.txt"
    pw.write_text(ANALYST_PW, encoding="utf-8")
    assert main(["users", "add", ANALYST, "--role", "can_bo_tong_hop", "--name", "Ma Thị Hoa", "--password-file",
                 str(pw), "--db", str(db)]) == 0
    capsys.readouterr()
    keyring.forget()
    monkeypatch.setenv("BKDESK_USER", ANALYST)
    monkeypatch.setenv("BKDESK_PASSWORD", ANALYST_PW)
    return db


def _query(capsys, db, *argv) -> tuple[int, str, str]:
    code = main(["query", *argv, "--db", str(db)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def _state(db) -> tuple[list[str], list[str]]:
    users.login(db, TEST_USER, TEST_PASSWORD)
    try:
        return dump(db), sorted(p.name for p in db.parent.rglob("*") if not p.name.endswith(("-wal", "-shm")))
    finally:
        keyring.forget()


def _audit(db) -> list[tuple]:
    users.login(db, TEST_USER, TEST_PASSWORD)
    try:
        from bkdesk.model.store.db import open_db

        conn = open_db(db)
        try:
            return [tuple(r) for r in conn.execute("SELECT user, field, new_value FROM audit_log "
                                                   "WHERE table_name='query' ORDER BY id")]
        finally:
            conn.close()
    finally:
        keyring.forget()


def test_a_select_as_table_json_and_csv_each_audited(district, capsys):
    sql = "SELECT username, display_name, disabled FROM app_user ORDER BY username"
    code, out, err = _query(capsys, district, sql)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["username", "display_name", "disabled"] and set(lines[1]) <= {"-", " "}
    assert "Đặng Văn Sơn" in lines[2] and "Ma Thị Hoa" in lines[3] and lines[-1] == "(2 dòng)"

    code, out, _ = _query(capsys, district, sql, "--json")
    assert code == 0 and json.loads(out) == [
        {"username": TEST_USER, "display_name": "Đặng Văn Sơn", "disabled": 0},
        {"username": ANALYST, "display_name": "Ma Thị Hoa", "disabled": 0}]

    code, out, _ = _query(capsys, district, sql, "--csv")
    assert code == 0 and out.startswith("\ufeff")  # Excel reads UTF-8 with a BOM
    assert list(csv.reader(io.StringIO(out[1:]))) == [["username", "display_name", "disabled"],
                                                      [TEST_USER, "Đặng Văn Sơn", "0"], [ANALYST, "Ma Thị Hoa", "0"]]
    assert _audit(district) == [(ANALYST, "sql", sql)] * 3


@pytest.mark.parametrize("sql", [
    "INSERT INTO setting (key, value) VALUES ('x', 'y')",
    "UPDATE app_user SET disabled = 1",
    "DELETE FROM audit_log",
    "ATTACH DATABASE 'ban-sao.sqlite' AS b",
    "SELECT 1; SELECT 2",
    "SELECT 1; DELETE FROM household",
    "VACUUM INTO 'ban-sao.sqlite'",
    "PRAGMA user_version = 99",
    "PRAGMA key = 'abc'",
    "PRAGMA journal_mode = DELETE",
    "CREATE TEMP TABLE t (x)",
    "SELECT load_extension('mod_spatialite')",
    "SELECT sqlcipher_export('main')",
    "WITH x AS (SELECT 1) DELETE FROM household",
    "REINDEX",
    "BEGIN IMMEDIATE",
    "-- chỉ có chú thích",
])
def test_anything_but_one_read_statement_is_refused_and_nothing_changes(district, capsys, sql):
    before = _state(district)
    code, out, err = _query(capsys, district, sql)
    assert code == 2 and out == "" and err.startswith("Lỗi: ") and "\n" not in err, (sql, err)
    assert _state(district) == before  # no row (not even an audit row), no file


def test_the_statement_may_end_with_a_semicolon_and_a_comment_and_read_the_schema(district, capsys):
    code, out, _ = _query(capsys, district, "SELECT 'a;b' AS t; -- một chú thích", "--json")
    assert code == 0 and json.loads(out) == [{"t": "a;b"}]
    code, out, _ = _query(capsys, district, "PRAGMA table_info(household)", "--json")
    assert code == 0 and "commune_code" in {r["name"] for r in json.loads(out)}
    code, _, err = _query(capsys, district, "SELECT * FROM khong_co_bang")
    assert code == 2 and "no such table" in err and "\n" not in err


def test_other_roles_are_refused(tmp_path, capsys, monkeypatch):
    db = tmp_path / "xa.sqlite"
    assert main(["init", "--db", str(db), "--commune", "01954", "--units", "2022"]) == 0
    pw = tmp_path / "pw.txt"
    pw.write_text("mat-khau-ra-soat", encoding="utf-8")
    assert main(["users", "add", "rasoat", "--role", "ra_soat_vien,lanh_dao_xa,can_bo_giam_ngheo_xa",
                 "--password-file", str(pw), "--db", str(db)]) == 0
    assert main(["query", "SELECT count(*) FROM household", "--db", str(db)]) == 0  # the first user: Quản trị
    capsys.readouterr()
    monkeypatch.setenv("BKDESK_USER", "rasoat")
    monkeypatch.setenv("BKDESK_PASSWORD", "mat-khau-ra-soat")
    code, _, err = _query(capsys, db, "SELECT count(*) FROM household")
    assert code == 2 and err == ("Lỗi: Người dùng rasoat (Rà soát viên, Lãnh đạo xã, Cán bộ giảm nghèo xã) không "
                                 "có quyền truy vấn SQL chỉ đọc: cần vai trò Quản trị.")
