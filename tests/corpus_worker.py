"""Runs importers on corpus files in a separate process, so a hang or a crash of the reader can be timed
out and killed by the test (tests/test_corpus.py) without taking pytest down.

Protocol: one JSON request per stdin line {"importer", "path", "db"}; one JSON answer per stdout line
{"outcome": "rejected" | "accepted" | "crash", "error": class name, "message": text, "seconds": float}.
Each request opens its own connection and closes it, so the database file is complete (no -wal) between
requests and its bytes can be compared.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from bkdesk.errors import UserError
from bkdesk.model.store.db import open_db

USER = "Kiểm thử tệp độc hại"


def import_points(conn, path: Path, db_path: Path) -> None:
    from bkdesk.export.inputs.points_xlsx import load_points_file
    from bkdesk.model.store.repo_points import store_points_table

    store_points_table(conn, load_points_file(path), user=USER)


def import_targets(conn, path: Path, db_path: Path) -> None:
    from bkdesk.export.inputs.targets_xlsx import read_targets_xlsx
    from bkdesk.model.store.repo_targets import save_plan_targets

    save_plan_targets(conn, 2022, read_targets_xlsx(path, 2022), user=USER, source=path.name)


def import_package(conn, path: Path, db_path: Path) -> None:
    """The sync package importer reports rejections instead of raising: turn them into UserError."""
    from tests.export.sync_keys import merge_files

    report = merge_files(conn, db_path, [path], user=USER, trust_new=True)  # a fresh district: first key
    result = report.results[0]
    if result.status != "merged":
        raise UserError(result.message or f"gói bị từ chối ({result.status})")


def import_template(conn, path: Path, db_path: Path) -> None:
    """The list importer (bkdesk import) rejects rows in its report: rejected rows become a UserError."""
    from bkdesk.export.inputs.list_import import run_import

    result = run_import(conn, path, 2023, USER)
    if result.issues:
        first = result.issues[0]
        raise UserError(f"{len(result.issues)} dòng bị từ chối, ví dụ {first.sheet} dòng {first.row}: "
                        f"{first.reason[:300]}")


IMPORTERS = {"points": import_points, "targets": import_targets, "package": import_package,
             "template": import_template}


def handle(request: dict) -> dict:
    started = time.perf_counter()
    db_path = Path(request["db"])
    conn = open_db(db_path)
    try:
        IMPORTERS[request["importer"]](conn, Path(request["path"]), db_path)
        answer = {"outcome": "accepted", "error": "", "message": ""}
    except UserError as exc:
        answer = {"outcome": "rejected", "error": type(exc).__name__, "message": str(exc)}
    except BaseException as exc:  # noqa: BLE001 - a crash is what the corpus looks for
        answer = {"outcome": "crash", "error": type(exc).__name__,
                  "message": "".join(traceback.format_exception(exc))[-3000:]}
    finally:
        conn.close()
    answer["seconds"] = round(time.perf_counter() - started, 3)
    return answer


def main() -> int:
    sys.setrecursionlimit(3000)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(handle(json.loads(line)), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
