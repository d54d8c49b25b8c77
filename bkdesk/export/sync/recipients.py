"""Who may read a package: the receiving level's key pair and the register of keys a database sends to.

A district or province database has an X25519 key pair (made on first need, kept in the encrypted
database); ``bkdesk keys export-recipient`` writes its public part to a small file (unit, level, key and a
fingerprint to read over the phone). A commune (or a district sending to its province) registers that file
once (``bkdesk keys add-recipient``, or the desk); from then on the hidden data sheets of its packages are
encrypted to it (``sealing``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.sync import sealing, signing
from bkdesk.model.rules import roles
from bkdesk.model.rules.units import TREE_2022, TREE_2025
from bkdesk.model.store import access, audit, repo_recipients, settings
from bkdesk.model.store.db import transaction

FILE_FORMAT = "bkdesk-khoa-nhan"
FILE_VERSION = 1
LEVELS = ("commune", "district", "province")
LEVEL_VI = {"commune": "xã", "district": "huyện", "province": "tỉnh"}
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Recipient:
    unit_code: str
    unit_name: str
    unit_level: str
    unit_tree: str
    public_key: str
    fingerprint: str


def own_key(conn: sqlite3.Connection, create: bool = False) -> bytes | None:
    """This database's recipient private key; made (in a transaction of its own) when ``create``."""
    raw = repo_recipients.own_private_key(conn)
    if raw is None and create:
        with transaction(conn):
            raw = repo_recipients.own_private_key(conn)
            if raw is None:
                raw = sealing.new_private_key()
                repo_recipients.store_own_private_key(conn, raw, audit.now_iso())
                audit.record_change(conn, "sync_recipient_own", "1", None,
                                    {"public_key": sealing.public_key_text(raw)}, settings.officer(conn),
                                    "Tạo khóa nhận gói của cấp này", settings.installation_id(conn))
    return raw


def open_keys(conn: sqlite3.Connection, passphrase: str | None = None) -> sealing.OpenKeys:
    raw = repo_recipients.own_private_key(conn)
    return sealing.OpenKeys([raw] if raw else [], passphrase or None)


def _database_unit(conn: sqlite3.Connection):
    from bkdesk.model.store.repo_units import load_catalog

    tree = settings.get(conn, settings.TREE) or TREE_2022
    code = settings.get(conn, settings.SCOPE_CODE) or ""
    cat = load_catalog(conn)
    unit = cat.find(code, tree) if code else None
    if unit is None:
        raise UserError("Cơ sở dữ liệu chưa được khởi tạo phạm vi (xã/huyện/tỉnh).")
    return cat, tree, unit


def own_recipient(conn: sqlite3.Connection) -> Recipient:
    """The public part of this (district or province) database's key, made on first need."""
    if not (access.allowed(conn, roles.MERGE) or access.allowed(conn, roles.SETUP)):
        access.require(conn, roles.SETUP)
    _, tree, unit = _database_unit(conn)
    if unit.level == "commune":
        raise UserError("Cơ sở dữ liệu cấp xã không nhận gói của đơn vị khác nên không có khóa nhận; khóa nhận do"
                        " huyện hoặc tỉnh xuất.")
    pub = sealing.public_key_text(own_key(conn, create=True))
    return Recipient(unit.code, unit.name, unit.level, tree, pub, signing.fingerprint(pub))


def recipient_text(r: Recipient) -> str:
    return json.dumps({"format": FILE_FORMAT, "version": FILE_VERSION, "unit_code": r.unit_code,
                       "unit_name": r.unit_name, "unit_level": r.unit_level, "unit_tree": r.unit_tree,
                       "public_key": r.public_key, "fingerprint": r.fingerprint,
                       "huong_dan": "Khóa nhận gói dữ liệu của cấp trên: đăng ký ở xã bằng bkdesk keys add-recipient"
                                    " TỆP, rồi đọc dấu nhận dạng qua điện thoại để đối chiếu."},
                      ensure_ascii=False, indent=2) + "\n"


def write_recipient_file(conn: sqlite3.Connection, out: str | Path) -> tuple[Path, Recipient]:
    from bkdesk.fileio import atomic_output

    r = own_recipient(conn)
    out = Path(out)
    with atomic_output(out) as tmp:
        Path(tmp).write_text(recipient_text(r), encoding="utf-8")
    return out, r


