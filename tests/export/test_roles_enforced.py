"""Outputs and roles (issue 16): printing needs the PRINT permission, data exports EXPORT, and every output
is in the audit log with the logged-in user. The commune roles against every operation are in
tests/model/review/test_roles_enforced.py; here the district level (cán bộ tổng hợp) and the outputs
themselves, on protected databases made the way a user makes them."""

from __future__ import annotations

import pytest

from bkdesk.export import service
from bkdesk.export.inputs import template
from bkdesk.model.review import rounds
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.targets import shipped_inputs
from bkdesk.model.store import access, export_marker, keyring, repo_outputs, repo_targets, settings, users
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import open_db
from tests.conftest import TEST_COMMUNE
from tests.dbutil import dump

PASSWORD = "mat-khau-vai-tro"
DISTRICT = "062"  # the district of TEST_COMMUNE (2022 list)
YEAR = 2024


def _protected(path, scope: str, code: str, extra: dict[str, list[str]]):
    """A protected database of ``scope``: the first user (every role of the level) adds ``extra`` users."""
    prot = users.begin_protected(path, "quantri1", PASSWORD, "Quản trị")
    conn = init_database(path, scope, code, officer="Cán bộ kiểm thử")
    try:
        users.finish_protected(prot, conn)
        settings.put(conn, settings.REVIEW_YEAR, str(YEAR))
        for name, roles in extra.items():
            users.add_user(conn, name, PASSWORD, roles, name)
    finally:
        conn.close()
        keyring.forget()
    return path


@pytest.fixture
def district(tmp_path):
    return _protected(tmp_path / "huyen.sqlite", "district", DISTRICT,
                      {"tonghop": ["can_bo_tong_hop"], "quantri2": ["quan_tri"]})


@pytest.fixture
def commune(tmp_path):
    return _protected(tmp_path / "xa.sqlite", "commune", TEST_COMMUNE,
                      {"rasoat": ["ra_soat_vien"], "giamngheo": ["can_bo_giam_ngheo_xa"]})


def _as(path, name: str):
    users.login(path, name, PASSWORD)
    return open_db(path)


def _output_rows(conn):
    return [(r["user"], r["field"], r["new_value"], r["record_uid"]) for r in conn.execute(
        "SELECT * FROM audit_log WHERE table_name=? ORDER BY id", (repo_outputs.TABLE,))]


def test_district_officer_prints_and_is_refused_commune_and_setup_work(district, tmp_path):
    conn = _as(district, "tonghop")
    try:
        out = service.export(conn, "1", DISTRICT, YEAR, tmp_path / "bieu01.xlsx")
        assert out.exists()
        assert _output_rows(conn) == [("tonghop", "print", "bieu01.xlsx", f"{DISTRICT}:{YEAR}")]
        before = dump(district)
        for call, perm in ((lambda: rounds.open_regular_round(conn, TEST_COMMUNE, YEAR, 3, ""), R.ROUND),
                           (lambda: repo_targets.save_plan_targets(conn, 2022, shipped_inputs(2022), ""), R.SETUP)):
            with pytest.raises(access.PermissionDenied, match="tonghop") as refused:
                call()
            assert R.PERMISSION_LABELS[perm] in str(refused.value)
        assert dump(district) == before
    finally:
        conn.close()


def test_district_administrator_may_set_up_but_not_print(district, tmp_path):
    conn = _as(district, "quantri2")
    try:
        repo_targets.save_plan_targets(conn, 2022, shipped_inputs(2022), "")
        before = dump(district)
        with pytest.raises(access.PermissionDenied, match="Cán bộ tổng hợp"):
            service.export(conn, "1", DISTRICT, YEAR, tmp_path / "bieu01.xlsx")
        assert dump(district) == before and not (tmp_path / "bieu01.xlsx").exists()
    finally:
        conn.close()


def test_template_with_data_is_an_export_the_blank_one_is_open(commune, tmp_path):
    conn = _as(commune, "rasoat")
    try:
        template.write_template(conn, tmp_path / "mau-trong.xlsx", review_year=YEAR)  # village names only: any user
        before = dump(commune)
        with pytest.raises(access.PermissionDenied, match="xuất"):
            template.write_template(conn, tmp_path / "mau-du-lieu.xlsx", with_data=True, review_year=YEAR)
        assert dump(commune) == before and not (tmp_path / "mau-du-lieu.xlsx").exists()
    finally:
        conn.close()
    conn = _as(commune, "giamngheo")
    try:
        template.write_template(conn, tmp_path / "mau-du-lieu.xlsx", with_data=True, review_year=YEAR)
        assert _output_rows(conn) == [("rasoat", "print", "mau-trong.xlsx", f"{TEST_COMMUNE}:{YEAR}"),
                                      ("giamngheo", "export", "mau-du-lieu.xlsx", f"{TEST_COMMUNE}:{YEAR}")]
    finally:
        conn.close()


def test_outputs_are_not_unexported_changes(commune, tmp_path):
    conn = _as(commune, "giamngheo")
    try:
        before = export_marker.unexported_change_count(conn)
        service.export(conn, "1", TEST_COMMUNE, YEAR, tmp_path / "bieu01.pdf")
        assert len(_output_rows(conn)) == 1 and export_marker.unexported_change_count(conn) == before
    finally:
        conn.close()


def test_the_print_preview_needs_print_and_is_audited(commune):
    users.login(commune, "rasoat", PASSWORD)
    with pytest.raises(access.PermissionDenied, match="rasoat"):
        service.preview_tables(commune, "report:r01", TEST_COMMUNE, YEAR)
    users.login(commune, "giamngheo", PASSWORD)
    prepared = service.preview_tables(commune, "report:r01", TEST_COMMUNE, YEAR)
    assert [t.template_id for t in prepared.tables] == ["r01"]
    conn = open_db(commune)
    try:
        assert _output_rows(conn) == [("giamngheo", "preview", "", f"{TEST_COMMUNE}:{YEAR}")]
    finally:
        conn.close()
