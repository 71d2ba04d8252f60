"""How numbers read in reports and dashboards: Rs. million, percent, ratios; missing is "–".

Formatting only: no arithmetic beyond unit conversion (rupees → Rs. million, share → percent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value) in ("<NA>", "nan", "")


def format_million(rupees: object, digits: int = 1) -> str:
    """Rupees as Rs. million with thousands separators: ``1234567890`` → ``"1,234.6"``."""
    if _missing(rupees):
        return MISSING
    return f"{float(rupees) / 1e6:,.{digits}f}"  # type: ignore[arg-type]


def format_percent(value: object, digits: int = 1) -> str:
    """A percentage (already × 100): ``87.44`` → ``"87.4 %"``."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f} %"  # type: ignore[arg-type]


def format_share(fraction: object, digits: int = 0) -> str:
    """A fraction 0–1 as a percentage: ``0.753`` → ``"75 %"``."""
    if _missing(fraction):
        return MISSING
    return format_percent(float(fraction) * 100, digits)  # type: ignore[arg-type]


def format_number(value: object, digits: int = 1) -> str:
    """A plain number with thousands separators; whole numbers without decimals."""
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and digits >= 0 and abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}"


def format_times(value: object, digits: int = 2) -> str:
    """A ratio in times: ``1.234`` → ``"1.23×"``."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}×"  # type: ignore[arg-type]


def pefa_rag(score: object) -> str:
    """RAG of a PEFA score for display: A/B green, C amber, D red (with or without + or *)."""
    if _missing(score):
        return "grey"
    return PEFA_RAG.get(str(score)[0], "grey")


@dataclass(frozen=True)
class Column:
    """A column of a report table: the frame's ``key``, its heading and how to show it.

    ``kind``: ``text``, ``money`` (Rs. million), ``percent``, ``share`` (0–1 shown as %),
    ``number``, ``times``, ``count``, ``rag`` (a RAG status; ``label_key`` names the column with
    its text, default the standard label), ``rating`` (low … very high), ``zone`` (Z'' zone),
    ``pefa`` (a PEFA score), ``link`` (text whose ``href_key`` column holds a batch link).
    """

    key: str
    label: str
    kind: str = "text"
    digits: int = 1
    label_key: str | None = None
    href_key: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "percent", "share", "number", "times", "count")

    def format(self, value: object) -> str:
        if self.kind == "money":
            return format_million(value, self.digits)
        if self.kind == "percent":
            return format_percent(value, self.digits)
        if self.kind == "share":
            return format_share(value, self.digits)
        if self.kind == "number":
            return value if isinstance(value, str) else format_number(value, self.digits)
        if self.kind == "times":
            return format_times(value, self.digits)
        if self.kind == "count":
            return MISSING if _missing(value) else f"{int(float(value)):,}"  # type: ignore[arg-type]
        return MISSING if _missing(value) else str(value)
