"""Entry script of the PyInstaller bundle: the same `bkdesk` command as the installed package."""

import multiprocessing
import sys
from pathlib import Path

from bkdesk.cli.main import main


def bundle_argv(argv: list[str]) -> list[str]:
    """Arguments for bkdesk.cli.main.main.

    Windows "Open with bkdesk" on a package passes the file path as the only argument. Until the app has a
    command that opens a package from the command line, start the app normally instead of failing with an
    unknown-command error that a windowed program cannot show.
    """
    if len(argv) == 1 and argv[0].lower().endswith(".xlsx") and Path(argv[0]).is_file():
        return []
    return argv


if __name__ == "__main__":
    # The merge reads packages in a spawned process; in a frozen app the child re-runs this executable.
    multiprocessing.freeze_support()
    raise SystemExit(main(bundle_argv(sys.argv[1:])))
