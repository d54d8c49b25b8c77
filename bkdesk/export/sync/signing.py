"""Ed25519 signatures of sync packages and the register of trusted keys per unit (DESIGN.md §4).

Each installation signs its packages with the key pair created with its database. The importing database
trusts one key per unit (or several, each an explicit decision): the first key of a unit is accepted by a
person who compared the fingerprint over the phone (`bkdesk keys trust`, or `merge --trust-new` / the
desk's prompt); a new key for a unit that already has one is a rotation, audited, never automatic.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.model.rules import roles
from bkdesk.model.store import access, audit, repo_sync, settings

SIGNED_PREFIX = b"bkdesk-goi-dong-bo/signature\n"
_FP = re.compile(r"^[A-Z2-7]{16}$")


def _private(conn: sqlite3.Connection) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(repo_sync.ensure_own_key(conn))


def public_key_text(conn: sqlite3.Connection) -> str:
    raw = _private(conn).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def fingerprint(public_key: str) -> str:
    """16 base32 characters in groups of 4 (80 bits of SHA-256 of the key): easy to read over the phone."""
    try:
        raw = base64.b64decode(public_key, validate=True)
    except ValueError:
        raw = b""
    text = base64.b32encode(hashlib.sha256(raw).digest()[:10]).decode()
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def normalise_fingerprint(text: str) -> str:
    """Accept what a person types: spaces, dashes, lower case; O/0 and I/1 slips are not guessed."""
    plain = re.sub(r"[\s\-.]", "", text or "").upper()
    if not _FP.match(plain):
        raise UserError(f"Dấu nhận dạng khóa «{text}» không đúng dạng (16 ký tự A–Z, 2–7, ví dụ ABCD-EFGH-IJKL-MNOP).")
    return "-".join(plain[i:i + 4] for i in range(0, 16, 4))


def own_fingerprint(conn: sqlite3.Connection) -> str:
    return fingerprint(public_key_text(conn))


def sign(conn: sqlite3.Connection, digest: str) -> str:
    return base64.b64encode(_private(conn).sign(SIGNED_PREFIX + digest.encode())).decode()


def verify(public_key: str, signature: str, digest: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), SIGNED_PREFIX + digest.encode())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def trust_key(conn: sqlite3.Connection, unit_code: str, fingerprint_text: str, user: str, *, public_key: str = "",
              installation: str = "", officer: str = "", replace: bool = False, reason: str = "") -> list[str]:
    """Register a trusted key for a unit (inside the caller's transaction); ``replace`` retires the unit's
    other keys (a rotation: new laptop). Audited; needs the SETUP permission. Returns the fingerprints retired."""
    access.require(conn, roles.SETUP)
    fp = normalise_fingerprint(fingerprint_text)
    if public_key and fingerprint(public_key) != fp:
        raise UserError("Khóa công khai không khớp với dấu nhận dạng.")
    at = audit.now_iso()
    why = reason or ("Thay khóa của đơn vị (máy mới)" if replace else "Xác nhận khóa của đơn vị")
    before = [r["fingerprint"] for r in repo_sync.trusted_keys(conn, unit_code)]
    repo_sync.add_trusted_key(conn, unit_code, fp, public_key, installation, officer, at, user, why)
    retired = repo_sync.retire_keys(conn, unit_code, fp) if replace else []
    after = [r["fingerprint"] for r in repo_sync.trusted_keys(conn, unit_code)]
    audit.record_change(conn, "sync_key", unit_code, {"trusted_keys": " ".join(before)},
                        {"trusted_keys": " ".join(after)}, user, why,
                        settings.get(conn, settings.INSTALLATION_ID) or "", at, action="update")
    return retired


def trust_first_key(db_path, unit_code: str, fingerprint_text: str, public_key: str, installation: str = "",
                    officer: str = "") -> None:
    """The desk's "trust this key" answer (after the phone call): its own connection, one transaction."""
    from bkdesk.model.store.db import open_db, transaction

    conn = open_db(db_path)
    try:
        with transaction(conn):
            if repo_sync.trusted_keys(conn, unit_code):
                raise UserError(f"Đơn vị {unit_code} đã có khóa tin cậy; đổi khóa phải làm bằng lệnh keys trust"
                                " --replace sau khi xác nhận.")
            trust_key(conn, unit_code, fingerprint_text, settings.officer(conn), public_key=public_key,
                      installation=installation, officer=officer,
                      reason="Tin cậy khóa mới sau khi đối chiếu dấu nhận dạng (màn hình nhập gói)")
    finally:
        conn.close()


def check_signer(conn: sqlite3.Connection, manifest: dict[str, str], name: str, trust_new: bool) -> tuple[str, bool]:
    """Refuse a package whose signer is not trusted for its unit (its signature was verified on read).
    Returns (fingerprint, register): ``register`` when the unit has no key yet and ``trust_new`` says to
    accept this one (the caller registers it with ``trust_key`` inside its transaction)."""
    unit, pub = manifest["unit_code"], manifest["public_key"]
    fp = fingerprint(pub)
    known = repo_sync.trusted_keys(conn, unit)
    if any(r["fingerprint"] == fp for r in known):
        return fp, False
    if known:
        raise UntrustedKey(f"Tệp {name}: gói của đơn vị {unit} được ký bằng khóa lạ {fp} (khóa tin cậy của đơn vị:"
                           f" {', '.join(r['fingerprint'] for r in known)}); không nhập. Nếu đơn vị đã đổi máy, hãy"
                           f" gọi điện xác nhận rồi chạy: bkdesk keys trust --unit {unit} --fingerprint {fp}"
                           " --replace", fp, first=False)
    if not trust_new:
        raise UntrustedKey(f"Tệp {name}: chưa có khóa tin cậy cho đơn vị {unit}; dấu nhận dạng khóa của gói là"
                           f" {fp}. Hãy gọi điện cho người gửi để đối chiếu, rồi chạy: bkdesk keys trust --unit"
                           f" {unit} --fingerprint {fp} (hoặc nhập với --trust-new).", fp, first=True)
    return fp, True


class UntrustedKey(UserError):
    """``first``: the unit has no trusted key yet (a person may accept this one after a phone call)."""

    def __init__(self, message: str, fingerprint_text: str, first: bool):
        super().__init__(message)
        self.fingerprint = fingerprint_text
        self.first = first
