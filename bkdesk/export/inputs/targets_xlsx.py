"""The plan-targets table as xlsx in the layout of the plan's annex (write, and read back for import)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.export.render.xlsx import xlsx_output
from bkdesk.export.sync.file_guard import read_workbook_isolated
from bkdesk.limits import limit
from bkdesk.model.rules.targets import TargetInput, TargetRow, compute_table, input_from_values

SHEET = "Chi tieu"
GIVEN_LABELS = {"rate": "tỷ lệ", "households": "số hộ", "total": ""}
HEADER_FIRST = "STT"
N_COLS = 10


def _headers(year: int) -> list[str]:
    return ["STT", "Mã đơn vị", "Đơn vị", f"Tổng số hộ đầu năm {year}", f"Số hộ nghèo đầu năm {year}",
            f"Tỷ lệ hộ nghèo đầu năm {year} (%)", "Số hộ thoát nghèo", "Tỷ lệ giảm (%)",
            f"Tỷ lệ hộ nghèo cuối năm {year} (%)", "Chỉ tiêu giao theo"]


def write_targets_xlsx(rows: list[TargetRow], year: int, path: str | Path, source: str = "") -> Path:
    """Title, two header rows (the target block merged), column numbers, unit rows, the total row."""
    path = Path(path)
    with xlsx_output(path) as wb:  # written whole or not at all
        _fill(rows, year, wb, source)
    return path


def _fill(rows: list[TargetRow], year: int, wb, source: str) -> None:
    ws = wb.add_worksheet(SHEET)
    title = wb.add_format({"bold": True, "align": "center", "font_size": 13})
    head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                          "border": 1})
    num = wb.add_format({"border": 1, "num_format": "#,##0"})
    pct = wb.add_format({"border": 1, "num_format": "0.00"})
    text = wb.add_format({"border": 1})
    bold = {k: wb.add_format({**v, "bold": True}) for k, v in
            {"num": {"border": 1, "num_format": "#,##0"}, "pct": {"border": 1, "num_format": "0.00"},
             "text": {"border": 1}}.items()}
    ws.merge_range(0, 0, 0, N_COLS - 1, f"CHỈ TIÊU GIẢM TỶ LỆ HỘ NGHÈO NĂM {year}", title)
    ws.merge_range(1, 0, 1, N_COLS - 1, source or "", wb.add_format({"italic": True, "align": "center"}))
    h = _headers(year)
    for c in range(6):
        ws.merge_range(3, c, 4, c, h[c], head)
    ws.merge_range(3, 6, 3, 8, f"Chỉ tiêu giảm năm {year}", head)
    for c in range(6, 9):
        ws.write_string(4, c, h[c], head)
    ws.merge_range(3, 9, 4, 9, h[9], head)
    for c in range(N_COLS):
        ws.write_string(5, c, f"({c + 1})", head)
    for i, r in enumerate(rows):
        line = 6 + i
        f = bold if r.given_as == "total" else {"num": num, "pct": pct, "text": text}
        if r.given_as == "total":
            ws.write_blank(line, 0, None, f["text"])
        else:
            ws.write_number(line, 0, i + 1, f["num"])
        ws.write_string(line, 1, r.code, f["text"])
        ws.write_string(line, 2, r.name, f["text"])
        ws.write_number(line, 3, r.households, f["num"])
        ws.write_number(line, 4, r.poor, f["num"])
        for col, value in ((5, r.poor_rate_pct), (7, r.target_rate_pct), (8, r.end_rate_pct)):
            if value is None:
                ws.write_blank(line, col, None, f["pct"])
            else:
                ws.write_number(line, col, float(value), f["pct"])
        ws.write_number(line, 6, r.target_households, f["num"])
        ws.write_string(line, 9, GIVEN_LABELS[r.given_as], f["text"])
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 9)
    ws.set_column(2, 2, 26)
    ws.set_column(3, 9, 13)
    ws.set_row(4, 45)


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def read_targets_xlsx(path: str | Path, year: int) -> list[TargetInput]:
    """Inputs of a table in the annex layout; the computed cells must agree with the recomputation.

    The file is guarded and read in a child process (file_guard.read_workbook_isolated)."""
    name = Path(path).name
    return inputs_from_sheet(read_targets_rows(path), year, name)


def read_targets_rows(path: str | Path) -> list[list]:
    """The first sheet's cells of an untrusted targets workbook (guarded, read in a child process)."""
    names, data = read_workbook_isolated(path, None, UserError, max_cells=limit("targets", "max_sheet_cells"),
                                         max_bytes=limit("targets", "max_file_bytes"), skip_empty_area=False)
    if not names:
        raise UserError(f"Tệp {Path(path).name} không có trang tính nào.")
    rows = data[names[0]]
    if len(rows) > limit("targets", "max_units") + 20:
        raise UserError(f"Tệp {Path(path).name} có {len(rows)} dòng; giới hạn {limit('targets', 'max_units')} đơn vị.")
    return rows


