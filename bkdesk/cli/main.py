"""`bkdesk ...`: the same operations as the GUI, for scripts and batch work.

Exit codes: 0 success, 1 a check found problems, 2 a user error (one clear line on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from bkdesk import __version__
from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.logs import setup_logging

log = logging.getLogger(__name__)

# Sub-command modules: each has register(subparsers) adding a parser with set_defaults(func=run).
SUBCOMMAND_MODULES = [
    "bkdesk.cli.store",
    "bkdesk.cli.classify",
    "bkdesk.cli.targets",
    "bkdesk.cli.points",
    "bkdesk.cli.sync",
    "bkdesk.cli.keys",
    "bkdesk.cli.demo",
    "bkdesk.cli.outputs",
    "bkdesk.cli.backups",
    "bkdesk.cli.round",
    "bkdesk.cli.household",
    "bkdesk.cli.template",
    "bkdesk.cli.units",
    "bkdesk.cli.standards",
    "bkdesk.cli.users",
    "bkdesk.cli.query",
]


def db_path(args: argparse.Namespace) -> Path:
    from bkdesk.model.store.databases import resolve_db_path

    return resolve_db_path(getattr(args, "db", None))


def common_parser() -> argparse.ArgumentParser:
    """Options every command takes (`--db` on every command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="tệp cơ sở dữ liệu (mặc định: thư mục dữ liệu người dùng)")
    return common


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):  # name the options, never echo values (a password typed by mistake)
            names = [t for t in message[len(prefix):].split() if t.startswith("-")]
            message = prefix + (" ".join(names) if names else "(giá trị không thuộc lệnh nào; không ghi lại)")
        raise UserError(f"Tham số không hợp lệ: {message}")


def build_parser() -> argparse.ArgumentParser:
    common = common_parser()
    parser = _Parser(prog="bkdesk", description="Rà soát hộ nghèo, hộ cận nghèo (bkdesk)", parents=[common])
    parser.add_argument("--version", action="version", version=f"bkdesk {__version__}")
    parser.add_argument("--lang", choices=["vi", "en"], default=argparse.SUPPRESS, help="ngôn ngữ giao diện")
    parser.add_argument("--demo", action="store_true", help="mở ứng dụng với cơ sở dữ liệu mẫu của một xã")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def _one_line(message: str) -> int:
    """Every user-facing failure: one line on stderr, exit 2."""
    text = " ".join(message.split())
    if sys.stderr is not None:  # the windowed build has no console (the desk shows its errors in dialogs)
        print(f"Lỗi: {text[:2000]}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    setup_logging()
    try:
        args = build_parser().parse_args(argv)
        log.info("bkdesk %s", getattr(args, "command", None) or "(desk)")
        if getattr(args, "func", None) is None:
            from bkdesk.ui.app import run_gui

            if args.demo and not getattr(args, "db", None):  # build once, then open like any database
                from bkdesk.model.demo.build import ensure_demo_database

                args.db = str(ensure_demo_database())

            return run_gui(args)
        return int(args.func(args) or 0)
    except UserError as exc:
        log.info("refused: %s", exc)
        return _one_line(str(exc))
    except OSError as exc:  # unreadable/unwritable path, read-only folder, full disk: the cause, in one line
        from bkdesk.fileio import os_error_message

        log.warning("os error: %r", exc)
        return _one_line(os_error_message(exc))
    except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:  # locked, disk full, damaged file
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
            raise  # a bug, not a bad day: the traceback is the report
        from bkdesk.model.store.db import sqlite_error_message

        log.warning("sqlite error: %r", exc)
        return _one_line(sqlite_error_message(exc))
    except MemoryError:
        log.warning("out of memory")
        return _one_line("Không đủ bộ nhớ cho thao tác này (tệp vào quá lớn?); dữ liệu không thay đổi.")
    except KeyboardInterrupt:
        print("Đã dừng.", file=sys.stderr)
        return 130
