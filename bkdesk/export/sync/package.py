"""The sync package: write a unit's records to one .xlsx, and verify + read one back (DESIGN.md §4).

Writing uses xlsxwriter in constant-memory mode (every value written as a string, never a formula);
reading uses python-calamine after zip checks (size limits, no XML DOCTYPE/ENTITY). The hidden data sheets
are sealed to the registered level above or a passphrase (``sealing``); the visible sheets carry only what
the official posting list prints (reports.md §5: head's name, village, result), never an ID number.
Nothing here writes to the database except, after a successful export, the versions sent, the "last
exported audit entry" setting and the export's audit row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from bkdesk import __version__
from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.render.xlsx import xlsx_output
from bkdesk.export.sync import package_format as fmt
from bkdesk.export.sync import recipients, sealing, signing
from bkdesk.export.sync.file_guard import check_xlsx
from bkdesk.export.sync.package_format import PackageError
from bkdesk.model.jobs import NO_CONTROL, JobControl
from bkdesk.model.rules import roles
from bkdesk.model.rules.fmt import dmy, dmy_hm, fmt_int
from bkdesk.model.rules.units import TREE_2022, tree_on
from bkdesk.model.store import access, audit, export_marker, repo_sync, settings
from bkdesk.model.store.db import transaction
from bkdesk.model.store.repo_units import load_catalog

CLASS_VI = {"POOR": "Hộ nghèo", "NEAR_POOR": "Hộ cận nghèo", "MIDDLE": "Hộ có mức sống trung bình",
            "NOT_POOR": "Không nghèo", None: "Chưa phân loại"}
LEVEL_VI = {"commune": "xã", "district": "huyện", "province": "tỉnh"}


@dataclass
class Package:
    path: Path
    manifest: dict[str, str]
    checksum: str
    fingerprint: str = ""
    # table -> (columns, rows of decoded values)
    tables: dict[str, tuple[list[str], list[list]]] = field(default_factory=dict)

    @property
    def round(self) -> int:
        return int(self.manifest["round"])


# --- names ---------------------------------------------------------------------------------------------

def ascii_fold(text: str) -> str:
    """Accent-free, case kept: "Xã Vân Tùng" -> "Xa Van Tung"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def default_file_name(unit_name: str, unit_code: str, review_year: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_fold(unit_name)).strip("-")
    return f"bkdesk_{slug}_{unit_code}_ra-soat-{review_year}.xlsx"


def expected_tree(review_year: int) -> str:
    """Tree in force at the end of the review year (the periodic review of 2025 uses the 2025 tree)."""
    return tree_on(dt.date(review_year, 12, 31))


def check_round_year(review_year: int) -> None:
    if not 2021 <= review_year <= 2100:
        raise UserError(f"Năm rà soát không hợp lệ: {review_year}.")


# --- export --------------------------------------------------------------------------------------------

def _unit_for_export(conn: sqlite3.Connection, unit_code: str, review_year: int):
    check_round_year(review_year)
    tree = settings.get(conn, settings.TREE) or TREE_2022
    cat = load_catalog(conn)
    unit = cat.find(unit_code, tree)
    if unit is None:
        raise UserError(f"Không có đơn vị hành chính mã {unit_code} trong danh mục {tree}.")
    if tree == TREE_2022 and expected_tree(review_year) != TREE_2022:
        heir = (f" ({unit.name} {unit.code} hết hiệu lực sau ngày {dmy(unit.valid_to)}, đơn vị kế tiếp"
                f" {unit.successor_code})") if unit.successor_code and unit.valid_to else ""
        raise UserError(f"Năm rà soát {review_year} dùng danh mục đơn vị từ 01/07/2025; cơ sở dữ liệu này vẫn"
                        f" dùng mã đơn vị cũ (2022){heir}. Hãy chuyển đổi cơ sở dữ liệu trước khi xuất"
                        " (bkdesk convert-units).")
    scope, scope_code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
    codes = [u.code for u in cat.communes_under(unit_code, tree)]
    if scope_code and cat.find(scope_code, tree):
        allowed = {u.code for u in cat.communes_under(scope_code, tree)}
        if not set(codes) <= allowed:
            raise UserError(f"{unit.name} ({unit_code}) nằm ngoài phạm vi {LEVEL_VI.get(scope, '')} {scope_code}"
                            " của cơ sở dữ liệu này.")
    return unit, tree, codes


