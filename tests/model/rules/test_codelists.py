"""Code lists as data and household-group derivation (households.md §8–§10)."""

import datetime as dt
import json

import pytest

from bkdesk.errors import UserError
from bkdesk.model.rules import codelists as cl

REF = dt.date(2022, 9, 1)


@pytest.mark.parametrize("sid", ["vn-2022-2026", "vn-2027-2030"])
def test_shipped_lists_load(sid):
    lists = cl.codelists(sid)
    assert lists.codes("causes") == [str(i) for i in range(1, 9)]
    assert lists.requires_text("causes", "8") and not lists.requires_text("causes", "1")
    assert lists.codes("support_needs") == ["YT", "GD", "SX", "TD", "NO", "KH"]
    assert lists.codes("household_groups") == ["cscc", "dtts", "kcknld", "btxh", "chu_ho_nu"]
    groups = lists.items("ethnic_groups")
    assert len(groups) == 54 and groups[0]["label_vi"] == "Kinh" and groups[1]["label_vi"] == "Tày"
    assert len({g["code"] for g in groups}) == 54
    for name in cl.REQUIRED_LISTS:
        assert all(i["label_vi"] and i["label_en"] for i in lists.items(name))
    assert lists.label("water_sources", "piped", "en") == "Piped water"


def test_invalid_file_rejected(tmp_path):
    data = json.loads(cl.resource_path("codelists", "vn-2022-2026.json").read_text(encoding="utf-8"))
    data["lists"]["causes"].append(dict(data["lists"]["causes"][0]))
    p = tmp_path / "x.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(cl.CodeListError, match="mã '1' bị trùng trong 'causes'"):
        cl.load_codelists_file(p)


def m(**kw):
    base = {"presence": "present", "relation_to_head": "con", "sex": "1", "ethnicity": "01", "able_to_work": 0,
            "merit_person": 0, "monthly_social_allowance": 0}
    return base | kw


def test_group_derivation():
    lists = cl.codelists("vn-2022-2026")
    roster = [m(relation_to_head="chu_ho", sex="2", ethnicity="02"), m(merit_person=1), m(able_to_work=0)]
    g = cl.derive_groups(lists, roster, REF)
    assert g == {"cscc": True, "dtts": True, "kcknld": True, "btxh": False, "chu_ho_nu": True}
    roster = [m(relation_to_head="chu_ho", able_to_work=1), m(monthly_social_allowance=None)]
    g = cl.derive_groups(lists, roster, REF)
    assert g == {"cscc": False, "dtts": False, "kcknld": False, "btxh": None, "chu_ho_nu": False}
    # a member who moved out before the reference date does not count
    roster = [m(relation_to_head="chu_ho"), m(merit_person=1, presence="moved_out", presence_date="2022-01-01")]
    assert cl.derive_groups(lists, roster, REF)["cscc"] is False


def test_group_override_requires_reason():
    derived = {"dtts": False, "cscc": True}
    assert cl.final_groups(derived, {"dtts": (True, "chủ hộ đăng ký lại dân tộc")})["dtts"] is True
    assert cl.final_groups(derived, {"cscc": (True, "")})["cscc"] is True
    with pytest.raises(UserError, match="lý do"):
        cl.final_groups(derived, {"dtts": (True, " ")})
    with pytest.raises(UserError):
        cl.final_groups(derived, {"xyz": (True, "x")})
