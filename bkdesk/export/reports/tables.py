"""Reports and lists as plain data (rows x columns with totals), before any rendering.

``build_table`` turns a template of the form set into a ``Table``: merged header cells, leaf columns,
rows with a style (unit, district subtotal, total, group), failed checks and the hidden metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.layouts import Header, Leaf, build_header, expand, template
from bkdesk.export.reports.official import dmy, number_vi
from bkdesk.export.reports.scope import Scope
from bkdesk.model.review.exit_outcomes import EXITED, NOT_EXITED, outcome_code
from bkdesk.model.rules.codelists import CodeLists
from bkdesk.model.rules.standards import Standard

NO_DATA = "chưa có số liệu"
_TERM = re.compile(r"([+-]?)([^+-]+)")


@dataclass
class Table:
    template_id: str
    title: str
    form_label: str
    subtitle: list[str]
    header: Header
    rows: list[list] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)  # unit | district | total | group | pair2
    checks_failed: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    kind: str = "report"  # report | list

    def add(self, values: list, style: str = "unit") -> None:
        self.rows.append(values)
        self.styles.append(style)


class Evaluator:
    def __init__(self, std: Standard, decimals: int):
        self.codes = std.indicator_codes
        self.decimals = decimals

    def __call__(self, expr: str, c: Counter, u: str = "hh"):
        expr = expr.replace("{u}", u)
        if expr.startswith("rate:"):
            num, den = expr[5:].split("/")
            d = self(den, c)
            return None if not d else round(self(num, c) / d * 100, self.decimals)
        total = 0
        for sign, term in _TERM.findall(expr.replace(" ", "")):
            if term.endswith(".*"):
                v = sum(c[f"{term[:-1]}{k}"] for k in self.codes)
            else:
                v = c[term]
            total += -v if sign == "-" else v
        return total


def _subtitle(scope: Scope) -> list[str]:
    return [f"{scope.period_vi} (danh sách áp dụng từ ngày 01/01/{scope.list_year})" if not scope.month
            else f"{scope.period_vi} (quyết định công nhận trong tháng)",
            f"Đơn vị: {scope.unit_name(scope.unit)}"]


def _meta(tpl: dict, scope: Scope, std: Standard, layouts: dict, table: Table) -> dict:
    body = json.dumps(table.rows, ensure_ascii=False, default=str)
    return {"template_id": tpl["id"], "template_version": layouts["version"], "form_set": layouts["form_set"],
            "unit_code": scope.unit.code, "unit_name": scope.unit_name(scope.unit), "tree": scope.tree,
            "unit_codes": ",".join(scope.commune_codes), "review_year": scope.review_year,
            "list_year": scope.list_year, "standard_id": std.id, "standard_revision": std.revision,
            "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
            "checksum_sha256": hashlib.sha256(body.encode()).hexdigest()}


def _row_units(scope: Scope) -> list[tuple[str, object]]:
    """("unit", Unit) rows and ("district", Unit) subtotal rows in order (reports.md §1)."""
    districts = scope.districts()
    if not districts:
        return [("unit", u) for u in scope.communes]
    out: list[tuple[str, object]] = []
    for d in districts:
        out += [("unit", u) for u in scope.communes if u.district_code == d.code]
        out.append(("district", d))
    return out


def build_report(tpl: dict, scope: Scope, std: Standard, lists: CodeLists, layouts: dict,
                 counters: dict[str, Counter], unreviewed: int = 0) -> Table:
    pairs = bool(tpl.get("pairs"))
    fixed = [Leaf("STT", kind="text", width=5), Leaf("Đơn vị", kind="text", width=24)]
    if pairs:
        fixed.append(Leaf("Phân tổ", kind="text", width=10))
    columns = expand(tpl["columns"], std, lists, layouts) + [{"label": "Ghi chú", "f": "note", "w": 12}]
    header = build_header(fixed, columns)
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""), _subtitle(scope), header)
    ev = Evaluator(std, layouts["rate_decimals"])
    units = ["hh", "pp"] if pairs else ["hh"]
    value_leaves = header.leaves[len(fixed):-1]
    total, sub, missing, n = Counter(), Counter(), 0, 0
    for kind, unit in _row_units(scope):
        if kind == "unit":
            c = counters.get(unit.code)
            n += 1
            missing += c is None
            sub.update(c or {})
            total.update(c or {})
            _emit(table, ev, value_leaves, units, str(n), scope.unit_name(unit), c, NO_DATA if c is None else "",
                  layouts, "unit")
        else:
            _emit(table, ev, value_leaves, units, "", f"Cộng {unit.name}", sub, "", layouts, "district")
            sub = Counter()
    note = f"chưa đủ số liệu ({missing} đơn vị {NO_DATA})" if missing else ""
    unknown = total.get("start_unknown", 0) if tpl.get("checks") else 0
    if unknown:
        note = "; ".join(x for x in (note, f"{number_vi(unknown)} hộ chưa có tình trạng đầu kỳ") if x)
        table.subtitle.append(f"Chưa có tình trạng đầu kỳ của {number_vi(unknown)} hộ (kỳ rà soát đầu tiên trong dữ "
                              "liệu): không tính là phát sinh mới")
        table.checks_failed.append(
            f"{tpl['title'].capitalize()}: {number_vi(unknown)} hộ chưa có tình trạng đầu kỳ (kỳ rà soát đầu tiên "
            "trong dữ liệu); hãy nhập tình trạng đầu kỳ (hoặc nhập danh sách hộ nghèo, cận nghèo đầu kỳ) rồi lập lại")
    _emit(table, ev, value_leaves, units, "", "Tổng cộng", total, note, layouts, "total")
    for check in tpl.get("checks", []):
        for u in units:
            lhs, rhs = ev(check["lhs"], total, u), ev(check["rhs"], total, u)
            if lhs != rhs:
                label = layouts["pair_labels"][u]
                table.checks_failed.append(f"{tpl['title'].capitalize()}: {check['label']} không khớp ở dòng tổng "
                                           f"({label}: {lhs} ≠ {rhs})")
    if unreviewed:
        table.checks_failed.append(f"{unreviewed} hộ thuộc danh sách đầu kỳ chưa được rà soát trong kỳ")
    table.meta = _meta(tpl, scope, std, layouts, table)
    return table


def _emit(table: Table, ev: Evaluator, leaves: list[Leaf], units: list[str], stt: str, name: str,
          c: Counter | None, note: str, layouts: dict, style: str) -> None:
    for i, u in enumerate(units):
        values = [] if c is None else [ev(leaf.expr, c, u) for leaf in leaves]
        if c is None:
            values = [None] * len(leaves)
        fixed = [stt if i == 0 else "", name if i == 0 else ""]
        if len(units) > 1:
            fixed.append(layouts["pair_labels"][u])
        table.add(fixed + values + [note if i == 0 else ""], style if i == 0 else f"{style}-2")


# --- lists ------------------------------------------------------------------------------------------

def _selected(select: str, fact: dict) -> tuple[bool, str | None]:
    """(in the list, movement used for the flag or result)."""
    start, end = fx.start_status(fact), fx.end_status(fact["final_class"])
    poor, near = fx.transitions(start, end, bool(fact["was_poor"]), bool(fact["was_near"]))
    if select in ("POOR", "NEAR_POOR", "MIDDLE"):
        return fact["final_class"] == select, poor if select == "POOR" else near
    if select == "EXIT_POOR":
        return poor in ("poor_exit_to_near", "poor_exit_above"), poor
    if select == "EXIT_NEAR":
        return near == "near_exit_above", near
    if poor in ("poor_exit_to_near", "poor_exit_above"):
        return True, poor
    return True, near if near == "near_exit_above" else None


def build_list(tpl: dict, scope: Scope, std: Standard, lists: CodeLists, layouts: dict,
               rf: fx.RoundFacts) -> Table:
    header = build_header([], tpl["columns"])
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""), _subtitle(scope), header, kind="list")
    eth = fx.Ethnicity(lists, layouts)
    fields = [leaf.expr for leaf in header.leaves]
    n_hh = n_pp = 0
    commune = None
    for fact in rf.reviews:
        keep, mv = _selected(tpl["select"] if tpl["kind"] == "households" else tpl["cls"], fact)
        if not keep:
            continue
        if len(scope.communes) > 1 and fact["commune_code"] != commune:
            commune = fact["commune_code"]
            unit = next(u for u in scope.communes if u.code == commune)
            table.add([scope.unit_name(unit)] + [""] * (len(fields) - 1), "group")
        members = rf.members.get(fact["household_uid"], [])
        n_hh += 1
        n_pp += len(fx.present(members))
        rows = (_household_row if tpl["kind"] == "households" else _member_rows)(
            tpl, layouts, fact, mv, members, rf, lists, eth, n_hh)
        for row in rows:
            table.add([row.get(f, "") for f in fields])
    persons_col = "persons" if "persons" in fields else None
    total = {fields[0]: "", fields[1]: f"Tổng cộng: {number_vi(n_hh)} hộ, {number_vi(n_pp)} nhân khẩu"}
    if persons_col:
        total[persons_col] = n_pp
    table.add([total.get(f, "") for f in fields], "total")
    table.meta = _meta(tpl, scope, std, layouts, table)
    table.meta.update({"households": n_hh, "persons": n_pp})
    return table


def _household_row(tpl, layouts, fact, mv, members, rf, lists, eth, stt) -> list[dict]:
    head = fx.head_of(members) or {}
    flags = tpl.get("flags", {})
    results = layouts["results_vi"]
    posting = results.get(mv) if mv else results.get(fact["final_class"], "")
    return [{"stt": stt, "head": fact["head_name"] or head.get("full_name", ""),
             "born": fx.birth_year(head.get("birth_date")), "ethnic": eth.label(head.get("ethnicity")),
             "village": fact["village_name"] or "", "persons": len(fx.present(members)),
             "flag": flags.get(fx.list_flag(mv), ""), "result": results.get(mv, ""), "note": "",
             "posting_result": posting or "", "decision": fact.get("decision_id") or "",
             "income_pc": _income_pc(fact)}]


def _income_pc(fact: dict) -> str:
    """Per-capita monthly income of the income determination (households.md §7), whole đồng."""
    income, members = fact.get("income_12m_vnd"), fact.get("members_counted")
    return number_vi(income // (12 * members)) if income is not None and members else ""


def _member_rows(tpl, layouts, fact, mv, members, rf, lists, eth, stt) -> list[dict]:
    rel = {r["code"]: r["label_vi"] for r in lists.items("relationships")}
    pres = sorted(fx.present(members), key=lambda m: (not fx.is_head(m), m["position"]))
    groups = fx.household_groups(fact, rf, lists, eth, members)
    needs = rf.needs.get(fact["review_uid"], {})
    flag = fx.list_flag(mv)
    out = []
    for i, m in enumerate(pres, 1):
        row = {"hh_no": stt if i == 1 else "", "m_no": i, "name": m["full_name"],
               "born_m": fx.birth_year(m["birth_date"]) if m["sex"] == "1" else "",
               "born_f": fx.birth_year(m["birth_date"]) if m["sex"] == "2" else "",
               "ethnic": eth.label(m["ethnicity"]), "relation": rel.get(m["relation_to_head"] or "",
                                                                       m["relation_to_head"] or "")}
        if i == 1:
            row.update({f"flag_{flag}": "x", "cscc": "x" if groups["cscc"] else "",
                        "kcknld": "x" if groups["kcknld"] else ""})
            row.update({f"need.{code}": (text or "x") for code, text in needs.items()})
        out.append(row)
    return out


def build_registrations(tpl: dict, scope: Scope, std: Standard, layouts: dict, rows: list[dict]) -> Table:
    """Exit-poverty registrations of year R with the outcome read from the round's final class (§14)."""
    header = build_header([], tpl["columns"])
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""), _subtitle(scope), header, kind="list")
    fields = [leaf.expr for leaf in header.leaves]
    out = tpl["outcomes"]
    outcomes: Counter = Counter()
    for i, r in enumerate(rows, 1):
        if outcome_code(r["target"], r["final_class"], registered_status=r.get("registered_status", "")) \
                == "target_mismatch":  # §14: a target that does not match the status at registration
            outcome = out["mismatch"]
        elif r["status"] != "active":
            outcome = out["absent"]
        elif r["final_class"] is None:
            outcome = out["none"]
        else:
            outcome = out[r["target"]][r["final_class"]]
        outcomes[outcome] += 1
        note = f"Đã rút đăng ký ngày {dmy(r['withdrawn_date'])}" if r["withdrawn_date"] else ""
        values = {"stt": i, "head": r["head_name"], "village": r["village_name"] or "",
                  "target": tpl["targets"][r["target"]], "outcome": outcome, "note": note}
        table.add([values.get(f, "") for f in fields])
    summary = "; ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    table.add([""] + [f"Tổng cộng: {len(rows)} hộ đăng ký"] + [""] * (len(fields) - 3) + [summary], "total")
    table.meta = _meta(tpl, scope, std, layouts, table)
    table.meta.update({"households": len(rows), **{f"outcome:{k}": v for k, v in outcomes.items()}})
    return table


