import random

from bkdesk.cli.main import main
from bkdesk.model.store import backups
from bkdesk.model.store.repo_households import count_households, save_household
from tests.dbutil import dump
from tests.factories import make_bundle


def _dump(path) -> list[str]:
    return dump(path)


def test_backups_restore_and_undo_from_the_command_line(db, db_path, capsys):
    rng = random.Random(4)
    save_household(db, make_bundle(rng, "01954", no=1), user="t")
    assert main(["backups", "--db", str(db_path)]) == 0
    assert "Chưa có bản sao lưu nào." in capsys.readouterr().out
    snap = backups.backup_now(db, db_path)
    expected = _dump(snap)
    save_household(db, make_bundle(rng, "01954", no=2), user="t")
    changed = _dump(db_path)
    assert main(["backups", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Sao lưu thủ công" in out and "1 hộ" in out and str(snap) in out
    assert main(["restore", "--db", str(db_path), "--from", str(snap)]) == 0
    assert "Đã khôi phục" in capsys.readouterr().out
    assert _dump(db_path) == expected and count_households(db) == 1
    assert main(["restore", "--db", str(db_path), "--undo"]) == 0
    assert _dump(db_path) == changed


def test_restore_errors_are_one_line(db, db_path, tmp_path, capsys):
    assert main(["restore", "--db", str(db_path), "--from", str(tmp_path / "khong-co.sqlite")]) == 2
    assert capsys.readouterr().err.startswith("Lỗi: Không tìm thấy bản sao lưu")
    assert main(["restore", "--db", str(db_path), "--undo"]) == 2
    assert "hoàn tác" in capsys.readouterr().err
