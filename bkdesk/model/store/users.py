"""Users, login, passwords, the recovery key and the conversion of a plain database (issue 16).

``login`` unwraps the database's data key with the user's password (key file beside the database), checks
the user is active inside the encrypted file, and registers key and session in this process's keyring:
from then on every connection this process opens on the file is keyed and carries the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.store import keyring
from bkdesk.model.store.access import require
from bkdesk.model.store.audit import record_change
from bkdesk.model.store.keyfile import (
    KeyFile,
    WrongPassword,
    check_password,
    keyfile_path,
    new_data_key,
    normalize_username,
    recovery_key,
    recovery_text,
)

log = logging.getLogger(__name__)


class NeedsConversion(UserError):
    """The database is a plain (unencrypted) file: it must be converted before anyone works on it."""


@dataclass(frozen=True)
class Session:
    username: str
    display_name: str
    roles: tuple[str, ...]
    level: str | None = None
    permissions: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def of(cls, username: str, display_name: str, roles, level: str | None) -> Session:
        roles = tuple(roles)
        return cls(username, display_name or username, roles, level, R.permissions_of(roles))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def label(self) -> str:
        return self.display_name if self.display_name == self.username else f"{self.display_name} ({self.username})"


@dataclass(frozen=True)
class UserRow:
    username: str
    display_name: str
    roles: tuple[str, ...]
    disabled: bool
    created_at: str
    created_by: str


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _clean_name(username: str) -> str:
    name = normalize_username(username)
    if not name or len(name) > 64 or any(ch.isspace() and ch != " " for ch in name) or "," in name:
        raise UserError("Tên đăng nhập không hợp lệ (1-64 ký tự, không có dấu phẩy).")
    return name


def is_plain_database(path: str | Path) -> bool:
    p = Path(path)
    try:
        with open(p, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_protected(path: str | Path) -> bool:
    """An existing, encrypted bkdesk database (with or without its key file)."""
    p = Path(path)
    return p.is_file() and p.stat().st_size > 0 and not is_plain_database(p)


def _level(conn) -> str | None:
    from bkdesk.model.store import settings

    return settings.get(conn, settings.SCOPE)


def _user_row(conn, username: str):
    return conn.execute("SELECT * FROM app_user WHERE username=?", (username,)).fetchone()


def _as_user(row) -> UserRow:
    return UserRow(row["username"], row["display_name"], tuple(r for r in row["roles"].split(",") if r),
                   bool(row["disabled"]), row["created_at"], row["created_by"])


# --- creating a protected database ---------------------------------------------------------------------------

@dataclass
class Protection:
    """A new database's key before the file exists: register it, create the file, then ``finish``."""
    path: Path
    key: bytes
    keyfile: KeyFile
    username: str
    display_name: str

    @property
    def recovery(self) -> str:
        return recovery_text(self.key)

    def also_for(self, other: str | Path) -> None:
        """A scratch file built before it takes the database's name (the demo builder) uses the same key."""
        keyring.put(other, self.key, None)


def begin_protected(path: str | Path, username: str, password: str, display_name: str = "") -> Protection:
    """Prepare a new encrypted database at ``path``: checks the name and password, makes the data key and
    registers it, so that the database created next at ``path`` (init, demo) is encrypted."""
    path = Path(path)
    name = _clean_name(username)
    check_password(password)
    key = new_data_key()
    kf = KeyFile.new(path)
    kf.set_password(name, key, password)
    keyring.put(path, key, None)
    return Protection(path, key, kf, name, unicodedata.normalize("NFC", (display_name or username).strip()))


def finish_protected(prot: Protection, conn, roles=None) -> Session:
    """The database now exists (open on ``conn``): record the first user with every role of its level (or
    ``roles``), write the key file, and log the user in."""
    level = _level(conn)
    roles = list(roles) if roles else R.first_user_roles(level)
    now = _now()
    from bkdesk.model.store.db import transaction

    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO app_user (username, display_name, roles, disabled, created_at, "
                     "created_by, updated_at) VALUES (?,?,?,0,?,?,?)",
                     (prot.username, prot.display_name, ",".join(roles), now, prot.username, now))
        record_change(conn, "app_user", prot.username, None, {"roles": ",".join(roles),
                                                             "display_name": prot.display_name},
                      user=prot.username, reason="Người dùng đầu tiên khi tạo cơ sở dữ liệu")
    prot.keyfile.save()
    session = Session.of(prot.username, prot.display_name, roles, level)
    keyring.put(prot.path, prot.key, session)
    conn.session = session
    return session


