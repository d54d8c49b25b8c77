"""Test data from a seeded random: households with members and housing."""

from __future__ import annotations

import random

from bkdesk.model.rules.records import Household, Housing, Member
from bkdesk.model.store.repo_households import HouseholdBundle

FAMILY = ["Nguyễn", "Hoàng", "Lý", "Nông", "Triệu", "Hà", "Đặng", "Lường", "Ma", "Bàn"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Thế"]
MIDDLE_F = ["Thị", "Thu", "Ngọc"]
GIVEN = ["An", "Bình", "Đức", "Hùng", "Lan", "Mai", "Ánh", "Ước", "Yến", "Thắm", "Tùng", "Dũng"]


def person_name(rng: random.Random, sex: str) -> str:
    middle = rng.choice(MIDDLE_M if sex == "1" else MIDDLE_F)
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"


def make_bundle(rng: random.Random, commune_code: str, n_members: int | None = None, no: int = 1
                ) -> HouseholdBundle:
    n = n_members or rng.randint(1, 7)
    hh = Household(commune_code=commune_code, household_no=f"{no:04d}", address=f"Thôn {rng.randint(1, 9)}",
                   phone=f"09{rng.randint(10_000_000, 99_999_999)}")
    members = []
    for i in range(n):
        sex = rng.choice("12")
        members.append(Member(
            full_name=person_name(rng, sex), sex=sex, position=i + 1,
            birth_date=f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            relation_to_head="chu_ho" if i == 0 else rng.choice(["vo", "con", "chau", "bo", "me"]),
            ethnicity=rng.choice(["02", "07", "09", "01", "08"]),  # codes: Tày, Nùng, Dao, Kinh, Mông
            id_number="".join(rng.choice("0123456789") for _ in range(12)),
            health_insurance=rng.choice([0, 1]), labour_status="co_viec_lam",
        ))
    housing = Housing(no_house=0, wall_durable=1, frame_durable=rng.choice([0, 1]), roof_durable=1,
                      floor_area_m2=float(rng.randint(12, 120)), water_source="piped", latrine_type="septic",
                      phone_subscription=1, internet_use=rng.choice([0, 1]), info_devices="tivi",
                      loudspeaker_audible=1)
    return HouseholdBundle(hh, members, housing)
