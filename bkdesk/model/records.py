"""Plain records exchanged between the repository, the rules, the UI and the file formats."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field


def new_uid() -> str:
    return str(uuid.uuid4())


@dataclass
class SyncMeta:
    rev: int = 0
    updated_at: str = ""
    updated_by: str = ""
    origin: str = ""


@dataclass
class Household:
    commune_code: str
    uid: str = field(default_factory=new_uid)
    household_no: str = ""
    village_uid: str | None = None
    address: str = ""
    phone: str = ""
    status: str = "active"
    complete: int = 0
    note: str = ""
    is_demo: int = 0
    meta: SyncMeta = field(default_factory=SyncMeta)


@dataclass
class Member:
    full_name: str
    uid: str = field(default_factory=new_uid)
    household_uid: str = ""
    position: int = 1
    sex: str | None = None
    birth_date: str | None = None
    birth_date_precision: str = "day"
    ethnicity: str | None = None
    id_number: str | None = None
    id_issue_date: str | None = None
    id_issue_place: str | None = None
    permanent_residence: str | None = None
    current_residence: str | None = None
    relation_to_head: str | None = None
    presence: str = "present"
    presence_date: str | None = None
    labour_status: str | None = None
    seeking_work: int | None = None
    wage_job: int | None = None
    labour_contract: int | None = None
    able_to_work: int | None = None
    highest_general_education: str | None = None
    vocational_qualification: str | None = None
    on_job_training: int | None = None
    currently_studying: int | None = None
    school_level: str | None = None
    level_suitable_for_age: int | None = None
    health_insurance: int | None = None
    malnourished: int | None = None
    malnutrition_kind: str | None = None
    malnutrition_source: str | None = None
    disability: str | None = None
    monthly_social_allowance: int | None = None
    merit_person: int | None = None
    dependant: int | None = None
    low_income_worker: str | None = None
    note: str = ""
    meta: SyncMeta = field(default_factory=SyncMeta)


@dataclass
class Housing:
    no_house: int | None = None
    wall_durable: int | None = None
    frame_durable: int | None = None
    roof_durable: int | None = None
    wall_material: str | None = None
    frame_material: str | None = None
    roof_material: str | None = None
    floor_area_m2: float | None = None
    water_source: str | None = None
    latrine_type: str | None = None
    phone_subscription: int | None = None
    internet_use: int | None = None
    info_devices: str | None = None
    loudspeaker_audible: int | None = None
    meta: SyncMeta = field(default_factory=SyncMeta)


def data_fields(cls) -> list[str]:
    """Stored fields of a record class (everything except the sync metadata)."""
    return [f.name for f in dataclasses.fields(cls) if f.name != "meta"]


def as_dict(record) -> dict:
    return {name: getattr(record, name) for name in data_fields(type(record))}


def from_row(cls, row) -> object:
    keys = row.keys()
    values = {name: row[name] for name in data_fields(cls) if name in keys}
    meta = SyncMeta(**{k: row[k] for k in ("rev", "updated_at", "updated_by", "origin") if k in keys})
    return cls(**values, meta=meta)
