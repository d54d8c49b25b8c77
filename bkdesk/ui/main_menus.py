"""The other engineers' screens in the main window's menus (export/print, summaries, rounds, restore, about).

Each screen is a standalone dialog with a public ``open_*(parent, db_path)`` entry function; the main
window only wires them. Dialogs that change households refresh the table when they close.
"""

from __future__ import annotations


def _refresh_on_close(window, dialog) -> None:
    """Reload the table and tree once ``dialog`` closes (merges, conflict decisions change data)."""
    if dialog is not None and hasattr(dialog, "finished"):
        dialog.finished.connect(lambda _r=0: window.refresh())
    return dialog


def open_export(window):
    from bkdesk.ui.views.export_dialog import open_export_dialog

    return open_export_dialog(window, window.db_path)


def open_merge(window):
    from bkdesk.ui.views.merge_dialog import open_merge_dialog

    return _refresh_on_close(window, open_merge_dialog(window, window.db_path))


def open_conflict_list(window):
    from bkdesk.ui.views.conflict_view import open_conflicts

    dialog = open_conflicts(window, window.db_path)
    view = getattr(dialog, "view", None)
    if view is not None and hasattr(view, "conflict_resolved"):
        view.conflict_resolved.connect(lambda _id: window.refresh())
    return _refresh_on_close(window, dialog)


def open_round_list(window):
    from bkdesk.ui.views.rounds_view import open_rounds

    return _refresh_on_close(window, open_rounds(window, window.db_path))


def open_dashboard_view(window):
    from bkdesk.ui.views.dashboard import open_dashboard

    return open_dashboard(window, window.db_path)


def open_restore_view(window) -> bool:
    from bkdesk.ui.views.restore_view import open_restore

    changed = open_restore(window, window.db_path)  # modal
    if changed:
        window.refresh()
    return changed


def open_about_view(window):
    from bkdesk.ui.views.about import open_about

    return open_about(window)


def may_leave_database(window) -> bool:
    """Ask before leaving a database whose changes were not yet exported to the upper level."""
    from bkdesk.ui.views.restore_view import confirm_unexported_changes

    return confirm_unexported_changes(window, window.db_path)


def wire(window) -> None:
    """Add the menu actions; ``window._action(text, slot, shortcut, menu, toolbar)`` builds each."""
    act = window._action
    window.screen_actions = {
        "export": act("Xuất, in báo cáo và biểu mẫu...", lambda: open_export(window), "Ctrl+P", "Xuất/In"),
        "merge": act("Tổng hợp gói dữ liệu...", lambda: open_merge(window), None, "Tổng hợp"),
        "conflicts": act("Xung đột dữ liệu...", lambda: open_conflict_list(window), None, "Tổng hợp"),
        "rounds": act("Quản lý đợt rà soát...", lambda: open_round_list(window), None, "Đợt rà soát"),
        "dashboard": act("Bảng điều khiển...", lambda: open_dashboard_view(window), None, "Đợt rà soát"),
        "restore": act("Sao lưu và khôi phục...", lambda: open_restore_view(window), None, "Tệp"),
        "about": act("Giới thiệu", lambda: open_about_view(window), "F1", "Trợ giúp"),
    }

