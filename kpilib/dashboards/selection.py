"""What a dashboard may show, and checking what it is asked to show.

Values reach a dashboard from three places: the notebook's parameters cell, the page's URL
(``?department=HLT&fiscal_year=2024-25``) and its widgets (a browser can send any value through
a widget's comm, whatever the dropdown offered). All of them are checked here against
:class:`DashboardChoices`, the fiscal years, departments, categories and PSEs that exist in the
database, before anything is loaded:

* :func:`parse_query_string` reads a URL query leniently: what is wrong (an unknown key, a
  repeated key, an over-long value) is returned as a problem to show on the page, and the page
  opens on its defaults;
* :func:`resolve_selection` does the same for values that exist but may not be available;
* :func:`validate_selection` is strict (widgets): any problem raises
  :class:`~kpilib.errors.DashboardParameterError` and nothing is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.errors import DashboardParameterError
from kpilib.fiscal import REPORT_PERIODS, FiscalYear
from kpilib.store import queries
from kpilib.views.pse import ALL_CATEGORIES, CATEGORY_LABELS

#: Longest query string and value read from a URL; longer ones are refused, not cut.
MAX_QUERY_LENGTH = 1000
MAX_VALUE_LENGTH = 64
#: Query keys that belong to Voilà, not to the dashboard (the access token): skipped.
SERVER_KEYS = ("token",)
SELECTION_KEYS = ("fiscal_year", "period", "department", "category", "pse")
PERIOD_LABELS = {
    "FY": "Full year",
    "Q1": "Q1 (July–September)",
    "Q2": "To December (Q1–Q2)",
    "Q3": "To March (Q1–Q3)",
    "Q4": "To June (Q1–Q4)",
}


@dataclass(frozen=True)
class SelectionParams:
    """What a dashboard shows: a fiscal year and report period, and (per dashboard) a
    department, a PSE category or a PSE. Every value has been checked against the choices."""

    fiscal_year: str
    period: str = "FY"
    department: str | None = None
    category: str = ALL_CATEGORIES
    pse: str | None = None


@dataclass(frozen=True)
class DashboardChoices:
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

    def pses_of(self, category: str) -> pd.DataFrame:
        """The PSEs of ``category`` (all of them for :data:`ALL_CATEGORIES`)."""
        if category == ALL_CATEGORIES:
            return self.pses
        return self.pses[self.pses["category"] == category]


def load_dashboard_choices(engine: Engine) -> DashboardChoices:
    """Fiscal years, departments and PSEs of the database, for the dashboards' selectors."""
    with engine.connect() as connection:
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
        raise DashboardParameterError(["the database holds no fiscal year: load data first"])
    ordered = departments.sort_values("department_name")
    return DashboardChoices(
        fiscal_years=labels,
        default_fiscal_year=default,
        complete_fiscal_years=complete,
        departments=dict(zip(ordered["department_code"], ordered["department_name"], strict=True)),
        pses=entities[["entity_code", "entity_name", "category", "department_code"]]
        .sort_values("entity_code")
        .reset_index(drop=True),
    )


def parse_query_string(
    query: str | None, allowed: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """The ``key=value`` pairs of a URL query that a dashboard takes, and the problems found.

    ``allowed`` names the keys the page takes (a subset of :data:`SELECTION_KEYS`). Voilà's
    own keys (:data:`SERVER_KEYS`) are skipped. An unknown key, a key given twice, a value
    longer than :data:`MAX_VALUE_LENGTH` or a query longer than :data:`MAX_QUERY_LENGTH` is a
    problem (and the value is not used); the values are checked later by
    :func:`resolve_selection`.

    >>> parse_query_string("department=HLT&x=1", ["department"])
    ({'department': 'HLT'}, ["the link's parameter 'x' is not one this page takes (department)"])
    """
    allowed = list(allowed)
    if not query:
        return {}, []
    if len(query) > MAX_QUERY_LENGTH:
        return {}, [f"the link's query is longer than {MAX_QUERY_LENGTH} characters: ignored"]
    values: dict[str, str] = {}
    problems: list[str] = []
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=20)
    except ValueError as exc:
        return {}, [f"the link's query cannot be read ({exc}): ignored"]
    for key, value in pairs:
        if key in SERVER_KEYS:
            continue
        shown_key = key[:MAX_VALUE_LENGTH]
        if key not in allowed:
            problems.append(
                f"the link's parameter {shown_key!r} is not one this page takes "
                f"({', '.join(allowed)})"
            )
        elif key in values:
            problems.append(f"the link gives {key!r} more than once: the first value is used")
        elif len(value) > MAX_VALUE_LENGTH:
            problems.append(f"the link's {key!r} is longer than {MAX_VALUE_LENGTH} characters")
        else:
            values[key] = value.strip()
    return values, problems


