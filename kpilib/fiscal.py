"""Pakistan's fiscal calendar: fiscal years run 1 July – 30 June and are written ``2024-25``.

Periods have codes that sort and read naturally:

* ``2024-25``      the whole fiscal year;
* ``2024-25Q1``    a fiscal quarter (Q1 = July–September);
* ``2024-25M01``   a fiscal month (M01 = July, M12 = June).

Dates are Pakistan's: a moment (a return's receipt, "now") becomes a calendar date in Pakistan
Standard Time (UTC+5, no daylight saving), the time zone in which due dates are set
(:data:`PAKISTAN_TIME`, :func:`pakistan_date`, :func:`pakistan_today`, :func:`end_of_day`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

from kpilib.errors import FiscalPeriodError

PeriodKind = Literal["year", "quarter", "month"]

#: Pakistan Standard Time, hours east of UTC (no daylight saving): the one time zone in which due
#: dates are set, receipt times become receipt dates and "today" and "the end of a day" are told.
PAKISTAN_UTC_OFFSET_HOURS = 5.0
PAKISTAN_TIME = timezone(timedelta(hours=PAKISTAN_UTC_OFFSET_HOURS), "PKT")

_YEAR_RE = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{2})$")
_PERIOD_RE = re.compile(r"^(?P<year>\d{4}-\d{2})(?:(?P<kind>[QM])(?P<number>\d{1,2}))?$")
MONTH_ABBREVIATIONS = (
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
)


@dataclass(frozen=True, order=True)
class FiscalYear:
    """A fiscal year, identified by the calendar year in which it starts (2024 for 2024-25)."""

    start_year: int

    def __post_init__(self) -> None:
        if not 1900 <= self.start_year <= 2200:
            raise FiscalPeriodError(f"fiscal year starting {self.start_year} is out of range")

    @classmethod
    def parse(cls, label: str) -> FiscalYear:
        """Parse ``'2024-25'``; the second part must be the year after the first."""
        match = _YEAR_RE.match(str(label).strip())
        if not match:
            raise FiscalPeriodError(
                f"fiscal year {label!r} is not of the form YYYY-YY, e.g. 2024-25"
            )
        start = int(match["start"])
        if int(match["end"]) != (start + 1) % 100:
            raise FiscalPeriodError(
                f"fiscal year {label!r} is not consecutive: "
                f"expected {start}-{(start + 1) % 100:02d}"
            )
        return cls(start)

    @classmethod
    def containing(cls, day: date) -> FiscalYear:
        """The fiscal year in which ``day`` falls."""
        return cls(day.year if day.month >= 7 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start_date(self) -> date:
        return date(self.start_year, 7, 1)

    @property
    def end_date(self) -> date:
        return date(self.start_year + 1, 6, 30)

    def previous(self, years: int = 1) -> FiscalYear:
        return FiscalYear(self.start_year - years)

    def __str__(self) -> str:
        return self.label


def calendar_month(fiscal_month: int, start_year: int) -> tuple[int, int]:
    """(calendar year, month) of fiscal month 1–12 of the year starting in ``start_year``."""
    _check_number("month", fiscal_month, 12)
    month = (fiscal_month + 5) % 12 + 1
    return (start_year if fiscal_month <= 6 else start_year + 1), month


def fiscal_month_of(day: date) -> int:
    """Fiscal month number (1 = July … 12 = June) of a calendar date."""
    return (day.month - 7) % 12 + 1


def quarter_of_month(fiscal_month: int) -> int:
    """Fiscal quarter (1–4) holding fiscal month 1–12."""
    _check_number("month", fiscal_month, 12)
    return (fiscal_month - 1) // 3 + 1


def last_ended_quarter(day: date) -> Period:
    """The latest fiscal quarter that ended on or before ``day``.

    >>> last_ended_quarter(date(2026, 2, 15)).code
    '2025-26Q2'
    """
    year = FiscalYear.containing(day)
    quarter = (fiscal_month_of(day) - 1) // 3  # quarters of this year fully ended
    if day == Period(year, "quarter", quarter + 1).end_date:
        quarter += 1
    if quarter == 0:
        return Period(year.previous(), "quarter", 4)
    return Period(year, "quarter", quarter)


def pakistan_date(moment: datetime, tz: timezone = PAKISTAN_TIME) -> date:
    """The calendar date of ``moment`` in Pakistan (``tz``); a naive moment is taken as UTC, as
    the database stores it.

    >>> pakistan_date(datetime(2025, 1, 30, 21, 0, tzinfo=UTC))
    datetime.date(2025, 1, 31)
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).date()


