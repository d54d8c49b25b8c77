"""Checks a user-supplied .xlsx before any reader parses it, by parsing it: hostile files are refused in one line.

python-calamine inflates whatever a zip holds and allocates the whole used range of a sheet densely: a
5 KB file with one cell at XFD1048576 makes it ask for 512 GiB and abort the process. A pattern match on
the bytes misses reordered attributes, single quotes, a cell without ``r``, a sheet stored outside
``xl/worksheets/`` or XML in UTF-16. So before calamine runs, this guard:
- checks the zip: magic, member count, member names (no absolute path, no "..", no duplicates), the
  encryption flag, declared sizes in total and in compression ratio;
- inflates every XML part as a stream (zipfile stops at the declared size and checks the CRC, so a
  lying size is caught) and PARSES it with expat: any encoding expat knows (UTF-8, UTF-16 with BOM,
  Latin-1, ASCII), a DOCTYPE or ENTITY declaration refuses the file (a real xlsx never has one; external
  and parameter entities are never fetched), depth is bounded;
- follows the workbook's relationships to every sheet wherever it is stored, and in every part whose
  root is a sheet computes the true extent the reader will allocate: the ``dimension`` ref, every
  ``row``/``c`` position (explicit ``r`` in any quoting and order, or implied by position), merged
  ranges; rows x columns and the number of cells are bounded.

Defence in depth: ``read_workbook_isolated`` reads an untrusted workbook in a child process whose
address space is bounded (``resource.setrlimit(RLIMIT_AS)`` on POSIX), so even a reader abort becomes a
one-line rejection and the caller (the desk) lives on. On Windows the standard library cannot put a
child in a Job object with a memory limit: the child still isolates an abort (the parent sees the
exit code), but its memory is bounded only by the guard above. ``limit_reader_memory`` is the same
bound for a reader process started elsewhere (the package merge's read-ahead process).
"""

from __future__ import annotations

import multiprocessing
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from bkdesk.errors import UserError
from bkdesk.limits import limit
from bkdesk.model.rules.fmt import fmt_int

MAX_FILE_BYTES = limit("package", "max_file_bytes")
MAX_UNCOMPRESSED = limit("xlsx", "max_uncompressed_bytes")  # a 4,000-household commune package is ~30 MB
MAX_MEMBERS = limit("xlsx", "max_members")
MAX_RATIO = limit("xlsx", "max_ratio")  # real xlsx XML compresses 5-30x; zip bombs 1,000x
RATIO_MIN_SIZE = limit("xlsx", "ratio_min_bytes")
MAX_SHEETS = limit("xlsx", "max_sheets")
DEFAULT_MAX_CELLS = limit("package", "max_sheet_cells")  # rows x columns of the used range, however sparse
READER_MEMORY = limit("xlsx", "reader_memory_bytes")
READER_SECONDS = limit("xlsx", "reader_seconds")
_CHUNK = 1024 ** 2
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHEET_ROOTS = {"worksheet", "chartsheet", "dialogsheet", "macrosheet"}
_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,12})$")
MAX_COL, MAX_ROW = 16_384, 1_048_576


class HostileFileError(UserError):
    """A file refused before parsing: damaged, not an xlsx, or built to harm the reader."""


class _Refuse(Exception):
    """Raised inside the expat handlers; turned into the caller's error with the file's name."""


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref(text: str) -> tuple[int, int]:
    m = _REF.match(text.strip())
    if not m:
        raise _Refuse(f"ô có địa chỉ không hợp lệ «{text[:20]}»")
    return int(m.group(2)), _col_number(m.group(1))


