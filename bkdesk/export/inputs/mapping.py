"""Column mapping for lists that were not made from the template (Form 02 lists, the lists of reports
14/15, a village head's list): which column holds which machine key.

A mapping is plain JSON::

    {"format": "bkdesk-import-map", "sheet": "Danh sách", "header_row": 3,
     "columns": {"Họ và tên chủ hộ": "head_name", "Thôn": "village", ...},
     "constants": {"start_status": "POOR"}}

Headers are matched accent- and case-insensitively (text.search_key). The desk suggests a mapping from
the header names; it is saved under the file's *shape* (its sheet and header names) and offered again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.rules.text import search_key

FORMAT = "bkdesk-import-map"

# Keys a mapped list may fill, with the header words that suggest them (accent-free, lower case).
# Member-of-head keys (head_*) build the head's roster line when the list has no members sheet.
MAPPABLE: dict[str, tuple[str, ...]] = {
    "household_code": ("ma ho", "so thu tu ho", "ma so ho", "so ho", "stt ho"),
    "village": ("thon", "ban", "to dan pho", "thon, ban", "thon ban", "thon/ban", "xom", "khu"),
    "head_name": ("ho va ten chu ho", "ho ten chu ho", "chu ho", "ten chu ho", "ho va ten"),
    "head_id_number": ("so cccd", "cccd", "cmnd", "so cccd/cmnd", "can cuoc", "so dinh danh"),
    "head_birth_date": ("nam sinh", "ngay sinh", "ngay thang nam sinh"),
    "head_sex": ("gioi tinh",),
    "head_ethnicity": ("dan toc",),
    "address": ("dia chi",),
    "phone": ("so dien thoai", "dien thoai"),
    "start_status": ("thuoc dien", "phan loai", "tinh trang dau ky", "ket qua", "loai ho", "dien"),
    "score_a": ("diem a", "tong diem a", "diem b1"),
    "note": ("ghi chu",),
}
LABELS = {
    "household_code": "Mã hộ", "village": "Thôn, bản, tổ dân phố", "head_name": "Họ và tên chủ hộ",
    "head_id_number": "Số CCCD của chủ hộ", "head_birth_date": "Ngày sinh / năm sinh của chủ hộ",
    "head_sex": "Giới tính chủ hộ", "head_ethnicity": "Dân tộc của chủ hộ", "address": "Địa chỉ",
    "phone": "Số điện thoại", "start_status": "Tình trạng đầu kỳ (hộ nghèo / cận nghèo)",
    "score_a": "Điểm A", "note": "Ghi chú",
}


@dataclass
class Mapping:
    sheet: str
    header_row: int  # Excel row number of the headers; data start below it
    columns: dict[str, str] = field(default_factory=dict)  # header text -> key
    constants: dict[str, str] = field(default_factory=dict)  # key -> value for every row

    def as_json(self) -> dict:
        return {"format": FORMAT, "sheet": self.sheet, "header_row": self.header_row, "columns": self.columns,
                "constants": self.constants}


def mapping_from_json(data, source: str = "tệp ghép cột") -> Mapping:
    if not isinstance(data, dict) or data.get("format", FORMAT) != FORMAT:
        raise UserError(f"{source}: không phải tệp ghép cột của bkdesk (cần \"format\": \"{FORMAT}\").")
    sheet, row = data.get("sheet"), data.get("header_row", 1)
    columns, constants = data.get("columns") or {}, data.get("constants") or {}
    if not isinstance(sheet, str) or not sheet:
        raise UserError(f"{source}: thiếu tên trang tính (\"sheet\").")
    if not isinstance(row, int) or isinstance(row, bool) or row < 1:
        raise UserError(f"{source}: \"header_row\" phải là số dòng ≥ 1.")
    if not isinstance(columns, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in columns.items()):
        raise UserError(f"{source}: \"columns\" phải ghép tiêu đề cột với mã cột.")
    if not isinstance(constants, dict) or not all(isinstance(v, str) for v in constants.values()):
        raise UserError(f"{source}: \"constants\" phải ghép mã cột với một giá trị chữ.")
    bad = sorted({v for v in columns.values() if v and v not in MAPPABLE} | {k for k in constants if k not in MAPPABLE})
    if bad:
        raise UserError(f"{source}: mã cột không hỗ trợ: {', '.join(bad)} (dùng: {', '.join(MAPPABLE)}).")
    if "head_name" not in columns.values():
        raise UserError(f"{source}: phải ghép cột họ và tên chủ hộ (head_name).")
    return Mapping(sheet, row, {k: v for k, v in columns.items() if v}, dict(constants))


def load_mapping_file(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Không đọc được tệp ghép cột {path.name}: {exc.strerror or exc}.") from None
    if len(raw) > 1024 ** 2:
        raise UserError(f"Tệp ghép cột {path.name} quá lớn.")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"Tệp ghép cột {path.name} không phải JSON hợp lệ: {exc}.") from None
    return mapping_from_json(data, f"Tệp ghép cột {path.name}")


def shape_of(sheet: str, headers: list) -> str:
    """A stable id of a list's shape: its sheet name and the accent-free header names, in order."""
    text = search_key(sheet) + "\x1f" + "\x1f".join(search_key(str(h or "")) for h in headers)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _score(header_key: str, words: tuple[str, ...]) -> int:
    best = 0
    for w in words:
        if header_key == w:
            best = max(best, 100 + len(w))
        elif header_key.startswith(w + " ") or header_key.endswith(" " + w) or f" {w} " in f" {header_key} ":
            best = max(best, 50 + len(w))
    return best


MAX_HEADER_COLUMNS = 200  # a real list has a few dozen columns; a hostile one may have 16,384
MAX_HEADER_CHARS = 150


def _header_cells(row: list) -> list[str]:
    return [c.strip() for c in row[:MAX_HEADER_COLUMNS]
            if isinstance(c, str) and c.strip() and len(c) <= MAX_HEADER_CHARS]


def find_header_row(rows: list[list], max_scan: int = 15) -> int:
    """The Excel row number (1-based) that looks most like headers: the most header words matched."""
    best_row, best = 1, -1
    for i, row in enumerate(rows[:max_scan]):
        n = sum(1 for c in _header_cells(row) if any(_score(search_key(c), w) for w in MAPPABLE.values()))
        if n > best:
            best_row, best = i + 1, n
    return best_row


def suggest_mapping(sheet: str, rows: list[list]) -> Mapping:
    """A mapping suggested from the header names (each key given to the header that fits it best)."""
    header_row = find_header_row(rows)
    headers = _header_cells(rows[header_row - 1] if rows else [])
    scored = sorted(((_score(search_key(h), words), h, key) for h in headers for key, words in MAPPABLE.items()),
                    reverse=True)
    columns: dict[str, str] = {}
    used: set[str] = set()
    for score, h, key in scored:
        if score and h not in columns and key not in used:
            columns[h] = key
            used.add(key)
    return Mapping(sheet, header_row, columns)
