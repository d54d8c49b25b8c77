"""Commune databases with realistic records for the sync package and merge tests."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from bkdesk.dbapi import sqlite3
from bkdesk.model.rules.records import ExitRegistration, GroupValue, IndicatorValue, Review, ReviewRound
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.repo_households import get_household, save_household
from bkdesk.model.store.repo_reviews import save_exit_registration, save_review, save_round
from bkdesk.model.store.repo_sync import TABLES
from bkdesk.model.store.repo_villages import create_village
from tests.factories import make_bundle

# Tables compared field by field after a round trip (all synced records, review parts, audit history).
COMPARED = [t.name for t in TABLES] + ["review_indicator", "review_cause", "review_need", "review_group"]


def fill_commune(conn: sqlite3.Connection, code: str, n: int, seed: int, review_year: int = 2022,
                 user: str = "Cán bộ xã", origin: str = "") -> list[str]:
    """n households with villages, a periodic round, one review each (with parts) and a registration."""
    rng = random.Random(seed)
    villages = [create_village(conn, code, f"Thôn {name}", user=user, origin=origin)
                for name in ("Nà Pài", "Bản Đăm", "Khuổi Tẩu")]
    rnd = ReviewRound(commune_code=code, kind="periodic", review_year=review_year, list_year=review_year + 1,
                      reference_date=f"{review_year}-09-01", standard_id="vn-2022-2026")
    save_round(conn, rnd, user, origin=origin)
    uids = []
    for i in range(n):
        bundle = make_bundle(rng, code, no=i + 1)
        bundle.household.village_uid = rng.choice(villages)
        bundle.household.note = rng.choice(["", "=SUM(A1)", "Hộ đơn thân; \"khó khăn\""])
        save_household(conn, bundle, user, origin=origin)
        uids.append(bundle.household.uid)
        review = Review(household_uid=bundle.household.uid, list_year=review_year + 1,
                        reference_date=f"{review_year}-09-01", commune_code=code, round_uid=rnd.uid,
                        review_date=f"{review_year}-10-{rng.randint(1, 28):02d}", standard_id="vn-2022-2026",
                        standard_revision=1, area="rural", score_a_paper=float(rng.randint(100, 200)) + 0.5,
                        final_class=rng.choice(["POOR", "NEAR_POOR", "NOT_POOR", None]),
                        members_count=len(bundle.members))
        review.indicators = {f"I{k:02d}": IndicatorValue(computed=rng.choice(["deprived", "not_deprived"]),
                                                         final="deprived", reason="Kiểm tra thực tế")
                             for k in range(1, 4)}
        review.causes = {"C1": "Thiếu đất sản xuất", "C3": ""}
        review.needs = {"N2": "Hỗ trợ vay vốn"}
        review.groups = {"G1": GroupValue(final=1, derived=0, reason="Đồng bào dân tộc")}
        save_review(conn, review, user, origin=origin)
        if i % 5 == 0:
            save_exit_registration(conn, ExitRegistration(household_uid=bundle.household.uid,
                                                          registration_year=review_year, target="thoat_ngheo",
                                                          livelihood_text="Nuôi lợn"), user, origin=origin)
    return uids


def new_commune_db(path: Path, code: str, n: int, seed: int, **kw) -> sqlite3.Connection:
    conn = init_database(path, "commune", code, officer="Hoàng Thị Lan")
    from bkdesk.model.store import settings

    fill_commune(conn, code, n, seed, origin=settings.installation_id(conn), **kw)
    return conn


def table_rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
    return sorted(tuple(r) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table}"))


def audit_rows(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(tuple("" if v is None else v for v in r) for r in conn.execute(
        "SELECT at, user, table_name, record_uid, action, field, old_value, new_value, reason, origin"
        " FROM audit_log WHERE table_name NOT IN ('import_ledger', 'sync_key', 'package', 'sync_recipient',"
        " 'sync_recipient_own')"))  # local: merges, exports, trusted and recipient keys


def content(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    out = {t: table_rows(conn, t) for t in COMPARED}
    out["audit_log"] = audit_rows(conn)
    return out


def file_hash(path: Path) -> str:
    """Hash of the database file and its WAL (the database is byte-identical when both are)."""
    h = hashlib.sha256()
    for p in (path, Path(str(path) + "-wal")):
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def trust(importer: sqlite3.Connection, unit_code: str, sender: sqlite3.Connection) -> None:
    """The importing side registers the sender's key for the unit (a second laptop of a commune)."""
    from bkdesk.export.sync.signing import own_fingerprint, public_key_text, trust_key
    from bkdesk.model.store.db import transaction

    with transaction(importer):
        trust_key(importer, unit_code, own_fingerprint(sender), "Cán bộ huyện", public_key=public_key_text(sender))


def edit_household(conn, uid: str, user: str, origin: str, **changes) -> None:
    bundle = get_household(conn, uid)
    for k, v in changes.items():
        setattr(bundle.household, k, v)
    save_household(conn, bundle, user, origin=origin)


def make_household_conflict(folder: Path) -> tuple[Path, str]:
    """A district database with one open conflict: two laptops edited one household (address / phone)."""
    from bkdesk.model.store import settings
    from tests.export.sync_keys import merge_files, write_package

    a = new_commune_db(folder / "a.sqlite", "01954", 2, seed=31)
    p0, _ = write_package(a, "01954", 2022, folder / "p0.xlsx")
    b = init_database(folder / "b.sqlite", "commune", "01954", officer="Nông Văn Bình")
    merge_files(b, folder / "b.sqlite", [p0], trust_new=True)
    path = folder / "huyen.sqlite"
    district = init_database(path, "district", "062", officer="Cán bộ huyện")
    merge_files(district, path, [p0], trust_new=True)
    uid = a.execute("SELECT min(uid) FROM household").fetchone()[0]
    edit_household(a, uid, "Hoàng Thị Lan", settings.installation_id(a), address="Bản Mới")
    edit_household(b, uid, "Nông Văn Bình", settings.installation_id(b), phone="0912345678")
    p1, _ = write_package(a, "01954", 2022, folder / "p1.xlsx")
    p2, _ = write_package(b, "01954", 2022, folder / "p2.xlsx")
    trust(district, "01954", b)
    merge_files(district, path, [p1, p2], trust_new=True)
    for conn in (a, b, district):
        conn.close()
    return path, uid
