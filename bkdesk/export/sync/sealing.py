"""Encryption of a package's hidden data sheets (issue 16): only the level above can read them.

Hybrid: one random 256-bit content key per package; each table's records (the JSON cells, one per line)
are compressed (zlib, streaming) and cut into segments, each sealed with AES-256-GCM under the content key,
bound by its additional data to the package (``seal_id``), the table, its position and the number of
segments (no segment can be moved, dropped or swapped between tables or packages). One segment is one
cell of base64 text, under Excel's 32,767 characters.

The content key travels in the manifest, wrapped once per key slot (``seal.<n>`` fields, signed with the
rest of the manifest):
- ``x25519``: to a registered recipient (district or province database): an ephemeral X25519 key, ECDH with
  the recipient's public key, HKDF-SHA256 -> a key-encryption key, AES-GCM over the content key;
- ``scrypt``: to a passphrase shared by another channel (scrypt, memory-hard, parameters stored).

The sender still signs (Ed25519) the digest of the plain records and the manifest (package_format.Checksum),
so a package is verified after it is opened exactly as before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bkdesk.errors import UserError
from bkdesk.export.sync.package_format import PARTS_PREFIX, SEAL_PREFIX, PackageError

SLOT_PREFIX = SEAL_PREFIX
SEAL_ID_KEY = "seal_id"
SEGMENT_BYTES = 24_000  # 24,000 + 12 nonce + 16 tag -> 32,036 base64 characters: under 32,767
WRAP_INFO = b"bkdesk-goi-dong-bo/khoa-noi-dung/x25519"
MIN_PASSPHRASE = 10
# scrypt for package passphrases: the cost of the database key file's (keyfile.SCRYPT_N, read at call time),
# stored in the slot, so the merge uses what the export used.
SCRYPT_R, SCRYPT_P = 8, 1


class SealError(PackageError):
    """A package that cannot be opened here (another recipient, a passphrase, a wrong one, tampered)."""

    def __init__(self, message: str, needs_passphrase: bool = False):
        super().__init__(message)
        self.needs_passphrase = needs_passphrase

    def __reduce__(self):  # raised in the reader process: keep the flag across the pipe
        return (SealError, (str(self), self.needs_passphrase))


@dataclass
class OpenKeys:
    """What this database may open packages with: its recipient private key(s), a passphrase. Plain data,
    so that it travels to the reader process."""
    private_keys: list[bytes] = field(default_factory=list)
    passphrase: str | None = None


# --- keys ----------------------------------------------------------------------------------------------

def new_private_key() -> bytes:
    return X25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption())


def public_key_text(private_raw: bytes) -> str:
    pub = X25519PrivateKey.from_private_bytes(private_raw).public_key()
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def check_public_key(text: str) -> bytes:
    """Raw 32 bytes of a base64 X25519 public key; ValueError when it is not one."""
    raw = base64.b64decode(text or "", validate=True)
    if len(raw) != 32:
        raise ValueError("khóa công khai phải dài 32 byte")
    X25519PublicKey.from_public_bytes(raw)
    return raw


def check_passphrase(passphrase: str) -> str:
    text = unicodedata.normalize("NFC", (passphrase or "").strip("\r\n"))
    if len(text) < MIN_PASSPHRASE:
        raise UserError(f"Cụm mật khẩu của gói cần ít nhất {MIN_PASSPHRASE} ký tự.")
    return text


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _kek_x25519(shared: bytes, ephemeral_pub: bytes, recipient_pub: bytes, seal_id: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=seal_id.encode(),
                info=WRAP_INFO + ephemeral_pub + recipient_pub).derive(shared)


def _kek_scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(unicodedata.normalize("NFC", passphrase).encode(), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=32)


def _slot_aad(seal_id: str, kind: str) -> bytes:
    return f"bkdesk-goi-dong-bo/khoa\x1f{seal_id}\x1f{kind}".encode()


def slot_for_recipient(content_key: bytes, seal_id: str, unit_code: str, public_key: str, fingerprint: str) -> str:
    recipient_pub = check_public_key(public_key)
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kek = _kek_x25519(eph.exchange(X25519PublicKey.from_public_bytes(recipient_pub)), eph_pub, recipient_pub,
                      seal_id)
    nonce = os.urandom(12)
    wrapped = AESGCM(kek).encrypt(nonce, content_key, _slot_aad(seal_id, "x25519"))
    return json.dumps({"kind": "x25519", "unit_code": unit_code, "fingerprint": fingerprint,
                       "recipient": public_key, "ephemeral": _b64(eph_pub), "nonce": _b64(nonce),
                       "wrapped": _b64(wrapped)}, ensure_ascii=False, sort_keys=True)


def slot_for_passphrase(content_key: bytes, seal_id: str, passphrase: str) -> str:
    from bkdesk.model.store import keyfile

    n = keyfile.SCRYPT_N
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek_scrypt(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    wrapped = AESGCM(kek).encrypt(nonce, content_key, _slot_aad(seal_id, "scrypt"))
    return json.dumps({"kind": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt),
                       "nonce": _b64(nonce), "wrapped": _b64(wrapped)}, sort_keys=True)


def new_seal() -> tuple[bytes, str]:
    """(content key, seal id) of a new package."""
    return AESGCM.generate_key(bit_length=256), _b64(os.urandom(16))


def _slots(manifest: dict[str, str], name: str) -> list[dict]:
    out = []
    for key in sorted(k for k in manifest if k.startswith(SLOT_PREFIX)):
        try:
            slot = json.loads(manifest[key])
            if not isinstance(slot, dict) or slot.get("kind") not in ("x25519", "scrypt"):
                raise ValueError
        except ValueError:
            raise SealError(f"Tệp {name}: khóa giải mã «{key}» trong thông tin gói không đọc được.") from None
        out.append(slot)
    if not out:
        raise SealError(f"Tệp {name}: thông tin gói không có khóa giải mã.")
    return out


def open_content_key(manifest: dict[str, str], keys: OpenKeys, name: str) -> bytes:
    """Unwrap the content key with this database's recipient key(s) or the passphrase; one Vietnamese line
    naming what is missing otherwise."""
    seal_id = manifest.get(SEAL_ID_KEY, "")
    slots = _slots(manifest, name)
    for slot in (s for s in slots if s["kind"] == "x25519"):
        for raw in keys.private_keys:
            priv = X25519PrivateKey.from_private_bytes(raw)
            own_pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            try:
                if _unb64(slot["recipient"]) != own_pub:
                    continue
                eph_pub = _unb64(slot["ephemeral"])
                kek = _kek_x25519(priv.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, own_pub, seal_id)
                return AESGCM(kek).decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]),
                                           _slot_aad(seal_id, "x25519"))
            except (InvalidTag, ValueError, KeyError, TypeError):
                raise SealError(f"Tệp {name}: khóa giải mã của gói đã bị sửa (không mở được); không nhập. Hãy xin"
                                " lại tệp gốc từ đơn vị gửi.") from None
    phrase = [s for s in slots if s["kind"] == "scrypt"]
    if phrase and keys.passphrase:
        s = phrase[0]
        try:
            n, r, p = int(s["n"]), int(s["r"]), int(s["p"])
            if not (2 ** 10 <= n <= 2 ** 20 and 1 <= r <= 16 and 1 <= p <= 4):
                raise ValueError
            kek = _kek_scrypt(keys.passphrase, _unb64(s["salt"]), n, r, p)
            return AESGCM(kek).decrypt(_unb64(s["nonce"]), _unb64(s["wrapped"]), _slot_aad(seal_id, "scrypt"))
        except InvalidTag:
            raise SealError(f"Tệp {name}: cụm mật khẩu không đúng; không nhập. Hãy hỏi lại cán bộ đã xuất gói.",
                            needs_passphrase=True) from None
        except (ValueError, KeyError, TypeError):
            raise SealError(f"Tệp {name}: khóa giải mã của gói đã bị sửa (không mở được); không nhập.") from None
    if phrase:
        raise SealError(f"Tệp {name}: gói được khóa bằng cụm mật khẩu; hãy nhập cụm mật khẩu do đơn vị gửi báo"
                        " qua kênh khác (lệnh: --passphrase-file TỆP).", needs_passphrase=True)
    units = ", ".join(f"{s.get('unit_code', '?')} (khóa {s.get('fingerprint', '?')})" for s in slots)
    if not keys.private_keys:
        raise SealError(f"Tệp {name}: gói được mã hóa cho cấp nhận {units}; cơ sở dữ liệu này chưa có khóa nhận"
                        " nên không mở được; không nhập.")
    raise SealError(f"Tệp {name}: gói được mã hóa cho cấp nhận khác ({units}), không phải cho cơ sở dữ liệu này;"
                    " không nhập.")


# --- table data ----------------------------------------------------------------------------------------

def _aad(seal_id: str, table: str, index: int, total: int) -> bytes:
    return f"bkdesk-goi-dong-bo/du-lieu\x1f{seal_id}\x1f{table}\x1f{index}\x1f{total}".encode()


def seal_table(content_key: bytes, seal_id: str, table: str, cells: Iterable[str]) -> list[str]:
    """The table's cells (JSON text without raw newlines), one per line, compressed, sealed: base64 cells."""
    comp = zlib.compressobj(6)
    blocks, pending = [], bytearray()
    for cell in cells:
        pending += comp.compress(cell.encode() + b"\n")
        while len(pending) >= SEGMENT_BYTES:
            blocks.append(bytes(pending[:SEGMENT_BYTES]))
            del pending[:SEGMENT_BYTES]
    pending += comp.flush()
    while pending:
        blocks.append(bytes(pending[:SEGMENT_BYTES]))
        del pending[:SEGMENT_BYTES]
    aes, total = AESGCM(content_key), len(blocks)
    out = []
    for i, block in enumerate(blocks):
        nonce = os.urandom(12)
        out.append(_b64(nonce + aes.encrypt(nonce, block, _aad(seal_id, table, i, total))))
    return out