def _support_types(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def build_registration_report(tpl: dict, scope: Scope, std: Standard, layouts: dict, rows: list[dict]) -> Table:
    """Exit-registration report (reports.md §6): per village (one commune) or per commune, the households
    registered by target, exited by outcome, not exited, without a result, no longer resident, and the
    support they received; computed only from the registrations and the round's final classes."""
    header = build_header([], tpl["columns"])
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""),
                  [f"Năm đăng ký {scope.review_year}", f"Đơn vị: {scope.unit_name(scope.unit)}"], header, kind="list")
    fields = [leaf.expr for leaf in header.leaves]
    by_village = scope.unit.level == "commune"
    groups: dict[str, tuple[str, Counter, Counter]] = {}
    if not by_village:
        for unit in scope.communes:
            groups[unit.code] = (scope.unit_name(unit), Counter(), Counter())
    total, total_support = Counter(), Counter()
    for r in rows:
        key = (r.get("village_name") or "(chưa có thôn)") if by_village else r["commune_code"]
        name, c, support = groups.setdefault(key, (key, Counter(), Counter()))
        if r.get("withdrawn_date"):
            c["withdrawn"] += 1
            total["withdrawn"] += 1
            continue
        code = outcome_code(r["target"], r["final_class"], absent=r["status"] != "active",
                            registered_status=r.get("registered_status", ""))
        add = Counter({"registered": 1, f"registered_{'poor' if r['target'] == 'thoat_ngheo' else 'near'}": 1,
                       code: 1, "not_exited": int(code in NOT_EXITED)})
        types = _support_types(r.get("support_received") or "")
        if types:
            add["supported"] += 1
            support.update(types)
            total_support.update(types)
        c.update(add)
        total.update(add)

    def line(stt, name, c: Counter, support: Counter, style: str = "unit") -> None:
        values = {"stt": stt, "unit": name, **{f: c.get(f, 0) for f in fields if f not in ("stt", "unit")},
                  "support_types": "; ".join(f"{k}: {v}" for k, v in sorted(support.items()))}
        table.add([values.get(f, "") for f in fields], style)

    for i, (_key, (name, c, support)) in enumerate(sorted(groups.items()), 1):
        line(i, name, c, support)
    line("", "Tổng cộng", total, total_support, "total")
    if tpl.get("note"):
        table.subtitle.append(tpl["note"])
    table.meta = _meta(tpl, scope, std, layouts, table)
    table.meta.update({"registered": total["registered"], "exited": sum(total[c] for c in EXITED)})
    return table