def _standard_ref(conn, review_year: int) -> tuple[str, str]:
    from bkdesk.model.store.repo_standards import standard_ref_for_review

    try:
        sid, rev = standard_ref_for_review(review_year + 1, conn)
    except UserError:
        return "", ""
    return sid, str(rev)


def data_indexes(table: str, header: list[str]) -> list[int]:
    """Positions of a package row's data values: what a version's content hash covers (not the revision,
    time, user, origin, derived columns or the sender's version identity)."""
    skip = set(repo_sync.META) | repo_sync.DERIVED.get(table, set()) | set(repo_sync.BASE)
    return [i for i, c in enumerate(header) if c not in skip]


def collect_tables(conn: sqlite3.Connection, unit_code: str, codes: list[str],
                   control: JobControl = NO_CONTROL
                   ) -> tuple[dict[str, tuple[list[str], list[str]]], int, dict[str, list[tuple]]]:
    """Encoded rows per table (header, JSON cells), the last audit id included, and the sync state of
    every record whose version identity moved since it was last synced (written after the export)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    states: dict[str, list[tuple]] = {}
    uids: set[str] = set()
    for i, spec in enumerate(repo_sync.TABLES):
        control.report(i, len(repo_sync.TABLES) + 1, "Đang đọc dữ liệu…")
        header = repo_sync.package_columns(conn, spec.name)
        key, ri, oi = header.index(spec.key), header.index("rev"), header.index("origin")
        idx = data_indexes(spec.name, header)
        cells, moved = [], []
        for row in repo_sync.iter_unit_rows(conn, spec.name, codes):
            uids.add(row[key])
            state_hash, state_anc = row[-2], row[-1] or ""
            vhash = fmt.content_hash([row[j] for j in idx])
            anc = fmt.ancestry_after(state_hash, state_anc, vhash)
            if vhash != state_hash or anc != state_anc:
                moved.append((row[key], row[ri], row[oi], vhash, anc))
            cells.append(fmt.encode_row((*row[:-2], vhash, anc)))
        out[spec.name] = (header, cells)
        states[spec.name] = moved
    tombs = []
    for row in repo_sync.iter_unit_tombstones(conn, codes):
        uids.add(row[1])
        tombs.append(fmt.encode_row(row))
    out[fmt.TOMBSTONE_TABLE] = (list(repo_sync.TOMBSTONE_COLUMNS), tombs)
    last = export_marker.last_exported_audit_id(conn, unit_code)
    cells, top = [], last
    for audit_id, row in repo_sync.iter_audit_since(conn, last, uids):
        cells.append(fmt.encode_row(row))
        top = audit_id
    out[fmt.AUDIT_TABLE] = (list(repo_sync.AUDIT_COLUMNS), cells)
    return out, top, states


def write_package(conn: sqlite3.Connection, unit_code: str, review_year: int, out: str | Path,
                  control: JobControl = NO_CONTROL, passphrase: str | None = None) -> tuple[Path, str]:
    """Export the unit's records; ``out`` is a file or an existing folder. Returns (path, checksum).

    The data is sealed to every registered recipient (the level above) and, when given, to ``passphrase``;
    with neither the export is refused (nothing would protect the records)."""
    access.require(conn, roles.EXPORT)
    unit, tree, codes = _unit_for_export(conn, unit_code, review_year)
    receivers = recipients.registered(conn)
    if passphrase is not None:
        passphrase = sealing.check_passphrase(passphrase)
    if not receivers and not passphrase:
        raise UserError(recipients.no_recipient_message())
    out = Path(out)
    if out.is_dir():
        out = out / default_file_name(unit.name, unit.code, review_year)
    if out.suffix.lower() != ".xlsx":
        raise UserError("Tệp gói dữ liệu phải có đuôi .xlsx.")
    audit_seen = export_marker.last_audit_id(conn)
    tables, top_audit, states = collect_tables(conn, unit_code, codes, control)
    sid, srev = _standard_ref(conn, review_year)
    manifest = {"format": fmt.FORMAT_NAME, "format_version": str(fmt.FORMAT_VERSION), "app_version": __version__,
                "standard_id": sid, "standard_revision": srev, "unit_tree": tree, "unit_code": unit.code,
                "unit_name": unit.name, "unit_level": unit.level, "round": str(review_year),
                "exported_at": audit.now_iso(), "officer": settings.officer(conn),
                "installation_id": settings.installation_id(conn), "public_key": signing.public_key_text(conn)}
    manifest["key_fingerprint"] = signing.fingerprint(manifest["public_key"])
    summary = repo_sync.summary_rows(conn, codes, review_year)
    visible = _visible_sheets(manifest, summary, unit, review_year)
    manifest[fmt.VISIBLE_KEY] = fmt.visible_digest(visible)
    content_key, seal_id = sealing.new_seal()
    manifest[sealing.SEAL_ID_KEY] = seal_id
    slots = [sealing.slot_for_recipient(content_key, seal_id, r["unit_code"], r["public_key"], r["fingerprint"])
             for r in receivers]
    if passphrase:
        slots.append(sealing.slot_for_passphrase(content_key, seal_id, passphrase))
    for i, slot in enumerate(slots, start=1):
        manifest[f"{fmt.SEAL_PREFIX}{i}"] = slot
    checksum, sealed = fmt.Checksum(), {}
    for table, (header, cells) in tables.items():
        manifest[f"{fmt.COUNT_PREFIX}{table}"] = str(len(cells))
        h = checksum.table(table, header)
        for c in cells:
            if len(c) > fmt.MAX_CELL_CHARS:
                raise UserError(f"Một bản ghi trong bảng {table} quá dài để ghi vào Excel ({len(c)} ký tự).")
            fmt.Checksum.add(h, c)
        sealed[table] = (header, sealing.seal_table(content_key, seal_id, table, cells))
        manifest[f"{fmt.PARTS_PREFIX}{table}"] = str(len(sealed[table][1]))
    del tables
    manifest[fmt.CHECKSUM_KEY] = checksum.digest(manifest)
    manifest[fmt.SIGNATURE_KEY] = signing.sign(conn, manifest[fmt.CHECKSUM_KEY])
    control.report(len(repo_sync.TABLES), len(repo_sync.TABLES) + 1, "Đang ghi tệp…")
    with xlsx_output(out, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                           "strings_to_urls": False}) as wb:  # written whole or not at all
        _fill_xlsx(wb, manifest, sealed, visible)
    repo_sync.record_sent_versions(conn, states)
    with transaction(conn):
        quiet = export_marker.last_audit_id(conn) == audit_seen  # nothing written since the records were read
        audit.record_change(conn, "package", out.name, None,
                            {"file": str(out), "unit_code": unit.code, "round": str(review_year),
                             "checksum": manifest[fmt.CHECKSUM_KEY],
                             "recipients": " ".join(f"{r['unit_code']}:{r['fingerprint']}" for r in receivers),
                             "passphrase": "1" if passphrase else "0"},
                            settings.officer(conn), "Xuất gói dữ liệu", settings.installation_id(conn))
        marker = export_marker.last_audit_id(conn) if quiet else top_audit
    export_marker.set_last_exported_audit_id(conn, unit_code, marker)
    return out, manifest[fmt.CHECKSUM_KEY]


def _fill_xlsx(wb, manifest: dict, tables: dict, visible: list[tuple[str, list[list[str]]]]) -> None:
    bold = wb.add_format({"bold": True})
    (_, summary_rows), (_, list_rows) = visible
    _visible_sheet(wb, fmt.SUMMARY_SHEET, summary_rows, bold, {(0, 0): 42, (1, 1): 40})
    _visible_sheet(wb, fmt.LIST_SHEET, list_rows, bold, {(2, 2): 24, (3, 3): 30, (4, 4): 28})
    ws = wb.add_worksheet(fmt.MANIFEST_SHEET)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2, 45)
    for c, text in enumerate(("Khóa", "Giá trị", "Ý nghĩa")):
        ws.write_string(0, c, text, bold)
    for r, (key, value) in enumerate(manifest.items(), start=1):
        label = fmt.manifest_label(key)
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
        ws.write_string(r, 2, label)
    for table, (header, cells) in tables.items():
        names = fmt.sheet_names(table, len(cells))
        for i, name in enumerate(names):
            ds = wb.add_worksheet(name)
            ds.hide()
            for c, col in enumerate(header):
                ds.write_string(0, c, col)
            chunk = cells[i * fmt.MAX_ROWS_PER_SHEET:(i + 1) * fmt.MAX_ROWS_PER_SHEET]
            for r, cell in enumerate(chunk, start=1):
                ds.write_string(r, 0, cell)


def _visible_sheets(manifest: dict, summary: list, unit, review_year: int) -> list[tuple[str, list[list[str]]]]:
    """The visible sheets' cell texts, derived from the exported data; their digest is signed."""
    # Minimal readable summary: the report engine of issue 5 did not exist when this was written.
    exported = dt.datetime.fromisoformat(manifest["exported_at"])
    lines = [["GÓI DỮ LIỆU RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO", ""], ["Đơn vị", f"{unit.name} ({unit.code})"],
             ["Năm rà soát", str(review_year)], ["Thời điểm xuất", dmy_hm(exported)],
             ["Cán bộ xuất", manifest["officer"]], ["Tổng số hộ", fmt_int(len(summary))],
             ["Tổng số nhân khẩu", fmt_int(sum(r["persons"] for r in summary))]]
    by_class: dict = {}
    for r in summary:
        by_class[r["final_class"]] = by_class.get(r["final_class"], 0) + 1
    lines += [[f"{CLASS_VI[k]} (năm {review_year})", fmt_int(by_class.get(k, 0))] for k in CLASS_VI]
    # The list prints what the public posting list prints (reports.md §5) and nothing else: no address,
    # ID number or birth date; the commune code only tells the communes of a district package apart.
    rows = [["STT", "Mã xã", "Thôn", "Họ và tên chủ hộ", f"Kết quả năm {review_year}"]]
    for i, r in enumerate(summary, start=1):
        rows.append([str(i), r["commune_code"] or "", r["village"] or "", r["head_name"] or "",
                     CLASS_VI.get(r["final_class"], r["final_class"] or "")])
    return [(fmt.SUMMARY_SHEET, lines), (fmt.LIST_SHEET, rows)]


