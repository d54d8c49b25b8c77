"""The desk as the logged-in user's roles allow: actions their roles cannot do are disabled with a tooltip
naming the role needed. The model refuses anyway (access.require); a refusal that gets through is shown as
its one line, never a crash."""

from __future__ import annotations

from bkdesk.model.rules import roles as R
from bkdesk.ui.i18n import _

# main window attributes and screen_actions keys -> the permission the work behind them needs
WINDOW_ACTIONS = {
    "add_household_action": R.EDIT,
    "confirm_household_action": R.CONFIRM,
    "add_village_action": R.EDIT,
    "rename_village_action": R.EDIT,
}
SCREEN_ACTIONS = {
    "export": R.PRINT,
    "send_package": R.EXPORT,
    "merge": R.MERGE,
    "conflicts": R.CONFLICTS,
    "import": R.EDIT,
    "points_import": R.SETUP,
    "targets_import": R.SETUP,
    "restore": R.SETUP,
    "convert_units": R.SETUP,
    "users": R.USERS,
    "remove_plain": R.USERS,
    "remove_household": R.EDIT,
}


def session_of(desk):
    """The logged-in user's session of a desk context (None on a plain database: nothing to check)."""
    session = getattr(desk, "session", None)
    if session is None:
        session = getattr(desk.conn, "session", None)
    return session


def session_for_path(db_path):
    """The session this process logged in with on ``db_path`` (screens given a path, not a desk)."""
    from bkdesk.model.store import keyring

    return keyring.session_for(db_path)


def allowed(session, permission: str) -> bool:
    """No session: a plain database (tests below the login, a file about to be converted), not checked."""
    return session is None or session.can(permission)


def needs_text(session, permission: str) -> str:
    """'Cần vai trò Cán bộ giảm nghèo xã' for a disabled action's tooltip."""
    level = session.level if session is not None else None
    roles = " hoặc ".join(r.label for r in R.roles_with(permission, level)) or _("(không vai trò nào)")
    return _("Cần vai trò {roles}").format(roles=roles)


def gate(action, session, permission: str) -> bool:
    """Disable ``action`` (a QAction or a button) when the user's roles lack ``permission``, with a tooltip
    naming the role needed; returns whether it is allowed. Never enables what something else disabled."""
    ok = allowed(session, permission)
    if not ok:
        action.setEnabled(False)
        action.setToolTip(needs_text(session, permission))
        action.setStatusTip(needs_text(session, permission))
    return ok


def apply(window) -> None:
    """Gate the main window's actions by the logged-in user's roles."""
    session = session_of(window.desk)
    for attr, perm in WINDOW_ACTIONS.items():
        act = getattr(window, attr, None)
        if act is not None:
            gate(act, session, perm)
    for key, perm in SCREEN_ACTIONS.items():
        act = getattr(window, "screen_actions", {}).get(key)
        if act is not None:
            gate(act, session, perm)