class _SheetExtent:
    """Extent of one sheet as the reader sees it: rows, columns, cells (positions explicit or implied)."""

    def __init__(self, max_cells: int):
        self.max_cells = max_cells
        self.row = 0  # current row number
        self.col = 0  # column of the last cell in the current row
        self.min_row: int | None = None
        self.max_row = self.max_col = 0
        self.cells = 0

    def _grow(self, row: int, col: int) -> None:
        if row > MAX_ROW or col > MAX_COL or row < 1 or col < 1:
            raise _Refuse(f"có ô ngoài giới hạn của Excel (dòng {row}, cột {col})")
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if self.min_row is None:
            self.min_row = row

    def on_row(self, attrs: dict) -> None:
        r = attrs.get("r")
        self.row = int(r) if r is not None and r.strip().isdigit() else self.row + 1
        self.col = 0

    def on_cell(self, attrs: dict) -> None:
        r = attrs.get("r")
        if r is not None:
            row, col = _ref(r)
            self.row = row
        else:
            row, col = max(self.row, 1), self.col + 1
        self.col = col
        self.cells += 1
        self._grow(row, col)

    def on_range(self, ref: str) -> None:
        for corner in ref.split(":")[:2]:
            if corner.strip():
                self._grow(*_ref(corner))

    def check(self) -> None:
        if self.min_row is None:
            return
        rows, cols = self.max_row, self.max_col  # the reader's range may start at A1: count from there
        if rows * cols > self.max_cells or self.cells > self.max_cells:
            raise _Refuse(f"trang tính trải tới dòng {self.max_row}, cột {self.max_col} "
                          f"({fmt_int(rows)} x {fmt_int(cols)} ô; giới hạn {fmt_int(self.max_cells)} ô)")


def _new_parser(refuse_decl):
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse_decl
    parser.EntityDeclHandler = refuse_decl
    parser.UnparsedEntityDeclHandler = refuse_decl
    parser.ExternalEntityRefHandler = refuse_decl
    parser.buffer_text = True
    return parser


def _refuse_decl(*_args):
    raise _Refuse("có khai báo DOCTYPE/ENTITY trong XML (không có trong tệp Excel thật)")


# The fast path, on a part that expat has just found well-formed and that is UTF-8: cell start tags are
# counted (every "<c" that does not start a longer name), and cells written the way every spreadsheet
# writer writes them, ``<c r="B7"`` (r first, right after the name, so at a real attribute boundary), give
# the extent. When the counts differ (a cell without ``r``, r not first, single quotes, a prefixed
# element, a "<c" inside a comment...) the part is parsed again cell by cell (_extent_slow).
_C_COL = re.compile(rb'<c r="([A-Z]{1,3})')
_C_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_NOT_CELL = re.compile(rb"<c[\w.:-]")  # <col, <cols, <cfRule...: elements whose name starts with c
_ROW_REF = re.compile(rb'<row r="([0-9]{1,12})"')
_RANGE_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:dimension|mergeCell)(?:\s[^>]*)?>")
_RANGE_REF = re.compile(rb"""\sref\s*=\s*["']([^"']*)["']""")
_PREFIXED_C = re.compile(rb"<[\w.-]+:c[\s/>]")


class _FastExtent:
    def __init__(self):
        self.refs = 0
        self.cols: set[bytes] = set()
        self.rows: set[bytes] = set()
        self.ranges: list[str] = []
        self.odd = False

    def feed(self, text: bytes, start: int = 0, end: int | None = None) -> None:
        """Count and read the cells of ``text[start:end]`` (no copy: the patterns take the bounds)."""
        if self.odd:
            return
        end = len(text) if end is None else end
        if end <= start:
            return
        tags = text.count(b"<c", start, end) - len(_NOT_CELL.findall(text, start, end))
        cols, rows = _C_COL.findall(text, start, end), _C_ROW.findall(text, start, end)
        if len(cols) != len(rows) or len(rows) != tags:
            self.odd = True
            return
        self.refs += len(rows)
        self.cols.update(cols)
        self.rows.update(rows)
        self.rows.update(_ROW_REF.findall(text, start, end))
        if text.find(b"dimension", start, end) >= 0 or text.find(b"mergeCell", start, end) >= 0:
            for tag in _RANGE_TAG.findall(text, start, end):
                self.ranges += [r.decode("ascii", "replace") for r in _RANGE_REF.findall(tag)]
        if text.find(b":c", start, end) >= 0 and _PREFIXED_C.search(text, start, end):
            self.odd = True  # prefixed cell elements: let the handlers decide

    def extent(self, max_cells: int) -> _SheetExtent | None:
        if self.odd:
            return None
        ext = _SheetExtent(max_cells)
        ext.cells = self.refs
        if self.cols:
            ext._grow(max(int(r) for r in self.rows), max(_col_number(c.decode()) for c in self.cols))
        elif self.rows:
            ext._grow(max(int(r) for r in self.rows), 1)
        for ref in self.ranges:
            ext.on_range(ref)
        return ext


