"""Shared packages for the sync tests: built once per session (real commune databases and real files)."""

from __future__ import annotations

import pytest

from tests.export.sync_data import new_commune_db
from tests.export.sync_keys import write_package


@pytest.fixture(scope="session")
def commune_pkg(tmp_path_factory):
    """(commune db path, package path) for Xã Vân Tùng 01954, review year 2022, 12 households."""
    folder = tmp_path_factory.mktemp("commune")
    path = folder / "xa.sqlite"
    conn = new_commune_db(path, "01954", 12, seed=7)
    out, _ = write_package(conn, "01954", 2022, folder)
    conn.close()
    return path, out


@pytest.fixture(scope="session")
def other_district_pkg(tmp_path_factory):
    """A package of Phường Sông Cầu (01837, Thành phố Bắc Kạn 058): outside district 062."""
    folder = tmp_path_factory.mktemp("other")
    conn = new_commune_db(folder / "xa.sqlite", "01837", 3, seed=9)
    out, _ = write_package(conn, "01837", 2022, folder)
    conn.close()
    return out