def abandon_protected(prot: Protection) -> None:
    keyring.forget(prot.path)


# --- login -----------------------------------------------------------------------------------------------------

def login(db_path: str | Path, username: str, password: str) -> Session:
    """Open the database as ``username``; refuses a wrong password or a disabled user with one line, and
    changes nothing either way."""
    from bkdesk.model.store.db import connect, open_db

    path = Path(db_path)
    if not path.exists() or path.stat().st_size == 0:
        raise UserError(f"Không có cơ sở dữ liệu {path}.")
    if is_plain_database(path):
        raise NeedsConversion(f"Cơ sở dữ liệu {path.name} chưa được mã hoá: cần chuyển sang dạng mã hoá (tạo "
                              "người dùng đầu tiên) trước khi làm việc.")
    if not (username or "").strip():
        raise UserError("Cần tên đăng nhập và mật khẩu để mở cơ sở dữ liệu.")
    name = normalize_username(username)
    key = KeyFile.load(path).unlock(name, password)
    try:
        probe = connect(path, key)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        from bkdesk.model.store.db import DatabaseFileError, open_error

        text = str(exc).lower()
        if "not a database" not in text and "malformed" not in text:
            raise open_error(exc, path) from None  # a full disk, a locked file, a read-only folder: the cause
        # The password is right (it unwrapped the key): keep the key, without a session, so that the
        # database's encrypted backups can be read to restore it; nothing can be changed without a login.
        keyring.put(path, key, None)
        raise DatabaseFileError(f"Mật khẩu đúng nhưng không đọc được cơ sở dữ liệu {path.name}: tệp bị hỏng, hoặc "
                                "tệp khoá bên cạnh là của cơ sở dữ liệu khác. Hãy khôi phục từ bản sao lưu (Tệp > "
                                "Sao lưu và khôi phục) hoặc dùng khoá khôi phục.", "damaged") from None
    keyring.put(path, key, None)
    try:
        conn = open_db(path)  # migrations of an earlier version run here, once the key is known
        try:
            row = _user_row(conn, name)
            if row is None:
                raise WrongPassword("Sai tên đăng nhập hoặc mật khẩu; không có gì thay đổi.")
            if row["disabled"]:
                raise WrongPassword("Người dùng này đã bị khoá hoặc không còn trong cơ sở dữ liệu; hãy liên hệ "
                                    "quản trị.")
            user = _as_user(row)
            session = Session.of(user.username, user.display_name, user.roles, _level(conn))
        finally:
            conn.close()
    except BaseException:
        keyring.forget(path)
        raise
    keyring.put(path, key, session)
    log.info("login %s on %s", name, path)
    return session


def logout(db_path: str | Path) -> None:
    keyring.forget(db_path)


def check_password_of(db_path: str | Path, username: str, password: str) -> bool:
    """The idle lock's check: the same user's password again (no new session)."""
    try:
        KeyFile.load(db_path).unlock(username, password)
    except UserError:
        return False
    return True


# --- managing users -------------------------------------------------------------------------------------------

def list_users(conn) -> list[UserRow]:
    return [_as_user(r) for r in conn.execute("SELECT * FROM app_user ORDER BY username")]


def _db_path_of(conn) -> Path:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2])