def _parse_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_cells: int, want_rels: bool):
    """Parse one XML part with expat (no DTD, no entity); returns (root local name, relationships).

    A sheet's extent comes from the fast path when it can be trusted, else from a second, cell-by-cell
    parse. Either way the bound is checked before the reader ever sees the file.
    """
    parser = _new_parser(_refuse_decl)
    state: dict = {"root": None, "encoding": None}
    rels: list[tuple[str, str, str]] = []

    def xml_decl(_version, encoding, _standalone):
        state["encoding"] = (encoding or "").lower()

    def start(name: str, attrs: dict) -> None:
        local = name.rpartition(" ")[2]
        if state["root"] is None:
            state["root"] = local
            if not want_rels:
                parser.StartElementHandler = None  # the rest of the part is parsed in C only
        elif local == "Relationship":
            rels.append((attrs.get("Type", ""), attrs.get("Target", ""), attrs.get("TargetMode", "")))

    parser.XmlDeclHandler = xml_decl
    parser.StartElementHandler = start
    fast, tail, first = _FastExtent(), b"", True
    with zf.open(info) as part:
        while chunk := part.read(_CHUNK):
            if first:
                first = False
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                    fast.odd = True  # UTF-16: the byte patterns below do not apply
            parser.Parse(chunk, False)
            if state["root"] is not None and state["root"] not in _SHEET_ROOTS:
                fast.odd = True  # not a sheet (shared strings, styles...): expat alone
            # Tags never contain "<": the text is cut before the last "<" of each chunk, and the piece from
            # there to the first "<" of the next chunk is fed with it (a few bytes, not a 1 MB copy).
            first_lt, last_lt = chunk.find(b"<"), chunk.rfind(b"<")
            if first_lt < 0:  # no tag starts in this chunk: it joins the pending piece
                tail += chunk
                if len(tail) > _CHUNK:  # a text run over 1 MB (a tag cut here makes the counts differ)
                    fast.feed(tail)
                    tail = b""
                continue
            fast.feed(tail + chunk[:first_lt])
            fast.feed(chunk, first_lt, last_lt)
            tail = chunk[last_lt:]
    parser.Parse(b"", True)
    fast.feed(tail)
    if state["root"] is None:
        raise _Refuse("phần XML rỗng")
    if state["root"] in _SHEET_ROOTS:
        if state["encoding"] not in (None, "", "utf-8", "utf8"):
            fast.odd = True
        extent = fast.extent(max_cells) or _extent_slow(zf, info, max_cells)
        extent.check()
    return state["root"], rels


def _extent_slow(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_cells: int) -> _SheetExtent:
    """Every ``row``/``c``/``dimension``/``mergeCell`` of a sheet through expat's handlers (any encoding)."""
    parser = _new_parser(_refuse_decl)
    sheet = _SheetExtent(max_cells)

    def start(name: str, attrs: dict) -> None:
        local = name.rpartition(" ")[2]
        if local == "c":
            sheet.on_cell(attrs)
        elif local == "row":
            sheet.on_row(attrs)
        elif local in ("dimension", "mergeCell") and attrs.get("ref"):
            sheet.on_range(attrs["ref"])

    parser.StartElementHandler = start
    with zf.open(info) as part:
        while chunk := part.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return sheet


def _resolve(base_part: str, target: str) -> str:
    """A relationship target as a member name (relative to the part's folder, or absolute from the root)."""
    if target.startswith("/"):
        parts = PurePosixPath(target.lstrip("/")).parts
    else:
        parts = PurePosixPath(base_part).parent.parts + PurePosixPath(target).parts
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p not in (".", ""):
            out.append(p)
    return "/".join(out)


