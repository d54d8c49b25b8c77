"""PDF page furniture after Decree 30/2020 (reports.md §7) on a reportlab canvas, with the shipped TTF.

A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; the two-column header (issuing body | national
motto), the signature block, page numbers from the second page centred at the top, and the draft
watermark. Drawing is done by hand (no platypus) so a batch of thousands of pages stays fast.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bkdesk.export.reports.official import DocInfo
from bkdesk.paths import resource_path

R, B, I, BI = "BK-Regular", "BK-Bold", "BK-Italic", "BK-BoldItalic"  # noqa: E741 (regular, bold, italic, bold italic)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
PORTRAIT, LANDSCAPE = A4, landscape(A4)
# Compressed streams stay binary: ASCII85 re-encoding cost ~10 % of a form batch (pure-Python rl_accel).
rl_config.useA85 = 0


@lru_cache(maxsize=1)
def register_fonts() -> None:
    # Liberation Serif: metric-compatible with Times New Roman (Decree 30/2020), SIL OFL, Vietnamese glyphs.
    files = {R: "LiberationSerif-Regular.ttf", B: "LiberationSerif-Bold.ttf", I: "LiberationSerif-Italic.ttf",
             BI: "LiberationSerif-BoldItalic.ttf"}
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    pdfmetrics.registerFontFamily(R, normal=R, bold=B, italic=I, boldItalic=BI)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap by measured width (long words are cut)."""
    return list(_wrap(text, font, size, max_width))


@lru_cache(maxsize=8192)  # labels repeat on every page of a batch
def _wrap(text: str, font: str, size: float, max_width: float) -> tuple[str, ...]:
    out: list[str] = []
    for para in (text or "").split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if width(trial, font, size) <= max_width:
                line = trial
                continue
            if line:
                out.append(line)
            while width(word, font, size) > max_width and len(word) > 1:
                cut = len(word)
                while cut > 1 and width(word[:cut], font, size) > max_width:
                    cut -= 1
                out.append(word[:cut])
                word = word[cut:]
            line = word
        out.append(line)
    return tuple(out)


MIN_SIZE = 9.0  # no printed text below 9 pt: shrink to this floor, then continue on the next line


@lru_cache(maxsize=8192)
def fit_size(text: str, font: str, size: float, max_width: float, smallest: float = MIN_SIZE) -> float:
    while size > smallest and width(text, font, size) > max_width:
        size -= 0.5
    return size


@lru_cache(maxsize=8192)
def fit_lines(text: str, font: str, size: float, max_width: float, smallest: float = MIN_SIZE
              ) -> tuple[float, tuple[str, ...]]:
    """Lay ``text`` out in ``max_width``: one line at ``size``, else shrunk down to ``smallest``, else wrapped
    at ``smallest`` (every line measured to fit)."""
    fs = fit_size(text, font, size, max_width, smallest)
    if width(text, font, fs) <= max_width:
        return fs, (text,)
    return fs, _wrap(text, font, fs, max_width)


