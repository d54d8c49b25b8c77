"""Creating databases: a commune's working database or a district/province merging database."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from bkdesk.errors import UserError
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


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def open_or_create(path: str | Path):
    """Open a database, creating the file (schema and units) when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = open_db(path)
    with transaction(conn):
        seed_units(conn)
    return conn


def init_database(path: str | Path, scope: str, code: str, officer: str = "", force: bool = False):
    """Scope a new database to one commune, or to a district/province for merging."""
    path = Path(path)
    unit, tree = _scope_unit(scope, code)
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


def _scope_unit(scope: str, code: str):
    """The unit a new database is scoped to, checked before any file is written."""
    if scope not in _LEVEL_VI:
        raise UserError(f"Phạm vi không hợp lệ: {scope}.")
    cat = units_catalog()
    for tree in (TREE_2022, TREE_2025):
        unit = cat.find(code, tree)
        if unit is not None:
            if unit.level != scope:
                raise UserError(f"Mã {code} ({unit.name}) không phải là đơn vị cấp {_LEVEL_VI[scope]}.")
            return unit, tree
    raise UserError(f"Không có đơn vị hành chính mã {code}.")
