import random

from bkdesk import __version__
from bkdesk.cli.main import main
from bkdesk.model.store import keyring
from bkdesk.model.store.db import connect, open_db
from bkdesk.model.store.repo_households import save_household
from tests.factories import make_bundle


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_init_check_backup(tmp_path, capsys):
    db = tmp_path / "xa.sqlite"
    assert main(["init", "--db", str(db), "--commune", "01954", "--units", "2022", "--officer", "Hà Thị Mai"]) == 0
    assert main(["check", "--db", str(db)]) == 0
    assert main(["--db", str(db), "check"]) == 0
    out = tmp_path / "sao-luu.sqlite"
    assert main(["backup", "--db", str(db), "--out", str(out)]) == 0
    conn = connect(out, key=keyring.key_for(db))  # a backup is encrypted with the database's key
    assert conn.execute("SELECT value FROM setting WHERE key='officer'").fetchone()[0] == "Hà Thị Mai"
    conn.close()
    assert main(["backup", "--db", str(db), "--out", str(out)]) == 2  # never overwrite


def test_init_merging_database(tmp_path):
    assert main(["init", "--db", str(tmp_path / "huyen.sqlite"), "--scope", "district", "061"]) == 0
    assert main(["init", "--db", str(tmp_path / "tinh.sqlite"), "--scope", "province", "06"]) == 0


def test_user_mistakes_exit_2_with_one_line(tmp_path, capsys):
    db = tmp_path / "a.sqlite"
    cases = [
        ["init", "--db", str(db), "--commune", "99999"],
        ["init", "--db", str(db), "--commune", "061"],
        ["init", "--db", str(db)],
        ["init", "--db", str(db), "--scope", "village", "01954"],
        ["check", "--db", str(tmp_path / "missing.sqlite")],
        ["no-such-command"],
    ]
    for argv in cases:
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("Lỗi:") and "\n" not in err and "Traceback" not in err, err
    assert not db.exists()


def test_check_fails_on_a_broken_foreign_key(tmp_path, capsys):
    db = tmp_path / "xa.sqlite"
    main(["init", "--db", str(db), "--commune", "01954", "--units", "2022"])
    conn = open_db(db)
    save_household(conn, make_bundle(random.Random(1), "01954"), user="cb")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("UPDATE member SET household_uid='no-such-household' WHERE rowid=1")
    conn.close()
    capsys.readouterr()
    assert main(["check", "--db", str(db)]) == 1
    assert "member" in capsys.readouterr().out


def test_check_fails_on_a_broken_invariant(tmp_path, capsys):
    db = tmp_path / "xa.sqlite"
    main(["init", "--db", str(db), "--commune", "01954", "--units", "2022"])
    conn = open_db(db)
    save_household(conn, make_bundle(random.Random(1), "01954"), user="cb")
    conn.execute("UPDATE household SET commune_code='01834'")  # another commune than the database's scope
    conn.close()
    assert main(["check", "--db", str(db)]) == 1
    assert "phạm vi" in capsys.readouterr().out


def _damaged(tmp_path, name: str, page: int | None) -> str:
    """A database with 30 households and one page overwritten (``page`` None: the third page from the end)."""
    db = tmp_path / name
    main(["init", "--db", str(db), "--commune", "01954", "--units", "2022"])
    conn = open_db(db)
    rng = random.Random(2)
    for i in range(30):
        save_household(conn, make_bundle(rng, "01954", no=i), user="cb")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    start = 4096 * (page if page is not None else len(data) // 4096 - 3)
    for i in range(start, min(len(data), start + 4096)):
        data[i] = 0xAB
    db.write_bytes(bytes(data))
    return str(db)


def test_check_fails_on_a_corrupted_file(tmp_path, capsys):
    db = _damaged(tmp_path, "xa.sqlite", None)  # a page of household data
    capsys.readouterr()
    assert main(["check", "--db", db]) == 1
    out = capsys.readouterr().out
    assert "hỏng" in out or "toàn vẹn" in out


def test_a_damaged_page_the_login_reads_is_one_line(tmp_path, capsys):
    """The third page holds the settings the login reads (the database's level): the login itself is
    refused, in one line naming the damage, before `check` can run."""
    db = _damaged(tmp_path, "xa.sqlite", 2)
    capsys.readouterr()
    assert main(["check", "--db", db]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Lỗi:") and "hỏng" in err and "\n" not in err, err
