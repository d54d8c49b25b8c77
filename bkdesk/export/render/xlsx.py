"""Tables to xlsx (xlsxwriter, constant-memory): official header block, merged multi-row headers, column
numbers, totals, A4 landscape scaled to the page width, repeated header rows, frozen panes, hidden ``meta`` sheet.

Every str is written with ``write_string`` (never a formula); text starting with = + - @ also gets Excel's
quote prefix, so it stays text even after a user edits the cell.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter

from bkdesk.export.render.pdf_base import BI, B, R, register_fonts, width, wrap
from bkdesk.export.reports.official import DocInfo, is_formula_like
from bkdesk.export.reports.tables import Table
from bkdesk.fileio import atomic_output
from bkdesk.model.jobs import NO_CONTROL, JobControl

FONT = "Times New Roman"
# "none": with Times New Roman also the Normal style's font, xlsxwriter would tag these fonts as the theme's
# minor font, which Excel then draws in the theme's Calibri.
_BASE = {"font_name": FONT, "font_scheme": "none", "font_size": 11, "valign": "vcenter"}
ROW_HEIGHT = 15.75  # points per line of 11 pt Times New Roman / Liberation Serif
MARGINS = {"left": 1.18, "right": 0.59, "top": 0.79, "bottom": 0.79}  # inches: 30 / 15 / 20 / 20 mm (Decree 30/2020)
A4_LONG_SIDE = 297 / 25.4  # inches; the sheets print landscape
DIGIT_PX, PADDING_PX = 7, 5  # Excel's column unit for an 11 pt Times New Roman Normal style (96 dpi)
DIGIT_PT = 5.5  # the same digit as LibreOffice measures it: half an em of 11 pt Liberation Serif
CELL_PADDING_PT = 3.5  # left + right space inside a cell around wrapped text
MAX_ADVANCE_PT = 15.5  # widest glyph of the three faces at 11 pt (bold, 15.3): so many characters always fit
_ROW_FONT = {"district": B, "total": B, "group": BI}  # by row style; other rows regular


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        def f(**kw):
            return wb.add_format({**_BASE, **kw})

        cell = {"border": 1}
        self.issuer = f(align="center", font_size=12)
        self.issuer_b = f(align="center", font_size=12, bold=True)
        self.motto1 = f(align="center", bold=True, font_size=12)
        self.motto2 = f(align="center", bold=True, font_size=13, underline=1)
        self.italic = f(align="center", italic=True, font_size=13)
        self.number = f(align="center", font_size=12)
        self.label = f(align="right", italic=True, font_size=11)
        self.title = f(align="center", bold=True, font_size=14, text_wrap=True)
        self.sub = f(align="center", italic=True, font_size=12)
        self.draft = f(align="center", bold=True, font_color="#C00000", font_size=13)
        self.head = f(align="center", bold=True, text_wrap=True, font_size=10, **cell)
        self.colno = f(align="center", italic=True, font_size=10, **cell)
        self.text = f(text_wrap=True, **cell)
        self.text_q = f(text_wrap=True, quote_prefix=True, **cell)
        self.count = f(num_format="#,##0", **cell)
        self.rate = f(num_format="0.00", **cell)
        self.center = f(align="center", **cell)
        self.grid = wb.add_format({"border": 1})
        styles = {"district": {"bold": True, "bg_color": "#EFEFEF"}, "total": {"bold": True, "bg_color": "#DDDDDD"},
                  "group": {"bold": True, "italic": True}}
        self.by_style = {}
        for name, extra in styles.items():
            self.by_style[name] = {
                "text": f(text_wrap=True, **cell, **extra), "text_q": f(quote_prefix=True, **cell, **extra),
                "count": f(num_format="#,##0", **cell, **extra), "rate": f(num_format="0.00", **cell, **extra)}
        self.sign_b = f(align="center", bold=True, font_size=12)
        self.sign_i = f(align="center", italic=True, font_size=11)


def _write_value(ws, r: int, c: int, value, kind: str, fm: _Formats, style: str) -> None:
    base = style.split("-")[0]
    st = fm.by_style.get(base)
    if value is None or value == "":
        ws.write_blank(r, c, None, (st or {}).get("text", fm.text))
    elif isinstance(value, str):
        key = "text_q" if is_formula_like(value) else "text"
        ws.write_string(r, c, value, st[key] if st else getattr(fm, key))
    elif kind == "rate":
        ws.write_number(r, c, value, st["rate"] if st else fm.rate)
    else:
        ws.write_number(r, c, value, st["count"] if st else fm.count)


def _text(ws, r: int, c: int, value: str, fmt) -> None:
    ws.write_string(r, c, value, fmt)


def _merge(ws, r0: int, c0: int, r1: int, c1: int, value: str, fmt) -> None:
    """Row-order safe merge for constant-memory mode: the caller writes the padding cells itself."""
    _text(ws, r0, c0, value, fmt) if value else ws.write_blank(r0, c0, None, fmt)
    if (r0, c0) != (r1, c1):
        ws.merge.append([r0, c0, r1, c1])  # xlsxwriter writes <mergeCells> from this list at close


def _row_merge(ws, r: int, c0: int, c1: int, value: str, fmt) -> None:
    _merge(ws, r, c0, r, c1, value, fmt)
    for c in range(c0 + 1, c1 + 1):
        ws.write_blank(r, c, None, fmt)


def _document_head(ws, t: Table, doc: DocInfo, fm: _Formats, ncols: int) -> int:
    left_end = max(0, round(ncols * 0.4) - 1)  # issuing body | motto, about 2:3 as on paper
    right0 = left_end + 1
    _row_merge(ws, 0, 0, left_end, doc.issuer[0], fm.issuer)
    _row_merge(ws, 0, right0, ncols - 1, doc.motto[0], fm.motto1)
    _row_merge(ws, 1, 0, left_end, doc.issuer[1], fm.issuer_b)
    _row_merge(ws, 1, right0, ncols - 1, doc.motto[1], fm.motto2)
    _row_merge(ws, 2, 0, left_end, doc.number, fm.number)
    _row_merge(ws, 2, right0, ncols - 1, doc.place_date, fm.italic)
    if t.form_label:
        _row_merge(ws, 3, 0, ncols - 1, t.form_label, fm.label)
    _row_merge(ws, 4, 0, ncols - 1, t.title, fm.title)
    across = sum(_text_room(_width(leaf)) + CELL_PADDING_PT for leaf in t.header.leaves) - CELL_PADDING_PT
    lines = len(wrap(t.title, B, 14, across))
    ws.set_row(4, 36 if lines <= 2 else 18.75 * lines)  # room for two lines, more when the title needs them
    r = 5
    for line in t.subtitle:
        _row_merge(ws, r, 0, ncols - 1, line, fm.sub)
        r += 1
    if doc.draft:
        _row_merge(ws, r, 0, ncols - 1, doc.watermark, fm.draft)
    return r + 2


def _header(ws, t: Table, fm: _Formats, r0: int) -> int:
    depth = t.header.depth
    ncols = len(t.header.leaves)
    grid: dict[tuple[int, int], tuple] = {}
    for cell in t.header.cells:
        grid[(cell.row, cell.col)] = (cell.text, cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1)
    covered = set()
    for cell in t.header.cells:
        for rr in range(cell.row, cell.row + cell.rowspan):
            for cc in range(cell.col, cell.col + cell.colspan):
                if (rr, cc) != (cell.row, cell.col):
                    covered.add((rr, cc))
    for rr in range(depth):
        ws.set_row(r0 + rr, 30 if rr < depth - 1 else 45)
        for cc in range(ncols):
            if (rr, cc) in grid:
                text, r1, c1 = grid[(rr, cc)]
                _merge(ws, r0 + rr, cc, r0 + r1, c1, text, fm.head)
            elif (rr, cc) in covered:
                ws.write_blank(r0 + rr, cc, None, fm.head)
    numbers = r0 + depth
    for cc in range(ncols):
        _text(ws, numbers, cc, f"({cc + 1})", fm.colno)
    return numbers


def _width(leaf) -> float:
    return leaf.width if leaf.kind == "text" else max(leaf.width, 8)


def _column_pt(w: float) -> tuple[float, float]:
    """A column of ``w`` character units in points: as Excel draws it (whole pixels at 96 dpi) and as
    LibreOffice does (the stored width, in 1/256 units, times the measured digit)."""
    px = int(w * DIGIT_PX + 0.5) + PADDING_PX
    return px * 0.75, int(px / DIGIT_PX * 256) / 256 * DIGIT_PT


def _text_room(w: float) -> float:
    """Points of text a cell of this column holds on one line, in the narrower of the two applications."""
    return max(min(_column_pt(w)) - CELL_PADDING_PT, 1.0)


def width_scale(widths: list[float]) -> int:
    """Print scale (%) at which columns of these widths (character units) fit the landscape A4 width
    between the margins, in Excel and in LibreOffice alike (what "fit to 1 page wide" would choose, less
    1 % so that neither application's rounding pushes the last column onto a second page)."""
    printable = (A4_LONG_SIDE - MARGINS["left"] - MARGINS["right"]) * 72
    excel, libre = (sum(pair) for pair in zip(*(_column_pt(w) for w in widths), strict=True)) if widths else (0, 0)
    widest = max(excel, libre, 1.0)
    return max(10, min(100, int(100 * printable / (widest * 1.01))))


def write_table_sheet(wb, t: Table, doc: DocInfo, fm: _Formats, control: JobControl = NO_CONTROL) -> None:
    ws = wb.add_worksheet(t.template_id[:31])
    leaves = t.header.leaves
    ncols = len(leaves)
    for c, leaf in enumerate(leaves):
        ws.set_column(c, c, _width(leaf))
    head_row = _document_head(ws, t, doc, fm, ncols)
    numbers_row = _header(ws, t, fm, head_row)
    r = numbers_row + 1
    kinds = [leaf.kind for leaf in leaves]
    # Every data row gets its height written (lines its longest text needs, measured in Liberation Serif at
    # the column's width) and every cell its border (no grid-wide conditional format), so that LibreOffice
    # has no row height to measure and no rule to evaluate per cell.
    room = [_text_room(_width(leaf)) for leaf in leaves]
    sure = [int(x // MAX_ADVANCE_PT) for x in room]
    for i, (values, style) in enumerate(zip(t.rows, t.styles, strict=True)):
        font = _ROW_FONT.get(style.split("-")[0], R)
        lines = 1
        for c, value in enumerate(values):
            if isinstance(value, str) and len(value) > sure[c] and width(value, font, 11) > room[c]:
                lines = max(lines, len(wrap(value, font, 11, room[c])))
        ws.set_row(r, ROW_HEIGHT * lines)
        for c, value in enumerate(values):
            _write_value(ws, r, c, value, kinds[c], fm, style)
        r += 1
        if i % 5000 == 4999:
            control.report(i + 1, len(t.rows), t.title)
    r += 1
    half = max(ncols // 2, 1)
    if doc.preparer:
        _row_merge(ws, r, 0, half - 1, doc.preparer, fm.sign_b)
    _row_merge(ws, r, half, ncols - 1, doc.signature[0] if doc.signature else "", fm.sign_b)
    if len(doc.signature) > 1:
        _row_merge(ws, r + 1, half, ncols - 1, doc.signature[1], fm.sign_b)
    _row_merge(ws, r + 2, half, ncols - 1, "(Ký, ghi rõ họ tên, đóng dấu)", fm.sign_i)
    ws.set_landscape()
    ws.set_paper(9)
    # A fixed scale and an explicit print area instead of "fit to 1 page wide" over the used range:
    # LibreOffice (7.4) keeps the pagination of the first printed sheet only and paginates every other sheet
    # again for each page it prints; "fit to width" makes each of those a zoom search (about 8 paginations)
    # and a missing print area a scan of every cell. Province workbook (r01..r15, 84,000-row r15), PDF:
    # fit, no area > 200 s for r01 + r15 alone; fit + area 118 s; scale + area 48 s (r15 alone 19 s).
    ws.set_print_scale(width_scale([_width(leaf) for leaf in leaves]))
    ws.print_area(0, 0, r + 2, ncols - 1)
    ws.set_margins(**MARGINS)
    ws.repeat_rows(head_row, numbers_row)
    ws.freeze_panes(numbers_row + 1, 2 if ncols > 2 else 0)
    ws.set_header("&C&P")


def write_meta_sheet(wb, tables: list[Table]) -> None:
    ws = wb.add_worksheet("meta")
    keys = sorted({k for t in tables for k in t.meta})
    ws.write_string(0, 0, "key")
    for j, t in enumerate(tables):
        ws.write_string(0, j + 1, t.template_id)
    for i, k in enumerate(keys, 1):
        ws.write_string(i, 0, k)
        for j, t in enumerate(tables):
            ws.write_string(i, j + 1, str(t.meta.get(k, "")))
    ws.hide()


@contextlib.contextmanager
def xlsx_output(path: str | Path, options: dict | None = None) -> Iterator[xlsxwriter.Workbook]:
    """``with xlsx_output(out, options) as wb:`` fill an xlsxwriter workbook; ``out`` is written whole or not
    at all, and nothing is left behind whatever fails (a full disk included): xlsxwriter's scratch files
    (the rows of constant-memory sheets: names, CCCD numbers) live in a private folder that is always
    removed, and the zip is assembled in memory, then written through atomic_output (temporary file,
    fsync, rename). Written by xlsxwriter itself, a failing zip stayed open and a failure left the scratch
    files in the system's temporary folder."""
    with atomic_output(path) as tmp:  # its one-line message for any OSError, also one xlsxwriter wraps
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="bkdesk-xlsx-", ignore_cleanup_errors=True) as scratch:
            wb = xlsxwriter.Workbook(buffer, {**(options or {}), "tmpdir": scratch})
            try:
                yield wb
            except BaseException:  # a cancel or an error: close the scratch files before their folder goes
                for ws in wb.worksheets():
                    fh = getattr(ws, "row_data_fh", None)  # a constant-memory sheet's rows
                    if fh is not None and not fh.closed:
                        fh.close()
                raise
            wb.close()
        tmp.write_bytes(buffer.getbuffer())


def write_xlsx(tables: list[Table], path: str | Path, doc: DocInfo, control: JobControl = NO_CONTROL) -> Path:
    """One sheet per table plus the hidden meta sheet, written whole or not at all (xlsx_output)."""
    path = Path(path)
    register_fonts()  # the metrics row heights are measured with
    # Normal style in Times New Roman: column widths are counted in its digits, which LibreOffice measures
    # on Liberation Serif (metric-compatible) instead of a substitute for a missing Calibri.
    with xlsx_output(path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                            "strings_to_numbers": False,
                            "default_format_properties": {"font_name": FONT, "font_size": 11}}) as wb:
        fm = _Formats(wb)
        for i, t in enumerate(tables):
            control.report(i, len(tables), t.title)
            write_table_sheet(wb, t, doc, fm, control)
        write_meta_sheet(wb, tables)
    return path
