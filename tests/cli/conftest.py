"""The command-line tests' database is protected, as `bkdesk init` leaves it (the shared ``db`` fixture is a
plain file, which a command would first convert)."""

from __future__ import annotations

import pytest

from tests.cli.protected import protected_database


@pytest.fixture
def db(db_path):
    conn = protected_database(db_path)
    yield conn
    conn.close()
