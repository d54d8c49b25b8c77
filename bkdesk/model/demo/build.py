"""Demo data at real scale (`bkdesk demo`): a commune, a district or the whole former Bắc Kạn province.

Counts come from the 2022 plan annex (resources/plans/plan-targets-2022.csv): households and poor
households at the start of 2022 per district, split over the district's communes. Two periodic rounds:
review year 2021 (list year 2022, the start of the period; poor counts equal the annex exactly) and
review year 2022 (list year 2023), where about the annex's target number of households leave poverty.
Everything is deterministic for a seed and marked as demo data (setting is_demo=1, household.is_demo=1).
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
import os
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.demo.people import (
    HOUSING_FIELDS,
    MEMBER_FIELDS,
    Person,
    demo_data,
    full_name,
    make_housing,
    make_roster,
)
from bkdesk.model.demo.reviews import (
    EXIT_COLUMNS,
    REVIEW_COLUMNS,
    START_STATUS,
    RoundInfo,
    children_rows,
    exit_registration_row,
    review_row,
    score,
)
from bkdesk.model.rules.classify import MIDDLE, NEAR_POOR, NOT_POOR, POOR
from bkdesk.model.rules.standards import periodic_reference_date
from bkdesk.model.rules.units import TREE_2022, area_of, catalog
from bkdesk.model.store import repo_snapshots, settings
from bkdesk.model.store.bulk import (
    TABLE_ORDER,
    bulk_mode,
    database_path,
    deferred_indexes,
    household_derived,
    load_tables,
    member_keys,
    scratch_database,
    worker_connection,
)
from bkdesk.model.store.db import open_db, transaction
from bkdesk.model.store.repo_desk import refresh_current
from bkdesk.model.store.repo_households import count_households
from bkdesk.model.store.repo_standards import standard_for_list_year
from bkdesk.paths import resource_path

DATA_VERSION = 1  # bump when the generated content changes (benchmark caches are keyed by it)
SCALES = ("commune", "district", "province")
PROVINCE_CODE = "06"
DEFAULT_COMMUNE = "01954"  # Xã Vân Tùng (Ngân Sơn): rural in 2022, a thị trấn from 10/04/2023
DEMO_REASON = "dữ liệu mẫu"
DEMO_USER = "Dữ liệu mẫu"
NEAR_POOR_RATE = 0.0974  # province start-of-period near-poor rate (domain/README.md): demo tendency only
REVIEW_YEARS = (2021, 2022)
HOUSEHOLD_STAMP = "2021-08-20T08:00:00+07:00"


@dataclass(frozen=True)
class DistrictTarget:
    code: str
    name: str
    households: int
    poor: int
    reduction: int  # households to leave poverty in 2022


@dataclass(frozen=True)
class CommunePlan:
    """How many households of each (2021 class, 2022 class) one commune gets."""

    code: str
    district: str
    households: int
    poor: int
    transitions: tuple[tuple[str, str, int], ...]


def plan_targets() -> dict[str, DistrictTarget]:
    path = resource_path("plans", "plan-targets-2022.csv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if len(r["unit_code"]) == 3]
    return {r["unit_code"]: DistrictTarget(r["unit_code"], r["unit_name"], int(r["households_start"]),
                                           int(r["poor_start"]), int(r["target_reduction_households"]))
            for r in rows}


def split_exact(total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainder), within ``caps``."""
    caps = caps or [total] * len(weights)
    if total > sum(caps):
        raise UserError("Dữ liệu mẫu: tổng vượt quá giới hạn khi chia cho các xã.")
    out = [0] * len(weights)
    left, free = total, [i for i in range(len(weights))]
    while left > 0 and free:
        wsum = sum(weights[i] for i in free) or 1.0
        raw = {i: left * weights[i] / wsum for i in free}
        add = {i: min(int(raw[i]), caps[i] - out[i]) for i in free}
        for i in sorted(free, key=lambda i: (-(raw[i] - int(raw[i])), i)):
            if sum(add.values()) >= left:
                break
            if add[i] < caps[i] - out[i]:
                add[i] += 1
        for i in free:
            out[i] += add[i]
        left -= sum(add.values())
        free = [i for i in free if out[i] < caps[i]]
    return out


