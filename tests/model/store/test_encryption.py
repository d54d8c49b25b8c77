"""Issue 16 acceptance for the store: nothing personal in clear on disk, the right user opens the file and no
one else, a wrong password changes nothing, the recovery key resets a password, a password change keeps the
data, a plain database converts keeping every record."""

from __future__ import annotations

import hashlib
import random
import sqlite3 as stdlib_sqlite3  # only to show that plain SQLite cannot read the file
import unicodedata
from pathlib import Path

import pytest

from bkdesk.errors import UserError
from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.rules.text import search_key
from bkdesk.model.store import keyring, users
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.db import auto_backup, open_db
from bkdesk.model.store.repo_drafts import save_draft
from bkdesk.model.store.repo_households import HouseholdBundle, count_households, save_household
from tests.conftest import TEST_COMMUNE
from tests.dbutil import dump
from tests.factories import make_bundle

HEAD = "Nguyễn Thị Mận Khuổi"
CCCD = "001199012345"
ADDRESS = "Bản Nà Khuổi Bốc"
PHONE = "0912345678"


def _protected(path: Path, user="lan", password="mat-khau-1"):
    prot = users.begin_protected(path, user, password, "Hoàng Thị Lan")
    conn = init_database(path, "commune", TEST_COMMUNE, officer="Hoàng Thị Lan")
    users.finish_protected(prot, conn)
    return conn, prot


def _closed_with_known_household(path: Path):
    """A protected database holding the known household, closed, and no key left in this process."""
    conn, prot = _protected(path)
    save_household(conn, _known_household(), user="lan")
    conn.close()
    keyring.forget()
    return prot


def _known_household() -> HouseholdBundle:
    hh = Household(commune_code=TEST_COMMUNE, household_no="0042", address=ADDRESS, phone=PHONE)
    members = [Member(full_name=HEAD, sex="2", position=1, birth_date="1985-03-04", relation_to_head="chu_ho",
                      ethnicity="02", id_number=CCCD, health_insurance=1, labour_status="co_viec_lam")]
    return HouseholdBundle(hh, members, Housing(no_house=0, wall_durable=1, roof_durable=1))


def _needles() -> list[bytes]:
    out = set()
    for text in (HEAD, CCCD, ADDRESS, PHONE, search_key(HEAD), search_key(ADDRESS), "Khuổi", "Khuoi"):
        for form in ("NFC", "NFD"):
            t = unicodedata.normalize(form, text)
            out |= {t.encode("utf-8"), t.encode("utf-16-le"), t.encode("utf-16-be")}
    return sorted(out)


def _files_with(folder: Path, needles: list[bytes]) -> list[str]:
    found = []
    for p in folder.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            found += [f"{p.relative_to(folder)}: {n!r}" for n in needles if n in data]
    return found


