"""Who may do what, checked where the work is done (the model), not only by hiding buttons.

Every operation that changes, exports or prints calls ``require(conn, permission)``. An encrypted
database is only ever opened through a login, so its connections carry the session; a connection to an
encrypted file without one is refused. A plain file (met only to convert it, and in tests that build data
below the login) has no users and nothing to check against: it is not protected at all, which is why the
command line and the desk convert it before any work."""

from __future__ import annotations

from bkdesk.errors import UserError
from bkdesk.model.rules import roles as R


class PermissionDenied(UserError):
    """A logged-in user asked for an operation their roles do not allow."""


def session_of(conn):
    return getattr(conn, "session", None)


def require(conn, permission: str) -> None:
    session = session_of(conn)
    if session is None:
        if getattr(conn, "keyed", False):
            raise PermissionDenied("Chưa đăng nhập: thao tác này cần đăng nhập với vai trò phù hợp.")
        return
    if permission in session.permissions:
        return
    need = " hoặc ".join(r.label for r in R.roles_with(permission, session.level)) or "(không vai trò nào)"
    raise PermissionDenied(f"Người dùng {session.username} ({R.role_labels(session.roles)}) không có quyền "
                           f"{R.PERMISSION_LABELS.get(permission, permission)}: cần vai trò {need}.")


def allowed(conn, permission: str) -> bool:
    try:
        require(conn, permission)
    except PermissionDenied:
        return False
    return True


def current_user(conn) -> str | None:
    session = session_of(conn)
    return session.username if session is not None else None