def allocate(seed: int) -> dict[str, CommunePlan]:
    """Every commune's counts for the whole province (the same for every scale, so scales agree)."""
    rng = random.Random(f"bkdesk-demo-{seed}-allocation")
    cat = catalog()
    plans: dict[str, CommunePlan] = {}
    for d in sorted(plan_targets().values(), key=lambda d: d.code):
        communes = sorted(cat.communes_under(d.code, TREE_2022), key=lambda u: u.code)
        urban = [u.area == "urban" for u in communes]
        sizes = split_exact(d.households, [rng.uniform(0.6, 1.4) * (1.3 if u else 1) for u in urban])
        poor = split_exact(d.poor, [n * rng.uniform(0.6, 1.4) * (0.35 if u else 1) for n, u in zip(
            sizes, urban, strict=True)], caps=[int(n * 0.9) for n in sizes])
        net = round(d.reduction * rng.uniform(0.85, 1.25))
        new_total = round(d.poor * 0.012)
        exits = split_exact(min(net + new_total, d.poor), poor)
        news = split_exact(new_total, poor)
        for u, n, p, e, k in zip(communes, sizes, poor, exits, news, strict=True):
            plans[u.code] = CommunePlan(u.code, d.code, n, p, _transitions(rng, n, p, e, k, u.area == "urban"))
    return plans


def _transitions(rng: random.Random, n: int, poor: int, exits: int, new: int, urban: bool
                 ) -> tuple[tuple[str, str, int], ...]:
    near = min(round(n * NEAR_POOR_RATE * rng.uniform(0.7, 1.3)), n - poor)
    from_near = min(round(new * 0.7), near)
    near_out = round(near * 0.18)
    near_stay = near - from_near - near_out
    other = n - poor - near
    from_other = min(new - from_near, other)
    to_near = min(round(n * 0.01), other - from_other)
    to_near_exit = round(exits * 0.6)
    middle = 0 if urban else round((other - from_other - to_near) * 0.03)
    rest = other - from_other - to_near - middle
    rows = ((POOR, POOR, poor - exits), (POOR, NEAR_POOR, to_near_exit), (POOR, NOT_POOR, exits - to_near_exit),
            (NEAR_POOR, POOR, from_near), (NEAR_POOR, NEAR_POOR, near_stay), (NEAR_POOR, NOT_POOR, near_out),
            (NOT_POOR, POOR, from_other), (NOT_POOR, NEAR_POOR, to_near), (MIDDLE, MIDDLE, middle),
            (NOT_POOR, NOT_POOR, rest))
    return tuple(r for r in rows if r[2] > 0)


def communes_for(scale: str, code: str | None) -> list[str]:
    """Commune codes a build at ``scale`` covers (code: the commune or district; None: the default)."""
    cat = catalog()
    if scale == "commune":
        code = code or DEFAULT_COMMUNE
        unit = cat.find(code, TREE_2022)
        if unit is None or unit.level != "commune":
            raise UserError(f"Mã {code} không phải là mã xã của tỉnh Bắc Kạn (cây đơn vị 2022).")
        return [code]
    if scale == "district":
        code = code or cat.get(DEFAULT_COMMUNE).district_code
        unit = cat.find(code, TREE_2022)
        if unit is None or unit.level != "district":
            raise UserError(f"Mã {code} không phải là mã huyện của tỉnh Bắc Kạn.")
        return sorted(u.code for u in cat.communes_under(code, TREE_2022))
    if scale == "province":
        return sorted(u.code for u in cat.communes(TREE_2022))
    raise UserError(f"Quy mô không hợp lệ: {scale} (chọn commune, district hoặc province).")


