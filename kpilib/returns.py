"""Which returns are expected from whom, and when they fall due.

A return is *expected* from every PSE of the listed categories for every fiscal quarter; it falls
due ``due_days`` after the quarter ends. Compliance KPIs count received returns against these
expectations (DHIS2-style reporting rates), and the demo province generates its submissions from
the same schedule, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kpilib.fiscal import Period


@dataclass(frozen=True)
class ReturnSchedule:
    """A periodic return that PSEs must submit."""

    return_type: str
    title: str
    categories: tuple[str, ...] | None  # None: every PSE category
    due_days: int  # days after the end of the quarter

    def applies_to(self, category: str) -> bool:
        return self.categories is None or category in self.categories

    def due_date(self, period: Period) -> date:
        """The date by which the return for ``period`` must be received."""
        return period.end_date + timedelta(days=self.due_days)


RETURN_SCHEDULES: tuple[ReturnSchedule, ...] = (
    ReturnSchedule("pse_financial", "Quarterly financial return", None, 30),
    ReturnSchedule(
        "pse_kpi",
        "Quarterly operational KPI return",
        ("teaching_hospital", "water_sanitation_company", "university"),
        30,
    ),
)


def schedule_for(return_type: str) -> ReturnSchedule:
    """The schedule of a PSE return type; KeyError for a type with no schedule."""
    for schedule in RETURN_SCHEDULES:
        if schedule.return_type == return_type:
            return schedule
    raise KeyError(return_type)
