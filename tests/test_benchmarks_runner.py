"""Benchmark runner (issue 8): one line per figure with target and floor ratio; print-only modules passed
through; figures nobody measures are listed. Smoke mode only: no timing is asserted."""

from __future__ import annotations

import io
import re
import textwrap

from benchmarks import run
from benchmarks.common import FIGURES, FLOORS, Context, Measure


def _run(*argv: str) -> str:
    out = io.StringIO()
    assert run.main(list(argv), out=out) == 0
    return out.getvalue()


def test_fake_modules_give_figure_lines_floor_ratio_and_pass_through(tmp_path):
    (tmp_path / "bench_fake.py").write_text(textwrap.dedent('''
        from benchmarks.common import Measure

        def measures(ctx):
            calls = []
            return [Measure("merge_province", lambda: 120.0),               # own value, seconds: a MISS
                    Measure("floor_sqlite_merge", lambda: 2.0),             # its floor
                    Measure("pdf_forms", lambda: 300.0),                     # pages/s, higher is better
                    Measure("floor_canvas_pages", lambda: 600.0),
                    Measure("editor_save", lambda: calls.append(1), repeat=2),  # timed by the runner, ms
                    Measure("cold_start", lambda: 1 / 0)]                    # a broken measure
    '''), encoding="utf-8")
    (tmp_path / "bench_printer.py").write_text("if __name__ == '__main__':\n    print('hello from a print-only module')\n",
                                               encoding="utf-8")
    text = _run("--dir", str(tmp_path), "--cache", str(tmp_path / "cache"), "--repeat", "3")
    lines = {line.split()[0]: line for line in text.splitlines() if line and not line.startswith(("[", "not", "bk"))}
    assert re.search(r"median\s+120 s .*target < 20\.00 s\s+MISS\s+x60\.0 floor", lines["merge_province"])
    assert "n=3" in lines["merge_province"]
    assert re.search(r"median\s+300 pages/s .*target >= 150 pages/s\s+PASS\s+x2\.0 floor", lines["pdf_forms"])
    assert re.search(r"median\s+[\d.]+ ms .*n=2 .*target < 50\.00 ms\s+PASS", lines["editor_save"])
    assert "ERROR ZeroDivisionError" in lines["cold_start"]
    assert "[bench_printer] hello from a print-only module" in text
    missing = {m.group(1) for m in re.finditer(r"^not measured yet: (\S+)", text, re.M)}
    measured = {"merge_province", "floor_sqlite_merge", "pdf_forms", "floor_canvas_pages", "editor_save",
                "cold_start"}
    assert missing == (set(FIGURES) | set(FLOORS)) - measured


def test_smoke_run_of_the_real_modules(tmp_path):
    text = _run("--smoke", "--cache", str(tmp_path / "cache"), "--only", "demo,floor_canvas_pages,floor_calamine")
    assert "[bench_classify] skipped in smoke mode" not in text  # filtered out by --only
    for name in ("demo_province", "floor_sqlite_load", "floor_canvas_pages", "floor_calamine_read"):
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert "ERROR" not in line and "median" in line, line
    assert re.search(r"^demo_province .*x[\d.]+ floor", text, re.M)
    # The demo database was cached for the next run.
    assert list((tmp_path / "cache").glob("demo-commune-seed1-*.sqlite"))


def test_context_cache_builds_once(tmp_path):
    ctx = Context(cache_dir=tmp_path)
    calls = []

    def build(path):
        calls.append(path)
        path.write_text("x")

    assert ctx.cached("a.txt", build).read_text() == "x"
    assert ctx.cached("a.txt", build).read_text() == "x"
    assert len(calls) == 1


def test_run_measure_uses_prepare_and_returned_values():
    seen = []
    m = Measure("floor_canvas_pages", lambda: 42.0, prepare=lambda: seen.append("p"), repeat=3)
    res = run.run_measure(m, Context(cache_dir=None, repeat=5))
    assert res.samples == [42.0, 42.0, 42.0] and seen == ["p", "p", "p"]


def test_run_measure_takes_several_samples_from_one_repetition():
    m = Measure("editor_open", lambda: [10.0, 30.0, 20.0], repeat=1)
    res = run.run_measure(m, Context(cache_dir=None, repeat=5))
    assert res.samples == [10.0, 30.0, 20.0] and res.median == 20.0
    line = run.format_line("editor_open", res, {"editor_open": res})
    assert re.search(r"median\s+20\.00 ms\s+min\s+10\.00\s+max\s+30\.00\s+n=3 .*PASS", line), line
