"""Global exception hook: log to a rotating file in the user log folder and show a copyable report."""

from __future__ import annotations

import logging
import platform
import sys
import traceback

from bkdesk.logs import LOG_NAME, setup_logging  # noqa: F401 (the one logging setup, shared with the CLI)

log = logging.getLogger(__name__)


def report_text(exc_type, exc, tb) -> str:
    from bkdesk import __version__

    lines = traceback.format_exception(exc_type, exc, tb)
    return (f"bkdesk {__version__}, Python {platform.python_version()}, {platform.platform()}\n\n"
            + "".join(lines))


def _show(text: str) -> None:
    from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

    from bkdesk.ui.i18n import _

    if QApplication.instance() is None:
        return
    dlg = QDialog()
    dlg.setObjectName("error_report_dialog")
    dlg.setWindowTitle(_("Đã xảy ra lỗi"))
    lay = QVBoxLayout(dlg)
    lay.addWidget(QLabel(_("Chương trình gặp lỗi. Dữ liệu đã lưu không bị mất. Hãy sao chép báo cáo dưới đây "
                           "gửi cho người hỗ trợ kỹ thuật."), dlg))
    box = QPlainTextEdit(text, dlg)
    box.setObjectName("error_report_text")
    box.setReadOnly(True)
    lay.addWidget(box)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dlg)
    copy_button = buttons.addButton(_("Sao chép báo cáo"), QDialogButtonBox.ButtonRole.ActionRole)
    copy_button.clicked.connect(lambda: QApplication.clipboard().setText(text))
    buttons.rejected.connect(dlg.reject)
    lay.addWidget(buttons)
    dlg.resize(700, 420)
    dlg.exec()


def _show_refusal(message: str) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is not None:
        QMessageBox.warning(QApplication.activeWindow(), "bkdesk", message)


def excepthook(exc_type, exc, tb) -> None:
    from bkdesk.errors import UserError

    if isinstance(exc, UserError):  # a refusal (a role without the permission, bad input) that got this far:
        log.info("refused: %s", exc)  # its one line, not a crash report
        try:
            _show_refusal(str(exc))
        except Exception:  # noqa: BLE001 (the hook must never raise)
            log.exception("could not show the refusal")
        return
    text = report_text(exc_type, exc, tb)
    log.error("Unhandled exception\n%s", text)
    if sys.stderr is not None:  # windowed builds have no stderr
        print(text, file=sys.stderr)
    try:
        _show(text)
    except Exception:  # noqa: BLE001 (the hook must never raise)
        log.exception("could not show the error dialog")


def install() -> None:
    setup_logging()
    sys.excepthook = excepthook
