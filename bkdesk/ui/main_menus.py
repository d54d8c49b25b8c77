"""The other engineers' screens in the main window's menus (export/print, summaries, rounds, restore, about).

Each screen is a standalone dialog with a public ``open_*(parent, db_path)`` entry function; the main
window only wires them. Dialogs that change data announce it through the desk context when they close
(``window.desk.announce(event)``); every open view refreshes from that announcement.
"""

from __future__ import annotations


def _refresh_on_close(window, dialog, event: str = "households_changed") -> None:
    """Announce ``event`` once ``dialog`` closes (merges, conflict decisions, rounds change data)."""
    if dialog is not None and hasattr(dialog, "finished"):
        dialog.finished.connect(lambda _r=0: window.desk.announce(event))
    return dialog


def open_export(window):
    from bkdesk.ui.views.export_dialog import open_export_dialog

    return open_export_dialog(window, window.db_path)


def open_merge(window):
    from bkdesk.ui.views.merge_dialog import open_merge_dialog

    return _refresh_on_close(window, open_merge_dialog(window, window.db_path), "merge_done")


def open_conflict_list(window):
    from bkdesk.ui.views.conflict_view import open_conflicts

    dialog = open_conflicts(window, window.db_path)
    view = getattr(dialog, "view", None)
    if view is not None and hasattr(view, "conflict_resolved"):
        view.conflict_resolved.connect(lambda _id: window.desk.announce("households_changed"))
    return _refresh_on_close(window, dialog)


def open_round_list(window):
    from bkdesk.ui.views.rounds_view import open_rounds

    return _refresh_on_close(window, open_rounds(window, window.db_path), "round_changed")


def open_import(window):
    from bkdesk.ui.views.import_dialog import open_import_dialog

    return _refresh_on_close(window, open_import_dialog(window, window.db_path))


def open_points_import(window):
    from bkdesk.ui.views.table_import import POINTS, open_table_import

    return _refresh_on_close(window, open_table_import(window, window.db_path, POINTS))  # scores may change


def open_targets_import(window):
    from bkdesk.ui.views.table_import import TARGETS, open_table_import

    return open_table_import(window, window.db_path, TARGETS)  # read by the reports when they are made


def open_dashboard_view(window):
    from bkdesk.ui.views.dashboard import open_dashboard

    return open_dashboard(window, window.db_path)


def open_restore_view(window) -> bool:
    from bkdesk.ui.views.restore_view import open_restore

    changed = open_restore(window, window.db_path)  # modal
    if changed:
        window.desk.announce("households_changed")
    return changed


def open_convert_units_view(window) -> bool:
    from bkdesk.ui.views.convert_units_view import open_convert_units

    changed = open_convert_units(window, window.db_path)  # modal
    if changed:
        window.desk.announce("households_changed")
    return changed


def open_about_view(window):
    from bkdesk.ui.views.about import open_about

    return open_about(window)


def open_send_package_view(window):
    from bkdesk.ui.views.send_package import open_send_package

    return open_send_package(window, window.db_path)


def open_users_view(window):
    from bkdesk.ui.views.users_view import open_users

    return open_users(window, window.db_path)


def open_own_password_view(window):
    from bkdesk.ui.views.users_view import open_own_password

    session = window.session
    return open_own_password(window, window.db_path, session.username) if session is not None else None


def remove_plain_leftovers(window) -> list:
    """Quản trị > Xoá bản chưa mã hoá: the plain copies a conversion kept, after the person agrees."""
    from PySide6.QtWidgets import QMessageBox

    from bkdesk.model.store import users
    from bkdesk.ui.i18n import _

    left = users.plain_leftovers(window.db_path)
    if not left:
        QMessageBox.information(window, _("Xoá bản chưa mã hoá"), _("Không còn bản chưa mã hoá nào."))
        return []
    answer = QMessageBox.question(
        window, _("Xoá bản chưa mã hoá"),
        _("Xoá {n} bản chưa mã hoá của dữ liệu (tệp cũ, sao lưu cũ)?").format(n=len(left)) + "\n\n"
        + "\n".join(p.name for p in left),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return []
    removed = users.remove_plain(left)
    window.show_plain_reminder()
    return removed


def open_remove_household(window):
    from bkdesk.ui.views.remove_household import remove_selected

    return remove_selected(window)  # the desk context announces the removal: every view refreshes


def wire_households(window) -> None:
    """The household table's own actions (added once the table exists): Xóa hộ (nhập nhầm)..."""
    from bkdesk.ui.views import remove_household

    action = window._action("Xóa hộ (nhập nhầm)...", lambda: open_remove_household(window), None, "Hộ gia đình")
    action.setObjectName("remove_household_action")
    window.screen_actions["remove_household"] = action
    remove_household.wire(window, action)


def may_leave_database(window) -> bool:
    """Before leaving a database whose changes were not yet exported to the upper level: offer to export the
    package now, leave anyway, or stay."""
    from bkdesk.ui.views.send_package import confirm_leave

    return confirm_leave(window, window.db_path)


def wire(window) -> None:
    """Add the menu actions; ``window._action(text, slot, shortcut, menu, toolbar)`` builds each."""
    act = window._action
    window.screen_actions = {
        "export": act("Xuất, in báo cáo và biểu mẫu...", lambda: open_export(window), "Ctrl+P", "Xuất/In"),
        "merge": act("Tổng hợp gói dữ liệu...", lambda: open_merge(window), None, "Tổng hợp"),
        "conflicts": act("Xung đột dữ liệu...", lambda: open_conflict_list(window), None, "Tổng hợp"),
        "send_package": act("Xuất gói gửi cấp trên...", lambda: open_send_package_view(window), "Ctrl+Shift+E",
                            "Tệp", True),
        "rounds": act("Quản lý đợt rà soát...", lambda: open_round_list(window), None, "Đợt rà soát", True),
        "dashboard": act("Bảng điều khiển...", lambda: open_dashboard_view(window), None, "Đợt rà soát"),
        "import": act("Nhập từ Excel...", lambda: open_import(window), None, "Tệp"),
        "points_import": act("Nạp bảng điểm B1...", lambda: open_points_import(window), None, "Tệp"),
        "targets_import": act("Nạp chỉ tiêu giảm nghèo...", lambda: open_targets_import(window), None, "Tệp"),
        "restore": act("Sao lưu và khôi phục...", lambda: open_restore_view(window), None, "Tệp"),
        "convert_units": act("Chuyển đổi mã đơn vị 2025...", lambda: open_convert_units_view(window), None, "Tệp"),
        "about": act("Giới thiệu", lambda: open_about_view(window), "F1", "Trợ giúp"),
        "users": act("Người dùng...", lambda: open_users_view(window), None, "Quản trị"),
        "remove_plain": act("Xoá bản chưa mã hoá...", lambda: remove_plain_leftovers(window), None, "Quản trị"),
        "own_password": act("Đổi mật khẩu...", lambda: open_own_password_view(window), None, "Tệp"),
    }

