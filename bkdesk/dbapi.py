"""The one SQLite driver of the product: SQLCipher (``sqlcipher3``), SQLite with page encryption.

Every module imports ``sqlite3`` from here, never the standard library's: the exception classes and the
``Row`` type of the two drivers are distinct, and a database opened by one cannot be caught with the other's
errors. SQLCipher opens a plain SQLite file like SQLite does when no key is given (plain files are met
only to convert them, and in tests that build fixtures below the login).
"""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3

__all__ = ["Connection", "sqlite3"]


class Connection(sqlite3.Connection):
    """A connection that knows who opened it: ``session`` (the logged-in user, or None on a plain file)
    and ``keyed`` (the file is encrypted)."""

    session = None
    keyed = False
    data_key = None