# --- verify and read -----------------------------------------------------------------------------------

def _check_zip(path: Path) -> None:
    """The shared hostile-file guard (zip bombs, entities, encrypted or truncated zips, used ranges
    that would abort the reader), plus the messages specific to packages."""
    name = path.name
    if path.is_file():
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(path) as zf:
                    names = set(zf.namelist())
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                names = set()
            if "word/document.xml" in names:
                raise PackageError(f"Tệp {name} là văn bản Word (.docx) bị đổi tên, không phải gói dữ liệu bkdesk.")
        elif magic != b"\xd0\xcf\x11\xe0":
            raise PackageError(f"Tệp {name} không phải tệp Excel (.xlsx) nên không phải gói dữ liệu bkdesk.")
    check_xlsx(path, PackageError)


def _manifest(wb: CalamineWorkbook, name: str) -> dict[str, str]:
    if fmt.MANIFEST_SHEET not in wb.sheet_names:
        raise PackageError(f"Tệp {name} không phải gói dữ liệu bkdesk (không có trang «{fmt.MANIFEST_SHEET}»).")
    rows = _sheet_rows(wb, fmt.MANIFEST_SHEET, name)
    manifest = {str(r[0]): _cell(r[1]) for r in rows[1:] if len(r) >= 2 and r[0] != ""}
    if manifest.get("format") != fmt.FORMAT_NAME:
        raise PackageError(f"Tệp {name} không phải gói dữ liệu bkdesk (sai tên định dạng).")
    try:
        version = int(manifest.get("format_version", ""))
    except ValueError:
        raise PackageError(f"Tệp {name}: phiên bản định dạng gói không đọc được.") from None
    if version > fmt.FORMAT_VERSION:
        raise PackageError(f"Tệp {name} từ phiên bản bkdesk mới hơn (định dạng gói {version}, phần mềm này đọc"
                           f" đến {fmt.FORMAT_VERSION}); hãy cập nhật bkdesk.")
    if version < 1:
        raise PackageError(f"Tệp {name}: phiên bản định dạng gói không hợp lệ.")
    if version < fmt.OLDEST_READABLE:
        lacks = "chưa có chữ ký số và dấu phiên bản bản ghi" if version < 2 else "dữ liệu chưa được mã hóa cho cấp nhận"
        raise PackageError(f"Tệp {name} do phiên bản bkdesk cũ xuất (định dạng gói {version}, {lacks}); không nhập."
                           " Hãy đề nghị đơn vị gửi cập nhật bkdesk rồi xuất lại gói.")
    for key in ("unit_tree", "unit_code", "unit_level", "round", "public_key", fmt.VISIBLE_KEY, fmt.CHECKSUM_KEY,
                fmt.SIGNATURE_KEY, sealing.SEAL_ID_KEY):
        if not manifest.get(key):
            raise PackageError(f"Tệp {name}: thông tin gói thiếu trường «{key}».")
    return manifest


