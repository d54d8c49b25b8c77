"""Where runtime data lives: the one function every part uses to find its files."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a runtime data file under ``bkdesk/resources``.

    Works from a source checkout, an editable install and an installed wheel (the files sit next to
    this module), and from a PyInstaller bundle (the spec copies them under ``_MEIPASS/bkdesk``).
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    base = Path(frozen_root) / "bkdesk" if frozen_root else Path(__file__).resolve().parent
    return base.joinpath("resources", *parts)
