"""`bkdesk round open|status|confirm|meeting|posting|decide|close --year R` (issue 14)."""

from __future__ import annotations

import json

from bkdesk.cli.main import main
from bkdesk.model.store import settings
from bkdesk.model.store.repo_villages import create_village
from tests.conftest import TEST_COMMUNE
from tests.model.review.test_round_lifecycle import USER, YEAR, enter, household


def _run(db_path, *argv) -> int:
    return main(["round", *argv, "--year", str(YEAR), "--db", str(db_path)])


def test_round_from_the_command_line(db, db_path, capsys):
    settings.put(db, settings.REVIEW_YEAR, str(YEAR))
    village = create_village(db, TEST_COMMUNE, "Bản Nà Bưa", USER)
    assert _run(db_path, "status") == 2
    assert "Chưa mở đợt" in capsys.readouterr().err
    assert _run(db_path, "open") == 0
    enter(db, household("0001", village, "Nguyễn Văn Đức"), complete=True)
    incomplete = household("0002", village, "Lý Văn An")
    enter(db, incomplete, complete=False)
    capsys.readouterr()

    assert _run(db_path, "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert set(status) == {"year", "state", "statuses", "villages"} and set(status["villages"][0]) == {"name", "statuses"}
    assert status["year"] == YEAR and status["state"] == "planned"
    assert status["statuses"] == {"draft": 2, "confirmed": 0, "decided": 0, "missing": 0}
    assert status["villages"][0]["name"] == "Bản Nà Bưa" and status["villages"][0]["statuses"]["draft"] == 2

    assert _run(db_path, "confirm", "--village", "ban na bua") == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Hộ 0002 (Lý Văn An): ") and len(lines) == 2
    assert _run(db_path, "confirm", "--village", "Thôn Không Có") == 2
    assert _run(db_path, "decide", "--number", "12/QĐ-UBND", "--date", "10/12/2024") == 2
    assert "chưa được xác nhận" in capsys.readouterr().err

    enter(db, incomplete, complete=True, review=_review(db, incomplete))
    assert _run(db_path, "confirm") == 0
    assert _run(db_path, "meeting", "--village", "Bản Nà Bưa", "--date", "31/02/2024", "--attendees", "20",
                "--agree", "15") == 2
    assert "không tồn tại" in capsys.readouterr().err
    assert _run(db_path, "meeting", "--village", "Bản Nà Bưa", "--date", "05/10/2024", "--attendees", "20",
                "--votes", "0001=15,0002=9", "--chair", "Ma Văn Tùng") == 0
    assert "Hộ 0002 (Lý Văn An): chưa đạt 50%" in capsys.readouterr().out
    assert _run(db_path, "confirm") == 0
    assert _run(db_path, "meeting", "--village", "Bản Nà Bưa", "--date", "12/10/2024", "--attendees", "20",
                "--agree", "12") == 0
    assert _run(db_path, "posting", "--place", "Nhà văn hóa thôn", "--from", "14/10/2024", "--to", "18/10/2024") == 0
    assert _run(db_path, "decide", "--number", "12/QĐ-UBND", "--date", "10/12/2024", "--signer", "Hà Văn Bình") == 0
    assert "công nhận 2 hộ" in capsys.readouterr().out
    assert _run(db_path, "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "decided" and status["statuses"]["decided"] == 2
    assert _run(db_path, "unlock-review", "--household", "0001", "--reason", "Sai tên chủ hộ") == 0
    assert _run(db_path, "close") == 0
    assert _run(db_path, "status") == 0
    assert "Đã đóng" in capsys.readouterr().out


def _review(db, bundle):
    from bkdesk.model.store.repo_reviews import latest_review

    return latest_review(db, bundle.household.uid)