def add_user(conn, username: str, password: str, roles, display_name: str = "") -> UserRow:
    """A new user with ``roles`` (codes or labels); only a *quản trị* may."""
    from bkdesk.model.store.db import transaction

    require(conn, R.USERS)
    name = _clean_name(username)
    check_password(password)
    level = _level(conn)
    codes = R.parse_roles(",".join(roles) if not isinstance(roles, str) else roles, level) if roles else None
    if not codes:
        raise UserError("Cần ít nhất một vai trò cho người dùng mới.")
    if _user_row(conn, name) is not None:
        raise UserError(f"Người dùng {name} đã có; dùng 'users passwd' để đặt lại mật khẩu.")
    kf = KeyFile.load(_db_path_of(conn))
    kf.set_password(name, conn.data_key, password)
    now, by = _now(), conn.session.username if conn.session else ""
    shown = unicodedata.normalize("NFC", (display_name or username).strip())
    with transaction(conn):
        conn.execute("INSERT INTO app_user (username, display_name, roles, disabled, created_at, created_by, "
                     "updated_at) VALUES (?,?,?,0,?,?,?)", (name, shown, ",".join(codes), now, by, now))
        record_change(conn, "app_user", name, None, {"roles": ",".join(codes), "display_name": shown}, user=by,
                      reason="Thêm người dùng")
    kf.save()  # after the commit: a failed insert leaves no key for a user that does not exist
    return _as_user(_user_row(conn, name))


def set_password(conn, username: str, new_password: str) -> None:
    """An administrator sets another user's password (and re-enables a disabled user)."""
    from bkdesk.model.store.db import transaction

    name = normalize_username(username)
    own = conn.session is not None and conn.session.username == name
    if not own:
        require(conn, R.USERS)
    row = _user_row(conn, name)
    if row is None:
        raise UserError(f"Không có người dùng {name}.")
    check_password(new_password)
    kf = KeyFile.load(_db_path_of(conn))
    kf.set_password(name, conn.data_key, new_password)
    by = conn.session.username if conn.session else name
    with transaction(conn):
        conn.execute("UPDATE app_user SET disabled=0, updated_at=? WHERE username=?", (_now(), name))
        record_change(conn, "app_user", name, {"password": "(cũ)", "disabled": row["disabled"]},
                      {"password": "(mới)", "disabled": 0}, user=by, reason="Đặt mật khẩu")
    kf.save()


def change_own_password(db_path: str | Path, username: str, old_password: str, new_password: str) -> None:
    """A user changes their own password: the old one must unlock the key; nothing is re-encrypted."""
    path = Path(db_path)
    name = normalize_username(username)
    check_password(new_password)
    kf = KeyFile.load(path)
    key = kf.unlock(name, old_password)
    kf.set_password(name, key, new_password)
    kf.save()
    _audit_outside_session(path, key, name, "Đổi mật khẩu", name)


def set_roles(conn, username: str, roles) -> UserRow:
    from bkdesk.model.store.db import transaction

    require(conn, R.USERS)
    name = normalize_username(username)
    row = _user_row(conn, name)
    if row is None:
        raise UserError(f"Không có người dùng {name}.")
    codes = R.parse_roles(",".join(roles) if not isinstance(roles, str) else roles, _level(conn))
    if "quan_tri" not in codes:
        _keep_an_admin(conn, name)
    with transaction(conn):
        conn.execute("UPDATE app_user SET roles=?, updated_at=? WHERE username=?", (",".join(codes), _now(), name))
        record_change(conn, "app_user", name, {"roles": row["roles"]}, {"roles": ",".join(codes)},
                      user=conn.session.username if conn.session else "", reason="Đổi vai trò")
    return _as_user(_user_row(conn, name))


def _keep_an_admin(conn, leaving: str) -> None:
    others = [u for u in list_users(conn) if u.username != leaving and not u.disabled and "quan_tri" in u.roles]
    if not others:
        raise UserError("Không thể: cơ sở dữ liệu phải còn ít nhất một người dùng Quản trị đang hoạt động.")


def disable_user(conn, username: str) -> None:
    """The user can no longer log in: their key entry is removed and the row marked disabled (kept for the
    audit log's sake)."""
    from bkdesk.model.store.db import transaction

    require(conn, R.USERS)
    name = normalize_username(username)
    row = _user_row(conn, name)
    if row is None:
        raise UserError(f"Không có người dùng {name}.")
    if "quan_tri" in row["roles"].split(","):
        _keep_an_admin(conn, name)
    kf = KeyFile.load(_db_path_of(conn))
    with transaction(conn):
        conn.execute("UPDATE app_user SET disabled=1, updated_at=? WHERE username=?", (_now(), name))
        record_change(conn, "app_user", name, {"disabled": row["disabled"]}, {"disabled": 1},
                      user=conn.session.username if conn.session else "", reason="Khoá người dùng")
    kf.remove(name)
    kf.save()


