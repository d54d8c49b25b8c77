"""Numbers and dates the Vietnamese way: the one formatting home (bkdesk.model.rules.fmt)."""

import datetime as dt
from decimal import Decimal

import pytest

from bkdesk.model.rules import fmt


def test_integers_group_thousands_with_dots():
    assert fmt.fmt_int(1500000) == "1.500.000"
    assert fmt.fmt_int(-81480) == "-81.480"
    assert fmt.fmt_int(0) == "0"
    assert fmt.fmt_int(None) == ""


def test_percentages_use_a_decimal_comma():
    assert fmt.fmt_pct(26.934) == "26,93"
    assert fmt.fmt_pct(Decimal("1234.5"), 1) == "1.234,5"
    assert fmt.fmt_pct(None) == ""


def test_floats_and_document_numbers():
    assert fmt.fmt_float(1234.56, 1) == "1.234,6"
    assert fmt.fmt_float(-0.5, 2) == "-0,50"
    assert fmt.number_vi(12.5) == "12,50"
    assert fmt.number_vi(1234567.891) == "1.234.567,89"
    assert fmt.number_vi(1500000) == "1.500.000"
    assert fmt.number_vi("Xã Ba Bể") == "Xã Ba Bể"
    assert fmt.number_vi(None) == "" and fmt.number_vi("") == ""


@pytest.mark.parametrize("text, expected", [
    ("05/01/2025", dt.date(2025, 1, 5)),
    ("5/1/2025", dt.date(2025, 1, 5)),
    (" 29/02/2024 ", dt.date(2024, 2, 29)),
])
def test_parse_dmy(text, expected):
    assert fmt.parse_dmy(text) == expected


@pytest.mark.parametrize("text", ["2022-09-01", "01-09-2022", "1/9/22", "", "ngày 1", "01/09/2022 10:00", "001/1/2022"])
def test_parse_dmy_tells_a_wrong_form(text):
    with pytest.raises(fmt.DateFormError) as exc:
        fmt.parse_dmy(text)
    assert "dd/mm/yyyy" in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize("text", ["31/02/2023", "29/02/2023", "00/01/2023", "12/13/2023", "31/04/2024"])
def test_parse_dmy_tells_a_day_that_does_not_exist(text):
    with pytest.raises(fmt.DateNotExistError) as exc:
        fmt.parse_dmy(text)
    assert str(exc.value) == f"Ngày không tồn tại: {text}."
    assert not isinstance(exc.value, fmt.DateFormError)


def test_dates_for_people():
    assert fmt.dmy("2025-01-05") == "05/01/2025"
    assert fmt.dmy("2025-01-05T10:20:30+07:00") == "05/01/2025"
    assert fmt.dmy(dt.date(2025, 1, 5)) == "05/01/2025"
    assert fmt.dmy("2025") == "2025" and fmt.dmy(None) == "" and fmt.dmy("không rõ ngày") == "không rõ ngày"
    moment = dt.datetime(2025, 1, 5, 14, 30, 5)
    assert fmt.dmy_hm(moment) == "05/01/2025 14:30"
    assert fmt.dmy_hms(moment) == "05/01/2025 14:30:05"
    assert fmt.date_vi(dt.date(2025, 1, 5)) == "ngày 05 tháng 01 năm 2025"
    assert fmt.date_vi(dt.date(2025, 11, 20)) == "ngày 20 tháng 11 năm 2025"
