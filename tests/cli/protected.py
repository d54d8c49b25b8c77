"""A protected database made the way a user makes one (`bkdesk init`): the first user (the test user, every
role of the level) logged in, its key file beside it. The command-line tests work on these: a command
opens an encrypted database by logging in, as on any day after the first."""

from __future__ import annotations

from pathlib import Path

from bkdesk.model.store.databases import init_database
from bkdesk.model.store.users import abandon_protected, begin_protected, finish_protected
from tests.conftest import TEST_COMMUNE, TEST_PASSWORD, TEST_USER


def protected_database(path: str | Path, scope: str = "commune", code: str = TEST_COMMUNE,
                       officer: str = "Cán bộ kiểm thử", user: str = TEST_USER, password: str = TEST_PASSWORD):
    """The open connection of a new encrypted database at ``path``, logged in as ``user``."""
    prot = begin_protected(path, user, password, officer)
    try:
        conn = init_database(path, scope, code, officer=officer)
        finish_protected(prot, conn)
    except BaseException:
        abandon_protected(prot)
        raise
    return conn


def protect(path: str | Path, user: str = TEST_USER, password: str = TEST_PASSWORD):
    """Convert a plain database (a fixture built below the login) as its first open would, and remove the
    plain copy kept aside: the file is then like any protected one, with ``user`` logged in."""
    from bkdesk.model.store import users

    conv = users.convert_plain(path, user, password)
    users.remove_plain(conv)
    return conv.session
