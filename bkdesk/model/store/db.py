"""Opening the SQLite store and applying recorded migrations (with a backup first)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import pkgutil
from pathlib import Path

from bkdesk.dbapi import Connection, sqlite3
from bkdesk.errors import UserError
from bkdesk.fileio import atomic_output, os_error_message
from bkdesk.model.store import keyring, migrations

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
BACKUPS_KEPT = 10
APPLICATION_ID = 0x424B4453  # "BKDS" in the SQLite header (migration m0005 writes it)
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _quiet_sqlcipher() -> None:
    """SQLCipher logs every page that fails its HMAC to stderr (about 200 lines for one damaged file): the
    product says it in one line itself. The level is process-wide."""
    probe = sqlite3.connect(":memory:")
    probe.execute("PRAGMA cipher_log_level = NONE")
    probe.close()


_quiet_sqlcipher()


class DatabaseFileError(UserError):
    """A file that bkdesk refuses to open as its database; ``kind`` says which next step fits.

    kinds: "not_bkdesk" (choose another file), "damaged" (restore a backup), "newer" (update the app),
    "readonly" / "missing" / "locked" (choose another place or close the other program).
    """

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def inspect_file(path: str | Path) -> None:
    """Refuse, without opening it with SQLite (so without changing a byte), a file that is not a bkdesk
    database: a zero-byte or text file, another application's SQLite, a truncated file, a newer version's
    database. A path that does not exist passes (a new database is created there)."""
    p = Path(path)
    if str(path) == ":memory:" or not p.exists():
        return
    if is_encrypted_file(p):
        if keyring.key_for(p) is None:
            raise DatabaseFileError(f"Cơ sở dữ liệu {p.name} được mã hoá: cần đăng nhập (tên người dùng và mật "
                                    "khẩu) để mở.", "encrypted")
        return  # an encrypted header is random bytes: what it holds is checked once the key opens it
    if p.is_dir():
        raise DatabaseFileError(f"{p} là một thư mục, không phải tệp cơ sở dữ liệu.", "not_bkdesk")
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise DatabaseFileError(os_error_message(exc, p), "readonly") from None
    if size == 0:
        raise DatabaseFileError(f"Tệp {p.name} rỗng (0 byte), không phải cơ sở dữ liệu bkdesk; hãy chọn tệp khác "
                                "hoặc khôi phục từ bản sao lưu.", "not_bkdesk")
    if not head.startswith(_SQLITE_MAGIC):
        raise DatabaseFileError(f"Tệp {p.name} không phải cơ sở dữ liệu bkdesk (không phải tệp SQLite); "
                                "hãy chọn tệp khác.", "not_bkdesk")
    if len(head) < 100:
        raise DatabaseFileError(f"Tệp cơ sở dữ liệu {p.name} bị cắt cụt ({size} byte); hãy khôi phục từ bản sao "
                                "lưu.", "damaged")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    user_version = int.from_bytes(head[60:64], "big")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id not in (0, APPLICATION_ID):
        raise DatabaseFileError(f"Tệp {p.name} là cơ sở dữ liệu của một phần mềm khác, không phải bkdesk; "
                                "hãy chọn tệp khác.", "not_bkdesk")
    if user_version > latest_version() and app_id == APPLICATION_ID:
        raise DatabaseFileError(f"Cơ sở dữ liệu {p.name} được tạo bởi phiên bản bkdesk mới hơn (lược đồ "
                                f"{user_version}); hãy cập nhật phần mềm.", "newer")
    wal = Path(f"{p}-wal")
    if page_size >= 512 and pages and size < page_size * pages and not (wal.exists() and wal.stat().st_size):
        raise DatabaseFileError(f"Tệp cơ sở dữ liệu {p.name} bị cắt cụt ({size} byte, cần {page_size * pages} "
                                "byte): có thể do chép dở hoặc ổ đĩa đầy; hãy khôi phục từ bản sao lưu.", "damaged")
    if app_id != APPLICATION_ID:  # an earlier bkdesk, or not ours: look, read-only, before anything writes
        try:
            probe = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise open_error(exc, p) from None
        try:
            _check_marked(probe, p)
        except sqlite3.Error as exc:
            raise open_error(exc, p) from None
        finally:
            probe.close()


def is_encrypted_file(path: str | Path) -> bool:
    """A non-empty file that is not plain SQLite but has bkdesk's key file beside it (an encrypted
    database, or a backup of one in its backup folder)."""
    p = Path(path)
    try:
        size = p.stat().st_size if p.is_file() else 0
        if size < 100:
            return False
        with open(p, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    if head.startswith(_SQLITE_MAGIC):
        return False
    from bkdesk.model.store.keyfile import keyfile_path

    if keyfile_path(p).exists() or keyring.key_for(p) is not None or p.parent.parent.name == "backups":
        return True
    # Its key file lost (copied without it): whole 4 KiB pages of random-looking bytes (SQLCipher's salt and
    # ciphertext), not text. The login then says the key file is missing and the recovery key opens it.
    return size % 4096 == 0 and not _is_text(head)


def _is_text(head: bytes) -> bool:
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            head[:len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_marked(conn: sqlite3.Connection, path: str | Path) -> None:
    """After connecting: a file without our application_id must be an earlier bkdesk (schema_migration
    agreeing with user_version); anything else is refused before a migration touches it."""
    if conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
        return
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = schema_version(conn)
    if not tables and version == 0:
        return  # nothing in it yet: a database being created
    name = Path(str(path)).name
    if "schema_migration" not in tables or version == 0:
        raise DatabaseFileError(f"Tệp {name} là cơ sở dữ liệu SQLite của phần mềm khác ({len(tables)} bảng), "
                                "không phải bkdesk; không mở, không thay đổi. Hãy chọn tệp khác.", "not_bkdesk")
    recorded = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migration").fetchone()[0]
    if recorded != version:
        raise DatabaseFileError(f"Tệp {name} có bảng lược đồ không khớp (ghi {recorded}, tệp {version}): không "
                                "phải cơ sở dữ liệu bkdesk nguyên vẹn; hãy khôi phục từ bản sao lưu.", "damaged")


def _check_folder(path: str | Path) -> None:
    """A database lives in a folder bkdesk can write (SQLite's -wal and -shm files sit beside it)."""
    if str(path) == ":memory:":
        return
    p = Path(path)
    folder = p.parent
    if not folder.exists():
        raise DatabaseFileError(f"Không tìm thấy thư mục {folder}.", "missing")
    if not os.access(folder, os.W_OK):
        raise DatabaseFileError(f"Thư mục chỉ đọc: {folder}. bkdesk cần ghi được vào thư mục chứa cơ sở dữ liệu; "
                                "hãy chép tệp sang thư mục khác (ví dụ Tài liệu) rồi mở lại.", "readonly")
    if p.exists() and not os.access(p, os.W_OK):
        raise DatabaseFileError(f"Tệp cơ sở dữ liệu {p.name} chỉ cho đọc; hãy bỏ thuộc tính chỉ đọc hoặc chép "
                                "sang thư mục khác.", "readonly")


def _disk_nearly_full(path: str | Path) -> bool:
    """SQLite reports a full disk as an I/O error when it cannot grow its -shm/-wal files."""
    import shutil

    try:
        return shutil.disk_usage(Path(path).parent).free < 1024 ** 2
    except OSError:
        return False


def sqlite_error_message(exc: sqlite3.Error, path: str | Path | None = None) -> str:
    """One Vietnamese line for an SQLite error a user can meet: locked, disk full, read-only, damaged."""
    text = str(exc).lower()
    where = f" {path}" if path else ""
    if path and ("disk i/o" in text or "unable to open" in text) and _disk_nearly_full(path):
        text = "disk is full"
    if "locked" in text or "busy" in text:
        return (f"Cơ sở dữ liệu{where} đang được dùng bởi một thao tác khác (ví dụ đang gộp gói dữ liệu hoặc một "
                "cửa sổ bkdesk khác); hãy đợi thao tác đó xong rồi làm lại.")
    if "disk is full" in text or "database or disk is full" in text:
        return "Ổ đĩa đã đầy: không ghi được cơ sở dữ liệu; dữ liệu cũ vẫn nguyên. Hãy giải phóng dung lượng rồi làm lại."
    if "readonly" in text or "read-only" in text:
        return f"Thư mục chỉ đọc hoặc tệp chỉ đọc: không ghi được cơ sở dữ liệu{where}."
    if "unable to open" in text:
        return f"Không mở được cơ sở dữ liệu{where}: thư mục không tồn tại hoặc không có quyền ghi."
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return f"Tệp cơ sở dữ liệu{where} bị hỏng; hãy khôi phục từ bản sao lưu (Tệp > Sao lưu và khôi phục)."
    if "disk i/o" in text:
        return f"Lỗi đọc/ghi ổ đĩa với cơ sở dữ liệu{where} (ổ đĩa đầy, hỏng hoặc USB vừa bị rút)."
    return f"Lỗi cơ sở dữ liệu{where}: {exc}."


def connect(path: str | Path, key: bytes | None = None) -> Connection:
    """One connection with the house pragmas; no migration. One per thread.

    An encrypted database is keyed with ``key`` or with the key this process unlocked for the file (a
    login); the connection then carries the logged-in session."""
    if key is None:
        key = keyring.key_for(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=True, factory=Connection)
    if key is not None:
        apply_key(conn, key)
        conn.session = keyring.session_for(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def apply_key(conn: Connection, key: bytes) -> None:
    """Key a fresh connection (raw 256-bit key: no passphrase derivation on each open). Temporary tables and
    sort files stay in memory: SQLCipher does not encrypt them."""
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA temp_store=MEMORY")
    # Every page read from the file is decrypted and its HMAC checked: a larger page cache (32 MiB instead
    # of SQLite's 2 MiB) keeps the household list's and the editor's pages decrypted between keystrokes
    # (81,480 households: search 82 -> 51 ms, save 53 -> 27 ms; 64 MiB gained nothing more and cost the
    # template import's 300 MB budget ~50 MB).
    conn.execute("PRAGMA cache_size=-32768")
    conn.keyed = True
    conn.data_key = key


def open_file_readonly(path: str | Path, key: bytes | None = None, immutable: bool = False) -> Connection:
    """A read-only look at a database file or a backup, keyed when it is encrypted (a plain file, such as a
    backup from before the database was encrypted, opens without the key)."""
    p = Path(path)
    mode = "immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(f"{p.resolve().as_uri()}?{mode}", uri=True, factory=Connection)
    try:
        with open(p, "rb") as f:
            plain = f.read(16).startswith(_SQLITE_MAGIC)
    except OSError:
        plain = True
    key = key if key is not None else keyring.key_for(p)
    if not plain and key is not None:
        apply_key(conn, key)
    return conn


def attach(conn: Connection, path: str | Path, alias: str) -> None:
    """ATTACH another bkdesk database (outside a transaction), keyed with its own key: SQLCipher would
    otherwise use the main database's key. An encrypted file this process has not unlocked is refused."""
    p = Path(path)
    with open(p, "rb") as f:
        plain = f.read(16).startswith(_SQLITE_MAGIC)
    key = None if plain else keyring.key_for(p)
    if not plain and key is None:
        raise UserError(f"Cơ sở dữ liệu {p.name} được mã hoá: cần đăng nhập vào tệp đó trước.")
    conn.execute("ATTACH DATABASE ? AS " + alias + " KEY ?", (str(p), f"x'{key.hex()}'" if key else ""))


def migration_modules() -> list:
    names = sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name.startswith("m"))
    return [importlib.import_module(f"{migrations.__name__}.{n}") for n in names]


def latest_version() -> int:
    return len(migration_modules())


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def verify_copy(path: Path, key: bytes | None = None) -> None:
    """A database copy is complete: it opens (with the database's key when encrypted), passes quick_check
    and has the household table."""
    if path.stat().st_size == 0:  # SQLite calls an empty file a sound, empty database
        raise UserError(f"Bản sao lưu {path.name} rỗng (0 byte); không giữ lại.")
    try:
        probe = open_file_readonly(path, key)
        try:
            ok = probe.execute("PRAGMA quick_check").fetchone()[0]
            if not probe.execute("SELECT 1 FROM sqlite_master WHERE name='schema_migration'").fetchone():
                ok = "không có bảng lược đồ bkdesk"
        finally:
            probe.close()
    except sqlite3.Error as exc:
        raise UserError(f"Bản sao lưu vừa ghi không đọc được ({exc}); không giữ lại.") from None
    if ok != "ok":
        raise UserError(f"Bản sao lưu vừa ghi không qua kiểm tra toàn vẹn ({ok}); không giữ lại.")


def backup_to(conn: sqlite3.Connection, out: str | Path) -> Path:
    """Consistent copy of a live (WAL) database with VACUUM INTO; never a file copy. Written to a temporary
    file, verified (opens, quick_check), then renamed: a full disk never leaves a partial copy."""
    out = Path(out)
    if out.exists():
        raise UserError(f"Tệp đích đã tồn tại: {out}")
    try:
        key = getattr(conn, "data_key", None)
        with atomic_output(out, verify=lambda p: verify_copy(p, key), overwrite=False) as tmp:
            conn.execute("VACUUM INTO ?", (str(tmp),))
    except sqlite3.Error as exc:
        raise UserError("Không sao lưu được: " + sqlite_error_message(exc)) from None
    return out


def backup_dir_for(db_path: str | Path) -> Path:
    p = Path(db_path)
    return p.parent / "backups" / p.stem


def auto_backup(conn: sqlite3.Connection, db_path: str | Path, reason: str, keep: int = BACKUPS_KEPT) -> Path:
    """Rotating backup next to the database: backups/<name>/<time>-<reason>.sqlite."""
    folder = backup_dir_for(db_path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    out = backup_to(conn, folder / f"{stamp}-{reason}.sqlite")  # verified before it gets its name
    rotate_backups(folder, keep, getattr(conn, "data_key", None))
    log.info("backup (%s) written: %s", reason, out)
    return out


def _readable_backup(path: Path, key: bytes | None = None) -> bool:
    try:
        verify_copy(path, key)
    except UserError:
        return False
    return True


def rotate_backups(folder: Path, keep: int = BACKUPS_KEPT, key: bytes | None = None) -> None:
    """Keep the ``keep`` newest backups that open and pass quick_check; older ones go. A damaged or empty
    file never counts towards ``keep`` (it is not a backup), so it can never push out a good one; it is
    removed only once ``keep`` good ones are newer."""
    import time

    for part in folder.glob(".*.part"):  # a copy cut short by a power cut or a killed process
        try:
            if time.time() - part.stat().st_mtime > 3600:
                part.unlink()
        except OSError:
            pass
    if not keep:
        return
    good = 0
    for p in sorted(folder.glob("*.sqlite"), reverse=True):  # newest first (names start with the time)
        if good >= keep:
            p.unlink(missing_ok=True)
        elif _readable_backup(p, key):
            good += 1


def migrate(conn: sqlite3.Connection, db_path: str | Path | None = None) -> int:
    """Apply pending migrations in order; a non-empty database is backed up first. Returns the version."""
    mods = migration_modules()
    current = schema_version(conn)
    if current > len(mods):
        raise DatabaseFileError(f"Cơ sở dữ liệu được tạo bởi phiên bản bkdesk mới hơn (lược đồ {current}); "
                        "hãy cập nhật phần mềm.", "newer")
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
            rollback(conn)
            log.exception("migration %s failed on %s; rolled back", mod.__name__.rsplit(".", 1)[-1], db_path)
            raise
        log.info("migration %s applied to %s", mod.__name__.rsplit(".", 1)[-1], db_path)
    return len(mods)


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open: SQLite ends it itself on some errors (a full disk), and
    "cannot rollback - no transaction is active" must never hide the real cause."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass


def require_sound(conn: sqlite3.Connection, path: str | Path) -> None:
    """Refuse to work on a damaged file (PRAGMA quick_check), with what to do about it."""
    if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise DatabaseFileError(f"Tệp cơ sở dữ liệu bị hỏng: {path}. Hãy khôi phục từ bản sao lưu "
                                "(Tệp > Sao lưu và khôi phục).", "damaged")


def open_db(path: str | Path) -> sqlite3.Connection:
    """Open and migrate a bkdesk database; a path that does not exist yet becomes a new database.

    Anything else is refused untouched (DatabaseFileError, with the next step in its ``kind``): a zero-byte
    or text file, another application's SQLite, a truncated file, a newer version's database, a
    read-only folder."""
    inspect_file(path)
    _check_folder(path)
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise open_error(exc, path) from None
    try:
        if conn.keyed:
            _check_marked(conn, path)
        # Reading the schema rejects a file that is not a database; the full quick_check (1.3 s at
        # 81,480 households) runs before migrations, in `bkdesk check` and in the desk's daily job.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if schema_version(conn) < latest_version():
            require_sound(conn, path)
        migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise open_error(exc, path) from None
    except BaseException:
        conn.close()
        raise
    return conn


def open_error(exc: sqlite3.Error, path: str | Path) -> DatabaseFileError:
    text = str(exc).lower()
    if "not a database" in text and is_encrypted_file(path):
        return DatabaseFileError(f"Không mở được cơ sở dữ liệu mã hoá {Path(str(path)).name}: khoá không khớp với "
                                 "tệp (tệp khoá của cơ sở dữ liệu khác?) hoặc tệp bị hỏng.", "damaged")
    if "not a database" in text or "malformed" in text:
        return DatabaseFileError(f"Tệp cơ sở dữ liệu {Path(str(path)).name} bị hỏng ({exc}); hãy khôi phục từ bản "
                                 "sao lưu (Tệp > Sao lưu và khôi phục).", "damaged")
    kind = "locked" if "locked" in text or "busy" in text else "readonly"
    return DatabaseFileError(sqlite_error_message(exc, path), kind)


@contextlib.contextmanager
def short_busy_wait(conn: sqlite3.Connection | None, ms: int = 200):
    """On the GUI thread SQLite must not wait its 10 s busy timeout: wait ``ms``, the caller retries by timer."""
    if conn is None:
        yield
        return
    old = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout={int(ms)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(old)}")


class transaction:
    """``with transaction(conn):`` one short write transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            rollback(self.conn)
            return False
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            rollback(self.conn)
            raise
        return False
