"""The key file beside an encrypted database: its data key wrapped once per user.

The database is encrypted (SQLCipher) with a random 256-bit data key. The key file ``<db>.keys`` holds
that key wrapped (AES-256-GCM) by a key derived from each user's password with scrypt (memory-hard), so
several users open one database and a password change rewrites one entry and re-encrypts nothing. The file
holds no personal data; without a password it gives nothing. Roles are not in it: they live inside the
encrypted database, where editing this file cannot change them.

The recovery key is the data key itself, written for paper (base32 in groups, with a check group), shown
once when the database is created: with it a password can be reset even if this file is lost.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bkdesk.errors import UserError

FORMAT = "bkdesk-keys"
VERSION = 1
KEY_BYTES = 32
# scrypt N=2^15, r=8: 32 MiB and ~0.1 s per login on a 2-core machine; twice the scrypt paper's interactive
# setting (2^14). A stolen laptop's key file is attacked offline, so the cost matters; but the officer logs in
# many times a day, and every command-line run holds the 32 MiB at its peak (the import's memory budget is
# 300 MB). Stored per entry: raising it later needs no migration.
SCRYPT_N = 2 ** 15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD = 8


class WrongPassword(UserError):
    """A wrong password or an unknown user (one message for both: the key file does not tell who exists)."""


def keyfile_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.keys")


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def normalize_username(name: str) -> str:
    return unicodedata.normalize("NFC", (name or "").strip()).casefold()


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def _kek(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(unicodedata.normalize("NFC", password).encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=32)


def _aad(db_id: str, username: str) -> bytes:
    return f"bkdesk-keys:{db_id}:{username}".encode()


def wrap(data_key: bytes, password: str, db_id: str, username: str) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ct = AESGCM(kek).encrypt(nonce, data_key, _aad(db_id, username))
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": b64(salt),
            "nonce": b64(nonce), "wrapped": b64(ct)}


def unwrap(entry: dict, password: str, db_id: str, username: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        n, r, p = int(entry["n"]), int(entry["r"]), int(entry["p"])
        if entry.get("kdf") != "scrypt" or not (2 ** 10 <= n <= 2 ** 20 and 1 <= r <= 32 and 1 <= p <= 16):
            raise ValueError("kdf")
        salt, nonce, ct = (base64.b64decode(entry[k]) for k in ("salt", "nonce", "wrapped"))
        kek = _kek(password, salt, n, r, p)
        return AESGCM(kek).decrypt(nonce, ct, _aad(db_id, username))
    except InvalidTag:
        raise WrongPassword("Sai tên đăng nhập hoặc mật khẩu; không có gì thay đổi.") from None
    except (KeyError, ValueError, TypeError):
        raise UserError("Tệp khoá của cơ sở dữ liệu bị hỏng (mục người dùng không đọc được); hãy dùng khoá "
                        "khôi phục để đặt lại mật khẩu.") from None


@dataclass
class KeyFile:
    path: Path
    db_id: str
    users: dict  # normalized username -> wrap entry

    @classmethod
    def new(cls, db_path: str | Path) -> KeyFile:
        import uuid

        return cls(keyfile_path(db_path), str(uuid.uuid4()), {})

    @classmethod
    def load(cls, db_path: str | Path) -> KeyFile:
        path = keyfile_path(db_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"Không tìm thấy tệp khoá {path.name} bên cạnh cơ sở dữ liệu: không đăng nhập bằng "
                            "mật khẩu được. Hãy chép tệp khoá về cùng thư mục, hoặc dùng khoá khôi phục để đặt "
                            "lại mật khẩu.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"Tệp khoá {path.name} không đọc được ({exc.__class__.__name__}); hãy dùng khoá "
                            "khôi phục để đặt lại mật khẩu.") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("users"), dict):
            raise UserError(f"Tệp {path.name} không phải tệp khoá bkdesk; hãy dùng khoá khôi phục.")
        if int(data.get("version", 0)) > VERSION:
            raise UserError(f"Tệp khoá {path.name} do phiên bản bkdesk mới hơn tạo; hãy cập nhật phần mềm.")
        return cls(path, str(data.get("db_id", "")), dict(data["users"]))

    def save(self) -> None:
        from bkdesk.fileio import atomic_output

        text = json.dumps({"format": FORMAT, "version": VERSION, "db_id": self.db_id, "users": self.users},
                          ensure_ascii=False, indent=1, sort_keys=True)
        with atomic_output(self.path) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")

    def set_password(self, username: str, data_key: bytes, password: str) -> None:
        check_password(password)
        name = normalize_username(username)
        self.users[name] = wrap(data_key, password, self.db_id, name)

    def unlock(self, username: str, password: str) -> bytes:
        name = normalize_username(username)
        entry = self.users.get(name)
        if entry is None:
            # the same cost and the same line as a wrong password: the file does not tell who exists
            _kek(password or "", b"0" * 16, SCRYPT_N, SCRYPT_R, SCRYPT_P)
            raise WrongPassword("Sai tên đăng nhập hoặc mật khẩu; không có gì thay đổi.")
        return unwrap(entry, password or "", self.db_id, name)

    def remove(self, username: str) -> None:
        self.users.pop(normalize_username(username), None)


# --- the recovery key: the data key on paper ---------------------------------------------------------------
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def recovery_text(data_key: bytes) -> str:
    """The data key as 13 groups of four base32 letters plus one check group (what a person copies)."""
    check = hashlib.sha256(b"bkdesk-recovery" + data_key).digest()[:2]
    text = base64.b32encode(data_key + check).decode("ascii").rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def recovery_key(text: str) -> bytes:
    """The data key from a recovery text as typed (any case, spaces or dashes, O/0 and I/1 confusions)."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    raw = raw.replace("0", "O").replace("1", "I").replace("8", "B")
    try:
        pad = "=" * (-len(raw) % 8)
        data = base64.b32decode(raw + pad)
    except (ValueError, base64.binascii.Error):
        data = b""
    key, check = data[:KEY_BYTES], data[KEY_BYTES:]
    if len(key) != KEY_BYTES or hashlib.sha256(b"bkdesk-recovery" + key).digest()[:2] != check:
        raise UserError("Khoá khôi phục không đúng (sai hoặc thiếu ký tự); hãy kiểm tra lại bản in.")
    return key