def _check_names(infos: list[zipfile.ZipInfo], name: str, error) -> None:
    seen: set[str] = set()
    for i in infos:
        n = i.filename
        low = n.lower()
        if (n.startswith(("/", "\\")) or "\\" in n or "\x00" in n or ":" in n
                or any(p == ".." for p in n.split("/")) or len(n) > 1000):
            raise error(f"Tệp {name} chứa thành phần có tên bất thường «{n[:80]}» (nghi tệp độc hại); không nhập.")
        if low in seen:
            raise error(f"Tệp {name} chứa hai thành phần trùng tên «{n[:80]}» (nghi tệp bị sửa); không nhập.")
        seen.add(low)


def check_xlsx(path: str | Path, error=HostileFileError, max_cells: int = DEFAULT_MAX_CELLS,
               max_bytes: int = MAX_FILE_BYTES) -> None:
    """Raise ``error(message)`` (a UserError) with a one-line Vietnamese message unless ``path`` is a sane xlsx.

    ``max_cells`` bounds rows x columns of every sheet's used range (and its number of cells):
    python-calamine allocates that range densely.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise error(f"Không tìm thấy tệp {name}.")
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f"Tệp {name} quá lớn ({size // 1024 ** 2} MB; giới hạn {max_bytes // 1024 ** 2} MB) "
                    "để là tệp nhập liệu; không nhập.")
    if size == 0:
        raise error(f"Tệp {name} rỗng (0 byte), không phải tệp Excel (.xlsx).")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\xd0\xcf\x11\xe0":  # OLE: an old .xls, or an xlsx saved with a password
        raise error(f"Tệp {name} là tệp Excel cũ (.xls) hoặc đã đặt mật khẩu; hãy lưu lại dạng .xlsx không mật khẩu.")
    if magic != b"PK\x03\x04":
        raise error(f"Tệp {name} không phải tệp Excel (.xlsx).")
    part = ""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise error(f"Tệp {name} chứa quá nhiều thành phần ({len(infos)}; giới hạn {MAX_MEMBERS}); "
                            "không nhập.")
            _check_names(infos, name, error)
            by_name = {i.filename: i for i in infos}
            if "xl/workbook.xml" not in by_name:
                raise error(f"Tệp {name} không phải bảng tính Excel (.xlsx) (thiếu xl/workbook.xml).")
            if any(i.flag_bits & 0x1 for i in infos):
                raise error(f"Tệp {name} được đặt mật khẩu; hãy bỏ mật khẩu rồi nhập lại.")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED or any(
                    i.file_size > RATIO_MIN_SIZE and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
                raise error(f"Tệp {name} có dung lượng giải nén bất thường (nghi \"bom nén\"; giới hạn "
                            f"{MAX_UNCOMPRESSED // 1024 ** 2} MB, nén {MAX_RATIO} lần); không nhập.")
            roots: dict[str, str] = {}
            rels: dict[str, list] = {}
            for info in infos:
                part = info.filename
                if part.lower().endswith(_XML_SUFFIXES) or part == "[Content_Types].xml":
                    roots[part], found = _parse_part(zf, info, max_cells, part.lower().endswith(".rels"))
                    rels[part] = found
            part = ""
            _check_workbook_links(by_name, roots, rels, name, error, max_cells, zf)
    except _Refuse as exc:
        where = f" (phần {part})" if part else ""
        raise error(f"Tệp {name}{where}: {exc}; nghi tệp bị sửa bất thường hoặc độc hại, không nhập.") from None
    except expat.ExpatError as exc:
        raise error(f"Tệp {name} bị hỏng: phần {part} không phải XML hợp lệ "
                    f"({expat.ErrorString(exc.code)}, dòng {exc.lineno}).") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            ValueError, RuntimeError) as exc:
        raise error(f"Tệp {name} bị hỏng hoặc không đầy đủ (có thể bị cắt cụt khi sao chép): "
                    f"{str(exc)[:200]}.") from None
    except UserError:
        raise
    except Exception as exc:  # zlib.error and friends from a damaged deflate stream
        raise error(f"Tệp {name} bị hỏng: {type(exc).__name__}: {str(exc)[:200]}.") from None


def _check_workbook_links(by_name, roots, rels, name, error, max_cells, zf) -> None:
    """Every sheet the workbook's relationships point to exists and was parsed (as a sheet, bounded)."""
    wb_rels = rels.get("xl/_rels/workbook.xml.rels")
    if wb_rels is None:
        return  # the reader then finds no sheet and says so
    sheets = [(t, tgt) for t, tgt, mode in wb_rels if mode != "External" and t.rsplit("/", 1)[-1] in _SHEET_ROOTS]
    if len(sheets) > MAX_SHEETS:
        raise error(f"Tệp {name} có {len(sheets)} trang tính (giới hạn {MAX_SHEETS}); không nhập.")
    for _type, target in sheets:
        member = _resolve("xl/workbook.xml", target)
        if member not in by_name:
            raise error(f"Tệp {name} bị hỏng: thiếu trang tính {member[:80]}.")
        if member not in roots:  # stored under a name that does not look like XML: parse it as a sheet
            root, _ = _parse_part(zf, by_name[member], max_cells, False)
            roots[member] = root
        if roots[member] not in _SHEET_ROOTS:
            raise error(f"Tệp {name} bị hỏng: {member[:80]} không phải trang tính.")


