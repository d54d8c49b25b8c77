"""Starting the GUI: one QApplication, the database opened (created when missing), the main window."""

from __future__ import annotations

import argparse
import sys


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from bkdesk.cli import db_path
    from bkdesk.model.store import open_or_create
    from bkdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("bkdesk")
    app.setOrganizationName("bkdesk")
    path = db_path(args)
    conn = open_or_create(path)
    window = MainWindow(conn, path)
    window.show()
    return app.exec()
