"""Build the Windows installer: venv, pip install, PyInstaller, Inno Setup. Run it on Windows.

PyInstaller does not cross-compile, so the Windows bundle is built on a Windows PC (the Linux bundle of
the same spec is smoke-tested by installer/smoke.sh). Steps, from the repository root:

  1. python -m venv build\\venv-win                      (Python 3.11 x64, from python.org)
  2. build\\venv-win\\Scripts\\python -m pip install pyinstaller <dependencies of pyproject.toml>
  3. build\\venv-win\\Scripts\\pyinstaller --noconfirm --clean --distpath dist --workpath build\\pyinstaller
        installer\\bkdesk.spec                            -> dist\\bkdesk\\ (bkdesk.exe, bkdesk-cli.exe)
  4. dist\\bkdesk\\bkdesk-cli.exe --version              (the bundle starts; prints the version)
  5. ISCC.exe /DAppVersion=<version> installer\\windows\\bkdesk.iss
                                                          -> dist\\bkdesk-<version>-setup.exe
     (Inno Setup 6.3 or newer; optional: put the unofficial Vietnamese.isl next to bkdesk.iss.)

Usage:  python installer/build.py [--dry-run] [--skip-venv] [--iscc PATH]
--dry-run prints the commands without running them (works on any system).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "build" / "venv-win"
ISCC_PLACES = [  # per-machine and per-user installs of Inno Setup 6
    Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "Inno Setup 6" / "ISCC.exe",
    Path(os.environ.get("ProgramFiles", r"C:\Program Files")) / "Inno Setup 6" / "ISCC.exe",
    Path(os.environ.get("LOCALAPPDATA", r"C:\Users\Default\AppData\Local")) / "Programs" / "Inno Setup 6" / "ISCC.exe",
]


def app_version() -> str:
    text = (ROOT / "bkdesk" / "__init__.py").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in bkdesk/__init__.py")


def dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["dependencies"]


def find_iscc(explicit: str | None) -> str:
    if explicit:
        return explicit
    found = shutil.which("iscc") or next((str(p) for p in ISCC_PLACES if p.exists()), None)
    return found or "ISCC.exe"


def steps(skip_venv: bool, iscc: str) -> list[list[str]]:
    py = str(VENV / "Scripts" / "python.exe")
    version = app_version()
    cmds = []
    if not skip_venv:
        cmds.append([sys.executable, "-m", "venv", str(VENV)])
        cmds.append([py, "-m", "pip", "install", "pyinstaller", *dependencies()])
    cmds.append([str(VENV / "Scripts" / "pyinstaller.exe"), "--noconfirm", "--clean",
                 "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"),
                 str(ROOT / "installer" / "bkdesk.spec")])
    cmds.append([str(ROOT / "dist" / "bkdesk" / "bkdesk-cli.exe"), "--version"])
    cmds.append([iscc, f"/DAppVersion={version}", str(ROOT / "installer" / "windows" / "bkdesk.iss")])
    return cmds


def shown(cmd: list[str]) -> str:
    """A command as it would be typed in cmd.exe (quotes around spaces and < > | &)."""
    return " ".join(f'"{a}"' if any(c in a for c in " <>|&") else a for a in cmd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the bkdesk Windows installer.")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--skip-venv", action="store_true", help="reuse build/venv-win as it is")
    parser.add_argument("--iscc", help="path of ISCC.exe (default: PATH, then the usual install folders)")
    args = parser.parse_args(argv)
    cmds = steps(args.skip_venv, find_iscc(args.iscc))
    if args.dry_run:
        for cmd in cmds:
            print(shown(cmd))
        return 0
    if sys.platform != "win32":
        print("The Windows installer is built on Windows (PyInstaller does not cross-compile); "
              "use installer/smoke.sh for the Linux bundle, or --dry-run to see the steps.", file=sys.stderr)
        return 2
    for cmd in cmds:
        print(">", shown(cmd), flush=True)
        subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"Installer: {ROOT / 'dist' / f'bkdesk-{app_version()}-setup.exe'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
