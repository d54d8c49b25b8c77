"""Checks a user-supplied .xlsx before any reader parses it: hostile files are refused in well under a second.

python-calamine never resolves XML entities (verified by tests/corpus: external entities and "billion
laughs" fail to parse), but it inflates whatever a zip holds, trusting nothing and bounding nothing: a
1 MB "zip bomb" holding 1 GB of XML takes it tens of seconds and gigabytes. So before calamine runs:
- the file must be a zip whose parts an xlsx has, not too many of them;
- declared sizes are bounded in total and in compression ratio;
- every XML part is inflated here as a stream (Python's zipfile stops at the declared size and checks
  the CRC, so a lying size is caught), and a DOCTYPE/ENTITY declaration refuses the file: a real
  xlsx never has one.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from bkdesk.errors import UserError

MAX_FILE_BYTES = 300 * 1024 ** 2
MAX_UNCOMPRESSED = 1024 ** 3  # a 4,000-household commune package is ~30 MB of XML
MAX_MEMBERS = 5_000
MAX_RATIO = 200  # real xlsx XML compresses 5-30x; zip bombs 1,000x
RATIO_MIN_SIZE = 10 * 1024 ** 2
_CHUNK = 1024 ** 2
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
DEFAULT_MAX_CELLS = 30_000_000  # the reader allocates rows x columns of the used range, however sparse
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


class HostileFileError(UserError):
    """A file refused before parsing: damaged, not an xlsx, or built to harm the reader."""


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, error, max_cells: int) -> None:
    """Inflate one XML part as a stream: no DOCTYPE/ENTITY; a worksheet's cell extent within bounds."""
    sheet = info.filename.startswith("xl/worksheets/")
    tail, max_row, max_col, rows = b"", 0, 0, 0
    with zf.open(info) as part:
        while chunk := part.read(_CHUNK):
            window = tail + chunk
            if any(tok in window for tok in _FORBIDDEN):
                raise error(f"Tệp {name} chứa khai báo DOCTYPE/ENTITY trong XML (không có trong tệp Excel thật, "
                            "nghi tệp độc hại); không nhập.")
            if sheet:
                rows += chunk.count(b"<row")
                for col, row in _CELL_REF.findall(window):
                    max_col, max_row = max(max_col, _col_number(col)), max(max_row, int(row))
            tail = chunk[-64:]
    if sheet and max(max_row, rows) * max(max_col, 1) > max_cells:
        raise error(f"Tệp {name} có trang tính trải tới dòng {max(max_row, rows)}, cột {max_col}: quá lớn hoặc "
                    "bị sửa bất thường (nghi tệp độc hại); không nhập.")


def check_xlsx(path: str | Path, error=HostileFileError, max_cells: int = DEFAULT_MAX_CELLS) -> None:
    """Raise ``error(message)`` (a UserError) with a Vietnamese message unless ``path`` is a sane xlsx.

    ``max_cells`` bounds rows x columns of every sheet's used range: python-calamine allocates that
    range densely, so one cell at XFD1048576 in a 5 KB file aborts the process (out of memory).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise error(f"Không tìm thấy tệp {name}.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise error(f"Tệp {name} quá lớn ({size // 1024 ** 2} MB) để là tệp nhập liệu; không nhập.")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\xd0\xcf\x11\xe0":  # OLE: an old .xls, or an xlsx saved with a password
        raise error(f"Tệp {name} là tệp Excel cũ (.xls) hoặc đã đặt mật khẩu; hãy lưu lại dạng .xlsx không mật khẩu.")
    if magic != b"PK\x03\x04":
        raise error(f"Tệp {name} không phải tệp Excel (.xlsx).")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > MAX_MEMBERS:
                raise error(f"Tệp {name} chứa quá nhiều thành phần ({len(infos)}); không nhập.")
            if "xl/workbook.xml" not in names:
                raise error(f"Tệp {name} không phải bảng tính Excel (.xlsx) (thiếu xl/workbook.xml).")
            if any(i.flag_bits & 0x1 for i in infos):
                raise error(f"Tệp {name} được đặt mật khẩu; hãy bỏ mật khẩu rồi nhập lại.")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED or any(
                    i.file_size > RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
                raise error(f"Tệp {name} có dung lượng giải nén bất thường (nghi \"bom nén\"); không nhập.")
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    _scan_part(zf, info, name, error, max_cells)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            ValueError, RuntimeError) as exc:  # zlib.error is an Exception subclass handled below
        raise error(f"Tệp {name} bị hỏng hoặc không đầy đủ (có thể bị cắt cụt khi sao chép): {exc}.") from None
    except UserError:
        raise
    except Exception as exc:  # zlib.error and friends from a damaged deflate stream
        raise error(f"Tệp {name} bị hỏng: {type(exc).__name__}: {exc}.") from None
