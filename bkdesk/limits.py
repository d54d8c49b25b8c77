"""Limits of the importers as data (resources/limits/limits.json), from the spec's scale x a safety factor."""

from __future__ import annotations

import functools
import json

from bkdesk.paths import resource_path


@functools.cache
def _all() -> dict:
    with open(resource_path("limits", "limits.json"), encoding="utf-8") as f:
        return json.load(f)


def limit(group: str, key: str) -> int:
    """One limit, e.g. ``limit("points_table", "max_questions")``."""
    return int(_all()[group][key])
