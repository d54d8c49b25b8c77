"""Code lists as data (households.md §3, §4, §8–§10), one file per standard version.

Causes, support needs, household groups (with derivation rule types), relationships, education,
water sources, latrines, devices, labour statuses, school levels, ethnic groups: all editable data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.rules.datafiles import read_json
from bkdesk.model.rules.indicators import flag, present_members
from bkdesk.paths import resource_path

FORMAT = "bkdesk-codelists"
REQUIRED_LISTS = ("causes", "support_needs", "household_groups", "relationships", "sexes", "labour_statuses",
                  "general_education", "vocational_qualifications", "school_levels", "water_sources",
                  "latrine_types", "info_devices", "ethnic_groups")
HEAD_CODE = "chu_ho"  # relation_to_head code of the household head in the shipped relationships list


class CodeListError(UserError):
    pass


@dataclass(frozen=True)
class CodeLists:
    standard_id: str
    lists: dict[str, list[dict]]

    def items(self, name: str) -> list[dict]:
        try:
            return self.lists[name]
        except KeyError:
            raise CodeListError(f"Không có danh mục '{name}'.") from None

    def codes(self, name: str) -> list[str]:
        return [i["code"] for i in self.items(name)]

    def label(self, name: str, code: str, lang: str = "vi") -> str:
        for i in self.items(name):
            if i["code"] == code:
                return i["label_en" if lang == "en" else "label_vi"]
        raise CodeListError(f"Mã '{code}' không có trong danh mục '{name}'.")

    def requires_text(self, name: str, code: str) -> bool:
        return any(i["code"] == code and i.get("requires_text") for i in self.items(name))


def validate_codelists(data, source: str) -> None:
    errs: list[str] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("format_version") != 1:
        raise CodeListError(f"Tệp danh mục {source}: sai định dạng (cần '{FORMAT}' phiên bản 1).")
    lists = data.get("lists")
    if not isinstance(lists, dict):
        raise CodeListError(f"Tệp danh mục {source}: thiếu trường 'lists'.")
    for name in REQUIRED_LISTS:
        if name not in lists:
            errs.append(f"thiếu danh mục '{name}'")
    for name, items in lists.items():
        if not isinstance(items, list):
            errs.append(f"'{name}' phải là danh sách")
            continue
        seen = set()
        for n, item in enumerate(items):
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item.get(k)
                                                     for k in ("code", "label_vi", "label_en")):
                errs.append(f"'{name}[{n}]' thiếu code/label_vi/label_en")
                continue
            if item["code"] in seen:
                errs.append(f"mã '{item['code']}' bị trùng trong '{name}'")
            seen.add(item["code"])
            if name == "household_groups" and item.get("rule_type") not in GROUP_RULES:
                errs.append(f"'{name}[{n}].rule_type' không được hỗ trợ: {item.get('rule_type')!r}")
    if errs:
        raise CodeListError(f"Tệp danh mục {source} không hợp lệ: " + "; ".join(errs) + ".")


def load_codelists_file(path: str | Path) -> CodeLists:
    path = Path(path)
    data = read_json(path, CodeListError, "tệp danh mục")
    validate_codelists(data, path.name)
    return CodeLists(data.get("standard_id") or path.stem, data["lists"])


@lru_cache(maxsize=8)
def codelists(standard_id: str) -> CodeLists:
    """The shipped code lists of a standard version."""
    return load_codelists_file(resource_path("codelists", f"{standard_id}.json"))


# --- household groups (§10) ----------------------------------------------------------------------

def head_of(members: Iterable[Mapping]) -> Mapping | None:
    heads = [m for m in members if m.get("relation_to_head") == HEAD_CODE]
    return heads[0] if len(heads) == 1 else None


def _any_member_flag(p, members, head):
    values = [flag(m.get(p["field"])) for m in members]
    return True if True in values else (None if None in values else False)


def _no_member_flag(p, members, head):
    v = _any_member_flag(p, members, head)
    return None if v is None else not v


def _head_value_in(p, members, head):
    if head is None or head.get(p["field"]) in (None, ""):
        return None
    return head.get(p["field"]) in p["values"]


def _head_value_not_in(p, members, head):
    v = _head_value_in(p, members, head)
    return None if v is None else not v


GROUP_RULES = {"any_member_flag": _any_member_flag, "no_member_flag": _no_member_flag,
               "head_value_in": _head_value_in, "head_value_not_in": _head_value_not_in}


def derive_groups(lists: CodeLists, roster: Iterable[Mapping], reference_date: dt.date) -> dict[str, bool | None]:
    """Each group flag from the present members (None when the data do not decide it)."""
    members = present_members(roster, reference_date)
    head = head_of(members)
    return {g["code"]: GROUP_RULES[g["rule_type"]](g.get("params") or {}, members, head)
            for g in lists.items("household_groups")}


def final_groups(derived: Mapping[str, bool | None],
                 overrides: Mapping[str, tuple[bool, str]] | None = None) -> dict[str, bool | None]:
    """Officer overrides {code: (value, reason)}; a reason is mandatory when the value differs."""
    out = dict(derived)
    for code, (value, reason) in (overrides or {}).items():
        if code not in derived:
            raise UserError(f"Nhóm đối tượng không hợp lệ: '{code}'.")
        if value != derived[code] and not (reason or "").strip():
            raise UserError(f"Nhóm đối tượng '{code}': phải ghi lý do khi thay đổi giá trị tự tính.")
        out[code] = bool(value)
    return out
