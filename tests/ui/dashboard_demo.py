"""Demo data for the dashboard (and its screenshot): a district database with a few hundred households
classified in rounds 2021 and 2022, written through the repository.

    python -m tests.ui.dashboard_demo DB.sqlite [--show]
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

from bkdesk.model.review import rounds
from bkdesk.model.rules.records import ExitRegistration, IndicatorValue
from bkdesk.model.rules.targets import TargetInput
from bkdesk.model.store.databases import init_database
from bkdesk.model.store.repo_households import save_household
from bkdesk.model.store.repo_reviews import review_in_round, save_exit_registration, save_review
from bkdesk.model.store.repo_targets import save_plan_targets
from tests.factories import make_bundle

USER = "Cán bộ demo"
COMMUNES = ("01936", "01945", "01954")
INDICATORS = ("VL", "NPT", "DD", "BHYT", "GDNL", "DHTE", "CLNO", "DTNO", "NSH", "NTHVS", "VT", "PTTT")
WEIGHTS = (5, 2, 1, 1, 4, 1, 3, 4, 3, 6, 1, 2)


def _classify(db, rnd, uid, final, rng):
    r = review_in_round(db, uid, rnd.uid)
    r.final_class = r.computed_class = final
    r.record_status, r.members_count = "confirmed", rng.randint(2, 6)
    if final in ("POOR", "NEAR_POOR"):
        deps = set(rng.choices(INDICATORS, WEIGHTS, k=rng.randint(1, 5)))
        r.indicators = {c: IndicatorValue("deprived", "deprived") for c in deps}
        r.causes = dict.fromkeys(set(rng.choices("12345678", (6, 5, 2, 3, 4, 3, 2, 1), k=rng.randint(1, 3))), "")
        r.causes = {c: ("Thiên tai" if c == "8" else "") for c in r.causes}
    save_review(db, r, USER)


def fill(path: Path, per_commune: int = 130, seed: int = 2022):
    rng = random.Random(seed)
    db = init_database(path, "district", "062", officer=USER)
    classes = {}
    for commune in COMMUNES:
        for n in range(per_commune):
            b = make_bundle(rng, commune, no=n + 1)
            save_household(db, b, USER)
            classes[b.household.uid] = rng.choices(["POOR", "NEAR_POOR", "NOT_POOR"], (50, 12, 38))[0]
    households = len(classes)
    poor_start = sum(c == "POOR" for c in classes.values())
    for year in (2021, 2022):
        for commune in COMMUNES:
            rnd, _ = rounds.open_periodic_round(db, commune, year, USER)
            for (uid,) in db.execute("SELECT household_uid FROM review WHERE round_uid=?", (rnd.uid,)).fetchall():
                cls = classes[uid]
                if year == 2022:  # the year's movements
                    cls = {"POOR": rng.choices(["POOR", "NEAR_POOR", "NOT_POOR"], (90, 6, 4))[0],
                           "NEAR_POOR": rng.choices(["NEAR_POOR", "POOR", "NOT_POOR"], (85, 5, 10))[0],
                           "NOT_POOR": rng.choices(["NOT_POOR", "NEAR_POOR", "POOR"], (95, 4, 1))[0]}[cls]
                    if classes[uid] == "POOR" and rng.random() < 0.15:
                        save_exit_registration(db, ExitRegistration(uid, 2022, "thoat_ngheo", commitment=1), USER)
                _classify(db, rnd, uid, cls, rng)
            rounds.finalise(db, rnd.uid, USER)
    save_plan_targets(db, 2022, [TargetInput("062", "Huyện Ngân Sơn", households, poor_start, Decimal("4.00"))],
                      USER, source="Số liệu minh họa")
    return db


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    if not path.exists():
        fill(path).close()
    if "--show" in argv:
        from PySide6.QtWidgets import QApplication

        from bkdesk.ui.views.dashboard import open_dashboard

        app = QApplication.instance() or QApplication(sys.argv[:1])
        dlg = open_dashboard(None, path)
        dlg.move(0, 0)
        return app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
