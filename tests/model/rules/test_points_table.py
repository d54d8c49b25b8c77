"""B1 points tables. Every point value here is MADE UP for the tests: bkdesk ships none."""

import copy
import datetime as dt
import json
import unicodedata

import openpyxl
import pytest

from bkdesk.errors import UserError
from bkdesk.export.inputs import points_xlsx
from bkdesk.model.rules import points_table as pt
from bkdesk.model.store import repo_points


def made_up_table(**changes) -> dict:
    """A clearly fictional table (BẢNG ĐIỂM GIẢ ĐỊNH ĐỂ KIỂM THỬ): not the official annex."""
    table = {
        "format": pt.FORMAT, "format_version": 1, "standard_id": "vn-2022-2026", "form": "B1",
        "region_code": "TEST", "region_name_vi": "Vùng giả định để kiểm thử", "area": "rural",
        "base_points": 50, "version": "GIẢ-ĐỊNH-1", "valid_from": "2022-01-01", "valid_to": None,
        "source": {"document": "Bảng giả định (kiểm thử)", "annex": None, "note": "không phải số liệu chính thức"},
        "entered_by": "kiểm thử", "checked_by": "kiểm thử",
        "questions": [
            {"code": "Q1", "order": 1, "section_vi": "Nhân khẩu", "label_vi": "Số người trong hộ", "type": "count",
             "unit_vi": "người", "required": True, "min_value": 1, "derived_from": "member_count", "options": [],
             "bands": [{"min": 1, "max": 2, "min_inclusive": True, "max_inclusive": True, "points": 30},
                       {"min": 2, "max": 5, "min_inclusive": False, "max_inclusive": True, "points": 10},
                       {"min": 5, "max": None, "min_inclusive": False, "max_inclusive": False, "points": -5}]},
            {"code": "Q2", "order": 2, "section_vi": "Nhà ở", "label_vi": "Loại nhà", "type": "single",
             "unit_vi": None, "required": True, "min_value": None, "derived_from": None, "bands": [],
             "options": [{"code": "a", "label_vi": "Kiên cố", "points": 20},
                         {"code": "b", "label_vi": "Tạm", "points": 0.5}]},
            {"code": "Q3", "order": 3, "section_vi": "Tài sản", "label_vi": "Tài sản có", "type": "multi",
             "unit_vi": None, "required": False, "min_value": None, "derived_from": None, "bands": [],
             "options": [{"code": "tv", "label_vi": "Tivi", "points": 3},
                         {"code": "xe", "label_vi": "Xe máy", "points": 7}]},
            {"code": "Q4", "order": 4, "section_vi": "Điện", "label_vi": "Có điện lưới", "type": "boolean",
             "unit_vi": None, "required": False, "min_value": None, "derived_from": None, "bands": [],
             "options": [{"code": "yes", "label_vi": "Có", "points": 4},
                         {"code": "no", "label_vi": "Không", "points": 0}]},
            {"code": "Q5", "order": 5, "section_vi": "Nhà ở", "label_vi": "Diện tích", "type": "numeric",
             "unit_vi": "m²", "required": False, "min_value": None, "derived_from": "floor_area_m2", "options": [],
             "bands": [{"min": None, "max": 20, "min_inclusive": True, "max_inclusive": False, "points": 0},
                       {"min": 20, "max": None, "min_inclusive": True, "max_inclusive": True, "points": 6}]},
        ],
    }
    table.update(changes)
    table["checksum_sha256"] = pt.table_checksum(table)
    return table


def reseal(table):
    table["checksum_sha256"] = pt.table_checksum(table)
    return table


def problems(table):
    return pt.validate_table(table)


def test_valid_made_up_table_loads_from_json():
    table = made_up_table()
    text = json.dumps(table, ensure_ascii=False, indent=2)
    loaded = pt.load_points_json(text, "gia-dinh.json")
    assert loaded["checksum_sha256"] == pt.table_checksum(table)
    assert len(loaded["checksum_sha256"]) == 64


def test_canonical_json_is_sorted_compact_nfc_without_checksum():
    table = made_up_table()
    canon = pt.canonical_json(table)
    assert "checksum_sha256" not in canon and ", " not in canon and ": " not in canon
    assert canon.startswith('{"area":"rural","base_points":50')
    assert unicodedata.is_normalized("NFC", canon)