def build_monthly(tpl: dict, scope: Scope, std: Standard, layouts: dict, applications: list[dict]) -> Table:
    """Monthly regular-review report (reports.md §6): per commune, the households that applied in the month
    (Form 01 / Form 04), reviews completed, recognised as poor / near-poor, exits recognised, refusals."""
    header = build_header([], tpl["columns"])
    table = Table(tpl["id"], tpl["title"], tpl.get("label", ""),
                  [scope.period_vi, f"Đơn vị: {scope.unit_name(scope.unit)}"], header, kind="list")
    fields = [leaf.expr for leaf in header.leaves]
    per: dict[str, Counter] = {u.code: Counter() for u in scope.communes}
    for r in applications:
        c = per.setdefault(r["commune_code"], Counter())
        start = fx.start_status(r)
        on_list = start in ("POOR", "NEAR_POOR")
        c["received"] += 1
        c["form04" if on_list else "form01"] += 1
        if not r["counted"]:
            c["pending"] += 1
            continue
        c["done"] += 1
        end = fx.end_status(r["final_class"])
        if (start == "POOR" and end != "POOR") or (start == "NEAR_POOR" and end == "OTHER"):
            c["exits"] += 1
        elif end == "POOR" and start != "POOR":
            c["poor"] += 1
        elif end == "NEAR_POOR" and start == "OTHER":
            c["near"] += 1
        else:
            c["refused"] += 1
    total = Counter()
    for i, unit in enumerate(scope.communes, 1):
        c = per.get(unit.code, Counter())
        total.update(c)
        values = {"stt": i, "unit": scope.unit_name(unit), **{f: c.get(f, 0) for f in fields[2:]}}
        table.add([values.get(f, "") for f in fields])
    table.add(["", "Tổng cộng", *[total.get(f, 0) for f in fields[2:]]], "total")
    if tpl.get("note"):
        table.subtitle.append(tpl["note"])
    table.meta = _meta(tpl, scope, std, layouts, table)
    table.meta.update({"month": scope.month, **{f: total.get(f, 0) for f in fields[2:]}})
    return table


def build_table(template_id: str, scope: Scope, std: Standard, lists: CodeLists, layouts: dict,
                rf: fx.RoundFacts) -> Table:
    tpl = template(layouts, template_id)
    if tpl.get("kind") == "registrations":
        return build_registrations(tpl, scope, std, layouts, rf.registrations)
    if tpl.get("kind") == "monthly":
        return build_monthly(tpl, scope, std, layouts, rf.applications)
    if tpl.get("kind") == "registration_report":
        return build_registration_report(tpl, scope, std, layouts, rf.registrations)
    if "kind" in tpl:
        return build_list(tpl, scope, std, lists, layouts, rf)
    if not rf.counters:
        fx.count(rf, std, lists, layouts)
    return build_report(tpl, scope, std, lists, layouts, rf.counters, len(rf.unreviewed))
