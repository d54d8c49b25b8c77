"""Demo data: one synthetic household (roster and housing) whose fields agree with each other.

Ages drive schooling, education, jobs, insurance and ID cards; the household's target class drives how
deprived its housing and roster tend to be. Plain dicts keyed by the record field names (records.py), so
the standards engine reads them directly. Nothing here decides a class: the engine does (demo_reviews).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from functools import lru_cache

from bkdesk.model.rules.codelists import HEAD_CODE, codelists
from bkdesk.model.rules.records import Housing, Member, data_fields
from bkdesk.model.rules.validation import EDUCATION_MIN_AGE, QUALIFICATION_MIN_AGE, RELATION_SEX
from bkdesk.paths import resource_path

# The state every generated age refers to: the reference date of the 2022 periodic round.
AGE_REF = dt.date(2022, 9, 1)
MEMBER_FIELDS = tuple(data_fields(Member))
HOUSING_FIELDS = tuple(data_fields(Housing))
POOR, NEAR_POOR, NOT_POOR, MIDDLE = "POOR", "NEAR_POOR", "NOT_POOR", "MIDDLE"

# Probability of a bad value per class (demo tendencies, not rules).
_BAD = {POOR: 0.55, NEAR_POOR: 0.22, NOT_POOR: 0.06, MIDDLE: 0.08}
# Housing is where poor households differ most (and what the housing programme targets).
_HOUSING_BAD = {POOR: 0.9, NEAR_POOR: 0.15, NOT_POOR: 0.06, MIDDLE: 0.08}


@lru_cache(maxsize=1)
def demo_data() -> dict:
    return json.loads(resource_path("demo", "demo-data.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def ethnic_codes(standard_id: str) -> dict[str, str]:
    """Ethnic group label -> code from the standard's code list (codes are data, not literals)."""
    return {i["label_vi"]: i["code"] for i in codelists(standard_id).items("ethnic_groups")}


@dataclass
class Person:
    relation: str
    sex: str
    age: int
    ethnic: str  # label, e.g. "Tày"


def _birth(rng: random.Random, age: int) -> dt.date:
    """A birth date giving ``age`` completed years on AGE_REF."""
    start = dt.date(AGE_REF.year - age - 1, AGE_REF.month, AGE_REF.day) + dt.timedelta(days=1)
    return start + dt.timedelta(days=rng.randrange(365))


