"""Package part of the hostile-file corpus: real sync packages (bkdesk.export.sync.package writer) from other
units and future versions, then tampered. Called by scripts/make_corpus.py when the writer exists.

Writes tests/corpus/package/_valid-01954.xlsx (the untouched package, a positive control: a district 062
database accepts it) and the hostile variants next to it, each of which must be rejected.
"""

from __future__ import annotations

import io
import json
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import openpyxl

VALID = "_valid-01954.xlsx"


def _edit(src: bytes, fn) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(src))
    fn(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _manifest_cell(wb, key: str):
    from bkdesk.export.sync import package_format as fmt

    ws = wb[fmt.MANIFEST_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            return row[1]
    raise KeyError(key)


def _set_manifest(key: str, value):
    return lambda wb: setattr(_manifest_cell(wb, key), "value", value)


def _data_cell(table: str, row: int, change):
    def fn(wb):
        cell = wb[f"d_{table}"].cell(row=row, column=1)
        cell.value = change(cell.value)
    return fn


def _json_cell(index: int, value):
    def change(text):
        values = json.loads(text)
        values[index] = value
        return json.dumps(values, ensure_ascii=False)
    return change


def _nfd_everywhere(wb) -> None:
    for table in ("household", "member"):
        for row in wb[f"d_{table}"].iter_rows(min_row=2):
            if isinstance(row[0].value, str):
                row[0].value = unicodedata.normalize("NFD", row[0].value)


def build(out_dir: Path) -> int:
    from bkdesk.export.sync.package import write_package
    from tests.export.sync_data import new_commune_db

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        conn = new_commune_db(tmp / "xa.sqlite", "01954", 6, seed=11)
        good_path, _ = write_package(conn, "01954", 2022, tmp / "goi.xlsx")
        conn.close()
        other = new_commune_db(tmp / "khac.sqlite", "01837", 2, seed=12)  # Thành phố Bắc Kạn, not district 062
        other_path, _ = write_package(other, "01837", 2022, tmp / "khac.xlsx")
        other.close()
        good, foreign = good_path.read_bytes(), other_path.read_bytes()
    files = {
        VALID: good,
        "other-district-unit.xlsx": foreign,
        "future-format-version.xlsx": _edit(good, _set_manifest("format_version", "99")),
        "future-app-version.xlsx": _edit(good, _set_manifest("app_version", "99.0.0")),
        "format-name-wrong.xlsx": _edit(good, _set_manifest("format", "bkdesk-bang-diem")),
        "unit-code-swapped.xlsx": _edit(good, _set_manifest("unit_code", "01945")),
        "round-2100.xlsx": _edit(good, _set_manifest("round", "2100")),
        "round-1900.xlsx": _edit(good, _set_manifest("round", "1900")),
        "checksum-blank.xlsx": _edit(good, _set_manifest("checksum", None)),
        "negative-count.xlsx": _edit(good, _set_manifest("rows.member", "-1")),
        "count-not-number.xlsx": _edit(good, _set_manifest("rows.household", "sáu")),
        "tampered-household-no.xlsx": _edit(good, _data_cell("household", 2, _json_cell(1, "0999"))),
        "nfd-text-in-data.xlsx": _edit(good, _nfd_everywhere),
        "formula-in-data.xlsx": _edit(good, _data_cell("household", 3, lambda t: "=1+1")),
        "number-instead-of-text.xlsx": _edit(good, _data_cell("household", 2, lambda t: 12345)),
        "not-json-cell.xlsx": _edit(good, _data_cell("member", 3, lambda t: t[:-5])),
        "megabyte-cell.xlsx": _edit(good, _data_cell("household", 2, lambda t: "x" * 32_000)),
        "date-1900-in-data.xlsx": _edit(good, _data_cell("member", 2, _json_cell(1, "1900-01-01"))),
    }

    def dup_row(wb):
        ws = wb["d_household"]
        ws.append([c.value for c in ws[2]])
    files["duplicated-row.xlsx"] = _edit(good, dup_row)
    files["data-sheet-deleted.xlsx"] = _edit(good, lambda wb: wb.remove(wb["d_member"]))
    files["manifest-deleted.xlsx"] = _edit(good, lambda wb: wb.remove(wb.worksheets[
        [ws.title for ws in wb.worksheets].index(_manifest_cell(wb, "format").parent.title)]))
    files["truncated-half.xlsx"] = good[:len(good) // 2]
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
            z.writestr(info.filename, data)
    files["entity-in-workbook.xlsx"] = buf.getvalue()
    # one cell at XFD1048576: python-calamine allocates the whole range and aborts the process
    for label, part in (("manifest", "xl/worksheets/sheet3.xml"), ("data", "xl/worksheets/sheet5.xml")):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == part:
                    data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                        b"<is><t>x</t></is></c></row></sheetData>")
                z.writestr(info.filename, data)
        files[f"corner-cell-in-{label}.xlsx"] = buf.getvalue()
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return len(files)
