"""A full disk during save, merge, report and backup: nothing lost, nothing half-written, one clear line.

Where the platform allows it (root on Linux), the database and outputs live on a real 24 MB tmpfs that is
then filled to the last byte, so SQLite and the file writers meet ENOSPC from the kernel. Elsewhere the
same tests run with a write wrapper: every completed output fails its fsync with ENOSPC, and SQLite is
held at its current page count (PRAGMA max_page_count), which gives the same SQLITE_FULL error.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from bkdesk.cli.main import main
from bkdesk.dbapi import sqlite3
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.databases import init_database
from tests.cli.protected import protect, protected_database
from tests.export.sync_fixtures import commune_pkg  # noqa: F401
from tests.export.sync_keys import passphrase_file

FULL = "Ổ đĩa đã đầy"


class SmallDisk:
    def __init__(self, folder: Path, real: bool):
        self.folder, self.real = folder, real
        self._filler = folder / "lap-day.bin"
        self._patch = None

    def fill(self, monkeypatch) -> None:
        if self.real:
            chunk = b"\0" * 65536
            with open(self._filler, "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
            with open(self.folder / "lap-day-2.bin", "wb", buffering=0) as f:  # the last few bytes too
                try:
                    while True:
                        f.write(b"\0")
                except OSError:
                    pass
        else:
            import bkdesk.fileio as fileio

            def no_space(path):
                raise OSError(errno.ENOSPC, "No space left on device", str(path))

            monkeypatch.setattr(fileio, "_fsync", no_space)
            real_connect = dbmod.connect

            def full_connect(path, key=None):
                conn = real_connect(path, key)
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count={pages}")
                return conn

            monkeypatch.setattr(dbmod, "connect", full_connect)

    def hold_full(self, conn: sqlite3.Connection) -> None:
        """For a connection opened before the disk filled up (the desk's own)."""
        if not self.real:
            conn.execute("VACUUM")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count={pages}")

    def free(self) -> None:
        for p in (self._filler, self.folder / "lap-day-2.bin"):
            p.unlink(missing_ok=True)


@pytest.fixture(params=["tmpfs", "wrapper"])
def small_disk(tmp_path, request):
    """Both kinds where a tmpfs can be mounted; the wrapper twice elsewhere."""
    folder = tmp_path / "o-dia-nho"
    folder.mkdir()
    real = False
    if request.param == "tmpfs" and hasattr(os, "geteuid") and os.geteuid() == 0:
        real = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)],
                              capture_output=True).returncode == 0
    disk = SmallDisk(folder, real)
    yield disk
    if real:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _households(path: Path) -> int:
    conn = dbmod.open_file_readonly(path)  # keyed when encrypted: the test user is logged in here
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return conn.execute("SELECT count(*) FROM household").fetchone()[0]
    finally:
        conn.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and not p.name.startswith("lap-day")
                  and not p.name.endswith(("-wal", "-shm"))  # SQLite's own, of the live database
                  and (p.name.endswith(".part") or p.stat().st_size == 0))


def test_save_on_a_full_disk_fails_with_the_cause_and_keeps_what_was_saved(small_disk, monkeypatch):
    import random

    from bkdesk.model.store.repo_households import save_household
    from tests.factories import make_bundle

    path = small_disk.folder / "xa.sqlite"
    conn = init_database(path, "commune", "01954", officer="Kiểm thử")
    rng = random.Random(3)
    save_household(conn, make_bundle(rng, "01954", 4, no=1), user="Kiểm thử")
    small_disk.fill(monkeypatch)
    small_disk.hold_full(conn)
    with pytest.raises(sqlite3.OperationalError) as info:
        for no in range(2, 400):  # the WAL grows until the disk has nothing left
            save_household(conn, make_bundle(rng, "01954", 8, no=no), user="Kiểm thử")
    assert FULL in dbmod.sqlite_error_message(info.value)
    assert not conn.in_transaction  # "cannot rollback" never hides the cause
    conn.close()
    small_disk.free()
    kept = _households(path)
    assert kept >= 1  # the saved households are there, the failed one is not half there
    conn = dbmod.open_db(path)
    assert conn.execute("SELECT count(*) FROM member WHERE household_uid NOT IN (SELECT uid FROM household)"
                        ).fetchone()[0] == 0
    conn.close()


