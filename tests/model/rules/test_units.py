import csv
import datetime as dt

import pytest

from bkdesk.model.rules.units import TREE_2022, TREE_2025, UnitError, area_of, catalog
from bkdesk.model.store.repo_units import load_catalog
from bkdesk.paths import resource_path


def test_van_tung_changes_area_in_2023():
    assert area_of("01954", dt.date(2022, 9, 1)) == "rural"
    assert area_of("01954", dt.date(2023, 4, 9)) == "rural"
    assert area_of("01954", dt.date(2023, 4, 10)) == "urban"
    assert area_of("01954", dt.date(2023, 9, 1)) == "urban"


def test_2025_tree_areas():
    # From 01/07/2025 former Thị trấn Vân Tùng lies in Xã Ngân Sơn (same code 01954).
    assert area_of("01954", dt.date(2025, 9, 1)) == "rural"
    assert area_of("01843", dt.date(2025, 9, 1)) == "urban"  # Phường Bắc Kạn


def test_all_units_present():
    cat = catalog()
    assert len(cat.communes(TREE_2022)) == 108
    assert len(cat.list(TREE_2022, "district")) == 8
    assert len(cat.list(TREE_2022, "province")) == 1
    assert len(cat.communes(TREE_2025)) == 37
    assert len(cat.communes_under("064")) == 20


def test_successors_match_the_csv():
    with open(resource_path("units", "units-bac-kan.csv"), encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "commune"]
    cat = catalog()
    assert len(rows) == 108
    for r in rows:
        assert cat.successor_2025(r["code"]) == r["successor_code_2025"]
        assert cat.get(r["successor_code_2025"], TREE_2025).name == r["successor_name_2025"]


def test_unknown_code_or_date_is_an_error():
    with pytest.raises(UnitError):
        area_of("99999", dt.date(2022, 9, 1))
    with pytest.raises(UnitError):
        area_of("01858", dt.date(2025, 9, 1))  # Bằng Thành's old code has no 2025 unit


def test_database_catalog_equals_shipped_data(db):
    stored = load_catalog(db)
    assert stored.area_of("01954", dt.date(2023, 9, 1)) == "urban"
    assert len(stored.communes(TREE_2022)) == 108
    assert db.execute("SELECT count(*) FROM unit_succession").fetchone()[0] == 108


def test_area_mapping_is_editable_data(db):
    db.execute("UPDATE unit_type_history SET area='urban' WHERE tree='2025' AND code='01954'")
    assert load_catalog(db).area_of("01954", dt.date(2025, 9, 1)) == "urban"


def test_old_code_after_its_end_names_its_successor_and_the_date():
    with pytest.raises(UnitError) as err:
        area_of("01945", dt.date(2025, 9, 1))
    assert str(err.value) == ("Mã đơn vị 01945 không có hiệu lực vào ngày 01/09/2025: Xã Cốc Đán (01945) hết "
                              "hiệu lực sau ngày 30/06/2025, đơn vị kế tiếp là Xã Ngân Sơn (01954)")
    assert area_of("01945", dt.date(2025, 6, 30)) == "rural"  # its last day
