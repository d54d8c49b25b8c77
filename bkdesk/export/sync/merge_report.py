"""The merge report as an xlsx workbook: one row per package (with who sent it: officer, installation,
key fingerprint), then every conflict field by field, every possible duplicate family and every rejection."""

from __future__ import annotations

from pathlib import Path

from bkdesk.export.render.xlsx import xlsx_output
from bkdesk.export.sync.conflicts import TABLE_VI
from bkdesk.export.sync.merge import CATEGORIES, CATEGORY_VI, REJECTED, STATUS_VI, MergeReport

HEADER = ("Tệp", "Đơn vị", "Năm rà soát", "Kết quả", *(CATEGORY_VI[c] for c in CATEGORIES),
          CATEGORY_VI["duplicates"], "Hộ thêm mới", "Hộ cập nhật", "Lý do / ghi chú", "Người gửi (máy, khóa)")
NUMERIC = range(4, 4 + len(CATEGORIES) + 3)
CONFLICT_HEADER = ("Tệp", "Hộ (mã – chủ hộ)", "Loại bản ghi", "Trường", "Giá trị tại máy này", "Giá trị nhập vào",
                   "Nguồn bản tại máy này", "Nguồn bản nhập vào")


def _sender(r) -> str:
    if not r.fingerprint:
        return ""
    return f"{r.officer or '(không rõ)'} (máy {r.installation[:8]}, khóa {r.fingerprint})"


def report_rows(report: MergeReport) -> list[tuple[str, ...]]:
    """One row of text per package, shared by the screen and the xlsx file."""
    rows = []
    for r in report.results:
        unit = f"{r.unit_name} ({r.unit_code})" if r.unit_code else ""
        rows.append((r.file, unit, r.round, STATUS_VI[r.status], *(str(r.counts[c]) for c in CATEGORIES),
                     str(len(r.duplicates)), str(r.households["added"]), str(r.households["updated"]), r.message,
                     _sender(r)))
    return rows


def conflict_rows(report: MergeReport) -> list[tuple[str, ...]]:
    """Every conflicting field of every package: household, record kind, field, both values, both origins."""
    return [(r.file, c.household, TABLE_VI.get(c.table, c.table), c.field, c.local, c.incoming, c.local_origin,
             c.incoming_origin) for r in report.results for c in r.conflicts]


def write_report(report: MergeReport, out: str | Path) -> Path:
    out = Path(out)
    with xlsx_output(out, {"strings_to_numbers": False, "strings_to_formulas": False,
                           "strings_to_urls": False}) as wb:  # written whole or not at all
        _fill_report(report, wb)
    return out


def _fill_report(report: MergeReport, wb) -> None:
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Báo cáo nhập")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 26)
    ws.set_column(len(HEADER) - 2, len(HEADER) - 2, 80)
    ws.set_column(len(HEADER) - 1, len(HEADER) - 1, 50)
    for c, text in enumerate(HEADER):
        ws.write_string(0, c, text, bold)
    for r, row in enumerate(report_rows(report), start=1):
        for c, value in enumerate(row):
            if c in NUMERIC:
                ws.write_number(r, c, int(value))
            else:
                ws.write_string(r, c, value)
    _table(wb, bold, "Xung đột", CONFLICT_HEADER, conflict_rows(report), (0, 1, 4, 5, 6, 7))
    _table(wb, bold, "Hộ có thể trùng", ("Tệp", "Số CCCD", "Mã hộ trong gói", "Mã hộ đã có"),
           [(res.file, *d) for res in report.results for d in res.duplicates], (0,))
    _table(wb, bold, "Gói bị từ chối", ("Tệp", "Lý do"),
           [(r.file, r.message) for r in report.results if r.status == REJECTED], (0, 1))


def _table(wb, bold, name: str, header, rows, wide) -> None:
    ws = wb.add_worksheet(name)
    for c in wide:
        ws.set_column(c, c, 36)
    for c, text in enumerate(header):
        ws.write_string(0, c, text, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, "" if value is None else str(value))
