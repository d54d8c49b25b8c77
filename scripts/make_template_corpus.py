"""Template part of the hostile-file corpus: data-entry templates (bkdesk template) that the list importer
must refuse (a UserError: the file) or whose every household it must reject (nothing written). Not here: a formula
cell (read as its cached value, empty when none) and a household without a head (saved as an incomplete
draft, as the desk saves it).

Writes tests/corpus/template/_valid-01954.xlsx (a filled template that a fresh commune 01954 database
accepts: the positive control) and the hostile variants next to it. Run by tests/test_corpus.py (stamped
by this file's hash) or by hand: python scripts/make_template_corpus.py
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "tests" / "corpus" / "template"
VALID = "_valid-01954.xlsx"
YEAR = 2023
HOUSEHOLDS = [("0001", "Lường Thị Hoa", "Nữ", 1975, "Tày", "006175000001", 80),
              ("0002", "Ma Văn Nghĩa", "Nam", 1968, "Nùng", "006068000002", 120)]


def _blank_template(folder: Path) -> bytes:
    from bkdesk.export.inputs.template import write_template
    from bkdesk.model.store.databases import init_database

    conn = init_database(folder / "xa.sqlite", "commune", "01954", officer="Kiểm thử")
    try:
        out = folder / "mau.xlsx"
        write_template(conn, out, review_year=YEAR)
    finally:
        conn.close()
    return out.read_bytes()


def _keys(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _fill(wb, households=HOUSEHOLDS) -> None:
    hh, mem = wb["Hộ gia đình"], wb["Thành viên"]
    hk, mk = _keys(hh), _keys(mem)
    for i, (code, name, sex, born, eth, idn, score) in enumerate(households):
        for key, value in (("household_code", code), ("village", "Bản Sáng"), ("head_name", name), ("score_a", score),
                           ("causes", "1; 3")):
            hh.cell(3 + i, hk[key]).value = value
        for key, value in (("household_code", code), ("full_name", name), ("relation", "Chủ hộ"), ("sex", sex),
                           ("birth_date", born), ("ethnicity", eth), ("id_number", idn)):
            mem.cell(3 + i, mk[key]).value = value


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _edited(base: bytes, fn) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(base))
    _fill(wb)
    fn(wb)
    return _save(wb)


def _cell(sheet: str, key: str, value, row: int = 3):
    def fn(wb):
        ws = wb[sheet]
        ws.cell(row, _keys(ws)[key]).value = value
    return fn


def _zip_part(src: bytes, part_suffix: str, edit) -> bytes:
    """Rewrite one part of the xlsx zip (bytes -> bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(part_suffix):
                data = edit(data)
            zout.writestr(info, data)
    return out.getvalue()


def _far_corner(wb) -> None:
    wb["Hộ gia đình"]["XFD1048576"] = "x"


def _many_rows(wb) -> None:
    ws = wb["Thành viên"]
    for r in range(3, 120_004):
        ws.cell(r, 1).value = "0001"


def _orphans(wb) -> None:
    ws = wb["Thành viên"]
    k = _keys(ws)
    for r in (3, 4):
        ws.cell(r, k["household_code"]).value = "9999"


def _duplicate_codes(wb) -> None:
    ws = wb["Hộ gia đình"]
    ws.cell(4, _keys(ws)["household_code"]).value = "0001"


def _keys_renamed(wb) -> None:
    """The hidden key row overwritten by the visible headers: not the template any more."""
    for name in ("Hộ gia đình", "Thành viên"):
        ws = wb[name]
        for c in ws[1]:
            c.value = ws.cell(2, c.column).value


def _huge_text(wb) -> None:
    ws = wb["Thành viên"]
    for r in (3, 4):
        ws.cell(r, _keys(ws)["id_number"]).value = "1" * 30_000


def _all_bad(cells: dict):
    def fn(wb):
        for (sheet, key), value in cells.items():
            for r in (3, 4):
                ws = wb[sheet]
                ws.cell(r, _keys(ws)[key]).value = value
    return fn


CASES = {
    "far-corner-households.xlsx": _far_corner,
    "members-120000-rows.xlsx": _many_rows,
    "members-of-unknown-households.xlsx": _orphans,
    "relation-not-in-list.xlsx": _all_bad({("Thành viên", "relation"): "Chủ hộ???"}),
    "duplicate-household-codes.xlsx": lambda wb: (_duplicate_codes(wb), _cell("Hộ gia đình", "score_a", "abc", 3)(wb)),
    "key-row-replaced-by-headers.xlsx": _keys_renamed,
    "cccd-30000-digits.xlsx": _huge_text,
    "score-negative.xlsx": _all_bad({("Hộ gia đình", "score_a"): -5}),
    "birth-31-02.xlsx": _all_bad({("Thành viên", "birth_date"): "31/02/1980"}),
    "birth-in-the-future.xlsx": _all_bad({("Thành viên", "birth_date"): "01/01/2999"}),
    "birth-excel-serial-huge.xlsx": _all_bad({("Thành viên", "birth_date"): 9.99e300}),
    "sex-not-in-list.xlsx": _all_bad({("Thành viên", "sex"): "Khác lạ"}),
    "ethnicity-not-in-list.xlsx": _all_bad({("Thành viên", "ethnicity"): "Kinh123"}),
    "indicator-2.xlsx": _all_bad({("Hộ gia đình", "VL"): 2}),
    "cause-code-99.xlsx": _all_bad({("Hộ gia đình", "causes"): "1; 99"}),
    "yes-no-maybe.xlsx": _all_bad({("Thành viên", "health_insurance"): "Có lẽ"}),
    "cccd-letters.xlsx": _all_bad({("Thành viên", "id_number"): "00617500000A"}),
    "floor-area-text.xlsx": _all_bad({("Hộ gia đình", "floor_area_m2"): "ba mươi"}),
    "head-name-empty.xlsx": _all_bad({("Hộ gia đình", "head_name"): None, ("Thành viên", "full_name"): None}),
}


def build(out: Path = OUT) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = _blank_template(Path(tmp))
    wb = openpyxl.load_workbook(io.BytesIO(base))
    _fill(wb)
    valid = _save(wb)
    written = [out / VALID]
    written[0].write_bytes(valid)
    for name, fn in CASES.items():
        (out / name).write_bytes(_edited(base, fn))
        written.append(out / name)
    # zip-level damage of a real template
    (out / "truncated.xlsx").write_bytes(valid[: len(valid) // 2])
    (out / "doctype-in-households-sheet.xlsx").write_bytes(_zip_part(
        valid, "sheet2.xml", lambda d: d.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1)))
    (out / "dimension-a1-xfd1048576.xlsx").write_bytes(_zip_part(
        valid, "sheet2.xml", lambda d: d.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1)))
    written += [out / n for n in ("truncated.xlsx", "doctype-in-households-sheet.xlsx",
                                  "dimension-a1-xfd1048576.xlsx")]
    return written


if __name__ == "__main__":
    files = build()
    print(f"{len(files)} template corpus files in {OUT}")
