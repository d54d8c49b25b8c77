"""Open one screen of the officer's first day on sample data, for the user-guide screenshots (1366x768):

    python scripts/show_screen.py wizard|rounds|send [FOLDER]

wizard: the first-run wizard with "bang thanh" typed (the 2025 unit and the former 2022 unit both listed);
rounds: the round screen of Xã Bằng Thành (2025) mid-round (one village confirmed and met, one household
still incomplete); send: "Xuất gói gửi cấp trên" after an export, with its summary. FOLDER (default: a new
temporary folder) receives the sample database and package.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

USER = "Hoàng Thị Thắm"
CODE, TREE, YEAR = "01864", "2025", 2025


def _household(commune: str, no: str, village_uid: str, head: str, wife: str):
    from bkdesk.model.rules.records import Household, Housing, Member
    from bkdesk.model.store.repo_households import HouseholdBundle

    hh = Household(commune_code=commune, household_no=no, village_uid=village_uid, address=f"Nhà số {int(no)}")
    members = [
        Member(head, sex="1", birth_date="1980-05-02", relation_to_head="chu_ho", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
        Member(wife, sex="2", birth_date="1983-01-10", relation_to_head="vo", ethnicity="02",
               labour_status="co_viec_lam", health_insurance=1, highest_general_education="thcs", dependant=0),
    ]
    housing = Housing(no_house=0, wall_durable=0, frame_durable=0, roof_durable=1, floor_area_m2=40,
                      water_source="other", latrine_type="none", phone_subscription=1, internet_use=0,
                      info_devices="tivi", loudspeaker_audible=1)
    return HouseholdBundle(hh, members, housing)


def build(folder: Path) -> Path:
    """A 2025 commune with two villages, five households, an open round: village 1 confirmed and met,
    village 2 with one household still incomplete."""
    from bkdesk.model.review import rounds
    from bkdesk.model.review.review_service import confirm_computed, new_review, save_household_with_review
    from bkdesk.model.store import settings
    from bkdesk.model.store.databases import init_database
    from bkdesk.model.store.repo_villages import create_village

    path = folder / "bkdesk.sqlite"
    conn = init_database(path, "commune", CODE, officer=USER, tree=TREE)
    settings.put(conn, settings.REVIEW_YEAR, str(YEAR))
    v1 = create_village(conn, CODE, "Thôn Nà Pài", USER)
    v2 = create_village(conn, CODE, "Thôn Khuổi Ló", USER)
    rnd, _ = rounds.open_periodic_round(conn, CODE, YEAR, USER)
    people = [("0001", v1, "Nguyễn Văn Đức", "Hoàng Thị Ánh", 120), ("0002", v1, "Lý Văn An", "Ma Thị Lan", 160),
              ("0003", v1, "Triệu Văn Hùng", "Bàn Thị Mai", 400), ("0004", v2, "Nông Văn Bình", "Hà Thị Yến", 130),
              ("0005", v2, "Đặng Văn Tùng", "Lường Thị Thu", None)]
    for no, village, head, wife, score in people:
        bundle = _household(CODE, no, village, head, wife)
        review = new_review(bundle, YEAR)
        review.score_a_paper = score
        save_household_with_review(conn, bundle, review, USER)
        if score is not None:
            confirm_computed(review)
            review.indicators["VL"].final, review.indicators["VL"].reason = "not_deprived", "có việc làm"
            review.causes = {"1": ""}
            save_household_with_review(conn, bundle, review, USER)
    rounds.confirm(conn, rnd, USER, village_uid=v1)
    rounds.record_meeting(conn, rnd, v1, dt.date(YEAR, 10, 5), 42, USER, place="Nhà văn hóa thôn",
                          chair="Ma Văn Tùng", secretary="Lý Thị Hoa", list_agree=37)
    conn.close()
    return path


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from bkdesk.ui import i18n

    screen = argv[0] if argv else ""
    if screen not in ("wizard", "rounds", "send"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    folder = Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="bkdesk-"))
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    i18n.set_language("vi")
    i18n.install_qt_translator(app)
    if screen == "wizard":
        from bkdesk.ui.views.wizard import FirstRunWizard

        shown = FirstRunWizard(folder / "moi.sqlite")
        shown.commune_search_edit.setText("bang thanh")
        shown.officer_edit.setText(USER)
        shown.year_spin.setValue(YEAR)
    elif screen == "rounds":
        from bkdesk.ui.views.rounds_view import open_rounds

        shown = open_rounds(None, build(folder))
        view = shown.rounds_view
        view.status_table.selectRow(0)
        view.confirm(all_villages=False)
    else:
        from bkdesk.ui.views.send_package import SendPackageDialog

        shown = SendPackageDialog(build(folder))
        shown.path_edit.setText(str(folder / Path(shown.path_edit.text()).name))
        shown.start_export()
    shown.move(20, 20)
    shown.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
