"""The installer sources: Inno Setup script limited to verified directives, build steps, bundle entry."""

import configparser
import re
import subprocess
import sys
from pathlib import Path

import bkdesk

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "windows" / "bkdesk.iss"

# [Setup] directives checked one by one against the Inno Setup help (jrsoftware.org/ishelp) before use.
VERIFIED_SETUP_DIRECTIVES = {
    "AppId", "AppName", "AppVersion", "AppPublisher", "AppComments", "DefaultDirName", "DefaultGroupName",
    "DisableProgramGroupPage", "PrivilegesRequired", "ArchitecturesAllowed", "ArchitecturesInstallIn64BitMode",
    "ChangesAssociations", "OutputDir", "OutputBaseFilename", "SetupIconFile", "UninstallDisplayIcon",
    "UninstallDisplayName", "Compression", "SolidCompression", "WizardStyle",
}
VERIFIED_SECTIONS = {"Setup", "Languages", "CustomMessages", "Tasks", "Files", "Icons", "Registry", "Run"}
VERIFIED_FLAGS = {"ignoreversion", "recursesubdirs", "createallsubdirs", "uninsdeletekey", "uninsdeletevalue",
                  "nowait", "postinstall", "skipifsilent"}


def _sections() -> dict[str, list[str]]:
    sections, current = {}, None
    for line in ISS.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if m := re.fullmatch(r"\[(\w+)\]", line):
            current = m.group(1)
            sections[current] = []
        else:
            sections[current].append(line)
    return sections


def test_iss_uses_only_verified_sections_directives_and_flags():
    sections = _sections()
    assert set(sections) <= VERIFIED_SECTIONS
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert set(setup) <= VERIFIED_SETUP_DIRECTIVES, set(setup) - VERIFIED_SETUP_DIRECTIVES
    flags = {f for s in sections.values() for line in s for m in re.finditer(r"Flags: ([\w ]+)", line)
             for f in m.group(1).split()}
    assert flags <= VERIFIED_FLAGS, flags - VERIFIED_FLAGS


def test_per_user_install_without_admin_rights():
    sections = _sections()
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}")
    assert all(line.startswith("Root: HKA;") for line in sections["Registry"])  # HKCU in per-user mode
    icons = sections["Icons"]
    assert any(i.startswith('Name: "{autoprograms}') for i in icons)
    assert any(i.startswith('Name: "{autodesktop}') and "Tasks: desktopicon" in i for i in icons)


def test_xlsx_association_is_not_taken_only_open_with():
    registry = _sections()["Registry"]
    xlsx = [r for r in registry if "\\.xlsx" in r]
    # Only a value under .xlsx\OpenWithProgids: the extension's default value (Excel's) is never written.
    assert xlsx and all("\\.xlsx\\OpenWithProgids" in r and 'ValueName: ""' not in r for r in xlsx)
    assert any("Applications\\{#AppExe}\\SupportedTypes" in r and 'ValueName: ".xlsx"' in r for r in registry)


def test_iss_texts_are_vietnamese_and_icon_exists():
    text = ISS.read_text(encoding="utf-8-sig")
    messages = configparser.ConfigParser(delimiters=("=",))
    messages.optionxform = str
    messages.read_string("[m]\n" + "\n".join(_sections()["CustomMessages"]))
    assert "màn hình" in messages["m"]["CreateDesktopIcon"]
    assert "SetupIconFile=..\\..\\bkdesk\\resources\\icons\\bkdesk.ico" in text
    assert (ROOT / "bkdesk" / "resources" / "icons" / "bkdesk.ico").stat().st_size > 1000


def test_build_dry_run_lists_the_windows_steps_in_order():
    out = subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--dry-run"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert "-m venv" in out[0] and "pyinstaller" in out[1] and "PySide6-Essentials" in out[1]
    assert out[2].split()[0].endswith("pyinstaller.exe") and out[2].endswith("bkdesk.spec")
    assert "bkdesk-cli.exe --version" in out[3]
    assert f"/DAppVersion={bkdesk.__version__}" in out[4] and out[4].endswith("bkdesk.iss")


def test_bundle_entry_opens_the_app_for_a_package_given_by_open_with(tmp_path):
    sys.path.insert(0, str(ROOT / "installer"))
    try:
        from bkdesk_main import bundle_argv
    finally:
        sys.path.remove(str(ROOT / "installer"))
    package = tmp_path / "goi-xa-01954.xlsx"
    package.write_bytes(b"PK")
    assert bundle_argv([str(package)]) == []
    assert bundle_argv(["check", "--db", "x.sqlite"]) == ["check", "--db", "x.sqlite"]
    assert bundle_argv([str(tmp_path / "missing.xlsx")]) == [str(tmp_path / "missing.xlsx")]


def test_ico_holds_every_size_as_png():
    import struct

    data = (ROOT / "bkdesk" / "resources" / "icons" / "bkdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count == 7
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
        width = struct.unpack_from(">I", data, offset + 16)[0]  # IHDR width
        assert width == (w or 256) == (h or 256)
        sizes.append(width)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]
