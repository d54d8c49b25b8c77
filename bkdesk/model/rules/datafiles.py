"""Reading the JSON data files the rules and layouts come from, with errors a user can act on."""

from __future__ import annotations

import json
from pathlib import Path


def read_json(path: str | Path, error: type[Exception], what: str):
    """Parsed JSON of ``path``; ``error`` (a UserError subclass) names ``what`` the file is when it is
    missing or not valid JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"Không tìm thấy {what} {path.name}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what[:1].upper()}{what[1:]} {path.name} không phải JSON hợp lệ: {exc}.") from None
