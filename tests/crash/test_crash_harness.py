"""The crash harness in CI: fewer kills than the 200 of scripts/crash_harness.py, same checks."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crash_harness.py"


def _run(tmp_path, *args):
    return subprocess.run([sys.executable, str(SCRIPT), "--workdir", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=300)


def test_sigkill_during_saves_never_corrupts_nor_loses(tmp_path):
    res = _run(tmp_path, "--kills", "20", "--seed", "7")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[-1] == "20 kills, 0 corrupted, 0 lost"
    saves = int(lines[-2].split()[0])
    assert saves > 20  # the children really were saving when killed


def test_harness_detects_a_child_that_reports_before_commit(tmp_path):
    res = _run(tmp_path, "--kills", "6", "--fault", "print-early", "--seed", "3")
    assert res.returncode == 1
    summary = res.stdout.strip().splitlines()[-1]
    assert summary.startswith("6 kills, 0 corrupted, ") and not summary.endswith(" 0 lost")
