"""Many files: packages are verified in a reader process ahead of the merge; same results, same rules."""

from __future__ import annotations

import pytest

from bkdesk.export.sync import merge
from bkdesk.export.sync.merge import ALREADY, MERGED, REJECTED
from bkdesk.model.jobs import Cancelled, JobControl
from bkdesk.model.store.databases import init_database
from tests.export.sync.test_package_reject import _tampered
from tests.export.sync_data import content
from tests.export.sync_keys import merge_files


@pytest.fixture
def read_ahead(monkeypatch):
    monkeypatch.setattr(merge, "READ_AHEAD_MIN_FILES", 1)


def test_reader_process_gives_the_same_merge(read_ahead, commune_pkg, other_district_pkg, tmp_path):
    bad = _tampered(commune_pkg[1], tmp_path)
    files = [bad, commune_pkg[1], other_district_pkg, commune_pkg[1]]
    ahead = init_database(tmp_path / "a.sqlite", "district", "062")
    report = merge_files(ahead, tmp_path / "a.sqlite", files, trust_new=True)
    assert [r.status for r in report.results] == [REJECTED, MERGED, REJECTED, ALREADY]
    assert "mã kiểm tra" in report.results[0].message and "không thuộc phạm vi" in report.results[2].message
    assert report.results[1].households["added"] == 12
    merge.READ_AHEAD_MIN_FILES = 10_000  # the same files read in this process
    inline = init_database(tmp_path / "b.sqlite", "district", "062")
    again = merge_files(inline, tmp_path / "b.sqlite", files, trust_new=True)
    assert [r.as_dict() for r in again.results] == [r.as_dict() for r in report.results]
    assert content(ahead) == content(inline)


def test_cancel_while_reading_ahead_changes_nothing(read_ahead, commune_pkg, tmp_path):
    path = tmp_path / "tinh.sqlite"
    conn = init_database(path, "province", "06")

    def progress(done, total, text):
        if done == 1:
            control.cancel()

    control = JobControl(progress)
    with pytest.raises(Cancelled):
        merge_files(conn, path, [commune_pkg[1]] * 3, control, trust_new=True)
    assert conn.execute("SELECT count(*) FROM household").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM import_ledger").fetchone()[0] == 0
    conn.close()


def _reader_dies() -> None:
    """A reader process that ends at once (no way to start Python, killed by the system...)."""
    import os

    os._exit(3)


def test_a_reader_that_dies_leaves_the_merge_to_this_process(read_ahead, monkeypatch, commune_pkg,
                                                             other_district_pkg, tmp_path):
    files = [commune_pkg[1], other_district_pkg, commune_pkg[1], commune_pkg[1]]  # more than one read-ahead
    monkeypatch.setattr(merge, "_reader_start", _reader_dies)  # the spawned reader runs it, then dies
    dead = init_database(tmp_path / "a.sqlite", "district", "062")
    report = merge_files(dead, tmp_path / "a.sqlite", files, trust_new=True)
    assert [r.status for r in report.results] == [MERGED, REJECTED, ALREADY, ALREADY]
    assert report.results[0].households["added"] == 12
    monkeypatch.setattr(merge, "READ_AHEAD_MIN_FILES", 10_000)
    inline = init_database(tmp_path / "b.sqlite", "district", "062")
    merge_files(inline, tmp_path / "b.sqlite", files, trust_new=True)
    assert content(dead) == content(inline)
