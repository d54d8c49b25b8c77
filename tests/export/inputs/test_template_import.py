"""The data-entry template and the list importer, end to end through the command line.

Real SQLite files; workbooks written by bkdesk and edited / authored with openpyxl (an independent
writer and reader); the report read back with openpyxl.
"""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from bkdesk.cli.main import main
from bkdesk.model.demo.build import build_demo_database
from bkdesk.model.rules.codelists import codelists
from bkdesk.model.rules.records import as_dict
from bkdesk.model.store import keyfile, keyring, users
from bkdesk.model.store.db import open_db
from bkdesk.model.store.repo_households import get_household, list_household_uids
from bkdesk.model.store.repo_reviews import find_round, review_in_round
from bkdesk.model.store.repo_villages import list_villages
from tests.cli.protected import protected_database
from tests.conftest import TEST_COMMUNE, TEST_PASSWORD, TEST_USER

YEAR = 2022  # the demo commune's second periodic round (list year 2023)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """A demo commune and its template filled with data (`template --with-data`)."""
    folder = tmp_path_factory.mktemp("demo")
    demo = folder / "demo.sqlite"
    with pytest.MonkeyPatch.context() as mp:  # built before the per-test setup (tests/conftest.py): the same
        mp.setattr(keyfile, "SCRYPT_N", 2 ** 12)  # cheap hashing and the same login for the command
        mp.setenv("BKDESK_USER", TEST_USER)
        mp.setenv("BKDESK_PASSWORD", TEST_PASSWORD)
        build_demo_database(demo, "commune", protection=users.begin_protected(demo, TEST_USER, TEST_PASSWORD))
        out = folder / "mau.xlsx"
        assert main(["--db", str(demo), "template", "--out", str(out), "--with-data", "--round", str(YEAR)]) == 0
    return demo, out


def _fresh(path):
    """A protected commune database as `bkdesk init` makes it (the test user logged in)."""
    protected_database(path, "commune", TEST_COMMUNE, officer="Cán bộ kiểm thử").close()
    return path


def _open(db_path):
    """Opened as the test user (the module's demo database was made before this test's login)."""
    if keyring.lookup(db_path) is None:
        users.login(db_path, TEST_USER, TEST_PASSWORD)
    return open_db(db_path)


def _snapshot(db_path, year=YEAR) -> dict:
    """household code -> what the acceptance compares: household, members, housing, score, indicators,
    causes, needs, classes (ids left out: a fresh database gives new ones)."""
    conn = _open(db_path)
    try:
        villages = {r["uid"]: r["name"] for r in list_villages(conn)}
        rnd = find_round(conn, TEST_COMMUNE, "periodic", year)
        out = {}
        for uid in list_household_uids(conn, TEST_COMMUNE):
            b = get_household(conn, uid)
            r = review_in_round(conn, uid, rnd.uid)
            hh = {k: v for k, v in as_dict(b.household).items() if k not in ("uid", "village_uid", "is_demo",
                                                                               "complete", "status")}
            hh["village"] = villages.get(b.household.village_uid)
            members = [{k: v for k, v in as_dict(m).items() if k not in ("uid", "household_uid")} for m in b.members]
            out[b.household.household_no] = {
                "household": hh, "members": members, "housing": as_dict(b.housing),
                "score_a": r.score_a_final, "indicators": {c: v.final for c, v in r.indicators.items()},
                "indicator_reasons": {c: v.reason for c, v in r.indicators.items()},
                "causes": r.causes, "needs": r.needs, "computed_class": r.computed_class,
                "final_class": r.final_class, "start_status": r.start_status,
            }
        return out
    finally:
        conn.close()


