"""`bkdesk points import` and `bkdesk targets import`; CSV written by bkdesk neutralises formula text."""

from __future__ import annotations

import csv
import json

from bkdesk.cli.main import main
from bkdesk.model.store.db import open_db
from tests.model.rules.test_points_table import made_up_table, write_workbook

HEADER = "code,name,households,poor,target_rate_pct,target_households"


def test_points_import_json_and_xlsx(tmp_path, db, db_path, capsys):
    db.close()
    good = tmp_path / "bang-diem.json"
    good.write_text(json.dumps(made_up_table(), ensure_ascii=False), encoding="utf-8")
    assert main(["points", "import", str(good), "--db", str(db_path)]) == 0
    assert "Đã nạp: Bảng điểm" in capsys.readouterr().out
    book = tmp_path / "bang-diem.xlsx"
    write_workbook(book, made_up_table(version="GIẢ-ĐỊNH-2", valid_from="2023-01-01"))
    assert main(["points", "import", str(book), "--db", str(db_path)]) == 0
    assert main(["points", "import", str(book), "--db", str(db_path)]) == 2  # the same table twice
    assert "đã được nạp" in capsys.readouterr().err
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM points_table").fetchone()[0] == 2
    conn.close()


def test_targets_import_semicolon_bom_crlf(tmp_path, db, db_path, capsys):
    db.close()
    src = tmp_path / "chi-tieu.csv"
    src.write_bytes(("\ufeff" + HEADER.replace(",", ";") + "\r\n01954;Xã Vân Tùng;1000;250;3,5;\r\n"
                     "01957;Xã Cốc Đán;500;200;;20\r\n").encode())
    assert main(["targets", "import", str(src), "--year", "2026", "--db", str(db_path)]) == 0
    assert "Đã nạp chỉ tiêu năm 2026 của 2 đơn vị" in capsys.readouterr().out
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM plan_target WHERE year=2026").fetchone()[0] == 2
    conn.close()
    assert main(["targets", "import", str(src), "--db", str(db_path)]) == 2  # a CSV does not say its year
    assert "--year" in capsys.readouterr().err


def test_targets_csv_output_neutralises_formula_text(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "\n01954,=cmd|' /C calc'!A0,1000,250,3.5,\n01957,@SUM(A1),500,200,,20\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["targets", "--from", str(src), "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0" and rows[1]["name"] == "'@SUM(A1)"
    assert rows[0]["households"] == "1000"  # numbers stay numbers


def test_unwritable_out_is_one_line(tmp_path, capsys, monkeypatch):
    import errno

    import bkdesk.fileio as fileio

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "x"))

    monkeypatch.setattr(fileio.tempfile, "mkstemp", read_only)
    assert main(["targets", "--year", "2022", "--out", str(tmp_path / "chi-tieu.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Lỗi: Thư mục chỉ đọc") and err.count("\n") == 0


def test_a_locked_database_is_one_line_naming_the_cause(tmp_path, db, db_path, capsys, monkeypatch):
    from bkdesk.model.store import db as dbmod

    db.close()
    src = tmp_path / "chi-tieu.csv"
    src.write_text(HEADER + "\n01954,Xã Vân Tùng,1000,250,3.5,\n", encoding="utf-8")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)  # the real wait is 10 s
    holder = dbmod.connect(db_path)  # keyed: the test user is logged in to the encrypted file
    holder.execute("BEGIN IMMEDIATE")  # a long merge in another window
    try:
        assert main(["targets", "import", str(src), "--year", "2026", "--db", str(db_path)]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err.strip()
    assert err.startswith("Lỗi: Cơ sở dữ liệu") and "đang được dùng bởi" in err and err.count("\n") == 0, err
    conn = open_db(db_path)
    assert conn.execute("SELECT count(*) FROM plan_target WHERE year=2026").fetchone()[0] == 0
    conn.close()
