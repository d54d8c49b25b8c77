"""Library floors (DESIGN.md §5), measured the same way as the figures they bound:

- floor_sqlite_merge: 108 commune databases (split from the province demo) merged by ATTACH + INSERT...SELECT
  into plain tables (no keys, constraints or triggers), the schema's indexes built once at the end,
  one commit per file;
- floor_xlsx_write: openpyxl write-only, 81,480 rows x 30 columns;
- floor_calamine_read: python-calamine reads the same 81,480 x 30 cells;
- floor_canvas_pages: reportlab canvas with the embedded DejaVu TTF, one form-like page each (pages/s);
- floor_canvas_list: the 81,480-row list drawn on canvas pages (A4 landscape, 30 columns).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import Context, Measure
from bkdesk.dbapi import sqlite3

MERGE_TABLES = ("village", "household", "member", "housing", "review_round", "review", "review_indicator",
                "review_cause", "review_need", "review_group", "exit_registration")
ROWS, COLS = 81_480, 30
WORDS = ["Hoàng Văn Pắn", "Nông Thị Ỷ", "Triệu Tòn Chàn", "Thôn Nà Phầy", "Xã Vân Tùng", "Hộ nghèo",
         "Hộ cận nghèo", "Thiếu vốn", "Tày", "Dao", "Nùng", "Kinh", "Hmông", "Nhà ở", "Nước sạch"]


def table_rows(n: int) -> list[list]:
    """A deterministic 30-column list: codes, Vietnamese names and labels, numbers, dates as text."""
    out = []
    for i in range(n):
        row = [f"{i:06d}"]
        for c in range(1, COLS):
            k = (i * 31 + c * 7) % 97
            row.append(WORDS[k % len(WORDS)] if c % 3 else (k * 1500 if c % 2 else f"{1 + k % 28:02d}/09/2022"))
        out.append(row)
    return out


def split_communes(src: Path, out_dir: Path) -> None:
    """One database per commune, with that commune's rows of the province demo (the merge inputs)."""
    from bkdesk.model.store.databases import init_database
    from bkdesk.model.store.db import attach, connect

    out_dir.mkdir(parents=True)
    source = connect(src)  # the province demo as the product keeps it (encrypted unless PLAIN)
    codes = [r[0] for r in source.execute("SELECT DISTINCT commune_code FROM household ORDER BY 1")]
    source.close()
    parent = {"member": "household_uid", "housing": "household_uid", "exit_registration": "household_uid",
              "review_indicator": "review_uid", "review_cause": "review_uid", "review_need": "review_uid",
              "review_group": "review_uid"}
    for code in codes:
        path = out_dir / f"{code}.sqlite"
        init_database(path, "commune", code).close()
        conn = sqlite3.connect(path, isolation_level=None)
        attach(conn, src, "p")  # the floor's own files stay plain SQLite: the bare library's work
        conn.execute("BEGIN")
        for t in MERGE_TABLES:
            if t in parent:
                owner = "household" if parent[t] == "household_uid" else "review"
                where = f"{parent[t]} IN (SELECT uid FROM p.{owner} WHERE commune_code = ?)"
            else:
                where = "commune_code = ?"
            conn.execute(f"INSERT INTO main.{t} SELECT * FROM p.{t} WHERE {where}", (code,))
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE p")
        conn.close()


