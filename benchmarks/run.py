"""Benchmark runner: `python -m benchmarks` (or `python benchmarks/run.py`).

Discovers `benchmarks/bench_*.py`, builds the data they need once (cached by seed and scale), runs each
measure several times and prints one line per figure: median, min, max, the DESIGN.md §5 target with
PASS/MISS, and the ratio to the library floor doing the same work. Modules that only print are run as
subprocesses and their lines passed through. Figures nobody measures yet are listed at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.common import FIGURES, FLOORS, Context, Measure, figure_of  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
# Figures that a print-only module reports in its own lines (so they are not "not measured yet").
PRINTED_BY = {"bench_classify": ("classify_100k",),
              "bench_merge": ("merge_province", "merge_memory", "export_commune", "floor_package_read")}


@dataclass
class Result:
    figure: str
    samples: list[float] = field(default_factory=list)
    error: str = ""
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None


def default_cache_dir() -> Path:
    return Path(os.environ.get("BKDESK_BENCH_CACHE") or Path(tempfile.gettempdir()) / "bkdesk-bench-cache")


def discover(directory: Path = BENCH_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("bench_*.py") if p.is_file())


def load_module(path: Path):
    name = f"benchmarks.{path.stem}" if path.parent == BENCH_DIR else f"_bench_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_measure(m: Measure, ctx: Context) -> Result:
    fig = figure_of(m.figure)
    res = Result(m.figure, note=m.note)
    repeat = 1 if ctx.smoke else min(ctx.repeat, m.repeat or ctx.repeat)
    try:
        if m.setup:
            m.setup()
        for _ in range(repeat):
            if m.prepare:
                m.prepare()
            t0 = time.perf_counter()
            value = m.run()
            elapsed = time.perf_counter() - t0
            if isinstance(value, (list, tuple)):  # several samples from one repetition (e.g. 20 households)
                res.samples.extend(float(v) for v in value)
            else:
                res.samples.append(float(value) if value is not None else elapsed * (1000 if fig.unit == "ms" else 1))
    except Exception as exc:  # one broken measure must not hide the others
        res.error = f"{type(exc).__name__}: {exc}"
        if os.environ.get("BKDESK_BENCH_TRACE"):
            traceback.print_exc()
    finally:
        if m.teardown:
            try:
                m.teardown()
            except Exception as exc:
                res.error = res.error or f"teardown: {exc}"
    res.note = m.note  # a measure may report what it checked (sizes, counts) after running
    return res


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3f}"
    return text


def verdict(name: str, median: float | None) -> str:
    fig = figure_of(name)
    if fig.target is None or median is None:
        return ""
    ok = median >= fig.target if fig.higher_is_better else median < fig.target
    return "PASS" if ok else "MISS"


def floor_ratio(name: str, results: dict[str, Result]) -> str:
    fig = figure_of(name)
    floor = results.get(fig.floor or "")
    me = results.get(name)
    if not floor or floor.median in (None, 0) or me is None or me.median in (None, 0):
        return ""
    ratio = floor.median / me.median if fig.higher_is_better else me.median / floor.median
    return f"x{ratio:.1f} floor"


def format_line(name: str, res: Result, results: dict[str, Result], smoke: bool = False) -> str:
    fig = figure_of(name)
    if res.error:
        return f"{name:<20} ERROR {res.error}"
    target = "" if fig.target is None else f"target {'>=' if fig.higher_is_better else '<'} {_num(fig.target)} {fig.unit}"
    parts = [f"{name:<20}", f"median {_num(res.median):>8} {fig.unit:<7}", f"min {_num(min(res.samples)):>8}",
             f"max {_num(max(res.samples)):>8}", f"n={len(res.samples)}", f"{target:<22}",
             f"{'-' if smoke else verdict(name, res.median):<4}", f"{floor_ratio(name, results):<12}", fig.label]
    if res.note:
        parts.append(f"({res.note})")
    return "  ".join(parts)


def pass_through(path: Path, smoke: bool) -> list[str]:
    """Run a print-only module as a subprocess and return its lines, prefixed with the module name."""
    if smoke:
        return [f"[{path.stem}] skipped in smoke mode (prints its own figures)"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=1800)
    lines = [f"[{path.stem}] {line}" for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode:
        lines.append(f"[{path.stem}] ERROR exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}")
    return lines


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="repetitions per measure (a module may ask for fewer)")
    ap.add_argument("--smoke", action="store_true", help="tiny data, one repetition (used by the test suite)")
    ap.add_argument("--only", default="", help="comma-separated substrings of module or figure names")
    ap.add_argument("--cache", type=Path, default=None, help="cache folder for built data")
    ap.add_argument("--dir", type=Path, default=BENCH_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    ctx = Context(cache_dir=args.cache or default_cache_dir(), seed=args.seed, smoke=args.smoke, repeat=args.repeat)
    only = [s for s in args.only.split(",") if s]

    def wanted(*names: str) -> bool:
        return not only or any(o in n for o in only for n in names)

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    say(f"bkdesk benchmarks: seed {ctx.seed}, {'smoke' if ctx.smoke else f'repeat {ctx.repeat}'}, cache {ctx.cache_dir}")
    results: dict[str, Result] = {}
    printed: set[str] = set()
    pending: list[str] = []
    for path in discover(args.dir):
        try:
            module = load_module(path)
        except Exception as exc:
            say(f"[{path.stem}] ERROR on import: {type(exc).__name__}: {exc}")
            continue
        factory = getattr(module, "measures", None)
        if factory is None:
            if wanted(path.stem, *PRINTED_BY.get(path.stem, ())):
                for line in pass_through(path, ctx.smoke):
                    say(line)
                printed.update(PRINTED_BY.get(path.stem, ()))
            continue
        try:
            measures = factory(ctx)
        except Exception as exc:
            say(f"[{path.stem}] ERROR preparing measures: {type(exc).__name__}: {exc}")
            continue
        for m in measures:
            if not wanted(path.stem, m.figure):
                continue
            res = run_measure(m, ctx)
            results[m.figure] = res
            # A figure is printed once its floor is known (floors usually come from another module).
            pending.append(m.figure)
            for name in list(pending):
                floor = figure_of(name).floor
                if floor is None or floor in results or floor not in _all_measured_later(args.dir, floor):
                    say(format_line(name, results[name], results, ctx.smoke))
                    pending.remove(name)
    for name in pending:
        say(format_line(name, results[name], results, ctx.smoke))
    missing = [n for n in (*FIGURES, *FLOORS) if n not in results and n not in printed and wanted(n)]
    for name in missing:
        say(f"not measured yet: {name} ({figure_of(name).label})")
    return 0


def _all_measured_later(directory: Path, floor: str) -> set[str]:
    """Floors some module defines (a cheap text scan, so a figure waits for its floor only if it exists)."""
    key = f'"{floor}"'
    return {floor} if any(key in p.read_text(encoding="utf-8") for p in discover(directory)) else set()


if __name__ == "__main__":
    raise SystemExit(main())
