"""Merge 108 commune packages (81,480 households, ~330,000 persons) into an empty province database.

Targets (DESIGN.md §5, issue 15): < 20 s, peak memory < 500 MB. Prints the figures, then the floor:
floor_package_read, every cell of the same 108 files read with python-calamine (in a fresh process), and
the merge's ratio to it.
Run: python benchmarks/bench_merge.py [--cache DIR] [--rebuild]

The packages are built once into a cache folder (bulk inserts into commune databases, then the real
``write_package``); the merge runs in a fresh subprocess so its peak RSS is its own.
Each household has members, housing and one review with 12 indicators, 2 causes, 1 need and 1 group.
Audit history: one entry per record (a real commune carries one entry per field; see the report).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import PLAIN, copy_db, new_database, peak_rss_mb  # noqa: E402
from bkdesk.model.rules.records import new_uid  # noqa: E402
from bkdesk.model.rules.text import name_sort_text, search_key  # noqa: E402
from bkdesk.model.rules.units import catalog  # noqa: E402
from bkdesk.model.store import repo_sync, settings  # noqa: E402
from bkdesk.model.store.db import transaction  # noqa: E402
from tests.factories import person_name  # noqa: E402

HOUSEHOLDS = 81_480
CACHE_VERSION = "v4"  # v2: package format 2 (signed, version identity, tombstones); v3: sealed to the province;
# v4: package format 4 (the round records travel)
CACHE_VERSION += "" if PLAIN else "-enc"  # the province database encrypted as the product makes it (issue 16)
PROVINCE = "tinh.sqlite"  # in the cache: the empty province database whose recipient key the communes register


def _row(conn, table: str, values: dict) -> dict:
    return values  # columns left out take their schema defaults


def build_commune(path: Path, code: str, n: int, seed: int) -> None:
    rng = random.Random(seed)
    conn = new_database(path, "commune", code, officer="Cán bộ xã")
    origin, at, who = settings.installation_id(conn), "2022-10-15T09:00:00+07:00", "Cán bộ xã"
    meta = {"rev": 1, "updated_at": at, "updated_by": who, "origin": origin}
    rows: dict[str, list] = {t.name: [] for t in repo_sync.TABLES}
    children: dict[str, list] = {k: [] for k in repo_sync.CHILDREN}
    village = {"uid": new_uid(), "commune_code": code, "name": "Thôn Nà Pài", "name_key": "thon na pai", **meta}
    rows["village"].append(_row(conn, "village", village))
    rnd = {"uid": new_uid(), "commune_code": code, "kind": "periodic", "review_year": 2022, "list_year": 2023,
           "reference_date": "2022-09-01", "standard_id": "vn-2022-2026", **meta}
    rows["review_round"].append(_row(conn, "review_round", rnd))
    for i in range(n):
        hh = new_uid()
        names = [person_name(rng, rng.choice("12")) for _ in range(rng.choice([1, 2, 3, 4, 4, 5, 5, 6, 7]))]
        rows["household"].append(_row(conn, "household", {
            "uid": hh, "household_no": f"{i + 1:04d}", "commune_code": code, "village_uid": village["uid"],
            "address": f"Thôn {rng.randint(1, 9)}", "phone": f"09{rng.randint(10**7, 10**8 - 1)}",
            "head_name": names[0], "head_sort": name_sort_text(names[0]),
            "search_text": " | ".join(search_key(x) for x in names), **meta}))
        for pos, name in enumerate(names, start=1):
            rows["member"].append(_row(conn, "member", {
                "uid": new_uid(), "household_uid": hh, "position": pos, "full_name": name,
                "name_key": search_key(name), "name_sort": name_sort_text(name), "sex": rng.choice("12"),
                "birth_date": f"{rng.randint(1940, 2020)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "ethnicity": rng.choice(["Tày", "Nùng", "Dao", "Kinh"]), "id_number": f"{rng.randrange(10**12):012d}",
                "relation_to_head": "Chủ hộ" if pos == 1 else "Con", "labour_status": "co_viec_lam",
                "health_insurance": 1, **meta}))
        rows["housing"].append(_row(conn, "housing", {"household_uid": hh, "no_house": 0, "wall_durable": 1,
                                                      "floor_area_m2": float(rng.randint(12, 120)), **meta}))
        rev = new_uid()
        rows["review"].append(_row(conn, "review", {
            "uid": rev, "household_uid": hh, "round_uid": rnd["uid"], "list_year": 2023,
            "reference_date": "2022-09-01", "commune_code": code, "standard_id": "vn-2022-2026", "area": "rural",
            "score_a_paper": float(rng.randint(100, 200)), "final_class": rng.choice(["POOR", "NEAR_POOR", None]),
            "record_status": "confirmed", "members_count": len(names), **meta}))
        children["_indicators"].append((rev, json.dumps([[f"I{k:02d}", "not_deprived", "", "not_deprived", ""]
                                                         for k in range(1, 13)])))
        children["_causes"].append((rev, json.dumps([["C1", ""], ["C3", "Thiếu vốn"]], ensure_ascii=False)))
        children["_needs"].append((rev, json.dumps([["N2", ""]])))
        children["_groups"].append((rev, json.dumps([["G1", 0, 1, ""]])))
    with transaction(conn):
        for spec in repo_sync.TABLES:
            if not rows[spec.name]:
                continue
            cols = list(rows[spec.name][0])
            repo_sync.upsert_rows(conn, spec.name, cols, [tuple(r.values()) for r in rows[spec.name]])
            repo_sync.append_audit(conn, [(at, who, spec.name, r[spec.key], "insert", None, None, None, "",
                                           origin) for r in rows[spec.name]])
        repo_sync.replace_review_children(conn, children)
    conn.close()


def province_key(cache: Path) -> Path:
    """The province's recipient key file (its empty database kept in the cache: the merge starts from a copy)."""
    from bkdesk.export.sync.recipients import write_recipient_file

    key_file = cache / "khoa-nhan-tinh.json"
    if not key_file.exists():
        (cache / PROVINCE).unlink(missing_ok=True)
        conn = new_database(cache / PROVINCE, "province", "06")  # encrypted unless BKDESK_BENCH_PLAIN=1
        write_recipient_file(conn, key_file)
        conn.close()
    return key_file