def open_table(content_key: bytes, seal_id: str, table: str, parts: list[str], name: str) -> list[str]:
    """The table's cells back, segment by segment (memory: the cells, never the whole file)."""
    aes, total = AESGCM(content_key), len(parts)
    decomp = zlib.decompressobj()
    text: list[bytes] = []
    tail = b""
    try:
        for i, part in enumerate(parts):
            raw = _unb64(part)
            block = aes.decrypt(raw[:12], raw[12:], _aad(seal_id, table, i, total))
            chunk = tail + decomp.decompress(block)
            cut = chunk.rfind(b"\n") + 1
            text.append(chunk[:cut])
            tail = chunk[cut:]
        tail += decomp.flush()
        if tail or not decomp.eof and total:
            raise ValueError("incomplete")
    except (InvalidTag, ValueError, zlib.error):
        raise SealError(f"Tệp {name}: dữ liệu mã hóa của bảng {table} đã bị sửa hoặc không đầy đủ; không nhập."
                        " Hãy xin lại tệp gốc từ đơn vị gửi.") from None
    data = b"".join(text)
    del text
    return data.decode().split("\n")[:-1] if data else []


def parts_of(manifest: dict[str, str], table: str) -> int:
    return int(manifest.get(f"{PARTS_PREFIX}{table}", "0") or 0)


def iter_slot_summaries(manifest: dict[str, str]) -> Iterator[str]:
    """Readable lines about who can open a package (for a quick look and the merge messages)."""
    for key in sorted(k for k in manifest if k.startswith(SLOT_PREFIX)):
        try:
            slot = json.loads(manifest[key])
        except ValueError:
            continue
        if slot.get("kind") == "x25519":
            yield f"cấp nhận {slot.get('unit_code', '?')} (khóa {slot.get('fingerprint', '?')})"
        else:
            yield "cụm mật khẩu"