def read_recipient_file(path: str | Path) -> Recipient:
    path = Path(path)
    bad = f"Tệp {path.name} không phải tệp khóa nhận của bkdesk"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UserError(f"{bad} (quá lớn).")
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"Không có tệp {path}.") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise UserError(f"{bad} (không đọc được nội dung).") from None
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise UserError(f"{bad}.")
    if data.get("version") != FILE_VERSION:
        raise UserError(f"Tệp {path.name}: phiên bản tệp khóa nhận {data.get('version')} không đọc được; hãy cập nhật"
                        " bkdesk.")
    fields = {k: str(data.get(k) or "") for k in ("unit_code", "unit_name", "unit_level", "unit_tree", "public_key",
                                                  "fingerprint")}
    if not all(fields[k] for k in ("unit_code", "unit_level", "unit_tree", "public_key", "fingerprint")):
        raise UserError(f"Tệp {path.name}: tệp khóa nhận thiếu thông tin (mã đơn vị, cấp, khóa hoặc dấu nhận dạng).")
    try:
        sealing.check_public_key(fields["public_key"])
    except ValueError:
        raise UserError(f"Tệp {path.name}: khóa công khai trong tệp khóa nhận bị hỏng.") from None
    if signing.fingerprint(fields["public_key"]) != fields["fingerprint"]:
        raise UserError(f"Tệp {path.name}: dấu nhận dạng không khớp với khóa trong tệp (tệp đã bị sửa).")
    return Recipient(**fields)


def check_recipient(conn: sqlite3.Connection, r: Recipient, name: str) -> None:
    """One line per refusal: a unit not above this database's, not its district/province, unknown."""
    cat, tree, unit = _database_unit(conn)
    if r.unit_level not in ("district", "province"):
        raise UserError(f"Tệp {name}: khóa nhận của đơn vị cấp {LEVEL_VI.get(r.unit_level, r.unit_level)}"
                        f" {r.unit_code}; chỉ đăng ký khóa nhận của huyện hoặc tỉnh.")
    if LEVELS.index(r.unit_level) <= LEVELS.index(unit.level):
        raise UserError(f"Tệp {name}: khóa nhận của {LEVEL_VI[r.unit_level]} {r.unit_code} không ở cấp trên của"
                        f" {LEVEL_VI[unit.level]} {unit.name}; không đăng ký.")
    if r.unit_tree not in (TREE_2022, TREE_2025) or cat.find(r.unit_code, r.unit_tree) is None:
        raise UserError(f"Tệp {name}: không có đơn vị mã {r.unit_code} trong danh mục đơn vị hành chính.")
    mine = {u.code for u in cat.communes_under(unit.code, tree)}
    if r.unit_tree != tree:
        if tree == TREE_2025:
            raise UserError(f"Tệp {name}: khóa nhận của {r.unit_name} ({r.unit_code}) theo danh mục đơn vị cũ (2022);"
                            " cơ sở dữ liệu này dùng danh mục 2025; không đăng ký.")
        mine = {cat.get(c, TREE_2022).successor_code or c for c in mine}
    theirs = {u.code for u in cat.communes_under(r.unit_code, r.unit_tree)}
    if not mine or not mine <= theirs:
        raise UserError(f"Tệp {name}: {r.unit_name or r.unit_code} ({r.unit_code}) không phải"
                        f" {LEVEL_VI[r.unit_level]} của {unit.name} ({unit.code}); không đăng ký.")


def add_recipient(conn: sqlite3.Connection, path: str | Path) -> tuple[Recipient, list[str]]:
    """Register a recipient key file (quản trị: SETUP). Returns (recipient, fingerprints retired). Audited."""
    access.require(conn, roles.SETUP)
    r = read_recipient_file(path)
    check_recipient(conn, r, Path(path).name)
    at, user = audit.now_iso(), settings.officer(conn)
    with transaction(conn):
        before = [x["fingerprint"] for x in repo_recipients.recipients(conn) if x["unit_code"] == r.unit_code]
        retired = repo_recipients.add_recipient(conn, r.unit_code, r.unit_name, r.unit_level, r.public_key,
                                                r.fingerprint, at, user)
        audit.record_change(conn, "sync_recipient", r.unit_code, {"fingerprint": " ".join(before)},
                            {"fingerprint": r.fingerprint}, user, f"Đăng ký khóa nhận gói của {r.unit_name}",
                            settings.installation_id(conn), at, action="update")
    return r, retired


def registered(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return repo_recipients.recipients(conn)


def no_recipient_message() -> str:
    return ("Chưa đăng ký khóa nhận của cấp trên nên gói chưa được mã hóa cho ai: hãy đăng ký khóa nhận (bkdesk keys"
            " add-recipient TỆP, tệp do huyện/tỉnh xuất bằng bkdesk keys export-recipient) hoặc xuất với cụm mật"
            " khẩu (--passphrase-file TỆP) rồi báo cụm mật khẩu cho cấp trên qua kênh khác.")
