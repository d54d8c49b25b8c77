"""Import of a 4,000-household data-entry template (DESIGN.md §5: < 10 s, memory < 300 MB).

The template is the demo commune's own (`bkdesk template --with-data`, 806 households) repeated five times
with new household codes and CCCD numbers: 4,030 households, ~15,900 members, every household new. Each
repetition imports it into a fresh commune database (copied before the timer starts).
`import_memory` is the peak resident memory of a separate `python -m bkdesk import` process.

Run: python -m benchmarks (all figures) or python -m benchmarks.bench_import
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Context, Measure, copy_db

YEAR = 2022
COPIES = 5


def build_template(demo_db: Path, out: Path, copies: int = COPIES) -> None:
    """The demo commune's filled template, repeated ``copies`` times as new households."""
    from bkdesk.export.inputs import template as tp
    from bkdesk.model.rules.codelists import codelists
    from bkdesk.model.rules.standards import list_year_for
    from bkdesk.model.store.db import open_db
    from bkdesk.model.store.repo_standards import standard_for_list_year

    conn = open_db(demo_db)
    try:
        commune, rows_h, rows_m, villages = tp.template_rows(conn, None, YEAR)
        standard = standard_for_list_year(list_year_for("periodic", YEAR), conn)
    finally:
        conn.close()
    cols = tp.household_columns(standard)
    code_h = [c.key for c in cols].index("household_code")
    id_h = [c.key for c in cols].index("head_id_number")
    code_m = [c.key for c in tp.MEMBER_COLUMNS].index("household_code")
    id_m = [c.key for c in tp.MEMBER_COLUMNS].index("id_number")
    big_h, big_m = [], []
    for k in range(copies):
        def code(c, k=k):
            return f"{k}{c}" if k else c

        def idn(i, k=k):
            return f"{k}{i[1:]}" if (k and i) else i

        for r in rows_h:
            r = list(r)
            r[code_h], r[id_h] = code(r[code_h]), idn(r[id_h])
            big_h.append(r)
        for r in rows_m:
            r = list(r)
            r[code_m], r[id_m] = code(r[code_m]), idn(r[id_m])
            big_m.append(r)
    named = out.with_name(out.name + ".xlsx")  # the writer wants an .xlsx name; the cache gives "*.part"
    tp.write_rows(named, commune, YEAR, standard, codelists(standard.id), villages, cols, big_h, big_m)
    named.replace(out)


def fresh_commune(path: Path) -> None:
    from benchmarks.common import new_database

    new_database(path, "commune", "01954", officer="Cán bộ").close()


def peak_memory_mb(db: Path, template: Path) -> float:
    """Peak RSS (MB) of one `python -m bkdesk import` process."""
    from benchmarks.common import BENCH_PASSWORD, BENCH_USER, PEAK_RSS_CODE

    code = (f"import sys\nfrom bkdesk.cli.main import main\n{PEAK_RSS_CODE}"
            f"rc = main(['--db', {str(db)!r}, 'import', {str(template)!r}, '--round', '{YEAR}'])\n"
            "print(peak_rss_mb())\nsys.exit(rc)\n")

    env = {**os.environ, "BKDESK_USER": BENCH_USER, "BKDESK_PASSWORD": BENCH_PASSWORD}  # the command logs in
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def measures(ctx: Context) -> list[Measure]:
    demo = ctx.demo_db("commune")
    copies = 1 if ctx.smoke else COPIES
    template = ctx.cached(f"import-template-x{copies}-{demo.stem}.xlsx",
                          lambda p: build_template(demo, p, copies))
    empty = ctx.cached(f"import-empty-commune-{demo.stem}.sqlite", fresh_commune)
    work = ctx.cache_dir / "import-work" / "commune.sqlite"

    def prepare():
        for suffix in ("-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
        copy_db(empty, work)

    def run_once():
        from bkdesk.export.inputs.list_import import run_import
        from bkdesk.model.store.db import open_db

        conn = open_db(work)
        try:
            t = time.perf_counter()
            result = run_import(conn, template, YEAR, "Cán bộ")
            elapsed = time.perf_counter() - t
        finally:
            conn.close()
        if result.issues or not result.written:
            raise RuntimeError(f"import rejected rows: {result.summary_vi()}")
        return elapsed

    def memory():
        prepare()
        return peak_memory_mb(work, template)

    note = f"{copies * 806} hộ"
    return [Measure("import_template", run_once, prepare=prepare, note=note),
            Measure("import_memory", memory, repeat=1, note=note)]


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(Path(tmp))
        for m in measures(ctx):
            if m.prepare:
                m.prepare()
            t, cpu = time.perf_counter(), time.process_time()
            value = m.run()
            value = time.perf_counter() - t if value is None else value
            print(f"{m.figure}: {value:.2f} ({m.note}); CPU time of this process: {time.process_time() - cpu:.1f} s")


if __name__ == "__main__":
    main()