def _audit_rows(db_path) -> int:
    conn = _open(db_path)
    try:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def test_round_trip_gives_the_same_commune(demo_template, tmp_path, capsys):
    demo, template = demo_template
    fresh = _fresh(tmp_path / "fresh.sqlite")
    assert main(["--db", str(fresh), "import", str(template), "--round", str(YEAR)]) == 0
    assert "Thêm mới 806 hộ" in capsys.readouterr().out
    before, after = _snapshot(demo), _snapshot(fresh)
    assert len(after) == 806
    assert after == before
    conn = open_db(fresh)
    try:
        statuses = {r[0] for r in conn.execute("SELECT DISTINCT record_status FROM review")}
        reasons = {r[0] for r in conn.execute("SELECT DISTINCT reason FROM audit_log WHERE table_name='household'")}
    finally:
        conn.close()
    assert statuses == {"draft"}  # imported reviews arrive as drafts to confirm
    assert reasons == {"Nhập từ tệp mau.xlsx"}
    # re-importing the same file changes nothing
    audit = _audit_rows(fresh)
    assert main(["--db", str(fresh), "import", str(template), "--round", str(YEAR)]) == 0
    assert "không đổi 806 hộ" in capsys.readouterr().out
    assert _audit_rows(fresh) == audit


def _rows_by_key(ws) -> tuple[dict[str, int], list[list]]:
    keys = {c.value: c.column for c in ws[1] if c.value}
    return keys, [[c.value for c in row] for row in ws.iter_rows(min_row=3)]


def _edit(template, out):
    """Three scores changed, one member row deleted, one new household, "abc" in a number column, a code
    that is not in the code list. Returns what the test needs to check."""
    wb = openpyxl.load_workbook(template)
    hh, mem = wb["Hộ gia đình"], wb["Thành viên"]
    hk, _ = _rows_by_key(hh)
    mk, _ = _rows_by_key(mem)
    code_of = {r: hh.cell(r, hk["household_code"]).value for r in range(3, hh.max_row + 1)}
    changed = {}
    for r in (3, 4, 5):
        cell = hh.cell(r, hk["score_a"])
        cell.value = (cell.value or 0) + 7
        changed[code_of[r]] = cell.value
    hh.cell(6, hk["score_a"]).value = "abc"
    bad_score = code_of[6]
    # the members sheet: a non-head member of household row 7 is deleted; household row 8 gets a bad code
    deleted_hh, bad_code_hh = code_of[7], code_of[8]
    rows = {r: mem.cell(r, mk["household_code"]).value for r in range(3, mem.max_row + 1)}
    delete_row = next(r for r, c in rows.items() if c == deleted_hh and mem.cell(r, mk["relation"]).value != "Chủ hộ")
    deleted_name = mem.cell(delete_row, mk["full_name"]).value
    bad_row = next(r for r, c in rows.items() if c == bad_code_hh)
    mem.cell(bad_row, mk["ethnicity"]).value = "Dân tộc XYZ"
    mem.delete_rows(delete_row)
    if bad_row > delete_row:
        bad_row -= 1
    new_r = hh.max_row + 1
    for key, value in (("household_code", "9001"), ("village", hh.cell(3, hk["village"]).value),
                       ("head_name", "Hoàng Văn Mới"), ("score_a", 90), ("causes", "1; 2")):
        hh.cell(new_r, hk[key]).value = value
    new_m = mem.max_row + 1
    for key, value in (("household_code", "9001"), ("full_name", "Hoàng Văn Mới"), ("relation", "Chủ hộ"),
                       ("sex", "Nam"), ("birth_date", 1980), ("ethnicity", "Tày"), ("id_number", "006080001234")):
        mem.cell(new_m, mk[key]).value = value
    wb.save(out)
    return {"changed": changed, "bad_score": bad_score, "bad_score_row": 6, "bad_code": bad_code_hh,
            "bad_code_row": bad_row, "deleted": (deleted_hh, deleted_name)}