# --- one commune ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommuneJob:
    seed: int
    plan: CommunePlan
    origin: str


_UUID_MASK = ~((0xF << 76) | (0x3 << 62))
_UUID_V4 = (0x4 << 76) | (0x2 << 62)


def _uid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (same text as uuid.UUID(int=..., version=4), 3x faster)."""
    h = f"{(rng.getrandbits(128) & _UUID_MASK) | _UUID_V4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _rounds(rng: random.Random, code: str) -> dict[int, RoundInfo]:
    out = {}
    for year in REVIEW_YEARS:
        list_year = year + 1
        ref = periodic_reference_date(list_year)
        decision = f"Quyết định số {rng.randint(50, 400)}/QĐ-UBND ngày {14:02d}/12/{year}"
        out[year] = RoundInfo(_uid(rng), list_year, ref, year, decision, f"{year}-12-15T16:00:00+07:00",
                              standard_for_list_year(list_year), area_of(code, ref))
    return out


def _villages(rng: random.Random, code: str, n_households: int, origin: str) -> list[tuple]:
    data = demo_data()
    urban = catalog().get(code).area == "urban"
    count = max(4, min(24, round(n_households / rng.uniform(90, 150))))
    if urban:
        names = [f"{data['urban_village_prefix']} {i}" for i in range(1, count + 1)]
        vtype = data["urban_village_type"]
    else:
        names = rng.sample(data["village_stems"], min(count, len(data["village_stems"])))
        vtype = data["rural_village_type"]
    from bkdesk.model.rules.text import search_key

    return [(_uid(rng), code, name, search_key(name), vtype, 1, HOUSEHOLD_STAMP, DEMO_USER, origin)
            for name in names]


def generate_commune(job: CommuneJob) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """All rows of one commune, ready for repo_bulk.load_tables (runs in a worker process)."""
    code, plan, origin = job.plan.code, job.plan, job.origin
    rng = random.Random(f"bkdesk-demo-{job.seed}-{code}")
    cat = catalog()
    unit = cat.get(code)
    urban = unit.area == "urban"
    mix = demo_data()["ethnic_mix"].get(plan.district) or demo_data()["ethnic_mix"]["default"]
    rounds = _rounds(rng, code)
    villages = _villages(rng, code, plan.households, origin)
    pairs = [(a, b) for a, b, n in plan.transitions for _ in range(n)]
    rng.shuffle(pairs)
    t: dict[str, list[tuple]] = {k: [] for k in ("household", "member", "housing", "review", "review_indicator",
                                                 "review_cause", "review_need", "review_group",
                                                 "exit_registration")}
    t["review_round"] = [(r.uid, code, "periodic", y, r.list_year, r.ref.isoformat(),
                          "closed" if y == REVIEW_YEARS[0] else "decided", 1, r.standard.id, 1, r.stamp, DEMO_USER,
                          origin) for y, r in rounds.items()]
    reviewers = [f"{title} {full_name(rng, Person('', rng.choice('12'), 40, 'Tày'), demo_data()['names'])}"
                 for title in demo_data()["reviewer_titles"]]
    for no, (c21, c22) in enumerate(pairs, start=1):
        village = villages[min(len(villages) - 1, (no - 1) * len(villages) // len(pairs))]
        _household(rng, t, no, code, unit.name, village, urban, mix, rounds, c21, c22, origin,
                   "; ".join(reviewers))
    return {
        "village": (("uid", "commune_code", "name", "name_key", "type", "rev", "updated_at", "updated_by", "origin"),
                    villages),
        "household": (HOUSEHOLD_COLUMNS, t["household"]),
        "member": (MEMBER_COLUMNS, t["member"]),
        "housing": (HOUSING_COLUMNS, t["housing"]),
        "review_round": (("uid", "commune_code", "kind", "review_year", "list_year", "reference_date", "state",
                          "locked", "standard_id", "rev", "updated_at", "updated_by", "origin"), t["review_round"]),
        "review": (REVIEW_COLUMNS, t["review"]),
        "review_indicator": (("review_uid", "indicator_code", "computed", "final", "reason", "missing"),
                             t["review_indicator"]),
        "review_cause": (("review_uid", "cause_code", "text"), t["review_cause"]),
        "review_need": (("review_uid", "need_code", "text"), t["review_need"]),
        "review_group": (("review_uid", "group_code", "derived", "final", "reason"), t["review_group"]),
        "exit_registration": (EXIT_COLUMNS, t["exit_registration"]),
    }


SYNC_COLUMNS = ("rev", "updated_at", "updated_by", "origin")
HOUSEHOLD_COLUMNS = ("uid", "household_no", "commune_code", "village_uid", "address", "phone", "status", "complete",
                     "note", "head_name", "head_sort", "search_text", "is_demo") + SYNC_COLUMNS
MEMBER_COLUMNS = ("uid", "household_uid") + tuple(f for f in MEMBER_FIELDS if f not in ("uid", "household_uid")) + (
    "name_key", "name_sort") + SYNC_COLUMNS
HOUSING_COLUMNS = ("household_uid",) + HOUSING_FIELDS + SYNC_COLUMNS
_member_values = operator.itemgetter(*MEMBER_COLUMNS[:-6])


def _household(rng, t, no, code, commune_name, village, urban, mix, rounds, c21, c22, origin, reviewers) -> None:
    hh_uid = _uid(rng)
    address = f"{village[2]}, {commune_name}"
    roster = make_roster(rng, c22, mix, rounds[2022].standard.id, address)
    for m in roster:
        m["uid"], m["household_uid"] = _uid(rng), hh_uid
    housing = make_housing(rng, c22, len(roster), urban)
    hh = {"uid": hh_uid, "commune_code": code, "village_uid": village[0], "household_no": f"{no:04d}",
          # a middle-living household is recognised only as a farm/forestry/fishery/salt household
          "_nlndn": int(not urban and (rng.random() < 0.75 or c22 == MIDDLE)), "_roster": roster}
    # The end of 2022 is the household's current state; 2021 is scored on a copy (snapshot if it differs).
    s22 = score(rng, code, rounds[2022], roster, housing, c22)
    roster21, housing21 = [dict(m) for m in roster], dict(housing)
    s21 = score(rng, code, rounds[2021], roster21, housing21, c21, pre=2 if c21 == POOR != c22 else 0)
    head = roster[0]
    derived = household_derived(hh["household_no"], roster)
    phone = f"09{rng.randrange(10**8):08d}" if rng.random() < 0.6 else ""
    t["household"].append((hh_uid, hh["household_no"], code, village[0], address, phone, "active", 1, "",
                           derived["head_name"], derived["head_sort"], derived["search_text"], 1, 1,
                           HOUSEHOLD_STAMP, DEMO_USER, origin))
    for m in roster:
        t["member"].append(_member_values(m) + member_keys(m["full_name"]) + (1, HOUSEHOLD_STAMP, DEMO_USER, origin))
    t["housing"].append((hh_uid,) + tuple(housing[f] for f in HOUSING_FIELDS) + (1, HOUSEHOLD_STAMP, DEMO_USER, origin))
    for year, s, ros, hou, start in ((2021, s21, roster21, housing21, None),
                                     (2022, s22, roster, housing, START_STATUS[c21])):
        rnd = rounds[year]
        uid = _uid(rng)
        snap = year == 2021 and s.changed
        t["review"].append(review_row(rng, uid, hh, rnd, s, start, head["full_name"], reviewers, origin, DEMO_USER,
                                      ros if snap else None, hou if snap else None))
        ind, causes, needs, groups = children_rows(rng, uid, s, ros, rnd.ref, rnd.standard.id)
        t["review_indicator"] += ind
        t["review_cause"] += causes
        t["review_need"] += needs
        t["review_group"] += groups
    if c21 in (POOR, NEAR_POOR):
        exited = c22 != c21 and (c21 == NEAR_POOR or c22 != POOR) and c22 in (NEAR_POOR, NOT_POOR, MIDDLE)
        chance = (0.6 if exited else 0.12) if c21 == POOR else (0.4 if exited else 0.05)
        if rng.random() < chance:
            target = "thoat_ngheo" if c21 == POOR else "thoat_can_ngheo"
            t["exit_registration"].append(exit_registration_row(rng, _uid(rng), hh, head["uid"], target, exited,
                                                                origin, DEMO_USER, rounds[2021].stamp))


# --- the whole build -----------------------------------------------------------------------------

def build_demo(conn, scale: str = "commune", seed: int = 1, code: str | None = None, workers: int | None = None,
               progress: Callable[[int, int, str], None] | None = None, scratch: bool = False) -> dict:
    """Fill an empty scoped database with demo data; returns counts. One transaction per commune.

    ``scratch``: the file is a scratch copy that is thrown away if the build fails (build_demo_database),
    so it is written without journal or fsync; otherwise the house WAL settings are kept."""
    if count_households(conn):
        raise UserError("Cơ sở dữ liệu đã có hộ gia đình: chỉ tạo dữ liệu mẫu trong một cơ sở dữ liệu trống.")
    codes = communes_for(scale, code)
    plans = allocate(seed)
    origin = settings.installation_id(conn)
    jobs = [CommuneJob(seed, plans[c], origin) for c in codes]
    if workers is None:  # frozen builds (PyInstaller) would need freeze_support in the entry point: stay serial
        workers = 1 if len(jobs) == 1 or getattr(sys, "frozen", False) else min(2, os.cpu_count() or 1)
    t0, rows = time.perf_counter(), 0
    settings.put_many(conn, {settings.IS_DEMO: "1"})
    path = database_path(conn)
    done = 0
    # Index builds after the load only in a scratch file: a live database never goes without its indexes.
    with deferred_indexes(conn, TABLE_ORDER + ("audit_log",)) if scratch else nullcontext():
        if workers <= 1:
            with bulk_mode(conn, scratch):
                for job in jobs:
                    rows += load_tables(conn, generate_commune(job), DEMO_REASON)
                    done += 1
                    if progress:
                        progress(done, len(jobs), job.plan.code)
        else:
            # Workers generate AND write their commune (one transaction each, serialised by SQLite's write
            # lock): no rows cross process boundaries. Row content does not depend on the order.
            with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                     initargs=(path, scratch, getattr(conn, "data_key", None))) as pool:
                for code, n in pool.map(_generate_and_load, jobs):
                    rows += n
                    done += 1
                    if progress:
                        progress(done, len(jobs), code)
    with transaction(conn):  # the desk's current-review table, once for the whole load (set-based)
        refresh_current(conn)
        # Reviews loaded without a snapshot saw the household's record as loaded: keep that roster with them.
        repo_snapshots.fill_missing(conn, "Dữ liệu mẫu: danh sách thành viên lúc tạo dữ liệu",
                                    dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    return {"communes": len(codes), "households": sum(plans[c].households for c in codes),
            "poor_2021": sum(plans[c].poor for c in codes), "rows": rows, "seconds": time.perf_counter() - t0}


_worker_conn = None  # one connection per worker process, kept warm across its communes


def _worker_init(path: str, scratch: bool, key: bytes | None = None) -> None:
    global _worker_conn
    _worker_conn = worker_connection(path, scratch, key)


def _generate_and_load(job: CommuneJob) -> tuple[str, int]:
    return job.plan.code, load_tables(_worker_conn, generate_commune(job), DEMO_REASON)


def scope_for(scale: str, code: str | None) -> tuple[str, str]:
    """(scope, code) of the database a build at ``scale`` creates."""
    if scale == "commune":
        return "commune", communes_for("commune", code)[0]
    if scale == "district":
        return "district", code or catalog().get(DEFAULT_COMMUNE).district_code
    return "province", PROVINCE_CODE


def build_demo_database(path: str | Path, scale: str = "commune", seed: int = 1, code: str | None = None,
                        officer: str = "", workers: int | None = None,
                        progress: Callable[[int, int, str], None] | None = None, protection=None) -> dict:
    """Create a new scoped database at ``path`` and fill it. Built in a scratch file beside it and moved
    into place only when complete (WAL again), so an interrupted build leaves nothing half-made.

    ``protection`` (users.begin_protected): the database is encrypted and its first user recorded."""
    from bkdesk.model.store.databases import init_database

    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise UserError(f"Tệp {path} đã tồn tại; hãy chọn một tệp mới cho dữ liệu mẫu.")
    scope, scope_code = scope_for(scale, code)
    part = path.with_name(path.name + ".part")
    _remove(part)
    if protection is not None:
        protection.also_for(part)
    try:
        conn = init_database(part, scope, scope_code, officer or DEMO_USER)
        try:
            with scratch_database(conn):
                counts = build_demo(conn, scale, seed, code if scale != "province" else None, workers, progress,
                                    scratch=True)
        finally:
            conn.close()
        part.replace(path)
    finally:
        _remove(part)
        if protection is not None:
            from bkdesk.model.store import keyring

            keyring.forget(part)
    if protection is not None:
        from bkdesk.model.store.users import finish_protected

        conn = open_db(path)
        try:
            counts["session"] = finish_protected(protection, conn)
        finally:
            conn.close()
    return counts


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def demo_database_path() -> Path:
    """Where the ready-made demo commune database lives (user data folder, beside the real one)."""
    from bkdesk.model.store.databases import default_db_path

    return default_db_path().with_name("bkdesk-demo.sqlite")


def ensure_demo_database(seed: int = 1) -> Path:
    """The demo commune database for `bkdesk --demo` and the first-run wizard: built once (a second or
    two), reused afterwards. Qt-free; the UI should call it from a background job."""
    path = demo_database_path()
    if not (path.exists() and path.stat().st_size > 0):
        path.parent.mkdir(parents=True, exist_ok=True)
        build_demo_database(path, "commune", seed)
    return path


def build_for_path(path: Path, scale: str, seed: int, code: str | None = None, progress=None,
                   protection=None) -> dict:
    """Build into ``path``: a missing file is created and scoped for the scale; an existing commune
    database gets its own commune (commune scale); any other existing database must be empty and scoped
    to match the scale."""
    if not path.exists() or path.stat().st_size == 0:
        return build_demo_database(path, scale, seed, code, progress=progress, protection=protection)
    conn = open_db(path)
    try:
        scope, scope_code = settings.get(conn, settings.SCOPE), settings.get(conn, settings.SCOPE_CODE)
        if scale == "commune" and scope == "commune" and scope_code:
            if code and code != scope_code:
                raise UserError(f"Cơ sở dữ liệu {path} là của xã {scope_code}, không phải xã {code}.")
            return build_demo(conn, "commune", seed, scope_code, progress=progress)
        want_scope, want_code = scope_for(scale, code)
        if scope is None:
            raise UserError(f"Cơ sở dữ liệu {path} chưa được khởi tạo; hãy chọn một tệp mới cho dữ liệu mẫu.")
        if (scope, scope_code) != (want_scope, want_code):
            raise UserError(f"Cơ sở dữ liệu {path} có phạm vi {scope} {scope_code}, không hợp với dữ liệu mẫu "
                            f"quy mô {scale} ({want_scope} {want_code}); hãy chọn một tệp mới.")
        return build_demo(conn, scale, seed, code if scale != "province" else None, progress=progress)
    finally:
        conn.close()
