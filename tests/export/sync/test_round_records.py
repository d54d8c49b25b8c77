"""The round's records travel (package format 4): the village meetings, postings and the commune decision
entered at the commune reach the district and the province; a format-3 package (none of them) still merges;
a meeting of a round outside the package refuses it; a second decision for one round is for a person."""

from __future__ import annotations

import datetime as dt

from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync.merge import MERGED, REJECTED
from bkdesk.model.review import rounds
from bkdesk.model.rules.records import new_uid
from bkdesk.model.store import repo_rounds, repo_sync
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import backup_to, open_db
from bkdesk.model.store.repo_villages import create_village
from tests.conftest import TEST_COMMUNE
from tests.export.sync_data import file_hash, table_rows
from tests.export.sync_keys import merge_files, write_package
from tests.model.review.test_round_lifecycle import USER, YEAR, enter, household


def _posted_round(db) -> tuple:
    """A commune's round run up to its posting as the officer does: two villages, households entered and
    confirmed, a meeting in each village, the posting."""
    villages = [create_village(db, TEST_COMMUNE, name, USER) for name in ("Bản Nà Bưa", "Thôn Khuổi Ló")]
    rnd, _ = rounds.open_periodic_round(db, TEST_COMMUNE, YEAR, USER)
    for i, village in enumerate(villages):
        enter(db, household(f"000{i + 1}", village, "Nguyễn Văn Đức"), complete=True)
    rounds.confirm(db, rnd, USER)
    for i, village in enumerate(villages):
        rounds.record_meeting(db, rnd, village, dt.date(YEAR, 10, 5 + i), 20, USER, place="Nhà văn hóa",
                              chair="Ma Văn Tùng", secretary="Lý Thị Hoa", list_agree=17)
    rounds.record_posting(db, rnd, "Trụ sở UBND xã", dt.date(YEAR, 10, 14), dt.date(YEAR, 10, 18), USER)
    return rnd, villages


def _decide(db, rnd, number: str = "184/QĐ-UBND") -> None:
    assert rounds.decide(db, rnd, number, dt.date(YEAR, 12, 14), USER, signer="Hà Văn Bình") == 2


def _round_records(conn) -> dict[str, list[tuple]]:
    return {t: table_rows(conn, t) for t in repo_sync.ROUND_RECORDS}


def test_meetings_posting_and_decision_reach_the_district_and_the_province(db, tmp_path):
    rnd, villages = _posted_round(db)
    first, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "xa-1.xlsx")  # sent before the decision
    district = init_database(tmp_path / "huyen.sqlite", "district", "062")
    (r,) = merge_files(district, tmp_path / "huyen.sqlite", [first], trust_new=True).results
    assert r.status == MERGED
    assert [len(rows) for rows in _round_records(district).values()] == [2, 1, 0]
    assert _round_records(district) == _round_records(db)
    assert {m["chair"] for m in repo_rounds.meetings(district, rnd.uid)} == {"Ma Văn Tùng"}

    _decide(db, rnd)  # then the commune decides and sends again: the decision arrives, the rest is unchanged
    second, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "xa-2.xlsx")
    (r,) = merge_files(district, tmp_path / "huyen.sqlite", [second]).results
    assert r.status == MERGED and r.counts["conflicts"] == 0
    here = _round_records(db)
    assert [len(here[t]) for t in repo_sync.ROUND_RECORDS] == [2, 1, 1]
    assert _round_records(district) == here
    decision = repo_rounds.decision(district, rnd.uid)
    assert (decision["number"], decision["decision_date"], decision["signer"]) == (
        "184/QĐ-UBND", f"{YEAR}-12-14", "Hà Văn Bình")
    assert district.execute("SELECT DISTINCT decision_id FROM review").fetchall()[0][0] == decision["uid"]
    # their history travelled with them
    assert district.execute("SELECT count(*) FROM audit_log WHERE table_name='round_decision'").fetchone()[0] >= 1

    # the district's own package carries them on to the province
    up, _ = write_package(district, "062", YEAR, tmp_path)
    province = init_database(tmp_path / "tinh.sqlite", "province", "06")
    (r,) = merge_files(province, tmp_path / "tinh.sqlite", [up], trust_new=True).results
    assert r.status == MERGED
    assert _round_records(province) == here
    for conn in (district, province):
        conn.close()


