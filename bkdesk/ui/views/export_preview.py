"""Print preview of reports and lists: QPrintPreviewDialog painting the same ``Table`` data the PDF uses.

PySide6-Essentials ships QtPrintSupport but not QtPdf, so the preview paints the tables with QPainter
(header block, merged header cells, rows, header repeated per page) instead of rasterising the PDF.
"""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QFontDatabase, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from bkdesk.export.reports.official import DocInfo, number_vi
from bkdesk.export.reports.tables import Table
from bkdesk.paths import resource_path

FONT = "Liberation Serif"  # shipped with the app; metric-compatible with Times New Roman, as in the PDFs
FONT_FILES = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
              "LiberationSerif-BoldItalic.ttf")
_loaded: list[bool] = []


def load_fonts() -> None:
    """Register the shipped TTFs with Qt once (machines without Liberation Serif installed)."""
    if not _loaded:
        for name in FONT_FILES:
            QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
        _loaded.append(True)


def _font(size: float, bold: bool = False, italic: bool = False) -> QFont:
    load_fonts()
    f = QFont(FONT)
    f.setPointSizeF(size)
    f.setBold(bold)
    f.setItalic(italic)
    return f


def _layout(landscape: bool) -> QPageLayout:
    orient = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), orient, QMarginsF(30, 20, 15, 20),
                       QPageLayout.Unit.Millimeter)


class TablePainter:
    """Paints tables onto a QPrinter page by page (the printer's resolution, millimetre margins)."""

    def __init__(self, tables: list[Table], doc: DocInfo):
        self.tables, self.doc = tables, doc

    def paint(self, printer: QPrinter) -> None:
        painter = QPainter()
        for i, t in enumerate(self.tables):
            printer.setPageLayout(_layout(len(t.header.leaves) > 9))
            if i == 0:
                painter.begin(printer)
            else:
                printer.newPage()
            self._table(painter, printer, t)
        if painter.isActive():
            painter.end()

    def _pt(self, printer: QPrinter) -> float:
        return printer.resolution() / 72.0

    def _head(self, p: QPainter, page: QRectF, t: Table, k: float) -> float:
        left = QRectF(page.left(), page.top(), page.width() * 0.4, 16 * k)
        right = QRectF(page.left() + page.width() * 0.4, page.top(), page.width() * 0.6, 16 * k)
        for (text_l, text_r), (fl, fr) in zip(
                ((self.doc.issuer[0], self.doc.motto[0]), (self.doc.issuer[1], self.doc.motto[1]),
                 (self.doc.number, self.doc.place_date)),
                (((12, False, False), (12, True, False)), ((12, True, False), (13, True, False)),
                 ((12, False, False), (13, False, True))), strict=True):
            p.setFont(_font(*fl))
            p.drawText(left, Qt.AlignmentFlag.AlignCenter, text_l)
            p.setFont(_font(*fr))
            p.drawText(right, Qt.AlignmentFlag.AlignCenter, text_r)
            left.translate(0, 17 * k)
            right.translate(0, 17 * k)
        y = left.top() + 10 * k
        p.setFont(_font(13, True))
        box = QRectF(page.left(), y, page.width(), 40 * k)
        rect = p.boundingRect(box, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter, t.title)
        p.drawText(box, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter, t.title)
        y += rect.height() + 4 * k
        p.setFont(_font(11, italic=True))
        for line in t.subtitle + ([self.doc.watermark] if self.doc.draft else []):
            p.drawText(QRectF(page.left(), y, page.width(), 14 * k), Qt.AlignmentFlag.AlignCenter, line)
            y += 14 * k
        return y + 6 * k

    def _grid(self, p: QPainter, page: QRectF, t: Table, y: float, k: float, widths: list[float]) -> float:
        xs = [page.left()]
        for w in widths:
            xs.append(xs[-1] + w)
        row_h = 26 * k
        p.setFont(_font(7.5, True))
        for cell in t.header.cells:
            r = QRectF(xs[cell.col], y + cell.row * row_h, xs[cell.col + cell.colspan] - xs[cell.col],
                       row_h * cell.rowspan)
            p.drawRect(r)
            p.drawText(r.adjusted(2, 2, -2, -2), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, cell.text)
        return y + row_h * t.header.depth

    def _table(self, p: QPainter, printer: QPrinter, t: Table) -> None:
        page = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
        page.moveTo(0, 0)
        k = self._pt(printer)
        y = self._head(p, page, t, k)
        raw = [leaf.width if leaf.kind == "text" else 7 for leaf in t.header.leaves]
        widths = [page.width() * r / sum(raw) for r in raw]
        y = self._grid(p, page, t, y, k, widths)
        row_h = 14 * k
        for values, style in zip(t.rows, t.styles, strict=True):
            if y + row_h > page.bottom():
                printer.newPage()
                y = self._grid(p, page, t, page.top(), k, widths)
            p.setFont(_font(8.5, bold=style.split("-")[0] in ("district", "total", "group")))
            x = page.left()
            for w, v, leaf in zip(widths, values, t.header.leaves, strict=True):
                r = QRectF(x, y, w, row_h)
                p.drawRect(r)
                align = Qt.AlignmentFlag.AlignLeft if leaf.kind == "text" else Qt.AlignmentFlag.AlignRight
                p.drawText(r.adjusted(2, 0, -2, 0), align | Qt.AlignmentFlag.AlignVCenter,
                           v if isinstance(v, str) else number_vi(v))
                x += w
            y += row_h


def show_preview(parent: QWidget | None, tables: list[Table], doc: DocInfo, exec_: bool = True
                 ) -> QPrintPreviewDialog:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(_layout(bool(tables) and len(tables[0].header.leaves) > 9))
    dlg = QPrintPreviewDialog(printer, parent)
    dlg.setWindowTitle("Xem trước khi in")
    painter = TablePainter(tables, doc)
    dlg.paintRequested.connect(painter.paint)
    dlg._painter = painter  # keep alive with the dialog
    if exec_:
        dlg.exec()
    return dlg
