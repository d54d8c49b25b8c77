"""Plan targets (plan-2022.md annex): per unit and year, households, poor at start, start rate, the target
reduction as a rate or as households, and the target end rate, with the published rounding rules.

Rules (plan-2022.md, checked against every cell of the 2022 annex):
- start rate = poor / households x 100, rounded half up to 2 decimals;
- target given as a rate: households = households x rate / 100 rounded half up; the rate is kept as given;
- target given as households: rate = target households / households x 100 rounded to 2 decimals;
- end rate = start rate - rate reduction;
- the total row sums the household columns and recomputes every rate from the sums.
Decimal arithmetic throughout: binary floats turn 254.525 into 254.52499... and round it down.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.rules.text import clean_text
from bkdesk.paths import resource_path

INPUT_COLUMNS = ("code", "name", "households", "poor", "target_rate_pct", "target_households")
# The output adds these; target_rate_pct / target_households are then both filled (no duplicate headers).
OUTPUT_COLUMNS = INPUT_COLUMNS + ("poor_rate_pct", "end_rate_pct")
TOTAL_CODE = "TOTAL"
TOTAL_LABEL = "Tổng số"
SHIPPED_YEARS = {2022: ("plans", "plan-2022-inputs.csv")}
PUBLISHED = {2022: ("plans", "plan-targets-2022.csv")}
_CENT = Decimal("0.01")
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


def round2(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def round_int(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole x 100 to 2 decimals; None for a zero denominator (the cell stays empty)."""
    return round2(Decimal(part) * 100 / Decimal(whole)) if whole else None


@dataclass(frozen=True)
class TargetInput:
    code: str
    name: str
    households: int
    poor: int
    target_rate_pct: Decimal | None = None  # exactly one of these two is given
    target_households: int | None = None


@dataclass(frozen=True)
class TargetRow:
    code: str
    name: str
    households: int
    poor: int
    poor_rate_pct: Decimal | None
    target_households: int
    target_rate_pct: Decimal | None
    end_rate_pct: Decimal | None
    given_as: str  # "rate" | "households" | "total"
    given_rate_pct: Decimal | None = None
    given_households: int | None = None

    def output_values(self) -> dict:
        """The CLI contract row (OUTPUT_COLUMNS), as text."""
        return {"code": self.code, "name": self.name, "households": str(self.households), "poor": str(self.poor),
                "target_rate_pct": _fmt(self.target_rate_pct), "target_households": str(self.target_households),
                "poor_rate_pct": _fmt(self.poor_rate_pct), "end_rate_pct": _fmt(self.end_rate_pct)}


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def compute_row(inp: TargetInput) -> TargetRow:
    _check_input(inp)
    start = rate(inp.poor, inp.households)
    if inp.target_rate_pct is not None:
        reduction = round2(inp.target_rate_pct)
        households = round_int(Decimal(inp.households) * inp.target_rate_pct / 100)
        given = "rate"
    else:
        households = int(inp.target_households)
        reduction = rate(households, inp.households)
        given = "households"
    end = start - reduction if start is not None and reduction is not None else None
    return TargetRow(inp.code, inp.name, inp.households, inp.poor, start, households, reduction, end, given,
                     inp.target_rate_pct, inp.target_households)


def total_row(rows: list[TargetRow], code: str, name: str) -> TargetRow:
    """Sums of the household columns; rates recomputed from the sums, never averaged."""
    households = sum(r.households for r in rows)
    poor = sum(r.poor for r in rows)
    target = sum(r.target_households for r in rows)
    start, reduction = rate(poor, households), rate(target, households)
    end = start - reduction if start is not None and reduction is not None else None
    return TargetRow(code, name, households, poor, start, target, reduction, end, "total")


def compute_table(inputs: list[TargetInput], total_code: str = TOTAL_CODE, total_name: str = TOTAL_LABEL
                  ) -> list[TargetRow]:
    """Unit rows in input order, then the total row."""
    if not inputs:
        raise UserError("Bảng chỉ tiêu không có đơn vị nào.")
    seen: set[str] = set()
    for i in inputs:
        if i.code in seen:
            raise UserError(f"Mã đơn vị {i.code} xuất hiện hai lần trong bảng chỉ tiêu.")
        seen.add(i.code)
    rows = [compute_row(i) for i in inputs]
    return rows + [total_row(rows, total_code, total_name)]


def _check_input(inp: TargetInput) -> None:
    where = f"Đơn vị {inp.code or '?'}"
    if not inp.code:
        raise UserError("Thiếu mã đơn vị trong bảng chỉ tiêu.")
    if inp.households <= 0:
        raise UserError(f"{where}: tổng số hộ phải lớn hơn 0.")
    if not 0 <= inp.poor <= inp.households:
        raise UserError(f"{where}: số hộ nghèo phải từ 0 đến tổng số hộ.")
    if (inp.target_rate_pct is None) == (inp.target_households is None):
        raise UserError(f"{where}: ghi đúng một trong hai cột chỉ tiêu: tỷ lệ giảm (%) hoặc số hộ giảm.")
    if inp.target_rate_pct is not None and not 0 <= inp.target_rate_pct <= 100:
        raise UserError(f"{where}: tỷ lệ giảm phải từ 0 đến 100 (%).")
    if inp.target_households is not None and not 0 <= inp.target_households <= inp.poor:
        raise UserError(f"{where}: số hộ giảm phải từ 0 đến số hộ nghèo.")


