"""The xlsx print setup that keeps the workbook quick to print in LibreOffice (issue 19) without changing what
Excel prints: a fixed scale at which the columns fit the page width, an explicit print area, a height written on
every data row (tall enough for its wrapped text), a Times New Roman Normal style. Read back with openpyxl."""

from __future__ import annotations

import re

import openpyxl
import pytest

from bkdesk.export.service import REPORTS_15, export
from tests.export.builders import COMMUNE, YEAR
from tests.export.render.test_print_quality import LONG_NAME, make_long_names

PRINTABLE_PT = (297 / 25.4 - 1.18 - 0.59) * 72  # landscape A4 between the 30 mm and 15 mm side margins


def _widths_pt(ws) -> tuple[float, float]:
    """Total column width in points as Excel draws it (7-pixel digit plus padding, whole pixels at 96 dpi) and
    as LibreOffice does (stored width times half an em of 11 pt Liberation Serif)."""
    stored = []
    for dim in ws.column_dimensions.values():
        stored += [dim.width] * (dim.max - dim.min + 1)
    return sum(round(w * 7) * 0.75 for w in stored), sum(w * 5.5 for w in stored)


@pytest.fixture
def workbooks(db, tmp_path):
    make_long_names(db)
    return [export(db, "all", COMMUNE, YEAR, tmp_path / "bc.xlsx"), export(db, "ds_ngheo", COMMUNE, YEAR,
                                                                         tmp_path / "ds.xlsx")]


def test_sheets_print_at_a_fixed_scale_that_fits_the_width_within_an_explicit_print_area(workbooks):
    for path in workbooks:
        wb = openpyxl.load_workbook(path)
        assert wb._named_styles["Normal"].font.name == "Times New Roman"  # column widths in its digits
        # no font tagged as the theme's (Excel would draw it in the theme font, Calibri, whatever its name)
        assert all(font.scheme in (None, "none") for font in wb._fonts), [f.scheme for f in wb._fonts]
        sheets = [ws for ws in wb.worksheets if ws.title != "meta"]
        assert sheets and (path.name != "bc.xlsx" or [ws.title for ws in sheets] == list(REPORTS_15))
        for ws in sheets:
            setup = ws.page_setup
            assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage), ws.title
            assert setup.orientation == "landscape" and setup.paperSize == 9
            excel, libre = _widths_pt(ws)
            scale = int(setup.scale or 100)  # xlsxwriter leaves out the default 100
            assert 10 <= scale <= 100
            assert max(excel, libre) * scale / 100 <= PRINTABLE_PT, ws.title  # one page wide in both
            assert max(excel, libre) * min(scale + 3, 100) / 100 > PRINTABLE_PT or scale == 100, ws.title  # not much smaller
            last_col = openpyxl.utils.get_column_letter(ws.max_column)
            assert ws.print_area == [f"'{ws.title}'!$A$1:${last_col}${ws.max_row}"] or \
                ws.print_area == f"'{ws.title}'!$A$1:${last_col}${ws.max_row}", ws.print_area
            assert ws.print_title_rows and ws.freeze_panes and ws.merged_cells.ranges
            assert ws.oddHeader.center.text == "&P"
            assert ws.page_margins.left == pytest.approx(1.18) and ws.page_margins.right == pytest.approx(0.59)


def test_every_data_row_has_a_written_height_that_holds_its_wrapped_text(workbooks):
    wb = openpyxl.load_workbook(workbooks[0])
    long_rows = 0
    for ws in (wb[name] for name in REPORTS_15):
        titles_end = int(re.findall(r"\d+", ws.print_title_rows)[-1])  # the column-number row
        first, last = titles_end + 1, ws.max_row - 4  # then a blank row and the three signature rows
        assert last >= first, ws.title
        for r in range(first, last + 1):
            dim = ws.row_dimensions[r]
            assert dim.customHeight and dim.height >= 15.75, (ws.title, r)
            if any(c.value == LONG_NAME for c in ws[r]):
                # 60 characters of a name in a column about 24 digits wide: three lines of 11 pt
                assert dim.height >= 3 * 15.75, (ws.title, r, dim.height)
                long_rows += 1
    assert long_rows  # the long name is listed (r15 lists every member of a poor household)
