"""Report layouts as data (reports.md §3-§4): load the form set's templates and expand them into tables.

A layout column is either a leaf (``v``: a value expression, or ``f``: a list field) or a group with
``children``; ``each`` repeats a column per indicator of the standard, per cause of the code list or per
ethnic column of the template, so no count of columns is fixed in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bkdesk.errors import UserError
from bkdesk.model.rules.codelists import CodeLists
from bkdesk.model.rules.datafiles import read_json
from bkdesk.model.rules.standards import Standard
from bkdesk.paths import resource_path

FORMAT = "bkdesk-report-layouts"


@dataclass
class Leaf:
    label: str
    expr: str = ""  # value expression (aggregate reports) or field name (lists)
    kind: str = "count"  # count | rate | text
    width: float = 9


@dataclass
class HeaderCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Header:
    cells: list[HeaderCell] = field(default_factory=list)
    depth: int = 1
    leaves: list[Leaf] = field(default_factory=list)


@lru_cache(maxsize=4)
def load_layouts(form_set: str) -> dict:
    path = resource_path("reports", f"{form_set}.json")
    if not path.is_file():
        raise UserError(f"Không có bộ mẫu báo cáo '{form_set}' cho chuẩn nghèo này.")
    data = read_json(path, UserError, "tệp mẫu báo cáo")
    if data.get("format") != FORMAT or data.get("format_version") != 1:
        raise UserError(f"Tệp mẫu báo cáo {path.name}: sai định dạng.")
    return data


def template(layouts: dict, template_id: str) -> dict:
    for t in layouts["reports"] + layouts["lists"]:
        if t["id"] == template_id:
            return t
    raise UserError(f"Không có mẫu báo cáo '{template_id}'. Các mẫu có: " + ", ".join(template_ids(layouts)) + ".")


def template_ids(layouts: dict) -> list[str]:
    return [t["id"] for t in layouts["reports"] + layouts["lists"]]


def _each_items(kind: str, std: Standard, lists: CodeLists, layouts: dict) -> list[tuple[str, str]]:
    if kind == "indicator":
        return [(i.code, i.label_vi) for i in std.indicators]
    if kind == "cause":
        last = int(layouts["local_cause_other"])  # local causes (codes above it) count under it
        return [(c["code"], c.get("short_vi") or c["label_vi"]) for c in lists.items("causes")
                if c["code"].isdigit() and int(c["code"]) <= last]
    if kind == "ethnic":
        labels = {e["code"]: e["label_vi"] for e in lists.items("ethnic_groups")}
        labels.update(layouts.get("ethnic_column_labels", {}))  # the template's own column names (reports.md §3)
        return [(c, labels.get(c, c)) for c in layouts["ethnic_columns"]]
    raise UserError(f"Mẫu báo cáo: kiểu lặp cột '{kind}' không hợp lệ.")


def expand(columns: list[dict], std: Standard, lists: CodeLists, layouts: dict) -> list[dict]:
    """Replace ``each`` columns by one column per item (a group keeps its label above them)."""
    out = []
    for col in columns:
        if "each" in col:
            items = [{"label": (col["label"] if col["label"] == "{label}" else "{label}").replace("{label}", lab),
                      "v": col["v"].replace("{code}", code)} for code, lab in _each_items(col["each"], std, lists,
                                                                                         layouts)]
            out.extend(items if col["label"] == "{label}" else [{"label": col["label"], "children": items}])
        elif "children" in col:
            out.append({**col, "children": expand(col["children"], std, lists, layouts)})
        else:
            out.append(col)
    return out


def _depth(cols: list[dict]) -> int:
    return max((1 + _depth(c["children"]) if "children" in c else 1) for c in cols) if cols else 0


def _width(col: dict) -> int:
    return sum(_width(c) for c in col["children"]) if "children" in col else 1


def build_header(fixed: list[Leaf], columns: list[dict], pair_unit: str | None = None) -> Header:
    """Merged header cells: fixed columns span every header row; groups span their leaves."""
    depth = max(_depth(columns), 1)
    header = Header(depth=depth)
    for i, leaf in enumerate(fixed):
        header.cells.append(HeaderCell(0, i, leaf.label, rowspan=depth))
        header.leaves.append(leaf)

    def walk(cols: list[dict], row: int, col0: int) -> int:
        c = col0
        for col in cols:
            if "children" in col:
                w = _width(col)
                header.cells.append(HeaderCell(row, c, col["label"], colspan=w))
                walk(col["children"], row + 1, c)
                c += w
            else:
                header.cells.append(HeaderCell(row, c, col["label"], rowspan=depth - row))
                expr = col.get("v") or col.get("f") or ""
                if pair_unit:
                    expr = expr.replace("{u}", pair_unit)
                kind = "rate" if expr.startswith("rate:") else ("count" if "v" in col else "text")
                header.leaves.append(Leaf(col["label"], expr, kind, col.get("w", 9)))
                c += 1
        return c

    walk(columns, 0, len(fixed))
    return header
