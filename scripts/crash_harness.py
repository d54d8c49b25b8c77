"""Crash harness: a child process saves households through the real repository and exports/merges sync
packages (commune database -> district database) in a loop, and is killed with SIGKILL at random
points; after each kill both databases must pass PRAGMA integrity_check and `bkdesk check`, and every
save and every merge the child reported as committed must be there.

    python scripts/crash_harness.py --kills 200            # prints "200 kills, 0 corrupted, 0 lost"
    python scripts/crash_harness.py --kills 5 --fault print-early   # a buggy child: the harness must see losses

The child prints ``SAVED <uid> <rev> <members>`` / ``MERGED <package checksum>`` only after the commit
returned (flushing), so a reported save or merge missing after the kill is a lost committed record. Exit code 1 if any database
was corrupted or any record lost.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COMMUNE = "01954"
DISTRICT = "062"  # Huyện Ngân Sơn, the district of 01954
MAX_DELAY_S = 0.8
PASSPHRASE = "cum-mat-khau-thu-nghiem"  # packages are sealed (no recipient key registered in the harness)
MAX_HOUSEHOLDS = 250  # then only edits: keeps an export + merge well inside the kill window
MERGE_SHARE = 0.15


# --- the child: save, report after commit, forever -----------------------------------------------

def child(db_path: str, seed: int, fault: str) -> None:
    import bkdesk.export.sync.merge  # noqa: F401 - imported before READY: the kill window is for the work
    import bkdesk.export.sync.package  # noqa: F401
    from bkdesk.model.store.db import open_db

    rng = random.Random(seed)
    conn = open_db(db_path)
    district_path = str(Path(db_path).with_name("district.sqlite"))
    district = open_db(district_path)
    uids = [r[0] for r in conn.execute("SELECT uid FROM household")]
    print("READY", flush=True)
    n = 0
    while True:
        n += 1
        if rng.random() < MERGE_SHARE:
            _export_and_merge(conn, district, district_path, seed, n)
        else:
            _save_one(conn, rng, uids, seed, n, fault)


def _save_one(conn, rng: random.Random, uids: list[str], seed: int, n: int, fault: str) -> None:
    from bkdesk.model.rules.records import Member
    from bkdesk.model.store.repo_households import get_household, save_household
    from tests.factories import make_bundle, person_name

    if uids and (rng.random() < 0.4 or len(uids) >= MAX_HOUSEHOLDS):  # edit: address, add/drop a member
        bundle = get_household(conn, rng.choice(uids))
        bundle.household.address = f"Thôn {rng.randint(1, 99)} lần {n}"
        if rng.random() < 0.5 or len(bundle.members) < 2:
            sex = rng.choice("12")
            bundle.members.append(Member(full_name=person_name(rng, sex), sex=sex, relation_to_head="Con"))
        else:
            bundle.members.pop()
    else:
        bundle = make_bundle(rng, COMMUNE, no=seed * 10_000 + n)
    uid = bundle.household.uid
    if fault == "print-early":  # the bug the harness must catch: reporting before the commit
        print(f"SAVED {uid} {bundle.household.meta.rev + 1} {len(bundle.members)}", flush=True)
        time.sleep(0.05)
    save_household(conn, bundle, user="crash-harness")
    if fault != "print-early":
        print(f"SAVED {uid} {bundle.household.meta.rev} {len(bundle.members)}", flush=True)
    if uid not in uids:
        uids.append(uid)


def _export_and_merge(conn, district, district_path: str, seed: int, n: int) -> None:
    """Export the commune and merge the package into the district, as the two officers would.

    A package exported but not merged when the child was killed stays on disk and is merged first, as
    a person re-imports the file they have: the export already advanced the commune's "exported up to"
    marker, so the next package no longer carries those audit rows.
    """
    from bkdesk.export.sync.package import write_package

    folder = Path(district_path).parent
    for left in sorted(folder.glob("goi-*.xlsx")):
        _merge(district, district_path, left)
    out, _ = write_package(conn, COMMUNE, 2022, folder / f"goi-{time.time_ns()}.xlsx", passphrase=PASSPHRASE)
    _merge(district, district_path, out)


def _merge(district, district_path: str, package: Path) -> None:
    from bkdesk.export.sync.merge import ALREADY, MERGED, merge_files

    result = merge_files(district, district_path, [package], user="crash-harness", trust_new=True,
                         passphrase=PASSPHRASE).results[0]
    if result.status == MERGED:
        print(f"MERGED {result.checksum}", flush=True)
    elif result.status != ALREADY:
        print(f"REJECTED {package.name}: {result.message}", file=sys.stderr, flush=True)
    package.unlink()


# --- the parent: spawn, kill, verify --------------------------------------------------------------

@dataclass
class Tally:
    kills: int = 0
    corrupted: int = 0
    lost: int = 0
    saves: int = 0
    problems: list[str] = field(default_factory=list)
    merges: int = 0
    committed: dict[str, tuple[int, int]] = field(default_factory=dict)  # uid -> (rev, members)
    merged: set[str] = field(default_factory=set)  # package checksums


def _spawn_and_kill(db_path: Path, seed: int, fault: str, rng: random.Random) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(db_path), "--seed", str(seed),
           "--fault", fault]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    if rng.random() < 0.1:  # now and then, kill while the child is still opening the database
        time.sleep(rng.uniform(0, 0.3))
    else:
        line = proc.stdout.readline()
        if line.strip() != "READY":
            proc.kill()
            proc.wait()
            raise RuntimeError(f"child did not start: {line!r} {proc.stderr.read()}")
        time.sleep(rng.uniform(0, MAX_DELAY_S))
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate()
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError(f"child ended by itself ({proc.returncode}): {err}")
    return [ln for ln in out.splitlines()
            if (ln.startswith("SAVED ") and len(ln.split()) == 4) or (ln.startswith("MERGED ") and len(ln.split()) == 2)]


def _check_one(path: Path, tally: Tally, kill_no: int):
    """Open as the app would; integrity and `bkdesk check`. Returns the open connection."""
    from bkdesk.model.store.check import check_database
    from bkdesk.model.store.db import open_db

    conn = open_db(path)
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    problems = check_database(conn)
    if integrity != ["ok"] or problems:
        tally.corrupted += 1
        tally.problems.append(f"kill {kill_no}: {path.name}: {integrity[:3]} {problems[:3]}")
    return conn


def _verify(db_path: Path, tally: Tally, kill_no: int) -> None:
    conn = _check_one(db_path, tally, kill_no)
    try:
        for uid, (rev, members) in list(tally.committed.items()):
            row = conn.execute("SELECT rev FROM household WHERE uid=?", (uid,)).fetchone()
            n = conn.execute("SELECT count(*) FROM member WHERE household_uid=?", (uid,)).fetchone()[0]
            if row is None or row[0] < rev or (row[0] == rev and n != members):
                tally.lost += 1
                tally.problems.append(f"kill {kill_no}: household {uid} rev {rev} ({members} members) lost")
                del tally.committed[uid]  # count each loss once
    finally:
        conn.close()
    district = _check_one(db_path.with_name("district.sqlite"), tally, kill_no)
    try:
        ledger = {r[0] for r in district.execute("SELECT checksum FROM import_ledger")}
    finally:
        district.close()
    for checksum in sorted(tally.merged - ledger):
        tally.lost += 1
        tally.problems.append(f"kill {kill_no}: merged package {checksum[:12]} lost")
        tally.merged.discard(checksum)


def run(kills: int, workdir: Path, seed: int = 1, fault: str = "none") -> Tally:
    from bkdesk.model.store.databases import init_database

    db_path = workdir / "crash.sqlite"
    init_database(db_path, "commune", COMMUNE, officer="Crash harness").close()
    init_database(db_path.with_name("district.sqlite"), "district", DISTRICT, officer="Crash harness").close()
    rng = random.Random(seed)
    tally = Tally()
    for k in range(1, kills + 1):
        for line in _spawn_and_kill(db_path, seed * 100_000 + k, fault, rng):
            if line.startswith("MERGED "):
                tally.merges += 1
                tally.merged.add(line.split()[1])
                continue
            _, uid, rev, members = line.split()
            tally.saves += 1
            tally.committed[uid] = (int(rev), int(members))
        tally.kills += 1
        _verify(db_path, tally, k)
    return tally


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", type=Path, default=None, help="folder for the database (default: temporary)")
    p.add_argument("--fault", choices=["none", "print-early"], default="none")
    p.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.seed, args.fault)
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bkdesk-crash-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        tally = run(args.kills, workdir, args.seed, args.fault)
    for line in tally.problems[:20]:
        print(line)
    print(f"{tally.saves} committed saves and {tally.merges} committed package merges reported, "
          f"{len(tally.committed)} households, {time.perf_counter() - started:.1f} s")
    print(f"{tally.kills} kills, {tally.corrupted} corrupted, {tally.lost} lost")
    return 1 if tally.corrupted or tally.lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