def reset_with_recovery(db_path: str | Path, recovery: str, username: str, new_password: str) -> Session:
    """A forgotten password (or a lost key file): the recovery key opens the database and sets a new password
    for ``username``, who must exist (disabled users are re-enabled). Then logs that user in."""
    from bkdesk.model.store.db import connect

    path = Path(db_path)
    key = recovery_key(recovery)
    name = normalize_username(username)
    check_password(new_password)
    probe = connect(path, key)
    try:
        try:
            row = _user_row(probe, name)
        except sqlite3.DatabaseError:
            raise UserError("Khoá khôi phục không mở được cơ sở dữ liệu này (khoá của cơ sở dữ liệu khác?).") from None
    finally:
        probe.close()
    if row is None:
        raise UserError(f"Không có người dùng {name} trong cơ sở dữ liệu.")
    try:
        kf = KeyFile.load(path)
    except UserError:
        kf = KeyFile.new(path)  # the key file was lost: start a new one (other users reset the same way)
    kf.set_password(name, key, new_password)
    kf.save()
    _audit_outside_session(path, key, name, "Đặt lại mật khẩu bằng khoá khôi phục", name, enable=True)
    return login(path, name, new_password)


def _audit_outside_session(path: Path, key: bytes, name: str, reason: str, by: str, enable: bool = False) -> None:
    from bkdesk.model.store.db import connect, transaction

    conn = connect(path, key)
    try:
        with transaction(conn):
            if enable:
                conn.execute("UPDATE app_user SET disabled=0, updated_at=? WHERE username=?", (_now(), name))
            record_change(conn, "app_user", name, {"password": "(cũ)"}, {"password": "(mới)"}, user=by,
                          reason=reason)
    finally:
        conn.close()


# --- converting a plain database ------------------------------------------------------------------------------

@dataclass
class Conversion:
    path: Path
    session: Session
    recovery: str
    plain_copy: Path                 # the plain file, moved aside until the person agrees to remove it
    plain_backups: list[Path]        # plain backups of the same database
    tables: dict[str, int]           # rows per table, equal in both files


def _content_digest(conn) -> dict[str, tuple[int, str]]:
    out = {}
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                                        "'sqlite_%' ORDER BY name")]
    for t in names:
        h = hashlib.sha256()
        n = 0
        pk = [r["name"] for r in conn.execute(f'PRAGMA table_info("{t}")') if r["pk"]]
        rowid = conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (t,)).fetchone()[0] or ""
        order = ", ".join(f'"{c}"' for c in pk) if "WITHOUT ROWID" in rowid.upper() else "rowid"
        for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY {order}'):
            h.update(repr(tuple(row)).encode("utf-8"))
            n += 1
        out[t] = (n, h.hexdigest())
    schema = conn.execute("SELECT group_concat(type || name || coalesce(sql, ''), '|') FROM (SELECT * FROM "
                          "sqlite_master ORDER BY type, name)").fetchone()[0]
    out["(schema)"] = (0, hashlib.sha256((schema or "").encode()).hexdigest())
    return out


def plain_backups_of(db_path: str | Path) -> list[Path]:
    from bkdesk.model.store.db import backup_dir_for

    folder = backup_dir_for(db_path)
    return sorted(p for p in folder.glob("*.sqlite") if is_plain_database(p)) if folder.is_dir() else []


