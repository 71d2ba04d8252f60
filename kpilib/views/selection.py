"""The one selection model: which fiscal year, report period, department (and PSE category or
PSE) a report or a dashboard shows, and checking a selection against what the data hold.

Report parameter files (:mod:`kpilib.report.params`), ``kpi report`` (:mod:`kpilib.report.plan`)
and the dashboards' URLs and widgets (:mod:`kpilib.dashboards`) all check their values here:

* :func:`check_fiscal_year_label`, :func:`check_period_code`:
  the form of each value, before any data is read;
* :class:`SelectionChoices` (:func:`load_selection_choices`): the fiscal years, departments,
  categories and PSEs that exist in the database;
* :func:`resolve_selection` is lenient (a page's URL): a value that is not available is a
  problem to show, and the default stands in for it;
* :func:`validate_selection` is strict (widgets, where a browser can send any value through a
  widget's comm): any problem raises :class:`~kpilib.errors.DashboardParameterError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kpilib.errors import DashboardParameterError, FiscalPeriodError
from kpilib.fiscal import REPORT_PERIODS, FiscalYear, Period
from kpilib.i18n import N_
from kpilib.problems import Problem
from kpilib.store import queries
from kpilib.views.pse import ALL_CATEGORIES, CATEGORY_LABELS

#: Longest selection value accepted (from a URL or a widget); longer ones are refused, not cut.
MAX_VALUE_LENGTH = 64
SELECTION_KEYS = ("fiscal_year", "period", "department", "category", "pse")
#: The problem code of a value of each key that the data do not hold.
VALUE_CODES = {
    "fiscal_year": "selection.unknown-fiscal-year",
    "period": "selection.bad-period",
    "department": "selection.unknown-department",
    "category": "selection.unknown-category",
    "pse": "selection.unknown-pse",
}
PERIOD_LABELS = {
    "FY": N_("Full year"),
    "Q1": N_("Q1 (July–September)"),
    "Q2": N_("To December (Q1–Q2)"),
    "Q3": N_("To March (Q1–Q3)"),
    "Q4": N_("To June (Q1–Q4)"),
}


def check_fiscal_year_label(label: str) -> str:
    """``label`` as a fiscal year (``2024-25``); raises :class:`FiscalPeriodError` otherwise."""
    return FiscalYear.parse(label).label


def check_period_code(code: str) -> str:
    """``code`` as a report period (``FY``, ``Q1``..``Q4``: the year to date through that
    quarter), in capitals; raises :class:`FiscalPeriodError` otherwise."""
    period = str(code).strip().upper()
    if period not in REPORT_PERIODS:
        raise FiscalPeriodError(f"period {code!r} must be one of {', '.join(REPORT_PERIODS)}")
    return period


def describe_report_period(period: Period) -> str:
    """A report period as a title: ``FY 2024-25`` or ``2024-25, year to date through Q2 (Jul
    2024–Dec 2024)``."""
    year = period.fiscal_year
    if period.kind == "year":
        return f"FY {year.label}"
    return (
        f"{year.label}, year to date through Q{period.number} "
        f"(Jul {year.start_year}–{period.end_date:%b %Y})"
    )


@dataclass(frozen=True)
class Selection:
    """What a report or dashboard shows: a fiscal year and report period, and (per page) a
    department, a PSE category or a PSE. Every value has been checked against the choices."""

    fiscal_year: str
    period: str = "FY"
    department: str | None = None
    category: str = ALL_CATEGORIES
    pse: str | None = None


@dataclass(frozen=True)
class SelectionChoices:
    """Everything that can be selected, read once from the database."""

    fiscal_years: tuple[str, ...]  # labels, oldest first
    default_fiscal_year: str  # the latest complete one (as the report batch), else the newest
    complete_fiscal_years: frozenset[str]
    departments: Mapping[str, str]  # code -> name, in name order
    pses: pd.DataFrame  # entity_code, entity_name, category, department_code (code order)

    @property
    def categories(self) -> Mapping[str, str]:
        """Category key -> label, :data:`ALL_CATEGORIES` first, only categories that have PSEs."""
        present = set(self.pses["category"])
        return {k: v for k, v in CATEGORY_LABELS.items() if k == ALL_CATEGORIES or k in present}

    def fiscal_year_label(self, code: str) -> str:
        """``2024-25`` for a complete year, ``2025-26 (to date)`` for one still running."""
        return code if code in self.complete_fiscal_years else f"{code} (to date)"

    def check(self, key: str, value: str) -> str:
        """``value`` of selection ``key`` normalised (codes in capitals) if the data hold it;
        raises ``ValueError`` (:class:`FiscalPeriodError` for a period) saying what is there."""
        if key == "fiscal_year":
            if value not in self.fiscal_years:
                raise ValueError(
                    f"fiscal year {value!r} is not in the data (available: "
                    f"{', '.join(self.fiscal_years)})"
                )
            return value
        if key == "period":
            return check_period_code(value)
        if key == "department":
            if value.upper() not in self.departments:
                raise ValueError(f"there is no department with the code {value!r}")
            return value.upper()
        if key == "category":
            if value not in self.categories:
                raise ValueError(
                    f"PSE category {value!r} must be one of {', '.join(self.categories)}"
                )
            return value
        if key == "pse":
            if value.upper() not in set(self.pses["entity_code"]):
                raise ValueError(f"there is no PSE with the code {value!r}")
            return value.upper()
        raise ValueError(f"unknown selection key {key!r}")

    def pses_of(self, category: str) -> pd.DataFrame:
        """The PSEs of ``category`` (all of them for :data:`ALL_CATEGORIES`)."""
        if category == ALL_CATEGORIES:
            return self.pses
        return self.pses[self.pses["category"] == category]


def load_selection_choices(engine: Engine | Connection) -> SelectionChoices:
    """Fiscal years, departments and PSEs of the database: what reports and dashboards offer."""
    with _connected(engine) as connection:
        years = queries.load_fiscal_years(connection)
        latest_complete = queries.load_latest_complete_fiscal_year(connection)
        departments = queries.load_departments(connection)
        entities = queries.load_entities(connection)
    labels = tuple(FiscalYear(year).label for year in years)
    complete = frozenset(
        FiscalYear(year).label for year in years if latest_complete and year <= latest_complete
    )
    if latest_complete is not None:
        default = FiscalYear(latest_complete).label
    elif labels:
        default = labels[-1]
    else:
        raise DashboardParameterError(
            [_problem("selection.no-data", "the database holds no fiscal year: load data first")]
        )
    ordered = departments.sort_values("department_name")
    return SelectionChoices(
        fiscal_years=labels,
        default_fiscal_year=default,
        complete_fiscal_years=complete,
        departments=dict(zip(ordered["department_code"], ordered["department_name"], strict=True)),
        pses=entities[["entity_code", "entity_name", "category", "department_code"]]
        .sort_values("entity_code")
        .reset_index(drop=True),
    )


@contextmanager
def _connected(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as connection:
            yield connection


def _problem(code: str, message: str) -> Problem:
    """A selection problem; its sentence names what was asked for, so no position is added."""
    return Problem(code, "error", message)


def _check(
    values: Mapping[str, str | None], choices: SelectionChoices
) -> tuple[dict, list[Problem]]:
    """Each given value normalised and checked; the problems of those that are not valid."""
    checked: dict[str, str] = {}
    problems: list[Problem] = []
    for key in SELECTION_KEYS:
        value = values.get(key)
        if not value:
            continue
        try:
            checked[key] = choices.check(key, value)
        except (ValueError, FiscalPeriodError) as exc:
            problems.append(_problem(VALUE_CODES[key], str(exc)))
    return checked, problems


def _complete(selection: Selection, choices: SelectionChoices) -> Selection:
    """A PSE brings its own category; a missing department becomes the first one."""
    if selection.pse is not None:
        category = choices.pses.set_index("entity_code").loc[selection.pse, "category"]
        selection = replace(selection, category=str(category))
    if selection.department is None and choices.departments:
        selection = replace(selection, department=next(iter(choices.departments)))
    return selection


def resolve_selection(
    values: Mapping[str, str | None],
    choices: SelectionChoices,
    defaults: Mapping[str, str | None] | None = None,
) -> tuple[Selection, list[Problem]]:
    """The selection a page opens on: ``defaults`` (the notebook's parameters) overridden by
    ``values`` (the URL's), each checked against ``choices``. A value that is not available is
    a problem to show, and the default stands in for it."""
    base, problems = _check(defaults or {}, choices)
    given, more = _check(values, choices)
    merged = {"fiscal_year": choices.default_fiscal_year, **base, **given}
    if "category" in given and "pse" not in given:
        merged.pop("pse", None)  # the link asks for a category: not the notebook's default PSE
    return _complete(Selection(**merged), choices), problems + more


def validate_selection(choices: SelectionChoices, **values: str | None) -> Selection:
    """A selection from widget values; any value that is not available raises
    :class:`~kpilib.errors.DashboardParameterError` (nothing is loaded then).

    ``values`` are ``fiscal_year``, ``period`` and any of ``department``, ``category``, ``pse``
    (``None`` or empty: not selected).
    """
    unknown = sorted(set(values) - set(SELECTION_KEYS))
    if unknown:
        raise DashboardParameterError(
            [_problem("selection.unknown-key", f"unknown selection key(s): {', '.join(unknown)}")]
        )
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            raise DashboardParameterError(
                [_problem("selection.not-text", f"{key} must be text, not {type(value).__name__}")]
            )
        if value is not None and len(value) > MAX_VALUE_LENGTH:
            raise DashboardParameterError(
                [
                    _problem(
                        "selection.too-long", f"{key} is longer than {MAX_VALUE_LENGTH} characters"
                    )
                ]
            )
    checked, problems = _check(values, choices)
    if not values.get("fiscal_year"):
        problems.append(_problem("selection.missing-fiscal-year", "a fiscal year must be selected"))
    if problems:
        raise DashboardParameterError(problems)
    return _complete(Selection(**checked), choices)
