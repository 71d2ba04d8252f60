from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpilib.errors import FiscalPeriodError
from kpilib.fiscal import (
    FiscalYear,
    Period,
    calendar_month,
    fiscal_month_of,
    periods_of_year,
    quarter_of_month,
)


def test_fiscal_year_label_and_dates():
    year = FiscalYear.parse("2024-25")
    assert year.start_year == 2024
    assert year.label == "2024-25"
    assert year.start_date == date(2024, 7, 1)
    assert year.end_date == date(2025, 6, 30)
    assert FiscalYear.parse("1999-00").label == "1999-00"


@pytest.mark.parametrize("label", ["2024-26", "2024/25", "24-25", "2024-2025", "", "abcd-ef"])
def test_malformed_fiscal_year_is_rejected_with_the_reason(label):
    with pytest.raises(FiscalPeriodError, match="fiscal year"):
        FiscalYear.parse(label)


def test_fiscal_year_containing_a_date():
    assert FiscalYear.containing(date(2024, 6, 30)).label == "2023-24"
    assert FiscalYear.containing(date(2024, 7, 1)).label == "2024-25"


def test_months_and_quarters():
    assert calendar_month(1, 2024) == (2024, 7)
    assert calendar_month(6, 2024) == (2024, 12)
    assert calendar_month(7, 2024) == (2025, 1)
    assert calendar_month(12, 2024) == (2025, 6)
    assert fiscal_month_of(date(2025, 6, 15)) == 12
    assert fiscal_month_of(date(2024, 7, 1)) == 1
    assert [quarter_of_month(m) for m in (1, 3, 4, 9, 10, 12)] == [1, 1, 2, 3, 4, 4]


def test_period_codes_dates_and_labels():
    q2 = Period.parse("2024-25Q2")
    assert (q2.kind, q2.number, q2.months) == ("quarter", 2, (4, 5, 6))
    assert (q2.start_date, q2.end_date) == (date(2024, 10, 1), date(2024, 12, 31))
    assert q2.label == "Q2 2024-25 (Oct–Dec 2024)"
    june = Period.parse("2024-25m12")
    assert (june.code, june.start_date, june.end_date) == (
        "2024-25M12",
        date(2025, 6, 1),
        date(2025, 6, 30),
    )
    feb = Period.parse("2023-24M08")
    assert feb.end_date == date(2024, 2, 29)  # leap year
    assert Period.parse("2024-25").months == tuple(range(1, 13))


@pytest.mark.parametrize("code", ["2024-25Q5", "2024-25Q0", "2024-25M13", "2024-25X1", "Q1"])
def test_malformed_period_is_rejected(code):
    with pytest.raises(FiscalPeriodError):
        Period.parse(code)


def test_a_year_has_seventeen_periods():
    periods = periods_of_year(FiscalYear(2024))
    assert len(periods) == 17
    assert len({p.code for p in periods}) == 17


@given(
    st.integers(1950, 2150),
    st.sampled_from(["year", "quarter", "month"]),
    st.integers(1, 12),
)
def test_period_code_round_trips(start_year, kind, number):
    number = {"year": 1, "quarter": (number - 1) % 4 + 1, "month": number}[kind]
    period = Period(FiscalYear(start_year), kind, number)
    assert Period.parse(period.code) == period
    assert period.start_date <= period.end_date
    assert FiscalYear.containing(period.start_date) == period.fiscal_year
    assert FiscalYear.containing(period.end_date) == period.fiscal_year
