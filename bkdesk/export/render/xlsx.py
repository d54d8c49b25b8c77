"""Tables to xlsx (xlsxwriter, constant-memory): official header block, merged multi-row headers, column
numbers, totals, A4 landscape fit to width, repeated header rows, frozen panes, hidden ``meta`` sheet.

Every str is written with ``write_string`` (never a formula); text starting with = + - @ also gets Excel's
quote prefix, so it stays text even after a user edits the cell.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from bkdesk.export.reports.official import DocInfo, is_formula_like
from bkdesk.export.reports.tables import Table
from bkdesk.fileio import atomic_output
from bkdesk.model.jobs import NO_CONTROL, JobControl

FONT = "Times New Roman"
_BASE = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
ROW_HEIGHT = 15.75  # points per line of 11 pt Times New Roman / Liberation Serif


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
    ws.set_row(4, 36)
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


def write_table_sheet(wb, t: Table, doc: DocInfo, fm: _Formats, control: JobControl = NO_CONTROL) -> None:
    ws = wb.add_worksheet(t.template_id[:31])
    leaves = t.header.leaves
    ncols = len(leaves)
    for c, leaf in enumerate(leaves):
        ws.set_column(c, c, leaf.width if leaf.kind == "text" else max(leaf.width, 8))
    head_row = _document_head(ws, t, doc, fm, ncols)
    numbers_row = _header(ws, t, fm, head_row)
    r = numbers_row + 1
    kinds = [leaf.kind for leaf in leaves]
    # Every data row gets its height written (lines its longest text needs at the column width) and every
    # cell its border (no grid-wide conditional format), so that LibreOffice has no row height to measure
    # and no rule to evaluate per cell. Measured on the province data (shared machine, CPU seconds of
    # soffice): r15 alone 43 s, r14 alone 12.5 s, reports 1-13 together 4.6 s; r14 and r15 in ONE workbook
    # still over 180 s (unexplained; not print titles, header or frozen panes).
    chars = [max(leaf.width if leaf.kind == "text" else max(leaf.width, 8), 1) * 1.15 for leaf in leaves]
    for i, (values, style) in enumerate(zip(t.rows, t.styles, strict=True)):
        lines = 1
        for c, value in enumerate(values):
            if isinstance(value, str) and len(value) > chars[c]:
                lines = max(lines, -(-len(value) // int(chars[c])))
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
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=1.18, right=0.59, top=0.79, bottom=0.79)  # 30 / 15 / 20 / 20 mm (Decree 30/2020)
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


def write_xlsx(tables: list[Table], path: str | Path, doc: DocInfo, control: JobControl = NO_CONTROL) -> Path:
    """One sheet per table plus the hidden meta sheet. Written to a temporary name, then renamed."""
    path = Path(path)
    with atomic_output(path) as tmp:  # temp file in the same folder, fsync, rename; removed on failure
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
        fm = _Formats(wb)
        for i, t in enumerate(tables):
            control.report(i, len(tables), t.title)
            write_table_sheet(wb, t, doc, fm, control)
        write_meta_sheet(wb, tables)
        wb.close()
    return path
