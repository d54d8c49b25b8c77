"""Window and app preferences in QSettings with an explicit ini path under the user config folder
(STYLE.md 12): language, recent databases, window geometry (keys include the Qt version), the idle lock time."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings, qVersion

RECENT_MAX = 8
IDLE_LOCK_MINUTES = 15.0  # issue 16: the desk locks after this long without input (0: never)


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir("bkdesk", appauthor=False)) / "bkdesk-ui.ini"


def qsettings() -> QSettings:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def language() -> str:
    return str(qsettings().value("language", "vi"))


def set_language(lang: str) -> None:
    s = qsettings()
    s.setValue("language", lang)
    s.sync()


def idle_lock_minutes() -> float:
    """Minutes without keyboard or mouse input before the desk locks (fractions allowed; 0 turns it off)."""
    try:
        return max(float(qsettings().value("idle_lock_minutes", IDLE_LOCK_MINUTES)), 0.0)
    except (TypeError, ValueError):
        return IDLE_LOCK_MINUTES


def set_idle_lock_minutes(minutes: float) -> None:
    s = qsettings()
    s.setValue("idle_lock_minutes", float(minutes))
    s.sync()


def recent_databases() -> list[str]:
    value = qsettings().value("recent_databases", [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [p for p in items if p]


def add_recent_database(path: str | Path) -> None:
    path = str(Path(path).resolve())
    items = [path] + [p for p in recent_databases() if p != path]
    s = qsettings()
    s.setValue("recent_databases", items[:RECENT_MAX])
    s.sync()


def geometry_key(name: str) -> str:
    return f"geometry/{name}/qt{qVersion()}"