def _sheet_rows(wb: CalamineWorkbook, sheet: str, name: str) -> list[list]:
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own error types for broken XML or zip parts
        raise PackageError(f"Tệp {name} bị hỏng, không đọc được trang «{sheet}»: {exc}.") from None


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _raw_table(wb: CalamineWorkbook, name: str, table: str, header: list[str], count: int) -> list[str]:
    """The sealed segments of a table's data sheet(s): one text cell per row, nothing else."""
    cells: list[str] = []
    for sheet in fmt.sheet_names(table, count):
        if sheet not in wb.sheet_names:
            raise PackageError(f"Tệp {name} thiếu trang dữ liệu «{sheet}» (tệp đã bị sửa hoặc không đầy đủ).")
        rows = _sheet_rows(wb, sheet, name)
        got = [str(c) for c in rows[0] if c != ""] if rows else []
        if got != header:
            raise PackageError(f"Tệp {name}: cấu trúc trang «{sheet}» không đúng định dạng gói.")
        first = [r[0] for r in rows[1:]]
        if "" in first or {type(c) for c in first} - {str}:  # a row without its first cell (a formula), a number
            raise PackageError(f"Tệp {name}: trang «{sheet}» có ô không phải dữ liệu của gói (tệp đã bị sửa);"
                               " không nhập.")
        cells += first
    return cells


