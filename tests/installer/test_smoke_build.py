"""The installer smoke build (slow: deselected by default; run with `pytest -m slow`)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_linux_bundle_builds_and_runs_offline(tmp_path):
    proc = subprocess.run(["bash", str(ROOT / "installer" / "smoke.sh")], capture_output=True, text=True,
                          timeout=1800, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path),
                                             "BKDESK_SMOKE_DIR": str(tmp_path / "smoke"),
                                             "PYTHON": sys.executable})
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "SMOKE OK" in proc.stdout and "bundle size:" in proc.stdout, tail
    assert (tmp_path / "smoke" / "dist" / "bkdesk" / "_internal" / "bkdesk" / "resources" / "fonts").is_dir()