class Page:
    """A canvas with the frame of the current page and helpers to place text by rows."""

    def __init__(self, path: str, pagesize=PORTRAIT, title: str = "", compress: bool = True):
        register_fonts()
        self.c = Canvas(str(path), pagesize=pagesize, pageCompression=1 if compress else 0)
        self.c.setTitle(title)
        self.c.setAuthor("bkdesk")
        self.set_size(pagesize)
        self.page_no = 1
        self.number_pages = True
        self.watermark = ""

    def set_size(self, pagesize) -> None:
        self.w, self.h = pagesize
        self.c.setPageSize(pagesize)
        self.left, self.right = MARGIN_LEFT, self.w - MARGIN_RIGHT
        self.top, self.bottom = self.h - MARGIN_TOP, MARGIN_BOTTOM

    @property
    def text_width(self) -> float:
        return self.right - self.left

    def start(self) -> None:
        """Call once a page's content is about to be drawn (watermark below the content)."""
        if self.watermark:
            self.draw_watermark(self.watermark)
        if self.number_pages and self.page_no > 1:
            self.c.setFont(R, 11)
            self.c.drawCentredString(self.w / 2, self.h - 12 * mm, str(self.page_no))

    def new_page(self, pagesize=None) -> None:
        self.c.showPage()
        self.page_no += 1
        if pagesize is not None:
            self.set_size(pagesize)
        self.start()

    def save(self) -> None:
        self.c.showPage()
        self.c.save()

    def draw_watermark(self, text: str) -> None:
        c = self.c
        c.saveState()
        c.setFillGray(0.85)
        c.setFont(B, 30)
        c.translate(self.w / 2, self.h / 2)
        c.rotate(35)
        c.drawCentredString(0, 0, text)
        c.restoreState()

    def text(self, x: float, y: float, s: str, font: str = R, size: float = 12) -> None:
        self.c.setFont(font, size)
        self.c.drawString(x, y, s)

    def centred(self, x: float, y: float, s: str, font: str = R, size: float = 12) -> None:
        self.c.setFont(font, size)
        self.c.drawCentredString(x, y, s)

    def paragraph(self, x: float, y: float, s: str, max_width: float, font: str = R, size: float = 12,
                  leading: float | None = None) -> float:
        leading = leading or size * 1.35
        self.c.setFont(font, size)
        for line in wrap(s, font, size, max_width):
            self.c.drawString(x, y, line)
            y -= leading
        return y

    def official_head(self, doc: DocInfo, y: float | None = None, left_share: float = 0.42) -> float:
        """Issuing body (left) and national motto (right); returns the y below the block."""
        c = self.c
        y = self.top - 10 if y is None else y
        lw = self.text_width * left_share
        lx, rx = self.left + lw / 2, self.left + lw + (self.text_width - lw) / 2
        size_m = fit_size(doc.motto[0], B, 12.5, self.text_width - lw)
        self.centred(lx, y, doc.issuer[0], R, 12.5)
        self.centred(rx, y, doc.motto[0], B, size_m)
        y2 = y - 15
        issuer = doc.issuer[1]
        self.centred(lx, y2, issuer, B, fit_size(issuer, B, 12.5, lw - 4))
        self.centred(rx, y2, doc.motto[1], B, 13)
        rule = width(doc.motto[1], B, 13)
        c.setLineWidth(0.6)
        c.line(rx - rule / 2, y2 - 3, rx + rule / 2, y2 - 3)
        short = min(width(issuer, B, 12.5), lw) / 3
        c.line(lx - short / 2, y2 - 3, lx + short / 2, y2 - 3)
        y3 = y2 - 22
        if doc.number:
            self.centred(lx, y3, doc.number, R, 12.5)
        self.centred(rx, y3, doc.place_date, I, fit_size(doc.place_date, I, 13, self.text_width - lw))
        return y3 - 26

    def motto_centred(self, doc: DocInfo, y: float | None = None) -> float:
        """National motto centred over the page (forms a citizen signs carry no issuing body)."""
        y = self.top - 10 if y is None else y
        cx = self.left + self.text_width / 2
        self.centred(cx, y, doc.motto[0], B, 13)
        self.centred(cx, y - 16, doc.motto[1], B, 13.5)
        rule = width(doc.motto[1], B, 13.5)
        self.c.setLineWidth(0.6)
        self.c.line(cx - rule / 2, y - 19, cx + rule / 2, y - 19)
        return y - 44

    @staticmethod
    def row_height(widths: list[float], cells: list[str], font: str = R, size: float = 9, least: float = 0
                   ) -> float:
        """Height of a grid_row whose cells may wrap to several lines."""
        n = max((len(fit_lines(s, font, size, w - 4)[1]) for w, s in zip(widths, cells, strict=False) if s),
                default=1)
        return least if n == 1 and least else max(least, n * size * 1.15 + 4)

    def signature(self, doc: DocInfo, y: float, left_title: str = "", left_name: str = "",
                  right: list[str] | None = None, right_name: str = "", note: str = "(Ký, ghi rõ họ tên, đóng dấu)"
                  ) -> float:
        right = doc.signature if right is None else right
        half = self.text_width / 2
        lx, rx = self.left + half / 2, self.left + half + half / 2
        yy = y
        if left_title:
            self.centred(lx, yy, left_title, B, 12)
            self.centred(lx, yy - 14, "(Ký, ghi rõ họ tên)", I, 11)
        for line in right:
            self.centred(rx, yy, line, B, 12)
            yy -= 14
        self.centred(rx, yy, note, I, 11)
        name_y = yy - 60
        low = name_y
        for x, name in ((lx, left_name), (rx, right_name or doc.signer_name)):
            if name:  # a long name shrinks to 9 pt, then continues on a second line, inside its half
                fs, lines = fit_lines(name, B, 12, half - 8)
                for k, line in enumerate(lines):
                    self.centred(x, name_y - k * (fs + 2), line, B, fs)
                low = min(low, name_y - (len(lines) - 1) * (fs + 2))
        return low - 16

    @staticmethod
    def signature_height(right_lines: int = 2) -> float:
        """Height a signature block takes below its first line (names on up to two lines)."""
        return right_lines * 14 + 60 + 11 + 16

    def grid_row(self, x: float, y: float, widths: list[float], height: float, cells: list[str],
                 font: str = R, size: float = 9, align: list[str] | None = None) -> None:
        """One table row of bordered cells; text shrunk to fit down to 9 pt, then wrapped (see row_height)."""
        c = self.c
        c.setLineWidth(0.5)
        xx = x
        total = sum(widths)
        path = c.beginPath()  # one path for the row's borders: far fewer operators than a rect per cell
        path.rect(x, y - height, total, height)
        for w in widths[:-1]:
            xx += w
            path.moveTo(xx, y)
            path.lineTo(xx, y - height)
        c.drawPath(path, stroke=1, fill=0)
        xx = x
        for i, (w, s) in enumerate(zip(widths, cells, strict=False)):
            if s:
                fs, lines = fit_lines(s, font, size, w - 4)
                a = align[i] if align else "l"
                c.setFont(font, fs)
                lead = fs * 1.15
                ty = y - height / 2 + (len(lines) - 1) * lead / 2 - fs * 0.35
                for line in lines:
                    if a == "c":
                        c.drawCentredString(xx + w / 2, ty, line)
                    elif a == "r":
                        c.drawRightString(xx + w - 2, ty, line)
                    else:
                        c.drawString(xx + 2, ty, line)
                    ty -= lead
            xx += w