@pytest.mark.parametrize("mutate, expected", [
    (lambda t: t["questions"][0]["bands"].__setitem__(1, {**t["questions"][0]["bands"][1], "min": 3}), "bị hở"),
    (lambda t: t["questions"][0]["bands"].__setitem__(1, {**t["questions"][0]["bands"][1], "min_inclusive": True}),
     "chồng lấn"),
    (lambda t: t["questions"][0]["bands"].pop(), "không bao phủ"),
    (lambda t: t["questions"][4]["bands"][1].__setitem__("min_inclusive", False), "bị hở"),
    (lambda t: t["questions"][1]["options"][1].__setitem__("code", "a"), "mã lựa chọn bị trùng"),
    (lambda t: t["questions"][2].__setitem__("code", "Q1"), "mã câu hỏi bị trùng"),
    (lambda t: t["questions"][3]["options"].pop(), "boolean"),
    (lambda t: t["questions"][1]["bands"].append({"min": 0, "max": None, "min_inclusive": True,
                                                  "max_inclusive": False, "points": 1}), "không dùng khoảng"),
    (lambda t: t.__setitem__("area", "city"), "'area'"),
])
def test_inconsistent_tables_rejected(mutate, expected):
    table = made_up_table()
    mutate(table)
    reseal(table)
    found = problems(table)
    assert any(expected in p for p in found), found


def test_bad_checksum_rejected():
    table = made_up_table()
    table["questions"][1]["options"][0]["points"] = 21  # edited after sealing
    assert any("checksum" in p for p in problems(table))


def test_missing_checksum_rejected_for_json():
    table = made_up_table()
    del table["checksum_sha256"]
    assert any("checksum_sha256" in p for p in problems(table))


def test_non_nfc_text_rejected():
    table = made_up_table()
    table["questions"][1]["label_vi"] = unicodedata.normalize("NFD", "Loại nhà ở")
    reseal(table)
    assert any("NFC" in p and "questions[1].label_vi" in p for p in problems(table))


def test_wrong_format_and_version_and_malformed_json():
    assert "phiên bản định dạng" in problems(made_up_table(format_version=2))[0]
    assert "không phải tệp bảng điểm" in problems(made_up_table(format="other"))[0]
    with pytest.raises(pt.PointsTableError, match="không phải JSON hợp lệ"):
        pt.load_points_json("{\"format\": ", "hong.json")


def _count(db):
    return (db.execute("SELECT count(*) FROM points_table").fetchone()[0],
            db.execute("SELECT count(*) FROM audit_log").fetchone()[0])


@pytest.mark.parametrize("make_bad", [
    lambda: reseal(made_up_table(format_version=9)),
    lambda: {**made_up_table(), "checksum_sha256": "0" * 64},
    lambda: reseal(made_up_table(questions=[])),
])
def test_rejected_tables_leave_db_unchanged(db, make_bad):
    before = _count(db)
    with pytest.raises(pt.PointsTableError) as exc:
        repo_points.store_points_table(db, make_bad(), "kiểm thử")
    assert isinstance(exc.value, UserError) and "Bảng điểm" in str(exc.value)
    assert _count(db) == before


def test_store_versions_and_active_table(db):
    uid1 = repo_points.store_points_table(db, made_up_table(), "kiểm thử")
    with pytest.raises(pt.PointsTableError, match="đã được nạp"):
        repo_points.store_points_table(db, made_up_table(), "kiểm thử")
    with pytest.raises(pt.PointsTableError, match="cùng vùng"):
        repo_points.store_points_table(db, made_up_table(version="GIẢ-ĐỊNH-1b"), "kiểm thử")
    uid2 = repo_points.store_points_table(db, made_up_table(version="GIẢ-ĐỊNH-2", valid_from="2024-01-01"), "kiểm thử")
    key = ("vn-2022-2026", "B1", "TEST", "rural")
    assert repo_points.active_points_table(db, *key, dt.date(2023, 6, 1))[0] == uid1
    assert repo_points.active_points_table(db, *key, dt.date(2024, 6, 1))[0] == uid2
    assert repo_points.active_points_table(db, *key, dt.date(2021, 6, 1)) is None
    assert repo_points.points_table_by_uid(db, uid1)["version"] == "GIẢ-ĐỊNH-1"  # the old version is kept
    assert db.execute("SELECT count(*) FROM audit_log WHERE table_name='points_table'").fetchone()[0] == 2


