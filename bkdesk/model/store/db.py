"""Opening the SQLite store and applying recorded migrations (with a backup first)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import sqlite3
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.store import migrations

BUSY_TIMEOUT_MS = 10_000
BACKUPS_KEPT = 10


def connect(path: str | Path) -> sqlite3.Connection:
    """One connection with the house pragmas; no migration. One per thread."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def migration_modules() -> list:
    names = sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name.startswith("m"))
    return [importlib.import_module(f"{migrations.__name__}.{n}") for n in names]


def latest_version() -> int:
    return len(migration_modules())


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def backup_to(conn: sqlite3.Connection, out: str | Path) -> Path:
    """Consistent copy of a live (WAL) database with VACUUM INTO; never a file copy."""
    out = Path(out)
    if out.exists():
        raise UserError(f"Tệp đích đã tồn tại: {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    conn.execute("VACUUM INTO ?", (str(out),))
    return out


def backup_dir_for(db_path: str | Path) -> Path:
    p = Path(db_path)
    return p.parent / "backups" / p.stem


def auto_backup(conn: sqlite3.Connection, db_path: str | Path, reason: str, keep: int = BACKUPS_KEPT) -> Path:
    """Rotating backup next to the database: backups/<name>/<time>-<reason>.sqlite."""
    folder = backup_dir_for(db_path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    out = backup_to(conn, folder / f"{stamp}-{reason}.sqlite")
    old = sorted(folder.glob("*.sqlite"))
    for extra in old[:-keep] if keep else []:
        extra.unlink(missing_ok=True)
    return out


def migrate(conn: sqlite3.Connection, db_path: str | Path | None = None) -> int:
    """Apply pending migrations in order; a non-empty database is backed up first. Returns the version."""
    mods = migration_modules()
    current = schema_version(conn)
    if current > len(mods):
        raise UserError(f"Cơ sở dữ liệu được tạo bởi phiên bản bkdesk mới hơn (lược đồ {current}); "
                        "hãy cập nhật phần mềm.")
    if current == len(mods):
        return current
    has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] > 0
    if db_path is not None and str(db_path) != ":memory:" and has_tables:
        auto_backup(conn, db_path, f"truoc-nang-cap-v{current}")
    for version, mod in enumerate(mods, start=1):
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            mod.apply(conn)
            conn.execute(f"PRAGMA user_version={version}")
            conn.execute("INSERT INTO schema_migration(version, name, applied_at) VALUES (?,?,?)",
                         (version, mod.__name__.rsplit(".", 1)[-1], dt.datetime.now().isoformat(timespec="seconds")))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(mods)


def require_sound(conn: sqlite3.Connection, path: str | Path) -> None:
    """Refuse to work on a damaged file (PRAGMA quick_check), with what to do about it."""
    if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise UserError(f"Tệp cơ sở dữ liệu bị hỏng: {path}. Hãy khôi phục từ bản sao lưu (Tệp > Sao lưu và khôi phục).")


def open_db(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate a bkdesk database."""
    try:
        conn = connect(path)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"Không mở được cơ sở dữ liệu {path}: không phải tệp bkdesk hợp lệ ({exc}).") from exc
    try:
        # Reading the schema rejects a file that is not a database; the full quick_check (1.3 s at
        # 81,480 households) runs before migrations, in `bkdesk check` and in the desk's daily job.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if schema_version(conn) < latest_version():
            require_sound(conn, path)
        migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise UserError(f"Không mở được cơ sở dữ liệu {path}: không phải tệp bkdesk hợp lệ ({exc}).") from exc
    except BaseException:
        conn.close()
        raise
    return conn


class transaction:
    """``with transaction(conn):`` one short write transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