def test_no_name_cccd_address_in_clear_in_the_database_wal_backups_and_drafts(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "xa.sqlite"
    conn, _ = _protected(path)
    save_household(conn, _known_household(), user="lan")
    rng = random.Random(3)
    for i in range(20):  # enough pages that the known one is not alone
        save_household(conn, make_bundle(rng, TEST_COMMUNE, no=100 + i), user="lan")
    save_draft(conn, "household:new", {"head": HEAD, "id_number": CCCD, "address": ADDRESS})
    backup = auto_backup(conn, path, "thu")
    assert Path(f"{path}-wal").exists()  # the WAL is scanned with its content in it, before any checkpoint
    needles = _needles()
    assert _files_with(folder, needles) == []
    conn.close()
    assert _files_with(folder, needles) == []
    assert backup.is_file() and backup.stat().st_size > 10_000
    # and the test can see the data when it is in clear: the needles are right
    plain = tmp_path / "plain.sqlite"
    c = init_database(plain, "commune", TEST_COMMUNE)
    save_household(c, _known_household(), user="x")
    c.close()
    assert any(n in plain.read_bytes() for n in needles)


def test_plain_sqlite_cannot_open_it_and_the_right_user_can(tmp_path):
    path = tmp_path / "xa.sqlite"
    _closed_with_known_household(path)
    raw = stdlib_sqlite3.connect(path)
    with pytest.raises(stdlib_sqlite3.DatabaseError):
        raw.execute("SELECT count(*) FROM household").fetchone()
    raw.close()
    with pytest.raises(UserError, match="đăng nhập"):
        open_db(path)  # without a login: refused, not "damaged"
    session = users.login(path, "LAN", "mat-khau-1")  # names are case-insensitive
    assert session.username == "lan" and "quan_tri" in session.roles
    conn = open_db(path)
    assert count_households(conn) == 1 and conn.session == session
    conn.close()


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()


def test_a_wrong_password_or_unknown_user_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "xa.sqlite"
    conn, _ = _protected(path)
    save_household(conn, _known_household(), user="lan")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    keyring.forget()
    files = [path, Path(f"{path}-wal"), Path(f"{path}.keys")]
    before = _digest(*files)
    for user, pw in (("lan", "sai-mat-khau"), ("ai-do", "mat-khau-1"), ("lan", "")):
        with pytest.raises(users.WrongPassword, match="Sai tên đăng nhập hoặc mật khẩu"):
            users.login(path, user, pw)
    assert _digest(*files) == before
    assert keyring.lookup(path) is None


def test_recovery_key_resets_a_forgotten_password_and_a_change_keeps_the_data(tmp_path):
    path = tmp_path / "xa.sqlite"
    conn, prot = _protected(path)
    rng = random.Random(5)
    for i in range(5):
        save_household(conn, make_bundle(rng, TEST_COMMUNE, no=i + 1), user="lan")
    conn.close()
    before = dump(path)
    keyring.forget()
    # a password change re-encrypts nothing: the database file is untouched, only the key file changes
    size_mtime = (path.stat().st_size, path.stat().st_mtime_ns)
    users.change_own_password(path, "lan", "mat-khau-1", "mat-khau-2")
    with pytest.raises(users.WrongPassword):
        users.login(path, "lan", "mat-khau-1")
    users.login(path, "lan", "mat-khau-2")
    assert [line for line in dump(path) if "app_user" not in line and "audit_log" not in line] == [
        line for line in before if "app_user" not in line and "audit_log" not in line]
    keyring.forget()
    # forgotten: the recovery key as typed from paper (lower case, spaces instead of dashes)
    typed = prot.recovery.lower().replace("-", " ")
    with pytest.raises(UserError, match="Khoá khôi phục không đúng"):
        users.reset_with_recovery(path, typed[:-3] + "aaa", "lan", "mat-khau-3")
    session = users.reset_with_recovery(path, typed, "lan", "mat-khau-3")
    assert session.username == "lan"
    conn = open_db(path)
    assert count_households(conn) == 5
    conn.close()
    assert size_mtime[0] <= path.stat().st_size
    keyring.forget()
    users.login(path, "lan", "mat-khau-3")
    # even the key file lost: the recovery key still opens the database and writes a new one
    keyring.forget()
    Path(f"{path}.keys").unlink()
    users.reset_with_recovery(path, prot.recovery, "lan", "mat-khau-4")
    keyring.forget()
    assert users.login(path, "lan", "mat-khau-4").username == "lan"


def test_backups_are_encrypted_with_the_same_key_and_open_after_a_login(tmp_path):
    from bkdesk.model.store.backups import list_backups

    path = tmp_path / "xa.sqlite"
    conn, _ = _protected(path)
    save_household(conn, _known_household(), user="lan")
    backup = auto_backup(conn, path, "thu-cong")
    conn.close()
    keyring.forget()
    raw = stdlib_sqlite3.connect(backup)
    with pytest.raises(stdlib_sqlite3.DatabaseError):
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    raw.close()
    users.login(path, "lan", "mat-khau-1")
    assert [b.households for b in list_backups(path)] == [1]


def test_a_plain_database_converts_keeping_every_record(tmp_path):
    from bkdesk.model.demo.build import build_demo_database

    path = tmp_path / "cu.sqlite"
    build_demo_database(path, "commune", seed=2, workers=1)
    assert users.is_plain_database(path)
    before = {t: rows for t, rows in _tables(path).items()}
    conv = users.convert_plain(path, "an", "mat-khau-an", "Lý Văn An")
    assert not users.is_plain_database(path) and users.is_plain_database(conv.plain_copy)
    assert conv.tables["household"] == before["household"][0] > 0
    keyring.forget()
    users.login(path, "an", "mat-khau-an")
    after = _tables(path)
    for table, (n, digest) in before.items():
        if table in ("app_user", "audit_log"):
            continue
        assert after[table] == (n, digest), table
    # the conversion adds the first user and its audit row, nothing else
    assert after["app_user"][0] == 1
    old_lines = set(dump(conv.plain_copy))
    new_rows = [line for line in dump(path) if line not in old_lines and line.startswith("(")]
    assert len(new_rows) == 3 and sum("'app_user', 'an', 'insert'" in line for line in new_rows) == 2
    assert users.plain_leftovers(path) == [conv.plain_copy]
    removed = users.remove_plain(conv)
    assert conv.plain_copy in removed and users.plain_leftovers(path) == []


def _tables(path: Path) -> dict[str, tuple[int, str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in dump(path):
        if line.startswith(("table ", "index ", "trigger ", "view ")):
            current = line.split(":", 1)[0].split(" ", 1)[1] if line.startswith("table ") else None
            if current:
                out[current] = []
        elif current:
            out[current].append(line)
    return {t: (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()) for t, rows in out.items()}


def test_a_damaged_encrypted_database_is_replaced_by_its_encrypted_backup(tmp_path):
    from bkdesk.model.store.backups import replace_damaged_with_backup

    path = tmp_path / "xa.sqlite"
    conn, _ = _protected(path)
    save_household(conn, _known_household(), user="lan")
    backup = auto_backup(conn, path, "hang-ngay")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])  # a copy that stopped half-way
    keyring.forget()
    with pytest.raises(UserError, match="Mật khẩu đúng nhưng không đọc được") as refused:
        users.login(path, "lan", "mat-khau-1")  # the password opens the key; the file does not open
    assert refused.value.kind == "damaged" and keyring.session_for(path) is None
    aside = replace_damaged_with_backup(path, backup)  # the desk's startup screen offers this
    users.login(path, "lan", "mat-khau-1")
    assert aside.exists() and not users.is_plain_database(path)
    conn = open_db(path)
    assert count_households(conn) == 1 and conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
    assert _files_with(tmp_path, _needles()) == []


def test_a_database_copied_without_its_key_file_asks_for_a_login_and_the_recovery_key_opens_it(tmp_path):
    from bkdesk.model.store.db import inspect_file

    path = tmp_path / "xa.sqlite"
    prot = _closed_with_known_household(path)
    Path(f"{path}.keys").unlink()
    with pytest.raises(UserError, match="mã hoá: cần đăng nhập") as refused:
        inspect_file(path)  # not "not a bkdesk file": the desk shows its login, whose recovery link helps
    assert refused.value.kind == "encrypted"
    with pytest.raises(UserError, match="Không tìm thấy tệp khoá"):
        users.login(path, "lan", "mat-khau-1")
    users.reset_with_recovery(path, prot.recovery, "lan", "mat-khau-5")
    conn = open_db(path)
    assert count_households(conn) == 1
    conn.close()
    text = tmp_path / "ghi-chu.sqlite"  # a text file given the name is still "not bkdesk"
    line = "không phải cơ sở dữ liệu\n"
    text.write_bytes(line.encode() * (4096 // len(line.encode())) + b"x" * (4096 % len(line.encode())))
    assert text.stat().st_size == 4096
    with pytest.raises(UserError) as other:
        inspect_file(text)
    assert other.value.kind == "not_bkdesk"