def test_compute_score_a():
    t = made_up_table()
    assert pt.compute_score_a(t, {"Q1": 4, "Q2": "b"}) == 60.5  # 50 + 10 + 0.5
    assert pt.compute_score_a(t, {"Q1": 2, "Q2": "a", "Q3": ["tv", "xe"], "Q4": True, "Q5": 20}) == 120
    assert pt.compute_score_a(t, {"Q1": 9, "Q2": "a", "Q5": 19.99}) == 65
    assert pt.compute_score_a(t, {"Q2": "a"}) is None  # required Q1 unanswered
    with pytest.raises(UserError, match="ngoài mọi khoảng"):
        pt.compute_score_a(t, {"Q1": 0, "Q2": "a"})  # below min_value 1: input error, never 0 points
    with pytest.raises(UserError, match="lựa chọn không hợp lệ"):
        pt.compute_score_a(t, {"Q1": 1, "Q2": "z"})
    with pytest.raises(UserError, match="số nguyên"):
        pt.compute_score_a(t, {"Q1": 1.5, "Q2": "a"})


def test_choose_score_a_paper_vs_computed():
    assert pt.choose_score_a(120, 120, "paper_total") == (120, "paper_total")
    assert pt.choose_score_a(118, 120, "computed") == (120, "computed")
    assert pt.choose_score_a(118, None, "paper_total") == (118, "paper_total")
    with pytest.raises(UserError, match="lý do"):
        pt.choose_score_a(118, 120, "paper_total")
    assert pt.choose_score_a(118, 120, "paper_total", "bảng tính sai câu 3") == (118, "paper_total")


def write_workbook(path, table, drop_sheet=None):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {
        "meta": [("key", "value")] + [(k, table.get(k)) for k in ("standard_id", "form", "region_code",
                                      "region_name_vi", "area", "base_points", "version", "valid_from",
                                      "valid_to", "entered_by", "checked_by")]
        + [("source_document", table["source"]["document"]), ("source_annex", None)],
        "questions": [pt.SHEET_COLUMNS["questions"]] + [
            (q["code"], q["order"], q["section_vi"], q["label_vi"], q["type"], q["unit_vi"], q["required"],
             q["min_value"], q["derived_from"]) for q in table["questions"]],
        "options": [pt.SHEET_COLUMNS["options"]] + [
            (q["code"], o["code"], o["label_vi"], o["points"]) for q in table["questions"] for o in q["options"]],
        "bands": [pt.SHEET_COLUMNS["bands"]] + [
            (q["code"], b["min"], b["max"], b["min_inclusive"], b["max_inclusive"], b["points"])
            for q in table["questions"] for b in q["bands"]],
    }
    for name, rows in sheets.items():
        if name == drop_sheet:
            continue
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(list(r))
    wb.save(path)


def test_xlsx_import_converts_to_canonical_json(tmp_path, db):
    src = made_up_table()
    path = tmp_path / "bang-diem.xlsx"
    write_workbook(path, src)
    table = points_xlsx.import_xlsx(path)
    assert [q["code"] for q in table["questions"]] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert table["questions"][0]["bands"][2] == src["questions"][0]["bands"][2]
    assert table["checksum_sha256"] == pt.table_checksum(table)
    assert pt.compute_score_a(table, {"Q1": 4, "Q2": "b"}) == 60.5
    repo_points.store_points_table(db, table, "kiểm thử")
    assert _count(db)[0] == 1


def test_xlsx_missing_sheet_rejected_and_db_unchanged(tmp_path, db):
    path = tmp_path / "thieu.xlsx"
    write_workbook(path, made_up_table(), drop_sheet="bands")
    before = _count(db)
    with pytest.raises(pt.PointsTableError, match="thiếu trang tính 'bands'"):
        repo_points.store_points_table(db, points_xlsx.load_points_file(path), "kiểm thử")
    assert _count(db) == before


def test_xlsx_gap_rejected(tmp_path):
    table = copy.deepcopy(made_up_table())
    table["questions"][0]["bands"][1]["min"] = 3
    path = tmp_path / "ho.xlsx"
    write_workbook(path, table)
    with pytest.raises(pt.PointsTableError, match="bị hở"):
        points_xlsx.import_xlsx(path)
