"""The one SQLite driver of the product: SQLCipher (``sqlcipher3``), SQLite with page encryption.

Every module imports ``sqlite3`` from here, never the standard library's: the exception classes and the
``Row`` type of the two drivers are distinct, and a database opened by one cannot be caught with the other's
errors. SQLCipher opens a plain SQLite file like SQLite does when no key is given (plain files are met
only to convert them, and in tests that build fixtures below the login).
"""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3

__all__ = ["Connection", "sqlite3"]

# The driver binds str, int and float directly, but sends None, bool and bytes through its adaptation
# protocol, which looks for __adapt__/__conform__ and builds (then discards) an AttributeError for each
# value: about 0.8 µs per value, 3.2 s of a province merge's 4 million NULL cells. An adapter registered for
# the exact type is found first; each returns the value the driver binds natively (NULL, 0/1, the bytes).
sqlite3.register_adapter(type(None), {}.get)  # {}.get(None) is None, called in C
sqlite3.register_adapter(bool, int)
sqlite3.register_adapter(bytes, bytes)  # bytes(b) is b for an exact bytes object


class Connection(sqlite3.Connection):
    """A connection that knows who opened it: ``session`` (the logged-in user, or None on a plain file)
    and ``keyed`` (the file is encrypted)."""

    session = None
    keyed = False
    data_key = None