def test_a_format_3_package_merges_without_round_records(db, tmp_path, monkeypatch):
    _decide(db, _posted_round(db)[0])
    carried = tuple(t for t in repo_sync.TABLES if t.name not in repo_sync.ROUND_RECORDS)
    monkeypatch.setattr(repo_sync, "TABLES", carried)  # what a format-3 bkdesk wrote
    monkeypatch.setattr(fmt, "FORMAT_VERSION", 3)
    old, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "xa-cu.xlsx")
    monkeypatch.undo()
    district = init_database(tmp_path / "huyen.sqlite", "district", "062")
    (r,) = merge_files(district, tmp_path / "huyen.sqlite", [old], trust_new=True).results
    assert r.status == MERGED and r.households["added"] == 2
    assert all(rows == [] for rows in _round_records(district).values())
    # the commune updates bkdesk and sends again: the round records follow, nothing else changes
    new, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "xa-moi.xlsx")
    (r,) = merge_files(district, tmp_path / "huyen.sqlite", [new]).results
    assert r.status == MERGED and r.counts["conflicts"] == 0 and r.households["added"] == 0
    assert _round_records(district) == _round_records(db)
    district.close()


def test_a_meeting_of_a_round_outside_the_package_refuses_it(db, tmp_path, monkeypatch):
    _posted_round(db)
    real = repo_sync.iter_unit_rows

    def with_stranger(conn, table, codes):
        rows = list(real(conn, table, codes))
        yield from rows
        if table == "village_meeting":  # a meeting pointing at a round the package does not carry
            header = repo_sync.package_columns(conn, table)
            stray = list(rows[0])
            stray[header.index("uid")], stray[header.index("round_uid")] = new_uid(), new_uid()
            yield tuple(stray)

    monkeypatch.setattr(repo_sync, "iter_unit_rows", with_stranger)
    bad, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "bad.xlsx")
    monkeypatch.setattr(repo_sync, "iter_unit_rows", real)
    path = tmp_path / "huyen.sqlite"
    district = init_database(path, "district", "062")
    before = file_hash(path)
    (r,) = merge_files(district, path, [bad], trust_new=True).results
    assert r.status == REJECTED
    assert "họp thôn" in r.message and "ngoài gói" in r.message and "không nhập cả gói" in r.message
    assert file_hash(path) == before
    district.close()


def test_a_second_decision_for_one_round_is_refused_in_one_line(db, db_path, tmp_path):
    rnd, _ = _posted_round(db)
    backup_to(db, tmp_path / "ban-sao.sqlite")  # the database copied to a second laptop before the decision
    copy = open_db(tmp_path / "ban-sao.sqlite")
    _decide(db, rnd, "184/QĐ-UBND")
    _decide(copy, rounds.periodic_round(copy, YEAR), "185/QĐ-UBND")  # the same round decided again over there
    pa, _ = write_package(db, TEST_COMMUNE, YEAR, tmp_path / "xa-a.xlsx")
    pb, _ = write_package(copy, TEST_COMMUNE, YEAR, tmp_path / "xa-b.xlsx")
    copy.close()
    path = tmp_path / "huyen.sqlite"
    district = init_database(path, "district", "062")
    assert merge_files(district, path, [pa], trust_new=True).results[0].status == MERGED
    before = file_hash(path)
    (r,) = merge_files(district, path, [pb]).results
    assert r.status == REJECTED
    assert (f"đã có quyết định số 184/QĐ-UBND ngày 14/12/{YEAR} ở đây, khác với quyết định số 185/QĐ-UBND"
            in r.message) and "không nhập" in r.message
    assert file_hash(path) == before
    district.close()