def pakistan_today(tz: timezone = PAKISTAN_TIME) -> date:
    """Today's date in Pakistan (not the server's), e.g. the default as-of date."""
    return datetime.now(UTC).astimezone(tz).date()


def end_of_day(day: date, tz: timezone = PAKISTAN_TIME) -> datetime:
    """The last moment of ``day`` in Pakistan (``tz``), as an aware time: what arrived by then
    was received "by the end of ``day``".

    >>> end_of_day(date(2025, 1, 30)).astimezone(UTC).isoformat()
    '2025-01-30T18:59:59.999999+00:00'
    """
    return datetime.combine(day, time.max, tzinfo=tz)


def _check_number(kind: str, number: int, maximum: int) -> None:
    if not 1 <= number <= maximum:
        raise FiscalPeriodError(f"{kind} number {number} is outside 1–{maximum}")


@dataclass(frozen=True, order=True)
class Period:
    """A fiscal year, quarter or month."""

    fiscal_year: FiscalYear
    kind: PeriodKind = "year"
    number: int = 1

    def __post_init__(self) -> None:
        if self.kind == "year":
            _check_number("year", self.number, 1)
        elif self.kind == "quarter":
            _check_number("quarter", self.number, 4)
        elif self.kind == "month":
            _check_number("month", self.number, 12)
        else:
            raise FiscalPeriodError(f"unknown period kind {self.kind!r}")

    @classmethod
    def parse(cls, code: str) -> Period:
        """Parse ``'2024-25'``, ``'2024-25Q2'`` or ``'2024-25M07'``."""
        match = _PERIOD_RE.match(str(code).strip().upper())
        if not match:
            raise FiscalPeriodError(
                f"period {code!r} is not of the form 2024-25, 2024-25Q1 or 2024-25M01"
            )
        year = FiscalYear.parse(match["year"])
        if match["kind"] is None:
            return cls(year)
        kind: PeriodKind = "quarter" if match["kind"] == "Q" else "month"
        return cls(year, kind, int(match["number"]))

    @property
    def code(self) -> str:
        if self.kind == "year":
            return self.fiscal_year.label
        if self.kind == "quarter":
            return f"{self.fiscal_year.label}Q{self.number}"
        return f"{self.fiscal_year.label}M{self.number:02d}"

    @property
    def months(self) -> tuple[int, ...]:
        """Fiscal month numbers (1–12) inside this period."""
        if self.kind == "year":
            return tuple(range(1, 13))
        if self.kind == "quarter":
            first = 3 * (self.number - 1) + 1
            return (first, first + 1, first + 2)
        return (self.number,)

    @property
    def start_date(self) -> date:
        year, month = calendar_month(self.months[0], self.fiscal_year.start_year)
        return date(year, month, 1)

    @property
    def end_date(self) -> date:
        year, month = calendar_month(self.months[-1], self.fiscal_year.start_year)
        return date(year, month, calendar.monthrange(year, month)[1])

    @property
    def label(self) -> str:
        """Human label, e.g. ``'Q2 2024-25 (Oct–Dec 2024)'``."""
        if self.kind == "year":
            return f"FY {self.fiscal_year.label}"
        first, last = self.months[0], self.months[-1]
        span = MONTH_ABBREVIATIONS[first - 1]
        if last != first:
            span += "–" + MONTH_ABBREVIATIONS[last - 1]
        prefix = f"Q{self.number} " if self.kind == "quarter" else ""
        return f"{prefix}{self.fiscal_year.label} ({span} {self.end_date.year})"

    def __str__(self) -> str:
        return self.code


def periods_of_year(fiscal_year: FiscalYear) -> list[Period]:
    """The year itself, its four quarters and its twelve months."""
    return (
        [Period(fiscal_year)]
        + [Period(fiscal_year, "quarter", q) for q in range(1, 5)]
        + [Period(fiscal_year, "month", m) for m in range(1, 13)]
    )


REPORT_PERIODS = ("FY", "Q1", "Q2", "Q3", "Q4")


def resolve_report_period(fiscal_year: str | FiscalYear, period: str = "FY") -> Period:
    """A report's period: ``FY`` = the whole year, ``Q1``–``Q4`` = the year to date through that
    quarter. Returns the year or the quarter as a :class:`Period`.

    >>> resolve_report_period("2024-25", "Q2").code
    '2024-25Q2'
    """
    year = fiscal_year if isinstance(fiscal_year, FiscalYear) else FiscalYear.parse(fiscal_year)
    code = str(period).strip().upper()
    if code not in REPORT_PERIODS:
        raise FiscalPeriodError(
            f"report period {period!r} must be one of {', '.join(REPORT_PERIODS)}"
        )
    if code == "FY":
        return Period(year)
    return Period(year, "quarter", int(code[1]))
