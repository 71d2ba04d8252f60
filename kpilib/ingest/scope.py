"""Who sent a return and which period it covers: from the file's columns and what was declared
with it (the PSE and quarter of the portal page, or ``kpi ingest``'s options).

A PSE return covers one PSE and one fiscal quarter; a department return one department and one
fiscal year. Where the file has an ``entity_code``/``department_code`` or period column, every
row must agree with what was declared and with each other; with neither, the error says what is
missing. Messages speak of "the PSE this return is sent for", "the quarter given with the file",
never of a command-line option: the portal's officers never type one (``kpi ingest`` adds a hint
line naming its options).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import cast

import pandas as pd

from kpilib.errors import FiscalPeriodError
from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.i18n import N_
from kpilib.ingest.lookups import CodeRow
from kpilib.ingest.validation import CheckedTable
from kpilib.problems import said

#: The earliest fiscal year a return may cover; the latest is the year after the current one.
FIRST_FISCAL_YEAR = 2000
#: What a code or period names, in the messages (translated where shown).
WHAT = (N_("PSE"), N_("department"), N_("fiscal quarter"))


@dataclass(frozen=True)
class Declared:
    """What was declared with the file: on the portal page or with ``kpi ingest``'s options
    (each may be None)."""

    entity: str | None = None
    department: str | None = None
    period: str | None = None


def latest_fiscal_year(today: date | None = None) -> FiscalYear:
    """Returns may cover up to the fiscal year after the current one (budget estimates)."""
    return FiscalYear.containing(today or pakistan_today()).previous(-1)


def check_fiscal_year(checked: CheckedTable, year: FiscalYear, row: int | None,
                      column: str | None) -> bool:  # fmt: skip
    """Error unless ``year`` lies in the accepted range."""
    last = latest_fiscal_year()
    if FIRST_FISCAL_YEAR <= year.start_year <= last.start_year:
        return True
    checked.error(
        "ingest.year-out-of-range",
        said(N_("fiscal year {year} is outside the years accepted ({first} to {last})"),
             year=year, first=FiscalYear(FIRST_FISCAL_YEAR), last=last),
        row,
        column,
    )  # fmt: skip
    return False


def resolve_code(
    checked: CheckedTable,
    column: str,
    option: str | None,
    what: str,
) -> tuple[str | None, str | None]:
    """The one code a file is about: from ``column`` and/or the option; errors on rows that
    disagree. Returns (code, source) with source ``option``/``column``, or (None, None)."""
    declared = option.strip().upper() if option else None
    frame = checked.frame
    values = frame[column] if column in frame else pd.Series(dtype="str")
    chosen = declared
    first_row = None
    for number, value in values.items():
        if value is None or pd.isna(value):
            continue
        if chosen is None:
            chosen, first_row = value, number
        elif value != chosen:
            if declared is not None:
                checked.error(
                    "ingest.scope-mismatch",
                    said(
                        N_("is not {declared}, the {what} this return is sent for"),
                        declared=declared,
                        what=what,
                        terms=["what"],
                    ),
                    _row(number),
                    column,
                    value,
                )
            else:
                checked.error(
                    "ingest.mixed-scope",
                    said(
                        N_("differs from row {row} ({chosen}): a return covers one {what}"),
                        row=first_row,
                        chosen=chosen,
                        what=what,
                        terms=["what"],
                    ),
                    _row(number),
                    column,
                    value,
                )
    if chosen is None:
        return None, None
    return chosen, "option" if declared is not None else "column"


def find_code(
    checked: CheckedTable,
    rows: dict[str, CodeRow],
    code: str,
    source: str | None,
    column: str,
    what: str,
) -> CodeRow | None:
    """The reference row of a resolved code; an error naming where it came from if unknown."""
    found = rows.get(code)
    if found is None:
        if source == "option":
            checked.error(
                "ingest.unknown-code",
                said(N_("no {what} has the code {code}, given as the {what} this return is sent "
                        "for"), what=what, code=code, terms=["what"]),
            )  # fmt: skip
        else:
            for number, value in checked.frame[column].items():
                if value == code:
                    checked.error(
                        "ingest.unknown-code",
                        said(N_("no {what} has this code"), what=what, terms=["what"]),
                        _row(number),
                        column,
                        value,
                    )
    return found


def resolve_quarter(checked: CheckedTable, declared: Declared) -> Period | None:
    """The fiscal quarter of a PSE return (``period`` column and/or the quarter declared)."""
    option = declared.period
    if option is not None:
        try:
            period = Period.parse(option)
        except FiscalPeriodError as error:
            checked.error("ingest.bad-period", said(
                N_("the quarter given with the file is not a fiscal quarter, e.g. 2024-25Q1"),
                english=f"the quarter given with the file: {error}"))  # fmt: skip
            return None
        if period.kind != "quarter":
            checked.error(
                "ingest.bad-period",
                said(N_("the period given with the file ({period}) is not a quarter: a PSE "
                        "return covers a fiscal quarter, e.g. 2024-25Q1"), period=option),
            )  # fmt: skip
            return None
        option = period.code
    code, _ = resolve_code(checked, "period", option, "fiscal quarter")
    if code is None:
        checked.error(
            "ingest.missing-period",
            N_(
                "the file does not say which quarter it covers: write the quarter (e.g. "
                "2024-25Q1) in a period column, or choose it when sending the file"
            ),
        )
        return None
    period = Period.parse(code)
    if period.kind != "quarter":
        for number, value in checked.frame["period"].items():
            if value == code:
                checked.error(
                    "ingest.bad-period",
                    N_("is not a fiscal quarter, e.g. 2024-25Q1"),
                    _row(number),
                    "period",
                    value,
                )
        return None
    if not check_fiscal_year(checked, period.fiscal_year, None, None):
        return None
    if period.end_date >= pakistan_today():
        checked.error(
            "ingest.quarter-not-ended",
            said(
                N_("quarter {quarter} has not ended yet: its return cannot be sent"),
                quarter=period.code,
            ),
        )
        return None
    return period


def resolve_fiscal_year(checked: CheckedTable, declared: Declared) -> FiscalYear | None:
    """The fiscal year of a department return: the year declared (``2024-25``) or the rows'
    periods.

    Every row's period must fall in that year (errors name the rows outside it).
    """
    column = checked.spec.period_column
    year: FiscalYear | None = None
    if declared.period is not None:
        try:
            period = Period.parse(declared.period)
        except FiscalPeriodError as error:
            checked.error("ingest.bad-period", f"the fiscal year given with the file: {error}")
            return None
        if period.kind != "year":
            checked.error(
                "ingest.bad-period",
                f"the period given with the file ({declared.period}) is not a fiscal year: a "
                f"department return covers a fiscal year, e.g. {period.fiscal_year}",
            )
            return None
        year = period.fiscal_year
    first_row = None
    for number, value in checked.frame[column].items():
        if value is None or pd.isna(value):
            continue
        row_year = Period.parse(value).fiscal_year
        if year is None:
            year, first_row = row_year, number
        elif row_year != year:
            where = (
                "the fiscal year given with the file" if first_row is None
                else f"row {first_row} ({year})"
            )  # fmt: skip
            checked.error(
                "ingest.mixed-fiscal-year",
                f"is outside fiscal year {year} ({where}): a return covers one fiscal year",
                _row(number),
                column,
                value,
            )
    if year is None:
        checked.error(
            "ingest.missing-fiscal-year",
            "the file does not say which fiscal year it covers: fill its month (or period) "
            "column, or give the fiscal year when sending the file",
        )
        return None
    return year if check_fiscal_year(checked, year, None, None) else None


def _row(number: Hashable) -> int:
    """The sender's row number of a checked frame's index label."""
    return int(cast(int, number))
