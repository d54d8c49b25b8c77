"""Tables (reports and lists) to PDF for signing: paginated by hand, header rows repeated on every page."""

from __future__ import annotations

from pathlib import Path

from bkdesk.export.render.pdf_base import LANDSCAPE, MIN_SIZE, PORTRAIT, B, I, Page, R, wrap
from bkdesk.export.reports.layouts import Header
from bkdesk.export.reports.official import DocInfo, number_vi
from bkdesk.export.reports.tables import Table
from bkdesk.fileio import atomic_output
from bkdesk.model.jobs import NO_CONTROL, JobControl

LEADING = 1.2


def _widths(t: Table, total: float) -> list[float]:
    raw = [leaf.width if leaf.kind == "text" else 7 for leaf in t.header.leaves]
    s = sum(raw)
    return [total * r / s for r in raw]


def _header_rows(header: Header, widths: list[float], size: float) -> list[float]:
    heights = [14.0] * header.depth
    for cell in header.cells:
        if cell.rowspan == 1:
            w = sum(widths[cell.col:cell.col + cell.colspan])
            lines = len(wrap(cell.text, B, size, w - 3))
            heights[cell.row] = max(heights[cell.row], lines * size * LEADING + 4)
    for cell in header.cells:  # tall single cells spanning rows grow the last row they cover
        if cell.rowspan > 1:
            w = sum(widths[cell.col:cell.col + cell.colspan])
            need = len(wrap(cell.text, B, size, w - 3)) * size * LEADING + 4
            have = sum(heights[cell.row:cell.row + cell.rowspan])
            if need > have:
                heights[cell.row + cell.rowspan - 1] += need - have
    return heights


def _draw_header(p: Page, header: Header, widths: list[float], heights: list[float], y: float, size: float
                 ) -> float:
    c = p.c
    c.setLineWidth(0.5)
    xs = [p.left]
    for w in widths:
        xs.append(xs[-1] + w)
    ys = [y]
    for h in heights:
        ys.append(ys[-1] - h)
    for cell in header.cells:
        x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]
        y0, y1 = ys[cell.row], ys[cell.row + cell.rowspan]
        c.rect(x0, y1, x1 - x0, y0 - y1)
        lines = wrap(cell.text, B, size, x1 - x0 - 3)
        block = len(lines) * size * LEADING
        ty = (y0 + y1) / 2 + block / 2 - size
        c.setFont(B, size)
        for line in lines:
            c.drawCentredString((x0 + x1) / 2, ty, line)
            ty -= size * LEADING
    y = ys[-1]
    p.grid_row(p.left, y, widths, 12, [f"({i + 1})" for i in range(len(widths))], I,
               size if size >= MIN_SIZE else size - 1, ["c"] * len(widths))
    return y - 12


def _cell_text(value) -> str:
    return number_vi(value) if not isinstance(value, str) else value


def _row_lines(values: list, widths: list[float], font: str, size: float) -> list[list[str]]:
    return [wrap(_cell_text(v), font, size, w - 4) if isinstance(v, str) and v else [_cell_text(v)]
            for v, w in zip(values, widths, strict=True)]


def _draw_row(p: Page, y: float, widths: list[float], lines: list[list[str]], kinds: list[str], font: str,
              size: float, height: float) -> None:
    c = p.c
    x = p.left
    c.setFont(font, size)
    for w, ls, kind in zip(widths, lines, kinds, strict=True):
        c.rect(x, y - height, w, height)
        ty = y - size - 2
        for line in ls:
            if kind == "text":
                c.drawString(x + 2, ty, line)
            else:
                c.drawRightString(x + w - 2, ty, line)
            ty -= size * LEADING
        x += w
    return None


def draw_table(p: Page, t: Table, doc: DocInfo, first: bool, control: JobControl = NO_CONTROL) -> None:
    size_page = LANDSCAPE if len(t.header.leaves) > 9 else PORTRAIT
    if first:
        p.set_size(size_page)
        p.start()
    else:
        p.new_page(size_page)
    y = p.official_head(doc)
    if t.form_label:
        p.c.setFont(I, 10)
        p.c.drawRightString(p.right, p.top + 6, t.form_label)
    for line in wrap(t.title, B, 13, p.text_width - 40):
        p.centred(p.w / 2 + (p.left - (p.w - p.right)) / 2, y, line, B, 13)
        y -= 17
    for line in t.subtitle:
        p.centred(p.left + p.text_width / 2, y, line, I, 11)
        y -= 15
    y -= 6
    widths = _widths(t, p.text_width)
    n = len(widths)
    hsize = MIN_SIZE if n <= 14 else 7  # lists and narrow reports: nothing below 9 pt
    size = MIN_SIZE if n <= 14 else 7.5
    heights = _header_rows(t.header, widths, hsize)
    y = _draw_header(p, t.header, widths, heights, y, hsize)
    kinds = [leaf.kind for leaf in t.header.leaves]
    n_rows = len(t.rows)
    closing = 24 + Page.signature_height(len(doc.signature))  # the signature block below the last row
    for i, (values, style) in enumerate(zip(t.rows, t.styles, strict=True)):
        font = B if style.split("-")[0] in ("district", "total", "group") else R
        lines = _row_lines(values, widths, font, size)
        row_kinds = [k if isinstance(v, str) or v is None else "count" for k, v in zip(kinds, values, strict=True)]
        height = max(len(ls) for ls in lines) * size * LEADING + 4
        # The last two rows go over with the signature block rather than leave it alone on a page.
        need = height
        if i == n_rows - 2:
            last = t.rows[-1]
            last_font = B if t.styles[-1].split("-")[0] in ("district", "total", "group") else R
            need += max(len(ls) for ls in _row_lines(last, widths, last_font, size)) * size * LEADING + 4 + closing
        elif i == n_rows - 1:
            need += closing
        if y - need < p.bottom:
            p.new_page()
            y = _draw_header(p, t.header, widths, heights, p.top - 8, hsize)
        _draw_row(p, y, widths, lines, row_kinds, font, size, height)
        y -= height
        if i % 2000 == 1999:
            control.report(i + 1, len(t.rows), t.title)
    if y - closing < p.bottom:  # only when one row of the table is taller than the room left
        p.new_page()
        y = p.top - 10
    p.signature(doc, y - 24, left_title=doc.preparer, left_name=doc.preparer_name)


def write_tables_pdf(tables: list[Table], path: str | Path, doc: DocInfo, control: JobControl = NO_CONTROL) -> Path:
    path = Path(path)
    with atomic_output(path) as tmp:  # temp file in the same folder, fsync, rename; removed on failure
        p = Page(str(tmp), title=tables[0].title if tables else "")
        p.watermark = doc.watermark
        for i, t in enumerate(tables):
            control.report(i, len(tables), t.title)
            draw_table(p, t, doc, first=(i == 0), control=control)
        p.save()
    return path

