"""Numbers and dates the Vietnamese way, for people to read and type: 1.234.567, 26,93 (%), 05/01/2025.

The one home for these: every screen, report, form, package summary and command prints through here.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal


def fmt_int(value: int | None) -> str:
    """1234567 -> "1.234.567"; None -> ""."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def _swap_separators(text: str) -> str:
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def fmt_pct(value: Decimal | float | None, places: int = 2) -> str:
    """26.934 -> "26,93"; None (zero denominator) -> "". Rounds the decimal value (half to even)."""
    if value is None:
        return ""
    return _swap_separators(f"{Decimal(str(value)):,.{places}f}")


def fmt_float(value: float, places: int = 1) -> str:
    """1234.56 -> "1.234,6" (places decimals, comma as decimal mark)."""
    return _swap_separators(f"{value:,.{places}f}")


def number_vi(value) -> str:
    """For documents: 1.234.567 for integers; 12,50 for other numbers (2 decimals); text stays as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return fmt_float(value, 2)
    if isinstance(value, int):
        return fmt_int(value)
    return str(value)


# --- dates ------------------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class DateFormError(ValueError):
    """The text is not written as dd/mm/yyyy."""


class DateNotExistError(ValueError):
    """The text is written as dd/mm/yyyy but names no day of the calendar (31/02/2023)."""


def parse_dmy(text: str) -> dt.date:
    """"05/01/2025" (or "5/1/2025") -> date(2025, 1, 5).

    Raises DateFormError when the text is not in dd/mm/yyyy form and DateNotExistError when it is but the
    day does not exist; both are ValueErrors whose message is one Vietnamese line.
    """
    raw = (text or "").strip()
    m = _DMY.match(raw)
    if not m:
        raise DateFormError(f"Ngày phải có dạng dd/mm/yyyy: '{raw}'.")
    day, month, year = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateNotExistError(f"Ngày không tồn tại: {raw}.") from None


def dmy(value: str | dt.date | None) -> str:
    """dd/mm/yyyy from a date or an ISO date text (a year alone, or text that is no date, stays as it is)."""
    if not value:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value


def dmy_hm(value: dt.datetime) -> str:
    """05/01/2025 14:30."""
    return value.strftime("%d/%m/%Y %H:%M")


def dmy_hms(value: dt.datetime) -> str:
    """05/01/2025 14:30:05."""
    return value.strftime("%d/%m/%Y %H:%M:%S")


def date_vi(d: dt.date) -> str:
    """"ngày 05 tháng 01 năm 2025": days below 10 and months 1-2 take a leading zero (Decree 30/2020)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"
