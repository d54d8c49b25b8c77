"""Files written and read by bkdesk on bad days: one way to write an output, one way to read a CSV.

``atomic_output(path)`` is the only way an output file (backup, report, package, export, CSV) comes into
existence: the writer fills a temporary file in the same folder, the file is flushed to disk (fsync), an
optional ``verify`` callback checks it, and only then ``os.replace`` gives it its name. On any failure the
temporary file is removed and an existing file at ``path`` is left as it was: nothing half-written ever
carries an output's name.

``os_error_message`` turns the OSError of a full disk, a read-only folder, a missing path... into one
Vietnamese line that names the real cause (the CLI and the desk show it as is).

``read_csv_rows`` reads a CSV that people author in Excel: comma or semicolon separated, UTF-8 with or
without BOM, CRLF or LF line ends; bounded in size and line length (limits are data: bkdesk.limits).
``csv_safe`` neutralises formula-looking text in every CSV bkdesk writes, like the xlsx writers do.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bkdesk.errors import UserError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputError(UserError):
    """An output could not be written: the message names the cause; nothing was left at the path."""


def os_error_message(exc: OSError, path: str | Path | None = None) -> str:
    """One Vietnamese line for an OSError, naming the real cause (disk full, read-only, permission...)."""
    where = str(path or exc.filename or "")
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return f"Ổ đĩa đã đầy: không ghi được {where}. Hãy giải phóng dung lượng rồi làm lại."
    if code == errno.EROFS:
        return f"Thư mục chỉ đọc (ổ đĩa hoặc thẻ nhớ chỉ cho đọc): không ghi được {where}."
    if code in (errno.EACCES, errno.EPERM):
        folder = Path(where).parent if where else ""
        return (f"Thư mục chỉ đọc hoặc không có quyền ghi: không ghi được {where}"
                + (f" (thư mục {folder})." if folder else "."))
    if code == errno.ENOENT:
        return f"Không tìm thấy tệp hoặc thư mục: {where}."
    if code == errno.EISDIR:
        return f"{where} là một thư mục, không phải tệp."
    if code == errno.ENOTDIR:
        return f"Đường dẫn không hợp lệ (một phần không phải thư mục): {where}."
    if code == errno.ENAMETOOLONG:
        return f"Tên tệp quá dài: {where[:200]}…"
    if code == errno.EIO:
        return f"Lỗi đọc/ghi ổ đĩa (ổ đĩa hoặc USB có thể bị hỏng hoặc vừa bị rút ra): {where}."
    if code in (errno.EBUSY, getattr(errno, "ETXTBSY", -1)):
        return f"Tệp {where} đang được chương trình khác dùng (ví dụ đang mở trong Excel); hãy đóng nó rồi làm lại."
    return f"Không đọc/ghi được {where}: {exc.strerror or exc}."


@contextlib.contextmanager
def atomic_output(path: str | Path, verify: Callable[[Path], None] | None = None,
                  overwrite: bool = True) -> Iterator[Path]:
    """``with atomic_output(out) as tmp:`` write ``tmp``; on success it is fsynced, verified, renamed to ``out``.

    ``verify(tmp)`` may raise to refuse the file (it is then removed). With ``overwrite=False`` an existing
    ``out`` is refused before anything is written. An OSError (disk full, read-only folder...) becomes an
    OutputError with one Vietnamese line; the temporary file never survives a failure.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise OutputError(f"Tệp đích đã tồn tại: {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(os_error_message(exc, path)) from None
    tmp = Path(name)
    try:
        tmp.unlink()  # writers (SQLite VACUUM INTO, xlsxwriter) create the file themselves
        yield tmp
        if not tmp.exists():
            raise OutputError(f"Không tạo được tệp {path.name}.")
        _fsync(tmp)
        if verify is not None:
            verify(tmp)
        if not overwrite and path.exists():
            raise OutputError(f"Tệp đích đã tồn tại: {path}")
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        _remove(tmp)
        raise OutputError(os_error_message(exc, path)) from None
    except BaseException as exc:
        _remove(tmp)
        cause = _os_cause(exc)
        if cause is not None:  # a writer's own error wrapping the OSError (xlsxwriter's FileCreateError...)
            raise OutputError(os_error_message(cause, path)) from None
        raise


def _os_cause(exc: BaseException) -> OSError | None:
    """The OSError behind a library's error (in its args, cause or context), if any."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
        if inner is not None:
            return inner
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _remove(tmp: Path) -> None:
    for p in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows has no directory handles to fsync; NTFS journals the rename
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


# --- CSV ------------------------------------------------------------------------------------------

def csv_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers pass as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if value[:1] in "+-" and _is_number(value):
            return value
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def write_csv(path: str | Path, header: list[str], rows: list[list[object]] | Iterator[list[object]],
              bom: bool = False) -> Path:
    """UTF-8 (with a BOM if asked: Excel on Windows then reads Vietnamese correctly), CRLF, formula-looking
    text neutralised, written atomically."""
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow([csv_safe(h) for h in header])
            for r in rows:
                w.writerow([csv_safe(c) for c in r])
    return Path(path)


def read_csv_rows(path: str | Path, max_bytes: int, max_rows: int, max_line_chars: int) -> list[list[str]]:
    """All rows of a CSV file (header included): comma or semicolon, UTF-8 with or without BOM, CRLF.

    Refuses, with the limit named: a file over ``max_bytes``, more than ``max_rows`` lines, a line over
    ``max_line_chars``; a file that is not UTF-8 text.
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(f"Tệp {name} quá lớn ({_n(size)} byte; giới hạn {_n(max_bytes)} byte).")
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise UserError(os_error_message(exc, path)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"Tệp {name} mã UTF-16, không phải UTF-8: trong Excel hãy lưu lại dạng "
                        "«CSV UTF-8 (phân cách bằng dấu phẩy)».")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"Tệp {name} không phải mã UTF-8 (byte lạ ở vị trí {exc.start}): trong Excel hãy lưu lại "
                        "dạng «CSV UTF-8 (phân cách bằng dấu phẩy)».") from None
    if "\x00" in text:
        raise UserError(f"Tệp {name} không phải tệp CSV văn bản.")
    lines = text.splitlines()
    if len(lines) > max_rows + 1:
        raise UserError(f"Tệp {name} có {_n(len(lines))} dòng; giới hạn {_n(max_rows)} dòng.")
    for n, line in enumerate(lines, start=1):
        if len(line) > max_line_chars:
            raise UserError(f"Dòng {n} của tệp {name} dài {_n(len(line))} ký tự; giới hạn {_n(max_line_chars)} "
                            "ký tự một dòng.")
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
