"""The sync package format (DESIGN.md §4): names, text encoding of values, canonical checksum.

A record is a JSON array of its values as text (null for NULL). Each data sheet holds a header row (one
column name per cell) and the table's records sealed (``sealing``: compressed, AES-GCM, one base64 segment
per cell). The checksum covers the manifest fields and the records' *values* (before sealing), never the
file bytes, so opening and saving the workbook in Excel or LibreOffice keeps it, while editing any value
breaks it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

from bkdesk.errors import UserError

FORMAT_NAME = "bkdesk-goi-dong-bo"
FORMAT_VERSION = 4  # 2: version identity (content hash + ancestry), tombstones, Ed25519 signature;
# 3: hidden data sheets encrypted to the level above or a passphrase (sealing), visible list as posted;
# 4: the round's records (village meetings, postings, the commune decision)
OLDEST_READABLE = 3  # a format-3 package is verified the same way; it simply has no round records
ROUND_RECORDS_SINCE = 4  # the first format that carries the round's records
MANIFEST_SHEET = "Thông tin gói"
SUMMARY_SHEET = "Tóm tắt"
LIST_SHEET = "Danh sách hộ"
DATA_PREFIX = "d_"
AUDIT_TABLE = "audit_log"
TOMBSTONE_TABLE = "sync_tombstone"
MAX_ROWS_PER_SHEET = 1_000_000  # xlsx holds 1,048,576 rows; big tables continue on "<sheet>_2"...
MAX_CELL_CHARS = 32_767
CHECKSUM_KEY = "checksum"
SIGNATURE_KEY = "signature"
VISIBLE_KEY = "visible_checksum"
UNSIGNED = (CHECKSUM_KEY, SIGNATURE_KEY)  # manifest fields outside the digest (they are computed from it)
ANCESTRY_DEPTH = 8  # versions a record remembers it descends from (edits between two syncs are rarely more)
# Plausibility limits, checked on the manifest before any data sheet is read: an absurd package is
# refused at once instead of being read whole (a real commune has at most a few thousand households).
# About ten times the largest real unit (DESIGN.md: a commune 300-4,000 households, a district 7,000-13,000,
# the former province 81,480).
MAX_HOUSEHOLDS = {"commune": 30_000, "district": 150_000, "province": 900_000}
MAX_PER_HOUSEHOLD = {"member": 40, "housing": 1, "household_event": 100, "review": 60, "exit_registration": 20,
                     "sync_tombstone": 200, "audit_log": 2_000, "village_meeting": 1, "round_posting": 1,
                     "round_decision": 1}
MAX_BYTES_PER_RECORD = 8_192  # uncompressed xlsx XML per record: a record's cell is at most a few KB

# Manifest keys with their Vietnamese meaning (shown in the visible manifest sheet).
MANIFEST_LABELS = {
    "format": "Định dạng gói",
    "format_version": "Phiên bản định dạng",
    "app_version": "Phiên bản bkdesk",
    "standard_id": "Chuẩn nghèo",
    "standard_revision": "Phiên bản dữ liệu chuẩn nghèo",
    "unit_tree": "Danh mục đơn vị hành chính",
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "unit_level": "Cấp đơn vị",
    "round": "Năm rà soát",
    "exported_at": "Thời điểm xuất",
    "officer": "Cán bộ xuất",
    "installation_id": "Mã cài đặt",
    "public_key": "Khóa công khai của máy xuất (Ed25519)",
    "key_fingerprint": "Dấu nhận dạng khóa (đọc qua điện thoại để xác nhận)",
    VISIBLE_KEY: "Mã kiểm tra các trang hiển thị (Tóm tắt, Danh sách hộ)",
    CHECKSUM_KEY: "Mã kiểm tra SHA-256 (trên giá trị dữ liệu)",
    SIGNATURE_KEY: "Chữ ký số Ed25519 của máy xuất",
    "seal_id": "Mã nhận dạng lần mã hóa gói",
}
COUNT_PREFIX = "rows."
PARTS_PREFIX = "parts."  # sealed segments (cells) of a table's data sheet
SEAL_PREFIX = "seal."  # one wrapped content key per recipient or passphrase


def manifest_label(key: str) -> str:
    """The Vietnamese meaning of a manifest key (the visible manifest sheet's third column)."""
    if key in MANIFEST_LABELS:
        return MANIFEST_LABELS[key]
    if key.startswith(COUNT_PREFIX):
        return f"Số dòng dữ liệu bảng {key[len(COUNT_PREFIX):]}"
    if key.startswith(PARTS_PREFIX):
        return f"Số đoạn dữ liệu mã hóa của bảng {key[len(PARTS_PREFIX):]}"
    if key.startswith(SEAL_PREFIX):
        return "Khóa giải mã dữ liệu, đã mã hóa cho cấp nhận hoặc bằng cụm mật khẩu"
    return key


class PackageError(UserError):
    """A package refused before anything was written; the message says why, in Vietnamese."""


def sheet_names(table: str, n_rows: int) -> list[str]:
    """The data sheet(s) of a table: d_<table>, then d_<table>_2, ... past the row limit."""
    n = max(1, -(-n_rows // MAX_ROWS_PER_SHEET))
    base = f"{DATA_PREFIX}{table}"
    return [base] + [f"{base}_{i}" for i in range(2, n + 1)]


def encode_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def encode_row(values) -> str:
    return json.dumps([encode_value(v) for v in values], ensure_ascii=False, separators=(",", ":"))


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


class Checksum:
    """SHA-256 over the manifest fields (sorted, without the checksum) and every data cell in order."""

    def __init__(self):
        self._tables: dict[str, hashlib._Hash] = {}

    def table(self, table: str, header: list[str]) -> hashlib._Hash:
        h = hashlib.sha256()
        h.update(("\x1f".join(header) + "\x1e").encode())
        self._tables[table] = h
        return h

    @staticmethod
    def add(h, cell_text: str) -> None:
        h.update(_nfc(cell_text).encode())
        h.update(b"\x1e")

    def digest(self, manifest: dict[str, str]) -> str:
        total = hashlib.sha256()
        for key in sorted(manifest):
            if key not in UNSIGNED:
                total.update(f"{key}\x1f{_nfc(str(manifest[key]))}\x1e".encode())
        for table in sorted(self._tables):
            total.update(f"{table}\x1d{self._tables[table].hexdigest()}\x1d".encode())
        return total.hexdigest()


def content_hash(values) -> str:
    """Identity of one record version: a hash of its data values (no revision, time, user or origin), so the
    same content is the same version wherever it was typed, and two different edits never share one."""
    return hashlib.blake2b(encode_row(values).encode(), digest_size=12).hexdigest()


def ancestry_after(state_hash: str | None, state_ancestors: str, current: str) -> str:
    """Ancestry of the current version, given the version last synced here (its hash and ancestry): the
    same when unchanged since, else the synced version and its ancestors (newest first, bounded)."""
    if state_hash is None or current == state_hash:
        return state_ancestors or ""
    chain = [state_hash, *(state_ancestors.split() if state_ancestors else [])]
    return " ".join(list(dict.fromkeys(chain))[:ANCESTRY_DEPTH])


def merge_ancestry(*parts: str) -> str:
    """One ancestry from several (a decided conflict descends from both versions)."""
    chain = [h for p in parts for h in (p or "").split()]
    return " ".join(list(dict.fromkeys(chain))[:ANCESTRY_DEPTH * 2])


def visible_digest(sheets: list[tuple[str, list[list[str]]]]) -> str:
    """SHA-256 over the visible sheets' cell texts (trailing empty cells and rows ignored)."""
    h = hashlib.sha256()
    for name, rows in sheets:
        h.update(f"{name}\x1d".encode())
        trimmed = [_trim(r) for r in rows]
        while trimmed and not trimmed[-1]:
            trimmed.pop()
        for r in trimmed:
            h.update(_nfc("\x1f".join(r)).encode() + b"\x1e")
    return h.hexdigest()


def _trim(row: list[str]) -> list[str]:
    row = list(row)
    while row and row[-1] == "":
        row.pop()
    return row