def test_backup_on_a_full_disk_leaves_no_partial_file_and_keeps_the_good_ones(small_disk, monkeypatch, capsys):
    path = small_disk.folder / "xa.sqlite"
    conn = protected_database(path, "commune", "01954", officer="Kiểm thử")
    good = [dbmod.auto_backup(conn, path, f"thu-{i}") for i in range(3)]
    small_disk.fill(monkeypatch)
    with pytest.raises(dbmod.UserError) as info:
        dbmod.auto_backup(conn, path, "hang-ngay", keep=3)
    assert FULL in str(info.value)
    assert all(p.exists() for p in good)  # rotation never ran for a backup that was not made
    assert _leftovers(small_disk.folder) == []
    conn.close()
    out = small_disk.folder / "sao-luu.sqlite"
    assert main(["backup", "--out", str(out), "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert FULL in err and err.count("\n") == 0, err
    assert not out.exists() and _leftovers(small_disk.folder) == []


def test_report_on_a_full_disk_is_one_line_and_no_file(small_disk, tmp_path, monkeypatch, capsys,
                                                      commune_pkg):  # noqa: F811
    shared, _pkg = commune_pkg
    db = shutil.copy(shared, tmp_path / "xa.sqlite")  # the shared fixture stays as other tests expect it
    protect(db)
    out = small_disk.folder / "danh-sach.xlsx"
    small_disk.fill(monkeypatch)
    code = main(["report", "--form", "ds_ngheo", "--unit", "01954", "--round", "2022", "--out", str(out),
                 "--db", str(db)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and FULL in err and err.count("\n") == 0, err
    assert not out.exists() and _leftovers(small_disk.folder) == []


def test_merge_on_a_full_disk_is_one_line_and_changes_nothing(small_disk, tmp_path, monkeypatch, capsys,
                                                             commune_pkg):  # noqa: F811
    _db, pkg = commune_pkg
    phrase = passphrase_file(tmp_path)  # the package is sealed with a passphrase (no recipient registered)
    path = small_disk.folder / f"huyen-{uuid.uuid4().hex[:6]}.sqlite"
    protected_database(path, "district", "062", officer="Kiểm thử").close()
    small_disk.fill(monkeypatch)
    code = main(["merge", str(pkg), "--trust-new", "--passphrase-file", phrase, "--db", str(path)])
    captured = capsys.readouterr()
    err = captured.err.strip() or captured.out
    assert code == 2 and FULL in err and err.count("\n") == 0, err
    assert "cannot rollback" not in err
    small_disk.free()
    assert _households(path) == 0
    assert _leftovers(small_disk.folder) == []


def test_a_disk_that_fills_during_the_merge_names_the_cause_not_cannot_rollback(tmp_path, monkeypatch, capsys,
                                                                                commune_pkg):  # noqa: F811
    """The backup before the merge fits, the merge itself does not (SQLite at its page limit, SQLITE_FULL
    in the middle of the transaction): the real cause, the database as it was."""
    _db, pkg = commune_pkg
    path = tmp_path / "huyen.sqlite"
    protected_database(path, "district", "062", officer="Kiểm thử").close()
    real_connect = dbmod.connect

    def nearly_full(p, key=None):
        conn = real_connect(p, key)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages + 8}")
        return conn

    monkeypatch.setattr(dbmod, "connect", nearly_full)
    code = main(["merge", str(pkg), "--trust-new", "--passphrase-file", passphrase_file(tmp_path), "--db", str(path)])
    captured = capsys.readouterr()
    err = captured.err.strip() or captured.out
    assert code == 2 and FULL in err and err.count("\n") == 0, err
    assert "cannot rollback" not in err
    monkeypatch.setattr(dbmod, "connect", real_connect)
    assert _households(path) == 0
