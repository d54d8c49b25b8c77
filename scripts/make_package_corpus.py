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


def _sealed(table: str, change):
    """Edit the records of a sealed data sheet and seal them again (an attacker holding the passphrase)."""
    def fn(src: bytes) -> bytes:
        from tests.export.sync_keys import Opened

        pkg = Opened(io.BytesIO(src))
        pkg.set_cells(table, change(pkg.cells(table)))
        out = io.BytesIO()
        pkg.save(out)
        return out.getvalue()
    return fn


def _first(change):
    return lambda cells: [change(cells[0]), *cells[1:]]


def _nfd_everywhere(src: bytes) -> bytes:
    for table in ("household", "member"):
        src = _sealed(table, lambda cells: [unicodedata.normalize("NFD", c) for c in cells])(src)
    return src


def build(out_dir: Path) -> int:
    from tests.export.sync_data import new_commune_db
    from tests.export.sync_keys import write_package  # sealed with the test passphrase (the worker's)

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
        "tampered-household-no.xlsx": _sealed("household", _first(_json_cell(1, "0999")))(good),
        "nfd-text-in-data.xlsx": _nfd_everywhere(good),
        "formula-in-data.xlsx": _edit(good, _data_cell("household", 2, lambda t: "=1+1")),  # its one sealed row
        "number-instead-of-text.xlsx": _edit(good, _data_cell("household", 2, lambda t: 12345)),
        "not-json-cell.xlsx": _sealed("member", lambda cells: [cells[0], cells[1][:-5], *cells[2:]])(good),
        "sealed-data-edited.xlsx": _edit(good, _data_cell("member", 2, lambda t: t[:100] + "AAAA" + t[104:])),
        "megabyte-cell.xlsx": _edit(good, _data_cell("household", 2, lambda t: "x" * 32_000)),
        "date-1900-in-data.xlsx": _sealed("member", _first(_json_cell(1, "1900-01-01")))(good),
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
