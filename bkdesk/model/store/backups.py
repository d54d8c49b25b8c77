"""Automatic rotating backups, listing and restore (undoable). The "unexported changes" question is
store/export_marker.py's.

Backups are the files `db.auto_backup` writes (VACUUM INTO, rotated) in `db.backup_dir_for(db_path)`,
named ``<yyyymmdd-HHMMSS-ffffff>-<reason>.sqlite``. This module adds the daily backup, a listing with
date, size and household count, and restore.

Restore copies the chosen backup INTO the live database with SQLite's online backup API: the copy is
one write transaction on the destination, so a power cut during a restore leaves the old state, WAL
readers stay consistent and no -wal/-shm file goes stale (a file copy or os.replace over a WAL database
could pair the new file with the old WAL). The current state is backed up first, so a restore is undone
by restoring that backup (`undo_last_restore`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R
from bkdesk.model.store import db as dbmod
from bkdesk.model.store.access import require

log = logging.getLogger(__name__)

REASON_DAILY = "hang-ngay"
REASON_BEFORE_RESTORE = "truoc-khoi-phuc"
REASON_BEFORE_UNDO = "truoc-hoan-tac"
REASON_MANUAL = "thu-cong"
REASON_LABELS = {
    REASON_DAILY: "Sao lưu hằng ngày",
    REASON_BEFORE_RESTORE: "Trước khi khôi phục",
    REASON_BEFORE_UNDO: "Trước khi hoàn tác khôi phục",
    REASON_MANUAL: "Sao lưu thủ công",
    "truoc-nhap-goi": "Trước khi nhập gói dữ liệu",
}

_NAME = re.compile(r"^(\d{8}-\d{6}-\d{6})-(.+)\.sqlite$")
_PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: dt.datetime
    reason: str
    size: int
    households: int | None  # None: the file is not a readable bkdesk database

    @property
    def reason_label(self) -> str:
        if self.reason.startswith("truoc-nang-cap"):
            return f"Trước khi nâng cấp lược đồ (phiên bản {self.reason.rsplit('v', 1)[-1]})"
        return REASON_LABELS.get(self.reason, self.reason)


def _parse_name(path: Path) -> tuple[dt.datetime, str] | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f"), m.group(2)
    except ValueError:
        return None


def _open_readonly(path: Path) -> sqlite3.Connection:
    # immutable: a backup never changes, so no lock and no -shm is needed to read it
    return dbmod.open_file_readonly(path, immutable=True)


def household_count(path: Path) -> int | None:
    try:
        conn = _open_readonly(path)
        try:
            return conn.execute("SELECT count(*) FROM household").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def list_backups(db_path: str | Path) -> list[BackupInfo]:
    """The backups of a database, newest first."""
    folder = dbmod.backup_dir_for(db_path)
    out = []
    for p in folder.glob("*.sqlite") if folder.is_dir() else []:
        parsed = _parse_name(p)
        if parsed is None:
            continue
        out.append(BackupInfo(p, parsed[0], parsed[1], p.stat().st_size, household_count(p)))
    return sorted(out, key=lambda b: b.created, reverse=True)


def backup_now(conn: sqlite3.Connection, db_path: str | Path, reason: str = REASON_MANUAL) -> Path:
    return dbmod.auto_backup(conn, db_path, reason)


def daily_backup(conn: sqlite3.Connection, db_path: str | Path, today: dt.date | None = None) -> Path | None:
    """Back up once a day (call on opening the database). Returns the new file, or None if done today."""
    if str(db_path) == ":memory:":
        return None
    today = today or dt.date.today()
    if any(b.reason == REASON_DAILY and b.created.date() == today for b in list_backups(db_path)):
        return None
    return dbmod.auto_backup(conn, db_path, REASON_DAILY)


# --- restore -------------------------------------------------------------------------------------

def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise UserError(f"Không tìm thấy bản sao lưu {path}.")
    try:
        conn = _open_readonly(path)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise UserError(f"Bản sao lưu {path.name} bị hỏng; hãy chọn bản khác.")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM household").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise UserError(f"Tệp {path.name} không phải bản sao lưu bkdesk hợp lệ ({exc}).") from None
    if version > dbmod.latest_version():
        raise UserError(f"Bản sao lưu {path.name} được tạo bởi phiên bản bkdesk mới hơn; hãy cập nhật phần mềm.")


def _copy_into(src: sqlite3.Connection, dest: sqlite3.Connection) -> None:
    """Replace dest's content with src's: one transaction on dest (the online backup API)."""
    try:
        src.backup(dest, pages=_PAGES_PER_STEP)
    except sqlite3.Error as exc:
        raise UserError(f"Không khôi phục được: {exc}. Cơ sở dữ liệu hiện tại không thay đổi.") from None


def restore_backup(db_path: str | Path, backup: str | Path, *,
                   safety_reason: str = REASON_BEFORE_RESTORE) -> Path:
    """Make the database equal to ``backup``; the current state is backed up first. Returns that backup.

    Other connections to the database may stay open (they see the restored data on their next read),
    but the UI should reload what it shows. Needs the SETUP permission (quản trị): a restore replaces every
    record at once, the audit log included.
    """
    db_path, backup = Path(db_path), Path(backup)
    _check_backup(backup)  # first: reading it changes nothing, and the check never creates the database
    _require_setup(db_path)
    # Staged first: the safety backup below rotates old files and may delete the chosen one.
    staging = dbmod.backup_dir_for(db_path) / f".staging-{dt.datetime.now():%Y%m%d-%H%M%S-%f}.tmp"
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = _open_readonly(backup)
        try:
            src.execute("VACUUM INTO ?", (str(staging),))
        finally:
            src.close()
        staged = _open_readonly(staging)
        live = dbmod.connect(db_path)
        try:
            safety = dbmod.auto_backup(live, db_path, safety_reason)
            _copy_into(staged, live)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
            staged.close()
    finally:
        staging.unlink(missing_ok=True)
    log.info("restored %s from %s (state before: %s)", db_path, backup, safety)
    return safety


def _require_setup(db_path: Path) -> None:
    conn = dbmod.connect(db_path)
    try:
        require(conn, R.SETUP)
    finally:
        conn.close()


def replace_damaged_with_backup(db_path: Path, backup: Path) -> Path:
    """The damaged file is moved aside (kept, never deleted); a verified copy of the backup takes its name.
    Returns where the damaged file went."""
    from bkdesk.fileio import atomic_output

    aside = db_path.with_name(f"{db_path.stem}.hong-{dt.datetime.now():%Y%m%d-%H%M%S}{db_path.suffix}")
    try:
        src = dbmod.open_file_readonly(backup)
        try:
            key = getattr(src, "data_key", None)  # an encrypted backup: the copy keeps its key
            with atomic_output(aside.with_name(aside.name + ".moi"),
                               verify=lambda p: dbmod.verify_copy(p, key)) as tmp:
                src.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise UserError(f"Bản sao lưu {backup.name} không đọc được ({exc}); hãy chọn bản khác.") from None
    fresh = aside.with_name(aside.name + ".moi")
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{db_path}{suffix}")
        if old.exists():
            old.replace(Path(f"{aside}{suffix}"))
    fresh.replace(db_path)
    return aside


def last_restore_backup(db_path: str | Path) -> BackupInfo | None:
    """The state saved just before the most recent restore, if any."""
    return next((b for b in list_backups(db_path) if b.reason == REASON_BEFORE_RESTORE), None)


def undo_last_restore(db_path: str | Path) -> Path:
    """Go back to the state before the last restore (itself backed up first); SETUP, as a restore."""
    _require_setup(Path(db_path))
    before = last_restore_backup(db_path)
    if before is None:
        raise UserError("Chưa có lần khôi phục nào để hoàn tác.")
    return restore_backup(db_path, before.path, safety_reason=REASON_BEFORE_UNDO)
