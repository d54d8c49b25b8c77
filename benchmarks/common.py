"""The small protocol every `benchmarks/bench_*.py` module follows, and the DESIGN.md §5 figures.

A benchmark module exposes::

    from benchmarks.common import Context, Measure

    def measures(ctx: Context) -> list[Measure]:
        db = ctx.demo_db("province")          # built once, cached by seed + scale (read-only: copy to write)
        def search_once():                     # one repetition; the runner times it with perf_counter
            ...
        return [Measure("list_search", search_once, setup=None)]

Rules:
- ``Measure.figure`` names an entry of ``FIGURES`` (DESIGN.md §5 target, unit, library floor) or a floor
  (``FLOORS``); unknown names are printed without a target.
- ``run()`` is one repetition. Return ``None`` and the runner times the call (seconds, or milliseconds
  when the figure's unit is "ms"); return a number to report your own value in the figure's unit
  (pages/s, MB, or a time you measured yourself to leave out per-repetition setup); return a list of
  numbers for several samples from one repetition (e.g. one editor open per household of 20).
- ``setup()`` (optional) runs once before the repetitions, ``teardown()`` once after; ``prepare()``
  (optional) runs before *each* repetition, untimed (e.g. copy a fresh database to write into).
- Build big inputs through ``ctx.demo_db(scale)`` / ``ctx.cached(key, build)`` so they are made once
  per machine and reused by every module and every run. Never write into a cached file: copy it.
- In ``ctx.smoke`` mode (the test suite) every scale is replaced by a small commune; keep work tiny.
- A module without ``measures`` is run as a subprocess (``python -m benchmarks.<module>``) and its
  printed lines are passed through (prefixed with the module name).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    label: str
    target: float | None
    unit: str = "s"  # "s", "ms", "pages/s", "MB"
    higher_is_better: bool = False
    floor: str | None = None  # key of FLOORS measuring the same work with the bare library


# DESIGN.md §5 (plus the issue-level targets that live beside them). One place for every target.
FIGURES: dict[str, Figure] = {
    "cold_start": Figure("khởi động tới cửa sổ chính dùng được, CSDL 13.000 hộ", 2.0),
    "list_search": Figure("lọc/tìm danh sách hộ, 81.480 hộ (mỗi phím)", 100.0, "ms"),
    "editor_open": Figure("mở cửa sổ sửa hộ", 150.0, "ms"),
    "editor_save": Figure("lưu một hộ", 50.0, "ms"),
    "export_commune": Figure("xuất gói dữ liệu một xã (4.000 hộ)", 10.0),
    "import_template": Figure("nhập mẫu nhập liệu 4.000 hộ", 10.0),
    "import_memory": Figure("bộ nhớ khi nhập mẫu nhập liệu 4.000 hộ", 300.0, "MB"),
    "merge_province": Figure("gộp 108 gói xã (81.480 hộ, ~330.000 người)", 20.0, floor="floor_sqlite_merge"),
    "merge_memory": Figure("bộ nhớ khi gộp 108 gói xã", 500.0, "MB"),
    "reports_xlsx": Figure("15 báo cáo toàn tỉnh, xlsx", 30.0),
    "pdf_forms": Figure("phiếu hộ PDF (mỗi hộ một trang, phông TTF)", 150.0, "pages/s", True,
                        floor="floor_canvas_pages"),
    "list_xlsx": Figure("danh sách toàn tỉnh (81.480 dòng x 30 cột) ra xlsx", 45.0, floor="floor_xlsx_write"),
    "list_xlsx_size": Figure("kích thước tệp xlsx danh sách toàn tỉnh", 100.0, "MB"),
    "list_pdf": Figure("danh sách toàn tỉnh ra PDF", 45.0, floor="floor_canvas_list"),
    "classify_100k": Figure("phân loại 100.000 phiếu (issue 3)", 2.0),
    "demo_province": Figure("tạo dữ liệu mẫu toàn tỉnh (issue 8)", 60.0, floor="floor_sqlite_load"),
}

# Library floors: the same work done with the bare library, measured the same way (DESIGN.md §5).
FLOORS: dict[str, Figure] = {
    "floor_sqlite_merge": Figure("sàn: sqlite3 ATTACH + INSERT...SELECT gộp 108 CSDL xã (bảng trơn, chỉ mục sau)",
                                 None),
    "floor_package_read": Figure("sàn: python-calamine đọc mọi ô của 108 gói xã", None),
    "floor_sqlite_load": Figure("sàn: sqlite3 executemany nạp các dòng của dữ liệu mẫu toàn tỉnh", None),
    "floor_calamine_read": Figure("sàn: python-calamine đọc xlsx 81.480 x 30 ô", None),
    "floor_xlsx_write": Figure("sàn: openpyxl write-only ghi 81.480 x 30 ô", None),
    "floor_canvas_pages": Figure("sàn: reportlab canvas, trang/giây (TTF)", None, "pages/s", True),
    "floor_canvas_list": Figure("sàn: reportlab canvas, danh sách 81.480 dòng", None),
}


def figure_of(name: str) -> Figure:
    return FIGURES.get(name) or FLOORS.get(name) or Figure(name, None)


@dataclass
class Measure:
    figure: str  # key of FIGURES / FLOORS
    run: Callable[[], float | None]
    setup: Callable[[], None] | None = None
    prepare: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None
    repeat: int | None = None  # None: the runner's --repeat
    note: str = ""  # printed after the figure (e.g. the data size actually used)


SCALE_ORDER = ("commune", "district", "province")


@dataclass
class Context:
    """What the runner gives every module: cached data and the run mode."""

    cache_dir: Path
    seed: int = 1
    smoke: bool = False  # test-suite mode: tiny data, one repetition
    repeat: int = 5

    def cached(self, key: str, build: Callable[[Path], None]) -> Path:
        """A file built once by ``build(path)`` and reused; rebuilt only when missing (or half-built)."""
        path = self.cache_dir / key
        if path.exists():
            if path.is_file():
                login(path)
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        if tmp.exists():
            shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
        build(tmp)
        tmp.rename(path)
        keys = Path(f"{tmp}.keys")
        if keys.exists():  # an encrypted database: its key file follows it, then the same login opens it
            keys.rename(f"{path}.keys")
            login(path)
        return path

    def demo_db(self, scale: str = "province") -> Path:
        """A demo database (`bkdesk demo`) of that scale for this seed; commune scale in smoke mode."""
        if self.smoke:
            scale = "commune"
        from bkdesk.model.demo import build as demo

        key = f"demo-{scale}-seed{self.seed}-v{demo.DATA_VERSION}-{_schema_tag()}-{mode_tag()}.sqlite"

        def build(path: Path) -> None:
            demo.build_demo_database(path, scale, seed=self.seed, protection=demo_protection(path))
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)

        return self.cached(key, build)


# Databases are encrypted as the product makes them (issue 16); BKDESK_BENCH_PLAIN=1 measures plain files
# (the "before" figures). Cached files carry the mode in their name.
PLAIN = os.environ.get("BKDESK_BENCH_PLAIN") == "1"
BENCH_USER, BENCH_PASSWORD = "bench", "bench-mat-khau"


def new_database(path: Path, scope: str, code: str, officer: str = "bench", **kw):
    """``init_database`` the way a user gets one: encrypted, first user logged in (unless PLAIN)."""
    from bkdesk.model.store import users
    from bkdesk.model.store.databases import init_database

    if PLAIN:
        return init_database(path, scope, code, officer, **kw)
    prot = users.begin_protected(path, BENCH_USER, BENCH_PASSWORD)
    conn = init_database(path, scope, code, officer, **kw)
    users.finish_protected(prot, conn)
    return conn


def demo_protection(path: Path):
    """The ``protection`` argument of the demo builder (None when PLAIN)."""
    from bkdesk.model.store import users

    return None if PLAIN else users.begin_protected(path, BENCH_USER, BENCH_PASSWORD)


def login(path: Path) -> None:
    """Unlock an encrypted benchmark database in this process (a plain one needs nothing)."""
    from bkdesk.model.store import users

    if Path(f"{path}.keys").exists() and users.is_protected(path):
        users.login(path, BENCH_USER, BENCH_PASSWORD)


def mode_tag() -> str:
    return "plain" if PLAIN else "enc"


def _schema_tag() -> str:
    """Short hash of the migrations' source, so a schema change invalidates cached databases."""
    import inspect

    from bkdesk.model.store.db import migration_modules

    return hashlib.sha1("".join(inspect.getsource(m) for m in migration_modules()).encode()).hexdigest()[:8]


def copy_db(src: Path, dst: Path) -> Path:
    """A writable copy of a cached database (with its key file), unlocked in this process."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    keys = Path(f"{src}.keys")
    if keys.exists():
        shutil.copyfile(keys, f"{dst}.keys")
    else:
        Path(f"{dst}.keys").unlink(missing_ok=True)
    login(dst)
    return dst


def peak_rss_mb() -> float:
    """Peak resident memory (MB) of this process's own program, read in the measured process itself:
    /proc's VmHWM belongs to the address space the program runs in, while ru_maxrss also keeps what the
    process held between fork and exec, the parent's pages (a 255 MB import started by a 1 GB benchmark
    runner read 936 MB)."""
    try:
        with open("/proc/self/status") as status:
            hwm = next((line for line in status if line.startswith("VmHWM:")), None)
    except OSError:  # no /proc (not Linux)
        hwm = None
    if hwm is not None:
        return int(hwm.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


PEAK_RSS_CODE = inspect.getsource(peak_rss_mb)  # the same function in a child process's ``-c`` code
