"""Money and dates as a person reads them, on every surface: the one implementation, re-exported
by :mod:`kpilib.present.formatting` (which every surface uses). It sits below the data store so
that the messages written by the KPI families and views (a data-quality finding, a PSE alert)
read money as the tables and cards do.

Money has one format everywhere, in the unit set by ``units: {money: …}`` in
``parameters/defaults.yaml`` (:func:`money_unit`): ``million`` (``Rs 1,234.6 m``), ``billion``
(``Rs 1.2 bn``) or ``lakh_crore`` (``Rs 123.5 crore``, ``Rs 45.0 lakh`` under a crore, Indian
digit grouping). A date a person reads is ``15 Feb 2026`` (:func:`format_date`). A missing value
is "–" (:func:`is_missing` is the one rule for what is missing).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import pandas as pd

from kpilib.errors import ParameterFileError
from kpilib.parameter_files import (
    DEFAULTS_FILE,
    find_parameters_dir,
    problem_at,
    read_yaml_mapping,
)

MISSING = "–"


def is_missing(value: object) -> bool:
    """``None``, ``pd.NA``, ``NaT``, NaN, an empty string, or the text pandas writes for one of
    them (``"<NA>"``, ``"nan"``, ``"NaT"``)."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, str):
        return value in ("", "<NA>", "nan", "NaT")
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):  # not a scalar
        return False


MoneyUnit = Literal["million", "billion", "lakh_crore"]
MONEY_UNITS: tuple[MoneyUnit, ...] = get_args(MoneyUnit)
DEFAULT_MONEY_UNIT: MoneyUnit = "million"
#: Each unit's rupees, its word after an amount and its heading (``Revised budget (Rs m)``).
_UNIT_RUPEES = {"million": 1e6, "billion": 1e9, "lakh_crore": 1e7}
_UNIT_WORD = {"million": "m", "billion": "bn", "lakh_crore": "crore"}
LAKH = 1e5


def check_money_unit(value: object, path: Path | None = None) -> MoneyUnit:
    """``value`` if it is one of :data:`MONEY_UNITS`; else :class:`ParameterFileError`."""
    if value in MONEY_UNITS:
        return value
    where = path or Path(DEFAULTS_FILE)
    choices = ", ".join(MONEY_UNITS)
    message = f"{value!r} is not a money unit ({choices})"
    raise ParameterFileError([problem_at("params.invalid-value", where, message, "units")])


@lru_cache(maxsize=8)
def _read_money_unit(folder: Path | None) -> MoneyUnit:
    path = folder / DEFAULTS_FILE if folder is not None else None
    if path is None or not path.is_file():
        return DEFAULT_MONEY_UNIT
    units = read_yaml_mapping(path).get("units") or {}
    if not isinstance(units, dict):
        return check_money_unit(units, path)
    return check_money_unit(units.get("money", DEFAULT_MONEY_UNIT), path)


def money_unit(folder: Path | None = None) -> MoneyUnit:
    """The money unit of ``units: {money: …}`` in ``defaults.yaml`` of the parameters folder
    (:func:`~kpilib.parameter_files.find_parameters_dir`); ``million`` when unset."""
    return _read_money_unit(folder if folder is not None else find_parameters_dir())


def money_divisor(unit: MoneyUnit | None = None) -> float:
    """Rupees in one of the unit: 1e6 (million), 1e9 (billion), 1e7 (crore)."""
    return _UNIT_RUPEES[unit or money_unit()]


def money_in_unit(rupees: object, unit: MoneyUnit | None = None) -> float | None:
    """Rupees as a number of the unit (crore for ``lakh_crore``), None when missing."""
    if is_missing(rupees):
        return None
    return float(rupees) / money_divisor(unit)  # type: ignore[arg-type]


def money_unit_label(unit: MoneyUnit | None = None) -> str:
    """The unit as a heading says it: ``Rs m``, ``Rs bn`` or ``Rs crore``."""
    return f"Rs {_UNIT_WORD[unit or money_unit()]}"


def money_heading(label: str, unit: MoneyUnit | None = None) -> str:
    """A money column's heading with its unit: ``Revised budget (Rs m)``."""
    return f"{label} ({money_unit_label(unit)})"


def _group(number: float, digits: int, indian: bool) -> str:
    text = f"{number:,.{digits}f}"
    if not indian:
        return text
    sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = body.replace(",", "").partition(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    grouped = ",".join([*groups, tail]) if groups else tail
    return sign + grouped + (f".{fraction}" if fraction else "")


def format_money_value(rupees: object, digits: int = 1, unit: MoneyUnit | None = None) -> str:
    """The number of a table cell, in the unit its heading names: ``1234567890`` → ``"1,234.6"``
    (million), ``"1.2"`` (billion), ``"123.5"`` (crore; ``12,34,567.9`` Indian grouping)."""
    unit = unit or money_unit()
    amount = money_in_unit(rupees, unit)
    if amount is None:
        return MISSING
    return _group(amount, digits, unit == "lakh_crore")


def format_money(rupees: object, digits: int = 1, unit: MoneyUnit | None = None) -> str:
    """Money as a person reads it, with its unit: ``Rs 1,234.6 m``, ``Rs 1.2 bn``,
    ``Rs 123.5 crore`` (``Rs 45.0 lakh`` under a crore)."""
    unit = unit or money_unit()
    if is_missing(rupees):
        return MISSING
    value = float(rupees)  # type: ignore[arg-type]
    if unit == "lakh_crore" and abs(value) < _UNIT_RUPEES["lakh_crore"]:
        return f"Rs {_group(value / LAKH, digits, True)} lakh"
    return f"Rs {format_money_value(value, digits, unit)} {_UNIT_WORD[unit]}"


def format_date(day: date | datetime | None) -> str:
    """A date as a person reads it, on every surface: ``15 Feb 2026`` (``–`` when missing)."""
    if day is None or is_missing(day):
        return MISSING
    return f"{day.day} {day:%b %Y}"


def format_iso_date(text: str | None) -> str:
    """An ISO date as stored (``2026-02-15``) as a person reads it; empty when there is none."""
    return format_date(date.fromisoformat(text[:10])) if text else ""


def format_datetime(moment: datetime | None) -> str:
    """A time as a person reads it: ``15 Feb 2026 14:05`` (the zone is the caller's to say)."""
    if moment is None or is_missing(moment):
        return MISSING
    return f"{format_date(moment)} {moment:%H:%M}"
