"""House rules checked mechanically: no Qt in the core packages; resources found from every install kind."""

import ast
import re
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


# --- layers and loops --------------------------------------------------------------------------------
# Lower layers never import higher ones; an import inside a function counts the same as one at the top.
LAYERS = [
    ("bkdesk", "bkdesk.errors", "bkdesk.paths"),
    ("bkdesk.model.rules", "bkdesk.model.jobs"),
    ("bkdesk.model.store",),
    ("bkdesk.model.review",),
    ("bkdesk.model.demo", "bkdesk.model"),
    ("bkdesk.export.reports",),  # what the documents say: facts, tables, layouts, scope
    ("bkdesk.export.render",),  # how they are drawn: xlsx and PDF writers
    ("bkdesk.export.sync", "bkdesk.export.inputs", "bkdesk.export"),  # packages, imports, the entry points
    ("bkdesk.ui",),
    ("bkdesk.cli", "bkdesk.__main__"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _bkdesk_imports(module: str) -> set[str]:
    """Modules of bkdesk that ``module`` imports (relative imports resolved; ``from pkg import mod`` -> mod)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: _bkdesk_imports(m) for m in MODULES}


def _layer(module: str) -> int:
    best = (-1, -1)  # (prefix length, layer): the longest matching prefix decides
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best[0]:
                best = (len(p), i)
    return best[1]


def test_every_module_has_a_layer():
    assert [m for m in MODULES if _layer(m) < 0] == []


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    upward = [f"{m} -> {d}" for m, deps in sorted(GRAPH.items()) for d in sorted(deps) if _layer(d) > _layer(m)]
    assert upward == []


def test_no_import_loops():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert loops == []


def test_only_the_entry_point_imports_the_cli():
    outside = [f"{m} -> {d}" for m, deps in GRAPH.items() if not (m == "bkdesk.cli" or m.startswith("bkdesk.cli."))
               and m != "bkdesk.__main__" for d in deps if d == "bkdesk.cli" or d.startswith("bkdesk.cli.")]
    assert outside == []


def _third_party(module: str) -> set[str]:
    return {n.split(".")[0] for n in _imports(MODULES[module])}


def test_rules_import_neither_sqlite_nor_the_store():
    rules = [m for m in MODULES if m.startswith("bkdesk.model.rules")]
    bad = [f"{m}: sqlite3" for m in rules if "sqlite3" in _third_party(m)]
    bad += [f"{m} -> {d}" for m in rules for d in GRAPH[m] if not d.startswith(("bkdesk.model.rules", "bkdesk.errors",
                                                                                 "bkdesk.paths"))]
    assert bad == []


def test_render_has_no_sql():
    render = [m for m in MODULES if m.startswith("bkdesk.export.render")]
    bad = [m for m in render if "sqlite3" in _third_party(m)
           or any(d.startswith("bkdesk.model.store") for d in GRAPH[m])
           or ".execute(" in MODULES[m].read_text(encoding="utf-8")]
    assert bad == []


# --- all the SQL in the store ------------------------------------------------------------------------
# A statement is a string constant (plain, f-string part, implicitly joined or multi-line) starting with an SQL
# keyword, passed to .execute/.executemany/.executescript; strings shaped like SQL anywhere else count too
# (a query built in one place and run in another).
_SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|END|"
                        r"ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH|WITH|ANALYZE|REINDEX)\b", re.I)
_SQL_SHAPE = re.compile(r"\bSELECT\b[\s\S]+?\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|"
                        r"\bDELETE\s+FROM\b|\bCREATE\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b|"
                        r"\bPRAGMA\s+\w+|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)\b")
_RUNNERS = {"execute", "executemany", "executescript"}


def sql_outside_store(source: str) -> list[int]:
    """Lines of ``source`` that run or hold an SQL statement."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUNNERS
                and node.args):
            texts = [n.value for n in ast.walk(node.args[0]) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if any(_SQL_START.match(t) or _SQL_SHAPE.search(t) for t in texts):
                lines.add(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_SHAPE.search(node.value):
            lines.add(node.lineno)
    return sorted(lines)


def test_the_sql_detector_sees_every_form():
    found = sql_outside_store('conn.execute("PRAGMA synchronous=FULL")\n'
                              'conn.executemany(\n    """\n    insert into t (a)\n    values (?)\n    """, rows)\n'
                              'c.execute(f"SELECT a FROM {t} WHERE x=?", (1,))\n'
                              'c.executescript("BEGIN; DROP TABLE t; COMMIT")\n'
                              'SQL = ("SELECT uid "\n       "FROM household")\n'
                              'print("Chọn hộ"); run("echo"); c.execute(sql)\n')
    assert found == [1, 2, 7, 8, 9]


def test_no_sql_outside_the_store():
    bad = [f"{m}:{line}" for m, path in sorted(MODULES.items()) if not m.startswith("bkdesk.model.store")
           for line in sql_outside_store(path.read_text(encoding="utf-8"))]
    assert bad == []


def test_one_sqlite_driver():
    """Every module takes its sqlite3 from bkdesk.dbapi (SQLCipher): the standard library's driver has other
    exception classes, so an error from an encrypted connection would slip past its except clauses."""
    bad = [f"{p.relative_to(ROOT)}" for p in ROOT.rglob("*.py") if p.name != "dbapi.py"
           and ("sqlite3" in _imports(p) or any(n == "sqlite3" or n.startswith("sqlite3.") for n in _imports(p)))]
    assert bad == []
