"""Merge conflicts: both versions field by field, and the audited decision (per field or whole record)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bkdesk.dbapi import sqlite3
from bkdesk.errors import UserError
from bkdesk.export.sync import package_format as fmt
from bkdesk.model.rules import roles
from bkdesk.model.rules.text import name_sort_text, search_key
from bkdesk.model.store import access, audit, repo_sync, settings
from bkdesk.model.store.db import transaction

LOCAL, INCOMING = "local", "incoming"
DELETED = "_deleted"  # marks the side of a conflict that deleted the record (a tombstone)
DERIVED = repo_sync.DERIVED
TABLE_VI = {"village": "Thôn", "household": "Hộ", "member": "Thành viên", "housing": "Nhà ở",
            "household_event": "Biến động hộ", "review_round": "Đợt rà soát", "review": "Phiếu rà soát",
            "exit_registration": "Đăng ký thoát nghèo", "village_meeting": "Họp thôn",
            "round_posting": "Niêm yết công khai", "round_decision": "Quyết định công nhận"}


@dataclass
class FieldDiff:
    field: str
    local: object
    incoming: object

    @property
    def differs(self) -> bool:
        return json.dumps(self.local, ensure_ascii=False) != json.dumps(self.incoming, ensure_ascii=False)


RECORD_FIELD = "(bản ghi)"


@dataclass
class Conflict:
    id: int
    table: str
    uid: str
    label: str
    local: dict
    incoming: dict

    @property
    def deletion(self) -> str | None:
        """LOCAL or INCOMING when that side deleted the record (a delete against an edit), else None."""
        return LOCAL if DELETED in self.local else INCOMING if DELETED in self.incoming else None

    def fields(self, only_different: bool = True) -> list[FieldDiff]:
        if self.deletion:
            return [FieldDiff(RECORD_FIELD, "Đã xóa" if self.deletion == LOCAL else "Còn (đã sửa)",
                              "Đã xóa" if self.deletion == INCOMING else "Còn (đã sửa)")]
        skip = (set(repo_sync.META) | DERIVED.get(self.table, set()) | {repo_sync.SPECS[self.table].key}
                | set(repo_sync.BASE))
        out = [FieldDiff(k, self.local.get(k), self.incoming.get(k)) for k in self.incoming if k not in skip]
        return [f for f in out if f.differs] if only_different else out

    def who(self, side: str) -> tuple[str, str]:
        """(updated_by, updated_at) of one side."""
        d = self.local if side == LOCAL else self.incoming
        return d.get("updated_by") or "", d.get("updated_at") or ""


def list_open(conn: sqlite3.Connection) -> list[Conflict]:
    return [_conflict(conn, r) for r in repo_sync.list_conflicts(conn)]


def get(conn: sqlite3.Connection, conflict_id: int) -> Conflict:
    row = repo_sync.get_conflict(conn, conflict_id)
    if row is None:
        raise UserError(f"Không tìm thấy xung đột số {conflict_id}.")
    return _conflict(conn, row)


def _conflict(conn, row) -> Conflict:
    label = f"{TABLE_VI.get(row['table_name'], row['table_name'])}: " + repo_sync.household_label(
        conn, row["table_name"], row["record_uid"])
    return Conflict(row["id"], row["table_name"], row["record_uid"], label, json.loads(row["local_data"]),
                    json.loads(row["incoming_data"]))


def resolve(conn: sqlite3.Connection, conflict_id: int, choices: str | dict[str, str], user: str,
            reason: str = "") -> dict:
    """Decide a conflict: ``choices`` is LOCAL or INCOMING for the whole record, or field -> side
    (fields left out keep the local value). Writes the chosen values as a new revision, audited."""
    access.require(conn, roles.CONFLICTS)
    row = repo_sync.get_conflict(conn, conflict_id)
    if row is None or row["status"] != "open":
        raise UserError("Xung đột này không còn chờ giải quyết.")
    c = _conflict(conn, row)
    if c.deletion:
        side = choices if isinstance(choices, str) else choices.get(RECORD_FIELD, LOCAL)
        return _resolve_deletion(conn, c, side, user, reason)
    fields = [f.field for f in c.fields(only_different=False)]
    picks = dict.fromkeys(fields, choices) if isinstance(choices, str) else {f: choices.get(f, LOCAL) for f in fields}
    if any(v not in (LOCAL, INCOMING) for v in picks.values()):
        raise UserError("Lựa chọn không hợp lệ: chỉ chọn bản tại máy hoặc bản nhập vào.")
    at = audit.now_iso()
    with transaction(conn):
        current = repo_sync.local_rows(conn, c.table, [c.uid]).get(c.uid)
        header = repo_sync.package_columns(conn, c.table)[:-len(repo_sync.BASE)]
        now = dict(zip(header, current, strict=True)) if current else dict(c.local)
        resolved = {**now, **{f: c.incoming[f] for f, side in picks.items() if side == INCOMING}}
        _derive(c.table, resolved)
        resolved.update(rev=max(now["rev"], c.incoming["rev"]) + 1, updated_at=at, updated_by=user,
                        origin=settings.get(conn, settings.INSTALLATION_ID) or "")
        cols = [col for col, _ in repo_sync.table_columns(conn, c.table)]
        repo_sync.upsert_rows(conn, c.table, cols, [tuple(resolved[k] for k in cols)])
        if c.table == "review":
            repo_sync.replace_review_children(conn, {k: [(c.uid, resolved[k])] for k in repo_sync.CHILDREN})
        if c.table in ("household", "member"):
            refresh_household_keys(conn, [resolved["household_uid"] if c.table == "member" else c.uid])
        data = [k for k in header if k not in repo_sync.META]
        why = reason or f"Giải quyết xung đột đồng bộ số {conflict_id}"
        audit.record_change(conn, c.table, c.uid, {k: now[k] for k in data}, {k: resolved[k] for k in data}, user,
                            why, resolved["origin"], at)
        # the decided version descends from both: the sync state names both as its ancestors
        repo_sync.set_sync_states(conn, c.table, [(c.uid, c.incoming["rev"], c.incoming["origin"],
                                                   c.incoming.get("_vhash"), fmt.merge_ancestry(
                                                       c.incoming.get("_ancestors", ""), c.local.get("_vhash", ""),
                                                       c.local.get("_ancestors", "")))])
        repo_sync.close_conflict(conn, conflict_id, user, at, picks)
    return resolved


def _resolve_deletion(conn, c: Conflict, side: str, user: str, reason: str) -> dict:
    """A delete against an edit: keep the record (the edit wins) or delete it (the deletion wins)."""
    if side not in (LOCAL, INCOMING):
        raise UserError("Lựa chọn không hợp lệ: chỉ chọn bản tại máy hoặc bản nhập vào.")
    deleted_side = c.deletion
    record_side = INCOMING if deleted_side == LOCAL else LOCAL
    at = audit.now_iso()
    origin = settings.get(conn, settings.INSTALLATION_ID) or ""
    why = reason or f"Giải quyết xung đột đồng bộ số {c.id}"
    edit, tomb = (c.local, c.incoming) if record_side == LOCAL else (c.incoming, c.local)
    ancestry = fmt.merge_ancestry(tomb.get("_vhash", ""), tomb.get("_ancestors", ""), edit.get("_vhash", ""),
                                  edit.get("_ancestors", ""))
    cols = [col for col, _ in repo_sync.table_columns(conn, c.table)]
    with transaction(conn):
        current = repo_sync.local_rows(conn, c.table, [c.uid]).get(c.uid)
        if side == deleted_side:  # the deletion wins
            if current is not None:
                header = repo_sync.package_columns(conn, c.table)[:-len(repo_sync.BASE)]
                old = dict(zip(header, current, strict=True))
                repo_sync.delete_rows(conn, c.table, [c.uid])
                audit.record_change(conn, c.table, c.uid, {k: old[k] for k in cols if k not in repo_sync.META},
                                    None, user, why, origin, at)
            result = {DELETED: "1"}
        else:  # the edited record wins (restored here if it was deleted here)
            values = dict(edit)
            _derive(c.table, values)
            values.update(rev=int(values.get("rev") or 1) + 1, updated_at=at, updated_by=user, origin=origin)
            repo_sync.upsert_rows(conn, c.table, cols, [tuple(values.get(k) for k in cols)])
            if c.table == "review":
                repo_sync.replace_review_children(conn, {k: [(c.uid, values.get(k) or "[]")] for k in
                                                         repo_sync.CHILDREN})
            if current is None:
                repo_sync.drop_tombstone(conn, c.table, c.uid)
                audit.record_change(conn, c.table, c.uid, None, {k: values.get(k) for k in cols
                                                                if k not in repo_sync.META}, user, why, origin, at)
            if c.table in ("household", "member"):
                refresh_household_keys(conn, [values["household_uid"] if c.table == "member" else c.uid])
            result = values
        repo_sync.set_sync_states(conn, c.table, [(c.uid, int(edit.get("rev") or 1), edit.get("origin") or "",
                                                   tomb.get("_vhash") or edit.get("_vhash"), ancestry)])
        repo_sync.close_conflict(conn, c.id, user, at, {RECORD_FIELD: side})
    return result


def _derive(table: str, values: dict) -> None:
    if table == "member":
        values["name_key"] = search_key(values.get("full_name"))
        values["name_sort"] = name_sort_text(values.get("full_name"))
    elif table == "village":
        values["name_key"] = search_key(values.get("name"))


def refresh_household_keys(conn, uids) -> None:
    """Head and search keys come from the roster (the household repository owns that rule); a roster
    changed by a merge or a decision refreshes them without a new revision of the household."""
    from bkdesk.model.store.repo_households import _derived, get_household

    for uid in uids:
        bundle = get_household(conn, uid)
        if bundle is not None:
            repo_sync.set_household_keys(conn, uid, _derived(bundle))
