"""Creating databases: a commune's working database or a district/province merging database."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from bkdesk.errors import UserError
from bkdesk.logs import log_dir  # noqa: F401 (the log folder's one home; callers read it here too)
from bkdesk.model.rules.units import TREE_2022, TREE_2025
from bkdesk.model.rules.units import catalog as units_catalog
from bkdesk.model.store import settings
from bkdesk.model.store.db import open_db, transaction
from bkdesk.model.store.repo_units import seed_units

APP_NAME = "bkdesk"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "bkdesk.sqlite"


def resolve_db_path(given: str | Path | None) -> Path:
    """The database a command or the desk works on: ``--db PATH`` when given, else the default one."""
    return Path(given) if given else default_db_path()


def open_or_create(path: str | Path):
    """Open a database, creating the file (schema and units) when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = open_db(path)
    with transaction(conn):
        seed_units(conn)
    return conn


def init_database(path: str | Path, scope: str, code: str, officer: str = "", force: bool = False,
                  tree: str | None = None):
    """Scope a new database to one commune, or to a district/province for merging.

    ``tree`` is the unit list (2022 or 2025) the code belongs to (units.md §1: each 2025 unit reuses a 2022
    code). The command line and the wizard always pass it (``scope_unit`` refuses an ambiguous code
    without it); library callers that omit it get the 2022 unit, as the demo data and fixtures expect.
    The list is stored with the database and every later command reads it from there.
    """
    path = Path(path)
    unit, tree = _scope_unit(scope, code, tree, prefer=TREE_2022)
    if path.exists() and path.stat().st_size > 0 and not force:
        probe = open_or_create(path)
        try:
            if settings.get(probe, settings.SCOPE):
                raise UserError(f"Cơ sở dữ liệu {path} đã được khởi tạo; chọn tệp khác.")
        finally:
            probe.close()
    conn = open_or_create(path)
    settings.put_many(conn, {settings.SCOPE: scope, settings.SCOPE_CODE: code, settings.TREE: tree,
                             settings.OFFICER: officer})
    settings.installation_id(conn)
    return conn


_LEVEL_VI = {"commune": "xã", "district": "huyện", "province": "tỉnh"}


def scope_unit(scope: str, code: str, tree: str | None = None):
    """(unit, tree) a new database would be scoped to; an ambiguous code without ``tree`` is refused with
    one line naming both units."""
    return _scope_unit(scope, code, tree)


def _scope_unit(scope: str, code: str, tree: str | None = None, prefer: str | None = None):
    """The unit a new database is scoped to, checked before any file is written."""
    if scope not in _LEVEL_VI:
        raise UserError(f"Phạm vi không hợp lệ: {scope}.")
    if tree is not None and tree not in (TREE_2022, TREE_2025):
        raise UserError(f"Danh mục đơn vị phải là {TREE_2022} hoặc {TREE_2025}, không phải {tree}.")
    cat = units_catalog()
    found = [u for u in (cat.find(code, t) for t in (TREE_2022, TREE_2025) if tree in (None, t)) if u is not None]
    if not found:
        where = f" trong danh mục {tree}" if tree else ""
        raise UserError(f"Không có đơn vị hành chính mã {code}{where}.")
    if len(found) > 1 and prefer is not None:
        found = [u for u in found if u.tree == prefer]
    if len(found) > 1:
        both = " và ".join(f"{u.name} (danh mục {u.tree})" for u in found)
        raise UserError(f"Mã {code} có ở cả hai danh mục: {both}; hãy chọn --units 2022 hoặc --units 2025.")
    unit = found[0]
    if unit.level != scope:
        raise UserError(f"Mã {code} ({unit.name}) không phải là đơn vị cấp {_LEVEL_VI[scope]}.")
    return unit, unit.tree


def database_tree(conn) -> str:
    """The unit list (2022 or 2025) of an open database, stored when it was created."""
    return settings.get(conn, settings.TREE) or TREE_2022


def database_tree_for(conn, unit_code: str) -> str | None:
    """The unit list a code means in this database: a commune database's own code is read in the list the
    database was created with (37 codes name one unit in each list); None (the list follows the review
    year) for any other code or database."""
    if settings.get(conn, settings.SCOPE) == "commune" and (unit_code or "").strip() == settings.get(
            conn, settings.SCOPE_CODE):
        return settings.get(conn, settings.TREE) or None
    return None