def package_schema(conn: sqlite3.Connection) -> dict[str, tuple[list[str], list[str]]]:
    """Header and value kind (int | float | text) per package table, read once from the schema so a
    reader thread can verify and decode packages without a database connection of its own."""
    out = {}
    for table in [s.name for s in repo_sync.TABLES] + [fmt.TOMBSTONE_TABLE, fmt.AUDIT_TABLE]:
        if table == fmt.AUDIT_TABLE:
            header, known = list(repo_sync.AUDIT_COLUMNS), {}
        elif table == fmt.TOMBSTONE_TABLE:
            header, known = list(repo_sync.TOMBSTONE_COLUMNS), {}
        else:
            header, known = repo_sync.package_columns(conn, table), repo_sync.column_kinds(conn, table)
        out[table] = (header, [known.get(c, "text") for c in header])
    return out


def read_package(path: str | Path, conn: sqlite3.Connection | None, control: JobControl = NO_CONTROL,
                 schema: dict[str, tuple[list[str], list[str]]] | None = None,
                 keys: sealing.OpenKeys | None = None) -> Package:
    """Verify everything (zip, format, version, counts, seal, checksum, signature) and return the decoded
    records. ``keys``: what this database opens packages with (``recipients.open_keys``).

    ``conn`` only supplies the schema; pass ``schema`` (from ``package_schema``) instead off the
    connection's thread."""
    path = Path(path)
    schema = schema if schema is not None else package_schema(conn)
    _check_zip(path)
    name = path.name
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken parts
        raise PackageError(f"Tệp {name} bị hỏng, không đọc được bảng tính: {exc}.") from None
    manifest = _manifest(wb, name)
    version = int(manifest["format_version"])
    tables = [t for t in schema if version >= fmt.ROUND_RECORDS_SINCE or t not in repo_sync.ROUND_RECORDS]
    expected = {f"{fmt.COUNT_PREFIX}{t}" for t in tables}
    if {k for k in manifest if k.startswith(fmt.COUNT_PREFIX)} != expected:
        raise PackageError(f"Tệp {name}: thông tin gói không liệt kê đúng các bảng dữ liệu.")
    if {k for k in manifest if k.startswith(fmt.PARTS_PREFIX)} != {f"{fmt.PARTS_PREFIX}{t}" for t in tables}:
        raise PackageError(f"Tệp {name}: thông tin gói không liệt kê đúng các bảng dữ liệu mã hóa.")
    _check_plausible(path, manifest, tables)
    content_key = sealing.open_content_key(manifest, keys or sealing.OpenKeys(), name)
    seal_id = manifest[sealing.SEAL_ID_KEY]
    checksum, raw = fmt.Checksum(), {}
    for i, table in enumerate(tables):
        control.report(i, len(tables) * 2, f"Đang kiểm tra {name}…")
        header = schema[table][0]
        try:
            count = int(manifest[f"{fmt.COUNT_PREFIX}{table}"])
            parts = int(manifest[f"{fmt.PARTS_PREFIX}{table}"])
        except ValueError:
            raise PackageError(f"Tệp {name}: số dòng bảng {table} trong thông tin gói không đọc được.") from None
        sealed = _raw_table(wb, name, table, header, parts)
        if len(sealed) != parts:
            raise PackageError(f"Tệp {name}: bảng {table} có {len(sealed)} đoạn dữ liệu nhưng thông tin gói ghi"
                               f" {parts} (tệp đã bị sửa hoặc không đầy đủ).")
        cells = sealing.open_table(content_key, seal_id, table, sealed, name)
        del sealed
        if len(cells) != count:
            raise PackageError(f"Tệp {name}: bảng {table} có {len(cells)} dòng nhưng thông tin gói ghi {count}"
                               " (tệp đã bị sửa hoặc không đầy đủ).")
        # One check and one hash update per table: "\x1e" never composes, so the joined text is NFC
        # exactly when every cell is, and hashing it equals hashing cell + "\x1e" one by one.
        joined = "\x1e".join(cells)
        if not unicodedata.is_normalized("NFC", joined):  # bkdesk writes NFC only: rewritten outside bkdesk
            raise PackageError(f"Tệp {name}: dữ liệu bảng {table} đã bị sửa bên ngoài bkdesk (văn bản không ở"
                               " dạng chuẩn Unicode NFC); không nhập.")
        h = checksum.table(table, header)
        if cells:
            h.update(joined.encode() + b"\x1e")
        del joined
        raw[table] = (header, cells)
    digest = checksum.digest(manifest)
    if digest != manifest[fmt.CHECKSUM_KEY]:
        raise PackageError(f"Tệp {name}: dữ liệu đã bị sửa sau khi xuất (mã kiểm tra không khớp). Hãy xin lại"
                           " tệp gốc từ đơn vị gửi.")
    if not signing.verify(manifest["public_key"], manifest[fmt.SIGNATURE_KEY], digest):
        raise PackageError(f"Tệp {name}: chữ ký số không hợp lệ (gói đã bị sửa hoặc giả mạo); không nhập. Hãy xin"
                           " lại tệp gốc từ đơn vị gửi.")
    visible = [(sheet, [[_cell(c) for c in r] for r in _sheet_rows(wb, sheet, name)] if sheet in wb.sheet_names
                else []) for sheet in (fmt.SUMMARY_SHEET, fmt.LIST_SHEET)]
    if fmt.visible_digest(visible) != manifest[fmt.VISIBLE_KEY]:
        raise PackageError(f"Tệp {name}: trang «{fmt.SUMMARY_SHEET}» hoặc «{fmt.LIST_SHEET}» đã bị sửa bằng tay sau"
                           " khi xuất (không khớp với dữ liệu đã ký); không nhập. Hãy xin lại tệp gốc.")
    del visible
    pkg = Package(path, manifest, digest, signing.fingerprint(manifest["public_key"]))
    for i, (table, (header, cells)) in enumerate(raw.items()):
        control.report(len(tables) + i, len(tables) * 2, f"Đang đọc {name}…")
        pkg.tables[table] = (header, _decode(table, header, schema[table][1], cells, name))
    for table in schema:  # tables an older format does not carry: none of their records
        pkg.tables.setdefault(table, (schema[table][0], []))
    return pkg


