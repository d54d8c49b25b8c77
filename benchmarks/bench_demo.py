"""Demo data build (issue 8: province in < 60 s) and its floor: the same rows loaded by raw executemany."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import Context, Measure

LOAD_TABLES = ("village", "household", "member", "housing", "review_round", "review", "review_indicator",
               "review_cause", "review_need", "review_group", "exit_registration", "audit_log")


def measures(ctx: Context) -> list[Measure]:
    from benchmarks.common import demo_protection, new_database
    from bkdesk.model.demo import build as demo
    from bkdesk.model.store.db import attach, connect

    scale = "commune" if ctx.smoke else "province"
    work = Path(tempfile.mkdtemp(prefix="bkdesk-bench-demo-"))
    atexit.register(shutil.rmtree, work, True)
    state: dict = {}

    def fresh_target() -> None:
        for p in work.glob("*"):
            p.unlink()
        state["path"] = work / "demo.sqlite"

    def build() -> None:
        demo.build_demo_database(state["path"], scale, seed=ctx.seed, protection=demo_protection(state["path"]))

    def verify() -> None:
        """The built province equals the 2022 annex per district (households, poor at the start)."""
        from bkdesk.model.store.bulk import class_counts, household_counts

        conn = connect(state["path"])
        try:
            households, classes = household_counts(conn), class_counts(conn, 2021)
        finally:
            conn.close()
        if scale == "province":
            bad = [d for d, t in demo.plan_targets().items()
                   if households.get(d) != t.households or classes.get(d, {}).get("POOR") != t.poor]
            if bad:
                raise RuntimeError(f"counts differ from the annex in districts {bad}")
            build_measure.note = "scale province; households and poor per district = annex"
        shutil.rmtree(work, ignore_errors=True)

    def empty_copy_target() -> None:
        fresh_target()
        new_database(state["path"], "province", demo.PROVINCE_CODE).close()

    def raw_load() -> None:
        src = ctx.demo_db(scale)
        dst = connect(state["path"])  # keyed like the product's own file (encryption on unless PLAIN)
        try:
            attach(dst, src, "src")
            dst.execute("BEGIN")
            for table in LOAD_TABLES:
                cols = [r[1] for r in dst.execute(f"PRAGMA main.table_info({table})")
                        if not (table == "audit_log" and r[1] == "id")]  # the target has its first user's row
                sql = f"INSERT INTO main.{table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                # Rows go through Python (executemany), as a loader's would; ATTACH is only the source.
                dst.executemany(sql, dst.execute(f"SELECT {', '.join(cols)} FROM src.{table}").fetchall())
            dst.execute("COMMIT")
        finally:
            dst.close()

    build_measure = Measure("demo_province", build, prepare=fresh_target, repeat=2, teardown=verify,
                            note=f"scale {scale}")
    return [
        build_measure,
        Measure("floor_sqlite_load", raw_load, setup=lambda: ctx.demo_db(scale), prepare=empty_copy_target,
                repeat=3, note=f"rows of the {scale} demo database"),
    ]
