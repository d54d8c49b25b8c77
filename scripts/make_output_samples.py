"""Write every official output of a sample commune, and PNG renderings of their first pages.

python scripts/make_output_samples.py --out DIR [--no-png] [--png-dir docs/samples]

The sample commune is the test fixture (tests/export/builders.py, seed 31): 60 households, two rounds,
the decision, meetings and postings of the last one recorded (official outputs print them).
PNGs need pdftoppm (poppler-utils); the xlsx renderings go through LibreOffice (soffice) first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bkdesk.export.forms import KINDS, write_forms  # noqa: E402
from bkdesk.export.service import export  # noqa: E402
from bkdesk.model.store.databases import init_database  # noqa: E402
from tests.export.builders import COMMUNE, YEAR, build_round, record_round_documents  # noqa: E402

ON = dt.date(2024, 12, 14)  # the date of the recorded decision (record_round_documents)
XLSX = {"bao_cao_15": "all", "danh_sach_mau02": "form02", "niem_yet": "niem_yet", "ds_nlndn": "ds_nlndn"}


def png(pdf: Path, target: Path, pages: int = 1) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", str(pages), str(pdf), str(target)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-png", action="store_true")
    ap.add_argument("--png-dir", default=str(ROOT / "docs" / "samples"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    conn = init_database(out / "mau.sqlite", "commune", COMMUNE, officer="Cán bộ mẫu", force=True)
    record_round_documents(conn, build_round(conn, random.Random(31), 60, draft_rate=0.0))  # official: decided
    written = [export(conn, form, COMMUNE, YEAR, out / f"{name}.xlsx", official=True, on=ON)
               for name, form in XLSX.items()]
    pdfs = {"bao_cao_15": export(conn, "all", COMMUNE, YEAR, out / "bao_cao_15.pdf", official=True, on=ON),
            "danh_sach_mau02": export(conn, "form02", COMMUNE, YEAR, out / "danh_sach_mau02.pdf", official=True,
                                      on=ON)}
    for kind in KINDS:
        pdfs[f"form_{kind}"] = write_forms(conn, kind, COMMUNE, YEAR, out / f"form_{kind}.pdf", official=True,
                                           on=ON)[0]
    conn.close()
    print("\n".join(str(p) for p in [*written, *pdfs.values()]))
    if args.no_png:
        return 0
    pngs = Path(args.png_dir)
    pngs.mkdir(parents=True, exist_ok=True)
    for name, pdf in pdfs.items():
        png(pdf, pngs / f"pdf_{name}", 3 if name == "bao_cao_15" else 1)
    soffice = shutil.which("soffice")
    if soffice:
        conv = Path(tempfile.mkdtemp())
        for x in written:
            subprocess.run([soffice, f"-env:UserInstallation=file://{conv}/profile", "--headless", "--convert-to",
                            "pdf", "--outdir", str(conv), str(x)], check=True, capture_output=True)
            png(conv / f"{x.stem}.pdf", pngs / f"xlsx_lo_{x.stem}", 3 if x.stem == "bao_cao_15" else 1)
    print(f"PNG renderings in {pngs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
