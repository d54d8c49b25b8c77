"""Which units, tree, standard and round a report covers (reports.md §1), and the official-document guards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules.standards import (
    Standard,
    periodic_reference_date,
    require_official,
)
from bkdesk.model.rules.units import TREE_2022, TREE_2025, Unit, catalog, tree_on
from bkdesk.model.store import repo_reports
from bkdesk.model.store.repo_standards import standard_for_list_year


@dataclass
class Scope:
    unit: Unit
    tree: str
    review_year: int
    communes: list[Unit]
    reference_date: dt.date
    month: int | None = None  # a regular-review month of review_year (its decisions apply in the same year)

    @property
    def list_year(self) -> int:
        return self.review_year if self.month else self.review_year + 1

    @property
    def period_vi(self) -> str:
        return (f"Rà soát thường xuyên tháng {self.month:02d}/{self.review_year}" if self.month
                else f"Kỳ rà soát năm {self.review_year}")

    @property
    def commune_codes(self) -> list[str]:
        return [u.code for u in self.communes]

    def unit_name(self, unit: Unit) -> str:
        """Name in force on the reference date (type changes, e.g. Xã -> Thị trấn)."""
        if unit.level == "commune":
            try:
                return catalog().period_on(unit.code, self.reference_date).name
            except ValueError:
                return unit.name
        return unit.name

    def districts(self) -> list[Unit]:
        if self.tree != TREE_2022 or self.unit.level == "commune":
            return []
        codes = sorted({u.district_code for u in self.communes if u.district_code})
        return [catalog().get(c, TREE_2022) for c in codes]


def resolve_scope(unit_code: str, review_year: int, tree: str | None = None, month: int | None = None) -> Scope:
    """The scope of a report of review year R (its lists apply from 1 January of R + 1), or of the regular
    review of one month of R (``month``; reference date the 15th, review-process.md §5)."""
    if not 2000 <= int(review_year) <= 2100:
        raise UserError(f"Năm rà soát không hợp lệ: {review_year}.")
    if month is not None and not 1 <= int(month) <= 12:
        raise UserError(f"Tháng không hợp lệ: {month} (từ 1 đến 12).")
    ref = dt.date(review_year, month, 15) if month else periodic_reference_date(review_year + 1)
    period_tree = tree_on(ref)
    if tree and tree != period_tree:
        if tree == TREE_2022:
            raise UserError(f"Số liệu kỳ rà soát năm {review_year} thuộc danh mục đơn vị hành chính 2025; không lập "
                            "báo cáo theo danh mục cũ (2022).")
        raise UserError(f"Danh mục đơn vị hành chính 2025 chưa áp dụng cho kỳ rà soát năm {review_year}.")
    unit = catalog().find(unit_code.strip(), period_tree)
    if unit is None:
        other = catalog().find(unit_code.strip(), TREE_2025 if period_tree == TREE_2022 else TREE_2022)
        hint = f" (mã {unit_code} là đơn vị của danh mục {other.tree})" if other else ""
        raise UserError(f"Không có đơn vị mã {unit_code} trong danh mục {period_tree} áp dụng cho kỳ rà soát năm "
                        f"{review_year}{hint}.")
    return Scope(unit, period_tree, review_year, catalog().communes_under(unit.code, period_tree), ref, month)


def standard_of(conn: sqlite3.Connection, scope: Scope) -> Standard:
    return standard_for_list_year(scope.list_year, conn)


def official_blockers(conn: sqlite3.Connection, scope: Scope, std: Standard, failed_checks: list[str]) -> None:
    """Raise UserError when an official (signed) document must not be produced."""
    require_official(std)
    n = repo_reports.open_conflicts(conn, scope.commune_codes)
    if n:
        raise UserError(f"Còn {n} xung đột đồng bộ chưa giải quyết trong {scope.unit_name(scope.unit)}: phải giải "
                        "quyết hết trước khi lập báo cáo chính thức (có thể xuất bản nháp).")
    if failed_checks:
        raise UserError("Số liệu chưa qua kiểm tra, không lập được văn bản chính thức: " + "; ".join(failed_checks[:5])
                        + ("; …" if len(failed_checks) > 5 else "") + ".")


def form_set_of(std: Standard) -> str:
    if not std.form_set:
        raise UserError(f"Chuẩn nghèo {std.id} chưa có bộ biểu mẫu (chờ văn bản hướng dẫn): chưa lập được báo cáo.")
    return std.form_set