def convert_plain(db_path: str | Path, username: str, password: str, display_name: str = "") -> Conversion:
    """Encrypt a plain bkdesk database into a new file, verify it (every table: same rows, same content),
    then give the new file the database's name. The plain file is moved aside, not deleted: the person
    decides (``remove_plain``). The first user gets every role of the database's level."""
    from bkdesk.fileio import os_error_message
    from bkdesk.model.store.db import connect, open_db

    path = Path(db_path)
    if not is_plain_database(path):
        raise UserError(f"{path.name} không phải cơ sở dữ liệu chưa mã hoá; không cần chuyển đổi.")
    if keyfile_path(path).exists():
        raise UserError(f"Đã có tệp khoá {keyfile_path(path).name} bên cạnh một cơ sở dữ liệu chưa mã hoá: có "
                        "thể đây là bản chép lại; hãy chuyển tệp khoá đi chỗ khác rồi làm lại.")
    name = _clean_name(username)
    check_password(password)
    plain = open_db(path)  # migrated to the current schema first (with its own backup)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _content_digest(plain)
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        app_id = plain.execute("PRAGMA application_id").fetchone()[0]
        key = new_data_key()
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        enc = path.with_name(f".{path.name}.ma-hoa-{stamp}.part")
        enc.unlink(missing_ok=True)
        try:
            plain.execute("ATTACH DATABASE ? AS enc KEY ?", (str(enc), f"x'{key.hex()}'"))
            try:
                plain.execute("SELECT sqlcipher_export('enc')")
                plain.execute(f"PRAGMA enc.user_version={int(version)}")
                plain.execute(f"PRAGMA enc.application_id={int(app_id)}")
            finally:
                plain.execute("DETACH DATABASE enc")
        except sqlite3.Error as exc:
            enc.unlink(missing_ok=True)
            raise UserError(f"Không mã hoá được cơ sở dữ liệu ({exc}); tệp cũ không thay đổi.") from None
    finally:
        plain.close()
    try:
        check = connect(enc, key)
        try:
            after = _content_digest(check)
            check.execute("PRAGMA journal_mode=WAL")
        finally:
            check.close()
        if after != before:
            bad = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
            raise UserError(f"Bản mã hoá không khớp với dữ liệu gốc ({', '.join(bad[:5])}); tệp cũ không thay đổi.")
    except BaseException:
        enc.unlink(missing_ok=True)
        raise
    aside = path.with_name(f"{path.stem}.chua-ma-hoa-{stamp}{path.suffix}")
    prot = Protection(path, key, KeyFile.new(path), name,
                      unicodedata.normalize("NFC", (display_name or username).strip()))
    prot.keyfile.set_password(name, key, password)
    try:
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.replace(aside)
        enc.replace(path)
    except OSError as exc:
        if aside.exists() and not path.exists():
            aside.replace(path)
        enc.unlink(missing_ok=True)
        raise UserError(os_error_message(exc, path)) from None
    keyring.put(path, key, None)
    conn = open_db(path)
    try:
        session = finish_protected(prot, conn)
    finally:
        conn.close()
    log.info("converted %s to an encrypted database; plain copy kept at %s", path, aside)
    return Conversion(path, session, recovery_text(key), aside, plain_backups_of(path),
                      {t: n for t, (n, _d) in before.items() if t != "(schema)"})


def remove_plain(conv_or_paths) -> list[Path]:
    """After the person agreed: delete the plain copy and the plain backups. Returns what was removed."""
    paths = ([conv_or_paths.plain_copy, *conv_or_paths.plain_backups] if isinstance(conv_or_paths, Conversion)
             else [Path(p) for p in conv_or_paths])
    removed = []
    for p in paths:
        for f in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
            if f.exists() and (f != p or is_plain_database(f)):
                f.unlink()
                removed.append(f)
    return removed


def plain_leftovers(db_path: str | Path) -> list[Path]:
    """Plain copies kept aside by a conversion and plain backups still on disk (the desk reminds)."""
    path = Path(db_path)
    aside = sorted(path.parent.glob(f"{path.stem}.chua-ma-hoa-*{path.suffix}"))
    return [p for p in aside if is_plain_database(p)] + plain_backups_of(path)


__all__ = ["Session", "login", "logout", "begin_protected", "finish_protected", "abandon_protected", "add_user",
           "set_password", "change_own_password", "disable_user", "set_roles", "list_users", "reset_with_recovery",
           "convert_plain", "remove_plain", "plain_leftovers", "NeedsConversion", "WrongPassword"]
