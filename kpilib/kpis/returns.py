"""Which returns are expected from whom, and when they fall due.

A return is *expected* from every PSE of the listed categories for every fiscal quarter; it falls
due ``due_days`` after the quarter ends. Compliance KPIs count received returns against these
expectations (DHIS2-style reporting rates), and the demo province generates its submissions from
the same schedule, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from kpilib.fiscal import FiscalYear, Period
from kpilib.i18n import N_


@dataclass(frozen=True)
class ReturnSchedule:
    """A periodic return that PSEs must submit (``title`` in English, marked ``N_``: shown with
    ``_(schedule.title)``)."""

    return_type: str
    title: str
    categories: tuple[str, ...] | None  # None: every PSE category
    due_days: int  # days after the end of the quarter (of the year, for a yearly return)

    def applies_to(self, category: str) -> bool:
        return self.categories is None or category in self.categories

    def due_date(self, period: Period) -> date:
        """The date by which the return for ``period`` must be received."""
        return period.end_date + timedelta(days=self.due_days)


RETURN_SCHEDULES: tuple[ReturnSchedule, ...] = (
    ReturnSchedule("pse_financial", N_("Quarterly financial return"), None, 30),
    ReturnSchedule(
        "pse_kpi",
        N_("Quarterly operational KPI return"),
        ("teaching_hospital", "water_sanitation_company", "university"),
        30,
    ),
)


#: Yearly PSE returns: due ``due_days`` after the fiscal year ends (the governance return: 120
#: days, when companies' audited accounts and AGM are due). Not yet counted in the reporting
#: rates, which count the quarterly returns.
YEARLY_RETURN_SCHEDULES: tuple[ReturnSchedule, ...] = (
    ReturnSchedule("pse_governance", N_("Yearly governance return"), None, 120),
    # kpi-suite's choice: the support return with the governance return, 120 days after the year.
    ReturnSchedule("pse_support", N_("Yearly support return"), None, 120),
)


#: Yearly returns sent with another one, due when it is, and never expected on their own: the
#: governance notes (a reason and a line of action for each rule not complied with).
COMPANION_RETURNS: dict[str, tuple[str, str]] = {
    "pse_governance_notes": ("pse_governance", N_("Yearly governance notes (reasons and actions)")),
}


def yearly_schedule_for(return_type: str) -> ReturnSchedule:
    """The schedule of a yearly PSE return type; KeyError for any other."""
    for schedule in YEARLY_RETURN_SCHEDULES:
        if schedule.return_type == return_type:
            return schedule
    raise KeyError(return_type)


def companion_schedule(return_type: str) -> ReturnSchedule:
    """The schedule of a companion return (:data:`COMPANION_RETURNS`): its title, due as the
    return it goes with; KeyError for any other type."""
    parent, title = COMPANION_RETURNS[return_type]
    schedule = yearly_schedule_for(parent)
    return ReturnSchedule(return_type, title, schedule.categories, schedule.due_days)


def schedule_for(return_type: str) -> ReturnSchedule:
    """The schedule of a PSE return type; KeyError for a type with no schedule."""
    for schedule in RETURN_SCHEDULES:
        if schedule.return_type == return_type:
            return schedule
    raise KeyError(return_type)


#: The columns of :func:`expected_returns` and :func:`expected_yearly_returns`.
EXPECTED_COLUMNS = [
    "entity_code", "category", "department_code", "return_type", "period_code",
    "fiscal_year", "quarter", "due_date",
]  # fmt: skip


def expected_returns(
    entities: pd.DataFrame, quarters: Sequence[Period], as_of: date
) -> pd.DataFrame:
    """Every return expected by ``as_of``: one row per PSE × scheduled return type × quarter.

    ``entities`` is :func:`kpilib.store.queries.load_entities`'s frame; a return is expected once
    its due date (quarter end + ``due_days``) is on or before ``as_of``. Columns: ``entity_code,
    category, department_code, return_type, period_code, fiscal_year, quarter, due_date``.
    """
    rows = []
    for quarter in quarters:
        if quarter.kind != "quarter":
            raise ValueError(f"returns are quarterly; {quarter.code} is not a quarter")
        for schedule in RETURN_SCHEDULES:
            due = schedule.due_date(quarter)
            if due > as_of:
                continue
            for entity in entities.itertuples(index=False):
                if schedule.applies_to(str(entity.category)):
                    rows.append(
                        (entity.entity_code, entity.category, entity.department_code,
                         schedule.return_type, quarter.code, quarter.fiscal_year.start_year,
                         quarter.number, due)
                    )  # fmt: skip
    return pd.DataFrame(rows, columns=EXPECTED_COLUMNS)


def expected_yearly_returns(entities: pd.DataFrame, years: Sequence[FiscalYear]) -> pd.DataFrame:
    """Every yearly return (:data:`YEARLY_RETURN_SCHEDULES`) expected for ``years``: one row per
    PSE × yearly return type × year, due ``due_days`` after the year ends (whether or not that
    date has passed). Columns of :func:`expected_returns`, ``period_code`` the year (``2024-25``)
    and ``quarter`` None."""
    rows = []
    for year in years:
        period = Period(year)
        for schedule in YEARLY_RETURN_SCHEDULES:
            for entity in entities.itertuples(index=False):
                if schedule.applies_to(str(entity.category)):
                    rows.append(
                        (entity.entity_code, entity.category, entity.department_code,
                         schedule.return_type, period.code, year.start_year, None,
                         schedule.due_date(period))
                    )  # fmt: skip
    return pd.DataFrame(rows, columns=EXPECTED_COLUMNS)
