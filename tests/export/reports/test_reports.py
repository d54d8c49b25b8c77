"""Each report's numbers against counts computed here, independently, from the records the fixture wrote."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bkdesk.errors import UserError
from bkdesk.export.reports import facts as fx
from bkdesk.export.reports.scope import official_blockers, resolve_scope
from bkdesk.export.service import export, prepare
from bkdesk.model.rules.standards import shipped_standard
from tests.export.builders import COMMUNE, YEAR, build_round

P, N = "POOR", "NEAR_POOR"
REF = dt.date(YEAR, 9, 1)


@pytest.fixture
def clean_round(db):
    """No drafts: every household on the start lists has a counted review (or left the commune)."""
    return db, build_round(db, random.Random(31), 60, draft_rate=0.0)


@pytest.fixture
def drafty_round(db):
    return db, build_round(db, random.Random(5), 40, draft_rate=0.25)


def persons(h) -> int:
    return sum(1 for m in h.members if m.presence == "present")


def counted(truth):
    return [h for h in truth if h.cls]


def table(conn, form):
    return prepare(conn, form, COMMUNE, YEAR).tables[0]


def total_row(t, pair=0):
    rows = [r for r, s in zip(t.rows, t.styles, strict=True) if s.startswith("total")]
    return rows[pair]


def values(t, pair=0):
    fixed = 3 if any(leaf.label == "Phân tổ" for leaf in t.header.leaves) else 2
    return total_row(t, pair)[fixed:-1]


# --- independent rules (households.md §12), written out again here -----------------------------------

def start_of(h) -> str:
    if h.start_absent:
        return "ABSENT"
    return h.prev if h.prev in (P, N) else "OTHER"


def moves(h) -> tuple[str | None, str | None]:
    s, e = start_of(h), (h.cls if h.cls in (P, N) else "OTHER")
    table_p = {(P, P): "poor_remain", (P, N): "poor_exit_to_near", (P, "OTHER"): "poor_exit_above",
               (N, P): "poor_from_near", ("ABSENT", P): "poor_increase_other"}
    table_n = {(N, N): "near_remain", (N, P): "near_to_poor", (N, "OTHER"): "near_exit_above",
               (P, N): "near_from_poor", ("ABSENT", N): "near_increase_other"}
    poor = table_p.get((s, e)) or (("poor_relapse" if h.older_poor else "poor_new") if (s, e) == ("OTHER", P)
                                   else None)
    near = table_n.get((s, e)) or (("near_relapse" if h.older_near else "near_new") if (s, e) == ("OTHER", N)
                                   else None)
    return poor, near


def test_report_01_totals_by_class(clean_round):
    conn, truth = clean_round
    c = counted(truth)
    expect = [len(c), sum(map(persons, c))]
    for cls in (P, N, "MIDDLE"):
        hs = [h for h in c if h.cls == cls]
        expect += [len(hs), sum(map(persons, hs)), round(len(hs) / len(c) * 100, 2)]
    assert values(table(conn, "1")) == expect


def test_reports_02_03_movements_and_identity(clean_round):
    conn, truth = clean_round
    mv_h, mv_p, start_h, start_p = Counter(), Counter(), Counter(), Counter()
    for h in truth:
        s = start_of(h) if h.cls or h.status == "active" else h.prev
        if s in (P, N):
            start_h[s] += 1
            start_p[s] += persons(h)
        if not h.cls:  # left the commune: "giảm khác"
            side = "poor" if h.prev == P else "near"
            mv_h[f"{side}_decrease_other"] += 1
            mv_p[f"{side}_decrease_other"] += persons(h)
            continue
        for m in moves(h):
            if m and not m.endswith("remain"):
                mv_h[m] += 1
                mv_p[m] += persons(h)
    # the fixture exercises departures, relapses and moves in from outside on both lists
    assert all(mv_h[k] for k in ("poor_decrease_other", "near_decrease_other", "poor_relapse", "near_relapse",
                                 "poor_increase_other", "near_increase_other", "poor_from_near", "near_to_poor"))
    for form, side, start, end in (("2", "poor", P, P), ("3", "near", N, N)):
        t = table(conn, form)
        decs = (["poor_exit_to_near", "poor_exit_above", "poor_decrease_other"] if side == "poor"
                else ["near_to_poor", "near_exit_above", "near_decrease_other"])
        incs = [f"{side}_from_{'near' if side == 'poor' else 'poor'}", f"{side}_relapse", f"{side}_new",
                f"{side}_increase_other"]
        for pair, (mv, st_) in enumerate(((mv_h, start_h), (mv_p, start_p))):
            end_n = sum((1 if pair == 0 else persons(h)) for h in counted(truth) if h.cls == end)
            expect = ([st_[start], sum(mv[d] for d in decs)] + [mv[d] for d in decs]
                      + [sum(mv[i] for i in incs)] + [mv[i] for i in incs] + [end_n])
            assert values(t, pair) == expect
            assert expect[-1] == expect[0] - expect[1] + expect[5]  # end = start - decreases + increases
        assert t.checks_failed == []


def test_unreviewed_start_households_fail_the_check_and_block_official(drafty_round):
    conn, truth = drafty_round
    t = table(conn, "2")
    assert any("chưa được rà soát" in m for m in t.checks_failed)
    with pytest.raises(UserError, match="chưa qua kiểm tra"):
        prepare(conn, "all", COMMUNE, YEAR, official=True)


def test_draft_reviews_are_not_counted(drafty_round):
    conn, truth = drafty_round
    assert values(table(conn, "1"))[0] == len(counted(truth)) < len([h for h in truth if h.status == "active"])


def test_reports_04_to_07_indicators(clean_round):
    conn, truth = clean_round
    codes = shipped_standard("vn-2022-2026").indicator_codes
    for cls, count_form, rate_form in ((P, "4", "5"), (N, "6", "7")):
        hs = [h for h in counted(truth) if h.cls == cls]
        per = [sum(1 for h in hs if k in h.deprived) for k in codes]
        assert values(table(conn, count_form)) == [len(hs), sum(per)] + per
        assert values(table(conn, rate_form)) == [len(hs), sum(per)] + [round(x / len(hs) * 100, 2) for x in per]


def test_report_08_groups_in_households_and_persons(clean_round):
    conn, truth = clean_round
    t = table(conn, "8")
    for pair, weight in ((0, lambda h: 1), (1, persons)):
        expect = []
        for cls in (P, N):
            hs = [h for h in counted(truth) if h.cls == cls]
            expect += [sum(map(weight, hs))] + [sum(weight(h) for h in hs if h.groups[g]) for g in
                                                ("dtts", "kcknld", "cscc")]
            expect.append(sum(weight(h) for h in hs if not any(h.groups[g] for g in ("dtts", "kcknld", "cscc"))))
        assert values(t, pair) == expect


def test_report_09_ethnicity_of_the_head(clean_round):
    conn, truth = clean_round
    label_codes = {"Tày": "02"}
    columns = ["02", "07", "09", "08", "04", "15"]
    expect = []
    for cls in (P, N):
        hs = [h for h in counted(truth) if h.cls == cls]
        minority = [h for h in hs if h.groups["dtts"]]
        heads = [label_codes.get(h.members[0].ethnicity, h.members[0].ethnicity) for h in minority]
        expect += [len(hs), len(hs) - len(minority), len(minority)] + [heads.count(c) for c in columns]
        expect.append(sum(1 for c in heads if c not in columns))
    assert values(table(conn, "9")) == expect


def test_report_10_causes_with_local_causes_under_other(clean_round):
    conn, truth = clean_round
    expect = []
    for cls in (P, N):
        hs = [h for h in counted(truth) if h.cls == cls]
        mapped = [{("8" if c == "9" else c) for c in h.causes} for h in hs]
        expect += [len(hs)] + [sum(1 for m in mapped if str(k) in m) for k in range(1, 9)]
    assert values(table(conn, "10")) == expect


def test_report_11_children(clean_round):
    conn, truth = clean_round
    expect = []
    for cls in (P, N):
        n = health = edu = 0
        for h in (h for h in counted(truth) if h.cls == cls):
            for m in h.members:
                born = dt.date.fromisoformat(m.birth_date)
                age = REF.year - born.year - ((REF.month, REF.day) < (born.month, born.day))
                if m.presence != "present" or age >= 16:
                    continue
                n += 1
                health += bool(m.malnourished == 1 or (6 <= age <= 15 and m.health_insurance == 0))
                edu += bool(3 <= age <= 15 and (m.currently_studying == 0 or m.level_suitable_for_age == 0))
        expect += [n, health, edu]
    assert values(table(conn, "11")) == expect


def test_reports_12_13_kinh_and_minority(clean_round):
    conn, truth = clean_round
    c = counted(truth)

    def minority_persons(hs):
        return sum(1 for h in hs for m in h.members if m.presence == "present" and m.ethnicity not in ("01",))

    def block(hs):
        mh = sum(1 for h in hs if h.groups["dtts"])
        pp, mp = sum(map(persons, hs)), minority_persons(hs)
        return [len(hs), len(hs) - mh, mh], [pp, pp - mp, mp]

    for form, cls in (("12", P), ("13", N)):
        hs = [h for h in c if h.cls == cls]
        (a, b), (d, e) = block(c), block(hs)
        groups = [sum(1 for h in hs if h.groups[g]) for g in ("cscc", "kcknld", "chu_ho_nu")]
        assert values(table(conn, form)) == a + b + d + e + groups


def test_lists_14_15_one_row_per_present_member_head_first(clean_round):
    conn, truth = clean_round
    for form, cls in (("14", N), ("15", P)):
        t = table(conn, form)
        hs = [h for h in counted(truth) if h.cls == cls]
        body = t.rows[:-1]
        assert len(body) == sum(map(persons, hs))
        heads = [r[2] for r in body if r[0] != ""]
        assert heads == [h.head for h in sorted(hs, key=lambda h: (h.village, int(h.members[0].position)))] or \
            sorted(heads) == sorted(h.head for h in hs)
        assert t.rows[-1][1] == f"Tổng cộng: {len(hs)} hộ, {sum(map(persons, hs))} nhân khẩu"


def test_form02_lists(clean_round):
    conn, truth = clean_round
    c = counted(truth)
    expected = {"ds_ngheo": [h for h in c if h.cls == P], "ds_can_ngheo": [h for h in c if h.cls == N],
                "ds_thoat_ngheo": [h for h in c if moves(h)[0] in ("poor_exit_to_near", "poor_exit_above")],
                "ds_thoat_can_ngheo": [h for h in c if moves(h)[1] == "near_exit_above"]}
    for form, hs in expected.items():
        t = table(conn, form)
        assert sorted(r[1] for r in t.rows[:-1]) == sorted(h.head for h in hs)
        assert t.meta["households"] == len(hs) and t.meta["persons"] == sum(map(persons, hs))


def test_district_scope_has_every_commune_subtotals_and_no_data_marks(clean_round):
    conn, truth = clean_round
    t = prepare(conn, "1", "062", YEAR).tables[0]
    scope = resolve_scope("062", YEAR)
    assert [s for s in t.styles if s == "unit"] == ["unit"] * len(scope.communes)
    assert t.styles.count("district") == 1 and t.styles[-1] == "total"
    assert sum(1 for r in t.rows if r[-1] == "chưa có số liệu") == len(scope.communes) - 1
    assert "chưa đủ số liệu" in t.rows[-1][-1]
    assert t.rows[-1][2] == len(counted(truth))


def test_old_tree_refused_for_the_new_period():
    with pytest.raises(UserError, match="danh mục"):
        resolve_scope("062", 2025)  # a 2022 district code: the 2025 tree has no districts
    with pytest.raises(UserError, match="danh mục cũ"):
        resolve_scope(COMMUNE, 2025, tree="2022")
    assert resolve_scope(COMMUNE, 2025).tree == "2025"


def test_open_sync_conflict_blocks_official_but_not_draft(clean_round, tmp_path):
    conn, truth = clean_round
    conn.execute("INSERT INTO sync_conflict (table_name, record_uid, local_data, incoming_data, package_checksum)"
                 " VALUES ('household', ?, '{}', '{}', 'x')", (truth[3].uid,))
    conn.commit()
    with pytest.raises(UserError, match="xung đột"):
        export(conn, "all", COMMUNE, YEAR, tmp_path / "o.xlsx", official=True)
    assert not (tmp_path / "o.xlsx").exists()
    export(conn, "all", COMMUNE, YEAR, tmp_path / "d.xlsx")
    conn.execute("UPDATE sync_conflict SET status = 'resolved'")
    conn.commit()
    export(conn, "all", COMMUNE, YEAR, tmp_path / "o.xlsx", official=True)


def test_inactive_standard_refuses_official_documents(clean_round, tmp_path):
    conn, _ = clean_round
    pending = shipped_standard("vn-2027-2030")
    with pytest.raises(UserError, match="chưa có hiệu lực"):
        official_blockers(conn, resolve_scope(COMMUNE, 2026), pending, [])
    with pytest.raises(UserError):
        export(conn, "all", COMMUNE, 2026, tmp_path / "x.xlsx", official=True)


def test_exit_registrations_with_outcomes_from_the_final_class(clean_round):
    from bkdesk.model.rules.records import ExitRegistration
    from bkdesk.model.store.repo_reviews import save_exit_registration

    conn, truth = clean_round
    chosen = [h for h in truth if h.prev in (P, N)][:12]
    for i, h in enumerate(chosen):
        save_exit_registration(conn, ExitRegistration(h.uid, YEAR, "thoat_ngheo" if h.prev == P else "thoat_can_ngheo",
                                                      withdrawn_date="2024-06-01" if i == 0 else None), "test")
    expect = {}
    for h in chosen:
        if h.status != "active":
            expect[h.head] = "Không còn trên địa bàn"
        elif h.cls is None:
            expect[h.head] = "Chưa có kết quả"
        elif h.prev == P:
            expect[h.head] = {"POOR": "Chưa thoát nghèo", "NEAR_POOR": "Thoát nghèo - trở thành hộ cận nghèo"}.get(
                h.cls, "Thoát nghèo - vượt chuẩn cận nghèo")
        else:
            expect[h.head] = {"POOR": "Trở thành hộ nghèo", "NEAR_POOR": "Chưa thoát cận nghèo"}.get(
                h.cls, "Thoát cận nghèo")
    t = table(conn, "dk_thoat_ngheo")
    assert {r[1]: r[4] for r in t.rows[:-1]} == expect
    assert t.rows[0][5] == "Đã rút đăng ký ngày 01/06/2024" or any("01/06/2024" in r[5] for r in t.rows)
    assert t.meta["households"] == len(chosen) and "Không còn trên địa bàn" in expect.values()


@given(st.lists(st.tuples(st.sampled_from([P, N, "OTHER", "ABSENT"]), st.sampled_from([P, N, "OTHER"]),
                          st.booleans(), st.booleans()), max_size=60))
def test_movement_identity_holds_for_any_population(population):
    start, end, mv = Counter(), Counter(), Counter()
    for s, e, was_p, was_n in population:
        start[s] += 1
        end[e] += 1
        for m in fx.transitions(s, e, was_p, was_n):
            if m:
                mv[m] += 1
    assert end[P] == start[P] - (mv["poor_exit_to_near"] + mv["poor_exit_above"]) + (
        mv["poor_from_near"] + mv["poor_relapse"] + mv["poor_new"] + mv["poor_increase_other"])
    assert end[N] == start[N] - (mv["near_to_poor"] + mv["near_exit_above"]) + (
        mv["near_from_poor"] + mv["near_relapse"] + mv["near_new"] + mv["near_increase_other"])
