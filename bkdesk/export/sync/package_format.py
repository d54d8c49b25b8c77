"""The sync package format (DESIGN.md §4): names, text encoding of values, canonical checksum.

Each data sheet holds a header row (one column name per cell) and one cell per record: a JSON array of
the record's values as text (null for NULL). One cell per record reads ~10x faster than one cell per value.
The checksum covers the manifest fields and the cell *values*, never the file bytes, so opening and
saving the workbook in Excel or LibreOffice keeps it, while editing any value breaks it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

FORMAT_NAME = "bkdesk-goi-dong-bo"
FORMAT_VERSION = 1
MANIFEST_SHEET = "Thông tin gói"
SUMMARY_SHEET = "Tóm tắt"
LIST_SHEET = "Danh sách hộ"
DATA_PREFIX = "d_"
AUDIT_TABLE = "audit_log"
MAX_ROWS_PER_SHEET = 1_000_000  # xlsx holds 1,048,576 rows; big tables continue on "<sheet>_2"...
MAX_CELL_CHARS = 32_767
CHECKSUM_KEY = "checksum"

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
    CHECKSUM_KEY: "Mã kiểm tra SHA-256 (trên giá trị dữ liệu)",
}
COUNT_PREFIX = "rows."


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


def decode_value(text: str | None, kind: str):
    if text is None:
        return None
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


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
            if key != CHECKSUM_KEY:
                total.update(f"{key}\x1f{_nfc(str(manifest[key]))}\x1e".encode())
        for table in sorted(self._tables):
            total.update(f"{table}\x1d{self._tables[table].hexdigest()}\x1d".encode())
        return total.hexdigest()