def build_packages(cache: Path) -> list[Path]:
    from bkdesk.export.sync.package import write_package
    from bkdesk.export.sync.recipients import add_recipient
    from bkdesk.model.store.db import open_db

    communes = [u.code for u in catalog().communes("2022")]
    per, extra = divmod(HOUSEHOLDS, len(communes))
    out = []
    key_file = province_key(cache)
    t0 = time.perf_counter()
    export_times = []
    for i, code in enumerate(communes):
        pkg = cache / f"{code}.xlsx"
        if not pkg.exists():
            db = cache / "db" / f"{code}.sqlite"
            db.parent.mkdir(parents=True, exist_ok=True)
            db.unlink(missing_ok=True)
            build_commune(db, code, per + (1 if i < extra else 0), seed=i)
            conn = open_db(db)
            add_recipient(conn, key_file)  # the commune registered the province's key once
            t = time.perf_counter()
            write_package(conn, code, 2022, pkg)  # sealed to the province
            export_times.append((time.perf_counter() - t, per))
            conn.close()
        out.append(pkg)
    if export_times:
        print(f"packages built in {time.perf_counter() - t0:.1f} s; export of one commune package"
              f" (~{per} households): median {sorted(t for t, _ in export_times)[len(export_times) // 2]:.2f} s")
    return out


def merge_only(files: list[str]) -> None:

    from bkdesk.export.sync.merge import merge_files
    from bkdesk.model.store.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / PROVINCE
        copy_db(Path(files[0]).parent / PROVINCE, path)  # empty, with the recipient key the packages need
        conn = open_db(path)
        t = time.perf_counter()
        report = merge_files(conn, path, files, trust_new=True)  # an empty province: first keys
        elapsed = time.perf_counter() - t
        hh = conn.execute("SELECT count(*) FROM household").fetchone()[0]
        persons = conn.execute("SELECT count(*) FROM member").fetchone()[0]
        conn.close()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu_reader = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = peak_rss_mb()
    reader = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the package reader process
    merged = sum(r.status == "merged" for r in report.results)
    print(f"merge_province: {elapsed:.1f} s for {merged}/{len(files)} packages, {hh:,} households, {persons:,}"
          f" persons (target < 20 s) {'PASS' if elapsed < 20 else 'MISS'}")
    print(f"merge_memory: peak RSS {peak:.0f} MB + reader process {reader:.0f} MB = {peak + reader:.0f} MB"
          f" (target < 500 MB) {'PASS' if peak + reader < 500 else 'MISS'}")
    main_cpu, reader_cpu = cpu.ru_utime + cpu.ru_stime, cpu_reader.ru_utime + cpu_reader.ru_stime
    print(f"merge_cpu: {main_cpu:.1f} s in the merging process + {reader_cpu:.1f} s in the reader process"
          " (wall time depends on what else runs)")
    return elapsed


def read_floor(files: list[str]) -> None:
    """floor_package_read: python-calamine reads every cell of every sheet of the packages, nothing else."""
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    t_cpu = time.process_time()
    cells = 0
    for f in files:
        wb = CalamineWorkbook.from_path(f)
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            cells += sum(len(r) for r in rows)
    print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - t_cpu, "cells": cells}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / f"bkdesk-bench-merge-{CACHE_VERSION}")
    ap.add_argument("--merge-only", nargs="*")
    ap.add_argument("--read-floor", nargs="*")
    args = ap.parse_args()
    if args.merge_only is not None:
        merge_only(args.merge_only)
        return
    if args.read_floor is not None:
        read_floor(args.read_floor)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    files = build_packages(args.cache)
    size = sum(f.stat().st_size for f in files) / 1024 ** 2
    print(f"{len(files)} packages in {args.cache} ({size:.0f} MB)")
    merged = subprocess.run([sys.executable, __file__, "--merge-only", *map(str, files)], check=True, cwd=ROOT,
                            capture_output=True, text=True).stdout
    print(merged, end="", flush=True)
    floor = json.loads(subprocess.run([sys.executable, __file__, "--read-floor", *map(str, files)], check=True,
                                      cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    merge_s = next(float(line.split()[1]) for line in merged.splitlines() if line.startswith("merge_province:"))
    print(f"floor_package_read: {floor['seconds']:.1f} s ({floor['cells']:,} cells of {len(files)} packages read"
          f" with python-calamine, {floor['cpu']:.1f} s CPU); merge = x{merge_s / floor['seconds']:.1f}"
          " floor_package_read")


if __name__ == "__main__":
    main()
