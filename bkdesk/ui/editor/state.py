"""The editor's record state as plain JSON-able data (undo snapshots, drafts) and back. No Qt here."""

from __future__ import annotations

import copy
from dataclasses import asdict

from bkdesk.model.rules.records import (
    ExitRegistration,
    GroupValue,
    Household,
    Housing,
    IndicatorValue,
    Member,
    Review,
    SyncMeta,
)
from bkdesk.model.store.repo_households import HouseholdBundle


def _plain(record) -> dict:
    return asdict(record)


def to_state(bundle: HouseholdBundle, review: Review, exit_reg: ExitRegistration | None) -> dict:
    return {"household": _plain(bundle.household), "members": [_plain(m) for m in bundle.members],
            "housing": _plain(bundle.housing), "review": _plain(review),
            "exit": _plain(exit_reg) if exit_reg is not None else None}


def _rebuild(cls, data: dict):
    data = dict(data)
    meta = SyncMeta(**data.pop("meta", {}) or {})
    return cls(**data, meta=meta)


def from_state(state: dict) -> tuple[HouseholdBundle, Review, ExitRegistration | None]:
    state = copy.deepcopy(state)
    hh = _rebuild(Household, state["household"])
    members = [_rebuild(Member, m) for m in state["members"]]
    housing = _rebuild(Housing, state["housing"])
    rv = dict(state["review"])
    indicators = {c: IndicatorValue(**v) for c, v in rv.pop("indicators", {}).items()}
    groups = {c: GroupValue(**v) for c, v in rv.pop("groups", {}).items()}
    causes, needs = rv.pop("causes", {}), rv.pop("needs", {})
    review = _rebuild(Review, rv)
    review.indicators, review.groups, review.causes, review.needs = indicators, groups, causes, needs
    exit_reg = _rebuild(ExitRegistration, state["exit"]) if state.get("exit") else None
    return HouseholdBundle(hh, members, housing), review, exit_reg


def get_path(state: dict, path: tuple):
    node = state
    for p in path:
        if node is None:
            return None
        node = node[p] if isinstance(node, list) else node.get(p)
    return node


def set_path(state: dict, path: tuple, value) -> None:
    node = state
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