def test_edited_template_rejects_exactly_the_two_bad_rows(demo_template, tmp_path, capsys):
    _, template = demo_template
    fresh = _fresh(tmp_path / "fresh.sqlite")
    assert main(["--db", str(fresh), "import", str(template), "--round", str(YEAR)]) == 0
    base = _snapshot(fresh)
    edited = tmp_path / "sua.xlsx"
    e = _edit(template, edited)
    report = tmp_path / "bao-cao.xlsx"
    audit = _audit_rows(fresh)
    rc = main(["--db", str(fresh), "import", str(edited), "--round", str(YEAR), "--report", str(report)])
    assert rc == 1
    assert _snapshot(fresh) == base and _audit_rows(fresh) == audit  # nothing imported
    ws = openpyxl.load_workbook(report)["Dòng bị từ chối"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["Sheet", "Dòng", "Cột", "Giá trị", "Lý do"]
    assert sorted((r[0], r[1]) for r in rows[1:]) == sorted([("Hộ gia đình", e["bad_score_row"]),
                                                             ("Thành viên", e["bad_code_row"])])
    by_sheet = {r[0]: r for r in rows[1:]}
    assert by_sheet["Hộ gia đình"][3] == "abc" and "số" in by_sheet["Hộ gia đình"][4]
    assert by_sheet["Thành viên"][3] == "Dân tộc XYZ" and "danh mục" in by_sheet["Thành viên"][4]
    capsys.readouterr()

    rc = main(["--db", str(fresh), "import", str(edited), "--round", str(YEAR), "--valid-only"])
    assert rc == 1
    out = capsys.readouterr().out
    assert "Thêm mới 1 hộ, cập nhật 4 hộ" in out and "bị từ chối 2 hộ" in out
    after = _snapshot(fresh)
    for code, score in e["changed"].items():
        assert after[code]["score_a"] == score
    deleted_hh, deleted_name = e["deleted"]
    assert deleted_name not in [m["full_name"] for m in after[deleted_hh]["members"]]
    assert len(after[deleted_hh]["members"]) == len(base[deleted_hh]["members"]) - 1
    assert after["9001"]["members"][0]["full_name"] == "Hoàng Văn Mới"
    assert after[e["bad_score"]] == base[e["bad_score"]]
    assert after[e["bad_code"]] == base[e["bad_code"]]
    conn = open_db(fresh)
    try:
        reasons = {r[0] for r in conn.execute("SELECT reason FROM audit_log WHERE id > ?", (audit,))}
    finally:
        conn.close()
    assert reasons == {"Nhập từ tệp sua.xlsx"}


def _form02(path, rows):
    """A previous year's list shaped like the Form 02 list: title lines, then the headers on row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS hộ nghèo, cận nghèo"
    ws["A1"] = "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2022"
    ws["A2"] = "(Kèm theo Quyết định số 191/QĐ-UBND ngày 14/12/2022)"
    ws.append([])
    ws.append(["STT", "Họ và tên chủ hộ", "Năm sinh", "Dân tộc", "Thôn", "Số nhân khẩu", "Thuộc diện", "Ghi chú"])
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    wb.save(path)


def test_previous_years_list_sets_the_start_of_period(tmp_path, capsys):
    from bkdesk.model.review.transitions import household_transitions
    from bkdesk.model.store.repo_reviews import save_review

    fresh = _fresh(tmp_path / "fresh.sqlite")
    listing = tmp_path / "ds-2022.xlsx"
    rows = [("Nông Văn A", 1970, "Tày", "Bản Sáng", 4, "Nghèo cũ", ""),
            ("Lý Thị B", 1985, "Dao", "Bản Sáng", 3, "Cận nghèo mới", ""),
            ("Hà Văn C", 1962, "Nùng", "Nà Làng", 5, "Tái nghèo", "")]
    _form02(listing, rows)
    # without a mapping: exit 2 with the suggestion; --write-map writes it
    assert main(["--db", str(fresh), "import", str(listing), "--round", "2023"]) == 2
    assert "Họ và tên chủ hộ" in capsys.readouterr().err
    map_path = tmp_path / "ghep-cot.json"
    assert main(["--db", str(fresh), "import", str(listing), "--round", "2023", "--write-map", str(map_path)]) == 0
    suggested = json.loads(map_path.read_text(encoding="utf-8"))
    assert suggested["header_row"] == 4
    assert suggested["columns"] == {"Họ và tên chủ hộ": "head_name", "Năm sinh": "head_birth_date",
                                    "Dân tộc": "head_ethnicity", "Thôn": "village", "Thuộc diện": "start_status",
                                    "Ghi chú": "note"}
    report = tmp_path / "bc.xlsx"
    assert main(["--db", str(fresh), "import", str(listing), "--round", "2023", "--map", str(map_path),
                 "--report", str(report)]) == 0
    # no score, no indicators: imported as the desk saves them, drafts "chưa hoàn thành", listed with why
    drafts = list(openpyxl.load_workbook(report)["Phiếu chưa hoàn thành"].iter_rows(values_only=True))[1:]
    assert [(r[0], r[1]) for r in drafts] == [("DS hộ nghèo, cận nghèo", n) for n in (5, 6, 7)]
    assert all(r[4] for r in drafts)
    conn = open_db(fresh)
    try:
        rnd = find_round(conn, TEST_COMMUNE, "periodic", 2023)
        got = {}
        for uid in list_household_uids(conn, TEST_COMMUNE):
            b, r = get_household(conn, uid), review_in_round(conn, uid, rnd.uid)
            got[b.members[0].full_name] = (r.start_status, b.members[0].birth_date, b.members[0].ethnicity)
            # the officer reviews the household in the round: it ends NOT_POOR (confirmed)
            r.final_class, r.computed_class, r.record_status = "NOT_POOR", "NOT_POOR", "confirmed"
            save_review(conn, r, "Cán bộ kiểm thử")
        eth = {i["label_vi"]: i["code"] for i in codelists("vn-2022-2026").items("ethnic_groups")}
        assert got == {"Nông Văn A": ("POOR", "1970", eth["Tày"]), "Lý Thị B": ("NEAR_POOR", "1985", eth["Dao"]),
                       "Hà Văn C": ("POOR", "1962", eth["Nùng"])}
        transitions, unresolved = household_transitions(conn, 2023)
    finally:
        conn.close()
    assert not unresolved
    assert sorted((t.start, t.poor_code, t.near_code) for t in transitions) == [
        ("NEAR_POOR", None, "near_exit_above"), ("POOR", "poor_exit_above", None),
        ("POOR", "poor_exit_above", None)]
    # the mapping was saved for files of this shape: the same list again needs no --map; its households
    # have no code and already exist, so they are shown as possible duplicates and never merged
    copy = tmp_path / "ds-2022-ban-sao.xlsx"
    shutil.copy(listing, copy)
    capsys.readouterr()
    assert main(["--db", str(fresh), "import", str(copy), "--round", "2023"]) == 1
    out = capsys.readouterr().out
    assert out.count("Có thể trùng") == 3 and "Thêm mới 0 hộ" in out


def test_user_errors_exit_2_and_leave_the_database_unchanged(tmp_path, capsys):
    fresh = _fresh(tmp_path / "fresh.sqlite")
    audit = _audit_rows(fresh)
    not_xlsx = tmp_path / "ds.xlsx"
    not_xlsx.write_text("họ tên;thôn\n", encoding="utf-8")
    assert main(["--db", str(fresh), "import", str(not_xlsx), "--round", "2023"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    bad_map = tmp_path / "map.json"
    bad_map.write_text('{"sheet": "x", "columns": {"A": "khong_co"}}', encoding="utf-8")
    assert main(["--db", str(fresh), "import", str(not_xlsx), "--round", "2023", "--map", str(bad_map)]) == 2
    assert "khong_co" in capsys.readouterr().err
    assert _audit_rows(fresh) == audit


def test_template_for_people(tmp_path):
    """Instructions in Vietnamese, hidden key row, frozen headers, dropdowns from the code lists and villages."""
    fresh = _fresh(tmp_path / "fresh.sqlite")
    out = tmp_path / "mau-trong.xlsx"
    assert main(["--db", str(fresh), "template", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Hướng dẫn", "Hộ gia đình", "Thành viên"]
    assert "Mã hộ" in " ".join(str(c.value) for c in wb["Hướng dẫn"]["A"] if c.value)
    for name, keys in (("Hộ gia đình", {"household_code", "village", "head_name", "score_a", "causes", "VL", "BHYT"}),
                       ("Thành viên", {"household_code", "full_name", "relation", "sex", "birth_date", "ethnicity",
                                       "id_number"})):
        ws = wb[name]
        assert keys <= {c.value for c in ws[1]}
        assert ws.row_dimensions[1].hidden
        assert ws.freeze_panes == "A3"
        validated = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in ws.data_validations.dataValidation}
        assert validated
    mem = wb["Thành viên"]
    col = {c.value: c.column_letter for c in mem[1]}
    sources = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in mem.data_validations.dataValidation}
    assert "Danh mục" in sources[f"{col['ethnicity']}3"]
    assert wb["Danh mục"].sheet_state == "hidden"


def test_readme_lists_every_machine_key():
    from pathlib import Path

    from bkdesk.export.inputs.mapping import MAPPABLE
    from bkdesk.export.inputs.template import MEMBER_COLUMNS, household_columns
    from bkdesk.model.rules.standards import shipped_standard

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    keys = [c.key for c in household_columns(shipped_standard("vn-2022-2026")) + MEMBER_COLUMNS] + list(MAPPABLE)
    assert [k for k in keys if f"`{k}`" not in readme] == []


def _small_template(db_path, out, households):
    """The commune's empty template filled as a person would: (code, head, CCCD, birth year, score)."""
    from bkdesk.export.inputs.template import write_template

    conn = open_db(db_path)
    try:
        write_template(conn, out, review_year=2023)
    finally:
        conn.close()
    wb = openpyxl.load_workbook(out)
    hh, mem = wb["Hộ gia đình"], wb["Thành viên"]
    hk, _ = _rows_by_key(hh)
    mk, _ = _rows_by_key(mem)
    for i, (code, name, idn, born, score) in enumerate(households):
        for key, value in (("household_code", code), ("village", "Bản Sáng"), ("head_name", name),
                           ("score_a", score)):
            hh.cell(3 + i, hk[key]).value = value
        for key, value in (("household_code", code), ("full_name", name), ("relation", "Chủ hộ"), ("sex", "Nam"),
                           ("birth_date", born), ("ethnicity", "Tày"), ("id_number", idn)):
            mem.cell(3 + i, mk[key]).value = value
    wb.save(out)
    return out


def test_match_by_head_cccd_then_possible_duplicates(tmp_path, capsys):
    fresh = _fresh(tmp_path / "fresh.sqlite")
    first = _small_template(fresh, tmp_path / "dot1.xlsx", [("0001", "Hà Văn Một", "006080000001", 1980, 90),
                                                           ("0002", "Lý Văn Hai", None, 1972, 100)])
    assert main(["--db", str(fresh), "import", str(first), "--round", "2023"]) == 0
    # the commune renumbered household 0001 (same head's CCCD); a new code whose head has the name, village
    # and birth year of household 0002 is imported but shown as a possible duplicate
    second = _small_template(fresh, tmp_path / "dot2.xlsx", [("A-01", "Hà Văn Một", "006080000001", 1980, 95),
                                                            ("A-02", "Lý Văn Hai", None, 1972, 100)])
    capsys.readouterr()
    audit = _audit_rows(fresh)
    assert main(["--db", str(fresh), "import", str(second), "--round", "2024"]) == 2  # no round 2024 opened yet
    assert "chưa mở đợt rà soát định kỳ năm 2024" in capsys.readouterr().err and _audit_rows(fresh) == audit
    assert main(["--db", str(fresh), "import", str(second), "--round", "2023", "--report",
                 str(tmp_path / "bc.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "Thêm mới 1 hộ, cập nhật 1 hộ" in out and "Có thể trùng với hộ 0002" in out
    snap = _snapshot(fresh, 2023)
    assert sorted(snap) == ["0002", "A-01", "A-02"] and snap["A-01"]["score_a"] == 95
    dups = list(openpyxl.load_workbook(tmp_path / "bc.xlsx")["Có thể trùng"].iter_rows(values_only=True))
    assert len(dups) == 2 and dups[1][:2] == ("Hộ gia đình", 4)


def test_renamed_and_reordered_headers_do_not_break_the_import(tmp_path):
    fresh = _fresh(tmp_path / "fresh.sqlite")
    path = _small_template(fresh, tmp_path / "mau.xlsx", [("0001", "Hà Văn Một", "006080000001", 1980, 90)])
    wb = openpyxl.load_workbook(path)
    ws = wb["Hộ gia đình"]
    keys, _ = _rows_by_key(ws)
    a, b = keys["score_a"], keys["head_name"]
    for row in range(1, ws.max_row + 1):  # swap two whole columns, machine keys included
        ws.cell(row, a).value, ws.cell(row, b).value = ws.cell(row, b).value, ws.cell(row, a).value
    for cell in ws[2]:
        if cell.value:
            cell.value = f"Cột {cell.column}"  # every visible header renamed
    wb.save(path)
    assert main(["--db", str(fresh), "import", str(path), "--round", "2023"]) == 0
    snap = _snapshot(fresh, 2023)
    assert snap["0001"]["score_a"] == 90 and snap["0001"]["members"][0]["full_name"] == "Hà Văn Một"


def test_a_column_deleted_from_the_file_keeps_the_stored_values(tmp_path, capsys):
    fresh = _fresh(tmp_path / "fresh.sqlite")
    path = _small_template(fresh, tmp_path / "mau.xlsx", [("0001", "Hà Văn Một", "006080000001", 1980, 90)])
    assert main(["--db", str(fresh), "import", str(path), "--round", "2023"]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["Thành viên"]
    ws.delete_cols(_rows_by_key(ws)[0]["ethnicity"])  # the officer deleted the ethnicity column
    wb.save(path)
    capsys.readouterr()
    assert main(["--db", str(fresh), "import", str(path), "--round", "2023"]) == 0
    assert "không đổi 1 hộ" in capsys.readouterr().out
    eth = {i["label_vi"]: i["code"] for i in codelists("vn-2022-2026").items("ethnic_groups")}
    assert _snapshot(fresh, 2023)["0001"]["members"][0]["ethnicity"] == eth["Tày"]


def test_a_template_of_another_standard_is_refused_whole(tmp_path, capsys):
    """A template made for review year 2026 (standard 2027-2030: indicator RT, no PTTT) imported into the
    2023 round would lose its indicators silently: exit 2 naming the unknown keys, database unchanged."""
    fresh = _fresh(tmp_path / "fresh.sqlite")
    out = tmp_path / "mau-2026.xlsx"
    assert main(["--db", str(fresh), "template", "--out", str(out), "--round", "2026"]) == 0
    audit = _audit_rows(fresh)
    assert main(["--db", str(fresh), "import", str(out), "--round", "2023"]) == 2
    err = capsys.readouterr().err
    assert "RT" in err and "vn-2022-2026" in err and err.count("\n") == 1
    assert _audit_rows(fresh) == audit


def test_the_mong_ethnic_group_is_named_as_the_templates_name_it_and_the_old_label_still_imports():
    """Code 08 is "Mông" on every list (reports.md §3, report 9's column); files typed with the label
    bkdesk used before ("Hmông") or without accents still import as 08."""
    from bkdesk.export.inputs.list_import import _code
    from bkdesk.model.rules.codelists import codelists

    for standard in ("vn-2022-2026", "vn-2027-2030"):
        lists = codelists(standard)
        assert lists.label("ethnic_groups", "08") == "Mông"
        assert {_code(lists, "ethnic_groups", text) for text in ("Mông", "Hmông", "mong", "HMONG", "08")} == {"08"}
