"""The merge report as an xlsx workbook (one row per package, then the possible duplicate families)."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from bkdesk.export.sync.merge import CATEGORIES, CATEGORY_VI, STATUS_VI, MergeReport

HEADER = ("Tệp", "Đơn vị", "Năm rà soát", "Kết quả", *(CATEGORY_VI[c] for c in CATEGORIES),
          CATEGORY_VI["duplicates"], "Hộ thêm mới", "Hộ cập nhật", "Lý do / ghi chú")


def report_rows(report: MergeReport) -> list[tuple[str, ...]]:
    """One row of text per package, shared by the screen and the xlsx file."""
    rows = []
    for r in report.results:
        unit = f"{r.unit_name} ({r.unit_code})" if r.unit_code else ""
        rows.append((r.file, unit, r.round, STATUS_VI[r.status], *(str(r.counts[c]) for c in CATEGORIES),
                     str(len(r.duplicates)), str(r.households["added"]), str(r.households["updated"]), r.message))
    return rows


def write_report(report: MergeReport, out: str | Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Báo cáo nhập")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 26)
    ws.set_column(len(HEADER) - 1, len(HEADER) - 1, 80)
    for c, text in enumerate(HEADER):
        ws.write_string(0, c, text, bold)
    for r, row in enumerate(report_rows(report), start=1):
        for c, value in enumerate(row):
            if 4 <= c < len(HEADER) - 1:
                ws.write_number(r, c, int(value))
            else:
                ws.write_string(r, c, value)
    ds = wb.add_worksheet("Hộ có thể trùng")
    for c, text in enumerate(("Tệp", "Số CCCD", "Mã hộ trong gói", "Mã hộ đã có")):
        ds.write_string(0, c, text, bold)
    n = 1
    for res in report.results:
        for id_number, hh, other in res.duplicates:
            for c, value in enumerate((res.file, id_number, hh, other)):
                ds.write_string(n, c, value)
            n += 1
    wb.close()
    return out