def _check(values: Mapping[str, str | None], choices: DashboardChoices) -> tuple[dict, list[str]]:
    """Each given value normalised and checked; the problems of those that are not valid."""
    checked: dict[str, str] = {}
    problems: list[str] = []
    year = values.get("fiscal_year")
    if year:
        if year in choices.fiscal_years:
            checked["fiscal_year"] = year
        else:
            problems.append(
                f"fiscal year {year!r} is not in the data (available: "
                f"{', '.join(choices.fiscal_years)})"
            )
    period = values.get("period")
    if period:
        if period.upper() in REPORT_PERIODS:
            checked["period"] = period.upper()
        else:
            problems.append(f"period {period!r} must be one of {', '.join(REPORT_PERIODS)}")
    department = values.get("department")
    if department:
        if department.upper() in choices.departments:
            checked["department"] = department.upper()
        else:
            problems.append(f"there is no department with the code {department!r}")
    category = values.get("category")
    if category:
        if category in choices.categories:
            checked["category"] = category
        else:
            problems.append(
                f"PSE category {category!r} must be one of {', '.join(choices.categories)}"
            )
    pse = values.get("pse")
    if pse:
        if pse.upper() in set(choices.pses["entity_code"]):
            checked["pse"] = pse.upper()
        else:
            problems.append(f"there is no PSE with the code {pse!r}")
    return checked, problems


def _complete(selection: SelectionParams, choices: DashboardChoices) -> SelectionParams:
    """A PSE brings its own category; a missing department becomes the first one."""
    if selection.pse is not None:
        category = choices.pses.set_index("entity_code").loc[selection.pse, "category"]
        selection = replace(selection, category=str(category))
    if selection.department is None and choices.departments:
        selection = replace(selection, department=next(iter(choices.departments)))
    return selection


def resolve_selection(
    values: Mapping[str, str | None],
    choices: DashboardChoices,
    defaults: Mapping[str, str | None] | None = None,
) -> tuple[SelectionParams, list[str]]:
    """The selection a page opens on: ``defaults`` (the notebook's parameters) overridden by
    ``values`` (the URL's), each checked against ``choices``. A value that is not available is
    a problem to show, and the default stands in for it."""
    base, problems = _check(defaults or {}, choices)
    given, more = _check(values, choices)
    merged = {"fiscal_year": choices.default_fiscal_year, **base, **given}
    if "category" in given and "pse" not in given:
        merged.pop("pse", None)  # the link asks for a category: not the notebook's default PSE
    return _complete(SelectionParams(**merged), choices), problems + more


def validate_selection(choices: DashboardChoices, **values: str | None) -> SelectionParams:
    """A selection from widget values; any value that is not available raises
    :class:`~kpilib.errors.DashboardParameterError` (nothing is loaded then).

    ``values`` are ``fiscal_year``, ``period`` and any of ``department``, ``category``, ``pse``
    (``None`` or empty: not selected).
    """
    unknown = sorted(set(values) - set(SELECTION_KEYS))
    if unknown:
        raise DashboardParameterError([f"unknown selection key(s): {', '.join(unknown)}"])
    for key, value in values.items():
        if value is not None and not isinstance(value, str):
            raise DashboardParameterError([f"{key} must be text, not {type(value).__name__}"])
        if value is not None and len(value) > MAX_VALUE_LENGTH:
            raise DashboardParameterError([f"{key} is longer than {MAX_VALUE_LENGTH} characters"])
    checked, problems = _check(values, choices)
    if not values.get("fiscal_year"):
        problems.append("a fiscal year must be selected")
    if problems:
        raise DashboardParameterError(problems)
    return _complete(SelectionParams(**checked), choices)
