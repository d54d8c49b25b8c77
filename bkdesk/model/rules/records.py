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
    """Fields stored in the record's own table (not the sync metadata, not child-table parts)."""
    return [f.name for f in dataclasses.fields(cls) if f.name != "meta" and f.name not in _CHILD_PARTS]


_CHILD_PARTS = {"indicators", "causes", "needs", "groups"}


def as_dict(record) -> dict:
    return {name: getattr(record, name) for name in data_fields(type(record))}


def from_row(cls, row) -> object:
    keys = row.keys()
    values = {name: row[name] for name in data_fields(cls) if name in keys}
    meta = SyncMeta(**{k: row[k] for k in ("rev", "updated_at", "updated_by", "origin") if k in keys})
    return cls(**values, meta=meta)


@dataclass
class IndicatorValue:
    computed: str | None = None  # deprived | not_deprived | unknown
    final: str | None = None  # deprived | not_deprived (officer)
    reason: str = ""  # required when final differs from computed
    missing: str = ""  # fields that kept the computed value unknown


@dataclass
class GroupValue:
    final: int
    derived: int | None = None
    reason: str = ""


@dataclass
class Review:
    household_uid: str
    list_year: int
    reference_date: str
    commune_code: str
    uid: str = field(default_factory=new_uid)
    round_uid: str | None = None
    review_type: str = "periodic"
    review_date: str | None = None
    village_uid: str | None = None
    household_no: str = ""
    standard_id: str | None = None
    standard_revision: int | None = None
    area: str | None = None
    reviewers: str = ""
    household_representative: str = ""
    record_status: str = "draft"
    start_status: str | None = None
    nlndn: int | None = None
    nlndn_middle_recognised: int | None = None
    phieu_a_answers: str | None = None
    phieu_a_result: str | None = None
    score_a_paper: float | None = None
    score_a_computed: float | None = None
    score_a_final: float | None = None
    score_a_source: str | None = None
    score_a_reason: str = ""
    points_table_uid: str | None = None
    b1_answers: str | None = None
    score_b: int | None = None
    deprivation_count: int | None = None
    computed_class: str | None = None
    final_class: str | None = None
    override_reason: str = ""
    override_by: str = ""
    override_at: str | None = None
    reasons_text: str = ""
    decision_id: str | None = None
    members_count: int | None = None
    roster_snapshot: str | None = None
    housing_snapshot: str | None = None
    income_12m_vnd: int | None = None
    income_period_from: str | None = None
    income_period_to: str | None = None
    members_counted: int | None = None
    signed: int = 0
    indicators: dict[str, IndicatorValue] = field(default_factory=dict)
    causes: dict[str, str] = field(default_factory=dict)  # cause code -> free text ("" when none)
    needs: dict[str, str] = field(default_factory=dict)
    groups: dict[str, GroupValue] = field(default_factory=dict)
    meta: SyncMeta = field(default_factory=SyncMeta)


@dataclass
class ExitRegistration:
    household_uid: str
    registration_year: int
    target: str  # thoat_ngheo | thoat_can_ngheo
    uid: str = field(default_factory=new_uid)
    registration_date: str | None = None
    registered_by_member_uid: str | None = None
    commitment: int = 0
    commitment_text: str = ""
    livelihood_plan: str = ""
    livelihood_text: str = ""
    support_needed: str = ""
    support_received: str = ""
    mentor_org: str = ""
    mentor_officer: str = ""
    form04_submitted: int = 0
    form04_date: str | None = None
    withdrawn_date: str | None = None
    withdrawn_reason: str = ""
    outcome_reason: str = ""
    meta: SyncMeta = field(default_factory=SyncMeta)


@dataclass
class ReviewRound:
    commune_code: str
    kind: str  # periodic | regular
    review_year: int
    list_year: int
    reference_date: str
    uid: str = field(default_factory=new_uid)
    month: int | None = None
    state: str = "open"
    locked: int = 0
    standard_id: str | None = None
    meta: SyncMeta = field(default_factory=SyncMeta)


# Parts of a Review kept in child tables, not in the review row.
REVIEW_CHILDREN = ("indicators", "causes", "needs", "groups")