def _check_plausible(path: Path, manifest: dict[str, str], tables: list[str]) -> None:
    """Refuse an absurd package from its manifest and zip directory alone, before reading it whole."""
    name = path.name
    counts = {}
    for t in tables:
        try:
            counts[t] = int(manifest[f"{fmt.COUNT_PREFIX}{t}"])
        except ValueError:
            raise PackageError(f"Tệp {name}: số dòng bảng {t} trong thông tin gói không đọc được.") from None
        if counts[t] < 0:
            raise PackageError(f"Tệp {name}: số dòng bảng {t} trong thông tin gói không hợp lệ.")
    level = manifest.get("unit_level", "")
    households = counts.get("household", 0)
    limit = fmt.MAX_HOUSEHOLDS.get(level, fmt.MAX_HOUSEHOLDS["commune"])
    if households > limit:
        raise PackageError(f"Tệp {name} ghi {fmt_int(households)} hộ cho một đơn vị cấp {LEVEL_VI.get(level, level)}"
                           f" (giới hạn hợp lý {fmt_int(limit)}); không nhập.")
    for t, per in fmt.MAX_PER_HOUSEHOLD.items():
        if counts.get(t, 0) > per * max(households, 1) + 1_000:
            raise PackageError(f"Tệp {name} ghi {fmt_int(counts[t])} dòng bảng {t} cho {fmt_int(households)} hộ:"
                               " bất thường; không nhập.")
    total = sum(counts.values())
    try:
        with zipfile.ZipFile(path) as zf:
            xml = sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackageError(f"Tệp {name} bị hỏng: {exc}.") from None
    if xml > fmt.MAX_BYTES_PER_RECORD * (total + households) + 20 * 1024 ** 2:
        raise PackageError(f"Tệp {name} lớn bất thường so với số dòng ghi trong thông tin gói ({xml // 1024 ** 2} MB"
                           f" cho {fmt_int(total)} dòng); không nhập.")