def measures(ctx: Context) -> list[Measure]:
    n_rows = 500 if ctx.smoke else ROWS
    work = Path(tempfile.mkdtemp(prefix="bkdesk-bench-floors-"))
    atexit.register(shutil.rmtree, work, True)
    state: dict = {}
    scale_note = "smoke scale" if ctx.smoke else f"{n_rows:,} x {COLS}"

    def rows() -> list[list]:
        if "rows" not in state:
            state["rows"] = table_rows(n_rows)
        return state["rows"]

    # --- merge ---------------------------------------------------------------------------------
    def merge_inputs() -> None:
        src = ctx.demo_db("province")
        state["communes"] = sorted(ctx.cached(f"{src.stem}-communes", lambda p: split_communes(src, p)).glob("*.sqlite"))

    def merge_target() -> None:
        """A real floor: plain tables (same columns, no key, constraint, index or trigger to keep up during
        the inserts); the schema's indexes are built once at the end, inside the measure."""
        target = work / "merged.sqlite"
        for p in work.glob("merged.sqlite*"):
            p.unlink()
        conn = sqlite3.connect(target, isolation_level=None)
        conn.execute("ATTACH DATABASE ? AS c", (str(state["communes"][0]),))
        for t in MERGE_TABLES:
            conn.execute(f"CREATE TABLE main.{t} AS SELECT * FROM c.{t} WHERE 0")
        state["indexes"] = [r[0] for r in conn.execute(
            "SELECT sql FROM c.sqlite_master WHERE type='index' AND sql IS NOT NULL AND tbl_name IN"
            f" ({', '.join('?' * len(MERGE_TABLES))})", list(MERGE_TABLES))]
        for t in MERGE_TABLES:  # the primary keys' implicit indexes too
            pk = [r[1] for r in sorted(conn.execute(f"PRAGMA c.table_info({t})"), key=lambda r: r[5]) if r[5]]
            if pk:
                state["indexes"].append(f"CREATE UNIQUE INDEX main.{t}_pk ON {t} ({', '.join(pk)})")
        conn.execute("DETACH DATABASE c")
        conn.close()
        state["target"] = target

    def merge() -> None:
        conn = sqlite3.connect(state["target"], isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            for f in state["communes"]:
                conn.execute("ATTACH DATABASE ? AS c", (str(f),))  # ATTACH cannot happen inside a transaction
                conn.execute("BEGIN")
                for t in MERGE_TABLES:
                    conn.execute(f"INSERT INTO main.{t} SELECT * FROM c.{t}")
                conn.execute("COMMIT")
                conn.execute("DETACH DATABASE c")
            conn.execute("BEGIN")
            for sql in state["indexes"]:
                conn.execute(sql)
            conn.execute("COMMIT")
        finally:
            conn.close()

    # --- xlsx ----------------------------------------------------------------------------------
    def xlsx_write() -> None:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Danh sách")
        for r in rows():
            ws.append(r)
        wb.save(work / "floor-openpyxl.xlsx")

    def xlsx_input() -> None:
        def build(path: Path) -> None:
            import xlsxwriter

            wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
            ws = wb.add_worksheet("Danh sách")
            for i, r in enumerate(table_rows(n_rows)):
                ws.write_row(i, 0, r)
            wb.close()

        state["xlsx"] = ctx.cached(f"floor-list-{n_rows}x{COLS}.xlsx", build)

    def calamine_read() -> None:
        from python_calamine import CalamineWorkbook

        data = CalamineWorkbook.from_path(str(state["xlsx"])).get_sheet_by_index(0).to_python()
        if len(data) != n_rows:
            raise RuntimeError(f"read {len(data)} rows, expected {n_rows}")

    # --- PDF -----------------------------------------------------------------------------------
    def font() -> str:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        from bkdesk.paths import resource_path

        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(resource_path("fonts", "DejaVuSans.ttf"))))
        return "DejaVuSans"

    def canvas_pages() -> float:
        import time

        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        name, pages = font(), 20 if ctx.smoke else 600
        t0 = time.perf_counter()
        c = canvas.Canvas(str(work / "floor-pages.pdf"), pagesize=A4)
        for p in range(pages):
            c.setFont(name, 10)
            for line in range(55):
                c.drawString(40, 800 - line * 14, f"{p:05d} {WORDS[(p + line) % len(WORDS)]}: "
                                                  f"{WORDS[(p * 3 + line) % len(WORDS)]} — 1.500.000 đồng")
            c.showPage()
        c.save()
        return pages / (time.perf_counter() - t0)

    def canvas_list() -> None:
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.pdfgen import canvas

        name = font()
        width, height = landscape(A4)
        c = canvas.Canvas(str(work / "floor-list.pdf"), pagesize=(width, height))
        per_page, col_w = 40, (width - 40) / COLS
        for start in range(0, len(rows()), per_page):
            c.setFont(name, 5)
            for j, r in enumerate(rows()[start:start + per_page]):
                y = height - 30 - j * 13
                for k, v in enumerate(r):
                    c.drawString(20 + k * col_w, y, str(v)[:14])
            c.showPage()
        c.save()

    return [
        Measure("floor_sqlite_merge", merge, setup=merge_inputs, prepare=merge_target, repeat=3,
                note="communes of the province demo" if not ctx.smoke else "smoke scale"),
        Measure("floor_xlsx_write", xlsx_write, repeat=2, note=scale_note),
        Measure("floor_calamine_read", calamine_read, setup=xlsx_input, repeat=3, note=scale_note),
        Measure("floor_canvas_pages", canvas_pages, repeat=3),
        Measure("floor_canvas_list", canvas_list, repeat=2, note=scale_note,
                teardown=lambda: shutil.rmtree(work, ignore_errors=True)),
    ]