def year_of_sheet(rows: list[list]) -> int | None:
    """The plan year written in the header («Tổng số hộ đầu năm 2022»), if any."""
    import re

    for r in rows[:20]:
        for c in r:
            m = re.search(r"đầu năm (\d{4})", _cell_text(c))
            if m:
                return int(m.group(1))
    return None


def inputs_from_sheet(rows: list[list], year: int, name: str) -> list[TargetInput]:
    start = next((i for i, r in enumerate(rows) if r and _cell_text(r[0]) == HEADER_FIRST), None)
    if start is None or len(rows[start]) < N_COLS or _cell_text(rows[start][3]) != _headers(year)[3]:
        raise UserError(f"Tệp {name} không đúng mẫu bảng chỉ tiêu giảm nghèo năm {year}.")
    inputs, published = [], []
    for n, r in enumerate(rows[start + 3:], start=start + 4):
        cells = [_cell_text(c) for c in (list(r) + [""] * N_COLS)[:N_COLS]]
        if not any(cells):
            continue
        if not cells[0]:  # the total row ends the units
            published.append(cells)
            break
        given = cells[9]
        if given not in ("tỷ lệ", "số hộ"):
            raise UserError(f"Dòng {n}: cột «Chỉ tiêu giao theo» phải là «tỷ lệ» hoặc «số hộ».")
        values = {"code": cells[1], "name": cells[2], "households": cells[3], "poor": cells[4],
                  "target_rate_pct": cells[7] if given == "tỷ lệ" else "",
                  "target_households": cells[6] if given == "số hộ" else ""}
        inputs.append(input_from_values(values, n))
        published.append(cells)
    if not inputs:
        raise UserError(f"Tệp {name} không có dòng đơn vị nào.")
    _check_agrees(compute_table(inputs, published[-1][1], published[-1][2]), published, name)
    return inputs


def read_targets_file(path: str | Path, year: int | None) -> tuple[list, int]:
    """Inputs and year of a people-authored targets file (.csv: comma or semicolon, UTF-8; .xlsx: annex)."""
    from bkdesk.fileio import read_csv_rows
    from bkdesk.model.rules import targets

    path = Path(path)
    kind = path.suffix.lower()
    if kind == ".xlsx":
        rows = read_targets_rows(path)
        year = year or year_of_sheet(rows)
        if year is None:
            raise UserError(f"Không thấy năm kế hoạch trong tệp {path.name}; hãy ghi --year NAM.")
        return inputs_from_sheet(rows, year, path.name), year
    if kind != ".csv":
        raise UserError(f"Tệp chỉ tiêu phải có đuôi .csv hoặc .xlsx (đọc được «{path.suffix}»).")
    rows = read_csv_rows(path, limit("targets", "max_file_bytes"), limit("targets", "max_units"),
                         limit("targets", "max_line_chars"))
    return targets.inputs_from_rows(rows, path.name), year


def preview_lines(inputs: list[TargetInput], year: int) -> list[str]:
    """What the officer checks before confirming an import (the desk and the command line show it)."""
    from bkdesk.model.rules import targets
    from bkdesk.model.rules.fmt import fmt_int, fmt_pct

    rows = targets.table_for_inputs(inputs)
    out = [f"Chỉ tiêu giảm nghèo năm {year}: {len(inputs)} đơn vị"]
    for r in rows:
        out.append(f"{r.code} {r.name}: {fmt_int(r.households)} hộ, {fmt_int(r.poor)} hộ nghèo "
                   f"({fmt_pct(r.poor_rate_pct)}%) -> giảm {fmt_int(r.target_households)} hộ, còn "
                   f"{fmt_pct(r.end_rate_pct)}%")
    return out


def _check_agrees(rows: list[TargetRow], published: list[list[str]], name: str) -> None:
    if len(published) != len(rows):
        raise UserError(f"Tệp {name}: thiếu dòng tổng số.")
    for r, cells in zip(rows, published, strict=True):
        expect = [str(r.households), str(r.poor), _pct(r.poor_rate_pct), str(r.target_households),
                  _pct(r.target_rate_pct), _pct(r.end_rate_pct)]
        got = [cells[3], cells[4], _pct(cells[5]), cells[6], _pct(cells[7]), _pct(cells[8])]
        if expect != got:
            raise UserError(f"Tệp {name}: số liệu của «{cells[2]}» không khớp với cách tính của kế hoạch "
                            "(tệp có thể đã bị sửa tay).")


def _pct(v) -> str:
    if v in (None, ""):
        return ""
    try:
        return f"{Decimal(str(v)):.2f}"
    except Exception:
        return str(v)