_scan = json.JSONDecoder().scan_once  # the C scanner without json.loads' per-call Python layers
_CONVERT = {"int": int, "float": float}


def _loads(cell: str):
    try:
        value, end = _scan(cell, 0)
        if end == len(cell):
            return value
    except StopIteration:
        pass
    return json.loads(cell)  # whitespace around the array, or the error message


def _decode(table: str, header: list[str], kinds: list[str], cells: list[str], name: str) -> list[list]:
    typed = [(i, _CONVERT[k]) for i, k in enumerate(kinds) if k != "text"]  # text needs no conversion
    width = len(header)
    # One C-level parse of the whole table (after the signature: the cells are the signer's own); any
    # surprise (a cell that is not one array of the right width) falls back to cell by cell, with its line.
    whole = None
    if all(c[:1] == "[" and c[-1:] == "]" for c in cells):
        try:
            whole = json.loads("[" + ",".join(cells) + "]")
        except ValueError:
            whole = None
    if whole is not None and len(whole) == len(cells) and all(type(v) is list and len(v) == width for v in whole):
        try:
            for values in whole:
                for i, conv in typed:
                    v = values[i]
                    if v is not None:
                        values[i] = conv(v)
            return whole
        except (ValueError, TypeError):
            pass  # a bad value somewhere: the row-by-row decode below finds it and names its row
    out = []
    for n, cell in enumerate(cells, start=2):
        try:
            values = _loads(cell)
            if not isinstance(values, list) or len(values) != width:
                raise ValueError("số cột không đúng")
            for i, conv in typed:
                v = values[i]
                if v is not None:
                    values[i] = conv(v)
            out.append(values)
        except (ValueError, TypeError) as exc:
            raise PackageError(f"Tệp {name}: dòng {n} của bảng {table} không đọc được ({exc}).") from None
    return out


def read_manifest(path: str | Path) -> dict[str, str]:
    """Only the manifest (after the zip checks), for a quick look before a merge."""
    path = Path(path)
    _check_zip(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise PackageError(f"Tệp {path.name} bị hỏng, không đọc được bảng tính: {exc}.") from None
    return _manifest(wb, path.name)


def _visible_sheet(wb, name: str, rows: list[list[str]], bold, widths: dict[tuple[int, int], int]) -> None:
    """One readable sheet: column widths, the first row in bold, empty cells left empty."""
    ws = wb.add_worksheet(name)
    for (first, last), width in widths.items():
        ws.set_column(first, last, width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value, bold if r == 0 else None)
