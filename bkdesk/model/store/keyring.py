"""The data keys this process has unlocked, by database path (never written anywhere).

A login puts the database's key and the session here; every connection this process then opens on that
file (the desk's threads, background jobs, the command being run) is keyed and knows its user. Backups
of a database are encrypted with its key, so a file in its backup folder finds the key too.
"""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_unlocked: dict[str, tuple[bytes, object]] = {}


def _norm(path: str | Path) -> str:
    return str(Path(path).resolve())


def put(db_path: str | Path, key: bytes, session) -> None:
    with _lock:
        _unlocked[_norm(db_path)] = (key, session)


def forget(db_path: str | Path | None = None) -> None:
    """Forget one database's key (logging out), or all of them."""
    with _lock:
        if db_path is None:
            _unlocked.clear()
        else:
            _unlocked.pop(_norm(db_path), None)


def lookup(db_path: str | Path) -> tuple[bytes, object] | None:
    if str(db_path) == ":memory:":
        return None
    with _lock:
        return _unlocked.get(_norm(db_path))


def key_for(path: str | Path) -> bytes | None:
    """The key of a database, of one of its backups, or of a temporary file beside either."""
    if str(path) == ":memory:":
        return None
    p = Path(path).resolve()
    with _lock:
        found = _unlocked.get(str(p))
        if found:
            return found[0]
        for db, (key, _s) in _unlocked.items():
            d = Path(db)
            if p.parent == d.parent / "backups" / d.stem:
                return key
            if p.parent == d.parent and p.name.startswith((f".{d.name}.", f"{d.stem}.")):
                return key  # atomic_output's temporary file, a copy kept beside it (before a conversion)
    return None


def session_for(db_path: str | Path):
    found = lookup(db_path)
    return found[1] if found else None
