"""How numbers read on every surface (reports, dashboards, portal): Rs. million, percent,
ratios, counts; a missing value is "–" (:func:`is_missing` is the one rule for what is missing).

Formatting only: no arithmetic beyond unit conversion (rupees → Rs. million, share → percent).
"""

from __future__ import annotations

import pandas as pd

MISSING = "–"
#: Risk ratings and Z'' zones shown as RAG labels (text first; colour only supports it).
RATING_RAG = {"low": "green", "moderate": "amber", "high": "red", "very high": "red"}
ZONE_RAG = {"safe": "green", "grey": "amber", "distress": "red"}
ZONE_LABELS = {
    "safe": "Safe",
    "grey": "Grey zone",
    "distress": "Distress",
    "not rated": "Not rated",
}
PEFA_RAG = {"A": "green", "B": "green", "C": "amber", "D": "red"}


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


def format_count(value: object) -> str:
    """A whole number with thousands separators: ``1234`` → ``"1,234"``."""
    if is_missing(value):
        return MISSING
    return f"{int(float(value)):,}"  # type: ignore[arg-type]


def format_million(rupees: object, digits: int = 1) -> str:
    """Rupees as Rs. million with thousands separators: ``1234567890`` → ``"1,234.6"``."""
    if is_missing(rupees):
        return MISSING
    return f"{float(rupees) / 1e6:,.{digits}f}"  # type: ignore[arg-type]


def format_percent(value: object, digits: int = 1) -> str:
    """A percentage (already × 100): ``87.44`` → ``"87.4 %"``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{digits}f} %"  # type: ignore[arg-type]


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
    return f"{number:,.{digits}f}"


def format_times(value: object, digits: int = 2) -> str:
    """A ratio in times: ``1.234`` → ``"1.23×"``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}×"  # type: ignore[arg-type]


def pefa_rag(score: object) -> str:
    """RAG of a PEFA score for display: A/B green, C amber, D red (with or without + or *)."""
    if is_missing(score):
        return "grey"
    return PEFA_RAG.get(str(score)[0], "grey")
