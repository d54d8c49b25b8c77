"""Numbers the Vietnamese way for people to read: 1.500.000 and 26,93 (%)."""

from __future__ import annotations

from decimal import Decimal


def fmt_int(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")


def fmt_pct(value: Decimal | float | None, places: int = 2) -> str:
    """26.934 -> "26,93"; None (zero denominator) -> ""."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):,.{places}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
