"""A commune set up again from scratch (new database, same commune, its round opened again) sends a package
whose round is another lineage of one the district already has: refused in one line, database unchanged
(it ended in a traceback on the round's unique key)."""

from __future__ import annotations

from bkdesk.cli.main import main


def _commune(tmp_path, name: str, recipient):
    db = tmp_path / f"{name}.sqlite"
    out = tmp_path / f"{name}.xlsx"
    assert main(["init", "--db", str(db), "--commune", "01954", "--units", "2025"]) == 0
    assert main(["keys", "add-recipient", "--db", str(db), str(recipient)]) == 0  # the province's key
    assert main(["round", "open", "--year", "2025", "--db", str(db)]) == 0
    assert main(["export-package", "--db", str(db), "--unit", "01954", "--round", "2025", "--out", str(out)]) == 0
    return out


def test_a_second_lineage_of_a_round_is_refused_in_one_line(tmp_path, capsys):
    province = tmp_path / "tinh.sqlite"
    assert main(["init", "--db", str(province), "--scope", "province", "19"]) == 0
    recipient = tmp_path / "khoa-nhan-tinh.json"
    assert main(["keys", "export-recipient", "--db", str(province), "--out", str(recipient)]) == 0
    first, second = _commune(tmp_path, "may-cu", recipient), _commune(tmp_path, "may-moi", recipient)
    assert main(["merge", "--db", str(province), "--trust-new", str(first)]) == 0
    # The new laptop's key is trusted on purpose (after a phone call): the round clash is what remains.
    capsys.readouterr()
    assert main(["keys", "show", "--db", str(tmp_path / "may-moi.sqlite")]) == 0
    new_key = capsys.readouterr().out.splitlines()[0].rsplit(" ", 1)[1]
    assert main(["keys", "trust", "--db", str(province), "--unit", "01954", "--fingerprint", new_key,
                 "--replace"]) == 0
    before = province.read_bytes()
    capsys.readouterr()
    assert main(["merge", "--db", str(province), str(second)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    assert "đợt rà soát năm 2025 của xã 01954" in out.out and "không nhập" in out.out
    assert province.read_bytes() == before
