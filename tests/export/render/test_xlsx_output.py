"""xlsx_output: an xlsx file is written whole or not at all and leaves nothing behind, whatever fails."""

from __future__ import annotations

import tempfile

import pytest
from python_calamine import CalamineWorkbook

from bkdesk.export.render.xlsx import xlsx_output
from bkdesk.fileio import OutputError
from bkdesk.model.jobs import Cancelled


@pytest.fixture
def scratch_root(tmp_path, monkeypatch):
    """The system's temporary folder, watched: xlsxwriter's scratch files must not stay there."""
    root = tmp_path / "he-thong-tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _rows(wb, n: int = 2000) -> None:
    ws = wb.add_worksheet("Danh sách")
    for r in range(n):
        ws.write_string(r, 0, f"Nông Văn Bình {r}")
        ws.write_string(r, 1, f"{r:012d}")  # a CCCD number: personal data in the scratch files


def test_written_whole(tmp_path, scratch_root):
    out = tmp_path / "ra" / "danh-sach.xlsx"
    with xlsx_output(out, {"constant_memory": True}) as wb:
        _rows(wb)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Danh sách").to_python()
    assert len(rows) == 2000 and rows[7] == ["Nông Văn Bình 7", "000000000007"]
    assert [p.name for p in out.parent.iterdir()] == ["danh-sach.xlsx"]
    assert list(scratch_root.iterdir()) == []


@pytest.mark.parametrize("failure", [Cancelled, RuntimeError])
def test_a_failure_midway_leaves_nothing(tmp_path, scratch_root, failure):
    out = tmp_path / "danh-sach.xlsx"
    with pytest.raises(failure):
        with xlsx_output(out, {"constant_memory": True}) as wb:
            _rows(wb)
            assert any(scratch_root.rglob("*"))  # the rows are in scratch files while the sheet is built
            raise failure()
    assert list(tmp_path.glob("*danh-sach*")) == []
    assert list(scratch_root.iterdir()) == []


def test_an_unwritable_scratch_folder_is_one_line(tmp_path, scratch_root, monkeypatch):
    def full(*a, **k):
        raise OSError(28, "No space left on device", str(scratch_root))

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    out = tmp_path / "danh-sach.xlsx"
    with pytest.raises(OutputError) as err:
        with xlsx_output(out) as wb:
            _rows(wb, 10)
    assert "\n" not in str(err.value)
    assert list(tmp_path.glob("*danh-sach*")) == []
