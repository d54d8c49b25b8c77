"""House rules checked mechanically: no Qt in the core packages; resources found from every install kind."""

import ast
import subprocess
import sys
from pathlib import Path

import bkdesk
from bkdesk.paths import resource_path

ROOT = Path(bkdesk.__file__).resolve().parent
CORE = [ROOT / "model", ROOT / "export"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_packages_never_import_qt_statically():
    offenders = [f"{p.relative_to(ROOT)}: {n}" for pkg in CORE for p in pkg.rglob("*.py") for n in _imports(p)
                 if n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"} or n.startswith("bkdesk.ui")]
    assert offenders == []


def test_core_packages_never_import_qt_at_run_time():
    modules = sorted({".".join(p.relative_to(ROOT.parent).with_suffix("").parts)
                      for pkg in CORE for p in pkg.rglob("*.py")})
    code = ("import importlib, sys\n"
            f"for m in {modules!r}:\n    importlib.import_module(m.removesuffix('.__init__'))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_resources_from_this_install():
    assert resource_path("units", "units-bac-kan.csv").is_file()


def test_resources_from_a_source_checkout():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import bkdesk.paths as p;"
            "f = p.resource_path('units', 'units-bac-kan.csv'); print(f.is_file(), p.__file__)")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT.parent)], capture_output=True, text=True,
                         check=True, cwd="/").stdout.split()
    assert out[0] == "True" and out[1].startswith(str(ROOT))


def test_resources_from_an_installed_wheel(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT.parent)],
                   check=True, capture_output=True)
    wheel = next(wheel_dir.glob("bkdesk-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import bkdesk.paths as p;"
            "f = p.resource_path('units', 'units-bac-kan.csv'); print(f.is_file(), p.__file__)")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(target)], capture_output=True, text=True,
                         check=True, cwd=str(tmp_path)).stdout.split()
    assert out[0] == "True" and out[1].startswith(str(target))


def test_resources_from_a_pyinstaller_bundle_layout(tmp_path, monkeypatch):
    bundle = tmp_path / "_internal"
    (bundle / "bkdesk" / "resources" / "units").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resource_path("units", "x.csv") == bundle / "bkdesk" / "resources" / "units" / "x.csv"
