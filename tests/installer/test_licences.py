"""The third-party licence list (resources/licenses/third-party.json) covers exactly what the app ships:
the runtime dependencies of pyproject.toml and everything they require, read from pyproject itself."""

import importlib.metadata as md
import json
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import bkdesk
from bkdesk.paths import resource_path

PYPROJECT = Path(bkdesk.__file__).resolve().parent.parent / "pyproject.toml"
# The bundles are built for Windows and smoke-tested on Linux: a requirement counts when either needs it.
PLATFORMS = [
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "extra": ""},
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "extra": ""},
]


def runtime_closure(requirements: list[str]) -> set[str]:
    """Canonical names of the requirements and of all they require (installed metadata), extras left out."""
    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate(env) for env in PLATFORMS):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        found.add(name)
        try:
            todo += [Requirement(r) for r in md.requires(req.name) or []]
        except md.PackageNotFoundError:  # a requirement of the other platform only: named, not followed
            pass
    return found


def _listed() -> tuple[set[str], set[str]]:
    data = json.loads(resource_path("licenses", "third-party.json").read_text(encoding="utf-8"))
    bundled = {canonicalize_name(p) for c in data["components"] for p in c.get("packages", [])}
    return bundled, {canonicalize_name(p) for p in data.get("not_bundled", {})}


def test_licence_list_matches_the_runtime_dependencies():
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    bundled, not_bundled = _listed()
    needed = runtime_closure(declared)
    assert sorted(needed - bundled - not_bundled) == [], "missing from third-party.json"
    assert sorted((bundled | not_bundled) - needed) == [], "listed but no longer a dependency"
    assert bundled & not_bundled == set()


def test_every_direct_dependency_is_listed_by_name():
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    bundled, _ = _listed()
    assert {canonicalize_name(Requirement(r).name) for r in declared} <= bundled


def test_the_closure_follows_markers_and_skips_extras():
    names = runtime_closure(["reportlab", "cryptography"])
    assert {"reportlab", "pillow", "cryptography", "cffi", "pycparser"} <= names
    assert "rl-accel" not in names and "bcrypt" not in names  # extras
    assert "typing-extensions" not in runtime_closure(["cryptography; python_version < '3'"])
