"""`bkdesk init --commune CODE [--units 2022|2025]`: a code that names a unit in both lists needs --units."""

from __future__ import annotations

from bkdesk.cli.main import main
from bkdesk.model.rules.units import TREE_2022, TREE_2025, catalog
from bkdesk.model.store.db import connect


def _tree(path) -> str:
    conn = connect(path)  # encrypted: `bkdesk init` in this process left the key unlocked
    try:
        return conn.execute("SELECT value FROM setting WHERE key='tree'").fetchone()[0]
    finally:
        conn.close()


def test_ambiguous_code_needs_units_and_names_both(tmp_path, capsys):
    cat = catalog()
    ambiguous = [u.code for u in cat.communes(TREE_2025) if cat.find(u.code, TREE_2022)]
    assert len(ambiguous) == 37
    db = tmp_path / "xa.sqlite"
    assert main(["init", "--db", str(db), "--commune", "01864"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Xã Bộc Bố" in err[0] and "Xã Bằng Thành" in err[0] and "--units" in err[0]
    assert not db.exists()
    assert main(["init", "--db", str(db), "--commune", "01864", "--units", "2025"]) == 0
    assert "Xã Bằng Thành" in capsys.readouterr().out and _tree(db) == TREE_2025
    old = tmp_path / "cu.sqlite"
    assert main(["init", "--db", str(old), "--commune", "01864", "--units", "2022"]) == 0
    assert "Xã Bộc Bố" in capsys.readouterr().out and _tree(old) == TREE_2022


def test_code_in_one_list_needs_no_flag(tmp_path, capsys):
    db = tmp_path / "a.sqlite"
    assert main(["init", "--db", str(db), "--commune", "01858"]) == 0  # old Xã Bằng Thành, 2022 only
    assert _tree(db) == TREE_2022
    bad = tmp_path / "b.sqlite"
    assert main(["init", "--db", str(bad), "--commune", "01858", "--units", "2025"]) == 2
    assert main(["init", "--db", str(bad), "--commune", "01864", "--units", "2023"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3 - 1
    assert not bad.exists()


def test_reports_read_the_code_in_the_database_list(tmp_path, capsys):
    """A commune database of the 2022 list names 01864 Xã Bộc Bố: a 2025 report of that code (Xã Bằng Thành
    in the 2025 list) is refused instead of printing the other unit's name over this unit's data."""
    old = tmp_path / "cu.sqlite"
    assert main(["init", "--db", str(old), "--commune", "01864", "--units", "2022"]) == 0
    assert main(["report", "--db", str(old), "--form", "1", "--unit", "01864", "--round", "2025",
                 "--out", str(tmp_path / "b.xlsx")]) == 2
    assert "danh mục" in capsys.readouterr().err and not (tmp_path / "b.xlsx").exists()
    new = tmp_path / "moi.sqlite"
    assert main(["init", "--db", str(new), "--commune", "01864", "--units", "2025"]) == 0
    assert main(["report", "--db", str(new), "--form", "1", "--unit", "01864", "--round", "2024",
                 "--out", str(tmp_path / "c.xlsx")]) == 2