# --- reading inputs -------------------------------------------------------------------------------

def _int(text: str, what: str, line: int) -> int:
    t = (text or "").strip()
    if _THOUSANDS.fullmatch(t):  # 12.035 written the Vietnamese way
        t = t.replace(".", "")
    if not (t.isascii() and t.isdigit()) or len(t) > 15:  # "1²" is a digit to str.isdigit, not to int()
        raise UserError(f"Dòng {line}: {what} phải là số nguyên không âm (đọc được «{text[:40]}»).")
    return int(t)


def _dec(text: str, what: str, line: int) -> Decimal:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        raise UserError(f"Dòng {line}: {what} phải là số (đọc được «{text[:40]}»).") from None
    if not value.is_finite() or len(str(text).strip()) > 30:
        raise UserError(f"Dòng {line}: {what} phải là số (đọc được «{text[:40]}»).")
    return value


def input_from_values(values: dict, line: int) -> TargetInput:
    rate_text = (values.get("target_rate_pct") or "").strip()
    hh_text = (values.get("target_households") or "").strip()
    inp = TargetInput(
        code=(clean_text(values.get("code") or "") or "").strip(),
        name=(clean_text(values.get("name") or "") or "").strip(),
        households=_int(values.get("households") or "", "tổng số hộ", line),
        poor=_int(values.get("poor") or "", "số hộ nghèo", line),
        target_rate_pct=_dec(rate_text, "tỷ lệ giảm", line) if rate_text else None,
        target_households=_int(hh_text, "số hộ giảm", line) if hh_text else None)
    try:
        _check_input(inp)
    except UserError as exc:
        raise UserError(f"Dòng {line}: {exc}") from None
    return inp


def read_inputs_csv(path: str | Path) -> list[TargetInput]:
    """The CLI input file: UTF-8 CSV with the header ``code,name,households,poor,target_rate_pct,
    target_households``; one of the last two empty per row."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"Không tìm thấy tệp {path}.") from None
    except UnicodeDecodeError:
        raise UserError(f"Tệp {Path(path).name} không phải CSV mã UTF-8.") from None
    if "\x00" in text:
        raise UserError(f"Tệp {Path(path).name} không phải tệp CSV văn bản.")
    return inputs_from_rows(list(csv.reader(io.StringIO(text))), Path(path).name)


def inputs_from_rows(rows: list[list[str]], name: str) -> list[TargetInput]:
    """Inputs from CSV rows (header first); the reader of people's files is bkdesk.fileio.read_csv_rows."""
    header = [h.strip() for h in (rows[0] if rows else [])]
    if tuple(header) != INPUT_COLUMNS:
        raise UserError("Dòng tiêu đề phải là: " + ",".join(INPUT_COLUMNS)
                        + f" (đọc được: {','.join(header)[:200]}).")
    out = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(INPUT_COLUMNS):
            raise UserError(f"Dòng {line}: cần {len(INPUT_COLUMNS)} cột, có {len(cells)}.")
        out.append(input_from_values(dict(zip(INPUT_COLUMNS, cells, strict=True)), line))
    if not out:
        raise UserError(f"Tệp {name} không có dòng số liệu nào.")
    return out


def shipped_inputs(year: int) -> list[TargetInput]:
    if year not in SHIPPED_YEARS:
        raise UserError(f"Không có kế hoạch giảm nghèo năm {year} đi kèm phần mềm "
                        f"(có: {', '.join(map(str, sorted(SHIPPED_YEARS)))}).")
    return read_inputs_csv(resource_path(*SHIPPED_YEARS[year]))


def published_table(year: int) -> list[dict[str, str]]:
    """The annex exactly as published (for checks and tests)."""
    with open(resource_path(*PUBLISHED[year]), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def total_identity(codes: list[str], catalog=None) -> tuple[str, str]:
    """Total row code and label: the common parent unit of all codes when there is one, else TOTAL."""
    from bkdesk.model.rules.units import TREE_2022, TREE_2025
    from bkdesk.model.rules.units import catalog as units_catalog

    cat = catalog or units_catalog()
    for tree in (TREE_2022, TREE_2025):
        units = [cat.find(c, tree) for c in codes]
        parents = {u.parent_code for u in units if u is not None}
        if all(units) and len(parents) == 1 and None not in parents:
            parent = cat.get(parents.pop(), tree)
            return parent.code, f"{TOTAL_LABEL} ({parent.name[:1].lower()}{parent.name[1:]})"
    return TOTAL_CODE, TOTAL_LABEL


def table_for_inputs(inputs: list[TargetInput]) -> list[TargetRow]:
    code, name = total_identity([i.code for i in inputs])
    return compute_table(inputs, code, name)


def shipped_table(year: int) -> list[TargetRow]:
    return table_for_inputs(shipped_inputs(year))


