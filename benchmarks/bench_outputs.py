"""Official outputs at province scale; prints figures (DESIGN.md §5, issue 5).

- the 15 reports for 81,480 households (about 330,000 persons), xlsx: target < 30 s;
- 4,000 household review-form pages in one PDF: target >= 150 pages/s;
- the same 15 reports as PDF, and the province poor-household member list (report 15), for information.

The province database is generated here with raw ``executemany`` (sqlite-utils is far slower for bulk).
Run: python -m benchmarks.bench_outputs [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from bkdesk.export.forms import write_forms
from bkdesk.export.service import export
from bkdesk.model.rules.units import catalog
from bkdesk.model.store import repo_snapshots
from bkdesk.model.store.db import open_db, transaction

HOUSEHOLDS = 81_480
BIG_COMMUNE, BIG_COMMUNE_HOUSEHOLDS = "01954", 4_000  # the review-form batch runs on this commune
YEAR = 2024
INDICATORS = ["VL", "NPT", "DD", "BHYT", "GDNL", "DHTE", "CLNO", "DTNO", "NSH", "NTHVS", "VT", "PTTT"]
NAMES = ["Nguyễn", "Hoàng", "Lý", "Nông", "Triệu", "Hà", "Đặng", "Lường", "Ma", "Bàn"]
GIVEN = ["Văn An", "Thị Bình", "Đức Hùng", "Thị Lan", "Minh Ước", "Thị Yến", "Văn Thắm", "Thị Ễ"]
ETHNIC = ["02", "02", "02", "07", "07", "09", "08", "01", "01", "15", "04", "03"]
NOW = "2024-12-01T00:00:00"
SYNC = (1, NOW, "bench", "bench")


def _uid() -> str:
    return str(uuid.uuid4())


def build(path: Path, seed: int = 1, n_households: int = HOUSEHOLDS) -> None:
    """A province database (2022 tree) with two periodic rounds (review years R-1 and R)."""
    rng = random.Random(seed)
    from benchmarks.common import new_database

    conn = new_database(path, "province", "06", "bench")
    communes = [u.code for u in catalog().communes()]
    big = min(BIG_COMMUNE_HOUSEHOLDS, n_households // 2)
    rest = (n_households - big) // (len(communes) - 1)
    villages, households, members, reviews, inds, causes, needs, groups = [], [], [], [], [], [], [], []
    n = 0
    for code in communes:
        vs = [(_uid(), code, f"Thôn {i}", f"thon {i}") for i in range(1, 9)]
        villages += vs
        count = big if code == BIG_COMMUNE else rest
        if code == communes[-1]:
            count = n_households - n
        for i in range(count):
            n += 1
            hh = _uid()
            head = f"{rng.choice(NAMES)} {rng.choice(GIVEN)}"
            v = vs[i % len(vs)]
            households.append((hh, f"{i + 1:04d}", code, v[0], head, head.lower(), head.lower()))
            size = rng.choice((1, 2, 3, 4, 4, 5, 5, 6, 7))
            for pos in range(size):
                name = head if pos == 0 else f"{rng.choice(NAMES)} {rng.choice(GIVEN)}"
                members.append((_uid(), hh, pos + 1, name, name.lower(), rng.choice("12"),
                                f"{rng.randint(1945, 2022)}-0{rng.randint(1, 9)}-15", rng.choice(ETHNIC),
                                "Chủ hộ" if pos == 0 else "Con", "present", rng.choice((0, 1, 1)),
                                rng.choice((0, 1, 1)), rng.choice((0, 1, 1))))
            r = rng.random()
            cls = "POOR" if r < 0.25 else "NEAR_POOR" if r < 0.35 else "MIDDLE" if r < 0.4 else "NOT_POOR"
            prev = rng.choice(("POOR", "NEAR_POOR", "NOT_POOR", "NOT_POOR"))
            for ly, c in ((YEAR, prev), (YEAR + 1, cls)):
                rid = _uid()
                reviews.append((rid, hh, "periodic", ly, f"{ly - 1}-09-01", code, v[0], "decided" if ly == YEAR
                                else "confirmed", c, c, "vn-2022-2026", 1, size))
                if ly == YEAR + 1:
                    dep = [k for k in INDICATORS if rng.random() < (0.3 if c in ("POOR", "NEAR_POOR") else 0.05)]
                    inds += [(rid, k, "deprived" if k in dep else "not_deprived",
                              "deprived" if k in dep else "not_deprived") for k in INDICATORS]
                    if c in ("POOR", "NEAR_POOR"):
                        causes += [(rid, str(k), "") for k in rng.sample(range(1, 9), rng.randint(1, 3))]
                        needs += [(rid, k, "") for k in rng.sample(["YT", "GD", "SX", "TD", "NO"], 2)]
                    groups += [(rid, g, rng.choice((0, 1, 1)) if g == "dtts" else rng.choice((0, 0, 0, 1)))
                               for g in ("dtts", "kcknld", "cscc", "btxh", "chu_ho_nu")]
    conn.execute("PRAGMA synchronous=OFF")  # bench data only: one transaction, no fsync per page
    with transaction(conn):
        conn.executemany("INSERT INTO village (uid, commune_code, name, name_key, rev, updated_at, updated_by, origin)"
                         " VALUES (?,?,?,?,?,?,?,?)", [v + SYNC for v in villages])
        conn.executemany("INSERT INTO household (uid, household_no, commune_code, village_uid, head_name, head_sort,"
                         " search_text, rev, updated_at, updated_by, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         [h + SYNC for h in households])
        conn.executemany("INSERT INTO member (uid, household_uid, position, full_name, name_key, sex, birth_date,"
                         " ethnicity, relation_to_head, presence, health_insurance, currently_studying,"
                         " level_suitable_for_age, rev, updated_at, updated_by, origin)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [m + SYNC for m in members])
        conn.executemany("INSERT INTO review (uid, household_uid, review_type, list_year, reference_date,"
                         " commune_code, village_uid, record_status, final_class, computed_class, standard_id,"
                         " standard_revision, members_count, rev, updated_at, updated_by, origin)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [r + SYNC for r in reviews])
        conn.executemany("INSERT INTO review_indicator (review_uid, indicator_code, computed, final)"
                         " VALUES (?,?,?,?)", inds)
        conn.executemany("INSERT INTO review_cause (review_uid, cause_code, text) VALUES (?,?,?)", causes)
        conn.executemany("INSERT INTO review_need (review_uid, need_code, text) VALUES (?,?,?)", needs)
        conn.executemany("INSERT INTO review_group (review_uid, group_code, derived, final) VALUES (?,?,?,?)",
                         [(g[0], g[1], g[2], g[2]) for g in groups])
        # every counted review keeps its roster, as in a real database: the reports read these snapshots
        repo_snapshots.fill_missing(conn, "benchmark data", "2024-12-15T00:00:00+07:00")
    print(f"data: {len(households):,} households, {len(members):,} persons, {len(reviews):,} reviews, "
          f"{len(inds):,} indicator values")
    conn.close()


def province_db(ctx) -> Path:
    """The province database above, built once per seed and schema (read-only)."""
    from benchmarks.common import _schema_tag, mode_tag

    n = 600 if ctx.smoke else HOUSEHOLDS

    def make(path: Path) -> None:
        build(path, ctx.seed, n)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    return ctx.cached(f"outputs-province-{n}-seed{ctx.seed}-{_schema_tag()}-{mode_tag()}.sqlite", make)


def measures(ctx):
    """reports_xlsx, pdf_forms, and the province list (report 15, the detailed list of poor households:
    one row per person, ~83,000 rows x 18 columns here) to xlsx and PDF."""
    import atexit
    import shutil

    from benchmarks.common import Measure, copy_db

    work = Path(tempfile.mkdtemp(prefix="bkdesk-bench-outputs-"))
    atexit.register(shutil.rmtree, work, True)
    state: dict = {}
    size_note: dict = {}

    def setup() -> None:
        if "conn" not in state:
            state["conn"] = open_db(copy_db(province_db(ctx), work / "province.sqlite"))

    def teardown() -> None:
        if "conn" in state:
            state.pop("conn").close()
        shutil.rmtree(work, ignore_errors=True)

    def reports_xlsx() -> None:
        export(state["conn"], "all", "06", YEAR, work / "bao_cao_15.xlsx")

    def pdf_forms() -> float:
        t = time.perf_counter()
        _path, pages = write_forms(state["conn"], "review", BIG_COMMUNE, YEAR, work / "phieu.pdf")
        return pages / (time.perf_counter() - t)

    def list_out(suffix: str):
        def run() -> None:
            out = export(state["conn"], LIST_FORM, "06", YEAR, work / f"danh_sach.{suffix}")
            rows = _list_rows(state["conn"])
            size_note[suffix] = f"{LIST_FORM}: {rows:,} person rows x {LIST_COLUMNS} columns".replace(",", ".")
            state[f"list_{suffix}"] = out.stat().st_size / 1e6
            measures_by_name[f"list_{suffix}"].note = size_note[suffix]
        return run

    def list_xlsx_size() -> float:
        return state["list_xlsx"]

    out = [Measure("reports_xlsx", reports_xlsx, setup=setup, repeat=2, note="smoke scale" if ctx.smoke else "81.480 households"),
           Measure("pdf_forms", pdf_forms, setup=setup, repeat=2, note=f"commune {BIG_COMMUNE}"),
           Measure("list_xlsx", list_out("xlsx"), setup=setup, repeat=2),
           Measure("list_xlsx_size", list_xlsx_size, repeat=1, note="the file list_xlsx wrote"),
           Measure("list_pdf", list_out("pdf"), setup=setup, repeat=2, teardown=teardown)]
    measures_by_name = {m.figure: m for m in out}
    return out


# The province list of DESIGN.md §5: report 15 (detailed list of poor households, one row per person).
LIST_FORM, LIST_COLUMNS = "r15", 18


def _list_rows(conn) -> int:
    """Rows of the list just written: present members of the province's poor households (review year R)."""
    return conn.execute(
        "SELECT count(*) FROM member m JOIN review r ON r.household_uid = m.household_uid"
        " WHERE r.list_year = ? AND r.final_class = 'POOR' AND m.presence = 'present'", (YEAR + 1,)).fetchone()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", metavar="DIR", help="keep the database and outputs in DIR")
    ap.add_argument("--skip-pdf-reports", action="store_true")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_outputs_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "province.sqlite"
    if not db.exists():
        t = time.perf_counter()
        build(db)
        print(f"generate province database (raw executemany): {time.perf_counter() - t:.1f} s")
    conn = open_db(db)
    t = time.perf_counter()
    out = export(conn, "all", "06", YEAR, work / "bao_cao_15.xlsx")
    dt_x = time.perf_counter() - t
    print(f"15 reports, province (81,480 households), xlsx: {dt_x:.1f} s (target < 30 s) "
          f"-> {out.stat().st_size / 1e6:.1f} MB")
    t = time.perf_counter()
    path, pages = write_forms(conn, "review", BIG_COMMUNE, YEAR, work / "phieu.pdf")
    dt_p = time.perf_counter() - t
    print(f"review forms: {pages:,} pages in {dt_p:.1f} s = {pages / dt_p:.0f} pages/s (target >= 150) "
          f"-> {path.stat().st_size / 1e6:.1f} MB")
    if not args.skip_pdf_reports:
        t = time.perf_counter()
        out = export(conn, "all", "06", YEAR, work / "bao_cao_15.pdf")
        print(f"15 reports, province, PDF (includes the member lists 14-15): {time.perf_counter() - t:.1f} s "
              f"-> {out.stat().st_size / 1e6:.1f} MB")
    conn.close()


if __name__ == "__main__":
    main()