# --- reading untrusted workbooks in a child process ------------------------------------------------

def limit_reader_memory(max_bytes: int = READER_MEMORY) -> bool:
    """Bound this process's address space (call first thing in a reader process). False where unsupported."""
    try:
        import resource
    except ImportError:  # Windows: no setrlimit; the guard's bounds are the only memory bound
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    new = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    return True


def _read_child(conn, path: str, sheets: list[str] | None, max_bytes: int, skip_empty: bool) -> None:
    try:
        limit_reader_memory(max_bytes)
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(path)
        names = list(wb.sheet_names)
        out = {}
        for s in names if sheets is None else [s for s in sheets if s in names]:
            out[s] = wb.get_sheet_by_name(s).to_python(skip_empty_area=skip_empty)
        conn.send(("ok", names, out))
    except MemoryError:
        conn.send(("memory", "", {}))
    except Exception as exc:  # calamine's own error types for damaged files
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:200]}", {}))
    finally:
        conn.close()


def read_workbook_isolated(path: str | Path, sheets: list[str] | None = None, error=HostileFileError,
                           max_cells: int = DEFAULT_MAX_CELLS, max_bytes: int = MAX_FILE_BYTES,
                           timeout: float = READER_SECONDS, skip_empty_area: bool = True
                           ) -> tuple[list[str], dict[str, list[list]]]:
    """Guard, then read ``sheets`` (all if None) of an untrusted workbook in a child process.

    Returns (sheet names, {sheet: rows}). A reader that fails, aborts, runs out of its memory bound or
    exceeds ``timeout`` seconds is one ``error`` line; this process is never at risk.
    """
    check_xlsx(path, error, max_cells=max_cells, max_bytes=max_bytes)
    name = Path(path).name
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_read_child, args=(child, str(path), sheets, READER_MEMORY, skip_empty_area), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise error(f"Đọc tệp {name} quá {timeout:.0f} giây (giới hạn thời gian đọc); không nhập.")
        try:
            status, names, data = parent.recv()
        except (EOFError, OSError):
            proc.join(5)
            raise error(f"Tệp {name} làm trình đọc Excel dừng đột ngột (mã {proc.exitcode}); tệp bị hỏng hoặc "
                        "độc hại, không nhập.") from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "memory":
        raise error(f"Đọc tệp {name} cần quá nhiều bộ nhớ (giới hạn {READER_MEMORY // 1024 ** 2} MB); không nhập.")
    if status != "ok":
        raise error(f"Không đọc được tệp Excel {name}: {names}.")
    return names, data