def _pick_mix(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def compose(rng: random.Random, cls: str, mix: dict[str, float]) -> list[Person]:
    """Who lives in the household (head first): relationships, sexes, ages and ethnic groups."""
    eth = _pick_mix(rng, mix)
    kinds = ["nuclear", "three_gen", "elderly_couple", "single_elderly", "single_parent", "young_couple"]
    weights = [46, 28, 9, 4, 6, 7] if cls == NOT_POOR else [40, 30, 10, 8, 8, 4]
    kind = rng.choices(kinds, weights=weights)[0]
    head_male = rng.random() < (0.82 if kind not in ("single_parent", "single_elderly") else 0.3)
    head_sex = "1" if head_male else "2"
    spouse = ("vo" if head_male else "chong"), ("2" if head_male else "1")
    spouse_eth = eth if rng.random() < 0.85 else _pick_mix(rng, mix)
    if kind == "single_elderly":
        return [Person(HEAD_CODE, head_sex, rng.randint(65, 92), eth)]
    if kind == "elderly_couple":
        age = rng.randint(58, 85)
        return [Person(HEAD_CODE, head_sex, age, eth), Person(spouse[0], spouse[1], _near(rng, age, 6), spouse_eth)]
    if kind == "young_couple":
        age = rng.randint(20, 30)
        people = [Person(HEAD_CODE, head_sex, age, eth), Person(spouse[0], spouse[1], _near(rng, age, 4), spouse_eth)]
        return people + _children(rng, age, rng.choice((0, 1, 1)), eth)
    if kind == "single_parent":
        age = rng.randint(25, 50)
        return [Person(HEAD_CODE, head_sex, age, eth)] + _children(rng, age, rng.randint(1, 3), eth)
    age = rng.randint(26, 58) if kind == "nuclear" else rng.randint(30, 55)
    people = [Person(HEAD_CODE, head_sex, age, eth), Person(spouse[0], spouse[1], _near(rng, age, 5), spouse_eth)]
    n_kids = rng.choices((0, 1, 2, 3, 4), weights=(4, 16, 40, 26, 14) if cls != NOT_POOR else (5, 22, 48, 18, 7))[0]
    people += _children(rng, age, n_kids, eth)
    if kind == "three_gen":
        elder = min(age + rng.randint(20, 32), 95)
        relation = "bo" if rng.random() < 0.4 else "me"
        rng.random()  # the draw that once picked the sex on its own (kept: the rest of the data stays put)
        people.append(Person(relation, RELATION_SEX[relation], elder, eth))
        if rng.random() < 0.35:
            people[-1] = Person("bo", "1", elder, eth)
            people.append(Person("me", "2", _near(rng, elder, 4), eth))
    return people


def _near(rng: random.Random, age: int, spread: int) -> int:
    return max(18, min(95, age + rng.randint(-spread, spread)))


def _children(rng: random.Random, parent_age: int, n: int, eth: str) -> list[Person]:
    oldest = max(0, min(parent_age - 19, 30))
    ages = sorted((rng.randint(0, oldest) for _ in range(n)), reverse=True)
    return [Person("con", rng.choice("12"), a, eth) for a in ages]


# --- member fields from age ----------------------------------------------------------------------

def _school(age: int) -> str | None:
    for hi, level in ((6, "mam_non"), (11, "tieu_hoc"), (15, "thcs"), (18, "thpt")):
        if age < hi:
            return level
    return None


def _completed(age: int) -> str:
    return "none" if age < 11 else "tieu_hoc" if age < 15 else "thcs"


def _adult_education(rng: random.Random, age: int, bad: float) -> str:
    if age >= 60:
        weights = (30 + 40 * bad, 40, 20, 10 - 5 * bad)
    elif age >= 35:
        weights = (8 + 30 * bad, 30, 40, 22 - 10 * bad)
    else:
        weights = (2 + 20 * bad, 10 + 20 * bad, 45, 43 - 30 * bad)
    return rng.choices(("none", "tieu_hoc", "thcs", "thpt"), weights=weights)[0]


def make_member(rng: random.Random, p: Person, cls: str, names: dict, eth_codes: dict, address: str) -> dict:
    """One roster line as a Member field mapping, consistent with the person's age and the class."""
    bad = _BAD[cls]
    a = p.age
    m = dict.fromkeys(MEMBER_FIELDS)
    m.update(relation_to_head=p.relation, sex=p.sex, ethnicity=eth_codes[p.ethnic], presence="present",
             birth_date_precision="day", note="", full_name=full_name(rng, p, names))
    born = _birth(rng, a)
    m["birth_date"] = born.isoformat()
    if a >= 70 and rng.random() < 0.3:
        m["birth_date"], m["birth_date_precision"] = str(born.year), "year"
    if a == 0 and born > AGE_REF - dt.timedelta(days=365):
        m["presence"], m["presence_date"] = "new_born", born.isoformat()
    studying = _studying(rng, a, bad)
    m["currently_studying"] = int(studying)
    m["school_level"] = (_school(a) or ("cd_dh" if rng.random() < 0.6 else "gdnn")) if studying else None
    m["level_suitable_for_age"] = (0 if rng.random() < bad * 0.1 else 1) if studying else None
    m["highest_general_education"] = _completed(a) if a < 18 else _adult_education(rng, a, bad)
    m["vocational_qualification"] = "none" if a < 18 else _plausible_qualification(a, rng.choices(
        ("none", "so_cap", "trung_cap", "cao_dang", "dai_hoc"), weights=(80 + 15 * bad, 8, 6, 3, 3))[0])
    m["on_job_training"] = 0 if a < 18 else int(rng.random() < 0.08 * (1 - bad))
    _labour(rng, m, a, studying, bad)
    disabled = rng.random() < 0.03 + 0.03 * bad
    m["disability"] = rng.choice(("nhe", "nang")) if disabled else "none"
    m["able_to_work"] = int(15 <= a < 65 and m["disability"] != "nang") if a < 65 else int(rng.random() < 0.4)
    m["health_insurance"] = 1 if a < 6 else int(rng.random() > 0.12 * bad + 0.02)
    if a < 16:
        mal = rng.random() < 0.2 * bad
        m["malnourished"] = int(mal)
        if mal:
            m["malnutrition_kind"], m["malnutrition_source"] = rng.choice(("thấp còi", "nhẹ cân")), "trạm y tế"
    m["monthly_social_allowance"] = int(a >= 80 or m["disability"] == "nang")
    m["merit_person"] = int(a >= 65 and rng.random() < 0.05)
    works = m["labour_status"] == "co_viec_lam"
    m["dependant"] = int(a < 15 or (a >= 60 and not works) or m["disability"] == "nang")
    if a >= 14:
        _id_card(rng, m, born, p.sex, a)
        m["permanent_residence"] = m["current_residence"] = address
    return m


def _plausible_qualification(age: int, level: str) -> str:
    """The drawn qualification, or the highest one a person of that age can plausibly hold."""
    if QUALIFICATION_MIN_AGE.get(level, 0) <= age:
        return level
    return max((q for q, lo in QUALIFICATION_MIN_AGE.items() if lo <= age), key=QUALIFICATION_MIN_AGE.get,
               default="none")


def _studying(rng: random.Random, a: int, bad: float) -> bool:
    if 3 <= a < 15:
        return rng.random() > 0.06 * bad
    if 15 <= a < 18:
        return rng.random() > 0.15 + 0.4 * bad
    if 18 <= a < 23:
        return rng.random() < 0.25 * (1 - bad)
    return False


def _labour(rng: random.Random, m: dict, a: int, studying: bool, bad: float) -> None:
    if a < 15:
        return
    if studying:
        m["labour_status"] = "dang_di_hoc"
        return
    if a >= 65:
        m["labour_status"] = "co_viec_lam" if rng.random() < 0.35 else "khong_co_viec_lam"
        m["seeking_work"] = 0 if m["labour_status"] == "khong_co_viec_lam" else None
        m["wage_job"] = 0
        return
    if rng.random() < 0.05 + 0.12 * bad:
        m["labour_status"], m["seeking_work"], m["wage_job"] = "khong_co_viec_lam", int(rng.random() < 0.6), 0
        return
    m["labour_status"] = "co_viec_lam"
    m["wage_job"] = int(rng.random() < 0.3 - 0.15 * bad)
    if m["wage_job"]:
        m["labour_contract"] = int(rng.random() < 0.75 - 0.5 * bad)


def _id_card(rng: random.Random, m: dict, born: dt.date, sex: str, a: int) -> None:
    # CCCD: province of birth (006), century-and-sex digit, year of birth, six digits.
    century = (0 if born.year < 2000 else 2) + (0 if sex == "1" else 1)
    m["id_number"] = f"006{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"
    m["id_issue_date"] = (dt.date(2021, 3, 1) + dt.timedelta(days=rng.randrange(500))).isoformat()
    m["id_issue_place"] = demo_data()["place_of_issue"]


def full_name(rng: random.Random, p: Person, names: dict, family: str | None = None) -> str:
    n = names.get(p.ethnic) or names["Kinh"]
    male = p.sex == "1"
    middle = rng.choice(n["middle_male"] if male else n["middle_female"])
    given = rng.choice(n["given_male"] if male else n["given_female"])
    return f"{family or rng.choice(n['family'])} {middle} {given}"


def make_roster(rng: random.Random, cls: str, mix: dict[str, float], standard_id: str, address: str) -> list[dict]:
    people = compose(rng, cls, mix)
    names, codes = demo_data()["names"], ethnic_codes(standard_id)
    roster = [make_member(rng, p, cls, names, codes, address) for p in people]
    family = roster[0]["full_name"].split()[0]
    for m, p in zip(roster, people, strict=True):  # children carry the head's family name
        if p.relation == "con" and p.ethnic == people[0].ethnic:
            m["full_name"] = full_name(rng, p, names, family)
    if len(roster) > 2 and rng.random() < 0.015:  # an elderly parent who died during 2022
        old = max(range(1, len(roster)), key=lambda i: people[i].age)
        if people[old].age >= 70:
            roster[old]["presence"] = "died"
            roster[old]["presence_date"] = (dt.date(2022, 1, 10) + dt.timedelta(days=rng.randrange(200))).isoformat()
    for position, m in enumerate(roster, start=1):
        m["position"] = position
    return roster


def make_housing(rng: random.Random, cls: str, n_members: int, urban: bool) -> dict:
    bad = _HOUSING_BAD[cls] * (0.6 if urban else 1.0)
    h = dict.fromkeys(HOUSING_FIELDS)
    h["no_house"] = int(rng.random() < 0.01 * bad)
    durable = [int(rng.random() > bad * 0.8) for _ in range(3)]
    h["wall_durable"], h["frame_durable"], h["roof_durable"] = durable
    h["floor_area_m2"] = 0.0 if h["no_house"] else float(round(n_members * rng.uniform(6, 14) + rng.uniform(
        0, 40) * (1 - bad), 1))
    h["water_source"] = rng.choices(("piped", "drilled_well", "protected_dug_well", "protected_spring", "other"),
                                    weights=(40 if urban else 8, 20, 20, 25, 60 * bad))[0]
    h["latrine_type"] = rng.choices(("septic", "semi_septic", "pour_flush", "vip", "none", "other"),
                                    weights=(40 if urban else 15, 20, 15, 5, 30 * bad, 40 * bad))[0]
    h["phone_subscription"] = int(rng.random() > 0.25 * bad)
    h["internet_use"] = int(rng.random() < 0.8 - 0.6 * bad)
    devices = [d for d, p in (("tivi", 0.85 - 0.5 * bad), ("dien_thoai_thong_minh", 0.7 - 0.5 * bad),
                              ("radio", 0.1), ("may_tinh", 0.2 - 0.2 * bad)) if rng.random() < p]
    h["info_devices"] = ",".join(devices)
    h["loudspeaker_audible"] = int(rng.random() > 0.3 * bad)
    return h


# --- nudging a household towards more / fewer deprivations ---------------------------------------
# Each step changes one aspect; the engine is re-run after each to see where the household stands.

def worse_steps(n_members: int) -> list[tuple[str, dict]]:
    return [("housing", {"latrine_type": "other"}), ("housing", {"water_source": "other"}),
            ("housing", {"info_devices": "", "loudspeaker_audible": 0}),
            ("housing", {"roof_durable": 0, "wall_durable": 0}),
            ("housing", {"phone_subscription": 0, "internet_use": 0}),
            ("housing", {"floor_area_m2": float(4 * n_members)})]


def better_steps(n_members: int) -> list[tuple[str, dict]]:
    return [("housing", {"latrine_type": "semi_septic"}), ("housing", {"water_source": "drilled_well"}),
            ("housing", {"info_devices": "tivi,dien_thoai_thong_minh", "loudspeaker_audible": 1}),
            ("housing", {"no_house": 0, "roof_durable": 1, "wall_durable": 1, "frame_durable": 1}),
            ("housing", {"phone_subscription": 1}),
            ("housing", {"floor_area_m2": float(15 * n_members + 10)}),
            ("members", {"health_insurance": 1}), ("members", {"malnourished": "fix"}),
            ("members", {"labour": "fix"}), ("members", {"education": "fix"})]


def apply_step(step: tuple[str, dict], roster: list[dict], housing: dict) -> None:
    part, values = step
    if part == "housing":
        housing.update(values)
        return
    for m in roster:
        if "health_insurance" in values:
            m["health_insurance"] = 1
        elif "malnourished" in values and m.get("malnourished"):
            m["malnourished"], m["malnutrition_kind"], m["malnutrition_source"] = 0, None, None
        elif "labour" in values and m.get("labour_status") == "khong_co_viec_lam" and m.get("seeking_work"):
            m["seeking_work"] = 0
        elif "labour" in values and m.get("wage_job"):
            m["labour_contract"] = 1
        elif "education" in values and m.get("labour_status") not in (None, "dang_di_hoc"):
            age = AGE_REF.year - int(str(m["birth_date"])[:4])
            m["highest_general_education"] = "thpt" if age >= EDUCATION_MIN_AGE["thpt"] else "thcs"
        elif "education" in values and not m.get("currently_studying"):
            age = AGE_REF.year - int(str(m["birth_date"])[:4])
            if 3 <= age < 18:
                m["currently_studying"], m["school_level"], m["level_suitable_for_age"] = 1, _school(age), 1
                m["labour_status"] = "dang_di_hoc" if age >= 15 else None
