"""How numbers and dates read on every surface (reports, dashboards, portal, exports, e-mail):
money, percent, ratios, counts, dates; a missing value is "–" (:func:`is_missing` is the one rule
for what is missing).

Money has one format everywhere, in the unit set by ``units: {money: …}`` in
``parameters/defaults.yaml`` (:func:`money_unit`): ``million`` (``Rs 1,234.6 m``), ``billion``
(``Rs 1.2 bn``) or ``lakh_crore`` (``Rs 1,23,456.7 crore``, ``Rs 45.0 lakh`` under a crore,
Indian digit grouping). A date a person reads is ``15 Feb 2026`` (:func:`format_date`).

Money, dates and the missing-value rule are implemented in :mod:`kpilib.units` (below the data
store, so the KPI families' messages can use them too) and re-exported here.

Formatting only: no arithmetic beyond unit conversion (rupees → the money unit, share → percent).
"""

from __future__ import annotations

from kpilib.fiscal import Period
from kpilib.i18n import N_, _, isolate
from kpilib.units import (
    DEFAULT_MONEY_UNIT,
    MISSING,
    MONEY_UNITS,
    MoneyUnit,
    check_money_unit,
    format_date,
    format_datetime,
    format_iso_date,
    format_money,
    format_money_value,
    is_missing,
    money_divisor,
    money_heading,
    money_in_unit,
    money_unit,
    money_unit_label,
)

__all__ = [
    "DEFAULT_MONEY_UNIT",
    "MISSING",
    "MONEY_UNITS",
    "PEFA_RAG",
    "RATING_RAG",
    "ZONE_LABELS",
    "ZONE_RAG",
    "MoneyUnit",
    "check_money_unit",
    "format_count",
    "format_date",
    "format_datetime",
    "format_iso_date",
    "format_money",
    "format_money_value",
    "format_number",
    "format_percent",
    "format_report_period",
    "format_share",
    "format_times",
    "is_missing",
    "money_divisor",
    "money_heading",
    "money_in_unit",
    "money_unit",
    "money_unit_label",
    "pefa_rag",
]

#: Risk ratings and Z'' zones shown as RAG labels (text first; colour only supports it).
RATING_RAG = {"low": "green", "moderate": "amber", "high": "red", "very high": "red"}
ZONE_RAG = {"safe": "green", "grey": "amber", "distress": "red"}
ZONE_LABELS = {
    "safe": N_("Safe"),
    "grey": N_("Grey zone"),
    "distress": N_("Distress"),
    "not rated": N_("Not rated"),
}
PEFA_RAG = {"A": "green", "B": "green", "C": "amber", "D": "red"}


def format_count(value: object) -> str:
    """A whole number with thousands separators: ``1234`` → ``"1,234"``."""
    if is_missing(value):
        return MISSING
    return f"{int(float(value)):,}"  # type: ignore[arg-type]


def format_percent(value: object, digits: int = 1) -> str:
    """A percentage (already × 100): ``87.44`` → ``"87.4 %"``."""
    if is_missing(value):
        return MISSING
    return f"{_rounded(float(value), digits):,.{digits}f} %"  # type: ignore[arg-type]


def format_share(fraction: object, digits: int = 0) -> str:
    """A fraction 0–1 as a percentage: ``0.753`` → ``"75 %"``."""
    if is_missing(fraction):
        return MISSING
    return format_percent(float(fraction) * 100, digits)  # type: ignore[arg-type]


def format_number(value: object, digits: int = 1) -> str:
    """A plain number with thousands separators; whole numbers without decimals."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and digits >= 0 and abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{_rounded(number, digits):,.{digits}f}"


def _rounded(number: float, digits: int) -> float:
    """``number`` rounded as it will be shown, with a negative zero made plain zero (a change of
    ``-0.04`` points reads ``0.0``, not ``-0.0``)."""
    return round(number, max(digits, 0)) + 0.0


def format_times(value: object, digits: int = 2) -> str:
    """A ratio in times: ``1.234`` → ``"1.23×"``."""
    if is_missing(value):
        return MISSING
    return f"{_rounded(float(value), digits):,.{digits}f}×"  # type: ignore[arg-type]


def pefa_rag(score: object) -> str:
    """RAG of a PEFA score for display: A/B green, C amber, D red (with or without + or *)."""
    if is_missing(score):
        return "grey"
    return PEFA_RAG.get(str(score)[0], "grey")


def format_report_period(period: Period) -> str:
    """A report's period as a title, in the current language: ``FY 2024-25`` or ``2024-25,
    year to date through Q2 (Jul 2024–Dec 2024)`` (the fiscal year and months kept left to
    right inside Urdu)."""
    year = period.fiscal_year
    if period.kind == "year":
        return _("FY {year}").format(year=isolate(year.label))
    return _("{year}, year to date through Q{number} ({months})").format(
        year=isolate(year.label),
        number=period.number,
        months=isolate(f"Jul {year.start_year}–{period.end_date:%b %Y}"),
    )
