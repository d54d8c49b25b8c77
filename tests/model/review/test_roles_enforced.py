"""Roles enforced at the model layer (issue 16): each role is refused the operations of the others.

A protected commune database is made the way a user makes one (begin_protected -> init_database ->
finish_protected), filled by its first user (every role of the commune level), and given one user per role.
Every case starts from a fresh copy of that database (the file and its key file), logs in as the role's user,
opens the database with ``open_db`` as the desk and the command line do, and calls the model directly: an
allowed operation works; any other raises access.PermissionDenied with one Vietnamese line and leaves the
database exactly as it was (a full dump compared)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from bkdesk.export import forms, service
from bkdesk.export.inputs import list_import, template
from bkdesk.model.desk import DeskContext
from bkdesk.model.review import rounds
from bkdesk.model.review.review_service import confirm_computed, new_review, save_household_with_review
from bkdesk.model.rules import roles as R
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.rules.standards import list_year_for
from bkdesk.model.rules.targets import shipped_inputs
from bkdesk.model.store import (
    access,
    backups,
    keyfile,
    keyring,
    repo_rounds,
    repo_targets,
    repo_villages,
    settings,
    users,
)
from bkdesk.model.store.convert_units import convert
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import connect, open_db
from bkdesk.model.store.repo_households import HouseholdBundle
from bkdesk.model.store.repo_reviews import get_round
from bkdesk.model.store.repo_rounds import periodic_round_uid
from bkdesk.model.store.repo_standards import standard_for_list_year
from tests.conftest import TEST_COMMUNE
from tests.dbutil import dump

YEAR = 2024
PASSWORD = "mat-khau-vai-tro"
ADMIN = "quantri1"  # the first user: every role of the commune level
USERS = {  # one user per commune role
    "ra_soat_vien": "rasoat",
    "can_bo_giam_ngheo_xa": "giamngheo",
    "lanh_dao_xa": "lanhdao",
    "quan_tri": "quantri2",
}


def _household(no: str, village_uid: str, head: str) -> HouseholdBundle:
    hh = Household(commune_code=TEST_COMMUNE, household_no=no, village_uid=village_uid, address="Bản Nà Bưa")
    members = [
        Member(head, sex="1", birth_date="1980-05-02", relation_to_head="chu_ho", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0,
               id_number="001080012345"),
        Member("Hoàng Thị Ánh", sex="2", birth_date="1983-01-10", relation_to_head="vo", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
    ]
    housing = Housing(no_house=0, wall_durable=0, frame_durable=0, roof_durable=1, floor_area_m2=40,
                      water_source="other", latrine_type="none", phone_subscription=1, internet_use=0,
                      info_devices="tivi", loudspeaker_audible=1)
    return HouseholdBundle(hh, members, housing)


def _enter_complete(conn, bundle: HouseholdBundle) -> None:
    review = new_review(bundle, YEAR)
    review.score_a_paper = 120
    save_household_with_review(conn, bundle, review, "")
    confirm_computed(review)
    review.indicators["VL"].final, review.indicators["VL"].reason = "not_deprived", "có việc làm"
    review.causes = {"1": ""}
    assert save_household_with_review(conn, bundle, review, "").complete


@dataclass
class Commune:
    """The names the operations need (uids are kept by the copy)."""
    village1: str
    village2: str
    confirmed: str   # household 0001 (village 1): confirmed, its village meeting passed
    draft: str       # household 0002 (village 2): complete, still a draft


def _build(path: Path) -> Commune:
    prot = users.begin_protected(path, ADMIN, PASSWORD, "Quản trị xã")
    conn = init_database(path, "commune", TEST_COMMUNE, officer="Cán bộ kiểm thử")
    try:
        users.finish_protected(prot, conn)
        settings.put(conn, settings.REVIEW_YEAR, str(YEAR))
        v1 = repo_villages.create_village(conn, TEST_COMMUNE, "Bản Nà Bưa", "")
        v2 = repo_villages.create_village(conn, TEST_COMMUNE, "Thôn Khuổi Ló", "")
        rnd, _ = rounds.open_periodic_round(conn, TEST_COMMUNE, YEAR, "")
        one, two = _household("0001", v1, "Nguyễn Văn Đức"), _household("0002", v2, "Lý Văn An")
        _enter_complete(conn, one)
        _enter_complete(conn, two)
        rounds.confirm(conn, rnd, "", village_uid=v1)
        rounds.record_meeting(conn, rnd, v1, dt.date(YEAR, 10, 5), 30, "", list_agree=30)
        for role, name in USERS.items():
            users.add_user(conn, name, PASSWORD, [role], name.capitalize())
        return Commune(v1, v2, one.household.uid, two.household.uid)
    finally:
        conn.close()
        keyring.forget()


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyfile, "SCRYPT_N", 2 ** 12)
        keyring.forget()
        path = tmp_path_factory.mktemp("roles") / "xa.sqlite"
        commune = _build(path)
    return path, commune


@pytest.fixture
def commune_db(template_db, tmp_path):
    """A fresh copy of the protected database (file and key file), nobody logged in."""
    src, commune = template_db
    path = tmp_path / "xa.sqlite"
    shutil.copy(src, path)
    shutil.copy(keyfile.keyfile_path(src), keyfile.keyfile_path(path))
    return path, commune


def _round(conn):
    return get_round(conn, periodic_round_uid(conn, TEST_COMMUNE, YEAR))


def _confirm_and_meet(conn, c: Commune) -> None:
    rnd = _round(conn)
    rounds.confirm(conn, rnd, "", village_uid=c.village2)
    rounds.record_meeting(conn, rnd, c.village2, dt.date(YEAR, 10, 6), 20, "", list_agree=18)


def _decided(conn, c: Commune) -> None:
    _confirm_and_meet(conn, c)
    rounds.decide(conn, _round(conn), "125/QĐ-UBND", dt.date(YEAR, 12, 10), "", signer="Hà Văn Bình")


def _finalised(conn, c: Commune) -> None:
    _confirm_and_meet(conn, c)
    rounds.finalise(conn, _round(conn).uid, "")


def _backup(conn, c: Commune) -> None:
    backups.backup_now(conn, Path(conn.execute("PRAGMA database_list").fetchone()[2]))


def _template_file(conn, c: Commune) -> None:
    template.write_template(conn, _out(conn, "mau.xlsx"), with_data=True, review_year=YEAR)


def _out(conn, name: str) -> Path:
    return Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent / name


def _edit_in_desk(conn, c: Commune) -> None:
    desk = DeskContext(_out(conn, "xa.sqlite"), conn=conn)
    edit = desk.open_household(c.draft)
    edit.edit(("household", "address"), "Bản Nà Bưa, nhà thứ hai")
    desk.save_household(edit)


def _new_household(conn, c: Commune) -> None:
    bundle = _household("0003", c.village1, "Ma Văn Tùng")
    save_household_with_review(conn, bundle, new_review(bundle, YEAR), "")


# operation -> (permission, preparation by the first user or None, the call)
OPERATIONS = {
    "lưu hộ và phiếu": (R.EDIT, None, _new_household),
    "sửa hộ trên bàn làm việc": (R.EDIT, None, _edit_in_desk),
    "thêm thôn": (R.EDIT, None, lambda conn, c: repo_villages.create_village(conn, TEST_COMMUNE, "Xóm Mới", "")),
    "đổi tên thôn": (R.EDIT, None, lambda conn, c: repo_villages.rename_village(conn, c.village2, "Thôn Khuổi Lò",
                                                                                "")),
    "nhập danh sách": (R.EDIT, _template_file,
                       lambda conn, c: list_import.run_import(conn, _out(conn, "mau.xlsx"), YEAR, "")),
    "xác nhận hộ": (R.CONFIRM, None, lambda conn, c: rounds.confirm_household(conn, c.draft, YEAR, "")),
    "trả phiếu về đang nhập": (R.CONFIRM, None, lambda conn, c: rounds.unconfirm(conn, _round(conn), c.confirmed,
                                                                                  "", "Sai số nhân khẩu")),
    "họp thôn": (R.ROUND, lambda conn, c: rounds.confirm(conn, _round(conn), "", village_uid=c.village2),
                 lambda conn, c: rounds.record_meeting(conn, _round(conn), c.village2, dt.date(YEAR, 10, 6), 20, "",
                                                       list_agree=18)),
    "niêm yết": (R.ROUND, None, lambda conn, c: rounds.record_posting(conn, _round(conn), "Nhà văn hóa",
                                                                      dt.date(YEAR, 10, 14), dt.date(YEAR, 10, 18),
                                                                      "")),
    "mở đợt thường xuyên": (R.ROUND, None, lambda conn, c: rounds.open_regular_round(conn, TEST_COMMUNE, YEAR + 1,
                                                                                     3, "")),
    "ghi quyết định": (R.DECIDE, _confirm_and_meet,
                       lambda conn, c: rounds.decide(conn, _round(conn), "125/QĐ-UBND", dt.date(YEAR, 12, 10), "")),
    "mở khóa phiếu": (R.UNLOCK, _decided, lambda conn, c: rounds.unlock_review(conn, _round(conn), c.confirmed, "",
                                                                              "Sai điểm A khi nhập")),
    "in báo cáo": (R.PRINT, None, lambda conn, c: service.export(conn, "1", TEST_COMMUNE, YEAR,
                                                                 _out(conn, "bieu01.xlsx"))),
    "in biểu mẫu": (R.PRINT, None, lambda conn, c: forms.write_forms(conn, "form01", TEST_COMMUNE, YEAR,
                                                                    _out(conn, "mau01.pdf"))),
    "xuất mẫu kèm dữ liệu": (R.EXPORT, None, lambda conn, c: template.write_template(
        conn, _out(conn, "xuat.xlsx"), with_data=True, review_year=YEAR)),
    "chốt đợt": (R.ROUND, _confirm_and_meet, lambda conn, c: rounds.finalise(conn, _round(conn).uid, "")),
    "mở khóa đợt": (R.UNLOCK, _finalised, lambda conn, c: rounds.unlock(conn, _round(conn).uid, "", "Ghi sai quyết định")),
    "ghi biến động hộ": (R.EDIT, None, lambda conn, c: repo_rounds.add_household_event(
        conn, c.draft, "moved_out", f"{YEAR}-06-01", "", place="Thái Nguyên")),
    "chuyển đổi đơn vị": (R.SETUP, None, lambda conn, c: convert(conn, _out(conn, "xa.sqlite"), "")),
    "nạp chỉ tiêu kế hoạch": (R.SETUP, None, lambda conn, c: repo_targets.save_plan_targets(
        conn, 2022, shipped_inputs(2022), "")),
    "khôi phục bản sao lưu": (R.SETUP, _backup, lambda conn, c: backups.restore_backup(
        _out(conn, "xa.sqlite"), backups.list_backups(_out(conn, "xa.sqlite"))[0].path)),
}

CASES = [(role, op) for role in USERS for op in OPERATIONS]


def _login(path: Path, role: str):
    users.login(path, USERS[role], PASSWORD)
    return open_db(path)


def _prepare(path: Path, commune: Commune, prepare) -> None:
    if prepare is None:
        return
    users.login(path, ADMIN, PASSWORD)
    conn = open_db(path)
    try:
        prepare(conn, commune)
    finally:
        conn.close()
        users.logout(path)


@pytest.mark.parametrize(("role", "op"), CASES, ids=[f"{r}-{o}" for r, o in CASES])
def test_each_role_may_do_its_own_operations_only(commune_db, role, op):
    path, commune = commune_db
    permission, prepare, call = OPERATIONS[op]
    _prepare(path, commune, prepare)
    allowed = permission in R.ROLES[role].permissions
    conn = _login(path, role)
    try:
        if allowed:
            call(conn, commune)
            return
        before = dump(path)
        files = sorted(p.name for p in path.parent.rglob("*"))
        with pytest.raises(access.PermissionDenied) as refused:
            call(conn, commune)
    finally:
        conn.close()
    message = str(refused.value)
    assert USERS[role] in message and "không có quyền" in message and "\n" not in message
    assert any(r.label in message for r in R.roles_with(permission, "commune"))  # who has it
    assert dump(path) == before  # nothing changed
    assert sorted(p.name for p in path.parent.rglob("*")) == files  # no output file, no backup


def test_the_matrix_covers_every_permission_of_the_commune_level():
    tested = {perm for perm, _, _ in OPERATIONS.values()}
    commune_perms = set().union(*(r.permissions for r in R.roles_of_level("commune")))
    assert commune_perms - tested == {R.USERS, R.QUERY}  # users: users.py's tests; query: its own command


def test_a_keyed_connection_without_a_session_is_refused(commune_db):
    path, commune = commune_db
    users.login(path, ADMIN, PASSWORD)
    key = keyring.key_for(path)
    before = dump(path)
    users.logout(path)
    conn = connect(path, key)
    try:
        assert conn.keyed and conn.session is None
        with pytest.raises(access.PermissionDenied, match="Chưa đăng nhập"):
            _new_household(conn, commune)
        with pytest.raises(access.PermissionDenied, match="Chưa đăng nhập"):
            service.export(conn, "1", TEST_COMMUNE, YEAR, path.parent / "r01.xlsx")
    finally:
        conn.close()
    users.login(path, ADMIN, PASSWORD)
    assert dump(path) == before and not (path.parent / "r01.xlsx").exists()


def test_the_audit_row_of_a_print_names_the_logged_in_user(commune_db):
    path, commune = commune_db
    conn = _login(path, "can_bo_giam_ngheo_xa")
    try:
        out = service.export(conn, "1", TEST_COMMUNE, YEAR, path.parent / "bieu01.pdf")
        forms.write_forms(conn, "form01", TEST_COMMUNE, YEAR, path.parent / "mau01.pdf", village="Bản Nà Bưa")
        rows = conn.execute("SELECT * FROM audit_log WHERE table_name='output' ORDER BY id").fetchall()
    finally:
        conn.close()
    assert [(r["user"], r["action"], r["field"], r["new_value"], r["record_uid"]) for r in rows] == [
        ("giamngheo", "insert", "print", out.name, f"{TEST_COMMUNE}:{YEAR}"),
        ("giamngheo", "insert", "print", "mau01.pdf", f"{TEST_COMMUNE}:{YEAR}:Bản Nà Bưa")]
    assert "r01" in rows[0]["reason"] and "form01" in rows[1]["reason"]


def test_the_audit_rows_of_changes_carry_the_session_user(commune_db):
    path, commune = commune_db
    conn = _login(path, "ra_soat_vien")
    try:
        _new_household(conn, commune)
        users_of_rows = {r[0] for r in conn.execute(
            "SELECT user FROM audit_log WHERE id > (SELECT max(id) FROM audit_log WHERE table_name='app_user')")}
    finally:
        conn.close()
    assert users_of_rows == {"rasoat"}


def test_an_imported_list_is_audited_under_the_logged_in_user(commune_db):
    """New households of a list go in by the bulk path (one audit row per record, not record_change)."""
    path, commune = commune_db
    users.login(path, ADMIN, PASSWORD)
    conn = open_db(path)
    try:
        std = standard_for_list_year(list_year_for("periodic", YEAR), conn)
        _, rows_h, rows_m, villages = template.template_rows(conn, TEST_COMMUNE, YEAR)
    finally:
        conn.close()
    renumber = {row[0]: f"9{i:03d}" for i, row in enumerate(rows_h, 1)}  # new households: new codes and CCCD
    rows_h = [[renumber[r[0]], *r[1:3], "", *r[4:]] for r in rows_h]
    id_col = [c.key for c in template.MEMBER_COLUMNS].index("id_number")
    rows_m = [[renumber[r[0]], *r[1:id_col], "", *r[id_col + 1:]] for r in rows_m]
    template.write_rows(path.parent / "moi.xlsx", TEST_COMMUNE, YEAR, std, codelists(std.id), villages,
                        template.household_columns(std), rows_h, rows_m)
    conn = _login(path, "ra_soat_vien")
    try:
        last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        result = list_import.run_import(conn, path.parent / "moi.xlsx", YEAR, "Nguyễn Văn Rà")
        who = {r[0] for r in conn.execute("SELECT user FROM audit_log WHERE id > ?", (last,))}
        added = conn.execute("SELECT count(*) FROM audit_log WHERE id > ? AND table_name='household' AND "
                             "action='insert'", (last,)).fetchone()[0]
    finally:
        conn.close()
    assert result.added == 2 and added == 2 and who == {"rasoat"}


def test_the_desk_says_what_the_user_may_do(commune_db):
    path, commune = commune_db
    users.login(path, USERS["ra_soat_vien"], PASSWORD)
    desk = DeskContext(path)
    try:
        assert desk.session.username == "rasoat"
        assert desk.can(R.EDIT) and not desk.can(R.PRINT) and not desk.can(R.CONFIRM)
        edit = desk.open_household(commune.draft)
        edit.edit(("household", "address"), "Bản Nà Bưa, nhà thứ hai")
        assert edit.save_draft()  # an editor keeps its draft
    finally:
        desk.close()
    users.login(path, USERS["lanh_dao_xa"], PASSWORD)
    desk = DeskContext(path)
    try:
        assert desk.can(R.DECIDE) and desk.can(R.PRINT) and not desk.can(R.EDIT)
        edit = desk.open_household(commune.draft)
        edit.edit(("household", "address"), "Bản Nà Bưa, nhà thứ ba")
        assert not edit.save_draft()  # no draft for a user who may not edit: the timer never fails
        with pytest.raises(access.PermissionDenied, match="lanhdao"):
            desk.save_household(edit)
    finally:
        desk.close()
