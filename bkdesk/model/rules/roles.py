"""Roles and what each may do (households.md §16: a login with roles). Data, not code paths: the store's
``access.require`` checks an operation's permission against the logged-in user's roles."""

from __future__ import annotations

from dataclasses import dataclass

# What an operation needs. Reading is open to every active user of the database.
EDIT = "edit"            # enter and edit households, members and reviews
CONFIRM = "confirm"      # confirm entries (draft -> confirmed), reopen them
ROUND = "round"          # open/close a round, village meetings, posting, complaints
EXPORT = "export"        # send packages, export data
PRINT = "print"          # print lists, forms and reports
DECIDE = "decide"        # record the commune's decision
UNLOCK = "unlock"        # unlock a finalised round
MERGE = "merge"          # merge packages from the level below
CONFLICTS = "conflicts"  # resolve merge conflicts and duplicates
SETUP = "setup"          # standards, points tables, plan targets, unit conversion, trusted keys
USERS = "users"          # users and roles
QUERY = "query"          # read-only SQL over the database

PERMISSION_LABELS = {
    EDIT: "nhập và sửa hộ, phiếu rà soát",
    CONFIRM: "xác nhận phiếu",
    ROUND: "điều hành đợt rà soát (họp thôn, niêm yết)",
    EXPORT: "xuất dữ liệu (gói gửi cấp trên, mẫu nhập liệu có dữ liệu)",
    PRINT: "in danh sách, biểu mẫu, báo cáo",
    DECIDE: "ghi quyết định công nhận",
    UNLOCK: "mở khoá đợt đã chốt",
    MERGE: "gộp gói dữ liệu cấp dưới",
    CONFLICTS: "xử lý xung đột, hộ trùng",
    SETUP: "thiết lập chuẩn, bảng điểm, chỉ tiêu, khoá tin cậy",
    USERS: "quản lý người dùng",
    QUERY: "truy vấn SQL chỉ đọc",
}


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    levels: frozenset[str]      # database scopes the role exists at
    permissions: frozenset[str]


COMMUNE = frozenset({"commune"})
ABOVE = frozenset({"district", "province"})
ALL_LEVELS = COMMUNE | ABOVE

ROLES: dict[str, Role] = {r.code: r for r in (
    Role("ra_soat_vien", "Rà soát viên", COMMUNE, frozenset({EDIT})),
    Role("can_bo_giam_ngheo_xa", "Cán bộ giảm nghèo xã", COMMUNE, frozenset({CONFIRM, ROUND, EXPORT, PRINT})),
    Role("lanh_dao_xa", "Lãnh đạo xã", COMMUNE, frozenset({DECIDE, UNLOCK, PRINT})),
    Role("can_bo_tong_hop", "Cán bộ tổng hợp", ABOVE, frozenset({MERGE, CONFLICTS, PRINT, EXPORT, QUERY})),
    Role("quan_tri", "Quản trị", ALL_LEVELS, frozenset({USERS, SETUP, QUERY})),
)}


def roles_of_level(level: str | None) -> list[Role]:
    """The roles a database of this scope has (an unscoped database: all of them)."""
    return [r for r in ROLES.values() if level is None or level in r.levels]


def first_user_roles(level: str | None) -> list[str]:
    """The first user of a database holds every role of its level (issue: init and demo create it)."""
    return [r.code for r in roles_of_level(level)]


def permissions_of(codes) -> frozenset[str]:
    out: set[str] = set()
    for c in codes:
        role = ROLES.get(c)
        if role is not None:
            out |= role.permissions
    return frozenset(out)


def roles_with(permission: str, level: str | None = None) -> list[Role]:
    return [r for r in roles_of_level(level) if permission in r.permissions]


def parse_roles(text: str, level: str | None) -> list[str]:
    """Role codes from a comma list (codes or Vietnamese labels, any case); unknown or foreign-level
    roles raise ValueError with a line naming the valid ones."""
    from bkdesk.model.rules.text import search_key

    by_key = {}
    for r in ROLES.values():
        by_key[r.code] = r
        by_key[search_key(r.label).replace(" ", "_")] = r
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        role = by_key.get(search_key(part).replace(" ", "_")) or by_key.get(part)
        if role is None or (level is not None and level not in role.levels):
            valid = ", ".join(f"{r.code} ({r.label})" for r in roles_of_level(level))
            raise ValueError(f"Vai trò không hợp lệ: {part}. Các vai trò của cơ sở dữ liệu này: {valid}.")
        if role.code not in out:
            out.append(role.code)
    if not out:
        raise ValueError("Cần ít nhất một vai trò.")
    return out


def role_labels(codes) -> str:
    return ", ".join(ROLES[c].label for c in codes if c in ROLES)
